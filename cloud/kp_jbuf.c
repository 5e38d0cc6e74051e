/* SPDX-License-Identifier: MIT */
/* kp_jbuf.c - bounded JSON writer into secure memory. Overflow is sticky
 * and reported once by kp_jbuf_done(), so builders stay linear. */
#include "kp_jbuf.h"

#include <stdio.h>
#include <string.h>

#include "encode.h"
#include "secmem.h"

enum err kp_jbuf_init(struct kp_jbuf *j, size_t cap)
{
	memset(j, 0, sizeof(*j));
	j->buf = secmem_alloc(cap + 1);
	if (!j->buf)
		return err_set(ERR_NOMEM,
		               "no secure memory for a %zu-byte "
		               "request body",
		               cap);
	j->cap = cap;
	return ERR_OK;
}

void kp_jbuf_free(struct kp_jbuf *j)
{
	secmem_free(j->buf);
	memset(j, 0, sizeof(*j));
}

void kp_jbuf_raw(struct kp_jbuf *j, const char *text, size_t len)
{
	if (j->overflow || len > j->cap - j->len) {
		j->overflow = true;
		return;
	}
	memcpy(j->buf + j->len, text, len);
	j->len += len;
	j->buf[j->len] = '\0';
}

static void put_char(struct kp_jbuf *j, char ch)
{
	kp_jbuf_raw(j, &ch, 1);
}

/* One JSON string literal; control characters become \u00XX. */
static void put_string(struct kp_jbuf *j, const char *s)
{
	put_char(j, '"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		char esc[8];

		if (ch == '"' || ch == '\\') {
			put_char(j, '\\');
			put_char(j, (char)ch);
		} else if (ch < 0x20 || ch == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", ch);
			kp_jbuf_raw(j, esc, 6);
		} else {
			put_char(j, (char)ch);
		}
	}
	put_char(j, '"');
}

/* Comma between values, then "name": when a name is given. */
static void put_name(struct kp_jbuf *j, const char *name)
{
	if (j->need_comma)
		put_char(j, ',');
	if (name) {
		put_string(j, name);
		put_char(j, ':');
	}
	j->need_comma = true;
}

void kp_jbuf_open(struct kp_jbuf *j, const char *name, char bracket)
{
	put_name(j, name);
	put_char(j, bracket);
	j->need_comma = false;
}

void kp_jbuf_close(struct kp_jbuf *j, char bracket)
{
	put_char(j, bracket);
	j->need_comma = true;
}

void kp_jbuf_str(struct kp_jbuf *j, const char *name, const char *val)
{
	put_name(j, name);
	put_string(j, val);
}

/* Base64 straight into the secure buffer: no intermediate copy. */
void kp_jbuf_b64(struct kp_jbuf *j, const char *name, const uint8_t *val,
                 size_t len)
{
	size_t n = encode_base64_len(len);

	put_name(j, name);
	put_char(j, '"');
	if (j->overflow || n > j->cap - j->len) {
		j->overflow = true;
		return;
	}
	encode_base64(j->buf + j->len, val, len);
	j->len += n;
	put_char(j, '"');
}

void kp_jbuf_int(struct kp_jbuf *j, const char *name, long long val)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%lld", val);

	put_name(j, name);
	kp_jbuf_raw(j, num, (size_t)n);
}

void kp_jbuf_bool(struct kp_jbuf *j, const char *name, bool val)
{
	put_name(j, name);
	kp_jbuf_raw(j, val ? "true" : "false", val ? 4 : 5);
}

enum err kp_jbuf_done(const struct kp_jbuf *j, const char *what)
{
	if (j->overflow)
		return err_set(ERR_FORMAT,
		               "%s: request body longer than %zu "
		               "bytes",
		               what, j->cap);
	return ERR_OK;
}
