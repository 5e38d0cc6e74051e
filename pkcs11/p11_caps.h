/* SPDX-License-Identifier: MIT */
/* p11_caps.h - what a token can do for p11seal: mechanism flags from
 * C_GetMechanismInfo, and real trials where flags cannot be trusted. */
#ifndef P11SEAL_P11_CAPS_H
#define P11SEAL_P11_CAPS_H

#include <stdbool.h>

#include "err.h"
#include "p11.h"

struct p11_session;

struct p11_caps {
	bool aes_keygen, aes_ecb, aes_gcm, aes_xts, aes_xts_keygen;
	bool aes_cbc_pad; /* encrypt: the HPCS secure-import nonce */
	bool aes_kw, aes_kwp_210a, aes_kwp_210b;
	bool rsa_oaep, rsa_keygen, sha256, hmac_sha256, generic_keygen;
	bool digest_key;        /* trial: C_DigestKey on a sensitive key */
	bool oaep_sha256_wrap;  /* trial: C_WrapKey OAEP SHA-256/MGF1-SHA-256 */
	bool oaep_sha1_wrap;    /* trial */
	bool gcm_encrypt;       /* trial: GCM with 12-byte IV, 3.0 params */
	bool aes_generate;      /* trial: C_GenerateKey of an AES key */
	bool aes_import;        /* trial: C_CreateObject of an AES key */
	bool wrap_with_trusted; /* trial: an AES key with it set */
	CK_RV aes_generate_rv, aes_import_rv, wrap_with_trusted_rv;
	CK_ULONG aes_min, aes_max; /* key sizes in bytes */
};

/* Fill caps. With trials, runs the trial operations on session objects
 * (nothing is stored in the token). A mechanism or operation the token
 * refuses is a "no"; a module or connection that fails (device error,
 * session gone, a vendor code) stops the probe with an error naming the
 * call, the trial and the code. */
enum err p11_caps_probe(struct p11_session *s, bool trials,
                        struct p11_caps *out);

/* Only the AES key trials (aes_generate, aes_import and their answers,
 * wrap_with_trusted): can the token hold AES secret keys at all? */
enum err p11_caps_aes_keys(struct p11_session *s, struct p11_caps *out);

/* Can this token hold a root key as p11seal makes it (AES-256, AES-GCM
 * only, and for an exportable one CKA_WRAP_WITH_TRUSTED)? Runs the
 * trials; ERR_UNSUPPORTED names what is missing and what works instead. */
enum err p11_caps_root_check(struct p11_session *s, bool exportable);

#endif
