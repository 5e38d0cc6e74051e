/* SPDX-License-Identifier: MIT */
/* cmd_key_create_root.c - `p11seal key create root --label L
 * [--import-ceremony]`: an AES-256 root key generated in the token, never
 * extractable unless it is made for an import ceremony run by hand (then
 * it can leave only under a trusted key, and `token audit` flags it for
 * as long as it exists). `--never-extractable`, once the way to ask for
 * the default, is still accepted. */
#include <getopt.h>

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

/* -1 to go on, else the exit code. */
/* The options the getopt loop below takes, for help, man page and
 * completion. */
static const struct cli_opt described[] = {
	{ "label", .kind = CLI_OPT_STR, .arg = "L",
	  .help = "the root key's label (required)" },
	{ "import-ceremony", .kind = CLI_OPT_FLAG,
	  .help = "extractable once, for the Key Protect import ceremony; "
	          "default never extractable" },
	{ "never-extractable", .kind = CLI_OPT_FLAG,
	  .help = "the default, accepted for old scripts" },
	{ NULL },
};

static int parse(struct cli *c, int argc, char **argv, struct root_opts *o)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "never-extractable", no_argument, NULL, 'n' },
		{ "import-ceremony", no_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' }, /* the global, after */
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	if (cli_wants_help(c, argc, argv, described))
		return 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': o->label = optarg; break;
		case 'n': o->never_extractable = true; break;
		case 'i': o->import_ceremony = true; break;
		case 'j': c->json = true; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (!o->label || !o->label[0])
		return cli_usage(c, "--label LABEL is required");
	if (o->never_extractable && o->import_ceremony)
		return cli_usage(c, "--never-extractable and --import-ceremony "
		                    "contradict each other");
	return -1;
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
