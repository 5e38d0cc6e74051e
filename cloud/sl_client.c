/* SPDX-License-Identifier: MIT */
/* sl_client.c - SoftLayer image templates (sl_client.h). Progress follows
 * IBM's vsi-encrypted sample: a template is ready once
 * children[0].transactionId is null. How a failed import shows is not
 * documented; a transaction status name containing FAIL or ERROR is read
 * as failed. */
#include "sl_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "kp_client.h"
#include "kp_jbuf.h"

#define TG       "/SoftLayer_Virtual_Guest_Block_Device_Template_Group"
#define BODY_MAX (64u << 10)
#define OS_MAX   1000
#define OBJECT_MASK                                           \
	"mask%5Bid%2Cname%2CglobalIdentifier%2CcreateDate%2C" \
	"children%5BtransactionId%2Ctransaction%5B"           \
	"transactionStatus%5D%5D%5D"

const char *sl_state_name(enum sl_state s)
{
	switch (s) {
	case SL_READY: return "ready";
	case SL_FAILED: return "failed";
	default: return "pending";
	}
}

/* A non-2xx answer as one line: SoftLayer's {"error","code"} if any. */
static enum err sl_failed(const char *what, const struct kp_response *rs)
{
	char msg[300] = "", code[96] = "";
	cJSON *j = NULL;
	enum err cls = rs->status == 401 || rs->status == 403 ? ERR_AUTH
	               : rs->status == 404                    ? ERR_NOT_FOUND
	                                                      : ERR_REMOTE;

	if (rs->body && json_parse_object(rs->body, rs->len, &j) == ERR_OK) {
		if (json_get_str(j, "error", false, msg, sizeof(msg)) != ERR_OK)
			msg[0] = '\0';
		if (json_get_str(j, "code", false, code, sizeof(code)) !=
		    ERR_OK)
			code[0] = '\0';
	}
	cJSON_Delete(j);
	if (!msg[0])
		snprintf(msg, sizeof(msg), "(no SoftLayer error body)");
	return err_set(cls, "SoftLayer %s: HTTP %ld%s%s: %s", what, rs->status,
	               code[0] ? " " : "", code, msg);
}

static enum err get(struct kp_client *c, const char *url, const char *what,
                    struct kp_response *rs)
{
	struct kp_request rq = { "GET", url, NULL, 0, NULL, true };
	enum err r = kp_client_call_url(c, &rq, rs);

	if (r == ERR_OK && (rs->status < 200 || rs->status > 299))
		r = sl_failed(what, rs);
	return r;
}

static void opt_str(struct kp_jbuf *b, const char *name, const char *v)
{
	if (v && v[0])
		kp_jbuf_str(b, name, v);
}

static enum err build(const struct sl_icos *p, const char *key,
                      struct kp_jbuf *b)
{
	const char *need[] = { p->name, p->os, p->uri, key };
	enum err r;

	for (size_t i = 0; i < 4; i++)
		if (!need[i] || !need[i][0])
			return err_set(ERR_USAGE,
			               "createFromIcos needs name, "
			               "operatingSystemReferenceCode, "
			               "uri and an API key");
	if (p->is_encrypted && (!p->crk_crn || !p->crk_crn[0] ||
	                        !p->wrapped_dek || !p->wrapped_dek[0]))
		return err_set(ERR_USAGE, "an encrypted image needs crkCrn and "
		                          "wrappedDek");
	r = kp_jbuf_init(b, BODY_MAX);
	if (r != ERR_OK)
		return r;
	kp_jbuf_open(b, NULL, '{');
	kp_jbuf_open(b, "parameters", '[');
	kp_jbuf_open(b, NULL, '{');
	kp_jbuf_str(b, "name", p->name);
	opt_str(b, "note", p->note);
	kp_jbuf_str(b, "operatingSystemReferenceCode", p->os);
	kp_jbuf_str(b, "uri", p->uri);
	kp_jbuf_str(b, "ibmApiKey", key);
	opt_str(b, "crkCrn", p->crk_crn);
	opt_str(b, "wrappedDek", p->wrapped_dek);
	kp_jbuf_bool(b, "cloudInit", p->cloud_init);
	kp_jbuf_bool(b, "byol", p->byol);
	kp_jbuf_bool(b, "isEncrypted", p->is_encrypted);
	opt_str(b, "bootMode", p->boot_mode);
	kp_jbuf_close(b, '}');
	kp_jbuf_close(b, ']');
	kp_jbuf_close(b, '}');
	return kp_jbuf_done(b, "createFromIcos request");
}

enum err sl_import(struct kp_client *c, const char *sl_url,
                   const struct sl_icos *p, const char *import_key,
                   struct sl_image *out)
{
	struct kp_request rq = { "POST", NULL, NULL, 0, NULL, false };
	struct kp_response rs = { 0 };
	struct kp_jbuf body = { 0 };
	char url[1024];
	enum err r;

	memset(out, 0, sizeof(*out));
	snprintf(url, sizeof(url), "%s" TG "/createFromIcos.json", sl_url);
	r = build(p, import_key, &body);
	if (r != ERR_OK)
		goto out;
	rq.path = url;
	rq.body = body.buf;
	rq.body_len = body.len;
	r = kp_client_call_url(c, &rq, &rs);
	if (r == ERR_OK && (rs.status < 200 || rs.status > 299))
		r = sl_failed("createFromIcos", &rs);
	else if (r == ERR_OK)
		r = sl_parse_image(rs.body ? rs.body : "", rs.len, out);
	if (r != ERR_OK && rs.uncertain)
		r = err_wrap(r, "createFromIcos may have reached SoftLayer "
		                "(list your image templates before retrying)");
out:
	kp_jbuf_free(&body);
	kp_response_clear(&rs);
	return r;
}

enum err sl_image_get(struct kp_client *c, const char *sl_url, long long id,
                      struct sl_image *out)
{
	struct kp_response rs = { 0 };
	char url[1024];
	enum err r;

	memset(out, 0, sizeof(*out));
	snprintf(url, sizeof(url), "%s" TG "/%lld/getObject.json?objectMask=%s",
	         sl_url, id, OBJECT_MASK);
	r = get(c, url, "getObject", &rs);
	if (r == ERR_OK)
		r = sl_parse_image(rs.body ? rs.body : "", rs.len, out);
	kp_response_clear(&rs);
	return r;
}

enum err sl_os_codes(struct kp_client *c, const char *sl_url,
                     struct sl_os **out, size_t *n)
{
	struct kp_response rs = { 0 };
	char url[1024];
	enum err r;

	*out = NULL;
	*n = 0;
	snprintf(url, sizeof(url),
	         "%s" TG "/getVhdImportSoftwareDescriptions.json", sl_url);
	r = get(c, url, "getVhdImportSoftwareDescriptions", &rs);
	if (r == ERR_OK)
		r = sl_parse_os_codes(rs.body ? rs.body : "", rs.len, out, n);
	kp_response_clear(&rs);
	return r;
}

/* ---- parsers ---- */

static void state_of(const cJSON *children, struct sl_image *out)
{
	const cJSON *c0 = NULL, *tx = NULL, *st = NULL;
	size_t n = 0;
	char name[96] = "", why[150] = "";

	out->state = SL_PENDING;
	if (json_get_arr(children, "children", false, 64, &c0, &n) != ERR_OK ||
	    !c0 || !cJSON_IsObject(c0))
		return; /* no child yet: still being set up */
	if (!json_member(c0, "transactionId")) {
		out->state = SL_READY;
		return;
	}
	if (json_get_obj(c0, "transaction", false, &tx) == ERR_OK && tx &&
	    json_get_obj(tx, "transactionStatus", false, &st) == ERR_OK && st) {
		if (json_get_str(st, "name", false, name, sizeof(name)) !=
		    ERR_OK)
			name[0] = '\0';
		if (json_get_str(st, "friendlyName", false, why, sizeof(why)) !=
		    ERR_OK)
			why[0] = '\0';
	}
	snprintf(out->status, sizeof(out->status), "%s%s%s", name,
	         why[0] ? ": " : "", why);
	if (strstr(name, "FAIL") || strstr(name, "ERROR"))
		out->state = SL_FAILED;
}

enum err sl_parse_image(const char *body, size_t len, struct sl_image *out)
{
	cJSON *j = NULL;
	enum err r = json_parse_object(body, len, &j);

	memset(out, 0, sizeof(*out));
	if (r == ERR_OK)
		r = json_get_int(j, "id", true, 1, (1ll << 53), &out->id);
	if (r == ERR_OK)
		r = json_get_str(j, "name", false, out->name,
		                 sizeof(out->name));
	if (r == ERR_OK)
		r = json_get_str(j, "globalIdentifier", false, out->global_id,
		                 sizeof(out->global_id));
	if (r == ERR_OK)
		r = json_get_str(j, "createDate", false, out->create_date,
		                 sizeof(out->create_date));
	if (r == ERR_OK)
		state_of(j, out);
	cJSON_Delete(j);
	return r == ERR_OK ? ERR_OK
	                   : err_wrap(ERR_FORMAT, "SoftLayer image template");
}

enum err sl_parse_os_codes(const char *body, size_t len, struct sl_os **out,
                           size_t *n)
{
	cJSON *j = NULL;
	const cJSON *it;
	size_t k = 0, count;
	enum err r = json_parse(body, len, &j);

	*out = NULL;
	*n = 0;
	if (r == ERR_OK && !cJSON_IsArray(j))
		r = err_set(ERR_FORMAT, "not an array");
	count = r == ERR_OK ? (size_t)cJSON_GetArraySize(j) : 0;
	if (r == ERR_OK && (count > OS_MAX ||
	                    !(*out = calloc(count ? count : 1, sizeof(**out)))))
		r = err_set(ERR_FORMAT, "%zu entries", count);
	for (it = j ? j->child : NULL; r == ERR_OK && it; it = it->next, k++) {
		if (!cJSON_IsObject(it))
			r = err_set(ERR_FORMAT, "entry %zu is not an object",
			            k);
		else
			r = json_get_str(it, "referenceCode", true,
			                 (*out)[k].code,
			                 sizeof((*out)[k].code));
		if (r == ERR_OK && !(*out)[k].code[0])
			r = err_set(ERR_FORMAT,
			            "entry %zu: empty referenceCode", k);
		if (r == ERR_OK)
			r = json_get_str(it, "name", false, (*out)[k].name,
			                 sizeof((*out)[k].name));
	}
	cJSON_Delete(j);
	if (r != ERR_OK) {
		free(*out);
		*out = NULL;
		return err_wrap(ERR_FORMAT, "SoftLayer OS codes");
	}
	*n = k;
	return ERR_OK;
}
