/* SPDX-License-Identifier: MIT */
/* cmd_kp_rewrap.c - `p11seal kp rewrap --label L`: after a root rotation,
 * re-wrap the WDEK kept beside DEK L under the root's newest version and
 * keep the new one; `--wdek-file F --wdek-out G` does the same for a WDEK
 * record file (tokens that keep no metadata). */
#include "cli.h"
#include "cli_file.h"
#include "cli_kp.h"
#include "commands.h"
#include "km_kpdek.h"
#include "kp_client.h"
#include "kp_opts.h"

struct rewrap_args {
	struct cli *c;
	const char *label, *wdek_file, *wdek_out;
	bool force;
};

static int on_opt(void *ctx, int ch, const char *arg)
{
	struct rewrap_args *a = ctx;

	switch (ch) {
	case 'l': a->label = arg; return 0;
	case 'i': a->wdek_file = arg; return 0;
	case 'w': a->wdek_out = arg; return 0;
	case 'f': a->force = true; return 0;
	default: return cli_usage(a->c, "unknown option");
	}
}

/* The WDEK of a record file, re-wrapped into another file. */
static enum err rewrap_file(const struct rewrap_args *a, struct kp_client *kp,
                            struct km_kpdek *d)
{
	struct km_kpdek_record rec = { 0 };
	enum err r;

	r = cli_kp_read_record(a->wdek_file, &rec);
	if (r == ERR_OK)
		r = cli_file_check_new(a->wdek_out, a->force);
	if (r == ERR_OK)
		r = km_kpdek_rewrap_record(kp, &rec, d);
	if (r == ERR_OK)
		r = cli_kp_write_record(a->wdek_out, d, NULL, a->force);
	km_kpdek_record_clear(&rec);
	return r;
}

static enum err rewrap(struct cli *c, const struct rewrap_args *a,
                       const struct kp_opts *ko)
{
	struct cli_audit_intent in = { 0 };
	struct km_kpdek d = { 0 };
	struct kp_client *kp = NULL;
	struct cli_token t = { 0 };
	enum err r;

	r = kp_opts_connect(ko, &kp);
	if (r == ERR_OK && a->label)
		r = cli_token_open(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, &t);
	if (r == ERR_OK && a->label)
		r = cli_kp_audit_begin(c, t.session, "kp.rewrap", a->label,
		                       &in);
	if (r == ERR_OK && a->label)
		r = km_kpdek_rewrap(kp, t.session, a->label, &d);
	else if (r == ERR_OK)
		r = rewrap_file(a, kp, &d);
	if (r == ERR_OK)
		r = cli_kp_print_dek(c, &d, a->wdek_out);
	/* A record file alone is no token operation (t.session is NULL). */
	r = cli_kp_audit_dek(c, t.session, "kp.rewrap", a->label, &d, kp, &in,
	                     r);
	km_kpdek_clear(&d);
	cli_token_close(&t);
	kp_client_free(kp);
	return r;
}

int cmd_kp_rewrap(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "wdek-file", required_argument, NULL, 'i' },
		{ "wdek-out", required_argument, NULL, 'w' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct rewrap_args a = { .c = c };
	struct kp_opts ko;
	enum err r;
	int rc;

	rc = kp_opts_parse(c, argc, argv, opts, "", on_opt, &a, &ko);
	if (rc < 0 && optind < argc)
		rc = cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (rc < 0 && !(a.label && !a.wdek_file && !a.wdek_out) &&
	    !(!a.label && a.wdek_file && a.wdek_out))
		rc = cli_usage(c, "give --label LABEL, or --wdek-file FILE and "
		                  "--wdek-out FILE");
	if (rc >= 0)
		return rc;
	r = rewrap(c, &a, &ko);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
