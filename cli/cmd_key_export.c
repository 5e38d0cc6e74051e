/* SPDX-License-Identifier: MIT */
/* cmd_key_export.c - `p11seal key export dek --label L --to station.pem
 * --out F [--sign-with S]`: on the online bridge, wrap an exportable DEK
 * for one air-gapped station key the SO has trusted, into a DEK bundle
 * signed by the bridge's bundle signer key (no secret in it; mode 0644). */
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
	const char *oaep_hash; /* NULL: the best the token has */
	bool force;
	enum km_airgap_hash hash;
	EVP_PKEY *station; /* read from --to */
	struct km_bundle *b;
};

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct export_opts, label), .arg = "L",
	  .required = true, .help = "the exportable DEK (required)" },
	{ "to", CLI_STR(struct export_opts, to), .arg = "STATION.pem",
	  .required = true,
	  .help = "the station's transport key the SO trusted (required)" },
	{ "out", CLI_STR(struct export_opts, out), .arg = "FILE",
	  .required = true, .help = "the DEK bundle to write (required)" },
	{ "force", CLI_FLAG(struct export_opts, force),
	  .help = "replace FILE if it exists; default refused" },
	{ "oaep-hash", CLI_STR(struct export_opts, oaep_hash),
	  .arg = "sha256|sha1",
	  .help = "RSA-OAEP's hash; default sha256 where the token has it" },
	{ "sign-with", CLI_STR(struct export_opts, sign_with), .arg = "S",
	  .help = "the bundle signer key; default the token's only one" },
	{ NULL },
};

static enum err export(const struct cli *c, struct p11_session *s, void *ctx) {
	struct export_opts *o = ctx;
	struct cli_audit_rec rec = { .op = "key.export",
	                             .label = o->label,
	                             .kind = "dek" };
	struct cli_audit_intent in = { 0 };
	char *text = NULL;
	size_t len = 0;
	enum err r;

	r = cli_audit_begin(c, s, &rec, &in);
	if (r == ERR_OK) r = km_airgap_export(s, o->label, o->station, o->hash,
	                                      o->sign_with, o->b);
	if (r == ERR_OK) r = km_bundle_build(o->b, &text, &len);
	if (r == ERR_OK) r = cli_file_write(o->out, text, len, o->force);
	free(text);
	rec.result = r;
	rec.intent = &in;
	return cli_audit(c, s, &rec);
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
	if (!v)
		return -1;
	if (strcmp(v, "sha256") == 0)
		*h = KM_AIRGAP_HASH_SHA256;
	else if (strcmp(v, "sha1") == 0)
		*h = KM_AIRGAP_HASH_SHA1;
	else
		return cli_usage(c, "--oaep-hash must be sha256 or sha1");
	return -1;
}

static int parse(struct cli *c, int argc, char **argv, struct export_opts *o)
{
	int rc;

	/* `key export --help` is answered by the table too */
	if (argc >= 2 && strcmp(argv[1], "dek") == 0) {
		argc--;
		argv++;
	} else if (!cli_asks_help(argc, argv)) {
		return cli_usage(c, "only 'key export dek' is supported");
	}
	rc = cli_opts_parse(
	        c,
	        &(struct cli_opts){ .sets = { { opts, o } },
	                            .required_usage =
	                                    "--label LABEL, --to STATION.pem "
	                                    "and --out FILE are required" },
	        argc, argv);
	return rc >= 0 ? rc : parse_hash(c, o->oaep_hash, &o->hash);
}

/* The files first: a bundle in the way or a bad station key changes
 * nothing and opens no token. */
int cmd_key_export(struct cli *c, int argc, char **argv)
{
	struct export_opts o = { .hash = KM_AIRGAP_HASH_BEST };
	enum err r;
	int rc;

	rc = parse(c, argc, argv, &o);
	if (rc >= 0)
		return rc;
	r = cli_file_check_new(o.out, o.force);
	if (r == ERR_OK)
		r = cli_file_read_pubkey(o.to, &o.station);
	o.b = calloc(1, sizeof(*o.b));
	if (r == ERR_OK && !o.b)
		r = err_set(ERR_NOMEM, "bundle");
	rc = r == ERR_OK ? cli_token_run(c, CLI_TOKEN_LOGIN, export, &o)
	                 : cli_fail(c, r);
	if (rc == 0)
		report(c, &o, o.b);
	EVP_PKEY_free(o.station);
	free(o.b);
	return rc;
}
