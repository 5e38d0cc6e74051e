/* SPDX-License-Identifier: MIT */
/* cmd_key_export_public.c - `p11seal key export-public --label T --out F`:
 * the public half of a station's transport key (for the bridge's security
 * officer) or of a bridge's bundle signer key (for each station's) as
 * SubjectPublicKeyInfo PEM, with its SHA-256 fingerprint (the value to
 * compare over a second channel). */
#include <getopt.h>
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

static enum err export_pem(struct p11_session *s, struct export_public *o)
{
	EVP_PKEY *k = NULL;
	char *pem = NULL;
	size_t len = 0;
	enum err r;

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

/* The options the getopt loop below takes, for help, man page and
 * completion. */
static const struct cli_opt described[] = {
	{ "label", .kind = CLI_OPT_STR, .arg = "T",
	  .help = "the transport or signer key (required)" },
	{ "out", .kind = CLI_OPT_STR, .arg = "FILE",
	  .help = "the PEM file to write (required)" },
	{ "force", .kind = CLI_OPT_FLAG,
	  .help = "FILE may replace an existing file; default refused" },
	{ NULL },
};

int cmd_key_export_public(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' }, /* the global, after */
		{ NULL, 0, NULL, 0 },
	};
	struct export_public o = { 0 };
	struct cli_token t;
	enum err r;
	int ch;

	if (cli_wants_help(c, argc, argv, described))
		return 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': o.label = optarg; break;
		case 'o': o.out = optarg; break;
		case 'f': o.force = true; break;
		case 'j': c->json = true; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (!o.label || !o.out || optind < argc)
		return cli_usage(c,
		                 "--label LABEL and --out FILE are required");
	r = cli_file_check_new(o.out, o.force);
	if (r == ERR_OK)
		r = cli_token_open(c, CLI_TOKEN_LOGIN, &t);
	if (r != ERR_OK)
		return cli_fail(c, r);
	r = export_pem(t.session, &o);
	cli_token_close(&t);
	if (r != ERR_OK)
		return cli_fail(c, r);
	report(c, &o);
	return 0;
}
