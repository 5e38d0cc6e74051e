/* SPDX-License-Identifier: MIT */
/* kp_json_key.c - key and key-version envelopes: every field type-checked,
 * ids must be UUIDs, unknown fields ignored. */
#include "kp_json.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "secmem.h"

#define KEY_TYPE             "application/vnd.ibm.kms.key+json"
#define VERSION_TYPE         "application/vnd.ibm.kms.key.version+json"
#define STANDARD_PAYLOAD_MAX 7500

static bool alias_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 2 && n <= 90 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                 "0123456789_-") == n;
}

static enum err get_uuid(const cJSON *obj, const char *name, bool required,
                         char *out)
{
	enum err r = json_get_str(obj, name, required, out, KP_ID_SIZE);

	if (r != ERR_OK)
		return r;
	if (out[0] && !json_is_uuid(out))
		return err_set(ERR_FORMAT, "field '%s' is not a UUID", name);
	return ERR_OK;
}

static enum err get_aliases(const cJSON *obj, struct kp_key *k)
{
	const cJSON *it = NULL;
	size_t n = 0;
	enum err r =
	        json_get_arr(obj, "aliases", false, KP_ALIASES_MAX, &it, &n);

	if (r != ERR_OK)
		return r;
	for (; it; it = it->next) {
		if (!cJSON_IsString(it) || !alias_ok(it->valuestring))
			return err_set(ERR_FORMAT,
			               "alias is not 2..90 "
			               "characters of [A-Za-z0-9_-]");
		memcpy(k->aliases[k->n_aliases++], it->valuestring,
		       strlen(it->valuestring) + 1);
	}
	return ERR_OK;
}

static enum err get_type(const cJSON *obj)
{
	char type[64];
	enum err r = json_get_str(obj, "type", false, type, sizeof(type));

	if (r == ERR_OK && type[0] && strcmp(type, KEY_TYPE) != 0)
		return err_set(ERR_FORMAT, "resource type is not %s", KEY_TYPE);
	return r;
}

static enum err get_version(const cJSON *obj, struct kp_key *k)
{
	const cJSON *v = NULL;
	enum err r = json_get_obj(obj, "keyVersion", false, &v);

	if (r != ERR_OK || !v)
		return r;
	if (get_uuid(v, "id", true, k->key_version_id) != ERR_OK)
		return err_wrap(ERR_FORMAT, "keyVersion");
	return ERR_OK;
}

static enum err get_strings(const cJSON *o, struct kp_key *k)
{
	enum err r = get_uuid(o, "id", true, k->id);

	if (r == ERR_OK)
		r = json_get_str(o, "name", true, k->name, KP_NAME_SIZE);
	if (r == ERR_OK)
		r = json_get_str(o, "description", false, k->description,
		                 KP_DESC_SIZE);
	if (r == ERR_OK)
		r = json_get_str(o, "crn", false, k->crn, KP_CRN_SIZE);
	if (r == ERR_OK)
		r = json_get_str(o, "keyRingID", false, k->key_ring_id,
		                 KP_RING_SIZE);
	if (r == ERR_OK)
		r = json_get_str(o, "createdBy", false, k->created_by,
		                 KP_NAME_SIZE);
	return r;
}

static enum err get_dates(const cJSON *o, struct kp_key *k)
{
	enum err r = kp_json_get_date(o, "creationDate", k->creation_date,
	                              KP_DATE_SIZE);

	if (r == ERR_OK)
		r = kp_json_get_date(o, "lastUpdateDate", k->last_update_date,
		                     KP_DATE_SIZE);
	if (r == ERR_OK)
		r = kp_json_get_date(o, "lastRotateDate", k->last_rotate_date,
		                     KP_DATE_SIZE);
	if (r == ERR_OK)
		r = kp_json_get_date(o, "expirationDate", k->expiration_date,
		                     KP_DATE_SIZE);
	if (r == ERR_OK)
		r = kp_json_get_date(o, "deletionDate", k->deletion_date,
		                     KP_DATE_SIZE);
	return r;
}

static enum err get_flags(const cJSON *o, struct kp_key *k)
{
	long long state = 0;
	enum err r = json_get_int(o, "state", true, 0, 5, &state);

	k->state = (int)state;
	if (r == ERR_OK)
		r = json_get_bool(o, "extractable", true, &k->extractable);
	if (r == ERR_OK)
		r = json_get_bool(o, "imported", false, &k->imported);
	if (r == ERR_OK)
		r = json_get_bool(o, "deleted", false, &k->deleted);
	return r;
}

static enum err parse_key_obj(const cJSON *o, struct kp_key *k)
{
	enum err r = get_type(o);

	if (r == ERR_OK)
		r = get_strings(o, k);
	if (r == ERR_OK)
		r = get_dates(o, k);
	if (r == ERR_OK)
		r = get_flags(o, k);
	if (r == ERR_OK)
		r = get_aliases(o, k);
	if (r == ERR_OK)
		r = get_version(o, k);
	if (r == ERR_OK)
		r = json_get_b64_secret(o, "payload", false, 1,
		                        STANDARD_PAYLOAD_MAX, &k->payload,
		                        &k->payload_len);
	return r;
}

enum err kp_json_parse_keys(const char *buf, size_t len, struct kp_key **keys,
                            size_t *n)
{
	const cJSON *res = NULL;
	struct kp_key *out = NULL;
	cJSON *root = NULL;
	size_t count = 0, i = 0;
	enum err r;

	*keys = NULL;
	*n = 0;
	r = kp_json_parse_strict(buf, len, &root);
	if (r == ERR_OK)
		r = kp_json_envelope(root, KEY_TYPE, &res, &count);
	if (r != ERR_OK)
		goto out;
	out = calloc(count ? count : 1, sizeof(*out));
	if (!out) {
		r = err_set(ERR_NOMEM, "no memory for %zu keys", count);
		goto out;
	}
	for (; res && r == ERR_OK; res = res->next, i++)
		r = parse_key_obj(res, &out[i]);
	if (r != ERR_OK) {
		err_wrap(r, "resources[%zu]", i - 1);
		kp_json_keys_free(out, count);
		goto out;
	}
	*keys = out;
	*n = count;
out:
	cJSON_Delete(root);
	return r;
}

enum err kp_json_parse_key(const char *buf, size_t len, struct kp_key *out)
{
	struct kp_key *keys = NULL;
	size_t n = 0;
	enum err r;

	memset(out, 0, sizeof(*out));
	r = kp_json_parse_keys(buf, len, &keys, &n);
	if (r != ERR_OK)
		return r;
	if (n != 1) {
		kp_json_keys_free(keys, n);
		return err_set(ERR_FORMAT, "expected one key, got %zu", n);
	}
	*out = keys[0];
	free(keys);
	return ERR_OK;
}

enum err kp_json_parse_versions(const char *buf, size_t len,
                                struct kp_key_version **v, size_t *n)
{
	const cJSON *res = NULL;
	struct kp_key_version *out = NULL;
	cJSON *root = NULL;
	size_t count = 0, i = 0;
	enum err r;

	*v = NULL;
	*n = 0;
	r = kp_json_parse_strict(buf, len, &root);
	if (r == ERR_OK)
		r = kp_json_envelope(root, VERSION_TYPE, &res, &count);
	if (r == ERR_OK) {
		out = calloc(count ? count : 1, sizeof(*out));
		if (!out)
			r = err_set(ERR_NOMEM, "no memory for %zu versions",
			            count);
	}
	for (; r == ERR_OK && res; res = res->next, i++) {
		r = get_uuid(res, "id", true, out[i].id);
		if (r == ERR_OK)
			r = kp_json_get_date(res, "creationDate",
			                     out[i].creation_date,
			                     KP_DATE_SIZE);
		if (r != ERR_OK)
			err_wrap(r, "resources[%zu]", i);
	}
	if (r == ERR_OK) {
		*v = out;
		*n = count;
		out = NULL;
	}
	free(out);
	cJSON_Delete(root);
	return r;
}

void kp_json_key_clear(struct kp_key *k)
{
	secmem_free(k->payload);
	memset(k, 0, sizeof(*k));
}

void kp_json_keys_free(struct kp_key *keys, size_t n)
{
	if (!keys)
		return;
	for (size_t i = 0; i < n; i++)
		kp_json_key_clear(&keys[i]);
	free(keys);
}

const char *kp_json_state_name(int state)
{
	switch (state) {
	case KP_STATE_PREACTIVE: return "pre-active";
	case KP_STATE_ACTIVE: return "active";
	case KP_STATE_SUSPENDED: return "suspended";
	case KP_STATE_DEACTIVATED: return "deactivated";
	case KP_STATE_DESTROYED: return "destroyed";
	default: return "unknown";
	}
}
