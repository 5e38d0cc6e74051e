/* SPDX-License-Identifier: MIT */
/* p11_uri.h - RFC 7512 PKCS#11 URIs: pure parsing and matching, no I/O. */
#ifndef P11SEAL_P11_URI_H
#define P11SEAL_P11_URI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "p11.h"

#define P11_URI_ID_MAX 128

struct p11_uri {
	/* token attributes; NULL = not given (matches anything) */
	char *token, *manufacturer, *model, *serial;
	/* library attributes */
	char *library_manufacturer, *library_description;
	/* object attributes */
	char *object;
	uint8_t id[P11_URI_ID_MAX];
	size_t id_len;
	bool has_id;
	char *type; /* "secret-key", "private", "public", "cert", "data" */
	/* query attributes */
	char *pin_source;
	char *module_name, *module_path;
};

/* Parse s ("pkcs11:..." ) into a new URI; ERR_FORMAT names the bad part.
 * Free with p11_uri_free. pin-value (a PIN on the command line) is
 * refused in path and query alike. */
enum err p11_uri_parse(const char *s, struct p11_uri **out);

/* Free a parsed URI; NULL is a no-op. */
void p11_uri_free(struct p11_uri *u);

/* True if the token described by info matches every token attribute of u
 * (a NULL u matches every token). Compares after trimming the blank
 * padding of CK_TOKEN_INFO fields. */
bool p11_uri_match_token(const struct p11_uri *u, const CK_TOKEN_INFO *info);

/* Write "pkcs11:model=..;manufacturer=..;serial=..;token=.." for info,
 * percent-encoding as RFC 7512 requires, into out (cap bytes). */
void p11_uri_format_token(char *out, size_t cap, const CK_TOKEN_INFO *info);

/* Copy a blank-padded PKCS#11 field of len bytes into a NUL-terminated,
 * trimmed string (out has len+1 bytes). */
void p11_uri_trim_field(char *out, const unsigned char *field, size_t len);

#endif
