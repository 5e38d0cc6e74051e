/* SPDX-License-Identifier: MIT */
/* km_audit.h - audit log records: one canonical JSON line each, chained
 * by SHA-256 and MAC'd in the token. Pure: bytes in, struct out, no I/O.
 *
 * A line is exactly what km_audit_build writes, members in this order,
 * absent optional members (and empty optional objects) left out:
 *   {"v":1,"seq":N,"time":"YYYY-MM-DDTHH:MM:SSZ",
 *    "user":{"name":S,"uid":N},"host":S,"token":{"label":S,"serial":S},
 *    "op":S,"key":{"label":S,"id":HEX,"kind":S,"keyhash":HEX64},
 *    "kp":{"key_id":S,"correlation_id":S},"image":{"sha256":HEX64,"path":S},
 *    "result":S,"intent":N,"prev":HEX64,"mac":HEX64}
 * Strings escape only '"', '\' (as \" \\) and bytes 00-1f and 7f (as
 * \u00xx); other bytes are copied, an invalid UTF-8 byte becomes U+FFFD.
 * Numbers are plain decimal. mac = HMAC-SHA256 over the same line without
 * the mac member (it ends ..."prev":"..."}); prev = SHA-256 of the
 * previous line without its newline, or the genesis hash for record 1.
 *
 * A command writes two records: an intent (result "started", no "intent"
 * member) before it touches a key or writes data, and its result ("ok",
 * "<class>: <detail>") with "intent" = the intent's seq. Deleting the
 * token's audit key writes "final" instead: the key is destroyed right
 * after that record, so no record can follow it. Logs written before
 * intents existed hold results without "intent"; they stay valid. */
#ifndef P11SEAL_KM_AUDIT_H
#define P11SEAL_KM_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "err.h"

#define KM_AUDIT_VERSION    1            /* records and the chain head */
#define KM_AUDIT_LINE_MAX   (16u * 1024) /* bytes, without the newline */
#define KM_AUDIT_HASH_LEN   32
#define KM_AUDIT_MAC_LEN    32
#define KM_AUDIT_ID_HEX_MAX 128 /* a CKA_ID of up to 64 bytes */
#define KM_AUDIT_TIME_LEN   20  /* 2025-01-31T12:00:00Z */
#define KM_AUDIT_SEQ_MAX    (1ull << 53)

#define KM_AUDIT_STARTED "started" /* result of an intent record */
#define KM_AUDIT_FINAL   "final"   /* result: the audit key goes next */

struct km_audit_rec {
	uint64_t seq;                     /* 1, 2, ... */
	char time[KM_AUDIT_TIME_LEN + 1]; /* RFC 3339, UTC, seconds */
	const char *user;                 /* login name, "" if unknown */
	uint64_t uid;
	const char *host;
	const char *token_label, *token_serial;
	const char *op; /* "key.create", "vhd.encrypt" */
	/* optional: NULL leaves the member out */
	const char *key_label, *key_id, *key_kind, *key_keyhash;
	const char *kp_key_id, *kp_correlation_id;
	const char *image_sha256, *image_path;
	const char *image_target; /* where it went: cos://REGION/BUCKET/OBJ */
	const char *result;       /* "ok", "<class>: <detail>", KM_AUDIT_STARTED
	                             or KM_AUDIT_FINAL */
	uint64_t intent; /* seq of the intent this result ends; 0: none */
	uint8_t prev[KM_AUDIT_HASH_LEN];
	uint8_t mac[KM_AUDIT_MAC_LEN];
	cJSON *json; /* km_audit_parse: owns the strings above */
};

/* Why a line is not a record, for km_audit_parse. */
enum km_audit_bad {
	KM_AUDIT_BAD_NONE,
	KM_AUDIT_BAD_JSON,      /* not one JSON value */
	KM_AUDIT_BAD_RECORD,    /* JSON, but not this schema (detail says) */
	KM_AUDIT_BAD_VERSION,   /* a "v" this build does not know */
	KM_AUDIT_BAD_CANONICAL, /* a record, but not as km_audit_build
	                           writes it: edited */
};

/* The chain head kept in the token: the last record's seq and line hash,
 * and the audit key (CKA_ID hex) whose chain it is. seq 0 = no record
 * yet; hash is then the genesis hash. */
struct km_audit_head {
	uint64_t seq;
	uint8_t hash[KM_AUDIT_HASH_LEN];
	char key_id[KM_AUDIT_ID_HEX_MAX + 1];
};

/* Canonical line of r into out (cap bytes incl. NUL): with_mac false
 * gives the bytes the MAC covers. ERR_FORMAT if a field is malformed
 * (bad hex, time, seq) or the line would exceed KM_AUDIT_LINE_MAX. */
enum err km_audit_build(const struct km_audit_rec *r, bool with_mac, char *out,
                        size_t cap, size_t *len);

/* Parse one line (len bytes, no newline) strictly: one JSON object of the
 * schema above, byte for byte canonical. On failure *bad says why and
 * ERR_FORMAT's detail names the member. Release with km_audit_rec_clear
 * (also safe after a failure). */
enum err km_audit_parse(const char *line, size_t len, struct km_audit_rec *out,
                        enum km_audit_bad *bad);

/* True for an intent record (result KM_AUDIT_STARTED). */
bool km_audit_is_intent(const struct km_audit_rec *r);

/* True for the record written just before the audit key was destroyed. */
bool km_audit_is_final(const struct km_audit_rec *r);

/* Free what km_audit_parse keeps; r is zeroed. */
void km_audit_rec_clear(struct km_audit_rec *r);

/* SHA-256 of a line (without its newline): the next record's prev. */
enum err km_audit_hash(const char *line, size_t len,
                       uint8_t out[KM_AUDIT_HASH_LEN]);

/* Genesis hash (prev of record 1): SHA-256 of the ASCII text
 * "p11seal audit genesis <token serial> <audit key CKA_ID hex>". */
enum err km_audit_genesis(const char *serial, const char *key_id,
                          uint8_t out[KM_AUDIT_HASH_LEN]);

/* Head as stored in the token: {"v":1,"key_id":H,"seq":N,"hash":H64}. */
enum err km_audit_head_build(const struct km_audit_head *h, char *out,
                             size_t cap, size_t *len);

/* Parse a stored head; ERR_FORMAT if it is not exactly that form. */
enum err km_audit_head_parse(const char *s, size_t len,
                             struct km_audit_head *out);

/* RFC 3339 UTC time of t into out. */
void km_audit_time(int64_t t, char out[KM_AUDIT_TIME_LEN + 1]);

#endif
