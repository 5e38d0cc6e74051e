/* SPDX-License-Identifier: MIT */
/* kp_client.h - a Key Protect session: IAM bearer token (cached in secure
 * memory, refreshed early, re-exchanged once on 401), the KP headers, and
 * retries with backoff that never repeat a non-idempotent call blindly. */
#ifndef P11SEAL_KP_CLIENT_H
#define P11SEAL_KP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "kp_config.h"

struct kp_client;

struct kp_request {
	const char *method; /* "GET", "POST" or "DELETE" */
	const char *path;   /* "/api/v2/keys/<id>/actions/wrap", with query */
	const char *body;   /* secmem JSON, or NULL */
	size_t body_len;
	const char *prefer; /* Prefer header value, or NULL */
	bool idempotent;    /* false: stop after an uncertain failure */
};

struct kp_response {
	long status;
	char *body; /* secmem, NUL-terminated; NULL when empty */
	size_t len;
	unsigned attempts;
	bool uncertain; /* a non-idempotent call may have reached KP */
};

/* New client; api_key is copied into secure memory (the caller wipes its
 * own copy). Nothing is sent until the first call. */
enum err kp_client_new(struct kp_client **out, const struct kp_config *cfg,
                       const char *api_key);

/* Wipes the API key and token; NULL is a no-op. */
void kp_client_free(struct kp_client *c);

/* Endpoints in use (for messages). */
const struct kp_endpoints *kp_client_endpoints(const struct kp_client *c);

/* True for an HPCS instance: secure import uses OAEP-SHA-1 and AES-CBC. */
bool kp_client_hpcs(const struct kp_client *c);

/* Correlation id of the last KP exchange (for the audit log); "" if none. */
const char *kp_client_correlation_id(const struct kp_client *c);

/* Make sure a bearer token is cached (IAM exchange if needed). ERR_AUTH
 * when IAM refuses the API key. */
enum err kp_iam_token(struct kp_client *c);

/* One KP call with retries. ERR_OK only for a 2xx status (body in rs);
 * otherwise ERR_AUTH (401/403), ERR_NOT_FOUND (404), ERR_REMOTE (other KP
 * errors, one line with reason code, status and correlation id) or
 * ERR_HTTP (transport). Clear rs with kp_response_clear(). */
enum err kp_client_call(struct kp_client *c, const struct kp_request *rq,
                        struct kp_response *rs);
void kp_response_clear(struct kp_response *rs);

/* One call to another IBM Cloud service (SoftLayer, IAM policies, COS)
 * at the absolute https URL rq->path, with this client's bearer token,
 * retries and token refresh, but no Key Protect headers. ERR_OK for any
 * final status: the caller reads that service's own error body. */
enum err kp_client_call_url(struct kp_client *c, const struct kp_request *rq,
                            struct kp_response *rs);

/* The account id (the IAM token's account.bss claim), for calls scoped
 * to an account (IAM policies). Gets a token if none is cached. */
enum err kp_client_account(struct kp_client *c, char out[64]);

/* After a 2xx body failed to parse: ERR_REMOTE if it is a KP error body,
 * else ERR_FORMAT "Key Protect <what>: malformed response: <detail>". */
enum err kp_client_bad_body(const struct kp_client *c,
                            const struct kp_response *rs, const char *what);

/* True when a cached token expiring at expiration (Unix seconds), issued
 * for expires_in seconds, should be refreshed at now: now >= expiration -
 * max(60, expires_in / 5). */
bool kp_client_token_stale(time_t now, time_t expiration, long expires_in);

struct kp_http;
struct kp_http_opts;
struct kp_http_resp;

/* A connection to IAM (and, for the Key Protect client, to the service
 * too), the API key and the IAM access token exchanged for it, both in
 * locked memory, with the token's lifetime: what the Key Protect client
 * and the COS clients' shared token (iam_token.c) each hold, kept one
 * way. */
struct kp_iam_conn {
	struct kp_http *http;
	char *api_key; /* secmem */
	char *token;   /* secmem, NULL until exchanged or once dropped */
	time_t expiration;
	long expires_in;
};

/* True when there is no token or kp_client_token_stale says so at now. */
bool kp_iam_conn_stale(const struct kp_iam_conn *c, time_t now);

/* Parse IAM's answer and keep its token (the old one wiped) and lifetime
 * from now; an explicit expiration earlier than that wins. */
enum err kp_iam_conn_store(struct kp_iam_conn *c, const char *body, size_t len,
                           time_t now);

/* Wipe the token (NULL after). */
void kp_iam_conn_drop(struct kp_iam_conn *c);

/* ERR_USAGE for an empty api_key; else a copy of it in locked memory
 * and the connection opened with ho. kp_iam_conn_close on failure too. */
enum err kp_iam_conn_open(struct kp_iam_conn *c, const char *api_key,
                          const struct kp_http_opts *ho);

/* IAM's refusal in hr as one line naming url: ERR_HTTP for a 5xx, else
 * ERR_AUTH. */
enum err kp_iam_refused(const struct kp_http_resp *hr, const char *url);

/* Close the connection, wipe the token and the API key. */
void kp_iam_conn_close(struct kp_iam_conn *c);

#endif
