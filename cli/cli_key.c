/* SPDX-License-Identifier: MIT */
/* cli_key.c - one token session; the audit intent before the key is made,
 * its result after. */
#include "cli_key.h"

#include "cli_audit.h"
#include "cli_token.h"

enum err cli_key_run(const struct cli *c, const char *op, const char *kind,
                     const char *label, cli_key_fn fn, void *ctx)
{
	struct cli_audit_rec rec = { .op = op, .kind = kind, .label = label };
	struct cli_audit_intent in = { 0 };
	struct cli_token t;
	enum err r;

	r = cli_token_open(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, &t);
	if (r == ERR_OK)
		r = cli_audit_begin(c, t.session, &rec, &in);
	if (r == ERR_OK)
		r = fn(c, t.session, ctx);
	rec.result = r;
	rec.intent = &in;
	/* Without a session (the token did not open) this returns r. */
	r = cli_audit(c, t.session, &rec);
	cli_token_close(&t);
	return r;
}

cJSON *cli_key_json(const char *label, const char *kind, size_t size,
                    const char *keyhash, bool extractable)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "label", label);
	cJSON_AddStringToObject(j, "kind", kind);
	cJSON_AddNumberToObject(j, "size", (double)size);
	if (keyhash)
		cJSON_AddStringToObject(j, "keyhash", keyhash);
	cJSON_AddBoolToObject(j, "extractable", extractable);
	return j;
}
