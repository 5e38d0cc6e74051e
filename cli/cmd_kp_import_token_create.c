/* SPDX-License-Identifier: MIT */
/* cmd_kp_import_token_create.c - `p11seal kp import-token-create`: a new
 * import token for secure import (replaces the instance's old one). */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "kp_client.h"
#include "kp_import.h"
#include "kp_opts.h"

struct itok_args {
	struct cli *c;
	unsigned long expiration, retrievals;
};

static int on_opt(void *ctx, int ch, const char *arg)
{
	struct itok_args *a = ctx;

	if (ch == 'e' && cli_parse_ulong(arg, "--expiration", 300, 86400,
	                                 &a->expiration) == ERR_OK)
		return 0;
	if (ch == 'm' && cli_parse_ulong(arg, "--max-retrievals", 1, 500,
	                                 &a->retrievals) == ERR_OK)
		return 0;
	return ch == 'e' || ch == 'm' ? cli_fail(a->c, ERR_USAGE)
	                              : cli_usage(a->c, "unknown option");
}

static enum err print(const struct cli *c, const struct kp_import_token *t)
{
	cJSON *o;

	if (!c->json) {
		printf("created:              %s\nexpires:              %s\n"
		       "max retrievals:       %lld\nremaining retrievals: "
		       "%lld\n",
		       t->creation_date, t->expiration_date, t->max_retrievals,
		       t->remaining_retrievals);
		return ERR_OK;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "creationDate", t->creation_date);
	cJSON_AddStringToObject(o, "expirationDate", t->expiration_date);
	cJSON_AddNumberToObject(o, "maxAllowedRetrievals",
	                        (double)t->max_retrievals);
	cJSON_AddNumberToObject(o, "remainingRetrievals",
	                        (double)t->remaining_retrievals);
	return cli_print_json(o);
}

int cmd_kp_import_token_create(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "expiration", required_argument, NULL, 'e' },
		{ "max-retrievals", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct itok_args a = { c, 0, 0 };
	struct kp_import_token t = { 0 };
	struct kp_client *kp = NULL;
	struct kp_opts o;
	enum err r;
	int rc;

	rc = kp_opts_parse(c, argc, argv, opts, "", on_opt, &a, &o);
	if (rc < 0 && optind < argc)
		rc = cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (rc >= 0)
		return rc;
	r = kp_opts_connect(&o, &kp);
	if (r == ERR_OK)
		r = kp_import_token_create(kp, (long long)a.expiration,
		                           (long long)a.retrievals, &t);
	if (r == ERR_OK)
		r = print(c, &t);
	kp_json_import_token_clear(&t);
	kp_client_free(kp);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
