/* SPDX-License-Identifier: MIT */
/* cmd_kp_unwrap.c - `p11seal kp unwrap --kp-root ID --wdek-file F --label
 * L`: a WDEK back into the token as DEK L (never extractable unless
 * --exportable). After a root rotation Key Protect also returns the DEK
 * re-wrapped under the newest version; that WDEK is the one kept. */
#include "cli.h"
#include "cli_kp.h"
#include "commands.h"
#include "km_kpdek.h"
#include "kp_client.h"
#include "kp_opts.h"

struct unwrap_args {
	struct cli_kp_dek_dest to;
	const char *root, *wdek_file;
};

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct unwrap_args, to.label), .arg = "L",
	  .help = "the DEK's label in the token (required)" },
	{ "kp-root", CLI_STR(struct unwrap_args, root), .arg = "ID",
	  .help = "the Key Protect root key (id or alias) that wrapped it "
	          "(required)" },
	{ "wdek-file", CLI_STR(struct unwrap_args, wdek_file), .arg = "F",
	  .help = "the WDEK: a record file or bare base64 (required)" },
	{ "wdek-out", CLI_STR(struct unwrap_args, to.wdek_out), .arg = "FILE",
	  .help = "also write the kept WDEK's record to FILE; default none" },
	{ "exportable", CLI_FLAG(struct unwrap_args, to.exportable),
	  .help = "the DEK can be wrapped for a trusted station; default "
	          "never extractable" },
	{ "force", CLI_FLAG(struct unwrap_args, to.force),
	  .help = "--wdek-out may replace an existing FILE; default refused" },
	{ NULL },
};

static int check(struct cli *c, void *args)
{
	const struct unwrap_args *a = args;

	if (!a->to.label || !a->to.label[0] || !a->root || !a->wdek_file)
		return cli_usage(c, "--kp-root ID, --wdek-file FILE and "
		                    "--label LABEL are required");
	return -1;
}

static enum err unwrap(struct cli *c, const struct unwrap_args *a,
                       const struct kp_opts *ko)
{
	struct km_kpdek_record rec = { 0 };
	struct cli_audit_intent in = { 0 };
	struct km_kpdek d = { 0 };
	struct kp_client *kp = NULL;
	struct cli_token t = { 0 };
	char buf[KP_ID_BUF];
	const char *root = a->root;
	enum err r;

	r = cli_kp_read_record(a->wdek_file, &rec);
	if (r != ERR_OK)
		goto out;
	r = kp_opts_connect(ko, &kp);
	if (r != ERR_OK)
		goto out;
	r = cli_token_open(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, &t);
	if (r != ERR_OK)
		goto out;
	r = cli_kp_audit_begin(c, t.session, "kp.unwrap", a->to.label, &in);
	if (r != ERR_OK)
		goto out;
	r = cli_kp_dek_check(t.session, &a->to);
	if (r == ERR_OK)
		r = cli_kp_root_resolve(c, t.session, &root, buf);
	if (r != ERR_OK)
		goto out;
	r = km_kpdek_unwrap(kp, root, &rec, &d);
	if (r != ERR_OK)
		goto out;
	r = cli_kp_dek_store(c, t.session, &a->to, &d);
out:
	r = cli_kp_audit_dek(c, t.session, "kp.unwrap", a->to.label, &d, kp,
	                     &in, r);
	km_kpdek_clear(&d);
	km_kpdek_record_clear(&rec);
	cli_token_close(&t);
	kp_client_free(kp);
	return r;
}

/* Not kp_cmd_run: the WDEK file is read before the API key is. */
int cmd_kp_unwrap(struct cli *c, int argc, char **argv)
{
	struct unwrap_args a = { 0 };
	struct kp_opts ko;
	enum err r;
	int rc;

	rc = kp_cmd_parse(
	        c, argc, argv,
	        &(struct kp_cmd){ .opts = opts, .args = &a, .check = check },
	        &ko);
	if (rc >= 0)
		return rc;
	r = unwrap(c, &a, &ko);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
