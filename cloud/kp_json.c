/* SPDX-License-Identifier: MIT */
/* kp_json.c - Key Protect and IAM bodies on top of common/json: the
 * collection envelope, error bodies and lines, the IAM token. */
#include "kp_json.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "secmem.h"

enum err kp_json_parse_strict(const char *buf, size_t len, cJSON **out)
{
	*out = NULL;
	if (len == 0)
		return err_set(ERR_FORMAT, "empty response body");
	return json_parse_object(buf, len, out);
}

enum err kp_json_get_date(const cJSON *obj, const char *name, char *out,
                          size_t cap)
{
	enum err r = json_get_str(obj, name, false, out, cap);

	if (r != ERR_OK)
		return r;
	if (out[0] && (strlen(out) < 10 ||
	               strspn(out, "0123456789TZtz:.+-") != strlen(out)))
		return err_set(ERR_FORMAT,
		               "field '%s' is not an RFC 3339 "
		               "date",
		               name);
	return ERR_OK;
}

enum err kp_json_envelope(const cJSON *root, const char *type,
                          const cJSON **resources, size_t *n)
{
	const cJSON *meta = json_member(root, "metadata");
	const cJSON *res = json_member(root, "resources");
	char got[128];
	long long total = 0;
	size_t count = 0;

	if (!cJSON_IsObject(meta))
		return err_set(ERR_FORMAT, "envelope has no 'metadata' object");
	if (json_get_str(meta, "collectionType", true, got, sizeof(got)) !=
	    ERR_OK)
		return err_wrap(ERR_FORMAT, "envelope metadata");
	if (strcmp(got, type) != 0)
		return err_set(ERR_FORMAT,
		               "envelope is a %.64s collection, "
		               "not %s",
		               got, type);
	if (json_get_int(meta, "collectionTotal", true, 0, 1000000, &total) !=
	    ERR_OK)
		return err_wrap(ERR_FORMAT, "envelope metadata");
	if (!cJSON_IsArray(res))
		return err_set(ERR_FORMAT, "envelope has no 'resources' array");
	for (const cJSON *it = res->child; it; it = it->next, count++)
		if (!cJSON_IsObject(it))
			return err_set(ERR_FORMAT,
			               "resources[%zu] is not an "
			               "object",
			               count);
	if ((long long)count != total)
		return err_set(ERR_FORMAT,
		               "collectionTotal %lld but %zu "
		               "resources",
		               total, count);
	*resources = res->child;
	*n = count;
	return ERR_OK;
}

/* Copy a server string for an error line, truncating instead of failing. */
static void copy_trunc(const cJSON *obj, const char *name, char *out,
                       size_t cap)
{
	const cJSON *it = json_member(obj, name);

	out[0] = '\0';
	if (cJSON_IsString(it))
		snprintf(out, cap, "%s", it->valuestring);
}

enum err kp_json_parse_error(const char *buf, size_t len, struct kp_error *e)
{
	const cJSON *res = NULL, *reasons;
	cJSON *root = NULL;
	size_t n = 0;
	enum err r;

	memset(e, 0, sizeof(*e));
	r = kp_json_parse_strict(buf, len, &root);
	if (r == ERR_OK)
		r = kp_json_envelope(root, "application/vnd.ibm.kms.error+json",
		                     &res, &n);
	if (r == ERR_OK &&
	    (n == 0 || !cJSON_IsString(json_member(res, "errorMsg"))))
		r = err_set(ERR_FORMAT, "error body without errorMsg");
	if (r != ERR_OK)
		goto out;
	copy_trunc(res, "errorMsg", e->msg, sizeof(e->msg));
	reasons = json_member(res, "reasons");
	for (const cJSON *it = cJSON_IsArray(reasons) ? reasons->child : NULL;
	     it; it = it->next) {
		if (!cJSON_IsObject(it))
			continue;
		if (e->n_reasons++ == 0) {
			copy_trunc(it, "code", e->code, sizeof(e->code));
			copy_trunc(it, "message", e->reason, sizeof(e->reason));
		}
	}
out:
	cJSON_Delete(root);
	return r;
}

enum err kp_json_parse_iam_error(const char *buf, size_t len,
                                 struct kp_error *e)
{
	cJSON *root = NULL;
	enum err r;

	memset(e, 0, sizeof(*e));
	r = kp_json_parse_strict(buf, len, &root);
	if (r == ERR_OK && !cJSON_IsString(json_member(root, "errorMessage")))
		r = err_set(ERR_FORMAT, "IAM error body without errorMessage");
	if (r == ERR_OK) {
		copy_trunc(root, "errorMessage", e->msg, sizeof(e->msg));
		copy_trunc(root, "errorCode", e->code, sizeof(e->code));
	}
	cJSON_Delete(root);
	return r;
}

void kp_json_error_format(const struct kp_error *e, const char *who,
                          long status, const char *correlation_id, char *out,
                          size_t cap)
{
	char msg[512], code[64], reason[512], more[32] = "", tail[128];

	snprintf(tail, sizeof(tail), "HTTP %ld", status);
	if (correlation_id && correlation_id[0]) {
		char id[72];

		json_sanitize(id, sizeof(id), correlation_id);
		snprintf(tail, sizeof(tail), "HTTP %ld, correlation-id %s",
		         status, id);
	}
	if (!e) {
		snprintf(out, cap,
		         "%s: unexpected HTTP status without a "
		         "readable error body (%s)",
		         who, tail);
		return;
	}
	json_sanitize(msg, sizeof(msg), e->msg);
	json_sanitize(code, sizeof(code), e->code);
	json_sanitize(reason, sizeof(reason), e->reason);
	if (e->n_reasons > 1)
		snprintf(more, sizeof(more), "; +%zu more", e->n_reasons - 1);
	if (!code[0])
		snprintf(out, cap, "%s: %s (%s)", who, msg, tail);
	else if (!reason[0])
		snprintf(out, cap, "%s: %s [%s%s] (%s)", who, msg, code, more,
		         tail);
	else
		snprintf(out, cap, "%s: %s [%s: %s%s] (%s)", who, msg, code,
		         reason, more, tail);
}

/* Bearer tokens go into an HTTP header: no spaces, quotes or controls. */
static bool token_chars_ok(const char *s)
{
	return s[0] && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	                         "qrstuvwxyz0123456789-._~+/=") == strlen(s);
}

enum err kp_json_parse_iam(const char *buf, size_t len,
                           struct kp_iam_token *out)
{
	const cJSON *tok;
	cJSON *root = NULL;
	char type[16];
	enum err r;

	memset(out, 0, sizeof(*out));
	r = kp_json_parse_strict(buf, len, &root);
	if (r != ERR_OK)
		return err_wrap(r, "IAM token response");
	tok = json_member(root, "access_token");
	if (!cJSON_IsString(tok) || strlen(tok->valuestring) > 16384 ||
	    !token_chars_ok(tok->valuestring)) {
		r = err_set(ERR_FORMAT, "IAM token response: 'access_token' "
		                        "missing or not a bearer token");
		goto out;
	}
	r = json_get_str(root, "token_type", false, type, sizeof(type));
	if (r == ERR_OK && type[0] && strcasecmp(type, "Bearer") != 0)
		r = err_set(ERR_FORMAT, "token_type is not Bearer");
	if (r == ERR_OK)
		r = json_get_int(root, "expires_in", true, 1, 7 * 86400,
		                 &out->expires_in);
	if (r == ERR_OK)
		r = json_get_int(root, "expiration", false, 0, (1LL << 40),
		                 &out->expiration);
	if (r != ERR_OK) {
		err_wrap(r, "IAM token response");
		goto out;
	}
	out->access_token = secmem_strdup(tok->valuestring);
	if (!out->access_token)
		r = err_set(ERR_NOMEM, "no secure memory for the IAM token");
out:
	cJSON_Delete(root);
	return r;
}

void kp_json_iam_token_clear(struct kp_iam_token *t)
{
	secmem_free(t->access_token);
	memset(t, 0, sizeof(*t));
}
