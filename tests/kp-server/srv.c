/* SPDX-License-Identifier: MIT */
/* srv.c - helpers shared by every kp-server handler: the test clock, UUIDs,
 * replies and the Key Protect error envelope of spec 7.1. */
#include "srv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "srv_json.h"

int64_t srv_now(const struct srv *srv)
{
	return (int64_t)time(NULL) + srv->clock_offset;
}

void srv_uuid_new(char *out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	size_t o = 0;

	/* RAND_bytes only fails when the DRBG cannot seed; a UUID of zeros
	 * would still be unique enough to notice, so fall back to the time. */
	if (RAND_bytes(b, sizeof(b)) != 1) {
		memset(b, 0, sizeof(b));
		memcpy(b, &(time_t){ time(NULL) }, sizeof(time_t));
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 15];
	}
	out[o] = '\0';
}

bool srv_uuid_valid(const char *s)
{
	size_t i;

	for (i = 0; i < SRV_UUID_LEN && s[i]; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = s[i];

		if (dash ? c != '-'
		         : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		             (c >= 'A' && c <= 'F')))
			return false;
	}
	return i == SRV_UUID_LEN && !s[i];
}

void srv_reply_header(struct srv_reply *rep, const char *name,
                      const char *value)
{
	if (rep->n_hdr >= SRV_HDR_MAX)
		return;
	snprintf(rep->hdr[rep->n_hdr].name, sizeof(rep->hdr[0].name), "%s",
	         name);
	snprintf(rep->hdr[rep->n_hdr].value, sizeof(rep->hdr[0].value), "%s",
	         value);
	rep->n_hdr++;
}

enum err srv_reply_json(struct srv_reply *rep, int status, cJSON *body)
{
	cJSON_Delete(rep->body);
	rep->body = body;
	rep->status = status;
	if (!body)
		return err_set(ERR_NOMEM, "reply body");
	return ERR_OK;
}

const char *srv_status_phrase(int status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
}

cJSON *srv_envelope(const char *type, cJSON *items)
{
	cJSON *env = cJSON_CreateObject(), *meta = cJSON_CreateObject();

	if (!env || !meta || !items) {
		cJSON_Delete(env);
		cJSON_Delete(meta);
		cJSON_Delete(items);
		return NULL;
	}
	cJSON_AddItemToObject(env, "metadata", meta);
	if (!cJSON_AddStringToObject(meta, "collectionType", type) ||
	    !cJSON_AddNumberToObject(meta, "collectionTotal",
	                             cJSON_GetArraySize(items))) {
		cJSON_Delete(env);
		cJSON_Delete(items);
		return NULL;
	}
	cJSON_AddItemToObject(env, "resources", items);
	return env;
}

static cJSON *reason(int status, const char *code, const char *target,
                     const char *message)
{
	cJSON *r = cJSON_CreateObject(), *t;
	const char *colon = target ? strchr(target, ':') : NULL;

	if (!r)
		return NULL;
	cJSON_AddStringToObject(r, "code", code);
	cJSON_AddStringToObject(r, "message", message);
	cJSON_AddNumberToObject(r, "status", status);
	cJSON_AddStringToObject(r, "moreInfo",
	                        "https://cloud.ibm.com/apidocs/key-protect");
	if (colon) {
		t = cJSON_AddObjectToObject(r, "target");
		if (t) {
			char type[32];

			snprintf(type, sizeof(type), "%.*s",
			         (int)(colon - target), target);
			cJSON_AddStringToObject(t, "type", type);
			cJSON_AddStringToObject(t, "name", colon + 1);
		}
	}
	return r;
}

static cJSON *error_body(int status, const char *what, const char *code,
                         const char *target, const char *message)
{
	cJSON *res = cJSON_CreateObject(), *items = cJSON_CreateArray(), *rs;
	char msg[768];

	if (code && what)
		snprintf(msg, sizeof(msg),
		         "%s: %s: Please see `reasons` for more details (%s)",
		         srv_status_phrase(status), what, code);
	else
		snprintf(msg, sizeof(msg), "%s: %s", srv_status_phrase(status),
		         message);
	if (!res || !items) {
		cJSON_Delete(res);
		cJSON_Delete(items);
		return NULL;
	}
	cJSON_AddStringToObject(res, "errorMsg", msg);
	if (code) {
		rs = cJSON_AddArrayToObject(res, "reasons");
		if (rs)
			cJSON_AddItemToArray(
			        rs, reason(status, code, target, message));
	}
	cJSON_AddItemToArray(items, res);
	return srv_envelope("application/vnd.ibm.kms.error+json", items);
}

enum err srv_fail(struct srv_reply *rep, int status, const char *code,
                  const char *target, const char *fmt, ...)
{
	char message[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	srv_reply_json(rep, status,
	               error_body(status, rep->what, code, target, message));
	return err_set(ERR_REMOTE, "%d %s: %s", status, code ? code : "-",
	               message);
}

enum err srv_fail_must(struct srv_reply *rep, const char *type,
                       const char *name, const char *must)
{
	char target[SRV_PARAM_MAX + 16];
	bool field = strcmp(type, "field") == 0;

	snprintf(target, sizeof(target), "%s:%s", type, name);
	return srv_fail(rep, 400,
	                field ? "INVALID_FIELD_ERR" : "INVALID_QUERY_PARAM_ERR",
	                target, "The %s `%s` must be: %s", type, name, must);
}

enum err srv_req_json(const struct srv_req *req, struct srv_reply *rep,
                      bool required, cJSON **out)
{
	enum err r;

	*out = NULL;
	if (req->body_len == 0) {
		if (!required)
			return ERR_OK;
		return srv_fail(rep, 400, "NO_BODY_ERR", NULL,
		                "The request body is missing");
	}
	r = srv_json_parse(req->body, req->body_len, out);
	if (r == ERR_FORMAT)
		return srv_fail(rep, 400, "BAD_BODY_ERR", NULL,
		                "Invalid body data was passed: %s",
		                err_detail());
	return r;
}
