/* SPDX-License-Identifier: MIT */
/* srv_import.h - import tokens (spec 4.1) and the key material of a
 * create/rotate request: plain payload, or secure import checked as in
 * spec 4.5. The token's RSA-4096 private key lives in memory only. */
#ifndef SRV_IMPORT_H
#define SRV_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "srv.h"
#include "srv_keys.h"

#define SRV_STANDARD_PAYLOAD_MAX 7500

/* POST /api/v2/import_token (takes the server lock itself: the RSA key
 * is generated without it). */
enum err srv_import_post(struct srv_req *req, struct srv_reply *rep);

/* GET /api/v2/import_token (under the lock). */
enum err srv_import_get(struct srv_req *req, struct srv_reply *rep);

/* Key material of resource res (under the lock): *key NULL when the
 * server must generate it, else secmem bytes (secmem_free) and *mode says
 * how they came. root: 16/24/32 bytes. Errors are replied in rep. */
enum err srv_import_material(struct srv *srv, struct srv_reply *rep,
                             const cJSON *res, bool root, enum srv_import *mode,
                             uint8_t **key, size_t *len);

/* POST /admin/import_token {"nonce":"<base64 12 bytes>"}: pin the nonce
 * of the current token so tests can replay the spec's vectors. */
enum err srv_import_admin(struct srv_req *req, struct srv_reply *rep);

/* Free the token and wipe its private key; NULL is a no-op. */
void srv_import_free(struct srv_itok *t);

/* Token metadata for the state file; NULL if there is no token. */
cJSON *srv_import_json_build(const struct srv_itok *t);

/* Token metadata back from the state file. The key pair is gone after
 * a restart, so the token answers as expired. */
enum err srv_import_json_parse(const cJSON *j, struct srv_itok **out);

#endif
