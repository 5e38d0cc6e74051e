/* SPDX-License-Identifier: MIT */
/* kp_import.h - Key Protect import tokens (one per instance): create one,
 * then fetch its RSA public key and nonce for a secure import. */
#ifndef P11SEAL_KP_IMPORT_H
#define P11SEAL_KP_IMPORT_H

#include "err.h"
#include "kp_json.h"

struct kp_client;

/* New token, replacing the instance's previous one; 0 leaves a setting to
 * KP (600 s, 1 retrieval). out has metadata only. */
enum err kp_import_token_create(struct kp_client *c, long long expiration_s,
                                long long max_retrievals,
                                struct kp_import_token *out);

/* Fetch the token with its public key and nonce. Each call uses up one
 * of its retrievals. Free with kp_json_import_token_clear(). */
enum err kp_import_token_get(struct kp_client *c, struct kp_import_token *out);

#endif
