/* SPDX-License-Identifier: MIT */
/* km_inventory.h - the keys of a token as a security officer sees them:
 * a DEK's two halves as one entry, each key's kind (root, dek, wrap,
 * transport, audit, other), its p11seal metadata and, for DEKs, the
 * keyhash IBM's vhd-util prints for the same key. */
#ifndef P11SEAL_KM_INVENTORY_H
#define P11SEAL_KM_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "p11_dek.h"
#include "p11_obj.h"

struct p11_session;

struct km_key {
	struct p11_obj_info info; /* the key (a DEK's data half) */
	char kind[16];
	size_t size; /* bytes: whole DEK, AES key, RSA modulus */
	bool is_dek;
	struct p11_dek dek;
	struct p11_obj_info tweak; /* a two-key DEK's tweak half */
	bool has_keyhash;
	uint8_t keyhash[32]; /* SHA-256(32 zero bytes || DEK) */
	cJSON *meta;         /* p11seal metadata object, or NULL */
};

/* Every key in the token (secret, private and public keys). *out is
 * malloc'd; free with km_inventory_free. */
enum err km_inventory_list(struct p11_session *s, struct km_key **out,
                           size_t *n);

/* The key labelled label (ERR_NOT_FOUND / ERR_USAGE if not exactly one). */
enum err km_inventory_find(struct p11_session *s, const char *label,
                           struct km_key *out);

/* The key with label and/or CKA_ID id (NULL/0: any), exactly one; a key
 * pair counts once (its private half). Labels can repeat in a token;
 * an id selects where a label cannot. */
enum err km_inventory_find_by(struct p11_session *s, const char *label,
                              const uint8_t *id, size_t id_len,
                              struct km_key *out);

/* Free what list/find returned (n entries). */
void km_inventory_free(struct km_key *keys, size_t n);

/* Free what find filled in. */
void km_inventory_free_one(struct km_key *k);

/* JSON description: label, id, kind, class, type, size, sensitive,
 * extractable, always_sensitive, never_extractable (+ keyhash for DEKs,
 * metadata); detailed adds every flag, KCV and allowed mechanisms. */
cJSON *km_inventory_json(const struct km_key *k, bool detailed);

/* Write the metadata object for label: {"kind":kind, ...extra members},
 * plus "omitted_attributes" when this thread made the key (or a DEK's
 * tweak half) without optional attributes (p11_key_omission). extra may
 * be NULL; it is not consumed. */
enum err km_inventory_put_meta(struct p11_session *s, const char *label,
                               const char *kind, const cJSON *extra);

#endif
