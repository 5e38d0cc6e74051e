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
#include "kp_print.h"

static enum err print_json(const struct kp_import_token *t, int bits,
                           const char *fp)
{
	char *payload = malloc(encode_base64_len(t->pubkey_len) + 1);
	char nonce[24];
	cJSON *kp = kp_print_import_token_json(t), *o;

	if (!payload || !kp) {
		free(payload);
		cJSON_Delete(kp);
		return err_set(ERR_NOMEM, "JSON output");
	}
	encode_base64(payload, t->pubkey, t->pubkey_len);
	encode_base64(nonce, t->nonce, sizeof(t->nonce));
	cJSON_AddStringToObject(kp, "payload", payload);
	cJSON_AddStringToObject(kp, "nonce", nonce);
	free(payload);
	/* Key Protect's token, then what p11seal read from its key */
	o = kp_print_nest("import_token", kp);
	if (o) {
		cJSON_AddNumberToObject(o, "key_bits", bits);
		cJSON_AddStringToObject(o, "key_sha256", fp);
	}
	return cli_print_json(o);
}

static enum err print(const struct cli *c, const struct kp_import_token *t)
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

static enum err show(struct cli *c, struct kp_client *kp, void *args)
{
	struct kp_import_token t = { 0 };
	enum err r;

	(void)args;
	r = kp_import_token_get(kp, &t);
	if (r == ERR_OK)
		r = print(c, &t);
	kp_json_import_token_clear(&t);
	return r;
}

int cmd_kp_import_token_show(struct cli *c, int argc, char **argv)
{
	return kp_cmd_run(c, argc, argv, &(struct kp_cmd){ .call = show });
}
