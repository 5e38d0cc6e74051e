/* SPDX-License-Identifier: MIT */
/* json.h - the one strict JSON reader of p11seal: Key Protect and IAM
 * answers, manifests, DEK bundles, audit records, token metadata. Every
 * text is read the same way, so no reader can be shown a second meaning
 * (a duplicate name, a NUL that cuts a string) that another does not see.
 * Pure: bytes in, a cJSON tree out, no I/O. */
#ifndef P11SEAL_JSON_H
#define P11SEAL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct cJSON;

#define JSON_MAX_SIZE    (1u << 20)  /* largest text parsed */
#define JSON_MAX_DEPTH   16          /* p11seal's formats need fewer than 5 */
#define JSON_MAX_MEMBERS 256         /* members per object (duplicate check) */
#define JSON_INT_MAX     (1ll << 53) /* integers a double holds exactly */

/* Parse len bytes (need not be NUL-terminated) as exactly one RFC 8259
 * JSON text. ERR_FORMAT, with the offset in the detail where there is one,
 * for: an empty text or one over JSON_MAX_SIZE bytes; a NUL byte; invalid
 * UTF-8 (RFC 3629: no overlong forms, surrogates or code points past
 * U+10FFFF); a control byte in a string, or outside one anything but tab,
 * LF and CR; an escape other than \" \\ \/ \b \f \n \r \t \uXXXX; \u0000;
 * a lone surrogate escape; a number not in RFC 8259 form (+1, 01, .5, 1.)
 * or beyond double range (1e400); nesting deeper than JSON_MAX_DEPTH; a
 * duplicate member name; more than JSON_MAX_MEMBERS members in an object;
 * anything after the value. Strings in the tree are valid UTF-8 with no
 * NUL. The text is copied into secmem for the parse, and the tree is
 * allocated through cJSON's hooks (secmem once the process called
 * secmem_use_for_json). Free *out with cJSON_Delete. */
enum err json_parse(const char *buf, size_t len, struct cJSON **out);

/* What json_parse refused, for readers that report the two apart. */
enum json_fault {
	JSON_FAULT_NONE,
	JSON_FAULT_SYNTAX, /* not an RFC 8259 JSON text at all */
	JSON_FAULT_LIMIT,  /* JSON, but past a limit or rule of this reader:
	                      size, depth, \u0000, a duplicate name, members,
	                      number range */
};

/* json_parse, also saying which kind of text it refused. */
enum err json_parse_fault(const char *buf, size_t len, struct cJSON **out,
                          enum json_fault *fault);

/* json_parse, and the value must be an object ("not a JSON object"). */
enum err json_parse_object(const char *buf, size_t len, struct cJSON **out);

/* Typed getters. Each reads member name of object obj; a member that is
 * absent or JSON null counts as absent, which is ERR_OK (out set to its
 * empty value) unless required. Otherwise ERR_FORMAT with one detail
 * naming the field ("field 'size' must be an integer"); callers add where
 * with err_wrap. */

/* The member, or NULL when absent or JSON null. */
const struct cJSON *json_member(const struct cJSON *obj, const char *name);

/* Copy a string member into out (cap bytes, so at most cap - 1 of text);
 * refuses control characters (< 0x20, DEL), as the text is shown or
 * stored as is. "" when absent. */
enum err json_get_str(const struct cJSON *obj, const char *name, bool required,
                      char *out, size_t cap);

/* A string member of at most max bytes, borrowed from the tree (valid
 * until cJSON_Delete); control characters allowed (the caller escapes
 * them). NULL when absent. */
enum err json_get_strp(const struct cJSON *obj, const char *name, bool required,
                       size_t max, const char **out);

/* An integer member (a number with no fraction) within [min, max], which
 * are clamped to +-JSON_INT_MAX. *out is left alone when absent. */
enum err json_get_int(const struct cJSON *obj, const char *name, bool required,
                      long long min, long long max, long long *out);

/* true or false (not "true" the string). *out is left alone when absent. */
enum err json_get_bool(const struct cJSON *obj, const char *name, bool required,
                       bool *out);

/* An object member; NULL when absent. */
enum err json_get_obj(const struct cJSON *obj, const char *name, bool required,
                      const struct cJSON **out);

/* An array member of at most max items: *out its first item (NULL when
 * empty or absent), *n the count. */
enum err json_get_arr(const struct cJSON *obj, const char *name, bool required,
                      size_t max, const struct cJSON **out, size_t *n);

/* Hex digits (either case) of min..max bytes decoded into out (max bytes);
 * *len gets the count and may be NULL. *len is 0 when absent. */
enum err json_get_hex(const struct cJSON *obj, const char *name, bool required,
                      size_t min, size_t max, uint8_t *out, size_t *len);

/* Standard padded base64 of min..max bytes decoded into out (max bytes). */
enum err json_get_b64(const struct cJSON *obj, const char *name, bool required,
                      size_t min, size_t max, uint8_t *out, size_t *len);

/* json_get_b64 into a new secmem buffer (free with secmem_free), for
 * members that carry key material; *out stays NULL when absent. */
enum err json_get_b64_secret(const struct cJSON *obj, const char *name,
                             bool required, size_t min, size_t max,
                             uint8_t **out, size_t *len);

/* Text checks for what a field holds. */

/* True if len bytes at s are valid UTF-8 (RFC 3629). */
bool json_utf8_valid(const char *s, size_t len);

/* True if s is a UUID (8-4-4-4-12 hex digits, either case). */
bool json_is_uuid(const char *s);

/* Copy src into out (cap bytes), replacing anything but printable ASCII
 * by '?', so text from a file or a server cannot drive the terminal. */
void json_sanitize(char *out, size_t cap, const char *src);

#endif
