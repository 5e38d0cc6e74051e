/* SPDX-License-Identifier: MIT */
/* cmd_manifest.c - `p11seal manifest --key L IMAGE [--out FILE] ...`: the
 * import manifest of an encrypted image, with everything createFromIcos
 * needs but the API key, checked against the DEK in the token. `manifest
 * verify ...` is passed on to cmd_manifest_verify, whatever order the
 * command table lists the two in. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_key.h"
#include "cli_manifest.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "p11_dek.h"

struct manifest_args {
	const char *key, *id, *image;
	struct cli_manifest_opts m;
};

static const struct cli_opt opts[] = {
	{ "key", CLI_STR(struct manifest_args, key), .arg = "LABEL",
	  .help = "the DEK that encrypted IMAGE (required)" },
	{ "id", CLI_STR(struct manifest_args, id), .arg = "HEX",
	  .help = "which DEK labelled LABEL, by its CKA_ID as key list "
	          "shows it (for labels that repeat); default the only one" },
	{ "out", CLI_STR(struct manifest_args, m.out), .arg = "FILE",
	  .help = "write the manifest to FILE; default stdout" },
	{ "force", CLI_FLAG(struct manifest_args, m.force),
	  .help = "--out may replace an existing FILE; default refused" },
	{ NULL },
};

static int parse(struct cli *c, int argc, char **argv, struct manifest_args *a)
{
	struct cli_opts o = {
		.sets = { { opts, a }, { cli_manifest_options, &a->m } },
		.args = { &a->image },
		.min_args = 1,
		.args_usage = "expected one encrypted IMAGE",
	};
	int rc = cli_opts_parse(c, &o, argc, argv);

	if (rc >= 0)
		return rc;
	if (!a->key)
		return cli_usage(c, "--key LABEL is required");
	if (a->m.force && !a->m.out)
		return cli_usage(c, "--force goes with --out FILE");
	if (cli_manifest_check_opts(&a->m) != ERR_OK)
		return cli_usage(c, "%s", err_detail());
	return -1;
}

static void print_json(const struct cli_manifest_opts *o,
                       const struct km_manifest *m)
{
	cJSON *j = cJSON_CreateObject();
	char hex[65];

	encode_hex(hex, m->sha256, 32);
	cJSON_AddStringToObject(j, "manifest", o->out);
	cJSON_AddStringToObject(j, "image", m->file);
	cJSON_AddStringToObject(j, "object", m->object);
	cJSON_AddNumberToObject(j, "size", (double)m->size);
	cJSON_AddStringToObject(j, "sha256", hex);
	cJSON_AddBoolToObject(j, "importable", m->importable);
	cli_print_json(j);
}

static enum err write_manifest(const struct cli *c, struct p11_session *s,
                               void *ctx)
{
	const struct manifest_args *a = ctx;
	struct cli_manifest *job = NULL;
	struct p11_dek dek;
	enum err r;

	r = cli_key_dek(s, a->key, a->id, &dek);
	if (r != ERR_OK)
		return r;
	r = cli_manifest_begin(&a->m, a->image, s, &dek, &job);
	if (r != ERR_OK)
		return r;
	r = cli_manifest_finish(c, job, a->image, s, &dek);
	if (r == ERR_OK && c->json && a->m.out)
		print_json(&a->m, cli_manifest_result(job));
	cli_manifest_free(job);
	return r;
}

int cmd_manifest(struct cli *c, int argc, char **argv)
{
	struct manifest_args a = { 0 };
	int rc;

	if (argc > 1 && strcmp(argv[1], "verify") == 0) {
		c->cmd = "manifest verify";
		return cmd_manifest_verify(c, argc - 1, argv + 1);
	}
	rc = parse(c, argc, argv, &a);
	if (rc >= 0)
		return rc;
	return cli_token_run(c, CLI_TOKEN_LOGIN, write_manifest, &a);
}
