/* SPDX-License-Identifier: MIT */
/* cmd_key_create_signer.c - `p11seal key create signer --label S`: an
 * online bridge's bundle signer, an ECDSA P-256 key pair generated in the
 * token; the private half only signs, is sensitive and never leaves the
 * token. Every DEK bundle the bridge exports carries its signature. */
#include <stdio.h>

#include "cli.h"
#include "cli_key.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "km_key_create.h"

struct signer {
	const char *label;
	struct km_signer made;
};

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct signer, label), .arg = "S", .required = true,
	  .help = "the signer key's label (required)" },
	{ NULL },
};

static void report(const struct cli *c, const struct signer *sg)
{
	cJSON *j;

	if (c->json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "label", sg->label);
		cJSON_AddStringToObject(j, "kind", "signer");
		cJSON_AddStringToObject(j, "curve", "P-256");
		cJSON_AddStringToObject(j, "fingerprint", sg->made.fingerprint);
		cli_print_json(j);
		return;
	}
	cli_info(c, "created bundle signer key '%s' (ECDSA P-256, sign only)",
	         sg->label);
	printf("%s\n", sg->made.fingerprint);
}

static enum err create(const struct cli *c, struct p11_session *s, void *ctx)
{
	struct signer *sg = ctx;
	enum err r = km_key_create_signer(s, sg->label, &sg->made);

	if (r == ERR_OK)
		cli_token_meta_note(c, s, sg->label, sg->made.meta_stored);
	return r;
}

int cmd_key_create_signer(struct cli *c, int argc, char **argv)
{
	struct signer sg = { 0 };
	enum err r;
	int rc;

	rc = cli_opts_parse(c,
	                    &(struct cli_opts){ .sets = { { opts, &sg } },
	                                        .required_usage = "--label "
	                                                          "LABEL is "
	                                                          "required" },
	                    argc, argv);
	if (rc >= 0)
		return rc;
	r = cli_key_run(c, "key.create", "signer", sg.label, create, &sg);
	if (r != ERR_OK)
		return cli_fail(c, r);
	/* Printed once the audit record is in: the report is the result. */
	report(c, &sg);
	return 0;
}
