/* SPDX-License-Identifier: MIT */
/* cmd_key_import_dek.c - `p11seal key import dek --label L --raw-file F`:
 * migrate an IBM vhd-util key file (exactly 32 or 64 raw bytes) into the
 * token as a sensitive, non-extractable DEK. (`key import dek --bundle`:
 * cmd_key_import_bundle.c.) */
#include <stdio.h>

#include "cli.h"
#include "cli_key.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "km_key_import.h"

struct import_opts {
	const char *label;
	const char *raw_file;
	size_t size;      /* once imported */
	char keyhash[65]; /* hex, once imported */
};

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct import_opts, label), .arg = "L",
	  .help = "the DEK's label in the token (required)" },
	{ "raw-file", CLI_STR(struct import_opts, raw_file), .arg = "FILE",
	  .help = "the vhd-util key file: 32 or 64 raw bytes (required)" },
	{ NULL },
};

static enum err import(const struct cli *c, struct p11_session *s, void *ctx)
{
	struct import_opts *o = ctx;
	struct km_dek_stored d;
	char *hex = o->keyhash;
	enum err r;

	r = km_key_import_raw(s, o->label, o->raw_file, &d);
	if (r != ERR_OK)
		return r;
	cli_token_meta_note(c, s, o->label, d.meta_stored);
	encode_hex(hex, d.keyhash, sizeof(d.keyhash));
	o->size = d.dek.size;
	if (!c->json)
		cli_info(c,
		         "imported DEK '%s' (%zu bytes) as sensitive and "
		         "non-extractable, keyhash %s",
		         o->label, d.dek.size, hex);
	/* Not cli_info: -q must not hide that a plaintext key is left. */
	fprintf(stderr,
	        "%s: %s: warning: %s is still a plaintext copy of the DEK; "
	        "destroy it (shred -u %s) once the import is checked\n",
	        c->prog, c->cmd, o->raw_file, o->raw_file);
	return ERR_OK;
}

int cmd_key_import_dek(struct cli *c, int argc, char **argv)
{
	struct import_opts o = { 0 };
	enum err r;
	int rc;

	rc = cli_opts_parse(c, &(struct cli_opts){ .sets = { { opts, &o } } },
	                    argc, argv);
	if (rc < 0 && (!o.label || !o.raw_file))
		rc = cli_usage(c, "--label LABEL and --raw-file FILE are "
		                  "required");
	if (rc >= 0)
		return rc;
	r = cli_key_run(c, "key.import", "dek", o.label, import, &o);
	if (r == ERR_OK && c->json)
		r = cli_print_json(
		        cli_key_json(o.label, "dek", o.size, o.keyhash, false));
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
