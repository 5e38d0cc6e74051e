/* SPDX-License-Identifier: MIT */
/* p11_rsa.h - RSA transport keys for air-gapped stations: a key pair made
 * in the token whose private half can only unwrap (never decrypt or sign)
 * and only into sensitive, non-extractable keys; its public half as
 * SubjectPublicKeyInfo PEM and SHA-256 fingerprint. */
#ifndef P11SEAL_P11_RSA_H
#define P11SEAL_P11_RSA_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "p11.h"
#include "p11_obj.h"

struct p11_session;
struct evp_pkey_st;

#define P11_RSA_MIN_BITS 3072
#define P11_RSA_MAX_BITS 16384
/* 4096: SoftHSM 2.6.1 makes one in 1.1 s (median of 20, 0.7-4.3 s; 3072:
 * 0.5 s, 0.2-1.6 s), acceptable for a once-per-station ceremony */
#define P11_RSA_DEFAULT_BITS 4096
#define P11_RSA_FP_HEX       65 /* 64 hex digits + NUL */

/* What an RSA object is for, as p11_rsa_check sees it. */
enum p11_rsa_role {
	P11_RSA_TRANSPORT_PRIVATE, /* station: unwrap only, never leaves */
	P11_RSA_TRANSPORT_PUBLIC,  /* station: published, used for nothing */
	P11_RSA_TRUSTED_WRAP,      /* bridge: SO-trusted, wrap only */
	P11_RSA_TRUSTED_IMPORT,    /* as TRUSTED_WRAP, a session object */
};

/* Generate a transport key pair labelled label with CKA_ID id (bits in
 * P11_RSA_MIN_BITS..P11_RSA_MAX_BITS), read both halves back and check
 * them; nothing is left in the token on failure. ERR_UNSUPPORTED on a
 * token that does not enforce unwrap templates. */
enum err p11_rsa_generate_transport(struct p11_session *s, const char *label,
                                    const uint8_t *id, size_t id_len,
                                    unsigned long bits, CK_OBJECT_HANDLE *pub,
                                    CK_OBJECT_HANDLE *priv);

/* ERR_POLICY naming the first attribute of info that breaks role (pure). */
enum err p11_rsa_check(const struct p11_obj_info *info, enum p11_rsa_role role);

/* The private key labelled label, checked as a transport private key
 * whose CKA_UNWRAP_TEMPLATE is pinned (ERR_POLICY for an older one). */
enum err p11_rsa_find_transport(struct p11_session *s, const char *label,
                                CK_OBJECT_HANDLE *out);

/* The public key (modulus, exponent) of RSA object h, public or private.
 * Free *out with EVP_PKEY_free. */
enum err p11_rsa_public_key(struct p11_session *s, CK_OBJECT_HANDLE h,
                            struct evp_pkey_st **out);

/* Modulus and exponent of pub, big-endian without leading zeros, into
 * n (n_cap bytes) and e (e_cap bytes). */
enum err p11_rsa_numbers(struct evp_pkey_st *pub, uint8_t *n, size_t n_cap,
                         size_t *n_len, uint8_t *e, size_t e_cap,
                         size_t *e_len);

/* SubjectPublicKeyInfo PEM of pub; *pem is malloc'd and NUL-terminated. */
enum err p11_rsa_pem(struct evp_pkey_st *pub, char **pem, size_t *len);

/* Parse one PEM "PUBLIC KEY" (SubjectPublicKeyInfo): an RSA key that
 * passes OpenSSL's public check. ERR_POLICY below P11_RSA_MIN_BITS. */
enum err p11_rsa_pem_parse(const char *text, size_t len,
                           struct evp_pkey_st **out);

/* SHA-256 of the DER SubjectPublicKeyInfo of pub as lower-case hex (the
 * value of `openssl pkey -pubin -outform DER | sha256sum`). */
enum err p11_rsa_fingerprint(struct evp_pkey_st *pub, char hex[P11_RSA_FP_HEX]);

/* Modulus size of pub in bits. */
int p11_rsa_bits(struct evp_pkey_st *pub);

#endif
