/* SPDX-License-Identifier: MIT */
/* kp_jbuf.h - bounded JSON writer into secure memory: request bodies carry
 * DEKs and key material, so they are built where they can be wiped. */
#ifndef P11SEAL_KP_JBUF_H
#define P11SEAL_KP_JBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct kp_jbuf {
	char *buf; /* secmem, NUL-terminated */
	size_t len;
	size_t cap;
	bool need_comma;
	bool overflow;
};

/* Secure buffer for at most cap bytes of text; free with kp_jbuf_free(). */
enum err kp_jbuf_init(struct kp_jbuf *j, size_t cap);

/* Wipe and free; the struct is zeroed. */
void kp_jbuf_free(struct kp_jbuf *j);

/* Open '{' or '[' (as member name, or a bare value when name is NULL). */
void kp_jbuf_open(struct kp_jbuf *j, const char *name, char bracket);
void kp_jbuf_close(struct kp_jbuf *j, char bracket);

/* Members (name NULL: array element). Strings are escaped for JSON. */
void kp_jbuf_str(struct kp_jbuf *j, const char *name, const char *val);
void kp_jbuf_b64(struct kp_jbuf *j, const char *name, const uint8_t *val,
                 size_t len);
void kp_jbuf_int(struct kp_jbuf *j, const char *name, long long val);
void kp_jbuf_bool(struct kp_jbuf *j, const char *name, bool val);

/* Raw text (form bodies); the caller guarantees it needs no escaping. */
void kp_jbuf_raw(struct kp_jbuf *j, const char *text, size_t len);

/* ERR_FORMAT if the text outgrew cap, else ERR_OK. */
enum err kp_jbuf_done(const struct kp_jbuf *j, const char *what);

#endif
