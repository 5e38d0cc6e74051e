/* SPDX-License-Identifier: MIT */
/* cmd_key_list.c - `p11seal key list`: the token's keys, a DEK's two
 * halves shown as one key, and a key pair's two halves as one row. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "km_inventory.h"

/* A public key whose private half (same label and CKA_ID) is listed too:
 * one key pair, one row. */
static bool pair_shown(const struct km_key *k, size_t n, size_t i)
{
	const struct p11_obj_info *f = &k[i].info;

	if (f->cls != CKO_PUBLIC_KEY)
		return false;
	for (size_t j = 0; j < n; j++) {
		const struct p11_obj_info *g = &k[j].info;

		if (g->cls == CKO_PRIVATE_KEY && g->id_len == f->id_len &&
		    memcmp(g->id, f->id, f->id_len) == 0 &&
		    strcmp(g->label, f->label) == 0)
			return true;
	}
	return false;
}

/* Bytes for secret keys; bits, marked, for key pairs (an RSA-4096 key
 * is "4096b", not a 512 that reads like a DEK size). */
static void size_text(const struct km_key *k, char *out, size_t cap)
{
	if (!k->size)
		snprintf(out, cap, "-"); /* the token did not say */
	else if (k->info.cls == CKO_SECRET_KEY)
		snprintf(out, cap, "%zu", k->size);
	else
		snprintf(out, cap, "%zub", k->size * 8);
}

static void print_text(const struct km_key *k, size_t n)
{
	printf("%-24s %-9s %5s  %-9s %-11s %s\n", "LABEL", "KIND", "SIZE",
	       "SENSITIVE", "EXTRACTABLE", "KEYHASH / ID");
	for (size_t i = 0; i < n; i++) {
		char hex[2 * P11_ID_MAX + 1], size[24];
		const struct p11_obj_info *f = &k[i].info;
		bool ext = f->flag[P11F_EXTRACTABLE] ||
		           (k[i].is_dek && k[i].tweak.flag[P11F_EXTRACTABLE]);

		if (pair_shown(k, n, i))
			continue;
		if (k[i].has_keyhash)
			encode_hex(hex, k[i].keyhash, sizeof(k[i].keyhash));
		else
			encode_hex(hex, f->id, f->id_len);
		size_text(&k[i], size, sizeof(size));
		printf("%-24s %-9s %5s  %-9s %-11s %s\n", f->label, k[i].kind,
		       size, f->flag[P11F_SENSITIVE] ? "yes" : "no",
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
