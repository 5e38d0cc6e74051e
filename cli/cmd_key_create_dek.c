/* SPDX-License-Identifier: MIT */
/* cmd_key_create_dek.c - `p11seal key create dek --label L [--size 32|64]
 * [--exportable]`: a DEK generated in the token; prints its keyhash. */
#include "cli.h"
#include "cli_key.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "km_key_create.h"

struct dek_opts {
	const char *label;
	unsigned long size;
	bool exportable;
	char keyhash[65]; /* hex, once made */
};

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct dek_opts, label), .arg = "L",
	  .help = "the new DEK's label (required)" },
	{ "size", CLI_ULONG(struct dek_opts, size, 32, 64), .step = 32,
	  .arg = "32|64",
	  .help = "DEK bytes: 32 (XTS-AES-128) or 64 (XTS-AES-256); default "
	          "64",
	  .bad = "--size must be 32 or 64" },
	{ "exportable", CLI_FLAG(struct dek_opts, exportable),
	  .help = "the DEK can be wrapped for a trusted station; default "
	          "never extractable" },
	{ NULL },
};

static enum err create(const struct cli *c, struct p11_session *s, void *ctx)
{
	struct dek_opts *o = ctx;
	struct km_dek_stored d;
	char *hex = o->keyhash;
	enum err r;

	r = km_key_create_dek(s, o->label, o->size, o->exportable, &d);
	if (r != ERR_OK)
		return r;
	cli_token_meta_note(c, s, o->label, d.meta_stored);
	encode_hex(hex, d.keyhash, sizeof(d.keyhash));
	if (c->json)
		return ERR_OK; /* the document, after the audit record */
	cli_info(c, "created DEK '%s' (%lu bytes, XTS-AES-%d), keyhash %s",
	         o->label, o->size, o->size == 32 ? 128 : 256, hex);
	return ERR_OK;
}

int cmd_key_create_dek(struct cli *c, int argc, char **argv)
{
	struct dek_opts o = { .size = 64 };
	enum err r;
	int rc;

	rc = cli_opts_parse(c, &(struct cli_opts){ .sets = { { opts, &o } } },
	                    argc, argv);
	if (rc < 0 && (!o.label || !o.label[0]))
		rc = cli_usage(c, "--label LABEL is required");
	if (rc >= 0)
		return rc;
	r = cli_key_run(c, "key.create", "dek", o.label, create, &o);
	if (r == ERR_OK && c->json)
		r = cli_print_json(cli_key_json(o.label, "dek", o.size,
		                                o.keyhash, o.exportable));
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
