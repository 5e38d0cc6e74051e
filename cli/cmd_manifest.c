/* SPDX-License-Identifier: MIT */
/* cmd_manifest.c - `p11seal manifest --key L IMAGE [--out FILE] ...`: the
 * import manifest of an encrypted image, with everything createFromIcos
 * needs but the API key, checked against the DEK in the token. `manifest
 * verify ...` is passed on to cmd_manifest_verify, whatever order the
 * command table lists the two in. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_manifest.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "p11_dek.h"

static int parse_one(struct cli *c, int o, struct cli_manifest_opts *m,
                     const char **key)
{
	switch (o) {
	case 'k': *key = optarg; break;
	case 'o': m->out = optarg; break;
	case 'f': m->force = true; break;
	default:
		if (!cli_manifest_opt(m, o, optarg))
			return cli_usage(c, "unknown option");
	}
	return -1;
}

static int parse(struct cli *c, int argc, char **argv,
                 struct cli_manifest_opts *m, const char **key,
                 const char **image)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "cos-uri", required_argument, NULL, CLI_MANIFEST_COS_URI },
		{ "name", required_argument, NULL, CLI_MANIFEST_NAME },
		{ "os", required_argument, NULL, CLI_MANIFEST_OS },
		{ "note", required_argument, NULL, CLI_MANIFEST_NOTE },
		{ "wdek", required_argument, NULL, CLI_MANIFEST_WDEK },
		{ "allow-unwrapped", no_argument, NULL,
		  CLI_MANIFEST_ALLOW_UNWRAPPED },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int o, rc;

	memset(m, 0, sizeof(*m));
	*key = NULL;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		rc = parse_one(c, o, m, key);
		if (rc >= 0)
			return rc;
	}
	if (!*key)
		return cli_usage(c, "--key LABEL is required");
	if (argc - optind != 1)
		return cli_usage(c, "expected one encrypted IMAGE");
	if (m->force && !m->out)
		return cli_usage(c, "--force goes with --out FILE");
	if (cli_manifest_check_opts(m) != ERR_OK)
		return cli_usage(c, "%s", err_detail());
	*image = argv[optind];
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

int cmd_manifest(struct cli *c, int argc, char **argv)
{
	struct cli_manifest *job = NULL;
	struct cli_manifest_opts o;
	const char *key = NULL, *image = NULL;
	struct cli_token t = { 0 };
	struct p11_dek dek;
	enum err r;
	int rc;

	if (argc > 1 && strcmp(argv[1], "verify") == 0) {
		c->cmd = "manifest verify";
		return cmd_manifest_verify(c, argc - 1, argv + 1);
	}
	if (cli_wants_help(c, argc, argv))
		return 0;
	rc = parse(c, argc, argv, &o, &key, &image);
	if (rc >= 0)
		return rc;
	r = cli_token_open(c, CLI_TOKEN_LOGIN, &t);
	if (r == ERR_OK)
		r = p11_dek_find(t.session, key, &dek);
	if (r == ERR_OK)
		r = cli_manifest_begin(&o, image, t.session, &dek, &job);
	if (r == ERR_OK)
		r = cli_manifest_finish(c, job, image, t.session, &dek);
	if (r == ERR_OK && c->json && o.out)
		print_json(&o, cli_manifest_result(job));
	cli_manifest_free(job);
	cli_token_close(&t);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
