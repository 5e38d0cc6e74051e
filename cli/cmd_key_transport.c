/* SPDX-License-Identifier: MIT */
/* cmd_key_transport.c - `p11seal key create transport --label T [--bits N]`
 * (reached through cmd_key_create): an air-gapped station's RSA transport
 * key pair, generated in the token; the private half can only unwrap, and
 * only into keys that stay sensitive and inside the token. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_token.h"
#include "commands.h"
#include "p11_key.h"
#include "p11_obj.h"
#include "p11_rsa.h"
#include "p11_session.h"

static const char usage[] =
        "usage: p11seal key create transport --label T [--bits N]\n"
        "  RSA key pair for an air-gapped station (N = 3072..16384, default "
        "4096):\n  the private key only unwraps (RSA-OAEP) into sensitive, "
        "non-extractable keys.\n";

struct transport {
	const char *label;
	unsigned long bits;
	char fingerprint[P11_RSA_FP_HEX];
	double seconds;
};

static enum err store_meta(const struct cli *c, struct p11_session *s,
                           const struct transport *t)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	cJSON *meta = cJSON_CreateObject();
	enum err r;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(meta, "created", when);
	cJSON_AddNumberToObject(meta, "bits", (double)t->bits);
	cJSON_AddStringToObject(meta, "fingerprint", t->fingerprint);
	r = cli_token_put_meta(c, s, t->label, "transport", meta);
	cJSON_Delete(meta);
	return r;
}

static enum err create(const struct cli *c, struct p11_session *s,
                       struct transport *t)
{
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
	struct timespec t0, t1;
	EVP_PKEY *k = NULL;
	uint8_t id[P11_KEY_ID_LEN];
	enum err r;

	r = p11_obj_label_free(s, t->label);
	if (r == ERR_OK)
		r = p11_key_new_id(s, id);
	if (r != ERR_OK)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = p11_rsa_generate_transport(s, t->label, id, sizeof(id), t->bits,
	                               &pub, &priv);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (r != ERR_OK)
		return r;
	t->seconds = (double)(t1.tv_sec - t0.tv_sec) +
	             (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	r = p11_rsa_public_key(s, priv, &k);
	if (r == ERR_OK)
		r = p11_rsa_fingerprint(k, t->fingerprint);
	EVP_PKEY_free(k);
	if (r == ERR_OK)
		r = store_meta(c, s, t);
	if (r != ERR_OK) {
		p11_obj_discard(s, pub);
		p11_obj_discard(s, priv);
	}
	return r;
}

static void report(const struct cli *c, const struct transport *t)
{
	cJSON *j;

	if (c->json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "label", t->label);
		cJSON_AddStringToObject(j, "kind", "transport");
		cJSON_AddNumberToObject(j, "bits", (double)t->bits);
		cJSON_AddStringToObject(j, "fingerprint", t->fingerprint);
		cJSON_AddNumberToObject(j, "keygen_seconds", t->seconds);
		cli_print_json(j);
		return;
	}
	cli_info(c,
	         "created transport key '%s' (RSA-%lu, unwrap only) in "
	         "%.2f s",
	         t->label, t->bits, t->seconds);
	printf("%s\n", t->fingerprint);
}

static int parse(struct cli *c, int argc, char **argv, struct transport *t)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "bits", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	t->bits = P11_RSA_DEFAULT_BITS;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': t->label = optarg; break;
		case 'b':
			if (cli_parse_ulong(optarg, "--bits", P11_RSA_MIN_BITS,
			                    P11_RSA_MAX_BITS,
			                    &t->bits) != ERR_OK ||
			    t->bits % 8)
				return cli_usage(c,
				                 "--bits must be a multiple "
				                 "of 8 in %d..%d",
				                 P11_RSA_MIN_BITS,
				                 P11_RSA_MAX_BITS);
			break;
		case 'h': fputs(usage, stdout); return 0;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (!t->label || !t->label[0])
		return cli_usage(c, "--label LABEL is required");
	return -1;
}

int cmd_key_create_transport(struct cli *c, int argc, char **argv)
{
	struct transport t = { 0 };
	struct cli_token tok;
	enum err r;
	int rc;

	rc = parse(c, argc, argv, &t);
	if (rc >= 0)
		return rc;
	r = cli_token_open(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, &tok);
	if (r == ERR_OK)
		r = create(c, tok.session, &t);
	r = cli_audit(c, tok.session, &(struct cli_audit_rec){
		.op = "key.create", .result = r, .label = t.label,
		.kind = "transport" });
	cli_token_close(&tok);
	if (r != ERR_OK)
		return cli_fail(c, r);
	report(c, &t);
	return 0;
}
