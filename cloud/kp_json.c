/* SPDX-License-Identifier: MIT */
/* kp_json.c - strict JSON parsing for Key Protect responses: a pre-scan
 * catches what cJSON lets through (\u0000, NUL, bad UTF-8, deep nesting),
 * a walk rejects duplicate keys, typed getters check every field. */
#include "kp_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "encode.h"
#include "secmem.h"

/* Length of the UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len;
	unsigned cp, min;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, cp = s[0] & 0x1fu, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, cp = s[0] & 0x0fu, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, cp = s[0] & 0x07u, min = 0x10000;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool kp_json_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(p + i, len - i);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* What cJSON would accept but we must not: see kp_json.h. */
static enum err prescan(const char *buf, size_t len)
{
	unsigned depth = 0;
	bool in_str = false;

	if (len > KP_JSON_MAX_BODY)
		return err_set(ERR_FORMAT, "JSON body larger than %u bytes",
		               KP_JSON_MAX_BODY);
	if (memchr(buf, '\0', len))
		return err_set(ERR_FORMAT, "JSON body contains a NUL byte");
	if (!kp_json_utf8_valid(buf, len))
		return err_set(ERR_FORMAT, "JSON body is not valid UTF-8");
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (!in_str) {
			if (ch == '"')
				in_str = true;
			else if ((ch == '{' || ch == '[') &&
			         ++depth > KP_JSON_MAX_DEPTH)
				return err_set(ERR_FORMAT,
				               "JSON nested deeper "
				               "than %d",
				               KP_JSON_MAX_DEPTH);
			else if ((ch == '}' || ch == ']') && depth)
				depth--;
		} else if (ch < 0x20) {
			return err_set(ERR_FORMAT, "control character in a "
			                           "JSON string");
		} else if (ch == '"') {
			in_str = false;
		} else if (ch == '\\' && i + 1 < len) {
			if (buf[++i] == 'u' && i + 4 < len &&
			    memcmp(buf + i + 1, "0000", 4) == 0)
				return err_set(ERR_FORMAT, "\\u0000 in a JSON "
				                           "string");
		}
	}
	return ERR_OK;
}

/* Duplicate keys: cJSON keeps both and finds the first, other parsers the
 * last, so a hostile body could show each reader a different value. */
static enum err check_members(const cJSON *node)
{
	size_t n = 0;

	for (const cJSON *a = node->child; a; a = a->next) {
		if (cJSON_IsObject(node)) {
			if (++n > KP_JSON_MAX_MEMBERS)
				return err_set(ERR_FORMAT,
				               "JSON object with "
				               "more than %d members",
				               KP_JSON_MAX_MEMBERS);
			for (const cJSON *b = node->child; b != a; b = b->next)
				if (strcmp(a->string, b->string) == 0)
					return err_set(ERR_FORMAT,
					               "duplicate "
					               "JSON key '%.64s'",
					               a->string);
		}
		if (a->child && check_members(a) != ERR_OK)
			return ERR_FORMAT;
	}
	return ERR_OK;
}

enum err kp_json_parse_strict(const char *buf, size_t len, cJSON **out)
{
	cJSON *root = NULL;
	char *copy = NULL;
	enum err r;

	*out = NULL;
	r = prescan(buf, len);
	if (r != ERR_OK)
		return r;
	copy = secmem_memdup(buf, len);
	if (!copy)
		return err_set(ERR_NOMEM, "no secure memory for a response");
	/* The length must count the NUL, or every input is rejected. */
	root = cJSON_ParseWithLengthOpts(copy, len + 1, NULL, 1);
	secmem_free(copy);
	if (!root)
		return err_set(ERR_FORMAT, "%s",
		               len ? "response is not valid "
		                     "JSON"
		                   : "empty response body");
	if (!cJSON_IsObject(root))
		r = err_set(ERR_FORMAT, "response is not a JSON object");
	else
		r = check_members(root);
	if (r != ERR_OK) {
		cJSON_Delete(root);
		return r;
	}
	*out = root;
	return ERR_OK;
}

/* The member, or NULL when absent or JSON null. */
static const cJSON *member(const cJSON *obj, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsNull(it) ? NULL : it;
}

static enum err missing(const char *name)
{
	return err_set(ERR_FORMAT, "field '%s' is missing", name);
}

enum err kp_json_get_str(const cJSON *obj, const char *name, bool required,
                         char *out, size_t cap)
{
	const cJSON *it = member(obj, name);
	size_t len;

	out[0] = '\0';
	if (!it)
		return required ? missing(name) : ERR_OK;
	if (!cJSON_IsString(it))
		return err_set(ERR_FORMAT, "field '%s' must be a string", name);
	len = strlen(it->valuestring);
	if (len >= cap)
		return err_set(ERR_FORMAT,
		               "field '%s' is longer than %zu "
		               "bytes",
		               name, cap - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)it->valuestring[i] < 0x20 ||
		    it->valuestring[i] == 0x7f)
			return err_set(ERR_FORMAT,
			               "field '%s' contains a "
			               "control character",
			               name);
	memcpy(out, it->valuestring, len + 1);
	return ERR_OK;
}

enum err kp_json_get_date(const cJSON *obj, const char *name, char *out,
                          size_t cap)
{
	enum err r = kp_json_get_str(obj, name, false, out, cap);

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

enum err kp_json_get_int(const cJSON *obj, const char *name, bool required,
                         long long min, long long max, long long *out)
{
	const cJSON *it = member(obj, name);
	double d;

	if (!it)
		return required ? missing(name) : ERR_OK;
	d = it->valuedouble;
	if (!cJSON_IsNumber(it) || !isfinite(d) || d != floor(d))
		return err_set(ERR_FORMAT, "field '%s' must be an integer",
		               name);
	if (d < (double)min || d > (double)max)
		return err_set(ERR_FORMAT,
		               "field '%s' must be within "
		               "%lld..%lld",
		               name, min, max);
	*out = (long long)d;
	return ERR_OK;
}

enum err kp_json_get_bool(const cJSON *obj, const char *name, bool required,
                          bool *out)
{
	const cJSON *it = member(obj, name);

	if (!it)
		return required ? missing(name) : ERR_OK;
	if (!cJSON_IsBool(it))
		return err_set(ERR_FORMAT, "field '%s' must be true or false",
		               name);
	*out = cJSON_IsTrue(it);
	return ERR_OK;
}

enum err kp_json_get_b64(const cJSON *obj, const char *name, bool required,
                         size_t min, size_t max, uint8_t **out, size_t *out_len)
{
	const cJSON *it = member(obj, name);
	uint8_t *buf;
	size_t n = 0;

	*out = NULL;
	*out_len = 0;
	if (!it)
		return required ? missing(name) : ERR_OK;
	if (!cJSON_IsString(it))
		return err_set(ERR_FORMAT,
		               "field '%s' must be a base64 "
		               "string",
		               name);
	buf = secmem_alloc(max ? max : 1);
	if (!buf)
		return err_set(ERR_NOMEM, "no secure memory for '%s'", name);
	if (decode_base64(buf, max, &n, it->valuestring,
	                  strlen(it->valuestring)) != ERR_OK ||
	    n < min) {
		secmem_free(buf);
		return err_set(ERR_FORMAT,
		               "field '%s' must be standard "
		               "base64 of %zu..%zu bytes",
		               name, min, max);
	}
	*out = buf;
	*out_len = n;
	return ERR_OK;
}

enum err kp_json_envelope(const cJSON *root, const char *type,
                          const cJSON **resources, size_t *n)
{
	const cJSON *meta = member(root, "metadata");
	const cJSON *res = member(root, "resources");
	char got[128];
	long long total = 0;
	size_t count = 0;

	if (!cJSON_IsObject(meta))
		return err_set(ERR_FORMAT, "envelope has no 'metadata' object");
	if (kp_json_get_str(meta, "collectionType", true, got, sizeof(got)) !=
	    ERR_OK)
		return err_wrap(ERR_FORMAT, "envelope metadata");
	if (strcmp(got, type) != 0)
		return err_set(ERR_FORMAT,
		               "envelope is a %.64s collection, "
		               "not %s",
		               got, type);
	if (kp_json_get_int(meta, "collectionTotal", true, 0, 1000000,
	                    &total) != ERR_OK)
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

bool kp_json_is_uuid(const char *s)
{
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char ch = s[i];

		if (dash ? ch != '-'
		         : !((ch >= '0' && ch <= '9') ||
		             (ch >= 'a' && ch <= 'f') ||
		             (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return s[36] == '\0';
}

void kp_json_sanitize(char *out, size_t cap, const char *src)
{
	size_t i = 0;

	if (!cap)
		return;
	for (; src && *src && i + 1 < cap; src++)
		out[i++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
	out[i] = '\0';
}

/* Copy a server string for an error line, truncating instead of failing. */
static void copy_trunc(const cJSON *obj, const char *name, char *out,
                       size_t cap)
{
	const cJSON *it = member(obj, name);

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
	if (r == ERR_OK && (n == 0 || !cJSON_IsString(member(res, "errorMsg"))))
		r = err_set(ERR_FORMAT, "error body without errorMsg");
	if (r != ERR_OK)
		goto out;
	copy_trunc(res, "errorMsg", e->msg, sizeof(e->msg));
	reasons = member(res, "reasons");
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
	if (r == ERR_OK && !cJSON_IsString(member(root, "errorMessage")))
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

		kp_json_sanitize(id, sizeof(id), correlation_id);
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
	kp_json_sanitize(msg, sizeof(msg), e->msg);
	kp_json_sanitize(code, sizeof(code), e->code);
	kp_json_sanitize(reason, sizeof(reason), e->reason);
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
	tok = member(root, "access_token");
	if (!cJSON_IsString(tok) || strlen(tok->valuestring) > 16384 ||
	    !token_chars_ok(tok->valuestring)) {
		r = err_set(ERR_FORMAT, "IAM token response: 'access_token' "
		                        "missing or not a bearer token");
		goto out;
	}
	r = kp_json_get_str(root, "token_type", false, type, sizeof(type));
	if (r == ERR_OK && type[0] && strcasecmp(type, "Bearer") != 0)
		r = err_set(ERR_FORMAT, "token_type is not Bearer");
	if (r == ERR_OK)
		r = kp_json_get_int(root, "expires_in", true, 1, 7 * 86400,
		                    &out->expires_in);
	if (r == ERR_OK)
		r = kp_json_get_int(root, "expiration", false, 0, (1LL << 40),
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
