/* SPDX-License-Identifier: MIT */
/* cmd_key_create_audit.c - `p11seal key create audit [--label L]`: the token's
 * one audit key (HMAC-SHA256, sign/verify only, never extractable); creating it
 * turns auditing on for the token and starts its chain. */
#include <stdio.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_key.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "km_audit_trail.h"
#include "km_key_create.h"
#include "p11_session.h"

struct audit_opts {
	const char *label;
};

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct audit_opts, label), .arg = "L",
	  .help = "the audit key's label; default " KM_AUDIT_TRAIL_LABEL },
	{ NULL },
};

static enum err create(const struct cli *c, struct p11_session *s, void *ctx)
{
	const char *label = ((const struct audit_opts *)ctx)->label;
	const char *tok = p11_session_token(s)->label;
	bool keeps_head = true, stored = false;
	char path[4096];
	enum err r;

	r = cli_audit_path(c, s, path, sizeof(path));
	if (r == ERR_OK)
		r = km_key_create_audit(s, label, path, &keeps_head, &stored);
	if (r != ERR_OK)
		return r;
	cli_token_meta_note(c, s, label, stored);
	cli_info(c,
	         "created audit key '%s' (HMAC-SHA256, sign/verify only, "
	         "never extractable): auditing is on for token '%s'",
	         label, tok);
	if (!keeps_head)
		cli_info(c,
		         "note: token '%s' cannot store data objects, so it "
		         "keeps no chain head: 'audit verify' checks every "
		         "record but cannot detect a truncated log or an older "
		         "copy of it",
		         tok);
	return ERR_OK;
}

int cmd_key_create_audit(struct cli *c, int argc, char **argv)
{
	static const char only[] = "key create audit takes only [--label L]";
	struct audit_opts o = { .label = KM_AUDIT_TRAIL_LABEL };
	struct cli_opts spec = { .sets = { { opts, &o } }, .args_usage = only };
	enum err r;
	int rc;

	rc = cli_opts_parse(c, &spec, argc, argv);
	if (rc < 0 && !o.label[0])
		rc = cli_usage(c, "%s", only);
	if (rc >= 0)
		return rc;
	r = cli_key_run(c, "key.create", "audit", o.label, create, &o);
	if (r == ERR_OK && c->json)
		r = cli_print_json(
		        cli_key_json(o.label, "audit", 32, NULL, false));
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
