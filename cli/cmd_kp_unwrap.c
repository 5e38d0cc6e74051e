/* SPDX-License-Identifier: MIT */
/* cmd_kp_unwrap.c - `p11seal kp unwrap --kp-root ID --wdek-file F --label
 * L`: a WDEK back into the token as DEK L (never extractable unless
 * --exportable). After a root rotation Key Protect also returns the DEK
 * re-wrapped under the newest version; that WDEK is the one kept. */
#include "cli.h"
#include "cli_file.h"
#include "cli_kp.h"
#include "commands.h"
#include "km_kpdek.h"
#include "kp_client.h"
#include "kp_opts.h"

struct unwrap_args {
	struct cli *c;
	const char *label, *root, *wdek_file, *wdek_out;
	bool exportable, force;
};

static int on_opt(void *ctx, int ch, const char *arg)
{
	struct unwrap_args *a = ctx;

	switch (ch) {
	case 'l': a->label = arg; return 0;
	case 'k': a->root = arg; return 0;
	case 'i': a->wdek_file = arg; return 0;
	case 'w': a->wdek_out = arg; return 0;
	case 'e': a->exportable = true; return 0;
	case 'f': a->force = true; return 0;
	default: return cli_usage(a->c, "unknown option");
	}
}

static enum err unwrap(struct cli *c, const struct unwrap_args *a,
                       const struct kp_opts *ko)
{
	struct km_kpdek_record rec = { 0 };
	struct cli_audit_intent in = { 0 };
	struct km_kpdek d = { 0 };
	struct kp_client *kp = NULL;
	struct cli_token t = { 0 };
	enum err r;

	r = cli_kp_read_record(a->wdek_file, &rec);
	if (r == ERR_OK)
		r = kp_opts_connect(ko, &kp);
	if (r == ERR_OK)
		r = cli_token_open(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, &t);
	if (r == ERR_OK)
		r = cli_kp_audit_begin(c, t.session, "kp.unwrap", a->label,
		                       &in);
	if (r == ERR_OK)
		r = km_kpdek_check(t.session, a->label, a->wdek_out != NULL);
	if (r == ERR_OK && a->wdek_out)
		r = cli_file_check_new(a->wdek_out, a->force);
	if (r == ERR_OK)
		r = km_kpdek_unwrap(kp, a->root, &rec, &d);
	if (r == ERR_OK)
		r = cli_kp_store_dek(a->label, a->exportable, a->wdek_out,
		                     a->force, t.session, &d);
	if (r == ERR_OK)
		r = cli_kp_print_dek(c, &d, a->wdek_out);
	r = cli_kp_audit_dek(c, t.session, "kp.unwrap", a->label, &d, kp, &in,
	                     r);
	km_kpdek_clear(&d);
	km_kpdek_record_clear(&rec);
	cli_token_close(&t);
	kp_client_free(kp);
	return r;
}

int cmd_kp_unwrap(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "kp-root", required_argument, NULL, 'k' },
		{ "wdek-file", required_argument, NULL, 'i' },
		{ "wdek-out", required_argument, NULL, 'w' },
		{ "exportable", no_argument, NULL, 'e' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct unwrap_args a = { .c = c };
	struct kp_opts ko;
	enum err r;
	int rc;

	rc = kp_opts_parse(c, argc, argv, opts, "", on_opt, &a, &ko);
	if (rc < 0 && optind < argc)
		rc = cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (rc < 0 && (!a.label || !a.label[0] || !a.root || !a.wdek_file))
		rc = cli_usage(c, "--kp-root ID, --wdek-file FILE and --label "
		                  "LABEL are required");
	if (rc >= 0)
		return rc;
	r = unwrap(c, &a, &ko);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
