/* SPDX-License-Identifier: MIT */
/* cmd_key_show.c - `p11seal key show --label L`: one key with every
 * security attribute, its check value and its p11seal metadata. */
#include <stdio.h>

#include "cli.h"
#include "cli_key.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "km_inventory.h"

/* Text form: the JSON members one per line. */
static void print_text(const cJSON *o, int depth)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, o)
	{
		printf("%*s%-20s ", 2 * depth, "", m->string ? m->string : "");
		if (cJSON_IsObject(m)) {
			printf("\n");
			print_text(m, depth + 1);
		} else if (cJSON_IsString(m)) {
			printf("%s\n", m->valuestring);
		} else if (cJSON_IsBool(m)) {
			printf("%s\n", cJSON_IsTrue(m) ? "true" : "false");
		} else {
			char *v = cJSON_PrintUnformatted(m);

			printf("%s\n", v ? v : "?");
			cJSON_free(v);
		}
	}
}

struct show_opts {
	const char *label, *id;
};

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct show_opts, label), .arg = "L",
	  .help = "the key (this or --id is required)" },
	{ "id", CLI_STR(struct show_opts, id), .arg = "HEX",
	  .help = "the key by CKA_ID, as key list shows it (for labels that "
	          "repeat); with --label, both must match" },
	{ NULL },
};

static enum err show(const struct cli *c, struct p11_session *s, void *ctx)
{
	const struct show_opts *o = ctx;
	struct km_key k;
	cJSON *j;
	enum err r;

	r = cli_key_select(s, o->label, o->id, &k);
	if (r != ERR_OK)
		return r;
	j = km_inventory_json(&k, true);
	km_inventory_free_one(&k);
	if (c->json)
		return cli_print_json(j);
	print_text(j, 0);
	cJSON_Delete(j);
	return ERR_OK;
}

int cmd_key_show(struct cli *c, int argc, char **argv)
{
	struct show_opts o = { NULL };
	int rc;

	rc = cli_opts_parse(c, &(struct cli_opts){ .sets = { { opts, &o } } },
	                    argc, argv);
	if (rc < 0 && !o.label && !o.id)
		rc = cli_usage(c, "--label LABEL or --id HEX is required");
	return rc >= 0 ? rc : cli_token_run(c, CLI_TOKEN_LOGIN, show, &o);
}
