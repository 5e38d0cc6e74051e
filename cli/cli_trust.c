/* SPDX-License-Identifier: MIT */
/* cli_trust.c - SO login, the audit around it, and the fingerprint check
 * of the trust steps: a public key file proves nothing about who made it,
 * so the SO can name the fingerprint read out over a second channel and
 * p11seal refuses a key that does not have it. */
#include "cli_trust.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "p11_session.h"
#include "secmem.h"

enum err cli_trust_so_login(struct p11_session *s, const char *src)
{
	char prompt[96], *pin = NULL;
	enum err r;

	snprintf(prompt, sizeof(prompt),
	         "SO PIN for token '%s': ", p11_session_token(s)->label);
	r = cli_secret_read(src, prompt, "SO PIN", &pin);
	if (r == ERR_OK)
		r = p11_session_login(s, pin, strlen(pin), true);
	secmem_free(pin);
	return r;
}

enum err cli_trust_parse_fingerprint(const char *hex, char out[65])
{
	size_t n = 0;

	for (const char *p = hex; *p; p++) {
		if (*p == ':')
			continue;
		if (!isxdigit((unsigned char)*p) || n == 64)
			return err_set(ERR_USAGE,
			               "--fingerprint must be 64 hex digits "
			               "(SHA-256 of the public key)");
		out[n++] = (char)tolower((unsigned char)*p);
	}
	out[n] = '\0';
	if (n != 64)
		return err_set(ERR_USAGE, "--fingerprint must be 64 hex digits "
		                          "(SHA-256 of the public key)");
	return ERR_OK;
}

enum err cli_trust_check_fingerprint(const char *want, const char *got)
{
	if (!want || strcmp(want, got) == 0)
		return ERR_OK;
	return err_set(ERR_VERIFY,
	               "the public key's fingerprint is %s, not %s as "
	               "given with --fingerprint: this is not the key you "
	               "were told to trust",
	               got, want);
}

static const struct cli_opt opts[] = {
	{ "pubkey", CLI_STR(struct cli_trust_args, pubkey), .arg = "FILE",
	  .required = true, .help = "the public key to trust, PEM (required)" },
	{ "label", CLI_STR(struct cli_trust_args, label), .arg = "L",
	  .required = true, .help = "its label in the token (required)" },
	{ "fingerprint", CLI_STR(struct cli_trust_args, fingerprint),
	  .arg = "HEX",
	  .help = "the SHA-256 fingerprint read out over a second channel; "
	          "a key without it is refused; default not checked" },
	CLI_SO_PIN_OPTS(struct cli_trust_args, so_pin_source, "prompt"),
	{ NULL },
};

int cli_trust_parse(struct cli *c, int argc, char **argv,
                    struct cli_trust_args *a)
{
	enum err r;
	int rc;

	memset(a, 0, sizeof(*a));
	rc = cli_opts_parse(c,
	                    &(struct cli_opts){ .sets = { { opts, a } },
	                                        .required_usage =
	                                                "--pubkey FILE and "
	                                                "--label LABEL are "
	                                                "required" },
	                    argc, argv);
	if (rc >= 0 || !a->fingerprint)
		return rc;
	r = cli_trust_parse_fingerprint(a->fingerprint, a->want_buf);
	if (r != ERR_OK)
		return cli_fail(c, r);
	a->want = a->want_buf;
	return -1;
}

/* The SO's login, step, and logout again (whatever step did), so the
 * user can log back in for the result record. */
static enum err as_so(struct p11_session *s, const char *so_pin_src,
                      cli_trust_step step, void *ctx)
{
	enum err r, out;

	r = cli_trust_so_login(s, so_pin_src);
	if (r != ERR_OK)
		return r;
	r = step(s, ctx);
	out = p11_session_logout(s);
	return r != ERR_OK ? r : out;
}

/* The user's login; pin is "" when the token needs none. */
static enum err as_user(struct p11_session *s, const char *pin)
{
	if (!p11_session_login_required(s))
		return ERR_OK;
	return p11_session_login(s, pin, strlen(pin), false);
}

static enum err audited(const struct cli *c, struct p11_session *s,
                        const struct cli_audit_rec *what, const char *pin,
                        const char *so_pin_src, cli_trust_step step, void *ctx)
{
	struct cli_audit_intent in = { 0 };
	struct cli_audit_rec rec = *what;
	enum err r, back;

	r = as_user(s, pin);
	if (r == ERR_OK)
		r = cli_audit_begin(c, s, &rec, &in);
	if (r == ERR_OK)
		r = p11_session_logout(s);
	if (r == ERR_OK)
		r = as_so(s, so_pin_src, step, ctx);
	rec.result = r;
	rec.intent = &in;
	if (!in.seq || in.refused)
		return cli_audit(c, s, &rec);
	back = as_user(s, pin);
	if (back == ERR_OK)
		return cli_audit(c, s, &rec);
	if (r != ERR_OK)
		return err_set(r, "%s", err_detail());
	return err_wrap(back, "the SO's step is done, but the user could "
	                      "not log in again to record it (the audit log "
	                      "holds its intent only)");
}

enum err cli_trust_audited(const struct cli *c, struct cli_token *t,
                           const struct cli_audit_rec *rec,
                           const char *so_pin_src, cli_trust_step step,
                           void *ctx)
{
	char *pin = NULL;
	enum err r = ERR_OK;

	if (p11_session_login_required(t->session))
		r = cli_token_read_pin(
		        c, t->uri, p11_session_token(t->session)->label, &pin);
	if (r == ERR_OK)
		r = audited(c, t->session, rec, pin ? pin : "", so_pin_src,
		            step, ctx);
	secmem_free(pin);
	return r;
}
