/* SPDX-License-Identifier: MIT */
/* srv_api_keys.h - Key Protect key endpoints of kp-server: create, get,
 * metadata, delete, purge, aliases (spec 3), and the helpers the list and
 * action handlers share. All run under the server lock. */
#ifndef SRV_API_KEYS_H
#define SRV_API_KEYS_H

#include <stdbool.h>

#include "err.h"
#include "srv.h"
#include "srv_keys.h"

/* POST /api/v2/keys */
enum err srv_api_keys_create(struct srv_req *req, struct srv_reply *rep);

/* GET /api/v2/keys/{id} (payload for standard keys) */
enum err srv_api_keys_get(struct srv_req *req, struct srv_reply *rep);

/* GET /api/v2/keys/{id}/metadata */
enum err srv_api_keys_metadata(struct srv_req *req, struct srv_reply *rep);

/* DELETE /api/v2/keys/{id} */
enum err srv_api_keys_delete(struct srv_req *req, struct srv_reply *rep);

/* DELETE /api/v2/keys/{id}/purge */
enum err srv_api_keys_purge(struct srv_req *req, struct srv_reply *rep);

/* POST and DELETE /api/v2/keys/{id}/aliases/{alias} */
enum err srv_api_keys_alias(struct srv_req *req, struct srv_reply *rep);

/* The key named by the first path parameter (id or alias), with the
 * clock applied; 404 KEY_NOT_FOUND_ERR if none. */
enum err srv_api_keys_find(struct srv_req *req, struct srv_reply *rep,
                           struct srv_key **out);

/* 410 KEY_DELETED_ERR if k is destroyed. */
enum err srv_api_keys_gone(struct srv_reply *rep, const struct srv_key *k);

/* Reply status with the envelope of k (payload: standard key material). */
enum err srv_api_keys_reply(struct srv_req *req, struct srv_reply *rep,
                            int status, const struct srv_key *k, bool payload);

/* True if the request carries Prefer: return=representation. */
bool srv_api_keys_wants_body(const struct srv_req *req);

#endif
