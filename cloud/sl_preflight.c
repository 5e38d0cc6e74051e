/* SPDX-License-Identifier: MIT */
/* sl_preflight.c - remote checks before an upload or an import
 * (sl_preflight.h). Policies follow IAM's v1 policies API: subjects and
 * resources are lists of {name, value} attributes. */
#include "sl_preflight.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "json.h"
#include "kp_client.h"
#include "kp_json.h"
#include "kp_key.h"
#include "kp_wrap.h"
#include "secmem.h"

#define POLICIES_MAX 1000

void sl_iam_base(const char *token_url, char *out, size_t cap)
{
	const char *p = strstr(token_url, "/identity/token");
	size_t n = p ? (size_t)(p - token_url) : strlen(token_url);

	snprintf(out, cap, "%.*s", (int)n, token_url);
}

/* The value of attribute name in the "attributes" list of o, or "". */
static const char *attr(const cJSON *o, const char *name)
{
	const cJSON *it = NULL;
	size_t n = 0;

	if (json_get_arr(o, "attributes", false, 32, &it, &n) != ERR_OK)
		return "";
	for (; it; it = it->next) {
		const char *k = NULL, *v = NULL;

		if (cJSON_IsObject(it) &&
		    json_get_strp(it, "name", true, 64, &k) == ERR_OK &&
		    json_get_strp(it, "value", true, 256, &v) == ERR_OK &&
		    strcmp(k, name) == 0)
			return v;
	}
	return "";
}

/* Some element of list name of p satisfies fn. */
static bool any(const cJSON *p, const char *name,
                bool (*fn)(const cJSON *, const void *), const void *arg)
{
	const cJSON *it = NULL;
	size_t n = 0;

	if (json_get_arr(p, name, false, 32, &it, &n) != ERR_OK)
		return false;
	for (; it; it = it->next)
		if (cJSON_IsObject(it) && fn(it, arg))
			return true;
	return false;
}

static bool is_block_storage(const cJSON *s, const void *arg)
{
	(void)arg;
	return strcmp(attr(s, "serviceName"), "server-protect") == 0;
}

struct target {
	const char *service, *instance;
};

static bool is_target(const cJSON *res, const void *arg)
{
	const struct target *t = arg;
	const char *inst = attr(res, "serviceInstance");

	return strcmp(attr(res, "serviceName"), t->service) == 0 &&
	       (!inst[0] || strcmp(inst, t->instance) == 0);
}

static bool is_reader(const cJSON *role, const void *arg)
{
	const char *id = NULL;

	(void)arg;
	return json_get_strp(role, "role_id", false, 256, &id) == ERR_OK &&
	       id && strcmp(id, SL_READER_ROLE) == 0;
}

enum err sl_policies_match(const char *body, size_t len, const char *service,
                           const char *instance, bool *found)
{
	struct target t = { service, instance };
	const cJSON *p = NULL;
	cJSON *j = NULL;
	size_t n = 0;
	enum err r = json_parse_object(body, len, &j);

	*found = false;
	if (r == ERR_OK)
		r = json_get_arr(j, "policies", true, POLICIES_MAX, &p, &n);
	for (; r == ERR_OK && p && !*found; p = p->next) {
		const char *type = NULL, *state = NULL;

		if (!cJSON_IsObject(p) ||
		    json_get_strp(p, "type", false, 64, &type) != ERR_OK ||
		    json_get_strp(p, "state", false, 64, &state) != ERR_OK)
			continue;
		*found = type && strcmp(type, "authorization") == 0 &&
		         (!state || strcmp(state, "active") == 0) &&
		         any(p, "subjects", is_block_storage, NULL) &&
		         any(p, "resources", is_target, &t) &&
		         any(p, "roles", is_reader, NULL);
	}
	cJSON_Delete(j);
	return r == ERR_OK ? ERR_OK : err_wrap(ERR_FORMAT, "IAM policies");
}

enum err sl_check_authorization(struct kp_client *c, const char *iam_base,
                                const char *service, const char *instance)
{
	struct kp_request rq = { "GET", NULL, NULL, 0, NULL, true };
	struct kp_response rs = { 0 };
	char account[64], url[1024];
	bool found = false;
	enum err r = kp_client_account(c, account);

	if (r != ERR_OK)
		return r;
	snprintf(url, sizeof(url),
	         "%s/v1/policies?account_id=%s&type=authorization"
	         "&state=active",
	         iam_base, account);
	rq.path = url;
	r = kp_client_call_url(c, &rq, &rs);
	if (r == ERR_OK && rs.status != 200)
		r = err_set(rs.status == 401 || rs.status == 403 ? ERR_AUTH
		                                                 : ERR_REMOTE,
		            "IAM policies: HTTP %ld", rs.status);
	if (r == ERR_OK)
		r = sl_policies_match(rs.body ? rs.body : "", rs.len, service,
		                      instance, &found);
	kp_response_clear(&rs);
	if (r == ERR_OK && !found)
		r = err_set(ERR_VERIFY,
		            "no authorization server-protect -> %s (Reader) "
		            "for instance %s: Cloud Block Storage could not "
		            "read the root key",
		            service, instance);
	return r;
}

enum err sl_parse_location(const char *body, size_t len, char *out, size_t cap)
{
	static const char open[] = "<LocationConstraint";
	static const char close[] = "</LocationConstraint>";
	const char *a = body ? strstr(body, open) : NULL, *b, *e;

	(void)len;
	b = a ? strchr(a, '>') : NULL;
	e = b ? strstr(b, close) : NULL;
	if (!e || (size_t)(e - b - 1) >= cap)
		return err_set(ERR_FORMAT, "COS answer has no "
		                           "LocationConstraint");
	snprintf(out, cap, "%.*s", (int)(e - b - 1), b + 1);
	for (char *p = out; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return ERR_OK;
}

enum err sl_bucket_location(struct kp_client *c, const char *endpoint,
                            const char *bucket, char *out, size_t cap)
{
	struct kp_request rq = { "GET", NULL, NULL, 0, NULL, true };
	struct kp_response rs = { 0 };
	char url[1024];
	enum err r;

	snprintf(url, sizeof(url), "%s/%s?location=", endpoint, bucket);
	rq.path = url;
	r = kp_client_call_url(c, &rq, &rs);
	if (r == ERR_OK && rs.status == 404)
		r = err_set(ERR_NOT_FOUND, "bucket '%s' does not exist at %s",
		            bucket, endpoint);
	else if (r == ERR_OK && rs.status != 200)
		r = err_set(rs.status == 401 || rs.status == 403 ? ERR_AUTH
		                                                 : ERR_REMOTE,
		            "COS bucket location: HTTP %ld", rs.status);
	if (r == ERR_OK)
		r = sl_parse_location(rs.body, rs.len, out, cap);
	kp_response_clear(&rs);
	return r;
}

bool sl_location_regional(const char *location, const char *region)
{
	size_t n = strlen(region);

	return n && strncmp(location, region, n) == 0 && location[n] == '-' &&
	       location[n + 1] != '\0';
}

enum err sl_check_root_key(struct kp_client *c, const char *key_id,
                           const char *crn)
{
	struct kp_key k;
	enum err r = kp_key_get(c, key_id, &k);

	if (r != ERR_OK)
		return r;
	if (k.extractable)
		r = err_set(ERR_VERIFY,
		            "key %s is a standard key, not a root "
		            "key",
		            key_id);
	else if (k.state != 1)
		r = err_set(ERR_VERIFY,
		            "root key %s is in state %d, not "
		            "Active (1)",
		            key_id, k.state);
	else if (strcmp(k.crn, crn) != 0)
		r = err_set(ERR_VERIFY,
		            "root key CRN %.200s is not the "
		            "manifest's",
		            k.crn);
	kp_json_key_clear(&k);
	return r;
}

enum err sl_check_unwrap(struct kp_client *c, const char *key_id,
                         const char *wdek, size_t dek_size,
                         const uint8_t nonce[32], const uint8_t keyhash[32])
{
	struct kp_wrapped w = { 0 };
	uint8_t hash[32];
	unsigned n = 0;
	EVP_MD_CTX *md = NULL;
	bool ok;
	enum err r = kp_unwrap(c, key_id, wdek, NULL, 0, dek_size, &w);

	if (r != ERR_OK)
		return r;
	md = EVP_MD_CTX_new();
	ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(md, nonce, 32) &&
	     EVP_DigestUpdate(md, w.plaintext, w.plaintext_len) &&
	     EVP_DigestFinal_ex(md, hash, &n);
	EVP_MD_CTX_free(md);
	kp_json_wrapped_clear(&w);
	if (!ok)
		r = err_set(ERR_CRYPTO, "SHA-256");
	else if (memcmp(hash, keyhash, 32) != 0)
		r = err_set(ERR_VERIFY, "the DEK in the WDEK is not the one "
		                        "that encrypted the image (keyhash "
		                        "differs)");
	secmem_wipe(hash, sizeof(hash));
	return r;
}
