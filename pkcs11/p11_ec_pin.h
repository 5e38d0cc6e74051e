/* SPDX-License-Identifier: MIT */
/* p11_ec_pin.h - a station's pins of bridge signer keys: the public half
 * of a bridge's bundle signer, created by the security officer as a token
 * public key with CKA_TRUSTED=true and CKA_VERIFY=true. Only the SO can
 * set CKA_TRUSTED (SoftHSM; a trial checks the token refuses it to a
 * user), so a pin is something a user cannot forge; a bundle signature
 * counts only when it verifies in the token under such a key. */
#ifndef P11SEAL_P11_EC_PIN_H
#define P11SEAL_P11_EC_PIN_H

#include <stdbool.h>

#include "err.h"
#include "p11.h"
#include "p11_ec.h"
#include "p11_rsa.h"

struct p11_session;
struct evp_pkey_st;

/* What p11_ec_pin_add got the token to keep beyond the required profile. */
struct p11_ec_pin_hardening {
	bool ecdsa_only; /* CKA_ALLOWED_MECHANISMS = { ECDSA } */
	bool not_modifiable;
};

/* In an SO session: create pub (P-256) as a token public key labelled
 * label, CKA_TRUSTED, verify only (CKA_ID = SHA-256 of its DER SPKI),
 * read it back and check it. ERR_EXISTS if the label is taken or pub is
 * pinned already. hard may be NULL. */
enum err p11_ec_pin_add(struct p11_session *s, const char *label,
                        struct evp_pkey_st *pub, CK_OBJECT_HANDLE *out,
                        struct p11_ec_pin_hardening *hard);

/* The pinned signer whose public key has fingerprint fp (64 lower-case
 * hex digits). ERR_POLICY naming fp when no pin has it (an unknown
 * signer), whether or not an unpinned copy of the key is there. */
enum err p11_ec_pin_find(struct p11_session *s, const char *fp,
                         CK_OBJECT_HANDLE *out);

/* Verify sig over digest in the token under pinned signer pin:
 * ERR_VERIFY if it does not hold. */
enum err p11_ec_pin_verify(struct p11_session *s, CK_OBJECT_HANDLE pin,
                           const uint8_t digest[P11_EC_DIGEST_LEN],
                           const uint8_t sig[P11_EC_SIG_LEN]);

/* In a user session: ERR_OK if the token refuses to let a user create a
 * key with CKA_TRUSTED=true (a session object trial), ERR_UNSUPPORTED
 * naming the token if it lets one through (NSS softoken 3.87, measured),
 * since then anyone with the user PIN could pin a signer. */
enum err p11_ec_pin_enforced(struct p11_session *s);

#endif
