/* SPDX-License-Identifier: MIT */
/* km_rootver.h - the versions of a Key Protect root key in a token. A
 * token key's label cannot change (CKA_MODIFIABLE=F), so version 1 of root
 * L is labelled L and later ones "L.v2", "L.v3", ...; the current version
 * is the highest one present. Where the key is made after Key Protect
 * accepted its material, its CKA_ID is the Key Protect key UUID followed
 * by the version UUID: tokens that keep no metadata (NSS softoken) still
 * know which key a version is, and no two versions share a CKA_ID (NSS
 * merges token keys that do). */
#ifndef P11SEAL_KM_ROOTVER_H
#define P11SEAL_KM_ROOTVER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "kp_json.h"
#include "p11.h"
#include "p11_obj.h"

struct p11_session;

#define KM_ROOTVER_ID_LEN 32 /* key UUID || version UUID */
#define KM_ROOTVER_MAX    64 /* versions of one root we handle */

struct km_rootver {
	unsigned n; /* 1 for L, k for "L.vk" */
	CK_OBJECT_HANDLE handle;
	char label[P11_LABEL_MAX + 1];
};

/* 1 if label is base, k if it is "base.vk" (k >= 2), else 0 (pure). */
unsigned km_rootver_of(const char *label, const char *base);

/* The root label of label: "L" for "L.vk", else label itself (pure). */
void km_rootver_base(const char *label, char *out, size_t cap);

/* The root-shaped secret keys (AES, encrypt only) that are versions of
 * root base, oldest first; at most cap, *n = 0 when there are none. */
enum err km_rootver_list(struct p11_session *s, const char *base,
                         struct km_rootver *out, size_t cap, size_t *n);

/* The CKA_ID for version version_id of Key Protect key key_id. */
enum err km_rootver_id(const char *key_id, const char *version_id,
                       uint8_t out[KM_ROOTVER_ID_LEN]);

/* The Key Protect key of version v: its metadata's key_id, else the key
 * UUID at the front of its CKA_ID. ERR_NOT_FOUND if neither says. */
enum err km_rootver_kp_id(struct p11_session *s, const struct km_rootver *v,
                          char id[KP_ID_SIZE]);

/* *in_kp: Key Protect holds the material of key info. Its p11seal
 * metadata is of kind root and names a key_id, or, without metadata (NSS
 * softoken), it is an AES key whose CKA_ID has the kept root's length
 * (key UUID || version UUID). For token audit's root-oracle finding; a
 * metadata read that fails is an error, not "no metadata". */
enum err km_rootver_in_kp(struct p11_session *s,
                          const struct p11_obj_info *info, bool *in_kp);

#endif
