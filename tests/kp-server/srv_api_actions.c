/* SPDX-License-Identifier: MIT */
/* srv_api_actions.c - key actions. Every action checks, in order: key
 * exists (404), not destroyed (410), root key where needed (400), state
 * (409), timing (409); only then does it touch the token. */
#include "srv_api_actions.h"

#include <stdlib.h>
#include <string.h>

#include "secmem.h"
#include "srv_api_keys.h"
#include "srv_hsm.h"
#include "srv_import.h"
#include "srv_json.h"
#include "srv_keys.h"
#include "srv_state.h"
#include "srv_wrap.h"

#define DEK_LEN 32
#define MASK(s) (1u << (s))
#define CT_MUST                                                 \
	"the original base64 encoded ciphertext from the wrap " \
	"operation"

struct act {
	struct srv_req *req;
	struct srv_reply *rep;
	struct srv *srv;
	struct srv_key *k;
	cJSON *body; /* NULL when the request had none */
	const char *aad[SRV_WRAP_AAD_MAX];
	size_t n_aad;
};

static enum err need(struct act *a, bool root, unsigned states)
{
	enum err r = srv_api_keys_gone(a->rep, a->k);

	if (r != ERR_OK)
		return r;
	if (root && a->k->extractable)
		return srv_fail(a->rep, 400, "KEY_ROOT_REQ_ERR", NULL,
		                "Requested action can only be completed with a "
		                "root key");
	if (!(states & MASK(a->k->state)))
		return srv_fail(a->rep, 409, "KEY_ACTION_INVALID_STATE_ERR",
		                NULL,
		                "Key is not in a state that allows this "
		                "action (state %d)",
		                a->k->state);
	return ERR_OK;
}

static enum err parse_aad(struct act *a)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(a->body, "aad");
	const cJSON *e;

	if (!arr || cJSON_IsNull(arr))
		return ERR_OK;
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > SRV_WRAP_AAD_MAX)
		goto bad;
	cJSON_ArrayForEach(e, arr)
	{
		if (!cJSON_IsString(e) ||
		    strlen(e->valuestring) > SRV_WRAP_AAD_ITEM_MAX)
			goto bad;
		a->aad[a->n_aad++] = e->valuestring;
	}
	return ERR_OK;
bad:
	return srv_fail(a->rep, 400, "INVALID_FIELD_ERR", "field:aad",
	                "The field `aad` must be: an array of at most %d "
	                "strings of at most %d characters",
	                SRV_WRAP_AAD_MAX, SRV_WRAP_AAD_ITEM_MAX);
}

static cJSON *version_obj(const char *id)
{
	cJSON *o = cJSON_CreateObject();

	if (o)
		cJSON_AddStringToObject(o, "id", id);
	return o;
}

/* Seal pt with the latest version into member "ciphertext" of out. */
static enum err seal_into(struct act *a, const uint8_t *pt, size_t len,
                          cJSON *out)
{
	const struct srv_version *v = srv_key_latest(a->k);
	char *ct = NULL;
	enum err r;

	r = srv_wrap_seal(a->srv->hsm, v->id, a->aad, a->n_aad, pt, len, &ct);
	if (r == ERR_OK && !cJSON_AddStringToObject(out, "ciphertext", ct))
		r = err_set(ERR_NOMEM, "reply");
	free(ct);
	return r;
}

/* The plaintext to wrap: given (base64, <= 4096 chars) or generated. */
static enum err wrap_input(struct act *a, uint8_t **pt, size_t *len,
                           bool *generated)
{
	const char *s = NULL;
	size_t bad;

	*generated = false;
	*pt = secmem_alloc(SRV_WRAP_PLAINTEXT_MAX + 3);
	if (!*pt)
		return err_set(ERR_NOMEM, "wrap");
	if (srv_json_get_str(a->body, "plaintext", &s) == SRV_JSON_BAD)
		return srv_fail_must(a->rep, "field", "plaintext",
		                     "a base64 encoded key material");
	if (!s) {
		*generated = true;
		*len = DEK_LEN;
		return srv_hsm_random(a->srv->hsm, *pt, DEK_LEN);
	}
	if (strlen(s) > 4096)
		return srv_fail_must(a->rep, "field", "plaintext",
		                     "at most 4096 characters");
	if (srv_json_b64(s, *pt, SRV_WRAP_PLAINTEXT_MAX + 3, len, &bad) !=
	            ERR_OK ||
	    *len == 0)
		return srv_fail(a->rep, 400, "INVALID_FIELD_ERR",
		                "field:plaintext",
		                "The field `plaintext` "
		                "must be: a base64 encoded key material: "
		                "illegal base64 data at input byte %zu",
		                bad);
	return ERR_OK;
}

static enum err act_wrap(struct act *a)
{
	uint8_t *pt = NULL;
	size_t len = 0;
	bool generated = false;
	cJSON *out = cJSON_CreateObject();
	enum err r;

	r = need(a, true, MASK(SRV_STATE_ACTIVE));
	if (r == ERR_OK)
		r = parse_aad(a);
	if (r == ERR_OK)
		r = wrap_input(a, &pt, &len, &generated);
	if (r == ERR_OK && !out)
		r = err_set(ERR_NOMEM, "reply");
	if (r == ERR_OK)
		r = seal_into(a, pt, len, out);
	if (r == ERR_OK && generated)
		cJSON_AddItemToObject(out, "plaintext",
		                      srv_json_b64_new(pt, len));
	if (r == ERR_OK)
		cJSON_AddItemToObject(out, "keyVersion",
		                      version_obj(srv_key_latest(a->k)->id));
	secmem_free(pt);
	if (r != ERR_OK) {
		cJSON_Delete(out);
		return r;
	}
	return srv_reply_json(a->rep, 200, out);
}

/* Open the request's ciphertext: 400 if not base64, 422 if not ours. */
static enum err open_input(struct act *a, uint8_t **pt, size_t *len,
                           const struct srv_version **used)
{
	const char *ct = NULL;
	enum err r;

	if (!a->body)
		return srv_fail(a->rep, 400, "NO_BODY_ERR", NULL,
		                "The request body is missing");
	r = parse_aad(a);
	if (r != ERR_OK)
		return r;
	if (srv_json_get_str(a->body, "ciphertext", &ct) != SRV_JSON_OK)
		return srv_fail_must(a->rep, "field", "ciphertext", CT_MUST);
	r = srv_wrap_open(a->srv->hsm, a->k, a->aad, a->n_aad, ct, pt, len,
	                  used);
	if (r == ERR_USAGE)
		return srv_fail_must(a->rep, "field", "ciphertext", CT_MUST);
	if (r == ERR_FORMAT || r == ERR_VERIFY)
		return srv_fail(a->rep, 422, "UNPROCESSABLE_CIPHERTEXT_ERR",
		                "field:ciphertext",
		                "The provided ciphertext "
		                "is invalid or corrupted");
	return r;
}

/* unwrap (rewrap = false) or rewrap. */
static enum err act_unwrap(struct act *a, bool rewrap)
{
	const struct srv_version *used = NULL, *latest;
	uint8_t *pt = NULL;
	size_t len = 0;
	cJSON *out = cJSON_CreateObject();
	enum err r;

	r = need(a, true, MASK(SRV_STATE_ACTIVE) | MASK(SRV_STATE_DEACTIVATED));
	if (r == ERR_OK)
		r = open_input(a, &pt, &len, &used);
	if (r == ERR_OK && !out)
		r = err_set(ERR_NOMEM, "reply");
	latest = srv_key_latest(a->k);
	if (r == ERR_OK && (rewrap || used != latest))
		r = seal_into(a, pt, len, out);
	if (r == ERR_OK && !rewrap)
		cJSON_AddItemToObject(out, "plaintext",
		                      srv_json_b64_new(pt, len));
	if (r == ERR_OK) {
		cJSON_AddItemToObject(out, "keyVersion", version_obj(used->id));
		if (rewrap || used != latest)
			cJSON_AddItemToObject(out, "rewrappedKeyVersion",
			                      version_obj(latest->id));
	}
	secmem_free(pt);
	if (r != ERR_OK) {
		cJSON_Delete(out);
		return r;
	}
	return srv_reply_json(a->rep, 200, out);
}

static enum err rotate_checks(struct act *a, bool has_material)
{
	const struct srv_key *k = a->k;
	int64_t since = srv_now(a->srv) - k->rotated;

	if (k->rotated && since < a->srv->cfg.rotate_interval)
		return srv_fail(a->rep, 409, "KEY_ROTATION_NOT_PERMITTED", NULL,
		                "This root key was rotated within the last "
		                "%lds: only one rotation per %lds is permitted",
		                a->srv->cfg.rotate_interval,
		                a->srv->cfg.rotate_interval);
	if (k->import == SRV_IMPORT_NONE && has_material)
		return srv_fail_must(a->rep, "query_param", "payload",
		                     "provided only if key is imported");
	if (k->import != SRV_IMPORT_NONE && !has_material)
		return srv_fail(a->rep, 400, "KEY_PAYLOAD_REQ_ERR",
		                "field:payload",
		                "The field `payload` must be: "
		                "new key material for an imported key");
	return ERR_OK;
}

static enum err act_rotate(struct act *a)
{
	char vid[SRV_UUID_LEN + 1];
	enum srv_import mode;
	bool material;
	uint8_t *m = NULL;
	size_t len = 0;
	int64_t now = srv_now(a->srv);
	enum err r;

	r = need(a, true, MASK(SRV_STATE_ACTIVE) | MASK(SRV_STATE_DEACTIVATED));
	if (r != ERR_OK)
		return r;
	material = cJSON_GetObjectItemCaseSensitive(a->body, "payload") ||
	           cJSON_GetObjectItemCaseSensitive(a->body, "encryptedNonce");
	r = rotate_checks(a, material);
	if (r == ERR_OK && material)
		r = srv_import_material(a->srv, a->rep, a->body, true, &mode,
		                        &m, &len);
	srv_uuid_new(vid);
	if (r == ERR_OK)
		r = m ? srv_hsm_key_import(a->srv->hsm, vid, m, len)
		      : srv_hsm_key_generate(a->srv->hsm, vid, 32);
	secmem_free(m);
	if (r == ERR_OK)
		r = srv_key_add_version(a->k, vid, now);
	if (r != ERR_OK)
		return r;
	a->k->bits = (unsigned)(len ? len * 8 : 256);
	a->k->rotated = a->k->updated = now;
	a->rep->status = 204;
	return srv_state_save(a->srv);
}

/* disable: Active -> Suspended; enable: Suspended -> Active. */
static enum err act_toggle(struct act *a, bool enable)
{
	struct srv_key *k = a->k;
	int64_t now = srv_now(a->srv);
	enum err r;

	r = need(a, true,
	         MASK(enable ? SRV_STATE_SUSPENDED : SRV_STATE_ACTIVE));
	if (r != ERR_OK)
		return r;
	if (enable && k->expires && now >= k->expires)
		return srv_fail(a->rep, 409, "KEY_ACTION_INVALID_STATE_ERR",
		                NULL, "The key has expired");
	if (enable && now - k->state_since < a->srv->cfg.enable_wait)
		return srv_fail(a->rep, 409, "REQ_TOO_EARLY_ERR", NULL,
		                "The key was updated recently: Please wait and "
		                "try again");
	k->state = enable ? SRV_STATE_ACTIVE : SRV_STATE_SUSPENDED;
	k->state_since = k->updated = now;
	a->rep->status = 204;
	return srv_state_save(a->srv);
}

static enum err act_restore(struct act *a)
{
	struct srv_key *k = a->k;
	int64_t now = srv_now(a->srv);
	enum err r;

	if (k->state != SRV_STATE_DESTROYED)
		return srv_fail(a->rep, 409, "KEY_ACTION_INVALID_STATE_ERR",
		                NULL, "Only a deleted key can be restored");
	if (now - k->deleted < a->srv->cfg.enable_wait)
		return srv_fail(a->rep, 409, "REQ_TOO_EARLY_ERR", NULL,
		                "The key was updated recently: Please wait and "
		                "try again");
	if (now >= k->deleted + 30 * 86400L)
		return srv_fail(a->rep, 400, "KEY_RESTORE_EXPIRED", NULL,
		                "The key can no longer be restored");
	if (k->expires && now >= k->expires)
		return srv_fail(a->rep, 400, "KEY_EXPIRED_ERR", NULL,
		                "The key has expired");
	k->state = SRV_STATE_ACTIVE;
	k->deleted = 0;
	k->state_since = k->updated = now;
	r = srv_key_set_str(&k->deleted_by, NULL);
	if (r == ERR_OK)
		r = srv_state_save(a->srv);
	return r == ERR_OK ? srv_api_keys_reply(a->req, a->rep, 201, k, false)
	                   : r;
}

static enum err act_dual_auth(struct act *a)
{
	enum err r = need(a, false, MASK(SRV_STATE_ACTIVE));

	return r != ERR_OK
	               ? r
	               : srv_fail(a->rep, 409, "NOT_DUAL_AUTH_ERR", NULL,
	                          "Key is not enabled for dual authorization");
}

static enum err act_sync(struct act *a)
{
	enum err r = srv_api_keys_gone(a->rep, a->k);

	if (r == ERR_OK)
		a->rep->status = 204;
	return r;
}

static enum err act_dispatch(struct act *a, const char *action)
{
	if (strcmp(action, "wrap") == 0)
		return act_wrap(a);
	if (strcmp(action, "unwrap") == 0 || strcmp(action, "rewrap") == 0)
		return act_unwrap(a, action[0] == 'r');
	if (strcmp(action, "rotate") == 0)
		return act_rotate(a);
	if (strcmp(action, "disable") == 0 || strcmp(action, "enable") == 0)
		return act_toggle(a, action[0] == 'e');
	if (strcmp(action, "restore") == 0)
		return act_restore(a);
	if (strcmp(action, "setKeyForDeletion") == 0 ||
	    strcmp(action, "unsetKeyForDeletion") == 0)
		return act_dual_auth(a);
	return act_sync(a);
}

static const struct {
	const char *name, *what;
} actions[] = {
	{ "wrap", "Wrap with key could not be performed" },
	{ "unwrap", "Unwrap with key could not be performed" },
	{ "rewrap", "Rewrap with key could not be performed" },
	{ "rotate", "Key could not be rotated" },
	{ "disable", "Key could not be disabled" },
	{ "enable", "Key could not be enabled" },
	{ "restore", "Key could not be restored" },
	{ "setKeyForDeletion", "Key could not be set for deletion" },
	{ "unsetKeyForDeletion", "Key could not be unset for deletion" },
	{ "sync", "Key could not be synced" },
};

enum err srv_api_actions_run(struct srv_req *req, struct srv_reply *rep,
                             const char *action, bool legacy)
{
	struct act a = { .req = req, .rep = rep, .srv = req->srv };
	enum err r;
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(action, actions[i].name) == 0)
			break;
	if (i == sizeof(actions) / sizeof(actions[0]))
		return legacy ? srv_fail_must(rep, "query_param", "action",
		                              "a key action")
		              : srv_fail(rep, 404, NULL, NULL,
		                         "The requested "
		                         "resource could not be found");
	rep->what = actions[i].what;
	r = srv_api_keys_find(req, rep, &a.k);
	if (r == ERR_OK)
		r = srv_req_json(req, rep, false, &a.body);
	if (r == ERR_OK && a.body && !cJSON_IsObject(a.body))
		r = srv_fail(rep, 400, "BAD_BODY_ERR", NULL,
		             "The body must be a JSON object");
	if (r == ERR_OK)
		r = act_dispatch(&a, action);
	cJSON_Delete(a.body);
	return r;
}
