/* SPDX-License-Identifier: MIT */
/* km_dek_store.h - the one way a new DEK goes into the token: its halves
 * made (generated, from key bytes, or unwrapped by the caller), its
 * metadata beside it, its keyhash computed in the token. Whatever was made
 * is destroyed again when a later step fails: a DEK is there whole, with
 * its metadata, or not at all. */
#ifndef P11SEAL_KM_DEK_STORE_H
#define P11SEAL_KM_DEK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "p11_dek.h"

struct p11_session;

/* What was stored. */
struct km_dek_stored {
	struct p11_dek dek;
	uint8_t keyhash[32]; /* SHA-256(32 zero bytes || DEK) */
	bool meta_stored;    /* false: the token keeps no data objects */
};

/* How a caller makes the halves of DEK label (ctx is its own), and what it
 * checks once the DEK, its metadata and its keyhash are in (check may be
 * NULL). */
struct km_dek_maker {
	enum err (*make)(struct p11_session *s, const char *label,
	                 const void *ctx, struct p11_dek *out);
	enum err (*check)(struct p11_session *s, const struct km_dek_stored *d,
	                  const void *ctx);
	const void *ctx;
};

/* Make DEK label with m, compute its keyhash, store meta (kind "dek"; not
 * consumed) beside it, run m's check; on any failure destroy the halves
 * and the metadata, keeping the first error's detail. The check comes
 * after the metadata, so it may read the DEK back: SoftHSM 2.6.1 records
 * no CKA_VALUE_LEN for unwrapped keys, and p11_dek_find takes the size
 * from the metadata. */
enum err km_dek_store(struct p11_session *s, const char *label,
                      const struct km_dek_maker *m, const cJSON *meta,
                      struct km_dek_stored *out);

/* km_dek_store of a DEK of size 32|64 generated in the token. */
enum err km_dek_store_generated(struct p11_session *s, const char *label,
                                size_t size, bool exportable, const cJSON *meta,
                                struct km_dek_stored *out);

/* km_dek_store of a DEK made from len (32|64) key bytes; the caller keeps
 * and wipes value. */
enum err km_dek_store_value(struct p11_session *s, const char *label,
                            const uint8_t *value, size_t len, bool exportable,
                            const cJSON *meta, struct km_dek_stored *out);

#endif
