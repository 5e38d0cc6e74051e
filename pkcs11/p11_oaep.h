/* SPDX-License-Identifier: MIT */
/* p11_oaep.h - move DEK halves between tokens with CKM_RSA_PKCS_OAEP,
 * entirely inside the tokens: wrap under a trusted public key on one side,
 * unwrap with a transport private key on the other. MGF1 always uses the
 * OAEP hash; the label is always empty (SoftHSM 2.6.1 refuses labels). */
#ifndef P11SEAL_P11_OAEP_H
#define P11SEAL_P11_OAEP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "p11.h"

struct p11_session;
struct p11_dek;

enum p11_oaep_hash {
	P11_OAEP_SHA1,   /* SoftHSM 2.6.1 can do nothing else */
	P11_OAEP_SHA256, /* preferred where the token has it (NSS) */
};

/* C_WrapKey of key under wrapping_key into out (cap bytes); *len gets the
 * blob length (the modulus size). */
enum err p11_oaep_wrap(struct p11_session *s, CK_OBJECT_HANDLE wrapping_key,
                       enum p11_oaep_hash hash, CK_OBJECT_HANDLE key,
                       uint8_t *out, size_t cap, size_t *len);

/* Unwrap blob as a session AES key that is sensitive, not extractable and
 * usable for nothing but C_DigestKey: for checks before anything is stored.
 * A blob that does not decrypt under unwrapping_key is ERR_VERIFY. */
enum err p11_oaep_unwrap_check(struct p11_session *s,
                               CK_OBJECT_HANDLE unwrapping_key,
                               enum p11_oaep_hash hash, const uint8_t *blob,
                               size_t len, CK_OBJECT_HANDLE *out);

/* Unwrap data and tweak (len bytes each) into a new two-key DEK of
 * dek_size bytes labelled label (halves "label" and "label.tweak", CKA_IDs
 * with a fresh random prefix), sensitive and never extractable, per the
 * DEK profiles; *out describes it. Nothing is left in the token on
 * failure. p11_dek_find sizes it only once metadata is stored where the
 * token records no CKA_VALUE_LEN (see p11_dek_meta.h). */
enum err p11_oaep_unwrap_dek(struct p11_session *s,
                             CK_OBJECT_HANDLE unwrapping_key,
                             enum p11_oaep_hash hash, const uint8_t *data,
                             const uint8_t *tweak, size_t len, size_t dek_size,
                             const char *label, struct p11_dek *out);

#endif
