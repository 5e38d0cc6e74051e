/* SPDX-License-Identifier: MIT */
/* p11_hmac.h - HMAC-SHA256 computed and checked inside the token
 * (CKM_SHA256_HMAC) with a generic secret key that never leaves it. */
#ifndef P11SEAL_P11_HMAC_H
#define P11SEAL_P11_HMAC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "p11.h"

struct p11_session;

#define P11_HMAC_LEN 32

/* C_SignInit/C_Sign: mac = HMAC-SHA256(key, data). */
enum err p11_hmac_sign(struct p11_session *s, CK_OBJECT_HANDLE key,
                       const void *data, size_t len, uint8_t mac[P11_HMAC_LEN]);

/* C_VerifyInit/C_Verify: ERR_OK if mac is right, ERR_VERIFY if not,
 * another class if the token failed. An unexpected C_Verify error is
 * settled by C_Sign in the token and a constant-time compare. */
enum err p11_hmac_verify(struct p11_session *s, CK_OBJECT_HANDLE key,
                         const void *data, size_t len,
                         const uint8_t mac[P11_HMAC_LEN]);

/* Handles of the generic secret keys that may sign (at most cap; *n is
 * how many). Always ends the search. */
enum err p11_hmac_find_keys(struct p11_session *s, CK_OBJECT_HANDLE *out,
                            size_t cap, size_t *n);

#endif
