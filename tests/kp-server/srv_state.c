/* SPDX-License-Identifier: MIT */
/* srv_state.c - persist kp-server's metadata as one JSON document,
 * replaced atomically on every change. */
#include "srv_state.h"

#include <stdlib.h>
#include <string.h>

#include "file_replace.h"
#include "srv_file.h"
#include "srv_import.h"
#include "srv_json.h"
#include "srv_keys.h"
#include "srv_keys_json.h"

#define STATE_FORMAT "kp-server-state/1"
#define STATE_MAX    (64u * 1024 * 1024)

static cJSON *state_json(const struct srv *srv)
{
	cJSON *j = cJSON_CreateObject(), *keys;

	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "format", STATE_FORMAT);
	cJSON_AddStringToObject(j, "instanceId", srv->cfg.instance_id);
	keys = cJSON_AddArrayToObject(j, "keys");
	for (size_t i = 0; keys && i < srv->keys->n; i++) {
		cJSON *k = srv_keys_json_build(srv, srv->keys->v[i], true);

		if (!k || !cJSON_AddItemToArray(keys, k)) {
			cJSON_Delete(k);
			cJSON_Delete(j);
			return NULL;
		}
	}
	if (srv->itok)
		cJSON_AddItemToObject(j, "importToken",
		                      srv_import_json_build(srv->itok));
	return j;
}

enum err srv_state_save(struct srv *srv)
{
	cJSON *j;
	char *text;
	enum err r;

	if (!srv->cfg.state_file)
		return ERR_OK;
	j = state_json(srv);
	text = j ? cJSON_Print(j) : NULL;
	cJSON_Delete(j);
	if (!text)
		return err_set(ERR_NOMEM, "state");
	r = file_replace(srv->cfg.state_file, text);
	cJSON_free(text);
	return r;
}

static enum err load_keys(struct srv *srv, const cJSON *keys)
{
	const cJSON *e;
	struct srv_key *k;
	enum err r;

	if (!cJSON_IsArray(keys))
		return err_set(ERR_FORMAT, "state file has no key list");
	cJSON_ArrayForEach(e, keys)
	{
		r = srv_keys_json_parse(e, &k);
		if (r == ERR_OK && srv_keys_find(srv->keys, k->id)) {
			srv_key_free(k);
			r = err_set(ERR_FORMAT, "key listed twice");
		}
		if (r == ERR_OK) {
			r = srv_keys_add(srv->keys, k);
			if (r != ERR_OK)
				srv_key_free(k);
		}
		if (r != ERR_OK)
			return r;
	}
	return ERR_OK;
}

static enum err load_json(struct srv *srv, const cJSON *j)
{
	const char *fmt = NULL, *inst = NULL;
	const cJSON *tok;

	if (srv_json_get_str(j, "format", &fmt) != SRV_JSON_OK ||
	    strcmp(fmt, STATE_FORMAT) != 0)
		return err_set(ERR_FORMAT, "unknown state file format");
	if (srv_json_get_str(j, "instanceId", &inst) != SRV_JSON_OK ||
	    strcmp(inst, srv->cfg.instance_id) != 0)
		return err_set(ERR_FORMAT, "state file belongs to instance %s",
		               inst ? inst : "?");
	tok = cJSON_GetObjectItemCaseSensitive(j, "importToken");
	if (tok && srv_import_json_parse(tok, &srv->itok) != ERR_OK)
		return ERR_FORMAT;
	return load_keys(srv, cJSON_GetObjectItemCaseSensitive(j, "keys"));
}

enum err srv_state_load(struct srv *srv)
{
	const char *path = srv->cfg.state_file;
	char *text = NULL;
	cJSON *j = NULL;
	size_t len = 0;
	enum err r;

	if (!path)
		return ERR_OK;
	r = srv_file_read(path, false, STATE_MAX, &text, &len);
	if (r == ERR_NOT_FOUND)
		return ERR_OK;
	if (r == ERR_OK)
		r = srv_json_parse(text, len, &j);
	if (r == ERR_OK)
		r = load_json(srv, j);
	if (r != ERR_OK)
		r = err_wrap(r, "state file %s", path);
	cJSON_Delete(j);
	free(text);
	return r;
}
