/* SPDX-License-Identifier: MIT */
/* cmd_kp_import_token_show.c - `p11seal kp import-token-show`: fetch the
 * import token (uses up one retrieval) and show its RSA key by size and
 * SHA-256 fingerprint; --json adds the payload and nonce. */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "cli.h"
#include "commands.h"
#include "encode.h"
#include "kp_client.h"
#include "kp_crypto.h"
#include "kp_import.h"
#include "kp_opts.h"

static enum err print_json(const struct kp_import_token *t, int bits,
                           const char *fp)
{
	char *payload = malloc(encode_base64_len(t->pubkey_len) + 1);
	char nonce[24];
	cJSON *o = cJSON_CreateObject();

	if (!payload || !o) {
		free(payload);
		cJSON_Delete(o);
		return err_set(ERR_NOMEM, "JSON output");
	}
	encode_base64(payload, t->pubkey, t->pubkey_len);
	encode_base64(nonce, t->nonce, sizeof(t->nonce));
	cJSON_AddStringToObject(o, "creationDate", t->creation_date);
	cJSON_AddStringToObject(o, "expirationDate", t->expiration_date);
	cJSON_AddNumberToObject(o, "maxAllowedRetrievals",
	                        (double)t->max_retrievals);
	cJSON_AddNumberToObject(o, "remainingRetrievals",
	                        (double)t->remaining_retrievals);
	cJSON_AddNumberToObject(o, "keyBits", bits);
	cJSON_AddStringToObject(o, "keySha256", fp);
	cJSON_AddStringToObject(o, "payload", payload);
	cJSON_AddStringToObject(o, "nonce", nonce);
	free(payload);
	return cli_print_json(o);
}

static enum err show(const struct cli *c, const struct kp_import_token *t)
{
	EVP_PKEY *pub = NULL;
	char fp[65];
	int bits = 0;
	enum err r = kp_crypto_pubkey_parse(t->pubkey, t->pubkey_len, &pub);

	if (r == ERR_OK)
		r = kp_crypto_pubkey_info(pub, &bits, fp);
	EVP_PKEY_free(pub);
	if (r != ERR_OK)
		return r;
	if (c->json)
		return print_json(t, bits, fp);
	printf("created:              %s\nexpires:              %s\n"
	       "remaining retrievals: %lld of %lld\nkey:                  "
	       "RSA-%d\nkey SHA-256:          %s\n",
	       t->creation_date, t->expiration_date, t->remaining_retrievals,
	       t->max_retrievals, bits, fp);
	return ERR_OK;
}

int cmd_kp_import_token_show(struct cli *c, int argc, char **argv)
{
	struct kp_import_token t = { 0 };
	struct kp_client *kp = NULL;
	struct kp_opts o;
	enum err r;
	int rc;

	rc = kp_opts_parse(c, argc, argv, NULL, NULL, NULL, NULL, &o);
	if (rc < 0 && optind < argc)
		rc = cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (rc >= 0)
		return rc;
	r = kp_opts_connect(&o, &kp);
	if (r == ERR_OK)
		r = kp_import_token_get(kp, &t);
	if (r == ERR_OK)
		r = show(c, &t);
	kp_json_import_token_clear(&t);
	kp_client_free(kp);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
