/* SPDX-License-Identifier: MIT */
/* cmd_key_delete.c - `p11seal key delete --label L [--yes]`: destroy a key
 * (both halves of a DEK) and its metadata, after confirmation. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_token.h"
#include "commands.h"
#include "km_inventory.h"
#include "p11_data.h"
#include "p11_dek.h"

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

static enum err delete_key(const struct cli *c, struct p11_session *s,
			   const char *label, bool yes)
{
	char prompt[256];
	struct km_key k;
	enum err r;

	r = km_inventory_find(s, label, &k);
	snprintf(prompt, sizeof(prompt), "Destroy %s key '%s' in token? "
		 "This cannot be undone.", k.kind, label);
	if (r == ERR_OK && !yes && !cli_confirm(prompt))
		r = err_set(ERR_USAGE, "not confirmed; nothing deleted (use "
			    "--yes when there is no terminal)");
	if (r == ERR_OK)
		r = destroy(s, &k);
	if (r == ERR_OK)
		cli_info(c, "deleted %s key '%s'", k.kind, label);
	r = cli_audit(c, s, &(struct cli_audit_rec){
		.op = "key.delete", .result = r, .label = label,
		.key = k.info.label[0] ? &k : NULL });
	km_inventory_free_one(&k);
	return r;
}

int cmd_key_delete(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	const char *label = NULL;
	struct cli_token t;
	bool yes = false;
	enum err r;
	int ch;

	if (cli_wants_help(c, argc, argv))
		return 0;
	while ((ch = getopt_long(argc, argv, "y", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': label = optarg; break;
		case 'y': yes = true; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (!label || optind < argc)
		return cli_usage(c, "--label LABEL is required");
	r = cli_token_open(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, &t);
	if (r == ERR_OK)
		r = delete_key(c, t.session, label, yes);
	cli_token_close(&t);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
