/* SPDX-License-Identifier: MIT */
/* cmd_key_export.c - `p11seal key export dek --label L --to station.pem
 * --out F [--sign-with S]`: on the online bridge, wrap an exportable DEK
 * for one air-gapped station key the SO has trusted, into a DEK bundle
 * signed by the bridge's bundle signer key (no secret in it; mode 0644). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_file.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "km_airgap.h"
#include "km_bundle.h"
#include "p11_rsa.h"

struct export_opts {
	const char *label;
	const char *to;
	const char *out;
	const char *sign_with; /* NULL: the token's only signer key */
	bool force;
	enum km_airgap_hash hash;
};

static enum err export(const struct cli *c, const struct export_opts *o,
                       struct km_bundle *b) {
	struct cli_token t = { 0 }; EVP_PKEY *k = NULL; char *text = NULL;
	struct cli_audit_rec rec = { .op = "key.export",
	                             .label = o->label,
	                             .kind = "dek" };
	struct cli_audit_intent in = { 0 };
	size_t len = 0;
	enum err r;

	r = cli_file_check_new(o->out, o->force);
	if (r == ERR_OK) r = cli_file_read_pubkey(o->to, &k);
	if (r == ERR_OK) r = cli_token_open(c, CLI_TOKEN_LOGIN, &t);
	if (r == ERR_OK) r = cli_audit_begin(c, t.session, &rec, &in);
	if (r == ERR_OK) r = km_airgap_export(t.session, o->label, k, o->hash,
	                                      o->sign_with, b);
	EVP_PKEY_free(k);
	if (r == ERR_OK) r = km_bundle_build(b, &text, &len);
	if (r == ERR_OK) r = cli_file_write(o->out, text, len, o->force);
	free(text);
	rec.result = r;
	rec.intent = &in;
	r = cli_audit(c, t.session, &rec);
	cli_token_close(&t);
	return r;
}

static void report(const struct cli *c, const struct export_opts *o,
                   const struct km_bundle *b)
{
	char keyhash[65];
	cJSON *j;

	encode_hex(keyhash, b->keyhash, sizeof(b->keyhash));
	if (c->json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "file", o->out);
		cJSON_AddStringToObject(j, "label", b->label);
		cJSON_AddNumberToObject(j, "dek_size", b->dek_size);
		cJSON_AddStringToObject(j, "keyhash", keyhash);
		cJSON_AddStringToObject(j, "recipient_fingerprint",
		                        b->recipient);
		cJSON_AddStringToObject(j, "oaep_hash",
		                        km_bundle_hash_name(b->hash));
		cJSON_AddStringToObject(j, "format", KM_BUNDLE_FORMAT);
		cJSON_AddStringToObject(j, "signer_fingerprint", b->signer);
		cli_print_json(j);
		return;
	}
	cli_info(c,
	         "wrote %s: DEK '%s' (%u bytes, keyhash %s) for station "
	         "key %s, RSA-OAEP %s, signed by signer key %s",
	         o->out, b->label, b->dek_size, keyhash, b->recipient,
	         km_bundle_hash_name(b->hash), b->signer);
}

static int parse_hash(struct cli *c, const char *v, enum km_airgap_hash *h)
{
	if (strcmp(v, "sha256") == 0)
		*h = KM_AIRGAP_HASH_SHA256;
	else if (strcmp(v, "sha1") == 0)
		*h = KM_AIRGAP_HASH_SHA1;
	else
		return cli_usage(c, "--oaep-hash must be sha256 or sha1");
	return -1;
}

/* The options the getopt loop below takes, for help, man page and
 * completion. */
static const struct cli_opt described[] = {
	{ "label", .kind = CLI_OPT_STR, .arg = "L",
	  .help = "the exportable DEK (required)" },
	{ "to", .kind = CLI_OPT_STR, .arg = "STATION.pem",
	  .help = "the station's trusted transport public key (required)" },
	{ "out", .kind = CLI_OPT_STR, .arg = "FILE",
	  .help = "the DEK bundle to write (required)" },
	{ "force", .kind = CLI_OPT_FLAG,
	  .help = "FILE may replace an existing file; default refused" },
	{ "oaep-hash", .kind = CLI_OPT_STR, .arg = "sha256|sha1",
	  .help = "RSA-OAEP hash of the wrap; default sha256" },
	{ "sign-with", .kind = CLI_OPT_STR, .arg = "S",
	  .help = "the bridge's signer key; default the token's one signer "
	          "key" },
	{ NULL },
};

static int parse(struct cli *c, int argc, char **argv, struct export_opts *o)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "to", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "oaep-hash", required_argument, NULL, 'H' },
		{ "sign-with", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' }, /* the global, after */
		{ NULL, 0, NULL, 0 },
	};
	int ch, rc;

	if (argc < 2 || strcmp(argv[1], "dek") != 0)
		return cli_usage(c, "only 'key export dek' is supported");
	argc--;
	argv++;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': o->label = optarg; break;
		case 't': o->to = optarg; break;
		case 'o': o->out = optarg; break;
		case 'f': o->force = true; break;
		case 's': o->sign_with = optarg; break;
		case 'H':
			rc = parse_hash(c, optarg, &o->hash);
			if (rc >= 0)
				return rc;
			break;
		case 'j': c->json = true; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (!o->label || !o->to || !o->out || optind < argc)
		return cli_usage(c, "--label LABEL, --to STATION.pem and --out "
		                    "FILE are required");
	return -1;
}

int cmd_key_export(struct cli *c, int argc, char **argv)
{
	struct export_opts o = { .hash = KM_AIRGAP_HASH_BEST };
	struct km_bundle *b = NULL;
	enum err r;
	int rc;

	if (cli_wants_help(c, argc, argv, described))
		return 0;
	rc = parse(c, argc, argv, &o);
	if (rc >= 0)
		return rc;
	b = calloc(1, sizeof(*b));
	if (!b)
		return cli_fail(c, err_set(ERR_NOMEM, "bundle"));
	r = export(c, &o, b);
	if (r == ERR_OK)
		report(c, &o, b);
	free(b);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
