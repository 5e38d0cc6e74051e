/* SPDX-License-Identifier: MIT */
/* p11_ec.h - ECDSA P-256 keys that sign DEK bundles. The bridge makes a
 * signer key pair in its token (private half sign-only, sensitive, never
 * extractable); a station keeps an SO-pinned copy of the public half
 * (p11_ec_pin.h). A signature is over a SHA-256 digest, as raw r||s (IEEE
 * P1363, what CKM_ECDSA returns): 64 bytes. A public key's fingerprint is
 * p11_rsa_fingerprint's rule, SHA-256 of its DER SubjectPublicKeyInfo,
 * whatever the key type. */
#ifndef P11SEAL_P11_EC_H
#define P11SEAL_P11_EC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "p11.h"
#include "p11_obj.h"

struct p11_session;
struct evp_pkey_st;

#define P11_EC_DIGEST_LEN 32 /* SHA-256 */
#define P11_EC_SIG_LEN    64 /* r || s, 32 bytes each */
#define P11_EC_POINT_LEN  65 /* 04 || X || Y */

/* CKA_EC_PARAMS of P-256: the DER OID of prime256v1. */
extern const uint8_t p11_ec_p256_params[10];

/* What an EC object is for, as p11_ec_check sees it. */
enum p11_ec_role {
	P11_EC_SIGNER_PRIVATE, /* bridge: signs bundles, never leaves */
	P11_EC_SIGNER_PUBLIC,  /* bridge: published, used for nothing */
	P11_EC_PINNED,         /* station: SO-trusted, verifies only */
};

/* Generate a P-256 signer key pair labelled label with CKA_ID id, read
 * both halves back and check them; nothing is left on failure. */
enum err p11_ec_generate_signer(struct p11_session *s, const char *label,
                                const uint8_t *id, size_t id_len,
                                CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv);

/* ERR_POLICY naming the first attribute of info that breaks role (pure;
 * the curve is checked where the key is read). */
enum err p11_ec_check(const struct p11_obj_info *info, enum p11_ec_role role);

/* The signer private key labelled label, checked; with label NULL the
 * token's only one: ERR_NOT_FOUND if it has none, ERR_USAGE naming them
 * if it has several. */
enum err p11_ec_find_signer(struct p11_session *s, const char *label,
                            CK_OBJECT_HANDLE *out);

/* The public key of signer private key priv, from its public half (same
 * label and CKA_ID, checked), which must verify a fresh signature of priv
 * (a user could replace that object). Free *out with EVP_PKEY_free. */
enum err p11_ec_signer_public(struct p11_session *s, CK_OBJECT_HANDLE priv,
                              struct evp_pkey_st **out);

/* The P-256 public key held by EC public key object h. */
enum err p11_ec_public_key(struct p11_session *s, CK_OBJECT_HANDLE h,
                           struct evp_pkey_st **out);

/* Sign digest with signer private key priv in the token (CKM_ECDSA). */
enum err p11_ec_sign(struct p11_session *s, CK_OBJECT_HANDLE priv,
                     const uint8_t digest[P11_EC_DIGEST_LEN],
                     uint8_t sig[P11_EC_SIG_LEN]);

/* Check sig over digest against pub with OpenSSL, no token involved:
 * ERR_VERIFY if it does not hold. */
enum err p11_ec_verify_soft(struct evp_pkey_st *pub,
                            const uint8_t digest[P11_EC_DIGEST_LEN],
                            const uint8_t sig[P11_EC_SIG_LEN]);

/* The uncompressed point of P-256 key pub. */
enum err p11_ec_point(struct evp_pkey_st *pub, uint8_t out[P11_EC_POINT_LEN]);

/* Parse one PEM "PUBLIC KEY": a P-256 key that passes OpenSSL's public
 * check; ERR_POLICY for another key type or curve. */
enum err p11_ec_pem_parse(const char *text, size_t len,
                          struct evp_pkey_st **out);

#endif
