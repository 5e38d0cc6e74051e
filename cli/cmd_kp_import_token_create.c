/* SPDX-License-Identifier: MIT */
/* cmd_kp_import_token_create.c - `p11seal kp import-token-create`: a new
 * import token for secure import (replaces the instance's old one). */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "kp_client.h"
#include "kp_import.h"
#include "kp_opts.h"

#include "kp_print.h"

struct itok_args {
	unsigned long expiration, retrievals;
};

static const struct cli_opt opts[] = {
	{ "expiration", CLI_ULONG(struct itok_args, expiration, 300, 86400),
	  .arg = "SECONDS",
	  .help = "the token's lifetime (300..86400 s); default Key "
	          "Protect's" },
	{ "max-retrievals", CLI_ULONG(struct itok_args, retrievals, 1, 500),
	  .arg = "N",
	  .help = "how often the token can be fetched (1..500); default Key "
	          "Protect's" },
	{ NULL },
};

static enum err print(const struct cli *c, const struct kp_import_token *t)
{
	if (!c->json) {
		printf("created:              %s\nexpires:              %s\n"
		       "max retrievals:       %lld\nremaining retrievals: "
		       "%lld\n",
		       t->creation_date, t->expiration_date, t->max_retrievals,
		       t->remaining_retrievals);
		return ERR_OK;
	}
	return cli_print_json(
	        kp_print_nest("import_token", kp_print_import_token_json(t)));
}

static enum err create(struct cli *c, struct kp_client *kp, void *args)
{
	const struct itok_args *a = args;
	struct kp_import_token t = { 0 };
	enum err r;

	r = kp_import_token_create(kp, (long long)a->expiration,
	                           (long long)a->retrievals, &t);
	if (r == ERR_OK)
		r = print(c, &t);
	kp_json_import_token_clear(&t);
	return r;
}

int cmd_kp_import_token_create(struct cli *c, int argc, char **argv)
{
	struct itok_args a = { 0, 0 };

	return kp_cmd_run(
	        c, argc, argv,
	        &(struct kp_cmd){ .opts = opts, .args = &a, .call = create });
}
