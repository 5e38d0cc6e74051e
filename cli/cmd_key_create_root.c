/* SPDX-License-Identifier: MIT */
/* cmd_key_create_root.c - `p11seal key create root --label L
 * [--import-ceremony]`: an AES-256 root key generated in the token, never
 * extractable unless it is made for an import ceremony run by hand (then
 * it can leave only under a trusted key, and `token audit` flags it for
 * as long as it exists). `--never-extractable`, once the way to ask for
 * the default, is still accepted. */
#include "cli.h"
#include "cli_key.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "km_key_create.h"

struct root_opts {
	const char *label;
	bool never_extractable; /* the default; kept for old scripts */
	bool import_ceremony;
};

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct root_opts, label), .arg = "L",
	  .required = true, .help = "the root key's label (required)" },
	{ "import-ceremony", CLI_FLAG(struct root_opts, import_ceremony),
	  .help = "exportable under a trusted key, for an import ceremony run "
	          "by hand; default never extractable" },
	{ "never-extractable", CLI_FLAG(struct root_opts, never_extractable),
	  .help = "the default, accepted for old scripts" },
	{ NULL },
};

/* -1 to go on, else the exit code. */
static int parse(struct cli *c, int argc, char **argv, struct root_opts *o)
{
	int rc = cli_opts_parse(
	        c,
	        &(struct cli_opts){ .sets = { { opts, o } },
	                            .required_usage =
	                                    "--label LABEL is required" },
	        argc, argv);

	if (rc < 0 && o->never_extractable && o->import_ceremony)
		rc = cli_usage(c, "--never-extractable and --import-ceremony "
		                  "contradict each other");
	return rc;
}

static enum err create(const struct cli *c, struct p11_session *s, void *ctx)
{
	const struct root_opts *o = ctx;
	bool stored = false;
	enum err r;

	r = km_key_create_root(s, o->label, !o->import_ceremony, &stored);
	if (r != ERR_OK)
		return r;
	cli_token_meta_note(c, s, o->label, stored);
	if (c->json)
		return ERR_OK; /* the document, after the audit record */
	cli_info(c, "created root key '%s' (AES-256, %s)", o->label,
	         o->import_ceremony
	                 ? "exportable only by trusted wrap, for an import "
	                   "ceremony: `token audit` flags it until it is "
	                   "deleted"
	                 : "never extractable");
	return ERR_OK;
}

int cmd_key_create_root(struct cli *c, int argc, char **argv)
{
	struct root_opts o = { 0 };
	enum err r;
	int rc;

	rc = parse(c, argc, argv, &o);
	if (rc >= 0)
		return rc;
	r = cli_key_run(c, "key.create", "root", o.label, create, &o);
	if (r == ERR_OK && c->json)
		r = cli_print_json(cli_key_json(o.label, "root", 32, NULL,
		                                o.import_ceremony));
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
