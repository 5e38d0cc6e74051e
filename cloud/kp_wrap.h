/* SPDX-License-Identifier: MIT */
/* kp_wrap.h - envelope encryption with a Key Protect root key: wrap a DEK
 * (or have KP generate one), unwrap it, rewrap it under the newest key
 * version. DEK plaintext only ever sits in secure memory. */
#ifndef P11SEAL_KP_WRAP_H
#define P11SEAL_KP_WRAP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "kp_json.h"

struct kp_client;

#define KP_WRAP_DEK_LEN 32 /* what KP generates when no plaintext is sent */

/* Wrap plaintext (1..3072 bytes), or with plaintext NULL let KP generate
 * a 32-byte DEK, returned in out->plaintext (secmem). aad may be NULL. */
enum err kp_wrap(struct kp_client *c, const char *id, const uint8_t *plaintext,
                 size_t len, const char *const *aad, size_t n_aad,
                 struct kp_wrapped *out);

/* Unwrap; out->plaintext (secmem) must be expect_len bytes unless 0.
 * If the key was rotated since, out->ciphertext and
 * out->rewrapped_key_version_id carry the DEK wrapped by the new version. */
enum err kp_unwrap(struct kp_client *c, const char *id, const char *ciphertext,
                   const char *const *aad, size_t n_aad, size_t expect_len,
                   struct kp_wrapped *out);

/* Rewrap under the latest version: out->ciphertext, key_version_id (old)
 * and rewrapped_key_version_id (new). */
enum err kp_rewrap(struct kp_client *c, const char *id, const char *ciphertext,
                   const char *const *aad, size_t n_aad,
                   struct kp_wrapped *out);

#endif
