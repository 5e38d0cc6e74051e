/* SPDX-License-Identifier: MIT */
/* kp_http.h - one HTTPS exchange over a reused libcurl easy handle: https
 * only, verification always on, TLS >= 1.2, no redirects, no decoding,
 * bounded response body in secure memory. No retries here. */
#ifndef P11SEAL_KP_HTTP_H
#define P11SEAL_KP_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct kp_http;
struct curl_slist;

struct kp_http_opts {
	const char *cacert; /* extra trust anchors, or NULL */
	long connect_timeout_ms;
	long timeout_ms;
	size_t max_body; /* larger responses fail with ERR_HTTP */
};

/* How a failed exchange may be retried. */
enum kp_http_fail {
	KP_HTTP_NONE,      /* got an HTTP status */
	KP_HTTP_NOT_SENT,  /* nothing reached the server: safe to retry */
	KP_HTTP_UNCERTAIN, /* the request may have been processed */
	KP_HTTP_FATAL,     /* retrying cannot help (TLS trust, size, URL) */
};

struct kp_http_resp {
	long status;
	char *body; /* secmem, NUL-terminated; NULL when empty */
	size_t len;
	enum kp_http_fail fail;
	char correlation_id[64]; /* response header, "" if none */
	char retry_after[64];    /* raw Retry-After header, "" if none */
};

/* New handle with the fixed security settings. */
enum err kp_http_new(struct kp_http **out, const struct kp_http_opts *o);
void kp_http_free(struct kp_http *h);

/* One exchange. body may be NULL (GET/DELETE; POST sends an empty body).
 * fresh: use a new connection. Non-idempotent requests need it: on a
 * reused connection that dies silently libcurl resends the request by
 * itself, which would create a key twice. ERR_OK whenever a status
 * arrived (any status); ERR_HTTP with a reason and resp->fail set
 * otherwise. Clear resp with kp_http_resp_clear(). */
enum err kp_http_send(struct kp_http *h, const char *method, const char *url,
                      const struct curl_slist *headers, const char *body,
                      size_t body_len, bool fresh, struct kp_http_resp *resp);
void kp_http_resp_clear(struct kp_http_resp *resp);

/* Append "Name: value" to *list, the copy wiped before it is freed by
 * kp_http_headers_free (header values can carry the bearer token). */
enum err kp_http_header(struct curl_slist **list, const char *name,
                        const char *value);
void kp_http_headers_free(struct curl_slist *list);

#endif
