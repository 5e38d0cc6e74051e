/* SPDX-License-Identifier: MIT */
/* kp_client.c - Key Protect session: IAM token cache, KP headers, the
 * retry loop (Go client rules plus jitter, Retry-After and a time budget),
 * and the mapping of HTTP outcomes to enum err. */
#include "kp_client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <openssl/rand.h>

#include "encode.h"
#include "json.h"
#include "kp_http.h"
#include "kp_json.h"
#include "kp_retry.h"
#include "retry_wait.h"
#include "secmem.h"

/* 1 MiB including secmem's block header, so the largest body buffer
 * fits one 1 MiB block of the secure heap. */
#define MAX_RESPONSE ((1u << 20) - 64)

struct kp_client {
	struct kp_http *http;
	struct kp_endpoints ep;
	char key_ring[KP_RING_SIZE];
	struct kp_iam_conn conn;
	long retry_base_ms, retry_cap_ms, total_ms;
	unsigned max_attempts;
	void (*progress)(void *ctx, const char *line);
	void *progress_ctx;
	bool hpcs;
	char correlation_id[64];
};

/* One HTTP exchange as the retry loop sees it. */
struct exchange {
	const char *method;
	const char *url;
	const char *body;
	size_t body_len;
	const char *prefer;
	bool iam; /* the IAM token call: no bearer, form body */
	bool idempotent;
	bool foreign; /* another service: bearer only, no KP headers */
};

static long pick(long v, long dflt)
{
	return v > 0 ? v : dflt;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Random UUID v4 (RFC 9562) for Correlation-Id. */
static void uuid4(char out[37])
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		memset(b, 0, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	         "%02x%02x%02x%02x%02x%02x",
	         b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
	         b[10], b[11], b[12], b[13], b[14], b[15]);
}

enum err kp_client_new(struct kp_client **out, const struct kp_config *cfg,
                       const char *api_key)
{
	struct kp_http_opts ho = { cfg->cacert,
		                   pick(cfg->connect_timeout_ms, 10000),
		                   pick(cfg->timeout_ms, 30000), MAX_RESPONSE };
	struct kp_client *c = NULL;
	enum err r;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return err_set(ERR_NOMEM,
		               "no memory for the Key Protect client");
	r = kp_config_resolve(cfg, &c->ep);
	if (r == ERR_OK && cfg->key_ring &&
	    (strlen(cfg->key_ring) >= sizeof(c->key_ring) ||
	     strspn(cfg->key_ring,
	            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
	            "opqrstuvwxyz0123456789-_") != strlen(cfg->key_ring)))
		r = err_set(ERR_USAGE, "key ring id must be [A-Za-z0-9_-]");
	if (r == ERR_OK && cfg->key_ring)
		snprintf(c->key_ring, sizeof(c->key_ring), "%s", cfg->key_ring);
	if (r == ERR_OK)
		r = kp_iam_conn_open(&c->conn, api_key, &ho);
	if (r != ERR_OK) {
		kp_client_free(c);
		return r;
	}
	c->retry_base_ms = pick(cfg->retry_base_ms, 1000);
	c->retry_cap_ms = pick(cfg->retry_cap_ms, 30000);
	c->total_ms = pick(cfg->total_ms, 120000);
	c->max_attempts = cfg->max_attempts ? cfg->max_attempts : 5;
	c->progress = cfg->progress;
	c->progress_ctx = cfg->progress_ctx;
	c->hpcs = cfg->hpcs;
	*out = c;
	return ERR_OK;
}

void kp_client_free(struct kp_client *c)
{
	if (!c)
		return;
	kp_iam_conn_close(&c->conn);
	free(c);
}

const struct kp_endpoints *kp_client_endpoints(const struct kp_client *c)
{
	return &c->ep;
}

bool kp_client_hpcs(const struct kp_client *c)
{
	return c->hpcs;
}

const char *kp_client_correlation_id(const struct kp_client *c)
{
	return c->correlation_id;
}

bool kp_client_token_stale(time_t now, time_t expiration, long expires_in)
{
	long margin = expires_in / 5 > 60 ? expires_in / 5 : 60;

	return (long long)now >= (long long)expiration - margin;
}

bool kp_iam_conn_stale(const struct kp_iam_conn *c, time_t now)
{
	return !c->token ||
	       kp_client_token_stale(now, c->expiration, c->expires_in);
}

enum err kp_iam_conn_store(struct kp_iam_conn *c, const char *body, size_t len,
                           time_t now)
{
	struct kp_iam_token t = { 0 };
	enum err r = kp_json_parse_iam(body ? body : "", len, &t);

	if (r != ERR_OK)
		return r;
	kp_iam_conn_drop(c);
	c->token = t.access_token;
	t.access_token = NULL;
	c->expires_in = (long)t.expires_in;
	c->expiration = now + (time_t)t.expires_in;
	if (t.expiration > 0 && (time_t)t.expiration < c->expiration)
		c->expiration = (time_t)t.expiration;
	kp_json_iam_token_clear(&t);
	return ERR_OK;
}

void kp_iam_conn_drop(struct kp_iam_conn *c)
{
	secmem_free(c->token);
	c->token = NULL;
}

enum err kp_iam_conn_open(struct kp_iam_conn *c, const char *api_key,
                          const struct kp_http_opts *ho)
{
	if (!api_key || !*api_key)
		return err_set(ERR_USAGE, "the API key is empty");
	c->api_key = secmem_strdup(api_key);
	if (!c->api_key)
		return err_set(ERR_NOMEM, "no secure memory for the key");
	return kp_http_new(&c->http, ho);
}

void kp_iam_conn_close(struct kp_iam_conn *c)
{
	kp_http_free(c->http);
	c->http = NULL;
	kp_iam_conn_drop(c);
	secmem_free(c->api_key);
	c->api_key = NULL;
}

static enum err kp_headers(struct kp_client *c, const struct exchange *ex,
                           struct curl_slist **h)
{
	char *auth = NULL;
	enum err r;

	uuid4(c->correlation_id);
	auth = secmem_alloc(strlen(c->conn.token) + 8);
	if (!auth)
		return err_set(ERR_NOMEM, "no secure memory for a header");
	memcpy(auth, "Bearer ", 7);
	memcpy(auth + 7, c->conn.token, strlen(c->conn.token));
	r = kp_http_header(h, "Authorization", auth);
	secmem_free(auth);
	if (r == ERR_OK && ex->foreign && strcmp(ex->method, "POST") == 0)
		r = kp_http_header(h, "Content-Type", "application/json");
	if (ex->foreign)
		return r;
	if (r == ERR_OK)
		r = kp_http_header(h, "Bluemix-Instance", c->ep.instance);
	if (r == ERR_OK)
		r = kp_http_header(h, "Correlation-Id", c->correlation_id);
	if (r == ERR_OK && strcmp(ex->method, "POST") == 0)
		r = kp_http_header(h, "Content-Type", "application/json");
	if (r == ERR_OK && ex->prefer)
		r = kp_http_header(h, "Prefer", ex->prefer);
	if (r == ERR_OK && c->key_ring[0])
		r = kp_http_header(h, "X-Kms-Key-Ring", c->key_ring);
	return r;
}

/* One attempt: a fresh token if needed, fresh headers, one exchange. */
static enum err send_once(struct kp_client *c, const struct exchange *ex,
                          struct kp_http_resp *hr)
{
	struct curl_slist *h = NULL;
	enum err r = ERR_OK;

	if (!ex->iam)
		r = kp_iam_token(c);
	if (r == ERR_OK)
		r = kp_http_header(&h, "Accept", "application/json");
	if (r == ERR_OK && ex->iam)
		r = kp_http_header(&h, "Content-Type",
		                   "application/x-www-form-urlencoded");
	else if (r == ERR_OK)
		r = kp_headers(c, ex, &h);
	if (r == ERR_OK)
		r = kp_http_send(c->conn.http, ex->method, ex->url, h, ex->body,
		                 ex->body_len, !ex->idempotent, hr);
	kp_http_headers_free(h);
	if (!ex->iam && hr->correlation_id[0])
		snprintf(c->correlation_id, sizeof(c->correlation_id), "%s",
		         hr->correlation_id);
	return r;
}

/* A 401, or a 400 "Token is expired" (seen from KP): worth one new token. */
static bool token_rejected(const struct kp_http_resp *hr)
{
	struct kp_error e;

	if (hr->status == 401)
		return true;
	if (hr->status != 400 || !hr->body ||
	    kp_json_parse_error(hr->body, hr->len, &e) != ERR_OK)
		return false;
	return strstr(e.msg, "oken is expired") ||
	       strcmp(e.code, "BEARER_SUB_EXTRACTION_ERR") == 0;
}

static enum err give_up(enum err r, unsigned n, const char *why)
{
	char d[900];

	snprintf(d, sizeof(d), "%s", err_detail());
	return err_set(r, "%s (gave up after %u attempt%s: %s)", d, n,
	               n == 1 ? "" : "s", why);
}

static void say(const struct kp_client *c, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void say(const struct kp_client *c, const char *fmt, ...)
{
	char line[1200];
	va_list ap;

	if (!c->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	c->progress(c->progress_ctx, line);
}

/* Wait before the next attempt; false when the budget forbids it. */
static bool backoff(struct kp_client *c, unsigned n, const char *retry_after,
                    long long deadline, const char **why)
{
	long ra = -1, delay;

	if (n >= c->max_attempts) {
		*why = "attempt limit";
		return false;
	}
	kp_retry_after_parse(retry_after, time(NULL), &ra);
	delay = kp_retry_delay_ms(n, ra, c->retry_base_ms, c->retry_cap_ms,
	                          retry_rand32());
	if (mono_ms() + delay > deadline) {
		*why = "time budget";
		return false;
	}
	say(c, "attempt %u failed (%.600s); next of %u in %.1f s", n,
	    err_detail()[0] ? err_detail() : "a status worth retrying",
	    c->max_attempts, (double)delay / 1000.0);
	retry_sleep_ms(delay);
	return true;
}

/* The retry loop. ERR_OK once a final status is in hr (any status); an
 * error for transport failures. *uncertain: a non-idempotent request may
 * have been processed and was not repeated. */
static enum err run(struct kp_client *c, const struct exchange *ex,
                    struct kp_http_resp *hr, unsigned *attempts,
                    bool *uncertain)
{
	long long deadline = mono_ms() + c->total_ms;
	bool reauthed = ex->iam;
	const char *why = "";

	*uncertain = false;
	for (unsigned n = 1;; n++) {
		enum err r;

		*attempts = n;
		kp_http_resp_clear(hr);
		say(c, "%s %s (attempt %u of %u)", ex->method, ex->url, n,
		    c->max_attempts);
		r = send_once(c, ex, hr);
		if (r != ERR_OK && hr->fail == KP_HTTP_NONE)
			return r; /* IAM or local failure, already explained */
		if (r == ERR_OK && !reauthed && token_rejected(hr)) {
			reauthed = true;
			kp_iam_conn_drop(&c->conn);
			n--;
			continue;
		}
		if (r == ERR_OK && !kp_retry_status(hr->status))
			return ERR_OK;
		if (r != ERR_OK && hr->fail == KP_HTTP_FATAL)
			return r;
		if (!ex->idempotent &&
		    (r != ERR_OK ? hr->fail == KP_HTTP_UNCERTAIN
		                 : hr->status != 429)) {
			*uncertain = true;
			return r;
		}
		if (!backoff(c, n, hr->retry_after, deadline, &why))
			return r == ERR_OK ? ERR_OK : give_up(r, n, why);
	}
}

enum err kp_iam_refused(const struct kp_http_resp *hr, const char *url)
{
	struct kp_error e;
	bool parsed = hr->body &&
	              kp_json_parse_iam_error(hr->body, hr->len, &e) == ERR_OK;
	char line[1024];

	kp_json_error_format(parsed ? &e : NULL, "IAM", hr->status, NULL, line,
	                     sizeof(line));
	return err_set(hr->status >= 500 ? ERR_HTTP : ERR_AUTH,
	               "%s; token URL %s", line, url);
}

enum err kp_iam_token(struct kp_client *c)
{
	struct exchange ex = {
		"POST", c->ep.iam_token, NULL, 0, NULL, true, true, false
	};
	struct kp_http_resp hr = { 0 };
	struct kp_jbuf form = { 0 };
	unsigned attempts = 0;
	bool uncertain = false;
	enum err r;

	if (!kp_iam_conn_stale(&c->conn, time(NULL)))
		return ERR_OK;
	kp_iam_conn_drop(&c->conn);
	r = kp_json_build_iam_form(c->conn.api_key, &form);
	if (r != ERR_OK)
		goto out;
	ex.body = form.buf;
	ex.body_len = form.len;
	r = run(c, &ex, &hr, &attempts, &uncertain);
	if (r != ERR_OK)
		r = err_wrap(r, "IAM token");
	else if (hr.status != 200)
		r = kp_iam_refused(&hr, c->ep.iam_token);
	else
		r = kp_iam_conn_store(&c->conn, hr.body, hr.len, time(NULL));
out:
	kp_jbuf_free(&form);
	kp_http_resp_clear(&hr);
	return r;
}

/* A final non-2xx KP status as one line with the right class. */
static enum err kp_failed(struct kp_client *c, const struct kp_http_resp *hr,
                          unsigned attempts)
{
	struct kp_error e;
	bool parsed = hr->body &&
	              kp_json_parse_error(hr->body, hr->len, &e) == ERR_OK;
	char line[1024], more[48] = "";
	enum err code = ERR_REMOTE;

	kp_json_error_format(parsed ? &e : NULL, "Key Protect", hr->status,
	                     c->correlation_id, line, sizeof(line));
	if (attempts > 1)
		snprintf(more, sizeof(more), " after %u attempts", attempts);
	if (hr->status == 401 || hr->status == 403)
		code = ERR_AUTH;
	else if (hr->status == 404)
		code = ERR_NOT_FOUND;
	return err_set(code, "%s%s", line, more);
}

static enum err call(struct kp_client *c, const struct kp_request *rq,
                     bool foreign, struct kp_response *rs)
{
	char url[KP_URL_MAX + 1024];
	struct exchange ex = { rq->method, url,   rq->body,       rq->body_len,
		               rq->prefer, false, rq->idempotent, foreign };
	struct kp_http_resp hr = { 0 };
	enum err r;

	memset(rs, 0, sizeof(*rs));
	if (snprintf(url, sizeof(url), "%s%s", foreign ? "" : c->ep.kp_base,
	             rq->path) >= (int)sizeof(url))
		return err_set(ERR_USAGE, "request path too long");
	r = run(c, &ex, &hr, &rs->attempts, &rs->uncertain);
	rs->status = hr.status;
	if (r == ERR_OK && !foreign && (hr.status < 200 || hr.status > 299))
		r = kp_failed(c, &hr, rs->attempts);
	if (r == ERR_OK) {
		rs->body = hr.body;
		rs->len = hr.len;
		hr.body = NULL;
	}
	kp_http_resp_clear(&hr);
	return r;
}

enum err kp_client_call(struct kp_client *c, const struct kp_request *rq,
                        struct kp_response *rs)
{
	return call(c, rq, false, rs);
}

enum err kp_client_call_url(struct kp_client *c, const struct kp_request *rq,
                            struct kp_response *rs)
{
	if (strncmp(rq->path, "https://", 8) != 0)
		return err_set(ERR_USAGE, "%.80s: only https URLs", rq->path);
	return call(c, rq, true, rs);
}

void kp_response_clear(struct kp_response *rs)
{
	secmem_free(rs->body);
	memset(rs, 0, sizeof(*rs));
}

enum err kp_client_bad_body(const struct kp_client *c,
                            const struct kp_response *rs, const char *what)
{
	struct kp_error e;
	char line[1024], detail[512];

	snprintf(detail, sizeof(detail), "%s", err_detail());
	if (rs->body && kp_json_parse_error(rs->body, rs->len, &e) == ERR_OK) {
		kp_json_error_format(&e, "Key Protect", rs->status,
		                     c->correlation_id, line, sizeof(line));
		return err_set(ERR_REMOTE, "%s", line);
	}
	return err_set(ERR_FORMAT,
	               "Key Protect %s: malformed response: %s "
	               "(HTTP %ld, correlation-id %s)",
	               what, detail, rs->status, c->correlation_id);
}

/* The middle part of a JWT, base64url without padding, as text. */
static enum err jwt_payload(const char *tok, char *out, size_t cap)
{
	const char *a = strchr(tok, '.'), *b = a ? strchr(a + 1, '.') : NULL;
	size_t n = b ? (size_t)(b - a - 1) : 0, len = 0;
	char *std = NULL;
	enum err r;

	if (!b || n == 0 || n > 4 * (cap / 3))
		return err_set(ERR_FORMAT, "IAM token is not a JWT");
	std = calloc(1, n + 4);
	if (!std)
		return err_set(ERR_NOMEM, "IAM token");
	for (size_t i = 0; i < n; i++)
		std[i] = a[1 + i] == '-'   ? '+'
		         : a[1 + i] == '_' ? '/'
		                           : a[1 + i];
	while (n % 4)
		std[n++] = '=';
	r = decode_base64((uint8_t *)out, cap - 1, &len, std, n);
	free(std);
	if (r != ERR_OK)
		return err_set(ERR_FORMAT,
		               "IAM token payload is not base64url");
	out[len] = '\0';
	return ERR_OK;
}

enum err kp_client_account(struct kp_client *c, char out[64])
{
	const cJSON *acct = NULL;
	cJSON *j = NULL;
	const char *bss = NULL;
	char text[4096];
	enum err r = kp_iam_token(c);

	if (r == ERR_OK)
		r = jwt_payload(c->conn.token, text, sizeof(text));
	if (r == ERR_OK)
		r = json_parse_object(text, strlen(text), &j);
	if (r == ERR_OK && json_get_obj(j, "account", true, &acct) == ERR_OK)
		r = json_get_strp(acct, "bss", true, 63, &bss);
	else if (r == ERR_OK)
		r = ERR_FORMAT;
	/* it goes into a query string: hex or a UUID only */
	if (r == ERR_OK &&
	    (!bss[0] || strspn(bss, "0123456789abcdefABCDEF-") != strlen(bss)))
		r = ERR_FORMAT;
	if (r == ERR_OK)
		snprintf(out, 64, "%s", bss);
	else
		r = err_set(ERR_FORMAT, "IAM token: no account.bss claim "
		                        "(the account id)");
	cJSON_Delete(j);
	return r;
}
