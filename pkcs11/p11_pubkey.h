/* SPDX-License-Identifier: MIT */
/* p11_pubkey.h - what the RSA and EC key code share about public keys
 * held outside the token: the PEM reader with a per-kind check, and
 * OpenSSL's failures as p11seal errors. */
#ifndef P11SEAL_P11_PUBKEY_H
#define P11SEAL_P11_PUBKEY_H

#include <stddef.h>

#include <openssl/evp.h>

#include "err.h"

/* ERR_CRYPTO "what: OpenSSL's reason" for the last failure (queue
 * cleared). */
enum err p11_ossl_fail(const char *what);

/* A SubjectPublicKeyInfo PEM of at most max bytes into *out, kept only
 * if check (the kind's own rules) accepts it; ERR_FORMAT otherwise. */
enum err p11_pubkey_pem_parse(const char *text, size_t len, size_t max,
                              enum err (*check)(EVP_PKEY *k), EVP_PKEY **out);

#endif
