/* SPDX-License-Identifier: MIT */
/* cmd_key_trust_signer.c - `p11seal key trust-signer --pubkey F --label B
 * [--fingerprint HEX]`: the security officer's step on an air-gapped
 * station. The bridge's bundle signer public key becomes a trusted,
 * verify-only public key in the token (only the SO can set CKA_TRUSTED),
 * and the station accepts DEK bundles signed by it and by nothing else. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "cli.h"
#include "cli_file.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "cli_trust.h"
#include "commands.h"
#include "p11_ec.h"
#include "p11_ec_pin.h"
#include "p11_rsa.h"

#define PEM_MAX (16u * 1024)

struct pin_opts {
	const char *pubkey;
	const char *label;
	const char *so_pin_source;
	const char *want; /* --fingerprint, normalised; NULL if not given */
	char want_buf[65];
	char fingerprint[P11_RSA_FP_HEX];
	struct p11_ec_pin_hardening hard;
};

/* The key file, refused before any login if it is not the one named. */
static enum err read_signer(struct pin_opts *o, EVP_PKEY **k)
{
	char *text = NULL;
	size_t len = 0;
	enum err r = cli_file_read(o->pubkey, PEM_MAX, &text, &len);

	if (r == ERR_OK)
		r = p11_ec_pem_parse(text, len, k);
	free(text);
	if (r != ERR_OK)
		return err_wrap(r, "%s", o->pubkey);
	r = p11_rsa_fingerprint(*k, o->fingerprint);
	if (r == ERR_OK)
		r = cli_trust_check_fingerprint(o->want, o->fingerprint);
	return r;
}

static enum err pin(const struct cli *c, struct pin_opts *o)
{
	struct cli_token t = { 0 };
	CK_OBJECT_HANDLE h;
	EVP_PKEY *k = NULL;
	enum err r;

	r = read_signer(o, &k);
	if (r == ERR_OK)
		r = cli_token_open(c, CLI_TOKEN_RW, &t);
	/* No audit record: the SO session cannot see the audit key, a
	 * private object (as for key trust-transport). */
	if (r == ERR_OK)
		r = cli_trust_so_login(t.session, o->so_pin_source);
	if (r == ERR_OK)
		r = p11_ec_pin_add(t.session, o->label, k, &h, &o->hard);
	cli_token_close(&t);
	EVP_PKEY_free(k);
	return r;
}

static void report(const struct cli *c, const struct pin_opts *o)
{
	cJSON *j;

	if (c->json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "label", o->label);
		cJSON_AddStringToObject(j, "curve", "P-256");
		cJSON_AddStringToObject(j, "fingerprint", o->fingerprint);
		cJSON_AddBoolToObject(j, "fingerprint_checked",
		                      o->want != NULL);
		cJSON_AddBoolToObject(j, "ecdsa_only", o->hard.ecdsa_only);
		cJSON_AddBoolToObject(j, "modifiable", !o->hard.not_modifiable);
		cli_print_json(j);
		return;
	}
	cli_info(c,
	         "pinned bundle signer '%s' (ECDSA P-256, trusted, verify "
	         "only; allowed mechanisms: %s; modifiable: %s); fingerprint "
	         "%s:",
	         o->label, o->hard.ecdsa_only ? "ECDSA only" : "any",
	         o->hard.not_modifiable ? "no" : "yes",
	         o->want ? "as given" : "(compare it with the bridge's)");
	printf("%s\n", o->fingerprint);
}

/* The options the getopt loop below takes, for help, man page and
 * completion. */
static const struct cli_opt described[] = {
	{ "pubkey", .kind = CLI_OPT_STR, .arg = "FILE",
	  .help = "the bridge's signer public key, PEM (required)" },
	{ "label", .kind = CLI_OPT_STR, .arg = "B",
	  .help = "the label of the pinned key (required)" },
	CLI_DESCRIBE_FINGERPRINT,
	CLI_DESCRIBE_SO_PIN(""),
	{ NULL },
};

static int parse(struct cli *c, int argc, char **argv, struct pin_opts *o)
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
	enum err r;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'k': o->pubkey = optarg; break;
		case 'l': o->label = optarg; break;
		case 'F':
			r = cli_trust_parse_fingerprint(optarg, o->want_buf);
			if (r != ERR_OK)
				return cli_fail(c, r);
			o->want = o->want_buf;
			break;
		case 's': o->so_pin_source = optarg; break;
		case 'S':
			return cli_fail(c, cli_refuse_argv_secret("--so-pin",
			                                          "SO PIN"));
		case 'j': c->json = true; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (!o->pubkey || !o->label || !o->label[0] || optind < argc)
		return cli_usage(c, "--pubkey FILE and --label LABEL are "
		                    "required");
	return -1;
}

int cmd_key_trust_signer(struct cli *c, int argc, char **argv)
{
	struct pin_opts o = { 0 };
	enum err r;
	int rc;

	if (cli_wants_help(c, argc, argv, described))
		return 0;
	rc = parse(c, argc, argv, &o);
	if (rc >= 0)
		return rc;
	r = pin(c, &o);
	if (r != ERR_OK)
		return cli_fail(c, r);
	report(c, &o);
	return 0;
}
