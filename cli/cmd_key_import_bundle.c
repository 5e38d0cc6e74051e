/* SPDX-License-Identifier: MIT */
/* cmd_key_import_bundle.c - `p11seal key import dek --bundle F
 * --unwrap-with T [--label NEW]` (the command table's row for `key import
 * dek` with --bundle or --unwrap-with): on an air-gapped station, take a DEK
 * bundle from the bridge into the token as a sensitive, never extractable DEK,
 * refusing one made for another station, one changed on the way, or a DEK the
 * token already holds. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_file.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "km_airgap.h"
#include "km_bundle.h"
#include "km_inventory.h"
#include "p11_dek.h"
#include "p11_session.h"

static enum err read_bundle(const char *path, struct km_bundle *b)
{
	char *text = NULL;
	size_t len = 0;
	enum err r = cli_file_read(path, KM_BUNDLE_FILE_MAX, &text, &len);

	if (r == ERR_OK)
		r = km_bundle_parse(text, len, b);
	free(text);
	return r == ERR_OK ? r : err_wrap(r, "%s", path);
}

static enum err import(const struct cli *c, struct p11_session *s,
                       const struct km_bundle *b, const char *unwrap_with,
                       const char *label, struct p11_dek *dek)
{
	bool kept = false;
	enum err r = km_airgap_import(s, b, unwrap_with, label, dek, &kept);

	if (r == ERR_OK && !kept)
		cli_info(c,
		         "note: token '%s' keeps no data objects, so the Key "
		         "Protect fields of the bundle are not stored beside "
		         "'%s'",
		         p11_session_token(s)->label, dek->label);
	return r;
}

static enum err report(const struct cli *c, struct p11_session *s,
                       const struct p11_dek *dek)
{
	struct km_key k;
	char hex[65];
	enum err r = km_inventory_find(s, dek->label, &k);

	if (r != ERR_OK)
		return r;
	if (c->json) {
		r = cli_print_json(km_inventory_json(&k, false));
	} else {
		encode_hex(hex, k.keyhash, sizeof(k.keyhash));
		cli_info(c,
		         "imported DEK '%s' (%zu bytes) as sensitive and "
		         "never extractable, keyhash %s",
		         dek->label, dek->size, hex);
	}
	km_inventory_free_one(&k);
	return r;
}

struct bundle_opts {
	const char *bundle;
	const char *unwrap_with;
	const char *label; /* NULL: the bundle's */
};

/* -1 to go on, else the exit code. */
/* The options the getopt loop below takes, for help, man page and
 * completion. */
static const struct cli_opt described[] = {
	{ "bundle", .kind = CLI_OPT_STR, .arg = "FILE",
	  .help = "the DEK bundle from the bridge (required)" },
	{ "unwrap-with", .kind = CLI_OPT_STR, .arg = "T",
	  .help = "the station's transport key (required)" },
	{ "label", .kind = CLI_OPT_STR, .arg = "L",
	  .help = "the DEK's label; default the bundle's" },
	{ NULL },
};

static int parse(struct cli *c, int argc, char **argv, struct bundle_opts *o)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "unwrap-with", required_argument, NULL, 'u' },
		{ "raw-file", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' }, /* the global, after */
		{ NULL, 0, NULL, 0 },
	};
	bool raw = false;
	int ch;

	if (cli_wants_help(c, argc, argv, described))
		return 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': o->label = optarg; break;
		case 'b': o->bundle = optarg; break;
		case 'u': o->unwrap_with = optarg; break;
		case 'r': raw = true; break;
		case 'j': c->json = true; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (!o->bundle || !o->unwrap_with || raw || optind < argc)
		return cli_usage(c,
		                 "--bundle FILE needs --unwrap-with KEY (and "
		                 "no --raw-file)");
	return -1;
}

int cmd_key_import_bundle(struct cli *c, int argc, char **argv)
{
	struct bundle_opts o = { 0 };
	struct km_bundle *b = NULL;
	struct cli_audit_rec rec = { .op = "key.import", .kind = "dek" };
	struct cli_audit_intent in = { 0 };
	struct cli_token t = { 0 };
	struct p11_dek dek;
	enum err r;
	int rc;

	rc = parse(c, argc, argv, &o);
	if (rc >= 0)
		return rc;
	b = calloc(1, sizeof(*b));
	if (!b)
		return cli_fail(c, err_set(ERR_NOMEM, "bundle"));
	r = read_bundle(o.bundle, b);
	rec.label = o.label ? o.label : b->label;
	if (r == ERR_OK)
		r = cli_token_open(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, &t);
	if (r == ERR_OK)
		r = cli_audit_begin(c, t.session, &rec, &in);
	if (r == ERR_OK)
		r = import(c, t.session, b, o.unwrap_with, o.label, &dek);
	if (r == ERR_OK)
		r = report(c, t.session, &dek);
	rec.result = r;
	rec.intent = &in;
	r = cli_audit(c, t.session, &rec);
	cli_token_close(&t);
	free(b);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
