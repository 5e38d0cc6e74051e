/* SPDX-License-Identifier: MIT */
/* kp_key.h - Key Protect key calls: create (never duplicated by a retry),
 * get, list, delete, disable/enable, rotate, versions. */
#ifndef P11SEAL_KP_KEY_H
#define P11SEAL_KP_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "kp_json.h"

struct kp_client;

struct kp_list_opts {
	unsigned max;       /* stop after this many keys [0: all] */
	unsigned offset;    /* skip this many first */
	const char *states; /* "1,2,3,5" style filter, or NULL */
	int extractable;    /* -1 any, 0 root keys, 1 standard keys */
};

/* True if id is a UUID or a valid alias (safe to put in a URL path). */
bool kp_key_id_ok(const char *id);

/* Create (or import) one key. Never sent twice blindly: after an
 * uncertain failure the keys named t->name are listed, and a key that
 * appeared since the call began is taken as ours (*recovered = true). */
enum err kp_key_create(struct kp_client *c, const struct kp_key_template *t,
                       struct kp_key *out, bool *recovered);

/* Metadata of one key (GET .../metadata: never the payload); the answer
 * must be about id (same UUID, or carrying the alias). */
enum err kp_key_get(struct kp_client *c, const char *id, struct kp_key *out);

/* All keys (pages of 100) matching o (NULL: defaults). Free with
 * kp_json_keys_free(). */
enum err kp_key_list(struct kp_client *c, const struct kp_list_opts *o,
                     struct kp_key **keys, size_t *n);

/* Delete (state 5; KP keeps it restorable for 30 days). force deletes
 * even with registrations. */
enum err kp_key_delete(struct kp_client *c, const char *id, bool force);

enum err kp_key_disable(struct kp_client *c, const char *id);
enum err kp_key_enable(struct kp_client *c, const char *id);

/* Rotate a root key; t carries new material (payload and, for secure
 * import, nonce/iv/algorithm) or is NULL for a KP-generated key. Not
 * repeated after an uncertain failure. */
enum err kp_key_rotate(struct kp_client *c, const char *id,
                       const struct kp_key_template *t);

/* Versions, newest first; free(*v). */
enum err kp_key_versions(struct kp_client *c, const char *id,
                         struct kp_key_version **v, size_t *n);

#endif
