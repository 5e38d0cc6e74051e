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
	struct kp_iam_conn conn;
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
	t = calloc(1, sizeof(*t));
	if (!t)
		return err_set(ERR_NOMEM, "no memory for the IAM client");
	pthread_mutex_init(&t->lock, NULL);
	snprintf(t->url, sizeof(t->url), "%s%s", u,
	         has_path ? "" : "/identity/token");
	r = kp_iam_conn_open(&t->conn, api_key, &ho);
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
	kp_iam_conn_close(&t->conn);
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
		r = kp_http_send(t->conn.http, "POST", t->url, h, form->buf,
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

static enum err exchange(struct iam_token *t)
{
	struct kp_http_resp hr = { 0 };
	struct kp_jbuf form = { 0 };
	enum err r = kp_json_build_iam_form(t->conn.api_key, &form);

	if (r == ERR_OK)
		r = post_form(t, &form, &hr);
	if (r != ERR_OK)
		r = err_wrap(r, "IAM token");
	else if (hr.status != 200)
		r = kp_iam_refused(&hr, t->url);
	else
		r = kp_iam_conn_store(&t->conn, hr.body, hr.len, time(NULL));
	if (r == ERR_OK)
		t->gen++;
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
	if (kp_iam_conn_stale(&t->conn, time(NULL)))
		r = exchange(t);
	if (r == ERR_OK) {
		n = strlen(t->conn.token) + 8;
		*out = secmem_alloc(n);
		if (*out)
			snprintf(*out, n, "Bearer %s", t->conn.token);
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
	if (gen == t->gen)
		kp_iam_conn_drop(&t->conn);
	pthread_mutex_unlock(&t->lock);
}
