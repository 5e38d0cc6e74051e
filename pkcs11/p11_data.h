/* SPDX-License-Identifier: MIT */
/* p11_data.h - small private data objects (application "p11seal") that
 * keep metadata beside a key: Key Protect IDs, CRN, WDEK, kind. Never
 * secret values. */
#ifndef P11SEAL_P11_DATA_H
#define P11SEAL_P11_DATA_H

#include <stddef.h>

#include "err.h"

struct p11_session;

#define P11_DATA_MAX (64u * 1024)

/* Create or replace the data object labelled label with value.
 * ERR_UNSUPPORTED if the token keeps no data objects (NSS softoken). */
enum err p11_data_put(struct p11_session *s, const char *label,
                      const void *value, size_t len);

/* Read it: *value malloc'd and NUL-terminated. ERR_NOT_FOUND if none. */
enum err p11_data_get(struct p11_session *s, const char *label, char **value,
                      size_t *len);

/* For callers to whom metadata is optional: no such object, or one that
 * answers with a bad length or a refusal, is ERR_OK with *value NULL; a
 * search or read the module failed (token or session gone) is an error,
 * never "no metadata". */
enum err p11_data_get_opt(struct p11_session *s, const char *label,
                          char **value, size_t *len);

/* Delete it if present (absent is success). */
enum err p11_data_delete(struct p11_session *s, const char *label);

#endif
