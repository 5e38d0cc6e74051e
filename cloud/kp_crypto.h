/* SPDX-License-Identifier: MIT */
/* kp_crypto.h - host-side crypto for Key Protect secure import (OpenSSL 3
 * EVP): the import token's RSA key, RSA-OAEP of key material and the
 * encrypted nonce (AES-GCM for Key Protect, AES-CBC for HPCS). */
#ifndef P11SEAL_KP_CRYPTO_H
#define P11SEAL_KP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct evp_pkey_st;

#define KP_CRYPTO_MIN_RSA_BITS 2048
#define KP_CRYPTO_GCM_IV_LEN   12
#define KP_CRYPTO_CBC_IV_LEN   16
#define KP_CRYPTO_TAG_LEN      16

enum kp_oaep_hash {
	KP_OAEP_SHA256, /* Key Protect: RSAES_OAEP_SHA_256 */
	KP_OAEP_SHA1,   /* HPCS only: RSAES_OAEP_SHA_1 */
};

/* Everything a secure-import create or rotate sends besides the name. */
struct kp_import_fields {
	char *payload; /* base64 RSA-OAEP ciphertext, malloc'd */
	char encrypted_nonce[64];
	char iv[32];
	const char *algorithm; /* static string */
};

/* Parse the import token's public key: PEM "PUBLIC KEY" text or DER
 * SubjectPublicKeyInfo; must be RSA of at least 2048 bits. Free the result
 * with EVP_PKEY_free. */
enum err kp_crypto_pubkey_parse(const uint8_t *buf, size_t len,
                                struct evp_pkey_st **out);

/* Modulus size and SHA-256 of the DER SPKI as 64 hex digits + NUL. */
enum err kp_crypto_pubkey_info(struct evp_pkey_st *pub, int *bits,
                               char fingerprint[65]);

/* RSAES-OAEP with hash = MGF1 hash = h, empty label. *out is malloc'd
 * (modulus size bytes). */
enum err kp_crypto_oaep_encrypt(struct evp_pkey_st *pub, enum kp_oaep_hash h,
                                const uint8_t *in, size_t len, uint8_t **out,
                                size_t *out_len);

/* AES-GCM (key 16/24/32 bytes, 12-byte iv, no AAD) of nonce; out gets
 * ciphertext || 16-byte tag (nonce_len + 16 bytes). */
enum err kp_crypto_nonce_gcm(const uint8_t *key, size_t key_len,
                             const uint8_t *nonce, size_t nonce_len,
                             const uint8_t iv[KP_CRYPTO_GCM_IV_LEN],
                             uint8_t *out);

/* AES-CBC with PKCS#7 padding (HPCS), 16-byte iv; out holds cap bytes. */
enum err kp_crypto_nonce_cbc(const uint8_t *key, size_t key_len,
                             const uint8_t *nonce, size_t nonce_len,
                             const uint8_t iv[KP_CRYPTO_CBC_IV_LEN],
                             uint8_t *out, size_t cap, size_t *out_len);

/* The full secure-import recipe (docs/keyprotect-api.md §3): OAEP of key,
 * nonce encrypted under key with iv (NULL: fresh random iv). hpcs selects
 * SHA-1 and CBC. Free with kp_crypto_import_fields_clear(). */
enum err kp_crypto_import_fields(const uint8_t *key, size_t key_len,
                                 struct evp_pkey_st *pub, const uint8_t *nonce,
                                 size_t nonce_len, bool hpcs, const uint8_t *iv,
                                 struct kp_import_fields *out);
void kp_crypto_import_fields_clear(struct kp_import_fields *f);

#endif
