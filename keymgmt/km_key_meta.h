/* SPDX-License-Identifier: MIT */
/* km_key_meta.h - the metadata p11seal keeps beside a key it makes (a
 * token data object with the key's label): when it was made, and what
 * kind of key it is. A token without data objects (NSS softoken) keeps
 * none, and the key still works: its kind is inferred from attributes. */
#ifndef P11SEAL_KM_KEY_META_H
#define P11SEAL_KM_KEY_META_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "err.h"

struct p11_session;

/* {"created": "YYYY-MM-DDTHH:MM:SSZ"} (UTC now), or NULL without memory.
 * The caller adds its members and frees it. */
cJSON *km_key_meta_new(void);

/* Store meta as key label's metadata of kind kind (km_inventory_put_meta).
 * A token that keeps no data objects is not an error: *stored is false
 * then, and the detail is cleared. */
enum err km_key_put_meta(struct p11_session *s, const char *label,
                         const char *kind, const cJSON *meta, bool *stored);

#endif
