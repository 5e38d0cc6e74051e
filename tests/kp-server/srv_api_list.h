/* SPDX-License-Identifier: MIT */
/* srv_api_list.h - listing endpoints of kp-server: keys (GET and HEAD
 * with limit, offset, state, extractable, search, sort, totalCount) and
 * the versions of one key. Run under the server lock. */
#ifndef SRV_API_LIST_H
#define SRV_API_LIST_H

#include "err.h"
#include "srv.h"

/* GET and HEAD /api/v2/keys */
enum err srv_api_list_keys(struct srv_req *req, struct srv_reply *rep);

/* GET /api/v2/keys/{id}/versions */
enum err srv_api_list_versions(struct srv_req *req, struct srv_reply *rep);

#endif
