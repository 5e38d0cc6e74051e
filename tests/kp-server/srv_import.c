/* SPDX-License-Identifier: MIT */
/* srv_import.c - import tokens and the checks of a secure import, in the
 * order of spec 4.5: token present and fresh, algorithm, RSA-OAEP, key
 * length, nonce decryption, nonce match. */
#include "srv_import.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "encode.h"
#include "secmem.h"
#include "srv_json.h"
#include "srv_state.h"

#define NONCE_LEN 12
#define RSA_BITS  4096

struct srv_itok {
	EVP_PKEY *pkey; /* NULL after a restart: the token is unusable */
	char *payload;  /* base64 of the PEM SubjectPublicKeyInfo */
	uint8_t nonce[NONCE_LEN];
	int64_t created, expires, max, remaining;
};

void srv_import_free(struct srv_itok *t)
{
	if (!t)
		return;
	EVP_PKEY_free(t->pkey); /* clears the private key's bignums */
	free(t->payload);
	secmem_wipe(t->nonce, sizeof(t->nonce));
	free(t);
}

static enum err pem_payload(EVP_PKEY *pkey, char **out)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long n;

	*out = NULL;
	if (!b || PEM_write_bio_PUBKEY(b, pkey) != 1) {
		BIO_free(b);
		return err_set(ERR_CRYPTO, "PEM of the import token key");
	}
	n = BIO_get_mem_data(b, &pem);
	*out = malloc(encode_base64_len((size_t)n) + 1);
	if (*out)
		encode_base64(*out, (const uint8_t *)pem, (size_t)n);
	BIO_free(b);
	return *out ? ERR_OK : err_set(ERR_NOMEM, "import token");
}

static enum err token_new(int64_t max, struct srv_itok **out)
{
	struct srv_itok *t = calloc(1, sizeof(*t));
	enum err r = ERR_OK;

	*out = NULL;
	if (!t)
		return err_set(ERR_NOMEM, "import token");
	t->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)RSA_BITS);
	if (!t->pkey || RAND_bytes(t->nonce, NONCE_LEN) != 1)
		r = err_set(ERR_CRYPTO, "import token key pair");
	if (r == ERR_OK)
		r = pem_payload(t->pkey, &t->payload);
	if (r != ERR_OK) {
		srv_import_free(t);
		return r;
	}
	t->max = t->remaining = max;
	*out = t;
	return ERR_OK;
}

static cJSON *token_json(const struct srv_itok *t)
{
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	srv_json_add_time(j, "creationDate", t->created);
	srv_json_add_time(j, "expirationDate", t->expires);
	cJSON_AddNumberToObject(j, "maxAllowedRetrievals", (double)t->max);
	cJSON_AddNumberToObject(j, "remainingRetrievals", (double)t->remaining);
	return j;
}

static enum err post_args(struct srv_req *req, struct srv_reply *rep,
                          int64_t *ttl, int64_t *max)
{
	long lo = req->srv->cfg.min_token_expiration;
	cJSON *j = NULL;
	enum err r;

	*ttl = 600 < lo ? lo : 600;
	*max = 1;
	r = srv_req_json(req, rep, false, &j);
	if (r != ERR_OK)
		return r;
	if (j && !cJSON_IsObject(j))
		r = srv_fail(rep, 400, "BAD_BODY_ERR", NULL,
		             "The body must be a JSON object");
	else if (j && srv_json_get_int(j, "expiration", lo, 86400, ttl) ==
	                      SRV_JSON_BAD)
		r = srv_fail(rep, 400, "INVALID_FIELD_ERR", "field:expiration",
		             "The field `expiration` must be: an integer "
		             "between %ld and 86400",
		             lo);
	else if (j && srv_json_get_int(j, "maxAllowedRetrievals", 1, 500,
	                               max) == SRV_JSON_BAD)
		r = srv_fail_must(rep, "field", "maxAllowedRetrievals",
		                  "an integer between 1 and 500");
	cJSON_Delete(j);
	return r;
}

enum err srv_import_post(struct srv_req *req, struct srv_reply *rep)
{
	struct srv *srv = req->srv;
	struct srv_itok *t = NULL;
	int64_t ttl, max;
	enum err r;

	rep->what = "Import token could not be created";
	r = post_args(req, rep, &ttl, &max);
	if (r != ERR_OK)
		return r;
	/* RSA-4096 takes a second or more: make it without the lock. */
	r = token_new(max, &t);
	if (r != ERR_OK)
		return r;
	pthread_mutex_lock(&srv->lock);
	t->created = srv_now(srv);
	t->expires = t->created + ttl;
	srv_import_free(srv->itok);
	srv->itok = t;
	r = srv_state_save(srv);
	if (r == ERR_OK)
		r = srv_reply_json(rep, 200, token_json(t));
	pthread_mutex_unlock(&srv->lock);
	return r;
}

/* 409 unless the token can still be used for an import. */
static enum err check_fresh(struct srv *srv, struct srv_reply *rep)
{
	const struct srv_itok *t = srv->itok;

	if (!t || !t->pkey || srv_now(srv) >= t->expires)
		return srv_fail(rep, 409, "IMPORT_TOKEN_EXPIRED_ERR", NULL,
		                "The import token has expired.");
	return ERR_OK;
}

enum err srv_import_get(struct srv_req *req, struct srv_reply *rep)
{
	struct srv *srv = req->srv;
	struct srv_itok *t = srv->itok;
	cJSON *j;
	enum err r;

	rep->what = "Import token could not be retrieved";
	if (!t)
		return srv_fail(rep, 404, "IMPORT_TOKEN_NOT_FOUND_ERR", NULL,
		                "No import token exists for this instance");
	r = check_fresh(srv, rep);
	if (r != ERR_OK)
		return r;
	if (t->remaining <= 0)
		return srv_fail(rep, 409, "IMPORT_TOKEN_EXPIRED_ERR", NULL,
		                "The import token has reached its maximum "
		                "number of retrievals");
	t->remaining--;
	r = srv_state_save(srv);
	if (r != ERR_OK)
		return r;
	j = token_json(t);
	if (j) {
		cJSON_AddStringToObject(j, "payload", t->payload);
		cJSON_AddItemToObject(j, "nonce",
		                      srv_json_b64_new(t->nonce, NONCE_LEN));
	}
	return srv_reply_json(rep, 200, j);
}

/* Base64 field name of res into secmem; 400 INVALID_FIELD_ERR if bad. */
static enum err b64_field(struct srv_reply *rep, const cJSON *res,
                          const char *name, uint8_t **out, size_t *len)
{
	const char *s = NULL;
	char target[64];
	size_t cap, bad;

	*out = NULL;
	snprintf(target, sizeof(target), "field:%s", name);
	if (srv_json_get_str(res, name, &s) != SRV_JSON_OK || !s[0])
		return srv_fail_must(rep, "field", name, "a base64 string");
	cap = strlen(s) / 4 * 3 + 3;
	*out = secmem_alloc(cap);
	if (!*out)
		return err_set(ERR_NOMEM, "import");
	if (srv_json_b64(s, *out, cap, len, &bad) != ERR_OK) {
		secmem_free(*out);
		*out = NULL;
		return srv_fail(rep, 400, "INVALID_FIELD_ERR", target,
		                "The field `%s` must be: a base64 encoded "
		                "value: illegal base64 data at input byte %zu",
		                name, bad);
	}
	return ERR_OK;
}

/* RSA-OAEP with the same hash for OAEP and MGF1, empty label. */
static enum err oaep_decrypt(EVP_PKEY *pkey, const EVP_MD *md,
                             const uint8_t *in, size_t len, uint8_t **out,
                             size_t *out_len)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pkey, NULL);
	size_t n = RSA_BITS / 8;
	enum err r = ERR_OK;

	*out = secmem_alloc(n);
	if (!c || !*out || EVP_PKEY_decrypt_init(c) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(c, md) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(c, md) != 1 ||
	    EVP_PKEY_decrypt(c, *out, &n, in, len) != 1)
		r = err_set(ERR_VERIFY, "RSA-OAEP decryption failed");
	EVP_PKEY_CTX_free(c);
	if (r != ERR_OK) {
		secmem_free(*out);
		*out = NULL;
		return r;
	}
	*out_len = n;
	return ERR_OK;
}

static const EVP_CIPHER *nonce_cipher(size_t key_len, bool cbc)
{
	if (key_len == 16)
		return cbc ? EVP_aes_128_cbc() : EVP_aes_128_gcm();
	if (key_len == 24)
		return cbc ? EVP_aes_192_cbc() : EVP_aes_192_gcm();
	return cbc ? EVP_aes_256_cbc() : EVP_aes_256_gcm();
}

/* Decrypt the nonce: GCM with the tag appended, or (HPCS) CBC-PKCS#7.
 * ERR_VERIFY when the key/IV do not open it. */
static enum err nonce_decrypt(const uint8_t *key, size_t key_len,
                              const uint8_t *iv, size_t iv_len,
                              const uint8_t *in, size_t len, uint8_t *out,
                              int *out_len)
{
	bool cbc = iv_len == 16;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, f = 0;
	bool ok;

	if (!cbc && len < 16) {
		EVP_CIPHER_CTX_free(c);
		return err_set(ERR_VERIFY, "encrypted nonce too short");
	}
	if (!cbc)
		len -= 16;
	ok = c &&
	     EVP_DecryptInit_ex(c, nonce_cipher(key_len, cbc), NULL, NULL,
	                        NULL) == 1 &&
	     (cbc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)iv_len,
	                                 NULL) == 1) &&
	     EVP_DecryptInit_ex(c, NULL, NULL, key, iv) == 1 &&
	     EVP_DecryptUpdate(c, out, &n, in, (int)len) == 1 &&
	     (cbc || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16,
	                                 (void *)(uintptr_t)(in + len)) == 1) &&
	     EVP_DecryptFinal_ex(c, out + n, &f) == 1;
	EVP_CIPHER_CTX_free(c);
	*out_len = n + f;
	return ok ? ERR_OK : err_set(ERR_VERIFY, "nonce does not open");
}

static enum err pick_oaep(struct srv *srv, struct srv_reply *rep,
                          const cJSON *res, const EVP_MD **md)
{
	const char *alg = "RSAES_OAEP_SHA_256";

	if (srv_json_get_str(res, "encryptionAlgorithm", &alg) == SRV_JSON_BAD)
		alg = "";
	if (strcmp(alg, "RSAES_OAEP_SHA_256") == 0)
		*md = EVP_sha256();
	else if (strcmp(alg, "RSAES_OAEP_SHA_1") == 0 && srv->cfg.hpcs)
		*md = EVP_sha1();
	else
		return srv_fail_must(rep, "field", "encryptionAlgorithm",
		                     "RSAES_OAEP_SHA_256 (RSAES_OAEP_SHA_1 is "
		                     "only supported by Hyper Protect Crypto "
		                     "Services)");
	return ERR_OK;
}

struct sealed_import {
	uint8_t *enc, *nonce, *iv, *key;
	size_t enc_len, nonce_len, iv_len, key_len;
};

static void sealed_import_wipe(struct sealed_import *s)
{
	secmem_free(s->enc);
	secmem_free(s->nonce);
	secmem_free(s->iv);
	secmem_free(s->key);
}

/* Spec 4.5 steps 3-5 on decoded fields. */
static enum err check_sealed(struct srv *srv, struct srv_reply *rep,
                             const EVP_MD *md, struct sealed_import *s)
{
	uint8_t plain[64 + 16];
	int plain_len = 0;
	enum err r;

	if (s->iv_len != NONCE_LEN && !(srv->cfg.hpcs && s->iv_len == 16))
		return srv_fail_must(rep, "field", "iv",
		                     "a base64 encoded "
		                     "12-byte initialization vector");
	if (oaep_decrypt(srv->itok->pkey, md, s->enc, s->enc_len, &s->key,
	                 &s->key_len) != ERR_OK ||
	    (s->key_len != 16 && s->key_len != 24 && s->key_len != 32))
		return srv_fail_must(rep, "field", "payload",
		                     "16, 24 or 32 "
		                     "bytes of key material encrypted with the "
		                     "public key of the import token");
	if (s->nonce_len > 64 ||
	    nonce_decrypt(s->key, s->key_len, s->iv, s->iv_len, s->nonce,
	                  s->nonce_len, plain, &plain_len) != ERR_OK)
		r = srv_fail(rep, 400, "INCORRECT_NONCE_IV_ERR",
		             "field:encryptedNonce",
		             "The encrypted nonce could not be decrypted with "
		             "the key material and IV given");
	else if (plain_len != NONCE_LEN ||
	         !secmem_equal(plain, srv->itok->nonce, NONCE_LEN))
		r = srv_fail(rep, 400, "INCORRECT_NONCE_ERR",
		             "field:encryptedNonce",
		             "The nonce does not match the nonce of the "
		             "import token");
	else
		r = ERR_OK;
	secmem_wipe(plain, sizeof(plain));
	return r;
}

static enum err secure_import(struct srv *srv, struct srv_reply *rep,
                              const cJSON *res, uint8_t **key, size_t *len)
{
	struct sealed_import s = { 0 };
	const EVP_MD *md = NULL;
	enum err r;

	r = check_fresh(srv, rep);
	if (r == ERR_OK)
		r = pick_oaep(srv, rep, res, &md);
	if (r == ERR_OK)
		r = b64_field(rep, res, "payload", &s.enc, &s.enc_len);
	if (r == ERR_OK)
		r = b64_field(rep, res, "encryptedNonce", &s.nonce,
		              &s.nonce_len);
	if (r == ERR_OK)
		r = b64_field(rep, res, "iv", &s.iv, &s.iv_len);
	if (r == ERR_OK)
		r = check_sealed(srv, rep, md, &s);
	if (r == ERR_OK) {
		*key = s.key;
		*len = s.key_len;
		s.key = NULL;
	}
	sealed_import_wipe(&s);
	return r;
}

static bool present(const cJSON *res, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(res, name);

	return v && !cJSON_IsNull(v);
}

static enum err plain_import(struct srv_reply *rep, const cJSON *res, bool root,
                             uint8_t **key, size_t *len)
{
	enum err r;

	r = b64_field(rep, res, "payload", key, len);
	if (r != ERR_OK)
		return r;
	if (root ? (*len == 16 || *len == 24 || *len == 32)
	         : (*len >= 1 && *len <= SRV_STANDARD_PAYLOAD_MAX))
		return ERR_OK;
	secmem_free(*key);
	*key = NULL;
	return srv_fail_must(rep, "field", "payload",
	                     root ? "16, 24 or 32 bytes of base64 encoded key "
	                            "material"
	                          : "1 to 7500 bytes of base64 encoded key "
	                            "material");
}

enum err srv_import_material(struct srv *srv, struct srv_reply *rep,
                             const cJSON *res, bool root, enum srv_import *mode,
                             uint8_t **key, size_t *len)
{
	bool payload = present(res, "payload");
	bool nonce = present(res, "encryptedNonce"), iv = present(res, "iv");
	enum err r;

	*mode = SRV_IMPORT_NONE;
	*key = NULL;
	*len = 0;
	if (nonce != iv)
		return srv_fail_must(rep, "field",
		                     nonce ? "iv" : "encryptedNonce",
		                     "given together with "
		                     "the other of `encryptedNonce` and `iv`");
	if (present(res, "encryptionAlgorithm") && !nonce)
		return srv_fail_must(rep, "field", "encryptionAlgorithm",
		                     "sent only with `encryptedNonce` and "
		                     "`iv`");
	if (nonce && !payload)
		return srv_fail_must(rep, "field", "payload",
		                     "given with "
		                     "`encryptedNonce` and `iv`");
	if (!payload)
		return ERR_OK;
	if (nonce)
		r = secure_import(srv, rep, res, key, len);
	else
		r = plain_import(rep, res, root, key, len);
	if (r == ERR_OK)
		*mode = nonce ? SRV_IMPORT_TOKEN : SRV_IMPORT_PLAIN;
	return r;
}

cJSON *srv_import_json_build(const struct srv_itok *t)
{
	return t ? token_json(t) : NULL;
}

enum err srv_import_json_parse(const cJSON *j, struct srv_itok **out)
{
	struct srv_itok *t = calloc(1, sizeof(*t));
	const char *c = NULL, *e = NULL;

	*out = NULL;
	if (!t)
		return err_set(ERR_NOMEM, "import token");
	if (srv_json_get_str(j, "creationDate", &c) != SRV_JSON_OK ||
	    srv_json_get_str(j, "expirationDate", &e) != SRV_JSON_OK ||
	    srv_json_time_parse(c, &t->created) != ERR_OK ||
	    srv_json_time_parse(e, &t->expires) != ERR_OK ||
	    srv_json_get_int(j, "maxAllowedRetrievals", 1, 500, &t->max) !=
	            SRV_JSON_OK ||
	    srv_json_get_int(j, "remainingRetrievals", 0, 500, &t->remaining) !=
	            SRV_JSON_OK) {
		free(t);
		return err_set(ERR_FORMAT, "import token in the state file");
	}
	*out = t;
	return ERR_OK;
}

enum err srv_import_admin(struct srv_req *req, struct srv_reply *rep)
{
	struct srv_itok *t = req->srv->itok;
	uint8_t *nonce = NULL;
	size_t len = 0;
	cJSON *j = NULL;
	enum err r;

	if (strcmp(req->method, "POST") != 0)
		return srv_fail(rep, 405, NULL, NULL, "POST only");
	if (!t || !t->pkey)
		return srv_fail(rep, 409, NULL, NULL, "no usable import token");
	r = srv_req_json(req, rep, true, &j);
	if (r == ERR_OK)
		r = b64_field(rep, j, "nonce", &nonce, &len);
	if (r == ERR_OK && len != NONCE_LEN)
		r = srv_fail_must(rep, "field", "nonce", "12 bytes");
	if (r == ERR_OK) {
		memcpy(t->nonce, nonce, NONCE_LEN);
		rep->status = 204;
	}
	secmem_free(nonce);
	cJSON_Delete(j);
	return r;
}
