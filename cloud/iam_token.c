/* SPDX-License-Identifier: MIT */
/* iam_token.c - the IAM exchange for COS: kp_http for transport (same TLS
 * rules), kp_json for the form and the answer (same parser as Key
 * Protect), a mutex so parallel part uploads share one token. */
#include "iam_token.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kp_client.h"
#include "kp_http.h"
#include "kp_jbuf.h"
#include "kp_json.h"
#include "kp_retry.h"
#include "retry_wait.h"
#include "secmem.h"

#define IAM_ATTEMPTS 4

struct iam_token {
	pthread_mutex_t lock;
	struct kp_http *http;
	char url[512];
	char *api_key; /* secmem */
	char *token;   /* secmem */
	time_t expiration;
	long expires_in;
	unsigned gen;
};

enum err iam_token_new(struct iam_token **out, const char *token_url,
                       const char *cacert, const char *api_key)
{
	struct kp_http_opts ho = { cacert, 10000, 30000, (1u << 20) - 64 };
	const char *u = token_url ? token_url : "https://iam.cloud.ibm.com";
	bool has_path = strchr(u + (strncmp(u, "https://", 8) ? 0 : 8), '/');
	struct iam_token *t;
	enum err r;

	*out = NULL;
	if (strncmp(u, "https://", 8) != 0)
		return err_set(ERR_USAGE, "IAM URL must be https: %s", u);
	if (!api_key || !*api_key)
		return err_set(ERR_USAGE, "the API key is empty");
	t = calloc(1, sizeof(*t));
	if (!t)
		return err_set(ERR_NOMEM, "no memory for the IAM client");
	pthread_mutex_init(&t->lock, NULL);
	snprintf(t->url, sizeof(t->url), "%s%s", u,
	         has_path ? "" : "/identity/token");
	t->api_key = secmem_strdup(api_key);
	r = t->api_key ? kp_http_new(&t->http, &ho)
	               : err_set(ERR_NOMEM, "no secure memory for the key");
	if (r != ERR_OK) {
		iam_token_free(t);
		return r;
	}
	*out = t;
	return ERR_OK;
}

void iam_token_free(struct iam_token *t)
{
	if (!t)
		return;
	kp_http_free(t->http);
	secmem_free(t->api_key);
	secmem_free(t->token);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

const char *iam_token_url(const struct iam_token *t)
{
	return t->url;
}

/* One exchange with retries on transport failures, 429 and 5xx. */
static enum err post_form(struct iam_token *t, const struct kp_jbuf *form,
                          struct kp_http_resp *hr)
{
	struct curl_slist *h = NULL;
	enum err r = kp_http_header(&h, "Accept", "application/json");

	if (r == ERR_OK)
		r = kp_http_header(&h, "Content-Type",
		                   "application/x-www-form-urlencoded");
	for (unsigned n = 1; r == ERR_OK; n++) {
		kp_http_resp_clear(hr);
		r = kp_http_send(t->http, "POST", t->url, h, form->buf,
		                 form->len, false, hr);
		if (r == ERR_OK ? !kp_retry_status(hr->status)
		                : hr->fail == KP_HTTP_FATAL)
			break;
		if (n >= IAM_ATTEMPTS)
			break;
		err_clear();
		r = ERR_OK;
		retry_sleep_ms(kp_retry_delay_ms(n, -1, 500, 4000, 0));
	}
	kp_http_headers_free(h);
	return r;
}

/* IAM's answer as one line, as the Key Protect client words it. */
static enum err refused(const struct iam_token *t,
                        const struct kp_http_resp *hr)
{
	struct kp_error e;
	bool parsed = hr->body &&
	              kp_json_parse_iam_error(hr->body, hr->len, &e) == ERR_OK;
	char line[1024];

	kp_json_error_format(parsed ? &e : NULL, "IAM", hr->status, NULL, line,
	                     sizeof(line));
	return err_set(hr->status >= 500 ? ERR_HTTP : ERR_AUTH,
	               "%s; token URL %s", line, t->url);
}

static enum err exchange(struct iam_token *t)
{
	struct kp_http_resp hr = { 0 };
	struct kp_iam_token it = { 0 };
	struct kp_jbuf form = { 0 };
	enum err r = kp_json_build_iam_form(t->api_key, &form);

	if (r == ERR_OK)
		r = post_form(t, &form, &hr);
	if (r != ERR_OK)
		r = err_wrap(r, "IAM token");
	else if (hr.status != 200)
		r = refused(t, &hr);
	else
		r = kp_json_parse_iam(hr.body ? hr.body : "", hr.len, &it);
	if (r == ERR_OK) {
		secmem_free(t->token);
		t->token = it.access_token;
		it.access_token = NULL;
		t->expires_in = (long)it.expires_in;
		t->expiration = time(NULL) + (time_t)it.expires_in;
		t->gen++;
	}
	kp_json_iam_token_clear(&it);
	kp_jbuf_free(&form);
	kp_http_resp_clear(&hr);
	return r;
}

enum err iam_token_bearer(struct iam_token *t, char **out, unsigned *gen)
{
	enum err r = ERR_OK;
	size_t n;

	*out = NULL;
	pthread_mutex_lock(&t->lock);
	if (!t->token ||
	    kp_client_token_stale(time(NULL), t->expiration, t->expires_in))
		r = exchange(t);
	if (r == ERR_OK) {
		n = strlen(t->token) + 8;
		*out = secmem_alloc(n);
		if (*out)
			snprintf(*out, n, "Bearer %s", t->token);
		else
			r = err_set(ERR_NOMEM, "no secure memory for a token");
		*gen = t->gen;
	}
	pthread_mutex_unlock(&t->lock);
	return r;
}

void iam_token_refused(struct iam_token *t, unsigned gen)
{
	pthread_mutex_lock(&t->lock);
	if (gen == t->gen && t->token) {
		secmem_free(t->token);
		t->token = NULL;
	}
	pthread_mutex_unlock(&t->lock);
}
