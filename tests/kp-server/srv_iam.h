/* SPDX-License-Identifier: MIT */
/* srv_iam.h - a local IAM: API keys from a 0600 file ("apikey subject"
 * per line) exchanged for JWT-shaped bearer tokens (HS256 under a secret
 * that lives only in this process), and their check on KP requests. */
#ifndef SRV_IAM_H
#define SRV_IAM_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "srv.h"

/* Read the API key file (refused unless a regular file of ours with mode
 * 0600/0400) and make the signing secret. */
enum err srv_iam_new(struct srv_iam **out, const char *api_keys_file);

/* Wipe and free; NULL is a no-op. */
void srv_iam_free(struct srv_iam *iam);

/* POST /identity/token and /oidc/token (form body, apikey grant). */
enum err srv_iam_token(struct srv_req *req, struct srv_reply *rep);

/* True if key is one of the API keys (createFromIcos's ibmApiKey). */
bool srv_iam_key_known(const struct srv_iam *iam, const char *key);

/* Check the request's Authorization header; on success the subject is in
 * req->subject. 401 (missing, bad signature, expired) or 400
 * BEARER_SUB_EXTRACTION_ERR (not a JWT) are replied in rep. */
enum err srv_iam_check(struct srv_req *req, struct srv_reply *rep);

#endif
