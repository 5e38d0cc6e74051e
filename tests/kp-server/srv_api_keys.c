/* SPDX-License-Identifier: MIT */
/* srv_api_keys.c - create, read, delete and purge keys and manage their
 * aliases. Key material goes straight into the token; the table and the
 * state file only ever see metadata. */
#include "srv_api_keys.h"

#include <stdio.h>
#include <string.h>

#include "secmem.h"
#include "srv_hsm.h"
#include "srv_import.h"
#include "srv_json.h"
#include "srv_keys_json.h"
#include "srv_state.h"

#define PURGE_SCHEDULE       (90 * 86400L)
#define ALIASES_PER_INSTANCE 1000

bool srv_api_keys_wants_body(const struct srv_req *req)
{
	const char *p = srv_req_header(req, "Prefer");

	return p && strstr(p, "return=representation");
}

enum err srv_api_keys_find(struct srv_req *req, struct srv_reply *rep,
                           struct srv_key **out)
{
	struct srv_key *k = srv_keys_find(req->srv->keys, req->param[0]);

	*out = NULL;
	if (!k)
		return srv_fail(rep, 404, "KEY_NOT_FOUND_ERR", NULL,
		                "Key does not exist");
	if (srv_key_refresh(k, srv_now(req->srv)))
		srv_state_save(req->srv); /* best effort: derivable anyway */
	*out = k;
	return ERR_OK;
}

enum err srv_api_keys_gone(struct srv_reply *rep, const struct srv_key *k)
{
	if (k->state != SRV_STATE_DESTROYED)
		return ERR_OK;
	return srv_fail(rep, 410, "KEY_DELETED_ERR", NULL,
	                "The key has been deleted and is no longer available");
}

static enum err add_payload(struct srv *srv, cJSON *j, const struct srv_key *k)
{
	uint8_t *v = NULL;
	size_t len = 0;
	enum err r;

	r = srv_hsm_blob_get(srv->hsm, k->id, &v, &len);
	if (r == ERR_OK &&
	    !cJSON_AddItemToObject(j, "payload", srv_json_b64_new(v, len)))
		r = err_set(ERR_NOMEM, "payload");
	secmem_free(v);
	return r;
}

enum err srv_api_keys_reply(struct srv_req *req, struct srv_reply *rep,
                            int status, const struct srv_key *k, bool payload)
{
	cJSON *j = srv_keys_json_build(req->srv, k, false), *items;
	enum err r = ERR_OK;

	if (j && payload && k->extractable && k->state != SRV_STATE_DESTROYED)
		r = add_payload(req->srv, j, k);
	items = cJSON_CreateArray();
	if (r != ERR_OK || !items || !cJSON_AddItemToArray(items, j)) {
		cJSON_Delete(items);
		cJSON_Delete(j);
		return r != ERR_OK ? r : err_set(ERR_NOMEM, "reply");
	}
	return srv_reply_json(rep, status, srv_envelope(SRV_KEY_TYPE, items));
}

/* The single resource of a create request (spec 2.1). */
static enum err one_resource(struct srv_reply *rep, const cJSON *j,
                             const cJSON **res)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(j, "metadata");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(j, "resources");
	const char *type;
	int64_t total;

	if (!cJSON_IsObject(meta) || !meta->child)
		return srv_fail(rep, 400, "BAD_BODY_ERR", NULL,
		                "CollectionMetadata is empty");
	if (srv_json_get_str(meta, "collectionType", &type) != SRV_JSON_OK ||
	    srv_json_get_int(meta, "collectionTotal", 0, 1000000, &total) !=
	            SRV_JSON_OK ||
	    !cJSON_IsArray(items))
		return srv_fail(rep, 400, "BAD_BODY_ERR", NULL,
		                "The body must hold metadata.collectionType, "
		                "metadata.collectionTotal and resources");
	if (total != cJSON_GetArraySize(items))
		return srv_fail(rep, 400, "COLLECTION_TOTAL_MISMATCH_ERR", NULL,
		                "The collectionTotal does not match the number "
		                "of resources");
	if (total != 1)
		return srv_fail(rep, 400, "BAD_BODY_ERR", NULL,
		                "Only creation of one key per request is "
		                "supported");
	*res = cJSON_GetArrayItem(items, 0);
	if (!cJSON_IsObject(*res))
		return srv_fail(rep, 400, "BAD_BODY_ERR", NULL,
		                "A resource must be a JSON object");
	return ERR_OK;
}

static enum err text_field(struct srv_reply *rep, const cJSON *res,
                           const char *name, size_t max, bool required,
                           char **out)
{
	const char *s = NULL;
	enum srv_json_get g = srv_json_get_str(res, name, &s);
	char must[64];

	snprintf(must, sizeof(must), "a string of 2 to %zu characters", max);
	if (g == SRV_JSON_BAD || (g == SRV_JSON_ABSENT && required) ||
	    (g == SRV_JSON_OK && (strlen(s) < 2 || strlen(s) > max)))
		return srv_fail_must(rep, "field", name, must);
	return srv_key_set_str(out, s);
}

static size_t instance_aliases(const struct srv_keys *ks)
{
	size_t n = 0;

	for (size_t i = 0; i < ks->n; i++)
		n += ks->v[i]->n_aliases;
	return n;
}

/* Checks for adding alias a to k; replies the error. */
static enum err alias_ok(struct srv *srv, struct srv_reply *rep,
                         const struct srv_key *k, const char *a)
{
	const char *why = srv_key_alias_problem(a);
	const struct srv_key *owner = srv_keys_alias_owner(srv->keys, a);

	if (why)
		return srv_fail(rep, 400, "INVALID_FIELD_ERR", "field:aliases",
		                "The alias `%.90s` %s", a, why);
	if (owner && owner != k)
		return srv_fail(rep, 409, "KEY_ALIAS_NOT_UNIQUE_ERR", NULL,
		                "The alias is already associated with a key "
		                "in this instance");
	if (k->n_aliases >= SRV_KEY_ALIASES_MAX ||
	    instance_aliases(srv->keys) >= ALIASES_PER_INSTANCE)
		return srv_fail(rep, 400, "KEY_ALIAS_QUOTA_ERR", NULL,
		                "A key has at most %d aliases, an instance %d",
		                SRV_KEY_ALIASES_MAX, ALIASES_PER_INSTANCE);
	return ERR_OK;
}

static bool has_alias(const struct srv_key *k, const char *a)
{
	for (size_t i = 0; i < k->n_aliases; i++)
		if (strcmp(k->aliases[i], a) == 0)
			return true;
	return false;
}

static enum err list_field(struct srv *srv, struct srv_reply *rep,
                           const cJSON *res, const char *name,
                           struct srv_key *k)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(res, name), *e;
	bool aliases = strcmp(name, "aliases") == 0;
	enum err r = ERR_OK;

	if (!a || cJSON_IsNull(a))
		return ERR_OK;
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > SRV_KEY_TAGS_MAX)
		return srv_fail_must(rep, "field", name, "an array of strings");
	cJSON_ArrayForEach(e, a)
	{
		if (!cJSON_IsString(e) || strlen(e->valuestring) > 90)
			return srv_fail_must(rep, "field", name,
			                     "an array of strings");
		if (aliases) {
			r = alias_ok(srv, rep, k, e->valuestring);
			if (r == ERR_OK && has_alias(k, e->valuestring))
				r = srv_fail(rep, 400, "INVALID_FIELD_ERR",
				             "field:aliases",
				             "Aliases must be unique");
			if (r == ERR_OK)
				r = srv_key_add_alias(k, e->valuestring);
		} else {
			r = srv_key_set_str(&k->tags[k->n_tags++],
			                    e->valuestring);
		}
		if (r != ERR_OK)
			return r;
	}
	return ERR_OK;
}

static enum err key_fields(struct srv_req *req, struct srv_reply *rep,
                           const cJSON *res, struct srv_key *k)
{
	const char *type = NULL, *exp = NULL;
	const char *ring = srv_req_header(req, "X-Kms-Key-Ring");
	enum err r;

	if (srv_json_get_str(res, "type", &type) != SRV_JSON_OK ||
	    strcmp(type, SRV_KEY_TYPE) != 0)
		return srv_fail_must(rep, "field", "type", SRV_KEY_TYPE);
	k->extractable = true; /* KP's default when omitted */
	if (srv_json_get_bool(res, "extractable", &k->extractable) ==
	    SRV_JSON_BAD)
		return srv_fail_must(rep, "field", "extractable", "a boolean");
	if (srv_json_get_str(res, "expirationDate", &exp) == SRV_JSON_BAD ||
	    (exp && (srv_json_time_parse(exp, &k->expires) != ERR_OK ||
	             k->expires <= srv_now(req->srv))))
		return srv_fail_must(rep, "field", "expirationDate",
		                     "an RFC 3339 date in the future");
	if (ring && (strlen(ring) < 2 || strlen(ring) > 100 ||
	             strspn(ring, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
	                          "OPQRSTUVWXYZ0123456789-") != strlen(ring)))
		return srv_fail(rep, 400, "INVALID_FIELD_ERR",
		                "header:X-Kms-Key-Ring",
		                "The key ring id must be 2 to 100 characters "
		                "of [A-Za-z0-9-]");
	r = text_field(rep, res, "name", 90, true, &k->name);
	if (r == ERR_OK)
		r = text_field(rep, res, "description", 240, false,
		               &k->description);
	if (r == ERR_OK)
		r = list_field(req->srv, rep, res, "aliases", k);
	if (r == ERR_OK)
		r = list_field(req->srv, rep, res, "tags", k);
	if (r == ERR_OK)
		r = srv_key_set_str(&k->ring, ring ? ring : "default");
	if (r == ERR_OK)
		r = srv_key_set_str(&k->created_by, req->subject);
	return r;
}

/* Put the material (or fresh material) into the token. */
static enum err key_material(struct srv *srv, struct srv_key *k,
                             const uint8_t *m, size_t len)
{
	uint8_t gen[32];
	enum err r;

	if (!k->extractable) {
		r = m ? srv_hsm_key_import(srv->hsm, k->id, m, len)
		      : srv_hsm_key_generate(srv->hsm, k->id, sizeof(gen));
		k->bits = (unsigned)(m ? len * 8 : 256);
		/* The first version's id is the key id (spec 13). */
		return r == ERR_OK ? srv_key_add_version(k, k->id, k->created)
		                   : r;
	}
	r = ERR_OK;
	if (!m) {
		r = srv_hsm_random(srv->hsm, gen, sizeof(gen));
		m = gen;
		len = sizeof(gen);
	}
	if (r == ERR_OK)
		r = srv_hsm_blob_put(srv->hsm, k->id, m, len);
	k->bits = (unsigned)(len * 8);
	secmem_wipe(gen, sizeof(gen));
	return r;
}

/* Add k to the table and the state file; undo on failure. */
static enum err commit_new(struct srv *srv, struct srv_key *k)
{
	enum err r = srv_keys_add(srv->keys, k);

	if (r != ERR_OK)
		return r;
	r = srv_state_save(srv);
	if (r != ERR_OK) {
		srv_hsm_remove(srv->hsm, k->id);
		srv->keys->n--; /* k was appended last; the caller frees it */
	}
	return r;
}

enum err srv_api_keys_create(struct srv_req *req, struct srv_reply *rep)
{
	struct srv *srv = req->srv;
	struct srv_key *k = srv_key_new();
	const cJSON *res = NULL;
	uint8_t *m = NULL;
	size_t len = 0;
	cJSON *j = NULL;
	enum err r;

	rep->what = "Key could not be created";
	if (!k)
		return err_set(ERR_NOMEM, "key");
	srv_uuid_new(k->id);
	k->state = SRV_STATE_ACTIVE;
	k->created = k->updated = k->state_since = srv_now(srv);
	r = srv_req_json(req, rep, true, &j);
	if (r == ERR_OK)
		r = one_resource(rep, j, &res);
	if (r == ERR_OK)
		r = key_fields(req, rep, res, k);
	if (r == ERR_OK)
		r = srv_import_material(srv, rep, res, !k->extractable,
		                        &k->import, &m, &len);
	if (r == ERR_OK)
		r = key_material(srv, k, m, len);
	secmem_free(m);
	cJSON_Delete(j);
	if (r == ERR_OK)
		r = commit_new(srv, k);
	if (r != ERR_OK) {
		srv_key_free(k);
		return r;
	}
	return srv_api_keys_reply(req, rep, 201, k,
	                          srv_api_keys_wants_body(req));
}

enum err srv_api_keys_get(struct srv_req *req, struct srv_reply *rep)
{
	struct srv_key *k;
	enum err r;

	rep->what = "Key could not be retrieved";
	r = srv_api_keys_find(req, rep, &k);
	if (r != ERR_OK)
		return r;
	return srv_api_keys_reply(req, rep, 200, k, true);
}

enum err srv_api_keys_metadata(struct srv_req *req, struct srv_reply *rep)
{
	struct srv_key *k;
	enum err r;

	rep->what = "Key metadata could not be retrieved";
	r = srv_api_keys_find(req, rep, &k);
	if (r != ERR_OK)
		return r;
	return srv_api_keys_reply(req, rep, 200, k, false);
}

/* 204, or 200 with the key when the client asked for a representation. */
static enum err deleted_reply(struct srv_req *req, struct srv_reply *rep,
                              const struct srv_key *k)
{
	if (srv_api_keys_wants_body(req))
		return srv_api_keys_reply(req, rep, 200, k, false);
	rep->status = 204;
	return ERR_OK;
}

enum err srv_api_keys_delete(struct srv_req *req, struct srv_reply *rep)
{
	struct srv *srv = req->srv;
	int64_t now = srv_now(srv);
	struct srv_key *k;
	enum err r;

	rep->what = "Key could not be deleted";
	r = srv_api_keys_find(req, rep, &k);
	if (r == ERR_OK)
		r = srv_api_keys_gone(rep, k);
	if (r != ERR_OK)
		return r;
	/* No registrations here, so ?force=true changes nothing. */
	r = srv_key_set_str(&k->deleted_by, req->subject);
	if (r != ERR_OK)
		return r;
	k->state = SRV_STATE_DESTROYED;
	k->deleted = k->updated = k->state_since = now;
	r = srv_state_save(srv);
	return r == ERR_OK ? deleted_reply(req, rep, k) : r;
}

enum err srv_api_keys_purge(struct srv_req *req, struct srv_reply *rep)
{
	struct srv *srv = req->srv;
	struct srv_key *k;
	enum err r;

	rep->what = "Key could not be purged";
	r = srv_api_keys_find(req, rep, &k);
	if (r != ERR_OK)
		return r;
	if (k->state != SRV_STATE_DESTROYED)
		return srv_fail(rep, 409, "KEY_ACTION_INVALID_STATE_ERR", NULL,
		                "Only a deleted key can be purged");
	if (srv_now(srv) < k->deleted + srv->cfg.purge_wait)
		return srv_fail(rep, 409, "REQ_TOO_EARLY_ERR", NULL,
		                "The key was updated recently: Purge operation "
		                "is allowed %lds after key is deleted",
		                srv->cfg.purge_wait);
	r = deleted_reply(req, rep, k);
	for (size_t i = 0; r == ERR_OK && i < k->n_versions; i++)
		r = srv_hsm_remove(srv->hsm, k->versions[i].id);
	if (r == ERR_OK)
		r = srv_hsm_remove(srv->hsm, k->id);
	if (r != ERR_OK)
		return r;
	srv_keys_remove(srv->keys, k);
	return srv_state_save(srv);
}

static cJSON *alias_json(const struct srv_key *k, const char *alias,
                         const char *by, int64_t now)
{
	cJSON *a = cJSON_CreateArray(), *o = cJSON_CreateObject();

	if (!a || !o || !cJSON_AddItemToArray(a, o)) {
		cJSON_Delete(a);
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddStringToObject(o, "keyId", k->id);
	cJSON_AddStringToObject(o, "alias", alias);
	cJSON_AddStringToObject(o, "createdBy", by);
	srv_json_add_time(o, "creationDate", now);
	return srv_envelope(SRV_KEY_TYPE, a);
}

enum err srv_api_keys_alias(struct srv_req *req, struct srv_reply *rep)
{
	const char *alias = req->param[1];
	bool add = strcmp(req->method, "POST") == 0;
	struct srv_key *k;
	enum err r;

	rep->what = add ? "Key alias could not be created"
	                : "Key alias could not be deleted";
	r = srv_api_keys_find(req, rep, &k);
	if (r == ERR_OK)
		r = srv_api_keys_gone(rep, k);
	if (r == ERR_OK && add && !has_alias(k, alias))
		r = alias_ok(req->srv, rep, k, alias);
	if (r == ERR_OK && add && !has_alias(k, alias))
		r = srv_key_add_alias(k, alias);
	if (r == ERR_OK && !add && !srv_key_del_alias(k, alias))
		r = srv_fail(rep, 404, "KEY_ALIAS_NOT_FOUND_ERR", NULL,
		             "The key has no alias `%.90s`", alias);
	if (r == ERR_OK)
		r = srv_state_save(req->srv);
	if (r != ERR_OK)
		return r;
	if (!add) {
		rep->status = 204;
		return ERR_OK;
	}
	return srv_reply_json(
	        rep, 201,
	        alias_json(k, alias, req->subject, srv_now(req->srv)));
}
