/* SPDX-License-Identifier: MIT */
/* cmd_token_audit.c - `p11seal token audit`: every key in the token, made
 * by p11seal or any other tool, checked against the classic PKCS#11
 * extraction attacks; one line per finding. Exit 0 when clean, 6
 * (verification failed) when anything is found. Keys p11seal made without
 * optional attributes their token refused get a note, not a finding. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "json.h"
#include "km_rootver.h"
#include "p11_data.h"
#include "p11_policy.h"
#include "p11_policy_scan.h"
#include "p11_session.h"

static const char *class_of(const struct p11_obj_info *i)
{
	return i->cls == CKO_SECRET_KEY    ? "secret key"
	       : i->cls == CKO_PRIVATE_KEY ? "private key"
	                                   : "public key";
}

static cJSON *finding_json(const struct p11_policy_key *k,
                           const struct p11_finding *f)
{
	char id[2 * P11_ID_MAX + 1];
	cJSON *o = cJSON_CreateObject();

	encode_hex(id, k->info.id, k->info.id_len);
	cJSON_AddStringToObject(o, "label", k->info.label);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "class", class_of(&k->info));
	cJSON_AddStringToObject(o, "attack", p11_policy_attack_name(f->attack));
	cJSON_AddStringToObject(o, "why", f->why);
	return o;
}

/* *out: the "omitted_attributes" of label's p11seal metadata, or NULL
 * (none, or no metadata: keys of other tools, tokens without data
 * objects). A read that fails is an error: the token did not answer. */
static enum err omitted_of(struct p11_session *s, const char *label,
                           cJSON **out)
{
	cJSON *meta = NULL, *arr;
	char *v = NULL;
	size_t len = 0;
	enum err r;

	*out = NULL;
	r = p11_data_get_opt(s, label, &v, &len);
	if (r != ERR_OK || !v)
		return r;
	if (json_parse_object(v, len, &meta) != ERR_OK)
		err_clear(); /* metadata it cannot read strictly: no note */
	free(v);
	arr = cJSON_DetachItemFromObjectCaseSensitive(meta,
	                                              "omitted_attributes");
	cJSON_Delete(meta);
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		cJSON_Delete(arr);
	else
		*out = arr;
	return ERR_OK;
}

/* One note per key made without optional attributes. */
static enum err notes_of(struct p11_session *s,
                         const struct p11_policy_key *keys, size_t n,
                         cJSON **out)
{
	cJSON *notes = cJSON_CreateArray(), *o, *arr;
	char id[2 * P11_ID_MAX + 1];
	enum err r = ERR_OK;

	for (size_t i = 0; notes && r == ERR_OK && i < n; i++) {
		r = omitted_of(s, keys[i].info.label, &arr);
		if (!arr)
			continue;
		o = cJSON_CreateObject();
		encode_hex(id, keys[i].info.id, keys[i].info.id_len);
		cJSON_AddStringToObject(o, "label", keys[i].info.label);
		cJSON_AddStringToObject(o, "id", id);
		cJSON_AddStringToObject(o, "class", class_of(&keys[i].info));
		cJSON_AddItemToObject(o, "omitted_attributes", arr);
		cJSON_AddItemToArray(notes, o);
	}
	if (r != ERR_OK) {
		cJSON_Delete(notes);
		notes = NULL;
	}
	*out = notes;
	return r;
}

static void print_notes(const cJSON *notes)
{
	const cJSON *o, *a;
	const char *sep;

	cJSON_ArrayForEach(o, notes)
	{
		printf("'%s' (%s, id %s) note: made without",
		       cJSON_GetStringValue(cJSON_GetObjectItem(o, "label")),
		       cJSON_GetStringValue(cJSON_GetObjectItem(o, "class")),
		       cJSON_GetStringValue(cJSON_GetObjectItem(o, "id")));
		sep = " ";
		cJSON_ArrayForEach(a,
		                   cJSON_GetObjectItem(o, "omitted_attributes"))
		{
			printf("%s%s", sep, cJSON_GetStringValue(a));
			sep = " and ";
		}
		printf(", which the token refused; every custody attribute is "
		       "set\n");
	}
}

/* Prints findings and notes; consumes notes. */
static enum err print(const struct cli *c, const struct p11_session *s,
                      const struct p11_policy_key *keys, size_t n,
                      const struct p11_finding *f, size_t nf, cJSON *notes)
{
	const struct p11_token_desc *d = p11_session_token(s);
	char id[2 * P11_ID_MAX + 1];
	cJSON *o, *arr;

	if (c->json) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "token", d->label);
		cJSON_AddStringToObject(o, "serial", d->serial);
		cJSON_AddNumberToObject(o, "keys_checked", (double)n);
		arr = cJSON_AddArrayToObject(o, "findings");
		for (size_t i = 0; arr && i < nf; i++)
			cJSON_AddItemToArray(
			        arr, finding_json(&keys[f[i].key], &f[i]));
		cJSON_AddItemToObject(o, "notes", notes);
		return cli_print_json(o);
	}
	for (size_t i = 0; i < nf; i++) {
		const struct p11_obj_info *k = &keys[f[i].key].info;

		encode_hex(id, k->id, k->id_len);
		printf("'%s' (%s, id %s) %s: %s\n", k->label, class_of(k),
		       id[0] ? id : "none", p11_policy_attack_name(f[i].attack),
		       f[i].why);
	}
	print_notes(notes);
	cJSON_Delete(notes);
	if (nf == 0)
		printf("no findings in %zu keys of token '%s'\n", n, d->label);
	return ERR_OK;
}

static size_t keys_hit(const struct p11_finding *f, size_t nf)
{
	size_t hit = 0;

	for (size_t i = 0; i < nf; i++)
		if (i == 0 || f[i].key != f[i - 1].key)
			hit++;
	return hit;
}

static enum err audit(const struct cli *c, struct p11_session *s, void *ctx)
{
	struct p11_policy_key *keys = NULL;
	struct p11_policy_token tok;
	struct p11_finding *f = NULL;
	cJSON *notes = NULL;
	size_t n = 0, nf = 0;
	enum err r;

	(void)ctx;
	r = p11_policy_scan(s, &keys, &n, &tok);
	for (size_t i = 0; r == ERR_OK && i < n; i++)
		r = km_rootver_in_kp(s, &keys[i].info, &keys[i].kp_root);
	if (r == ERR_OK)
		r = p11_policy_check(keys, n, &tok, &f, &nf);
	if (r == ERR_OK)
		r = notes_of(s, keys, n, &notes);
	if (r == ERR_OK)
		r = print(c, s, keys, n, f, nf, notes);
	if (r == ERR_OK && nf)
		r = err_set(ERR_VERIFY,
		            "%zu finding%s in %zu of %zu keys; "
		            "each line names the key, the attack and why",
		            nf, nf == 1 ? "" : "s", keys_hit(f, nf), n);
	free(f);
	free(keys);
	return r;
}

int cmd_token_audit(struct cli *c, int argc, char **argv)
{
	return cli_token_main(c, argc, argv, NULL, CLI_TOKEN_LOGIN, audit,
	                      NULL);
}
