/* SPDX-License-Identifier: MIT */
/* cmd_key_export_public.c - `p11seal key export-public --label T --out F`:
 * the public half of a station's transport key (for the bridge's security
 * officer) or of a bridge's bundle signer key (for each station's) as
 * SubjectPublicKeyInfo PEM, with its SHA-256 fingerprint (the value to
 * compare over a second channel). */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "cli.h"
#include "cli_file.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "p11_ec.h"
#include "p11_obj.h"
#include "p11_rsa.h"

struct export_public {
	const char *label;
	const char *out;
	bool force;
	char fingerprint[P11_RSA_FP_HEX];
	int bits;
	bool signer; /* an ECDSA bundle signer, else an RSA transport key */
};

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct export_public, label), .arg = "L",
	  .required = true, .help = "the transport or signer key (required)" },
	{ "out", CLI_STR(struct export_public, out), .arg = "FILE",
	  .required = true, .help = "where the PEM goes (required)" },
	{ "force", CLI_FLAG(struct export_public, force),
	  .help = "replace FILE if it exists; default refused" },
	{ NULL },
};

/* The key labelled o->label: a signer's public half (proven to match its
 * private key), or a transport key's; anything else is refused by the
 * transport key's checks. */
static enum err public_key(struct p11_session *s, struct export_public *o,
                           EVP_PKEY **k)
{
	struct p11_obj_info info;
	CK_OBJECT_HANDLE priv;
	enum err r;

	if (p11_obj_find_one(s, CKO_PRIVATE_KEY, o->label, NULL, 0, &priv) ==
	            ERR_OK &&
	    p11_obj_info(s, priv, &info) == ERR_OK && info.key_type == CKK_EC) {
		o->signer = true;
		r = p11_ec_find_signer(s, o->label, &priv);
		if (r == ERR_OK)
			r = p11_ec_signer_public(s, priv, k);
		return r;
	}
	err_clear();
	r = p11_rsa_find_transport(s, o->label, &priv);
	if (r == ERR_OK)
		r = p11_rsa_public_key(s, priv, k);
	if (r == ERR_OK)
		o->bits = p11_rsa_bits(*k);
	return r;
}

static enum err export_pem(const struct cli *c, struct p11_session *s,
                           void *ctx)
{
	struct export_public *o = ctx;
	EVP_PKEY *k = NULL;
	char *pem = NULL;
	size_t len = 0;
	enum err r;

	(void)c;
	r = public_key(s, o, &k);
	if (r == ERR_OK)
		r = p11_rsa_fingerprint(k, o->fingerprint);
	if (r == ERR_OK)
		r = p11_rsa_pem(k, &pem, &len);
	if (r == ERR_OK)
		r = cli_file_write(o->out, pem, len, o->force);
	free(pem);
	EVP_PKEY_free(k);
	return r;
}

static void report(const struct cli *c, const struct export_public *o)
{
	cJSON *j;

	if (c->json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "label", o->label);
		cJSON_AddStringToObject(j, "file", o->out);
		cJSON_AddStringToObject(j, "kind",
		                        o->signer ? "signer" : "transport");
		if (o->signer)
			cJSON_AddStringToObject(j, "curve", "P-256");
		else
			cJSON_AddNumberToObject(j, "bits", o->bits);
		cJSON_AddStringToObject(j, "fingerprint", o->fingerprint);
		cli_print_json(j);
		return;
	}
	if (o->signer)
		cli_info(c,
		         "wrote the public key of bundle signer key '%s' "
		         "(ECDSA P-256) to %s; SHA-256 fingerprint:",
		         o->label, o->out);
	else
		cli_info(c,
		         "wrote the public key of transport key '%s' (RSA-%d) "
		         "to %s; SHA-256 fingerprint:",
		         o->label, o->bits, o->out);
	printf("%s\n", o->fingerprint);
}

int cmd_key_export_public(struct cli *c, int argc, char **argv)
{
	struct export_public o = { 0 };
	enum err r;
	int rc;

	rc = cli_opts_parse(c,
	                    &(struct cli_opts){ .sets = { { opts, &o } },
	                                        .required_usage =
	                                                "--label LABEL and "
	                                                "--out FILE are "
	                                                "required" },
	                    argc, argv);
	if (rc >= 0)
		return rc;
	/* before the token is opened: a file in the way changes nothing */
	r = cli_file_check_new(o.out, o.force);
	if (r != ERR_OK)
		return cli_fail(c, r);
	rc = cli_token_run(c, CLI_TOKEN_LOGIN, export_pem, &o);
	if (rc == 0)
		report(c, &o);
	return rc;
}
