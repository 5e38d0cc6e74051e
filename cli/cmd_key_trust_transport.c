/* SPDX-License-Identifier: MIT */
/* cmd_key_trust_transport.c - `p11seal key trust-transport --pubkey F
 * --label S [--fingerprint HEX]`: the security officer's ceremony on the
 * bridge token (a key of another fingerprint than the one given is refused
 * before anyone logs in). The station key becomes a trusted, wrap-only public
 * key, the one thing exportable DEKs may leave the token under; so the step is
 * audited, from a user session (--pin-source) around the SO's login
 * (--so-pin-source). */
#include <stdio.h>

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

struct station {
	struct trust_opts *o;
	EVP_PKEY *k;
};

/* The SO's step: the station key becomes a trusted wrapping key. */
static enum err add_station(struct p11_session *s, void *ctx)
{
	struct station *st = ctx;
	CK_OBJECT_HANDLE h;

	return p11_trust_add(s, st->o->in.label, st->k, &h, &st->o->hard);
}

static enum err trust(const struct cli *c, struct trust_opts *o)
{
	struct cli_audit_rec rec = { .op = "key.trust-transport",
		                     .label = o->in.label,
		                     .kind = "wrap" };
	struct cli_token t = { 0 };
	struct station st = { o, NULL };
	enum err r;

	r = read_station(o, &st.k);
	if (r == ERR_OK)
		r = cli_token_open(c, CLI_TOKEN_RW, &t);
	if (r == ERR_OK)
		r = cli_trust_audited(c, &t, &rec, o->in.so_pin_source,
		                      add_station, &st);
	cli_token_close(&t);
	EVP_PKEY_free(st.k);
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
