/* SPDX-License-Identifier: MIT */
/* srv_wrap.c - seal and open wrapped DEKs. The DEK only exists in host
 * memory in secmem buffers; GCM runs in the token under the version key. */
#include "srv_wrap.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "bytes.h"
#include "encode.h"
#include "secmem.h"
#include "srv_json.h"

#define WRAP_FORMAT "4.0.0"

/* SHA-256 over be32(len) || item for each AAD item; 0 bytes if none. */
static enum err aad_digest(const char *const *aad, size_t n, uint8_t md[32],
                           size_t *md_len)
{
	EVP_MD_CTX *c = NULL;
	uint8_t be[4];
	bool ok;

	*md_len = 0;
	if (!n)
		return ERR_OK;
	c = EVP_MD_CTX_new();
	ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1;
	for (size_t i = 0; ok && i < n; i++) {
		put_be32(be, (uint32_t)strlen(aad[i]));
		ok = EVP_DigestUpdate(c, be, 4) == 1 &&
		     EVP_DigestUpdate(c, aad[i], strlen(aad[i])) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(c, md, NULL) == 1;
	EVP_MD_CTX_free(c);
	if (!ok)
		return err_set(ERR_CRYPTO, "SHA-256 of the AAD");
	*md_len = 32;
	return ERR_OK;
}

static enum err outer_b64(const cJSON *inner, char **out)
{
	char *json = cJSON_PrintUnformatted(inner);
	size_t n;

	*out = NULL;
	if (!json)
		return err_set(ERR_NOMEM, "ciphertext");
	n = strlen(json);
	*out = malloc(encode_base64_len(n) + 1);
	if (*out)
		encode_base64(*out, (const uint8_t *)json, n);
	cJSON_free(json);
	return *out ? ERR_OK : err_set(ERR_NOMEM, "ciphertext");
}

enum err srv_wrap_seal(struct srv_hsm *h, const char *vid,
                       const char *const *aad, size_t n_aad, const uint8_t *pt,
                       size_t len, char **out)
{
	uint8_t iv[SRV_HSM_IV_LEN], md[32], *ct = NULL;
	cJSON *inner = NULL;
	size_t md_len;
	enum err r;

	*out = NULL;
	if (len > SRV_WRAP_PLAINTEXT_MAX)
		return err_set(ERR_USAGE, "plaintext too long");
	ct = malloc(len + SRV_HSM_TAG_LEN);
	inner = cJSON_CreateObject();
	if (!ct || !inner) {
		r = err_set(ERR_NOMEM, "wrap");
		goto out;
	}
	r = aad_digest(aad, n_aad, md, &md_len);
	if (r == ERR_OK)
		r = srv_hsm_seal(h, vid, md, md_len, pt, len, iv, ct);
	if (r != ERR_OK)
		goto out;
	/* Member order gives the familiar "eyJjaXBoZXJ0ZXh0Ijoi" prefix. */
	cJSON_AddItemToObject(inner, "ciphertext",
	                      srv_json_b64_new(ct, len + SRV_HSM_TAG_LEN));
	cJSON_AddItemToObject(inner, "iv", srv_json_b64_new(iv, sizeof(iv)));
	cJSON_AddStringToObject(inner, "version", WRAP_FORMAT);
	cJSON_AddStringToObject(inner, "handle", vid);
	r = outer_b64(inner, out);
out:
	cJSON_Delete(inner);
	free(ct);
	return r;
}

struct sealed {
	uint8_t iv[SRV_HSM_IV_LEN];
	uint8_t ct[SRV_WRAP_PLAINTEXT_MAX + SRV_HSM_TAG_LEN];
	size_t ct_len;
	char handle[SRV_UUID_LEN + 1];
};

static enum err b64_field(const cJSON *j, const char *name, uint8_t *out,
                          size_t cap, size_t *len)
{
	const char *s;
	uint8_t *tmp;
	size_t bad, n;
	enum err r;

	if (srv_json_get_str(j, name, &s) != SRV_JSON_OK)
		return err_set(ERR_FORMAT, "ciphertext has no %s", name);
	n = strlen(s) / 4 * 3 + 3;
	tmp = malloc(n);
	if (!tmp)
		return err_set(ERR_NOMEM, "ciphertext");
	r = srv_json_b64(s, tmp, n, len, &bad);
	if (r == ERR_OK && *len > cap)
		r = err_set(ERR_FORMAT, "ciphertext %s too long", name);
	if (r == ERR_OK)
		memcpy(out, tmp, *len);
	free(tmp);
	return r == ERR_OK ? ERR_OK : ERR_FORMAT;
}

/* Outer base64 -> inner JSON -> fields. */
static enum err parse_sealed(const char *text, struct sealed *s)
{
	size_t n = strlen(text), len = 0, bad, iv_len = 0;
	const char *v, *handle;
	char *json = NULL;
	cJSON *j = NULL;
	enum err r;

	if (n > SRV_WRAP_CIPHERTEXT_MAX)
		return err_set(ERR_FORMAT, "ciphertext too long");
	json = malloc(n / 4 * 3 + 4);
	if (!json)
		return err_set(ERR_NOMEM, "ciphertext");
	r = srv_json_b64(text, (uint8_t *)json, n / 4 * 3 + 3, &len, &bad);
	if (r != ERR_OK) {
		free(json);
		return ERR_USAGE;
	}
	json[len] = '\0';
	r = srv_json_parse(json, len, &j);
	if (r == ERR_OK)
		r = b64_field(j, "iv", s->iv, sizeof(s->iv), &iv_len);
	if (r == ERR_OK)
		r = b64_field(j, "ciphertext", s->ct, sizeof(s->ct),
		              &s->ct_len);
	if (r == ERR_OK &&
	    (iv_len != SRV_HSM_IV_LEN || s->ct_len < SRV_HSM_TAG_LEN ||
	     srv_json_get_str(j, "version", &v) != SRV_JSON_OK ||
	     strcmp(v, WRAP_FORMAT) != 0 ||
	     srv_json_get_str(j, "handle", &handle) != SRV_JSON_OK))
		r = err_set(ERR_FORMAT, "not a wrapped key of this service");
	if (r == ERR_OK)
		snprintf(s->handle, sizeof(s->handle), "%s", handle);
	cJSON_Delete(j);
	free(json);
	return r == ERR_OK ? ERR_OK : ERR_FORMAT;
}

static enum err try_version(struct srv_hsm *h, const struct sealed *s,
                            const uint8_t *md, size_t md_len,
                            const struct srv_version *v, uint8_t *pt)
{
	return srv_hsm_unseal(h, v->id, md, md_len, s->iv, s->ct, s->ct_len,
	                      pt);
}

enum err srv_wrap_open(struct srv_hsm *h, const struct srv_key *k,
                       const char *const *aad, size_t n_aad, const char *text,
                       uint8_t **pt, size_t *len,
                       const struct srv_version **used)
{
	const struct srv_version *named;
	struct sealed *s = secmem_alloc(sizeof(*s));
	uint8_t md[32], *out = NULL;
	size_t md_len = 0;
	enum err r;

	*pt = NULL;
	if (!s)
		return err_set(ERR_NOMEM, "unwrap");
	r = parse_sealed(text, s);
	if (r == ERR_OK)
		r = aad_digest(aad, n_aad, md, &md_len);
	if (r == ERR_OK && !(out = secmem_alloc(s->ct_len)))
		r = err_set(ERR_NOMEM, "unwrap");
	if (r != ERR_OK)
		goto out;
	named = srv_key_version(k, s->handle);
	r = named ? try_version(h, s, md, md_len, named, out) : ERR_VERIFY;
	*used = named;
	for (size_t i = k->n_versions; i-- > 0 && r == ERR_VERIFY && !named;) {
		r = try_version(h, s, md, md_len, &k->versions[i], out);
		*used = &k->versions[i];
	}
	if (r == ERR_OK) {
		*pt = out;
		*len = s->ct_len - SRV_HSM_TAG_LEN;
		out = NULL;
	} else if (r == ERR_VERIFY) {
		err_set(ERR_VERIFY, "no version of key %s opens it", k->id);
	}
out:
	secmem_free(out);
	secmem_free(s);
	return r;
}
