/* SPDX-License-Identifier: MIT */
/* cmd_key_trust_transport.c - `p11seal key trust-transport --pubkey F
 * --label S [--fingerprint HEX]`: the security officer's ceremony on the
 * bridge token (a key of another fingerprint than the one given is refused
 * before anyone logs in). The station key becomes a trusted, wrap-only public
 * key, the one thing exportable DEKs may leave the token under; so the step is
 * audited, from a user session (--pin-source) around the SO's login
 * (--so-pin-source). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_file.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "cli_trust.h"
#include "commands.h"
#include "p11_rsa.h"
#include "p11_session.h"
#include "p11_trust.h"
#include "secmem.h"

struct trust_opts {
	const char *pubkey;
	const char *label;
	const char *so_pin_source;
	const char *want; /* --fingerprint, normalised; NULL if not given */
	char want_buf[65];
	char fingerprint[P11_RSA_FP_HEX];
	int bits;
	struct p11_trust_hardening hard;
};

static enum err read_station(struct trust_opts *o, EVP_PKEY **k)
{
	enum err r = cli_file_read_pubkey(o->pubkey, k);

	if (r == ERR_OK)
		r = p11_rsa_fingerprint(*k, o->fingerprint);
	if (r == ERR_OK)
		o->bits = p11_rsa_bits(*k);
	if (r == ERR_OK)
		r = cli_trust_check_fingerprint(o->want, o->fingerprint);
	return r;
}

/* The SO's part: log in, trust the key, log out again (whatever
 * happened), so the user can log back in for the result record. */
static enum err as_so(struct p11_session *s, struct trust_opts *o, EVP_PKEY *k)
{
	CK_OBJECT_HANDLE h;
	enum err r, out;

	r = cli_trust_so_login(s, o->so_pin_source);
	if (r != ERR_OK)
		return r;
	r = p11_trust_add(s, o->label, k, &h, &o->hard);
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
		                     .label = o->label,
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
		cJSON_AddStringToObject(j, "label", o->label);
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
	         o->label, o->bits, o->hard.oaep_only ? "RSA-OAEP only" : "any",
	         o->hard.wrap_template ? "exportable DEK halves only" : "none",
	         o->hard.not_modifiable ? "no" : "yes");
	printf("%s\n", o->fingerprint);
}

/* The options the getopt loop below takes, for help, man page and
 * completion. */
static const struct cli_opt described[] = {
	{ "pubkey", .kind = CLI_OPT_STR, .arg = "FILE",
	  .help = "the station's transport public key, PEM (required)" },
	{ "label", .kind = CLI_OPT_STR, .arg = "S",
	  .help = "the label of the trusted key (required)" },
	CLI_DESCRIBE_FINGERPRINT,
	CLI_DESCRIBE_SO_PIN(""),
	{ NULL },
};

int cmd_key_trust_transport(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pubkey", required_argument, NULL, 'k' },
		{ "label", required_argument, NULL, 'l' },
		{ "fingerprint", required_argument, NULL, 'F' },
		{ "so-pin-source", required_argument, NULL, 's' },
		{ "so-pin", required_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' }, /* the global, after */
		{ NULL, 0, NULL, 0 },
	};
	struct trust_opts o = { 0 };
	enum err r;
	int ch;

	if (cli_wants_help(c, argc, argv, described))
		return 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'k': o.pubkey = optarg; break;
		case 'l': o.label = optarg; break;
		case 'F':
			r = cli_trust_parse_fingerprint(optarg, o.want_buf);
			if (r != ERR_OK)
				return cli_fail(c, r);
			o.want = o.want_buf;
			break;
		case 's': o.so_pin_source = optarg; break;
		case 'S':
			return cli_fail(c, cli_refuse_argv_secret("--so-pin",
			                                          "SO PIN"));
		case 'j': c->json = true; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (!o.pubkey || !o.label || !o.label[0] || optind < argc)
		return cli_usage(c, "--pubkey FILE and --label LABEL are "
		                    "required");
	r = trust(c, &o);
	if (r != ERR_OK)
		return cli_fail(c, r);
	report(c, &o);
	return 0;
}
