/* SPDX-License-Identifier: MIT */
/* cmd_key_create_transport.c - `p11seal key create transport --label T
 * [--bits N]`: an air-gapped station's RSA transport key pair, generated
 * in the token; the private half can only unwrap, and only into keys
 * that stay sensitive and inside the token. */
#include <stdio.h>

#include "cli.h"
#include "cli_key.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "km_key_create.h"

struct transport {
	const char *label;
	unsigned long bits;
	struct km_transport made;
};

static void report(const struct cli *c, const struct transport *t)
{
	cJSON *j;

	if (c->json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "label", t->label);
		cJSON_AddStringToObject(j, "kind", "transport");
		cJSON_AddNumberToObject(j, "bits", (double)t->bits);
		cJSON_AddStringToObject(j, "fingerprint", t->made.fingerprint);
		cJSON_AddNumberToObject(j, "keygen_seconds", t->made.seconds);
		cli_print_json(j);
		return;
	}
	cli_info(c,
	         "created transport key '%s' (RSA-%lu, unwrap only) in "
	         "%.2f s",
	         t->label, t->bits, t->made.seconds);
	printf("%s\n", t->made.fingerprint);
}

/* The table below names these numbers. */
_Static_assert(P11_RSA_MIN_BITS == 3072 && P11_RSA_MAX_BITS == 16384 &&
                       P11_RSA_DEFAULT_BITS == 4096,
               "transport key sizes in the help");

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct transport, label), .arg = "T",
	  .help = "the key pair's label (required)" },
	{ "bits",
	  CLI_ULONG(struct transport, bits, P11_RSA_MIN_BITS, P11_RSA_MAX_BITS),
	  .step = 8, .arg = "N",
	  .help = "RSA modulus bits, a multiple of 8 in 3072..16384; default "
	          "4096",
	  .bad = "--bits must be a multiple of 8 in 3072..16384" },
	{ NULL },
};

static enum err create(const struct cli *c, struct p11_session *s, void *ctx)
{
	struct transport *t = ctx;
	enum err r;

	r = km_key_create_transport(s, t->label, t->bits, &t->made);
	if (r == ERR_OK)
		cli_token_meta_note(c, s, t->label, t->made.meta_stored);
	return r;
}

int cmd_key_create_transport(struct cli *c, int argc, char **argv)
{
	struct transport t = { .bits = P11_RSA_DEFAULT_BITS };
	struct cli_opts o = { .sets = { { opts, &t } } };
	enum err r;
	int rc;

	rc = cli_opts_parse(c, &o, argc, argv);
	if (rc < 0 && (!t.label || !t.label[0]))
		rc = cli_usage(c, "--label LABEL is required");
	if (rc >= 0)
		return rc;
	r = cli_key_run(c, "key.create", "transport", t.label, create, &t);
	if (r != ERR_OK)
		return cli_fail(c, r);
	/* Printed once the audit record is in: the report is the result. */
	report(c, &t);
	return 0;
}
