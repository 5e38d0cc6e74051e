/* SPDX-License-Identifier: MIT */
/* cos_client.c - one COS request = sign (SigV4 or IAM bearer), send on the
 * connection's reused handle, classify, retry. Every request carries
 * x-amz-date and x-amz-content-sha256 (the body's SHA-256), every part
 * its Content-MD5, so a body changed on the way is refused by the server
 * and an ETag that is not our MD5 is caught here. */
#include "cos_client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "cos_conn.h"
#include "cos_sigv4.h"
#include "cos_xml.h"
#include "encode.h"
#include "http_tls.h"
#include "iam_token.h"
#include "kp_retry.h"
#include "retry_wait.h"
#include "secmem.h"

#define MAX_ANSWER (1u << 20)

struct cos_conn {
	CURL *curl;
	const struct cos_config *cfg;
	char base[512];                     /* https://host[:port] */
	char host[256];                     /* Host header, as signed */
	char region[32];                    /* signing region: the bucket's */
	char path[3 * COS_OBJECT_MAX + 80]; /* /bucket/encoded-object */
	char where[COS_OBJECT_MAX + 80];    /* bucket/object, for messages */
	char errbuf[CURL_ERROR_SIZE];
	char *answer; /* response body (no secrets in S3 answers) */
	size_t len;
	bool too_big;
	char etag[COS_ETAG_MAX], retry_after[64];
	unsigned retries;
};

static bool in_set(const char *s, const char *set)
{
	return *s && strspn(s, set) == strlen(s);
}

enum err cos_target_parse(const char *uri, struct cos_target *t)
{
	const char *p = uri, *b, *o;

	memset(t, 0, sizeof(*t));
	if (strncmp(p, "cos://", 6) != 0)
		return err_set(ERR_USAGE,
		               "'%s' is not a cos://REGION/BUCKET/"
		               "OBJECT URI",
		               uri);
	p += 6;
	b = strchr(p, '/');
	o = b ? strchr(b + 1, '/') : NULL;
	if (!b || !o || !o[1])
		return err_set(ERR_USAGE,
		               "'%s': expected cos://REGION/BUCKET/"
		               "OBJECT",
		               uri);
	if ((size_t)(b - p) >= sizeof(t->region) ||
	    (size_t)(o - b - 1) >= sizeof(t->bucket) ||
	    strlen(o + 1) >= sizeof(t->object))
		return err_set(ERR_USAGE,
		               "'%s': region, bucket or object too "
		               "long",
		               uri);
	memcpy(t->region, p, (size_t)(b - p));
	memcpy(t->bucket, b + 1, (size_t)(o - b - 1));
	snprintf(t->object, sizeof(t->object), "%s", o + 1);
	if (!in_set(t->region, "abcdefghijklmnopqrstuvwxyz0123456789-"))
		return err_set(ERR_USAGE, "'%s': bad region '%s'", uri,
		               t->region);
	if (strlen(t->bucket) < 3 ||
	    !in_set(t->bucket, "abcdefghijklmnopqrstuvwxyz0123456789.-"))
		return err_set(ERR_USAGE,
		               "'%s': bad bucket name '%s' (3-63 of "
		               "a-z 0-9 . -)",
		               uri, t->bucket);
	for (const char *q = t->object; *q; q++)
		if ((unsigned char)*q < 0x20 || *q == 0x7f)
			return err_set(ERR_USAGE,
			               "'%s': control byte in the "
			               "object name",
			               uri);
	return ERR_OK;
}

enum err cos_endpoint(const struct cos_config *cfg, const struct cos_target *t,
                      char *out, size_t cap)
{
	static const char *const infix[] = { "", ".private", ".direct" };
	int n;

	if (cfg->endpoint) {
		size_t l = strlen(cfg->endpoint);

		if (strncmp(cfg->endpoint, "https://", 8) != 0)
			return err_set(ERR_USAGE, "--cos-endpoint must be an "
			                          "https:// URL");
		while (l > 8 && cfg->endpoint[l - 1] == '/')
			l--;
		n = snprintf(out, cap, "%.*s", (int)l, cfg->endpoint);
	} else {
		n = snprintf(out, cap,
		             "https://s3%s.%s.cloud-object-storage."
		             "appdomain.cloud",
		             infix[cfg->kind], t->region);
	}
	if (n <= 0 || (size_t)n >= cap || strchr(out + 8, '/'))
		return err_set(ERR_USAGE,
		               "bad COS endpoint '%s' (no path, "
		               "please)",
		               out);
	return ERR_OK;
}

enum err cos_conn_new(struct cos_conn **out, const struct cos_config *cfg,
                      const struct cos_target *t)
{
	struct cos_conn *c = calloc(1, sizeof(*c));
	char obj[3 * COS_OBJECT_MAX + 1];
	enum err r;

	*out = NULL;
	if (!c)
		return err_set(ERR_NOMEM, "no memory for the COS client");
	c->cfg = cfg;
	r = cos_endpoint(cfg, t, c->base, sizeof(c->base));
	if (r == ERR_OK)
		r = cos_sigv4_encode(t->object, strlen(t->object), 1, obj,
		                     sizeof(obj));
	if (r == ERR_OK) {
		snprintf(c->host, sizeof(c->host), "%s", c->base + 8);
		snprintf(c->region, sizeof(c->region), "%s", t->region);
		snprintf(c->path, sizeof(c->path), "/%s/%s", t->bucket, obj);
		snprintf(c->where, sizeof(c->where), "%s/%s", t->bucket,
		         t->object);
		c->curl = curl_easy_init();
		if (!c->curl)
			r = err_set(ERR_HTTP, "libcurl initialisation failed");
	}
	if (r != ERR_OK) {
		cos_conn_free(c);
		return r;
	}
	*out = c;
	return ERR_OK;
}

void cos_conn_free(struct cos_conn *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->answer);
	free(c);
}

unsigned cos_conn_retries(const struct cos_conn *c)
{
	return c->retries;
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct cos_conn *c = arg;
	size_t len = size * n;
	char *grown;

	if (len > MAX_ANSWER - c->len) {
		c->too_big = true;
		return 0;
	}
	grown = realloc(c->answer, c->len + len + 1);
	if (!grown)
		return 0;
	memcpy(grown + c->len, data, len);
	c->answer = grown;
	c->len += len;
	c->answer[c->len] = '\0';
	return len;
}

/* Keep a header's value, trimmed and printable, if its name matches. */
static void keep(const char *line, size_t len, const char *name, char *out,
                 size_t cap)
{
	size_t n = strlen(name), i = 0;

	if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return;
	line += n + 1;
	len -= n + 1;
	while (len && (*line == ' ' || *line == '"'))
		line++, len--;
	while (len && strchr("\r\n \"", line[len - 1]))
		len--;
	for (; i < len && i + 1 < cap; i++)
		out[i] = line[i] > 0x20 && line[i] < 0x7f ? line[i] : '?';
	out[i] = '\0';
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
	struct cos_conn *c = arg;
	size_t len = size * n;

	keep(data, len, "etag", c->etag, sizeof(c->etag));
	keep(data, len, "retry-after", c->retry_after, sizeof(c->retry_after));
	return len;
}

struct reader {
	const uint8_t *p;
	size_t len, off;
};

static size_t on_read(char *buf, size_t size, size_t n, void *arg)
{
	struct reader *rd = arg;
	size_t want = size * n, left = rd->len - rd->off;

	if (want > left)
		want = left;
	memcpy(buf, rd->p + rd->off, want);
	rd->off += want;
	return want;
}

static int on_seek(void *arg, curl_off_t off, int origin)
{
	struct reader *rd = arg;

	if (origin != SEEK_SET || off < 0 || (size_t)off > rd->len)
		return CURL_SEEKFUNC_CANTSEEK;
	rd->off = (size_t)off;
	return CURL_SEEKFUNC_OK;
}

static void sha256_hex(const uint8_t *p, size_t len, char out[65])
{
	unsigned char d[32];

	EVP_Digest(p, len, d, NULL, EVP_sha256(), NULL);
	encode_hex(out, d, sizeof(d));
}

/* The headers of one attempt: Host, x-amz-date, x-amz-content-sha256,
 * Content-MD5 as signed, and Authorization (SigV4, or the IAM bearer). */
static enum err headers(struct cos_conn *c, const struct cos_req *rq,
                        const char *payload, struct curl_slist **h,
                        unsigned *gen)
{
	struct cos_sigv4_req sr = { rq->method, c->host, c->path, rq->query,
		                    rq->md5,    payload, NULL,    NULL };
	char date[20], line[COS_SIGV4_AUTH_MAX + 32], *bearer = NULL;
	time_t now = time(NULL);
	struct tm tm;
	enum err r = ERR_OK;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y%m%dT%H%M%SZ", &tm);
	sr.amz_date = date;
	sr.region = c->region;
	if (c->cfg->iam) {
		r = iam_token_bearer(c->cfg->iam, &bearer, gen);
	} else {
		memcpy(line, "Authorization: ", 15);
		r = cos_sigv4_authorization(&sr, c->cfg->access_key,
		                            c->cfg->secret_key, line + 15,
		                            sizeof(line) - 15);
	}
	if (r != ERR_OK)
		return r;
	if (bearer) {
		size_t n = strlen(bearer) + 16;
		char *l = secmem_alloc(n);

		if (l)
			snprintf(l, n, "Authorization: %s", bearer);
		*h = l ? curl_slist_append(*h, l) : NULL;
		secmem_free(l);
		secmem_free(bearer);
	} else {
		*h = curl_slist_append(*h, line);
	}
	snprintf(line, sizeof(line), "Host: %s", c->host);
	*h = *h ? curl_slist_append(*h, line) : NULL;
	snprintf(line, sizeof(line), "x-amz-date: %s", date);
	*h = *h ? curl_slist_append(*h, line) : NULL;
	snprintf(line, sizeof(line), "x-amz-content-sha256: %s", payload);
	*h = *h ? curl_slist_append(*h, line) : NULL;
	if (rq->md5) {
		snprintf(line, sizeof(line), "Content-MD5: %s", rq->md5);
		*h = *h ? curl_slist_append(*h, line) : NULL;
	}
	*h = *h ? curl_slist_append(*h, "Expect:") : NULL;
	*h = *h ? curl_slist_append(*h, "Content-Type:") : NULL;
	return *h ? ERR_OK : err_set(ERR_NOMEM, "no memory for headers");
}

static void wipe_headers(struct curl_slist *h)
{
	for (struct curl_slist *it = h; it; it = it->next)
		secmem_wipe(it->data, strlen(it->data));
	curl_slist_free_all(h);
}

static CURLcode setup(struct cos_conn *c, const struct cos_req *rq,
                      struct reader *rd, struct curl_slist *h, const char *url)
{
	CURL *k = c->curl;
	CURLcode rc = CURLE_OK;

	rc |= curl_easy_setopt(k, CURLOPT_URL, url);
	rc |= curl_easy_setopt(k, CURLOPT_HTTPHEADER, h);
	rc |= curl_easy_setopt(k, CURLOPT_ERRORBUFFER, c->errbuf);
	rc |= curl_easy_setopt(k, CURLOPT_WRITEFUNCTION, on_body);
	rc |= curl_easy_setopt(k, CURLOPT_WRITEDATA, c);
	rc |= curl_easy_setopt(k, CURLOPT_HEADERFUNCTION, on_header);
	rc |= curl_easy_setopt(k, CURLOPT_HEADERDATA, c);
	if (strcmp(rq->method, "HEAD") == 0) {
		rc |= curl_easy_setopt(k, CURLOPT_NOBODY, 1L);
	} else if (strcmp(rq->method, "PUT") == 0) {
		rc |= curl_easy_setopt(k, CURLOPT_UPLOAD, 1L);
		rc |= curl_easy_setopt(k, CURLOPT_READFUNCTION, on_read);
		rc |= curl_easy_setopt(k, CURLOPT_READDATA, rd);
		rc |= curl_easy_setopt(k, CURLOPT_SEEKFUNCTION, on_seek);
		rc |= curl_easy_setopt(k, CURLOPT_SEEKDATA, rd);
		rc |= curl_easy_setopt(k, CURLOPT_INFILESIZE_LARGE,
		                       (curl_off_t)rd->len);
	} else if (strcmp(rq->method, "POST") == 0) {
		rc |= curl_easy_setopt(k, CURLOPT_POSTFIELDSIZE_LARGE,
		                       (curl_off_t)rd->len);
		rc |= curl_easy_setopt(k, CURLOPT_POSTFIELDS,
		                       rd->len ? (const char *)rd->p : "");
	} else if (strcmp(rq->method, "GET") != 0) {
		rc |= curl_easy_setopt(k, CURLOPT_CUSTOMREQUEST, rq->method);
	}
	return rc;
}

/* One attempt. ERR_OK when a status arrived; *retry says whether a
 * transport failure is worth another attempt. */
static enum err attempt(struct cos_conn *c, const struct cos_req *rq,
                        const char *payload, long *status, unsigned *gen,
                        bool *retry)
{
	struct reader rd = { rq->body, rq->body_len, 0 };
	struct curl_slist *h = NULL;
	char url[sizeof(c->base) + sizeof(c->path) + 600];
	CURLcode rc;
	enum err r;

	snprintf(url, sizeof(url), "%s%s%s%s", c->base, c->path,
	         rq->query[0] ? "?" : "", rq->query);
	*retry = false;
	c->len = 0;
	c->too_big = false;
	c->etag[0] = c->retry_after[0] = c->errbuf[0] = '\0';
	curl_easy_reset(c->curl);
	r = http_tls_setup(c->curl, c->cfg->cacert, 10000,
	                   c->cfg->timeout_ms > 0 ? c->cfg->timeout_ms
	                                          : 300000);
	if (r == ERR_OK)
		r = headers(c, rq, payload, &h, gen);
	if (r != ERR_OK) {
		wipe_headers(h);
		return r;
	}
	rc = setup(c, rq, &rd, h, url);
	if (rc == CURLE_OK)
		rc = curl_easy_perform(c->curl);
	wipe_headers(h);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
		return ERR_OK;
	}
	if (rc == CURLE_PEER_FAILED_VERIFICATION)
		return err_set(ERR_HTTP, "%s: %s (%s)", c->base,
		               http_tls_hint(c->errbuf), c->errbuf);
	*retry = !c->too_big && rc != CURLE_UNSUPPORTED_PROTOCOL &&
	         rc != CURLE_URL_MALFORMAT && rc != CURLE_SSL_CACERT_BADFILE;
	return err_set(ERR_HTTP, "%s %s%s: %s", rq->method, c->base, c->path,
	               c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
}

/* S3 error codes worth another attempt whatever their status. */
static bool retry_code(const char *code)
{
	return strcmp(code, "SlowDown") == 0 ||
	       strcmp(code, "RequestTimeout") == 0 ||
	       strcmp(code, "InternalError") == 0 ||
	       strcmp(code, "ServiceUnavailable") == 0;
}

/* A final non-2xx status as one line with the right class. */
static enum err failed(struct cos_conn *c, const struct cos_req *rq,
                       long status, const char *code, unsigned attempts)
{
	char msg[256] = "", more[48] = "";
	enum err e = ERR_REMOTE;

	if (c->answer)
		cos_xml_text(c->answer, c->len, "Message", msg, sizeof(msg));
	err_clear();
	if (attempts > 1)
		snprintf(more, sizeof(more), " after %u attempts", attempts);
	if (kp_retry_status(status) || retry_code(code))
		e = ERR_HTTP; /* still busy after every attempt: resumable */
	else if (status == 404)
		e = ERR_NOT_FOUND;
	else if (status == 401 || status == 403)
		e = ERR_AUTH;
	else if (strcmp(code, "BadDigest") == 0 ||
	         strcmp(code, "InvalidDigest") == 0)
		e = ERR_VERIFY;
	return err_set(e, "COS %s %s: %s%s%s (HTTP %ld)%s", rq->method,
	               c->where, code[0] ? code : "error", msg[0] ? ": " : "",
	               msg, status, more);
}

enum err cos_conn_call(struct cos_conn *c, const struct cos_req *rq,
                       struct cos_answer *an)
{
	const struct cos_config *cfg = c->cfg;
	unsigned max = cfg->max_attempts ? cfg->max_attempts : 6, gen = 0;
	bool retry, reauthed = !cfg->iam;
	char payload[65], code[64], last[512] = "";
	long status = 0, ra;
	unsigned n;
	enum err r;

	sha256_hex(rq->body ? rq->body : (const uint8_t *)"", rq->body_len,
	           payload);
	memset(an, 0, sizeof(*an));
	for (n = 1;; n++) {
		r = attempt(c, rq, payload, &status, &gen, &retry);
		snprintf(last, sizeof(last), "%s",
		         r != ERR_OK ? err_detail() : "");
		code[0] = '\0';
		if (r == ERR_OK && c->answer && c->len)
			cos_xml_text(c->answer, c->len, "Code", code,
			             sizeof(code));
		err_clear();
		if (r == ERR_OK && (status == 401 || status == 403) &&
		    !reauthed) {
			reauthed = true;
			iam_token_refused(cfg->iam, gen);
			n--;
			continue;
		}
		if (r == ERR_OK && status >= 200 && status <= 299)
			break;
		if (r != ERR_OK && !retry)
			return err_set(r, "%s", last);
		if (r == ERR_OK && !kp_retry_status(status) &&
		    !retry_code(code))
			break;
		if (n >= max)
			break;
		ra = -1;
		kp_retry_after_parse(c->retry_after, time(NULL), &ra);
		c->retries++;
		retry_sleep_ms(kp_retry_delay_ms(
		        n, ra,
		        cfg->retry_base_ms > 0 ? cfg->retry_base_ms : 1000,
		        cfg->retry_cap_ms > 0 ? cfg->retry_cap_ms : 20000,
		        retry_rand32()));
	}
	if (r != ERR_OK)
		return err_set(r, "%s (gave up after %u attempts)", last, n);
	an->status = status;
	an->body = c->answer ? c->answer : "";
	an->len = c->len;
	an->etag = c->etag;
	if (strcmp(rq->method, "HEAD") == 0) {
		curl_off_t cl = -1;

		curl_easy_getinfo(c->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
		                  &cl);
		an->length = cl > 0 ? (uint64_t)cl : 0;
	}
	if (status < 200 || status > 299)
		return failed(c, rq, status, code, n);
	return ERR_OK;
}
