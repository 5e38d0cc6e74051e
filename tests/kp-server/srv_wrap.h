/* SPDX-License-Identifier: MIT */
/* srv_wrap.h - wrapped DEKs in Key Protect's shape (spec 5.4):
 * base64(JSON{"ciphertext":b64(ct||tag),"iv":b64,"version":"4.0.0",
 * "handle":"<key version id>"}), AES-256-GCM in the token, with the AAD
 * array bound as SHA-256 over its length-prefixed items. */
#ifndef SRV_WRAP_H
#define SRV_WRAP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "srv_hsm.h"
#include "srv_keys.h"

#define SRV_WRAP_PLAINTEXT_MAX  3072 /* 4096 base64 characters */
#define SRV_WRAP_CIPHERTEXT_MAX 16384
#define SRV_WRAP_AAD_MAX        126
#define SRV_WRAP_AAD_ITEM_MAX   255

/* Wrap len bytes under version vid. *out: malloc'd base64 text. */
enum err srv_wrap_seal(struct srv_hsm *h, const char *vid,
                       const char *const *aad, size_t n_aad, const uint8_t *pt,
                       size_t len, char **out);

/* Unwrap text with one of k's versions: the one named by its handle, or
 * else each in turn (keys sharing imported material open each other's
 * WDEKs). *pt: secmem (secmem_free). *used: the version that opened it.
 * ERR_USAGE: not base64 (caller answers 400); ERR_FORMAT or ERR_VERIFY:
 * not a ciphertext of this key or wrong AAD (caller answers 422). */
enum err srv_wrap_open(struct srv_hsm *h, const struct srv_key *k,
                       const char *const *aad, size_t n_aad, const char *text,
                       uint8_t **pt, size_t *len,
                       const struct srv_version **used);

#endif
