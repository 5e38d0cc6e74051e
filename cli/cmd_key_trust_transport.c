/* SPDX-License-Identifier: MIT */
/* cmd_key_trust_transport.c - `p11seal key trust-transport --pubkey F
 * --label S [--fingerprint HEX]`: the security officer's ceremony on the
 * bridge token (a key of another fingerprint than the one given is
 * refused before the SO logs in). Only
 * the SO logs in (a process cannot hold SO and user logins at once); the
 * station key becomes a trusted, wrap-only public key, the one thing
 * exportable DEKs may leave the token under. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli.h"
#include "cli_file.h"
#include "cli_token.h"
#include "cli_trust.h"
#include "commands.h"
#include "p11_rsa.h"
#include "p11_trust.h"

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

static enum err trust(const struct cli *c, struct trust_opts *o)
{
	struct cli_token t;
	CK_OBJECT_HANDLE h;
	EVP_PKEY *k = NULL;
	enum err r;

	r = read_station(o, &k);
	if (r == ERR_OK)
		r = cli_token_open(c, CLI_TOKEN_RW, &t);
	if (r != ERR_OK) {
		EVP_PKEY_free(k);
		return r;
	}
	/* No audit record: the SO session cannot see the audit key, a
	 * private object (cli_audit would take auditing to be off). */
	r = cli_trust_so_login(t.session, o->so_pin_source);
	if (r == ERR_OK)
		r = p11_trust_add(t.session, o->label, k, &h, &o->hard);
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
	         o->hard.wrap_template ? "AES + wrap_with_trusted" : "none",
	         o->hard.not_modifiable ? "no" : "yes");
	printf("%s\n", o->fingerprint);
}

int cmd_key_trust_transport(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pubkey", required_argument, NULL, 'k' },
		{ "label", required_argument, NULL, 'l' },
		{ "fingerprint", required_argument, NULL, 'F' },
		{ "so-pin-source", required_argument, NULL, 's' },
		{ "so-pin", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct trust_opts o = { 0 };
	enum err r;
	int ch;

	if (cli_wants_help(c, argc, argv))
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
