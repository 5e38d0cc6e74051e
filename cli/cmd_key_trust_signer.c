/* SPDX-License-Identifier: MIT */
/* cmd_key_trust_signer.c - `p11seal key trust-signer --pubkey F --label B
 * [--fingerprint HEX]`: the security officer's step on an air-gapped
 * station. The bridge's bundle signer public key becomes a trusted,
 * verify-only public key in the token (only the SO can set CKA_TRUSTED),
 * and the station accepts DEK bundles signed by it and by nothing else.
 * Audited from a user session (--pin-source) around the SO's login
 * (--so-pin-source), as key trust-transport is. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_file.h"
#include "cli_token.h"
#include "cli_trust.h"
#include "commands.h"
#include "p11_ec.h"
#include "p11_ec_pin.h"
#include "p11_rsa.h"

#define PEM_MAX (16u * 1024)

struct pin_opts {
	struct cli_trust_args in;
	char fingerprint[P11_RSA_FP_HEX];
	struct p11_ec_pin_hardening hard;
};

/* The key file, refused before any login if it is not the one named. */
static enum err read_signer(struct pin_opts *o, EVP_PKEY **k)
{
	char *text = NULL;
	size_t len = 0;
	enum err r = cli_file_read(o->in.pubkey, PEM_MAX, &text, &len);

	if (r == ERR_OK)
		r = p11_ec_pem_parse(text, len, k);
	free(text);
	if (r != ERR_OK)
		return err_wrap(r, "%s", o->in.pubkey);
	r = p11_rsa_fingerprint(*k, o->fingerprint);
	if (r == ERR_OK)
		r = cli_trust_check_fingerprint(o->in.want, o->fingerprint);
	return r;
}

struct signer {
	struct pin_opts *o;
	EVP_PKEY *k;
};

/* The SO's step: the bridge's public key becomes a pinned signer. */
static enum err add_signer(struct p11_session *s, void *ctx)
{
	struct signer *sg = ctx;
	CK_OBJECT_HANDLE h;

	return p11_ec_pin_add(s, sg->o->in.label, sg->k, &h, &sg->o->hard);
}

/* Audited like key trust-transport: which bridges a station believes is
 * as much custody as which stations a bridge wraps for. */
static enum err pin(const struct cli *c, struct pin_opts *o)
{
	struct cli_audit_rec rec = { .op = "key.trust-signer",
		                     .label = o->in.label,
		                     .kind = "signer-pin" };
	struct cli_token t = { 0 };
	struct signer sg = { o, NULL };
	enum err r;

	r = read_signer(o, &sg.k);
	if (r == ERR_OK)
		r = cli_token_open(c, CLI_TOKEN_RW, &t);
	if (r == ERR_OK)
		r = cli_trust_audited(c, &t, &rec, o->in.so_pin_source,
		                      add_signer, &sg);
	cli_token_close(&t);
	EVP_PKEY_free(sg.k);
	return r;
}

static void report(const struct cli *c, const struct pin_opts *o)
{
	cJSON *j;

	if (c->json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "label", o->in.label);
		cJSON_AddStringToObject(j, "curve", "P-256");
		cJSON_AddStringToObject(j, "fingerprint", o->fingerprint);
		cJSON_AddBoolToObject(j, "fingerprint_checked",
		                      o->in.want != NULL);
		cJSON_AddBoolToObject(j, "ecdsa_only", o->hard.ecdsa_only);
		cJSON_AddBoolToObject(j, "modifiable", !o->hard.not_modifiable);
		cli_print_json(j);
		return;
	}
	cli_info(c,
	         "pinned bundle signer '%s' (ECDSA P-256, trusted, verify "
	         "only; allowed mechanisms: %s; modifiable: %s); fingerprint "
	         "%s:",
	         o->in.label, o->hard.ecdsa_only ? "ECDSA only" : "any",
	         o->hard.not_modifiable ? "no" : "yes",
	         o->in.want ? "as given" : "(compare it with the bridge's)");
	printf("%s\n", o->fingerprint);
}

int cmd_key_trust_signer(struct cli *c, int argc, char **argv)
{
	struct pin_opts o = { 0 };
	enum err r;
	int rc;

	rc = cli_trust_parse(c, argc, argv, &o.in);
	if (rc >= 0)
		return rc;
	r = pin(c, &o);
	if (r != ERR_OK)
		return cli_fail(c, r);
	report(c, &o);
	return 0;
}
