/* SPDX-License-Identifier: MIT */
/* srv_json.h - strict JSON parsing (no duplicate keys, no \u0000, bounded
 * nesting, valid UTF-8), typed field getters, base64 and RFC 3339 dates
 * for kp-server. Pure: no I/O. */
#ifndef SRV_JSON_H
#define SRV_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "err.h"

#define SRV_JSON_MAX_DEPTH 16
/* RFC 3339 dates we read and write: 0000-01-01 .. 9999-12-31T23:59:59Z */
#define SRV_JSON_TIME_MIN (-62167219200LL)
#define SRV_JSON_TIME_MAX 253402300799LL

enum srv_json_get {
	SRV_JSON_ABSENT, /* missing or JSON null */
	SRV_JSON_OK,
	SRV_JSON_BAD, /* present with the wrong type or out of range */
};

/* Parse len bytes of text (text[len] must be NUL) strictly: ERR_FORMAT
 * with a detail for NUL bytes, bad UTF-8, \u0000 escapes, nesting deeper
 * than SRV_JSON_MAX_DEPTH, syntax errors and duplicate object keys. */
enum err srv_json_parse(const char *text, size_t len, cJSON **out);

/* The string member name of obj. */
enum srv_json_get srv_json_get_str(const cJSON *obj, const char *name,
                                   const char **out);

/* The boolean member name of obj. */
enum srv_json_get srv_json_get_bool(const cJSON *obj, const char *name,
                                    bool *out);

/* The integral number member name of obj within [lo, hi]. */
enum srv_json_get srv_json_get_int(const cJSON *obj, const char *name,
                                   int64_t lo, int64_t hi, int64_t *out);

/* Decode standard padded base64 s into out (cap bytes). On ERR_FORMAT,
 * *bad_at is the index of the first offending character (Go style). */
enum err srv_json_b64(const char *s, uint8_t *out, size_t cap, size_t *len,
                      size_t *bad_at);

/* New cJSON string holding base64 of len bytes; NULL on no memory. */
cJSON *srv_json_b64_new(const uint8_t *in, size_t len);

/* "2026-03-12T03:37:32Z" for t into out (at least 21 bytes). */
void srv_json_time_fmt(char *out, size_t cap, int64_t t);

/* Parse an RFC 3339 date (Z or +hh:mm offset, optional fraction). */
enum err srv_json_time_parse(const char *s, int64_t *out);

/* Add the RFC 3339 string of t as member name; false on no memory. */
bool srv_json_add_time(cJSON *obj, const char *name, int64_t t);

#endif
