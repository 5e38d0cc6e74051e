/* SPDX-License-Identifier: MIT */
/* cmd_key_trust_transport.c - `p11seal key trust-transport --pubkey F
 * --label S [--fingerprint HEX]`: the security officer's ceremony on the
 * bridge token (a key of another fingerprint than the one given is refused
 * before anyone logs in). The station key becomes a trusted, wrap-only public
 * key, the one thing exportable DEKs may leave the token under; so the step is
 * audited, from a user session (--pin-source) around the SO's login
 * (--so-pin-source). */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_file.h"
#include "cli_token.h"
#include "cli_trust.h"
#include "commands.h"
#include "p11_rsa.h"
#include "p11_session.h"
#include "p11_trust.h"
#include "secmem.h"

struct trust_opts {
	struct cli_trust_args in;
	char fingerprint[P11_RSA_FP_HEX];
	int bits;
	struct p11_trust_hardening hard;
};

static enum err read_station(struct trust_opts *o, EVP_PKEY **k)
{
	enum err r = cli_file_read_pubkey(o->in.pubkey, k);

	if (r == ERR_OK)
		r = p11_rsa_fingerprint(*k, o->fingerprint);
	if (r == ERR_OK)
		o->bits = p11_rsa_bits(*k);
	if (r == ERR_OK)
		r = cli_trust_check_fingerprint(o->in.want, o->fingerprint);
	return r;
}

/* The SO's part: log in, trust the key, log out again (whatever
 * happened), so the user can log back in for the result record. */
static enum err as_so(struct p11_session *s, struct trust_opts *o, EVP_PKEY *k)
{
	CK_OBJECT_HANDLE h;
	enum err r, out;

	r = cli_trust_so_login(s, o->in.so_pin_source);
	if (r != ERR_OK)
		return r;
	r = p11_trust_add(s, o->in.label, k, &h, &o->hard);
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

/* SoftHSM's SO cannot see the audit key (a private object), and a token
 * holds one login at a time: so the user logs in for the intent, out for
 * the SO's step, and in again for the result record. */
static enum err audited(const struct cli *c, struct cli_token *t,
                        struct trust_opts *o, EVP_PKEY *k, const char *pin)
{
	struct cli_audit_rec rec = { .op = "key.trust-transport",
		                     .label = o->in.label,
		                     .kind = "wrap" };
	struct cli_audit_intent in = { 0 };
	struct p11_session *s = t->session;
	enum err r, back;

	r = as_user(s, pin);
	if (r == ERR_OK)
		r = cli_audit_begin(c, s, &rec, &in);
	if (r == ERR_OK)
		r = p11_session_logout(s);
	if (r == ERR_OK)
		r = as_so(s, o, k);
	rec.result = r;
	rec.intent = &in;
	if (!in.seq || in.refused)
		return cli_audit(c, s, &rec);
	back = as_user(s, pin);
	if (back == ERR_OK)
		return cli_audit(c, s, &rec);
	if (r != ERR_OK)
		return err_set(r, "%s", err_detail());
	return err_wrap(back, "the station key is trusted, but the user "
	                      "could not log in again to record it (the "
	                      "audit log holds its intent only)");
}

static enum err trust(const struct cli *c, struct trust_opts *o)
{
	struct cli_token t = { 0 };
	EVP_PKEY *k = NULL;
	char *pin = NULL;
	enum err r;

	r = read_station(o, &k);
	if (r == ERR_OK)
		r = cli_token_open(c, CLI_TOKEN_RW, &t);
	if (r == ERR_OK && p11_session_login_required(t.session))
		r = cli_token_read_pin(
		        c, t.uri, p11_session_token(t.session)->label, &pin);
	if (r == ERR_OK)
		r = audited(c, &t, o, k, pin ? pin : "");
	secmem_free(pin);
	cli_token_close(&t);
	EVP_PKEY_free(k);
	return r;
}

static void report(const struct cli *c, const struct trust_opts *o)
{
	cJSON *j;

	if (c->json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "label", o->in.label);
		cJSON_AddNumberToObject(j, "bits", o->bits);
		cJSON_AddStringToObject(j, "fingerprint", o->fingerprint);
		cJSON_AddBoolToObject(j, "oaep_only", o->hard.oaep_only);
		cJSON_AddBoolToObject(j, "wrap_template",
		                      o->hard.wrap_template);
		cJSON_AddBoolToObject(j, "modifiable", !o->hard.not_modifiable);
		cli_print_json(j);
		return;
	}
	cli_info(c,
	         "trusted station key '%s' (RSA-%d) for wrapping; allowed "
	         "mechanisms: %s; wrap template: %s; modifiable: %s",
	         o->in.label, o->bits,
	         o->hard.oaep_only ? "RSA-OAEP only" : "any",
	         o->hard.wrap_template ? "exportable DEK halves only" : "none",
	         o->hard.not_modifiable ? "no" : "yes");
	printf("%s\n", o->fingerprint);
}

int cmd_key_trust_transport(struct cli *c, int argc, char **argv)
{
	struct trust_opts o = { 0 };
	enum err r;
	int rc;

	rc = cli_trust_parse(c, argc, argv, &o.in);
	if (rc >= 0)
		return rc;
	r = trust(c, &o);
	if (r != ERR_OK)
		return cli_fail(c, r);
	report(c, &o);
	return 0;
}
