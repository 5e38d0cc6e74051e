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

static enum err list(const struct cli *c, struct p11_session *s, void *ctx)
{
	struct km_key *keys = NULL;
	size_t n = 0;
	enum err r;

	(void)ctx;
	r = km_inventory_list(s, &keys, &n);
	if (r == ERR_OK && c->json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; arr && i < n; i++)
			cJSON_AddItemToArray(
			        arr, km_inventory_json(&keys[i], false));
		r = cli_print_json(arr);
	} else if (r == ERR_OK) {
		print_text(keys, n);
	}
	km_inventory_free(keys, n);
	return r;
}

int cmd_key_list(struct cli *c, int argc, char **argv)
{
	return cli_token_main(c, argc, argv, NULL, CLI_TOKEN_LOGIN, list, NULL);
}
