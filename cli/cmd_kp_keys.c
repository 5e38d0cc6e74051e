/* SPDX-License-Identifier: MIT */
/* cmd_kp_keys.c - `p11seal kp keys`: list the instance's keys (all pages),
 * as a table or a --json array. */
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "kp_client.h"
#include "kp_key.h"
#include "kp_opts.h"
#include "kp_print.h"

struct keys_args {
	unsigned long limit, offset;
	const char *states;
	int extractable;
};

static const struct cli_opt opts[] = {
	{ "limit", CLI_ULONG(struct keys_args, limit, 1, 100000), .letter = 'n',
	  .arg = "N", .help = "list at most N keys (1..100000); default all" },
	{ "offset", CLI_ULONG(struct keys_args, offset, 0, 100000), .arg = "N",
	  .help = "skip the first N keys (0..100000); default 0" },
	{ "state", CLI_STR(struct keys_args, states), .arg = "1,2,3,5",
	  .help = "only keys in these states (1 active, 2 suspended, 3 "
	          "deactivated, 5 destroyed); default Key Protect's" },
	{ "root", CLI_SET(struct keys_args, extractable, 0),
	  .help = "only root keys; default root and standard keys" },
	{ "standard", CLI_SET(struct keys_args, extractable, 1),
	  .help = "only standard keys; default root and standard keys" },
	{ NULL },
};

static enum err print(const struct cli *c, const struct kp_key *keys, size_t n)
{
	cJSON *arr;

	if (!c->json) {
		kp_print_key_row(NULL);
		for (size_t i = 0; i < n; i++)
			kp_print_key_row(&keys[i]);
		return ERR_OK;
	}
	arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < n; i++)
		cJSON_AddItemToArray(arr, kp_print_key_json(&keys[i]));
	return cli_print_json(kp_print_nest("keys", arr));
}

static enum err list(struct cli *c, struct kp_client *kp, void *args)
{
	const struct keys_args *a = args;
	struct kp_list_opts o = { (unsigned)a->limit, (unsigned)a->offset,
		                  a->states, a->extractable };
	struct kp_key *keys = NULL;
	size_t n = 0;
	enum err r;

	r = kp_key_list(kp, &o, &keys, &n);
	if (r == ERR_OK)
		r = print(c, keys, n);
	kp_json_keys_free(keys, n);
	return r;
}

int cmd_kp_keys(struct cli *c, int argc, char **argv)
{
	struct keys_args a = { .extractable = -1 };

	return kp_cmd_run(
	        c, argc, argv,
	        &(struct kp_cmd){ .opts = opts, .args = &a, .call = list });
}
