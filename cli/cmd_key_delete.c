/* SPDX-License-Identifier: MIT */
/* cmd_key_delete.c - `p11seal key delete --label L [--yes]`: destroy a key
 * (both halves of a DEK) and its metadata, after confirmation; audited
 * before and after, and the audit key's deletion before it happens. */
#include <stdio.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_key.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "km_inventory.h"
#include "p11_data.h"
#include "p11_dek.h"
#include "p11_key.h"

struct delete_opts {
	const char *label, *id;
	bool yes;
};

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct delete_opts, label), .arg = "L",
	  .help = "the key (this or --id is required)" },
	{ "id", CLI_STR(struct delete_opts, id), .arg = "HEX",
	  .help = "the key by CKA_ID, as key list shows it (for labels that "
	          "repeat); with --label, both must match" },
	{ "yes", CLI_FLAG(struct delete_opts, yes), .letter = 'y',
	  .help = "no confirmation prompt; default ask on the terminal" },
	{ NULL },
};

static enum err destroy(struct p11_session *s, struct km_key *k)
{
	enum err r;

	if (k->is_dek)
		r = p11_dek_destroy(s, &k->dek);
	else
		r = p11_obj_destroy(s, k->info.handle);
	if (r == ERR_OK)
		r = p11_data_delete(s, k->info.label);
	return r;
}

static bool is_audit_key(const struct km_key *k)
{
	bool yes = p11_key_check_profile(&k->info, P11P_AUDIT) == ERR_OK;

	err_clear();
	return yes;
}

/* The prompt names the token: with several tokens (or an SO at the
 * wrong station) "in token?" says nothing about which one. */
static enum err confirm(struct p11_session *s, const struct km_key *k,
                        const char *label, bool yes)
{
	const struct p11_token_desc *t = p11_session_token(s);
	char prompt[400];

	snprintf(prompt, sizeof(prompt),
	         "Destroy %s key '%s' in token '%s' (serial %s)? This cannot "
	         "be undone.",
	         k->kind, label, t->label, t->serial);
	if (yes || cli_confirm(prompt))
		return ERR_OK;
	return err_set(ERR_USAGE, "not confirmed; nothing deleted (use --yes "
	                          "when there is no terminal)");
}

/* --json: what was destroyed. */
static enum err print_deleted(const char *label, const char *kind)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "label", label);
	cJSON_AddStringToObject(j, "kind", kind);
	cJSON_AddBoolToObject(j, "deleted", true);
	return cli_print_json(j);
}

/* The intent comes first: finding a DEK computes its keyhash in the
 * token. The audit key's own deletion is recorded before it goes. */
static enum err delete_key(const struct cli *c, struct p11_session *s,
                           void *ctx)
{
	const struct delete_opts *o = ctx;
	const char *label = o->label;
	struct cli_audit_rec rec = { .op = "key.delete",
		                     .label = label ? label : o->id };
	struct cli_audit_intent in = { 0 };
	struct km_key k = { 0 };
	enum err r;

	r = cli_audit_begin(c, s, &rec, &in);
	if (r == ERR_OK)
		r = cli_key_select(s, label, o->id, &k);
	if (r == ERR_OK)
		r = confirm(s, &k, k.info.label, o->yes);
	rec.key = k.info.label[0] ? &k : NULL;
	if (r == ERR_OK && is_audit_key(&k))
		r = cli_audit_final(c, s, &rec, &in);
	if (r == ERR_OK)
		r = destroy(s, &k);
	if (r == ERR_OK)
		cli_info(c, "deleted %s key '%s'", k.kind, k.info.label);
	rec.result = r;
	rec.intent = &in;
	r = cli_audit(c, s, &rec);
	if (r == ERR_OK && c->json)
		r = print_deleted(label, k.kind);
	km_inventory_free_one(&k);
	return r;
}

int cmd_key_delete(struct cli *c, int argc, char **argv)
{
	struct delete_opts o = { 0 };
	int rc;

	rc = cli_opts_parse(c, &(struct cli_opts){ .sets = { { opts, &o } } },
	                    argc, argv);
	if (rc < 0 && !o.label && !o.id)
		rc = cli_usage(c, "--label LABEL or --id HEX is required");
	return rc >= 0 ? rc
	               : cli_token_run(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN,
	                               delete_key, &o);
}
