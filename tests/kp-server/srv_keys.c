/* SPDX-License-Identifier: MIT */
/* srv_keys.c - the in-memory key table of kp-server. Keeps creation order
 * so lists page stably; holds metadata only, never key material. */
#include "srv_keys.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum err srv_keys_new(struct srv_keys **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? ERR_OK : err_set(ERR_NOMEM, "key table");
}

void srv_keys_free(struct srv_keys *ks)
{
	if (!ks)
		return;
	for (size_t i = 0; i < ks->n; i++)
		srv_key_free(ks->v[i]);
	free(ks->v);
	free(ks);
}

enum err srv_keys_add(struct srv_keys *ks, struct srv_key *k)
{
	struct srv_key **v;
	size_t cap;

	if (ks->n >= SRV_KEYS_MAX)
		return err_set(ERR_POLICY, "more than %d keys", SRV_KEYS_MAX);
	if (ks->n == ks->cap) {
		cap = ks->cap ? ks->cap * 2 : 64;
		v = realloc(ks->v, cap * sizeof(*v));
		if (!v)
			return err_set(ERR_NOMEM, "key table");
		ks->v = v;
		ks->cap = cap;
	}
	ks->v[ks->n++] = k;
	return ERR_OK;
}

void srv_keys_remove(struct srv_keys *ks, struct srv_key *k)
{
	for (size_t i = 0; i < ks->n; i++) {
		if (ks->v[i] != k)
			continue;
		memmove(&ks->v[i], &ks->v[i + 1],
		        (ks->n - i - 1) * sizeof(ks->v[0]));
		ks->n--;
		srv_key_free(k);
		return;
	}
}

struct srv_key *srv_keys_alias_owner(const struct srv_keys *ks,
                                     const char *alias)
{
	for (size_t i = 0; i < ks->n; i++)
		for (size_t a = 0; a < ks->v[i]->n_aliases; a++)
			if (strcmp(ks->v[i]->aliases[a], alias) == 0)
				return ks->v[i];
	return NULL;
}

struct srv_key *srv_keys_find(const struct srv_keys *ks, const char *ref)
{
	if (!srv_uuid_valid(ref))
		return srv_keys_alias_owner(ks, ref);
	for (size_t i = 0; i < ks->n; i++)
		if (strcasecmp(ks->v[i]->id, ref) == 0)
			return ks->v[i];
	return NULL;
}

struct srv_key *srv_key_new(void)
{
	return calloc(1, sizeof(struct srv_key));
}

void srv_key_free(struct srv_key *k)
{
	if (!k)
		return;
	free(k->name);
	free(k->description);
	free(k->ring);
	free(k->created_by);
	free(k->deleted_by);
	for (size_t i = 0; i < k->n_aliases; i++)
		free(k->aliases[i]);
	for (size_t i = 0; i < k->n_tags; i++)
		free(k->tags[i]);
	free(k->versions);
	free(k);
}

enum err srv_key_set_str(char **field, const char *s)
{
	char *copy = NULL;

	if (s) {
		copy = strdup(s);
		if (!copy)
			return err_set(ERR_NOMEM, "key field");
	}
	free(*field);
	*field = copy;
	return ERR_OK;
}

enum err srv_key_add_version(struct srv_key *k, const char *id, int64_t created)
{
	struct srv_version *v;

	if (k->n_versions >= SRV_VERSIONS_MAX)
		return err_set(ERR_POLICY, "more than %d versions",
		               SRV_VERSIONS_MAX);
	v = realloc(k->versions, (k->n_versions + 1) * sizeof(*v));
	if (!v)
		return err_set(ERR_NOMEM, "key version");
	k->versions = v;
	memset(&v[k->n_versions], 0, sizeof(*v));
	memcpy(v[k->n_versions].id, id, SRV_UUID_LEN);
	v[k->n_versions].created = created;
	k->n_versions++;
	return ERR_OK;
}

const struct srv_version *srv_key_latest(const struct srv_key *k)
{
	return k->n_versions ? &k->versions[k->n_versions - 1] : NULL;
}

const struct srv_version *srv_key_version(const struct srv_key *k,
                                          const char *id)
{
	for (size_t i = 0; i < k->n_versions; i++)
		if (strcmp(k->versions[i].id, id) == 0)
			return &k->versions[i];
	return NULL;
}

bool srv_key_refresh(struct srv_key *k, int64_t now)
{
	if (k->state != SRV_STATE_ACTIVE || !k->expires || now < k->expires)
		return false;
	k->state = SRV_STATE_DEACTIVATED;
	k->state_since = k->expires;
	return true;
}

static const char *const reserved[] = {
	"allowed_ip", "key",      "keys",         "metadata",
	"policy",     "policies", "registration", "registrations",
	"ring",       "rings",    "rotate",       "wrap",
	"unwrap",     "rewrap",   "version",      "versions",
};

const char *srv_key_alias_problem(const char *alias)
{
	size_t n = strlen(alias);

	if (n < 2 || n > 90)
		return "must be 2 to 90 characters long";
	if (strspn(alias, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                  "0123456789_-") != n)
		return "may contain only letters, digits, '_' and '-'";
	if (srv_uuid_valid(alias))
		return "must not be a UUID";
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(alias, reserved[i]) == 0)
			return "is a reserved word";
	return NULL;
}

enum err srv_key_add_alias(struct srv_key *k, const char *alias)
{
	char *copy;

	if (k->n_aliases >= SRV_KEY_ALIASES_MAX)
		return err_set(ERR_POLICY, "too many aliases");
	copy = strdup(alias);
	if (!copy)
		return err_set(ERR_NOMEM, "alias");
	k->aliases[k->n_aliases++] = copy;
	return ERR_OK;
}

bool srv_key_del_alias(struct srv_key *k, const char *alias)
{
	for (size_t i = 0; i < k->n_aliases; i++) {
		if (strcmp(k->aliases[i], alias) != 0)
			continue;
		free(k->aliases[i]);
		memmove(&k->aliases[i], &k->aliases[i + 1],
		        (k->n_aliases - i - 1) * sizeof(k->aliases[0]));
		k->n_aliases--;
		return true;
	}
	return false;
}
