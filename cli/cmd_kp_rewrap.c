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
	const char *label, *wdek_file, *wdek_out;
	bool force;
};

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct rewrap_args, label), .arg = "L",
	  .help = "the DEK whose WDEK, kept beside it, is re-wrapped; or "
	          "--wdek-file and --wdek-out" },
	{ "wdek-file", CLI_STR(struct rewrap_args, wdek_file), .arg = "F",
	  .help = "the WDEK record file to re-wrap (with --wdek-out)" },
	{ "wdek-out", CLI_STR(struct rewrap_args, wdek_out), .arg = "FILE",
	  .help = "where the re-wrapped record goes (with --wdek-file)" },
	{ "force", CLI_FLAG(struct rewrap_args, force),
	  .help = "--wdek-out may replace an existing FILE; default refused" },
	{ NULL },
};

static int check(struct cli *c, void *args)
{
	const struct rewrap_args *a = args;

	if (!(a->label && !a->wdek_file && !a->wdek_out) &&
	    !(!a->label && a->wdek_file && a->wdek_out))
		return cli_usage(c, "give --label LABEL, or --wdek-file FILE "
		                    "and --wdek-out FILE");
	return -1;
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

static enum err rewrap(struct cli *c, struct kp_client *kp, void *args)
{
	const struct rewrap_args *a = args;
	struct cli_audit_intent in = { 0 };
	struct km_kpdek d = { 0 };
	struct cli_token t = { 0 };
	enum err r;

	if (a->label) {
		r = cli_token_open(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, &t);
		if (r == ERR_OK)
			r = cli_kp_audit_begin(c, t.session, "kp.rewrap",
			                       a->label, &in);
		if (r == ERR_OK)
			r = km_kpdek_rewrap(kp, t.session, a->label, &d);
	} else {
		r = rewrap_file(a, kp, &d);
	}
	if (r == ERR_OK)
		r = cli_kp_print_dek(c, &d, a->wdek_out);
	/* A record file alone is no token operation (t.session is NULL). */
	r = cli_kp_audit_dek(c, t.session, "kp.rewrap", a->label, &d, kp, &in,
	                     r);
	km_kpdek_clear(&d);
	cli_token_close(&t);
	return r;
}

int cmd_kp_rewrap(struct cli *c, int argc, char **argv)
{
	struct rewrap_args a = { 0 };

	return kp_cmd_run(c, argc, argv,
	                  &(struct kp_cmd){ .opts = opts,
	                                    .args = &a,
	                                    .check = check,
	                                    .call = rewrap });
}
