/* SPDX-License-Identifier: MIT */
/* p11attack.h - TEST-ONLY: an attacker who knows the user PIN, with raw
 * PKCS#11 calls in his own session of a p11test token (SoftHSM or NSS
 * softoken): the classic key-extraction attacks, and keys made the way
 * other tools make them, as controls. Like p11test_token.c, the .c is
 * compiled into the test program that includes it. */
#ifndef P11SEAL_P11ATTACK_H
#define P11SEAL_P11ATTACK_H

#include <stdbool.h>
#include <stdint.h>

#include "p11.h"
#include "p11test_token.h"

/* The value of the key p11attack_user_key makes. */
extern const uint8_t p11attack_user_value[32];

/* A session AES-256 key of the attacker's chosen value with every usage
 * flag on (extractable too if asked); CK_INVALID_HANDLE on failure. */
CK_OBJECT_HANDLE p11attack_key(struct p11test_token *tok, bool extractable);

/* C_WrapKey victim under kek with mechanism m (zero IV for CBC modes);
 * *len: capacity of out in, blob length out. */
CK_RV p11attack_wrap(struct p11test_token *tok, CK_MECHANISM_TYPE m,
		     CK_OBJECT_HANDLE kek, CK_OBJECT_HANDLE victim,
		     uint8_t *out, CK_ULONG *len);

/* Clulow: wrap victim under kek with AES-CBC, then C_Decrypt the blob
 * with kek. CKR_OK: out holds victim's value. */
CK_RV p11attack_wrap_then_decrypt(struct p11test_token *tok,
				  CK_OBJECT_HANDLE kek, CK_OBJECT_HANDLE victim,
				  uint8_t *out, CK_ULONG *len);

/* Re-import: wrap victim under kek, unwrap it as a non-sensitive,
 * extractable session key and read CKA_VALUE. CKR_OK: out holds it. */
CK_RV p11attack_reimport(struct p11test_token *tok, CK_OBJECT_HANDLE kek,
			 CK_OBJECT_HANDLE victim, uint8_t *out,
			 CK_ULONG *len);

/* C_GetAttributeValue(CKA_VALUE) of h into a scratch buffer. */
CK_RV p11attack_read_value(struct p11test_token *tok, CK_OBJECT_HANDLE h);

/* True for the two answers to changing a CKA_MODIFIABLE=false or
 * CKA_COPYABLE=false key: CKR_ATTRIBUTE_READ_ONLY, CKR_ACTION_PROHIBITED. */
bool p11attack_refused(CK_RV rv);

/* C_SetAttributeValue of one CK_BBOOL attribute. */
CK_RV p11attack_set_bool(struct p11test_token *tok, CK_OBJECT_HANDLE h,
			 CK_ATTRIBUTE_TYPE t, bool v);

/* RFC 3394 unwrap of blob (n bytes) with the attacker's key value, in
 * OpenSSL: what a blob made under p11attack_key gives away. */
bool p11attack_offline_unwrap(const uint8_t *blob, CK_ULONG n,
			      uint8_t *out, int *len);

/* C_EncryptInit or C_DecryptInit of h with m, then one 16-byte block
 * (which ends the operation); the first failing CK_RV. */
CK_RV p11attack_use(struct p11test_token *tok, CK_OBJECT_HANDLE h,
		    CK_MECHANISM *m, bool decrypt);

/* Token keys made like other tools make them (CK_INVALID_HANDLE on
 * failure): AES-256 with only length, token and label given, as
 * `pkcs11-tool --keygen` does ("tool-default"); a sensitive but
 * extractable AES-256 key without CKA_WRAP_WITH_TRUSTED holding
 * p11attack_user_value ("user-exportable"); an AES-128 wrap-only key
 * ("kek128"). */
CK_OBJECT_HANDLE p11attack_tool_default_key(struct p11test_token *tok);
CK_OBJECT_HANDLE p11attack_user_key(struct p11test_token *tok);
CK_OBJECT_HANDLE p11attack_kek128(struct p11test_token *tok);

#endif
