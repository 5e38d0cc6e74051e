/* SPDX-License-Identifier: MIT */
/* cmd_key_show.c - `p11seal key show --label L`: one key with every
 * security attribute, its check value and its p11seal metadata. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "cli_token.h"
#include "commands.h"
#include "km_inventory.h"

/* Text form: the JSON members one per line. */
static void print_text(const cJSON *o, int depth)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, o) {
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

int cmd_key_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *label = NULL;
	struct cli_token t;
	struct km_key k;
	cJSON *j = NULL;
	enum err r;
	int o;

	if (cli_wants_help(c, argc, argv))
		return 0;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o != 'l')
			return cli_usage(c, "unknown option");
		label = optarg;
	}
	if (!label || optind < argc)
		return cli_usage(c, "--label LABEL is required");
	r = cli_token_open(c, CLI_TOKEN_LOGIN, &t);
	if (r != ERR_OK)
		return cli_fail(c, r);
	r = km_inventory_find(t.session, label, &k);
	if (r == ERR_OK) {
		j = km_inventory_json(&k, true);
		km_inventory_free_one(&k);
	}
	if (r == ERR_OK && c->json) {
		r = cli_print_json(j);
	} else if (r == ERR_OK) {
		print_text(j, 0);
		cJSON_Delete(j);
	}
	cli_token_close(&t);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
