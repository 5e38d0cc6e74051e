/* SPDX-License-Identifier: MIT */
/* srv_hsm.h - kp-server's key material store: a PKCS#11 token. Each root
 * key version is a persistent AES key (label = version id; sensitive,
 * non-extractable, encrypt+decrypt, CKM_AES_GCM only); each standard key
 * payload is a private data object (label = key id). Not thread-safe:
 * callers hold the server lock. */
#ifndef SRV_HSM_H
#define SRV_HSM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SRV_HSM_IV_LEN  12
#define SRV_HSM_TAG_LEN 16

struct srv_hsm;

/* Load module, pick the token matching token_uri, log in with the PIN
 * from pin_source ("file:PATH", mode 0600, or "env:VAR"). */
enum err srv_hsm_open(struct srv_hsm **out, const char *module,
                      const char *token_uri, const char *pin_source);

/* Log out, close, unload; NULL is a no-op. */
void srv_hsm_close(struct srv_hsm *h);

/* Generate an AES key of len bytes (16, 24, 32) labelled label. */
enum err srv_hsm_key_generate(struct srv_hsm *h, const char *label, size_t len);

/* Create the AES key labelled label from key bytes (the caller wipes). */
enum err srv_hsm_key_import(struct srv_hsm *h, const char *label,
                            const uint8_t *key, size_t len);

/* AES-GCM with key label: fresh IV from the token RNG into iv, out gets
 * len bytes of ciphertext plus the 16-byte tag. */
enum err srv_hsm_seal(struct srv_hsm *h, const char *label, const uint8_t *aad,
                      size_t aad_len, const uint8_t *in, size_t len,
                      uint8_t iv[SRV_HSM_IV_LEN], uint8_t *out);

/* Inverse of srv_hsm_seal; out gets len - 16 bytes. ERR_VERIFY if the
 * tag does not match, ERR_NOT_FOUND if there is no such key. */
enum err srv_hsm_unseal(struct srv_hsm *h, const char *label,
                        const uint8_t *aad, size_t aad_len,
                        const uint8_t iv[SRV_HSM_IV_LEN], const uint8_t *in,
                        size_t len, uint8_t *out);

/* Random bytes from the token. */
enum err srv_hsm_random(struct srv_hsm *h, uint8_t *out, size_t len);

/* Store a standard key payload under label (replaces). */
enum err srv_hsm_blob_put(struct srv_hsm *h, const char *label,
                          const uint8_t *v, size_t len);

/* Read it into secret memory (*out, secmem_free). ERR_NOT_FOUND if none. */
enum err srv_hsm_blob_get(struct srv_hsm *h, const char *label, uint8_t **out,
                          size_t *len);

/* Destroy every key and payload object labelled label (absent is OK). */
enum err srv_hsm_remove(struct srv_hsm *h, const char *label);

#endif
