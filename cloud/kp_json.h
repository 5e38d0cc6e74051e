/* SPDX-License-Identifier: MIT */
/* kp_json.h - Key Protect and IAM bodies: bytes in, structs out, no I/O.
 * Bodies are read by common/json's strict reader and getters; parsed JSON
 * lives in secure memory (cJSON hooks), secrets in results are secmem
 * buffers. Shared with tests/kp-server (pure helpers). */
#ifndef P11SEAL_KP_JSON_H
#define P11SEAL_KP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "json.h"
#include "kp_jbuf.h"

struct cJSON;

#define KP_ID_SIZE        40   /* UUID (36) + NUL */
#define KP_NAME_SIZE      384  /* 90 characters of UTF-8 */
#define KP_DESC_SIZE      1024 /* 240 characters of UTF-8 */
#define KP_CRN_SIZE       256
#define KP_DATE_SIZE      40 /* RFC 3339 */
#define KP_RING_SIZE      128
#define KP_ALIAS_SIZE     96 /* 90 ASCII characters */
#define KP_ALIASES_MAX    5
#define KP_CIPHERTEXT_MAX 16384 /* wrapped DEK, base64 */
#define KP_PLAINTEXT_MAX  3072  /* 4096 base64 characters */
#define KP_AAD_MAX        126
#define KP_NONCE_LEN      12

/* Key states (NIST SP 800-57 numbering as KP uses it). */
enum kp_state {
	KP_STATE_PREACTIVE = 0,
	KP_STATE_ACTIVE = 1,
	KP_STATE_SUSPENDED = 2,
	KP_STATE_DEACTIVATED = 3,
	KP_STATE_DESTROYED = 5,
};

/* One key resource. payload (standard keys only) is secmem; the rest is
 * metadata, validated and NUL-terminated. Free with kp_json_key_clear(). */
struct kp_key {
	char id[KP_ID_SIZE];
	char name[KP_NAME_SIZE];
	char description[KP_DESC_SIZE];
	char crn[KP_CRN_SIZE];
	char key_ring_id[KP_RING_SIZE];
	char created_by[KP_NAME_SIZE];
	char creation_date[KP_DATE_SIZE];
	char last_update_date[KP_DATE_SIZE];
	char last_rotate_date[KP_DATE_SIZE];
	char expiration_date[KP_DATE_SIZE];
	char deletion_date[KP_DATE_SIZE];
	char key_version_id[KP_ID_SIZE];
	char aliases[KP_ALIASES_MAX][KP_ALIAS_SIZE];
	size_t n_aliases;
	int state;
	bool extractable;
	bool imported;
	bool deleted;
	uint8_t *payload;
	size_t payload_len;
};

struct kp_key_version {
	char id[KP_ID_SIZE];
	char creation_date[KP_DATE_SIZE];
};

/* IAM token: access_token is a secmem string. */
struct kp_iam_token {
	char *access_token;
	long long expires_in;
	long long expiration; /* Unix seconds; 0 if IAM did not send it */
};

/* Import token metadata; with material: pubkey (decoded payload: PEM text
 * or DER, secmem) and the 12-byte nonce. */
struct kp_import_token {
	char creation_date[KP_DATE_SIZE];
	char expiration_date[KP_DATE_SIZE];
	long long max_retrievals;
	long long remaining_retrievals;
	bool has_material;
	uint8_t *pubkey;
	size_t pubkey_len;
	uint8_t nonce[KP_NONCE_LEN];
};

/* Wrap, unwrap and rewrap results. plaintext is secmem (NULL when absent),
 * ciphertext strings are malloc'd base64 (NULL when absent). */
struct kp_wrapped {
	uint8_t *plaintext;
	size_t plaintext_len;
	char *ciphertext;
	char key_version_id[KP_ID_SIZE];
	char rewrapped_key_version_id[KP_ID_SIZE]; /* "" when absent */
};

/* A Key Protect or IAM error body, reduced to what we print. */
struct kp_error {
	char msg[512];
	char code[64];
	char reason[512];
	size_t n_reasons;
};

/* Fields of a new key (POST /keys). payload is base64 text (secmem when it
 * carries raw material); encrypted_nonce/iv/algorithm only for secure
 * import. NULL/0 fields are left out. */
struct kp_key_template {
	const char *name;
	const char *description;
	const char *aliases[KP_ALIASES_MAX];
	size_t n_aliases;
	const char *expiration_date;
	bool extractable;
	const char *payload;
	const char *encrypted_nonce;
	const char *iv;
	const char *algorithm;
};

/* bodies (kp_json.c) */

/* One Key Protect or IAM body: json_parse_object (the rules and limits of
 * common/json.h), and "empty response body" when there is none. The
 * process routes cJSON through secmem (secmem_use_for_json) before any
 * parse, as cli/main.c does, so parsed secrets are wiped. *out is freed
 * with cJSON_Delete. */
enum err kp_json_parse_strict(const char *buf, size_t len, struct cJSON **out);

/* Collection envelope: metadata.collectionType == type, collectionTotal ==
 * len(resources), every resource an object. */
enum err kp_json_envelope(const struct cJSON *root, const char *type,
                          const struct cJSON **resources, size_t *n);

/* RFC 3339 date member (digits, T, Z, :, ., +, -) into out. */
enum err kp_json_get_date(const struct cJSON *obj, const char *name, char *out,
                          size_t cap);

/* errors and IAM (kp_json.c) */

/* KP error envelope (collectionType ...error+json, resources[0].errorMsg,
 * optional reasons[]). */
enum err kp_json_parse_error(const char *buf, size_t len, struct kp_error *e);

/* IAM error body {errorCode, errorMessage}. */
enum err kp_json_parse_iam_error(const char *buf, size_t len,
                                 struct kp_error *e);

/* One line: "<who>: <msg> [CODE: reason] (HTTP n, correlation-id X)";
 * e may be NULL (no usable body). */
void kp_json_error_format(const struct kp_error *e, const char *who,
                          long status, const char *correlation_id, char *out,
                          size_t cap);

/* IAM token response. Free with kp_json_iam_token_clear(). */
enum err kp_json_parse_iam(const char *buf, size_t len,
                           struct kp_iam_token *out);
void kp_json_iam_token_clear(struct kp_iam_token *t);

/* keys (kp_json_key.c) */

/* Key envelope with any number of keys: *keys is calloc'd; free with
 * kp_json_keys_free(). */
enum err kp_json_parse_keys(const char *buf, size_t len, struct kp_key **keys,
                            size_t *n);

/* Key envelope with exactly one key. */
enum err kp_json_parse_key(const char *buf, size_t len, struct kp_key *out);

/* Versions envelope (newest first). *v is calloc'd; free(). */
enum err kp_json_parse_versions(const char *buf, size_t len,
                                struct kp_key_version **v, size_t *n);

/* Wipe and free a key's payload; the struct is zeroed. */
void kp_json_key_clear(struct kp_key *k);
void kp_json_keys_free(struct kp_key *keys, size_t n);

/* Readable state name ("active"); "unknown" outside the table. */
const char *kp_json_state_name(int state);

/* import token and key actions (kp_json_action.c) */

/* Import token (POST: metadata; GET: also payload and nonce when
 * want_material). Free with kp_json_import_token_clear(). */
enum err kp_json_parse_import_token(const char *buf, size_t len,
                                    bool want_material,
                                    struct kp_import_token *out);
void kp_json_import_token_clear(struct kp_import_token *t);

/* Wrap response: ciphertext, keyVersion.id, plaintext if generated. */
enum err kp_json_parse_wrap(const char *buf, size_t len,
                            struct kp_wrapped *out);

/* Unwrap response: plaintext, keyVersion.id; ciphertext and
 * rewrappedKeyVersion.id only together (key rotated since wrap). */
enum err kp_json_parse_unwrap(const char *buf, size_t len,
                              struct kp_wrapped *out);

/* Rewrap response: ciphertext, keyVersion.id, rewrappedKeyVersion.id. */
enum err kp_json_parse_rewrap(const char *buf, size_t len,
                              struct kp_wrapped *out);

void kp_json_wrapped_clear(struct kp_wrapped *w);

/* request bodies (kp_json_build.c) */

/* application/x-www-form-urlencoded API-key grant for IAM. */
enum err kp_json_build_iam_form(const char *api_key, struct kp_jbuf *out);

/* POST /keys envelope with one key. */
enum err kp_json_build_key(const struct kp_key_template *t,
                           struct kp_jbuf *out);

/* POST /import_token; 0 leaves a field to the server's default. */
enum err kp_json_build_import_token(long long expiration_s,
                                    long long max_retrievals,
                                    struct kp_jbuf *out);

/* Wrap body; plaintext NULL asks KP to generate a 32-byte DEK. */
enum err kp_json_build_wrap(const uint8_t *plaintext, size_t len,
                            const char *const *aad, size_t n_aad,
                            struct kp_jbuf *out);

/* Unwrap/rewrap body {ciphertext, aad?}. */
enum err kp_json_build_unwrap(const char *ciphertext, const char *const *aad,
                              size_t n_aad, struct kp_jbuf *out);

/* Rotate body: payload and, for secure import, nonce/iv/algorithm (all
 * NULL gives an empty object for a KP-generated key). */
enum err kp_json_build_rotate(const struct kp_key_template *t,
                              struct kp_jbuf *out);

#endif
