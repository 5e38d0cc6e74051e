/* SPDX-License-Identifier: MIT */
/* km_ceremony.h - the token side of one Key Protect secure import (a new
 * root key, or a new version of one): fresh AES-256 root material, the
 * fields that carry it to Key Protect under the import token, and the
 * root key the token keeps once Key Protect has accepted it. Three paths,
 * chosen by what the token can do (docs/pkcs11-tokens.md §1, §3). Key
 * Protect itself is the caller's business (km_kproot). */
#ifndef P11SEAL_KM_CEREMONY_H
#define P11SEAL_KM_CEREMONY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "p11.h"
#include "p11_obj.h"

struct p11_session;
struct evp_pkey_st;
struct kp_import_fields;

enum km_path {
	/* In the token, with the security officer: the SO makes the import
	 * key a trusted session key whose wrap template admits only this
	 * ceremony's material; the user generates that material as a session
	 * key which can leave only under trusted keys, wraps it under the
	 * import key, and copies it as a token key that can never leave. */
	KM_PATH_TRUSTED,
	/* In the token, for tokens that do not enforce trusted wrapping
	 * (NSS softoken): the material is a session key, wrapped once, then
	 * copied as a token key that can never leave. */
	KM_PATH_SESSION,
	/* Host-assisted (--host-assisted only): 32 bytes from the token's
	 * RNG in locked host memory, RSA-OAEP and nonce with OpenSSL, then
	 * stored as a never-extractable token key; the host copy is wiped. */
	KM_PATH_HOST,
};

/* "in-token" or "host-assisted". */
const char *km_path_import(enum km_path p);

/* "trusted-wrap", "session-copy" or "host-assisted". */
const char *km_path_name(enum km_path p);

/* Choose the path in a user session: KM_PATH_HOST when host_assisted;
 * otherwise in the token when it can wrap with RSA-OAEP (SHA-256; SHA-1
 * for HPCS) and encrypt the nonce (AES-GCM; AES-CBC-PAD for HPCS), by
 * trial -- KM_PATH_TRUSTED when it enforces CKA_WRAP_WITH_TRUSTED and
 * CKA_WRAP_TEMPLATE, else KM_PATH_SESSION. ERR_POLICY explaining both ways on
 * when it cannot. */
enum err km_ceremony_plan(struct p11_session *s, bool hpcs, bool host_assisted,
                          enum km_path *out);

struct km_ceremony_in {
	enum km_path path;
	bool hpcs;               /* OAEP-SHA-1 and CBC nonce */
	const char *label;       /* token label of the new root key */
	struct evp_pkey_st *pub; /* the import token's RSA key */
	const uint8_t *nonce;    /* the import token's nonce */
	size_t nonce_len;
	const char *so_pin;   /* KM_PATH_TRUSTED only */
	const char *user_pin; /* KM_PATH_TRUSTED: to log back in */
};

/* Hardening the SO's import key got (KM_PATH_TRUSTED), and how many
 * trusted import keys left in the token by an interrupted import of an
 * older p11seal were removed first (every path). */
struct km_ceremony_info {
	char import_key_label[P11_LABEL_MAX + 1];
	bool oaep_only, wrap_template, not_modifiable;
	size_t leftovers_removed;
};

struct km_ceremony;

/* Make root material for in->label and its import fields: a session key
 * on the in-token paths, secmem on the host path; nothing in the token
 * yet. The session is a user session again when this returns, whatever
 * happened. */
enum err km_ceremony_begin(struct p11_session *s,
                           const struct km_ceremony_in *in,
                           struct km_ceremony **out);

/* payload, encryptedNonce, iv and encryptionAlgorithm for Key Protect. */
const struct kp_import_fields *km_ceremony_fields(const struct km_ceremony *c);

/* What the trusted path did (zeroed on the other paths). */
const struct km_ceremony_info *km_ceremony_info(const struct km_ceremony *c);

/* Key Protect accepted the material: the token keeps the root key, made
 * now on every path, not extractable, with no usage (no keystream oracle
 * for the WDEKs) and not modifiable where the token allows, with CKA_ID
 * id; read back against P11P_ROOT_KEPT. */
enum err km_ceremony_keep(struct km_ceremony *c, const uint8_t *id,
                          size_t id_len, CK_OBJECT_HANDLE *out);

/* Destroy the import key and the session material; wipe host material.
 * Keeps the error detail; NULL is a no-op. */
void km_ceremony_free(struct km_ceremony *c);

#endif
