/* SPDX-License-Identifier: MIT */
/* p11_root.h - the token side of a Key Protect secure import that needs no
 * security officer: the import key as a session wrap key, fresh root
 * material as a session key that may leave once (under RSA-OAEP), the
 * nonce encrypted with that material inside the token, and the copy that
 * turns it into a token key which can never leave. Tokens that do not
 * enforce CKA_WRAP_WITH_TRUSTED (NSS softoken) get no extractable token
 * key this way: extractable material only ever lives in this session.
 * NSS softoken 3.87 keeps the copy's attributes but does not enforce
 * CKA_EXTRACTABLE in C_WrapKey (an RSA-OAEP wrap of the copy succeeds,
 * measured), so there this path proves the import protocol inside the
 * token and keeps the attributes right, and is no protection boundary
 * against whoever has the PIN (`token audit` says so too). */
#ifndef P11SEAL_P11_ROOT_H
#define P11SEAL_P11_ROOT_H

#include <stddef.h>
#include <stdint.h>

#include <stdbool.h>

#include "err.h"
#include "p11.h"
#include "p11_obj.h"

struct p11_session;
struct evp_pkey_st;

/* How the import token's nonce is encrypted under the root material. */
enum p11_root_nonce {
	P11_ROOT_GCM, /* Key Protect: AES-GCM, 12-byte IV, 128-bit tag */
	P11_ROOT_CBC, /* HPCS: AES-CBC with PKCS#7 padding, 16-byte IV */
};

#define P11_ROOT_GCM_IV    12
#define P11_ROOT_CBC_IV    16
#define P11_ROOT_NONCE_MAX 32 /* longest nonce we encrypt */
#define P11_ROOT_ENC_MAX   64 /* room for its ciphertext */

/* A session RSA public key holding pub that can only wrap (RSA-OAEP where
 * the token keeps CKA_ALLOWED_MECHANISMS); gone with the session. */
enum err p11_root_wrap_key(struct p11_session *s, struct evp_pkey_st *pub,
                           CK_OBJECT_HANDLE *out);

/* Label prefix of root material on its way into the token: the session
 * key carries it, the copy gets its own label from the copy template, so
 * a token key still labelled so (and without CKA_ID) is a copy that an
 * interrupted import left half made. */
#define P11_ROOT_PARTIAL_PREFIX "kp-part-"

/* A private session AES-256 key labelled label (P11_ROOT_PARTIAL_PREFIX
 * first), sensitive but extractable, that can only encrypt. It exists to
 * be wrapped once, then persisted. */
enum err p11_root_session_key(struct p11_session *s, const char *label,
                              CK_OBJECT_HANDLE *out);

/* Encrypt nonce (1..P11_ROOT_NONCE_MAX bytes) under key with m and iv
 * (P11_ROOT_GCM_IV or P11_ROOT_CBC_IV bytes) into out (P11_ROOT_ENC_MAX
 * bytes): GCM gives ciphertext || tag, no AAD. */
enum err p11_root_nonce_encrypt(struct p11_session *s, CK_OBJECT_HANDLE key,
                                enum p11_root_nonce m, const uint8_t *iv,
                                const uint8_t *nonce, size_t len, uint8_t *out,
                                size_t *out_len);

/* Make session key key (labelled P11_ROOT_PARTIAL_PREFIX..., no CKA_ID,
 * else ERR_INTERNAL) not extractable and not encrypting, then copy it as a
 * token key labelled label with CKA_ID id: no usage at all, not
 * extractable, not modifiable where the token allows; read back and
 * checked against P11P_ROOT_KEPT, destroyed
 * if the token cheated. The session key (modifiable: SoftHSM 2.6.1 copies
 * no other) is left to the caller. */
enum err p11_root_persist(struct p11_session *s, CK_OBJECT_HANDLE key,
                          const char *label, const uint8_t *id, size_t id_len,
                          CK_OBJECT_HANDLE *out);

/* True for an AES secret key labelled P11_ROOT_PARTIAL_PREFIX... without
 * a CKA_ID: root material, or a copy of it not finished. */
bool p11_root_partial(const struct p11_obj_info *info);

/* Destroy every key the session sees that p11_root_partial says is half
 * made (call it before this process makes root material); the count in
 * *removed. */
enum err p11_root_sweep(struct p11_session *s, size_t *removed);

#endif
