/* SPDX-License-Identifier: MIT */
/* cmd_key_create_dek.c - `p11seal key create dek --label L [--size 32|64]
 * [--exportable]`: a DEK generated in the token; prints its keyhash. */
#include <getopt.h>

#include "cli.h"
#include "cli_key.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "km_key_create.h"

struct dek_opts {
	const char *label;
	unsigned long size;
	bool exportable;
};

/* -1 to go on, else the exit code. */
static int parse(struct cli *c, int argc, char **argv, struct dek_opts *o)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "size", required_argument, NULL, 's' },
		{ "exportable", no_argument, NULL, 'e' },
		{ NULL, 0, NULL, 0 },
	};
	enum err r;
	int ch;

	if (cli_wants_help(c, argc, argv))
		return 0;
	o->size = 64;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': o->label = optarg; break;
		case 's':
			r = cli_parse_ulong(optarg, "--size", 32, 64, &o->size);
			if (r != ERR_OK || (o->size != 32 && o->size != 64))
				return cli_usage(c, "--size must be 32 or 64");
			break;
		case 'e': o->exportable = true; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (!o->label || !o->label[0])
		return cli_usage(c, "--label LABEL is required");
	return -1;
}

static enum err create(const struct cli *c, struct p11_session *s, void *ctx)
{
	const struct dek_opts *o = ctx;
	struct km_dek_stored d;
	char hex[65];
	enum err r;

	r = km_key_create_dek(s, o->label, o->size, o->exportable, &d);
	if (r != ERR_OK)
		return r;
	cli_token_meta_note(c, s, o->label, d.meta_stored);
	encode_hex(hex, d.keyhash, sizeof(d.keyhash));
	cli_info(c, "created DEK '%s' (%lu bytes, XTS-AES-%d), keyhash %s",
	         o->label, o->size, o->size == 32 ? 128 : 256, hex);
	return ERR_OK;
}

int cmd_key_create_dek(struct cli *c, int argc, char **argv)
{
	struct dek_opts o = { 0 };
	enum err r;
	int rc;

	rc = parse(c, argc, argv, &o);
	if (rc >= 0)
		return rc;
	r = cli_key_run(c, "key.create", "dek", o.label, create, &o);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
