/* SPDX-License-Identifier: MIT */
/* km_key_create.h - every key p11seal generates in a token: root keys,
 * DEKs, station transport key pairs, bridge bundle signer key pairs and
 * the audit key. Each gets a label
 * no other object carries, a fresh CKA_ID, its profile's attributes
 * (checked on read-back) and metadata beside it where the token keeps
 * any. A failure leaves nothing behind. */
#ifndef P11SEAL_KM_KEY_CREATE_H
#define P11SEAL_KM_KEY_CREATE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "km_dek_store.h"
#include "p11_rsa.h"

struct p11_session;

/* An AES-256 root key labelled label: exportable by trusted wrap only,
 * or never extractable. *meta_stored: false when the token keeps no
 * data objects. */
enum err km_key_create_root(struct p11_session *s, const char *label,
                            bool never_extractable, bool *meta_stored);

/* A DEK of size 32|64 bytes generated in the token (exportable: by
 * trusted wrap only), with its keyhash. */
enum err km_key_create_dek(struct p11_session *s, const char *label,
                           size_t size, bool exportable,
                           struct km_dek_stored *out);

/* What a new transport key pair is. */
struct km_transport {
	unsigned long bits;
	char fingerprint[P11_RSA_FP_HEX]; /* SHA-256 of the public key */
	double seconds;                   /* key generation alone */
	bool meta_stored;
};

/* An RSA transport key pair of bits bits labelled label: the private key
 * only unwraps, into keys that stay sensitive and inside the token. */
enum err km_key_create_transport(struct p11_session *s, const char *label,
                                 unsigned long bits, struct km_transport *out);

/* What a new bundle signer key pair is. */
struct km_signer {
	char fingerprint[P11_RSA_FP_HEX]; /* SHA-256 of the public key */
	bool meta_stored;
};

/* A bridge's ECDSA P-256 bundle signer key pair labelled label: the
 * private key only signs, is sensitive and never extractable. */
enum err km_key_create_signer(struct p11_session *s, const char *label,
                              struct km_signer *out);

/* The token's one audit key (HMAC-SHA256, sign/verify only, never
 * extractable), which turns auditing on and starts the chain. A new key
 * starts a new chain, so the log at log_path must be missing or empty.
 * *keeps_head: false when the token cannot store the chain head. */
enum err km_key_create_audit(struct p11_session *s, const char *label,
                             const char *log_path, bool *keeps_head,
                             bool *meta_stored);

#endif
