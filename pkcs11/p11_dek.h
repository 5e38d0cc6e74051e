/* SPDX-License-Identifier: MIT */
/* p11_dek.h - data encryption keys for XTS held in the token: 32 bytes
 * (IBM "AES 256" = XTS-AES-128) or 64 bytes ("AES 512" = XTS-AES-256).
 * Without CKM_AES_XTS a DEK is two AES keys, the data half labelled L and
 * the tweak half "L.tweak", whose CKA_IDs share a 16-byte random prefix
 * and end in a role byte (00 data, 01 tweak): NSS softoken merges token
 * keys that have the same CKA_ID (measured), so the IDs must differ. */
#ifndef P11SEAL_P11_DEK_H
#define P11SEAL_P11_DEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "p11.h"
#include "p11_key.h"

#define P11_DEK_TWEAK_SUFFIX ".tweak"
#define P11_DEK_ID_LEN       P11_KEY_ID_LEN
#define P11_DEK_ROLE_DATA    0x00
#define P11_DEK_ROLE_TWEAK   0x01

struct p11_session;

struct p11_dek {
	CK_OBJECT_HANDLE data;  /* data half, or the native XTS key */
	CK_OBJECT_HANDLE tweak; /* CK_INVALID_HANDLE when native */
	size_t size;            /* 32 or 64 */
	bool native;
	char label[P11_LABEL_MAX + 1];
	uint8_t id[P11_DEK_ID_LEN];
};

/* A new DEK's label: 1..P11_LABEL_MAX - 6 bytes, and free
 * (p11_obj_label_free) together with the label of its tweak half, which
 * goes to tweak_label (P11_LABEL_MAX + 1 bytes) unless NULL. */
enum err p11_dek_label_free(struct p11_session *s, const char *label,
                            char *tweak_label);

/* Generate a DEK of size 32|64 bytes in the token (native XTS if the token
 * has CKM_AES_XTS_KEY_GEN). ERR_EXISTS if label is taken. */
enum err p11_dek_generate(struct p11_session *s, const char *label, size_t size,
                          bool exportable, struct p11_dek *out);

/* Create a DEK from key bytes (32|64); refuses equal halves. The caller
 * keeps and wipes key. */
enum err p11_dek_import(struct p11_session *s, const char *label,
                        const uint8_t *key, size_t len, bool exportable,
                        struct p11_dek *out);

/* Find the DEK labelled label and check both halves belong together. */
enum err p11_dek_find(struct p11_session *s, const char *label,
                      struct p11_dek *out);

/* The same by label and/or the data half's CKA_ID (NULL/0: any), for
 * labels that repeat; the tweak half must carry the matching ID. */
enum err p11_dek_find_by(struct p11_session *s, const char *label,
                         const uint8_t *id, size_t id_len, struct p11_dek *out);

/* SHA-256(nonce || DEK) computed in the token with C_DigestKey, so the
 * key never leaves it. */
enum err p11_dek_keyhash(struct p11_session *s, const struct p11_dek *dek,
                         const uint8_t nonce[32], uint8_t hash[32]);

/* Destroy both halves on an error path, keeping the error detail. */
void p11_dek_discard(struct p11_session *s, const struct p11_dek *dek);

/* Destroy both halves (and nothing else). */
enum err p11_dek_destroy(struct p11_session *s, const struct p11_dek *dek);

#endif
