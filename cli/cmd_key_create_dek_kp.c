/* SPDX-License-Identifier: MIT */
/* cmd_key_create_dek_kp.c - `p11seal key create dek --label L --kp-root
 * ID`: a DEK whose material comes from the token's RNG (or, --kp-generate,
 * from Key Protect), wrapped by Key Protect root key ID and stored in the
 * token with its WDEK and the root key's CRN; the command table's row for
 * `key create dek` with --kp-root. */

#include "cli.h"
#include "cli_kp.h"
#include "commands.h"
#include "km_kpdek.h"
#include "kp_client.h"
#include "kp_opts.h"

struct dek_args {
	struct cli_kp_dek_dest to;
	const char *root;
	unsigned long size;
	bool kp_generate;
};

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct dek_args, to.label), .arg = "L",
	  .help = "the new DEK's label (required)" },
	{ "size", CLI_ULONG(struct dek_args, size, 32, 64), .step = 32,
	  .arg = "32|64",
	  .help = "DEK bytes: 32 (XTS-AES-128) or 64 (XTS-AES-256); default "
	          "64, with --kp-generate 32",
	  .bad = "--size must be 32 or 64" },
	{ "kp-root", CLI_STR(struct dek_args, root), .arg = "ID",
	  .help = "the Key Protect root key (id or alias, or the token label "
	          "kp import-root gave it) that wraps the DEK (required)" },
	{ "kp-generate", CLI_FLAG(struct dek_args, kp_generate),
	  .help = "Key Protect makes the material (32 bytes only); default "
	          "the token's RNG" },
	{ "exportable", CLI_FLAG(struct dek_args, to.exportable),
	  .help = "the DEK can be wrapped for a trusted station; default "
	          "never extractable" },
	{ "wdek-out", CLI_STR(struct dek_args, to.wdek_out), .arg = "FILE",
	  .help = "also write the WDEK record to FILE (needed where the "
	          "token keeps no metadata); default none" },
	{ "force", CLI_FLAG(struct dek_args, to.force),
	  .help = "--wdek-out may replace an existing FILE; default refused" },
	{ NULL },
};

static int check(struct cli *c, void *args)
{
	const struct dek_args *a = args;

	if (!a->to.label || !a->to.label[0])
		return cli_usage(c, "--label LABEL is required");
	if (a->kp_generate && a->size == 64)
		return cli_usage(c, "Key Protect generates 32-byte DEKs only; "
		                    "--kp-generate takes no --size 64");
	return -1;
}

static enum err create(struct cli *c, struct kp_client *kp, void *args)
{
	struct dek_args *a = args;
	struct cli_audit_intent in = { 0 };
	struct km_kpdek d = { 0 };
	char root[KP_ID_BUF];
	struct cli_token t;
	enum err r;

	if (!a->size)
		a->size = a->kp_generate ? 32 : 64;
	r = cli_token_open(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, &t);
	if (r != ERR_OK)
		return r;
	r = cli_kp_audit_begin(c, t.session, "key.create", a->to.label, &in);
	if (r != ERR_OK)
		goto out;
	r = cli_kp_dek_check(t.session, &a->to);
	if (r == ERR_OK)
		r = cli_kp_root_resolve(c, t.session, &a->root, root);
	if (r != ERR_OK)
		goto out;
	/* Key Protect first: the token changes only once it has wrapped. */
	r = km_kpdek_wrap(kp, t.session, a->root, a->size, a->kp_generate, &d);
	if (r != ERR_OK)
		goto out;
	r = cli_kp_dek_store(c, t.session, &a->to, &d);
out:
	r = cli_kp_audit_dek(c, t.session, "key.create", a->to.label, &d, kp,
	                     &in, r);
	km_kpdek_clear(&d);
	cli_token_close(&t);
	return r;
}

int cmd_key_create_dek_kp(struct cli *c, int argc, char **argv)
{
	struct dek_args a = { 0 };

	return kp_cmd_run(c, argc, argv,
	                  &(struct kp_cmd){ .opts = opts,
	                                    .args = &a,
	                                    .check = check,
	                                    .call = create });
}
