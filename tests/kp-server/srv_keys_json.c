/* SPDX-License-Identifier: MIT */
/* srv_keys_json.c - key <-> JSON. The state file reuses the API shape and
 * adds "versions", "importMode" and "stateSince", so one reader checks
 * both; dates round-trip through RFC 3339 at one-second precision. */
#include "srv_keys_json.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "srv_json.h"

static const char *const import_names[] = { "none", "plain", "token" };

static cJSON *str_array(char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static void add_version(cJSON *obj, const char *name,
                        const struct srv_version *v)
{
	cJSON *o = cJSON_AddObjectToObject(obj, name);

	if (!o)
		return;
	cJSON_AddStringToObject(o, "id", v->id);
	srv_json_add_time(o, "creationDate", v->created);
}

static void add_deletion(cJSON *j, const struct srv *srv,
                         const struct srv_key *k)
{
	int64_t now = srv_now(srv);
	bool expired = k->expires && now >= k->expires;

	srv_json_add_time(j, "deletionDate", k->deleted);
	if (k->deleted_by)
		cJSON_AddStringToObject(j, "deletedBy", k->deleted_by);
	cJSON_AddBoolToObject(j, "restoreAllowed",
	                      !expired &&
	                              now < k->deleted + SRV_RESTORE_WINDOW);
	srv_json_add_time(j, "restoreExpirationDate",
	                  k->deleted + SRV_RESTORE_WINDOW);
	cJSON_AddBoolToObject(j, "purgeAllowed",
	                      now >= k->deleted + srv->cfg.purge_wait);
	srv_json_add_time(j, "purgeAllowedFrom",
	                  k->deleted + srv->cfg.purge_wait);
	srv_json_add_time(j, "purgeScheduledOn", k->deleted + 90 * 86400L);
}

static void add_internal(cJSON *j, const struct srv_key *k)
{
	cJSON *vs = cJSON_AddArrayToObject(j, "versions"), *o;

	for (size_t i = 0; vs && i < k->n_versions; i++) {
		o = cJSON_CreateObject();
		if (!o)
			break;
		cJSON_AddStringToObject(o, "id", k->versions[i].id);
		srv_json_add_time(o, "creationDate", k->versions[i].created);
		cJSON_AddItemToArray(vs, o);
	}
	cJSON_AddStringToObject(j, "importMode", import_names[k->import]);
	srv_json_add_time(j, "stateSince", k->state_since);
}

static void add_core(cJSON *j, const struct srv *srv, const struct srv_key *k)
{
	char crn[512];

	snprintf(crn, sizeof(crn),
	         "crn:v1:bluemix:public:kms:%s:a/%s:%s:key:%s", srv->cfg.region,
	         srv->cfg.account, srv->cfg.instance_id, k->id);
	cJSON_AddStringToObject(j, "type", SRV_KEY_TYPE);
	cJSON_AddStringToObject(j, "id", k->id);
	cJSON_AddStringToObject(j, "name", k->name);
	if (k->description)
		cJSON_AddStringToObject(j, "description", k->description);
	if (k->n_aliases)
		cJSON_AddItemToObject(j, "aliases",
		                      str_array(k->aliases, k->n_aliases));
	if (k->n_tags)
		cJSON_AddItemToObject(j, "tags", str_array(k->tags, k->n_tags));
	cJSON_AddNumberToObject(j, "state", k->state);
	if (k->expires)
		srv_json_add_time(j, "expirationDate", k->expires);
	cJSON_AddBoolToObject(j, "extractable", k->extractable);
	cJSON_AddStringToObject(j, "crn", crn);
	cJSON_AddBoolToObject(j, "imported", k->import != SRV_IMPORT_NONE);
	cJSON_AddStringToObject(j, "keyRingID", k->ring ? k->ring : "default");
}

cJSON *srv_keys_json_build(const struct srv *srv, const struct srv_key *k,
                           bool state)
{
	cJSON *j = cJSON_CreateObject(), *d;

	if (!j)
		return NULL;
	add_core(j, srv, k);
	srv_json_add_time(j, "creationDate", k->created);
	cJSON_AddStringToObject(j, "createdBy",
	                        k->created_by ? k->created_by : "");
	cJSON_AddStringToObject(j, "algorithmType", "AES");
	cJSON_AddNumberToObject(j, "algorithmBitSize", k->bits);
	srv_json_add_time(j, "lastUpdateDate", k->updated);
	if (k->rotated)
		srv_json_add_time(j, "lastRotateDate", k->rotated);
	if (k->n_versions)
		add_version(j, "keyVersion", srv_key_latest(k));
	d = cJSON_AddObjectToObject(j, "dualAuthDelete");
	if (d)
		cJSON_AddBoolToObject(d, "enabled", false);
	cJSON_AddBoolToObject(j, "deleted", k->state == SRV_STATE_DESTROYED);
	if (k->state == SRV_STATE_DESTROYED)
		add_deletion(j, srv, k);
	if (state)
		add_internal(j, k);
	return j;
}

/* Reading a key back from the state file. */

static enum err need_str(const cJSON *j, const char *name, bool required,
                         char **out)
{
	const char *s = NULL;
	enum srv_json_get g = srv_json_get_str(j, name, &s);

	if (g == SRV_JSON_BAD || (g == SRV_JSON_ABSENT && required))
		return err_set(ERR_FORMAT, "key field %s", name);
	return srv_key_set_str(out, s);
}

static enum err need_time(const cJSON *j, const char *name, bool required,
                          int64_t *out)
{
	const char *s = NULL;
	enum srv_json_get g = srv_json_get_str(j, name, &s);

	*out = 0;
	if (g == SRV_JSON_ABSENT && !required)
		return ERR_OK;
	if (g != SRV_JSON_OK || srv_json_time_parse(s, out) != ERR_OK)
		return err_set(ERR_FORMAT, "key date %s", name);
	return ERR_OK;
}

static enum err read_strs(const cJSON *j, const char *name, char **v,
                          size_t max, size_t *n)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, name), *e;

	if (!a)
		return ERR_OK;
	if (!cJSON_IsArray(a) || (size_t)cJSON_GetArraySize(a) > max)
		return err_set(ERR_FORMAT, "key field %s", name);
	cJSON_ArrayForEach(e, a)
	{
		if (!cJSON_IsString(e))
			return err_set(ERR_FORMAT, "key field %s", name);
		if (srv_key_set_str(&v[*n], e->valuestring) != ERR_OK)
			return ERR_NOMEM;
		(*n)++;
	}
	return ERR_OK;
}

static enum err read_versions(const cJSON *j, struct srv_key *k)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "versions"), *e;
	const char *id;
	int64_t t;
	enum err r;

	if (!cJSON_IsArray(a))
		return err_set(ERR_FORMAT, "key field versions");
	cJSON_ArrayForEach(e, a)
	{
		if (srv_json_get_str(e, "id", &id) != SRV_JSON_OK ||
		    !srv_uuid_valid(id) ||
		    need_time(e, "creationDate", true, &t) != ERR_OK)
			return err_set(ERR_FORMAT, "key version");
		r = srv_key_add_version(k, id, t);
		if (r != ERR_OK)
			return r;
	}
	return ERR_OK;
}

static enum err read_flags(const cJSON *j, struct srv_key *k)
{
	const char *mode = NULL, *id = NULL;
	int64_t v;

	if (srv_json_get_str(j, "id", &id) != SRV_JSON_OK ||
	    !srv_uuid_valid(id))
		return err_set(ERR_FORMAT, "key field id");
	memcpy(k->id, id, SRV_UUID_LEN);
	if (srv_json_get_int(j, "state", 0, 5, &v) != SRV_JSON_OK || v == 4)
		return err_set(ERR_FORMAT, "key field state");
	k->state = (enum srv_key_state)v;
	if (srv_json_get_bool(j, "extractable", &k->extractable) != SRV_JSON_OK)
		return err_set(ERR_FORMAT, "key field extractable");
	if (srv_json_get_int(j, "algorithmBitSize", 128, 60000, &v) !=
	    SRV_JSON_OK)
		return err_set(ERR_FORMAT, "key field algorithmBitSize");
	k->bits = (unsigned)v;
	if (srv_json_get_str(j, "importMode", &mode) != SRV_JSON_OK)
		return err_set(ERR_FORMAT, "key field importMode");
	for (size_t i = 0; i < 3; i++)
		if (strcmp(mode, import_names[i]) == 0)
			k->import = (enum srv_import)i;
	if (k->import == SRV_IMPORT_NONE && strcmp(mode, "none") != 0)
		return err_set(ERR_FORMAT, "key field importMode");
	return ERR_OK;
}

struct member {
	const char *name;
	size_t off;
	bool required;
};

static const struct member text_members[] = {
	{ "name", offsetof(struct srv_key, name), true },
	{ "description", offsetof(struct srv_key, description), false },
	{ "keyRingID", offsetof(struct srv_key, ring), false },
	{ "createdBy", offsetof(struct srv_key, created_by), false },
	{ "deletedBy", offsetof(struct srv_key, deleted_by), false },
};

static const struct member time_members[] = {
	{ "creationDate", offsetof(struct srv_key, created), true },
	{ "lastUpdateDate", offsetof(struct srv_key, updated), true },
	{ "lastRotateDate", offsetof(struct srv_key, rotated), false },
	{ "expirationDate", offsetof(struct srv_key, expires), false },
	{ "deletionDate", offsetof(struct srv_key, deleted), false },
	{ "stateSince", offsetof(struct srv_key, state_since), true },
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static enum err read_key(const cJSON *j, struct srv_key *k)
{
	char *base = (char *)k;
	enum err r;

	r = read_flags(j, k);
	for (size_t i = 0; r == ERR_OK && i < N_OF(text_members); i++)
		r = need_str(j, text_members[i].name, text_members[i].required,
		             (char **)(void *)(base + text_members[i].off));
	for (size_t i = 0; r == ERR_OK && i < N_OF(time_members); i++)
		r = need_time(j, time_members[i].name, time_members[i].required,
		              (int64_t *)(void *)(base + time_members[i].off));
	if (r == ERR_OK)
		r = read_strs(j, "aliases", k->aliases, SRV_KEY_ALIASES_MAX,
		              &k->n_aliases);
	if (r == ERR_OK)
		r = read_strs(j, "tags", k->tags, SRV_KEY_TAGS_MAX, &k->n_tags);
	if (r == ERR_OK)
		r = read_versions(j, k);
	if (r == ERR_OK && k->extractable != (k->n_versions == 0))
		r = err_set(ERR_FORMAT, "key %s: versions do not fit its type",
		            k->id);
	return r;
}

enum err srv_keys_json_parse(const cJSON *j, struct srv_key **out)
{
	struct srv_key *k = srv_key_new();
	enum err r;

	*out = NULL;
	if (!k)
		return err_set(ERR_NOMEM, "key");
	r = read_key(j, k);
	if (r != ERR_OK) {
		srv_key_free(k);
		return r;
	}
	*out = k;
	return ERR_OK;
}
