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

/* Label prefix of the trusted import keys of a Key Protect secure import
 * ("kp-import-<fingerprint>"); a token object so labelled and trusted is
 * the leftover of an interrupted import by an older p11seal, which made
 * it a token key. */
#define P11_TRUST_IMPORT_PREFIX "kp-import-"

/* What p11_trust_add got the token to keep beyond the required profile. */
struct p11_trust_hardening {
	bool oaep_only;     /* CKA_ALLOWED_MECHANISMS = { RSA-PKCS-OAEP } */
	bool wrap_template; /* CKA_WRAP_TEMPLATE pinned (always, now) */
	bool not_modifiable;
};

/* In an SO session: create pub as a token public key labelled label,
 * CKA_TRUSTED, wrap only (CKA_ID = SHA-256 of its DER SPKI), with a
 * CKA_WRAP_TEMPLATE that admits exportable DEK halves and nothing else
 * (p11_tmpl_station_wrap), read it back and check it. ERR_EXISTS if the
 * label is taken or pub is trusted already; RSA below 3072 bits is
 * refused, and so is a token that does not enforce CKA_WRAP_WITH_TRUSTED
 * or CKA_WRAP_TEMPLATE (trials on session keys). hard may be NULL. */
enum err p11_trust_add(struct p11_session *s, const char *label,
                       struct evp_pkey_st *pub, CK_OBJECT_HANDLE *out,
                       struct p11_trust_hardening *hard);

/* As p11_trust_add, but a public session object (it dies with the
 * process, so an interrupted import leaves no trusted key) whose wrap
 * template admits only a ceremony's session root material, AES-GCM only
 * (AES-CBC-PAD only when cbc). The session keeps it across the SO's
 * logout and the user's login (SoftHSM 2.6.1, measured). */
enum err p11_trust_add_import(struct p11_session *s, const char *label,
                              struct evp_pkey_st *pub, bool cbc,
                              CK_OBJECT_HANDLE *out,
                              struct p11_trust_hardening *hard);

/* True when label starts with P11_TRUST_IMPORT_PREFIX. */
bool p11_trust_import_label(const char *label);

/* Destroy every trusted token public key labelled with
 * P11_TRUST_IMPORT_PREFIX (a user session may: they are public); the
 * count in *removed. */
enum err p11_trust_sweep_import(struct p11_session *s, size_t *removed);

/* The trusted wrapping key holding pub, with a pinned CKA_WRAP_TEMPLATE.
 * ERR_NOT_FOUND if the token has no copy of pub, ERR_POLICY if it has
 * only untrusted copies or trusted ones with an older, loose template. */
enum err p11_trust_find(struct p11_session *s, struct evp_pkey_st *pub,
                        CK_OBJECT_HANDLE *out);

#endif
