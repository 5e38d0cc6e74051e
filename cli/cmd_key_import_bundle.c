/* SPDX-License-Identifier: MIT */
/* cmd_key_import_bundle.c - `p11seal key import dek --bundle F
 * --unwrap-with T [--label NEW]` (the command table's row for `key import
 * dek` with --bundle or --unwrap-with): on an air-gapped station, take a DEK
 * bundle from the bridge into the token as a sensitive, never extractable DEK,
 * refusing one made for another station, one changed on the way, or a DEK the
 * token already holds. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_file.h"
#include "cli_key.h"
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
	const char *label;    /* NULL: the bundle's */
	const char *raw_file; /* refused here: key import dek's other form */
	struct km_bundle *b;
};

static const struct cli_opt opts[] = {
	{ "bundle", CLI_STR(struct bundle_opts, bundle), .arg = "FILE",
	  .help = "the DEK bundle from the bridge (required)" },
	{ "unwrap-with", CLI_STR(struct bundle_opts, unwrap_with), .arg = "KEY",
	  .help = "the station's transport key it was made for (required)" },
	{ "label", CLI_STR(struct bundle_opts, label), .arg = "NEW",
	  .help = "the DEK's label here; default the bundle's" },
	{ "raw-file", CLI_STR(struct bundle_opts, raw_file), .arg = "FILE",
	  .help = "not with --bundle (key import dek's raw form)" },
	{ NULL },
};

static enum err import(const struct cli *c, struct p11_session *s, void *ctx)
{
	const struct bundle_opts *o = ctx;
	struct p11_dek dek;
	bool kept = false;
	enum err r;

	r = km_airgap_import(s, o->b, o->unwrap_with, o->label, &dek, &kept);
	if (r != ERR_OK)
		return r;
	if (!kept)
		cli_info(c,
		         "note: token '%s' keeps no data objects, so the Key "
		         "Protect fields of the bundle are not stored beside "
		         "'%s'",
		         p11_session_token(s)->label, dek.label);
	return report(c, s, &dek);
}

int cmd_key_import_bundle(struct cli *c, int argc, char **argv)
{
	struct bundle_opts o = { 0 };
	enum err r;
	int rc;

	rc = cli_opts_parse(c, &(struct cli_opts){ .sets = { { opts, &o } } },
	                    argc, argv);
	if (rc < 0 && (!o.bundle || !o.unwrap_with || o.raw_file))
		rc = cli_usage(c, "--bundle FILE needs --unwrap-with KEY (and "
		                  "no --raw-file)");
	if (rc >= 0)
		return rc;
	o.b = calloc(1, sizeof(*o.b));
	r = o.b ? read_bundle(o.bundle, o.b) : err_set(ERR_NOMEM, "bundle");
	if (r == ERR_OK)
		r = cli_key_run(c, "key.import", "dek",
		                o.label ? o.label : o.b->label, import, &o);
	free(o.b);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
