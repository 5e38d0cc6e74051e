/* SPDX-License-Identifier: MIT */
/* kp_http.c - HTTPS exchanges with libcurl. The handle is reused (keep-
 * alive) and carries every security setting; transport errors are turned
 * into one clear line, with TLS trust problems named. */
#include "kp_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "http_tls.h"
#include "secmem.h"

/* secmem is a buddy allocator with a 16-byte header in front of each
 * block: growing in (power of two - SLACK) steps keeps each block from
 * doubling just for its header. */
#define BODY_START 8192
#define SLACK      64

struct kp_http {
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
	size_t max_body;
	long timeout_ms;
	struct kp_http_resp *resp; /* the exchange in progress */
	size_t cap;
	bool too_big;
	bool no_memory;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct kp_http *h = arg;
	struct kp_http_resp *rs = h->resp;
	size_t len = size * n, cap = h->cap;

	if (len > h->max_body - rs->len) {
		h->too_big = true;
		return 0; /* aborts the transfer */
	}
	if (rs->len + len + 1 > cap) {
		char *grown;

		while (rs->len + len + 1 > cap)
			cap = cap ? 2 * (cap + SLACK) - SLACK
			          : BODY_START - SLACK;
		if (cap > h->max_body + 1)
			cap = h->max_body + 1;
		grown = secmem_alloc(cap);
		if (!grown) {
			h->no_memory = true;
			return 0;
		}
		if (rs->body)
			memcpy(grown, rs->body, rs->len);
		secmem_free(rs->body);
		rs->body = grown;
		h->cap = cap;
	}
	memcpy(rs->body + rs->len, data, len);
	rs->len += len;
	rs->body[rs->len] = '\0';
	return len;
}

/* Keep a header value (trimmed, printable, bounded) if name matches. */
static void keep_header(const char *line, size_t len, const char *name,
                        char *out, size_t cap)
{
	size_t n = strlen(name), i = 0;

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return;
	line += n + 1;
	len -= n + 1;
	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' ||
	               line[len - 1] == ' '))
		len--;
	for (; i < len && i + 1 < cap; i++)
		out[i] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?';
	out[i] = '\0';
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct kp_http_resp *rs = ((struct kp_http *)arg)->resp;
	size_t len = size * n;

	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		rs->correlation_id[0] = '\0';
		rs->retry_after[0] = '\0';
	}
	keep_header(data, len, "correlation-id", rs->correlation_id,
	            sizeof(rs->correlation_id));
	keep_header(data, len, "retry-after", rs->retry_after,
	            sizeof(rs->retry_after));
	return len;
}

static enum err setup(struct kp_http *h, const struct kp_http_opts *o)
{
	CURL *c = h->curl;
	CURLcode rc = CURLE_OK;
	enum err r = http_tls_setup(c, o->cacert, o->connect_timeout_ms,
	                            o->timeout_ms);

	if (r != ERR_OK)
		return r;
	rc |= curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	                       (curl_off_t)o->max_body);
	rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf);
	rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	rc |= curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
	rc |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	rc |= curl_easy_setopt(c, CURLOPT_HEADERDATA, h);
	if (rc != CURLE_OK)
		return err_set(ERR_HTTP, "libcurl lacks a required option");
	return ERR_OK;
}

enum err kp_http_new(struct kp_http **out, const struct kp_http_opts *o)
{
	struct kp_http *h = calloc(1, sizeof(*h));
	enum err r;

	*out = NULL;
	if (!h)
		return err_set(ERR_NOMEM, "no memory for the HTTP client");
	h->curl = curl_easy_init();
	if (!h->curl) {
		free(h);
		return err_set(ERR_HTTP, "libcurl initialisation failed");
	}
	h->max_body = o->max_body;
	h->timeout_ms = o->timeout_ms;
	r = setup(h, o);
	if (r != ERR_OK) {
		kp_http_free(h);
		return r;
	}
	*out = h;
	return ERR_OK;
}

void kp_http_free(struct kp_http *h)
{
	if (!h)
		return;
	curl_easy_cleanup(h->curl);
	free(h);
}

static enum kp_http_fail classify(CURLcode rc, long sent)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT: return KP_HTTP_NOT_SENT;
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return sent > 0 ? KP_HTTP_UNCERTAIN : KP_HTTP_NOT_SENT;
	default: return KP_HTTP_FATAL;
	}
}

static enum err transport_error(struct kp_http *h, CURLcode rc, const char *url,
                                struct kp_http_resp *rs)
{
	const char *msg = h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc);
	long sent = 0;

	curl_easy_getinfo(h->curl, CURLINFO_REQUEST_SIZE, &sent);
	rs->fail = classify(rc, sent);
	if (h->no_memory) {
		rs->fail = KP_HTTP_FATAL;
		return err_set(ERR_NOMEM,
		               "%s: no secure memory for the "
		               "response",
		               url);
	}
	if (h->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
		rs->fail = KP_HTTP_FATAL;
		return err_set(ERR_HTTP, "%s: response larger than %zu bytes",
		               url, h->max_body);
	}
	if (rc == CURLE_PEER_FAILED_VERIFICATION)
		return err_set(ERR_HTTP, "%s: %s (%s)", url, http_tls_hint(msg),
		               msg);
	if (rc == CURLE_UNSUPPORTED_PROTOCOL)
		return err_set(ERR_HTTP, "%s: refused: only https is allowed",
		               url);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return err_set(ERR_HTTP, "%s: timed out (%s)", url, msg);
	return err_set(ERR_HTTP, "%s: %s", url, msg);
}

static CURLcode set_method(CURL *c, const char *method, const char *body,
                           size_t len)
{
	CURLcode rc = curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);

	rc |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
	if (strcmp(method, "POST") == 0) {
		rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		                       (curl_off_t)len);
		/* points at the caller's secmem body: no copy is made */
		rc |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
	} else if (strcmp(method, "GET") != 0) {
		rc |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	return rc;
}

enum err kp_http_send(struct kp_http *h, const char *method, const char *url,
                      const struct curl_slist *headers, const char *body,
                      size_t body_len, bool fresh, struct kp_http_resp *rs)
{
	CURLcode rc;

	memset(rs, 0, sizeof(*rs));
	h->resp = rs;
	h->cap = 0;
	h->too_big = false;
	h->no_memory = false;
	h->errbuf[0] = '\0';
	rc = set_method(h->curl, method, body, body_len);
	rc |= curl_easy_setopt(h->curl, CURLOPT_URL, url);
	rc |= curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers);
	rc |= curl_easy_setopt(h->curl, CURLOPT_FRESH_CONNECT, fresh ? 1L : 0L);
	if (rc != CURLE_OK) {
		rs->fail = KP_HTTP_FATAL;
		return err_set(ERR_HTTP, "%s: bad request settings", url);
	}
	rc = curl_easy_perform(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	h->resp = NULL;
	if (rc != CURLE_OK) {
		enum err r = transport_error(h, rc, url, rs);

		secmem_free(rs->body);
		rs->body = NULL;
		rs->len = 0;
		return r;
	}
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &rs->status);
	return ERR_OK;
}

void kp_http_resp_clear(struct kp_http_resp *resp)
{
	secmem_free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

enum err kp_http_header(struct curl_slist **list, const char *name,
                        const char *value)
{
	size_t n = strlen(name) + strlen(value) + 3;
	char *line = secmem_alloc(n);
	struct curl_slist *grown;

	if (!line)
		return err_set(ERR_NOMEM, "no secure memory for a header");
	snprintf(line, n, "%s: %s", name, value);
	grown = curl_slist_append(*list, line);
	secmem_free(line);
	if (!grown)
		return err_set(ERR_NOMEM, "no memory for a header");
	*list = grown;
	return ERR_OK;
}

void kp_http_headers_free(struct curl_slist *list)
{
	for (struct curl_slist *it = list; it; it = it->next)
		secmem_wipe(it->data, strlen(it->data));
	curl_slist_free_all(list);
}
