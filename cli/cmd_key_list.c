/* SPDX-License-Identifier: MIT */
/* cmd_key_list.c - `p11seal key list`: the token's keys, a DEK's two
 * halves shown as one key. */
#include <stdio.h>

#include "cli.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "km_inventory.h"

static void print_text(const struct km_key *k, size_t n)
{
	printf("%-24s %-9s %5s  %-9s %-11s %s\n", "LABEL", "KIND", "SIZE",
	       "SENSITIVE", "EXTRACTABLE", "KEYHASH / ID");
	for (size_t i = 0; i < n; i++) {
		char hex[2 * P11_ID_MAX + 1];
		const struct p11_obj_info *f = &k[i].info;
		bool ext = f->flag[P11F_EXTRACTABLE] ||
			   (k[i].is_dek && k[i].tweak.flag[P11F_EXTRACTABLE]);

		if (k[i].has_keyhash)
			encode_hex(hex, k[i].keyhash, sizeof(k[i].keyhash));
		else
			encode_hex(hex, f->id, f->id_len);
		printf("%-24s %-9s %5zu  %-9s %-11s %s\n", f->label, k[i].kind,
		       k[i].size, f->flag[P11F_SENSITIVE] ? "yes" : "no",
		       ext ? "yes" : "no", hex);
	}
}

int cmd_key_list(struct cli *c, int argc, char **argv)
{
	struct km_key *keys = NULL;
	struct cli_token t;
	size_t n = 0;
	enum err r;

	if (cli_wants_help(c, argc, argv))
		return 0;
	if (argc > 1)
		return cli_usage(c, "unexpected argument '%s'", argv[1]);
	r = cli_token_open(c, CLI_TOKEN_LOGIN, &t);
	if (r != ERR_OK)
		return cli_fail(c, r);
	r = km_inventory_list(t.session, &keys, &n);
	if (r == ERR_OK && c->json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; arr && i < n; i++)
			cJSON_AddItemToArray(arr,
					     km_inventory_json(&keys[i], false));
		r = cli_print_json(arr);
	} else if (r == ERR_OK) {
		print_text(keys, n);
	}
	km_inventory_free(keys, n);
	cli_token_close(&t);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
