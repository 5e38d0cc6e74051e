/* SPDX-License-Identifier: MIT */
/* p11_trust.h - SO-trusted wrapping keys on a bridge token: a station's
 * RSA public key made CKA_TRUSTED by the security officer, so keys marked
 * CKA_WRAP_WITH_TRUSTED can leave the token under it and under nothing
 * else. Only an SO session can create one (SoftHSM: public objects only). */
#ifndef P11SEAL_P11_TRUST_H
#define P11SEAL_P11_TRUST_H

#include <stdbool.h>

#include "err.h"
#include "p11.h"

struct p11_session;
struct evp_pkey_st;

/* What p11_trust_add got the token to keep beyond the required profile. */
struct p11_trust_hardening {
	bool oaep_only;     /* CKA_ALLOWED_MECHANISMS = { RSA-PKCS-OAEP } */
	bool wrap_template; /* CKA_WRAP_TEMPLATE: AES, wrap_with_trusted */
	bool not_modifiable;
};

/* In an SO session: create pub as a token public key labelled label,
 * CKA_TRUSTED, wrap only (CKA_ID = SHA-256 of its DER SPKI), read it back
 * and check it. ERR_EXISTS if the label is taken or pub is trusted
 * already; RSA below 3072 bits is refused, and so is a token that does not
 * enforce CKA_WRAP_WITH_TRUSTED. hard may be NULL. */
enum err p11_trust_add(struct p11_session *s, const char *label,
                       struct evp_pkey_st *pub, CK_OBJECT_HANDLE *out,
                       struct p11_trust_hardening *hard);

/* The trusted wrapping key holding pub. ERR_NOT_FOUND if the token has
 * no copy of pub, ERR_POLICY if it has only untrusted copies. */
enum err p11_trust_find(struct p11_session *s, struct evp_pkey_st *pub,
                        CK_OBJECT_HANDLE *out);

#endif
