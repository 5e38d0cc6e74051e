/* SPDX-License-Identifier: MIT */
/* cmd_key_create_dek_kp.c - `p11seal key create dek --label L --kp-root
 * ID`: a DEK whose material comes from the token's RNG (or, --kp-generate,
 * from Key Protect), wrapped by Key Protect root key ID and stored in the
 * token with its WDEK and the root key's CRN; the command table's row for
 * `key create dek` with --kp-root. */

#include "cli.h"
#include "cli_file.h"
#include "cli_kp.h"
#include "commands.h"
#include "km_kpdek.h"
#include "kp_client.h"
#include "kp_opts.h"

struct dek_args {
	struct cli *c;
	const char *label, *root, *wdek_out;
	unsigned long size;
	bool kp_generate, exportable, force;
};

static int on_opt(void *ctx, int ch, const char *arg)
{
	struct dek_args *a = ctx;

	switch (ch) {
	case 'l': a->label = arg; return 0;
	case 'k': a->root = arg; return 0;
	case 'g': a->kp_generate = true; return 0;
	case 'e': a->exportable = true; return 0;
	case 'w': a->wdek_out = arg; return 0;
	case 'f': a->force = true; return 0;
	case 'z':
		if (cli_parse_ulong(arg, "--size", 32, 64, &a->size) !=
		            ERR_OK ||
		    (a->size != 32 && a->size != 64))
			return cli_usage(a->c, "--size must be 32 or 64");
		return 0;
	default: return cli_usage(a->c, "unknown option");
	}
}

static enum err create(struct cli *c, const struct dek_args *a,
                       struct kp_client *kp)
{
	struct cli_audit_intent in = { 0 };
	struct km_kpdek d = { 0 };
	struct cli_token t;
	enum err r;

	r = cli_token_open(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, &t);
	if (r != ERR_OK)
		return r;
	r = cli_kp_audit_begin(c, t.session, "key.create", a->label, &in);
	if (r != ERR_OK)
		goto out;
	r = km_kpdek_check(t.session, a->label, a->wdek_out != NULL);
	if (r != ERR_OK)
		goto out;
	if (a->wdek_out) {
		r = cli_file_check_new(a->wdek_out, a->force);
		if (r != ERR_OK)
			goto out;
	}
	/* Key Protect first: the token changes only once it has wrapped. */
	r = km_kpdek_wrap(kp, t.session, a->root, a->size, a->kp_generate, &d);
	if (r != ERR_OK)
		goto out;
	r = cli_kp_store_dek(a->label, a->exportable, a->wdek_out, a->force,
	                     t.session, &d);
	if (r != ERR_OK)
		goto out;
	r = cli_kp_print_dek(c, &d, a->wdek_out);
out:
	r = cli_kp_audit_dek(c, t.session, "key.create", a->label, &d, kp, &in,
	                     r);
	km_kpdek_clear(&d);
	cli_token_close(&t);
	return r;
}

int cmd_key_create_dek_kp(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "size", required_argument, NULL, 'z' },
		{ "kp-root", required_argument, NULL, 'k' },
		{ "kp-generate", no_argument, NULL, 'g' },
		{ "exportable", no_argument, NULL, 'e' },
		{ "wdek-out", required_argument, NULL, 'w' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct dek_args a = { .c = c };
	struct kp_client *kp = NULL;
	struct kp_opts ko;
	enum err r;
	int rc;

	rc = kp_opts_parse(c, argc, argv, opts, "", on_opt, &a, &ko);
	if (rc < 0 && optind < argc)
		rc = cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (rc < 0 && (!a.label || !a.label[0]))
		rc = cli_usage(c, "--label LABEL is required");
	if (rc < 0 && a.kp_generate && a.size == 64)
		rc = cli_usage(c, "Key Protect generates 32-byte DEKs only; "
		                  "--kp-generate takes no --size 64");
	if (rc >= 0)
		return rc;
	if (!a.size)
		a.size = a.kp_generate ? 32 : 64;
	r = kp_opts_connect(&ko, &kp);
	if (r == ERR_OK)
		r = create(c, &a, kp);
	kp_client_free(kp);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
