/* SPDX-License-Identifier: MIT */
/* p11_key.h - create keys from named profiles. Every key p11seal makes
 * has every boolean explicit and is read back and checked after creation. */
#ifndef P11SEAL_P11_KEY_H
#define P11SEAL_P11_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "p11.h"
#include "p11_obj.h"

struct p11_session;

/* Key profiles (docs/pkcs11-tokens.md §2). */
enum p11_profile {
	P11P_ROOT,        /* AES-256, GCM only, exportable by trusted wrap:
	                   * an import ceremony's material, nothing kept */
	P11P_ROOT_LOCKED, /* AES-256, GCM only, never extractable */
	P11P_DEK_DATA,    /* XTS data half: ECB encrypt+decrypt */
	P11P_DEK_TWEAK,   /* XTS tweak half: ECB encrypt only */
	P11P_DEK_XTS,     /* native CKM_AES_XTS key */
	P11P_AUDIT,       /* HMAC-SHA256 key for the audit chain */
	P11P_ROOT_CBC,    /* as P11P_ROOT, but CBC-PAD only (HPCS nonce step) */
	P11P_ROOT_KEPT,   /* the root a token keeps once Key Protect holds
	                   * the material: AES-256, no usage at all (an
	                   * encrypting copy gives every WDEK's keystream) */
	P11P_COUNT
};

struct p11_key_spec {
	enum p11_profile profile;
	const char *label;
	const uint8_t *id;
	size_t id_len;
	size_t len;      /* key bytes */
	bool exportable; /* DEK halves: extractable with WRAP_WITH_TRUSTED */
	bool session;    /* CKA_TOKEN=false (and neither CKA_MODIFIABLE nor
	                  * CKA_COPYABLE false: C_CopyObject needs both) */
};

/* Bytes of the CKA_ID p11_key_new_id makes. */
#define P11_KEY_ID_LEN 16

/* A fresh random CKA_ID from the token's RNG for a key about to be made.
 * Every key p11seal makes gets one: NSS softoken merges token keys that
 * share a CKA_ID (measured), and the ID is what ties a DEK's halves or a
 * transport pair together. */
enum err p11_key_new_id(struct p11_session *s, uint8_t id[P11_KEY_ID_LEN]);

/* Every way of making a key below sends the profile's whole template. A
 * token that refuses it gets it again without the optional attributes
 * (CKA_COPYABLE, CKA_ALLOWED_MECHANISMS) it refuses, found by leaving out
 * one, then two, and the key made is recorded (p11_key_omission). An
 * attribute of the key's custody that the token refuses fails the call
 * with ERR_UNSUPPORTED naming it; no key is left behind. */

/* Generate a key in the token per spec, then check it (read-back). */
enum err p11_key_generate(struct p11_session *s,
                          const struct p11_key_spec *spec,
                          CK_OBJECT_HANDLE *out);

/* Create a key from value bytes (import) per spec, then check it. */
enum err p11_key_import(struct p11_session *s, const struct p11_key_spec *spec,
                        const uint8_t *value, size_t len,
                        CK_OBJECT_HANDLE *out);

/* Unwrap blob with mech under unwrapper into a key per spec (its length
 * comes from the blob; spec->len is not sent), then check it like a
 * generated key. */
enum err p11_key_unwrap(struct p11_session *s, const struct p11_key_spec *spec,
                        CK_MECHANISM *mech, CK_OBJECT_HANDLE unwrapper,
                        const uint8_t *blob, size_t len, CK_OBJECT_HANDLE *out);

/* The most optional attributes a key can be made without. */
#define P11_KEY_OMIT_MAX 4

/* A key made without optional attributes its token refused. */
struct p11_key_omission {
	char label[P11_LABEL_MAX + 1];
	const char *attrs[P11_KEY_OMIT_MAX]; /* "CKA_COPYABLE", ... (static) */
	size_t n;                            /* at least 1 */
};

/* The i-th key this thread made without some optional attributes, in the
 * order made (a label made again replaces its entry); false past the
 * last. For the callers that warn and keep it in the key's metadata. */
bool p11_key_omission(size_t i, struct p11_key_omission *out);

/* A token key labelled to was copied from the key labelled from (a
 * session key, gone once the copy is done): what from was made without is
 * to's now, with CKA_COPYABLE when the copy could not set it false.
 * ERR_INTERNAL as p11_key_omission's record is full. */
enum err p11_key_omission_copy(const char *from, const char *to,
                               bool copyable_refused);

/* ERR_POLICY naming the first attribute of info that breaks profile p. */
enum err p11_key_check_profile(const struct p11_obj_info *info,
                               enum p11_profile p);

#endif
