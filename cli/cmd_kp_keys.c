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
	struct cli *c;
	struct kp_list_opts list;
};

static int on_opt(void *ctx, int ch, const char *arg)
{
	struct keys_args *a = ctx;
	unsigned long v = 0;

	switch (ch) {
	case 'n':
	case 'o':
		if (cli_parse_ulong(arg, ch == 'n' ? "--limit" : "--offset",
		                    ch == 'n', 100000, &v) != ERR_OK)
			return cli_fail(a->c, ERR_USAGE);
		*(ch == 'n' ? &a->list.max : &a->list.offset) = (unsigned)v;
		return 0;
	case 's': a->list.states = arg; return 0;
	case 'r': a->list.extractable = 0; return 0;
	case 't': a->list.extractable = 1; return 0;
	default: return cli_usage(a->c, "unknown option");
	}
}

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
	return cli_print_json(arr);
}

int cmd_kp_keys(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "limit", required_argument, NULL, 'n' },
		{ "offset", required_argument, NULL, 'o' },
		{ "state", required_argument, NULL, 's' },
		{ "root", no_argument, NULL, 'r' },
		{ "standard", no_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	struct keys_args a = { c, { 0, 0, NULL, -1 } };
	struct kp_client *kp = NULL;
	struct kp_key *keys = NULL;
	struct kp_opts o;
	size_t n = 0;
	enum err r;
	int rc;

	rc = kp_opts_parse(c, argc, argv, opts, "n:", on_opt, &a, &o);
	if (rc < 0 && optind < argc)
		rc = cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (rc >= 0)
		return rc;
	r = kp_opts_connect(&o, &kp);
	if (r == ERR_OK)
		r = kp_key_list(kp, &a.list, &keys, &n);
	if (r == ERR_OK)
		r = print(c, keys, n);
	kp_json_keys_free(keys, n);
	kp_client_free(kp);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
