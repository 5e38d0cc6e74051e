/* SPDX-License-Identifier: MIT */
/* iam_token.h - an IBM Cloud IAM bearer token for the COS client: the
 * API key -> token exchange Key Protect uses (same form, same parser, the
 * key and token in locked memory), shared by the upload threads and
 * re-exchanged when stale or when a server refuses it. */
#ifndef P11SEAL_IAM_TOKEN_H
#define P11SEAL_IAM_TOKEN_H

#include "err.h"

struct iam_token;

/* New token source. token_url: the full token URL, or a base to which
 * /identity/token is added (https only). api_key is copied to secmem.
 * Nothing is sent until the first iam_token_bearer. */
enum err iam_token_new(struct iam_token **out, const char *token_url,
                       const char *cacert, const char *api_key);

/* Wipe the key and the token; NULL is a no-op. */
void iam_token_free(struct iam_token *t);

/* "Bearer <token>" into a new secmem string *out (free with secmem_free)
 * and the token's generation into *gen. Exchanges the API key first when
 * there is no token, it is stale, or it was refused. ERR_AUTH when IAM
 * refuses the key, ERR_HTTP when IAM cannot be reached. Thread-safe. */
enum err iam_token_bearer(struct iam_token *t, char **out, unsigned *gen);

/* A server refused the token of generation gen: the next call exchanges
 * the key again (once, however many threads report the same token). */
void iam_token_refused(struct iam_token *t, unsigned gen);

/* The token URL in use (for messages). */
const char *iam_token_url(const struct iam_token *t);

#endif
