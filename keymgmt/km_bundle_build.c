/* SPDX-License-Identifier: MIT */
/* km_bundle_build.c - DEK bundles out: the canonical forms the binding
 * and the signature cover (written by hand, byte for byte as km_bundle.h
 * defines them, so no JSON library's formatting choices can change what
 * is bound or signed) and the indented bundle file. */
#include "km_bundle.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "encode.h"

struct canon {
	char *buf;
	size_t len, cap;
	bool comma;
	bool nomem;
};

const char *km_bundle_hash_name(enum p11_oaep_hash h)
{
	return h == P11_OAEP_SHA256 ? "SHA-256" : "SHA-1";
}

const char *km_bundle_mgf_name(enum p11_oaep_hash h)
{
	return h == P11_OAEP_SHA256 ? "MGF1-SHA-256" : "MGF1-SHA-1";
}

static void put(struct canon *c, const char *s, size_t n)
{
	if (c->nomem)
		return;
	if (c->len + n + 1 > c->cap) {
		size_t cap = (c->len + n + 1) * 2;
		char *p = realloc(c->buf, cap);

		if (!p) {
			c->nomem = true;
			return;
		}
		c->buf = p;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, s, n);
	c->len += n;
	c->buf[c->len] = '\0';
}

/* A JSON string: only '"' and '\' need escaping, since check_text keeps
 * control characters out of every field. */
static void put_str(struct canon *c, const char *s)
{
	put(c, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			put(c, "\\", 1);
		put(c, s, 1);
	}
	put(c, "\"", 1);
}

static void name(struct canon *c, const char *n)
{
	if (c->comma)
		put(c, ",", 1);
	put_str(c, n);
	put(c, ":", 1);
	c->comma = true;
}

static void text(struct canon *c, const char *n, const char *v)
{
	if (!v[0])
		return; /* optional and absent */
	name(c, n);
	put_str(c, v);
}

static void number(struct canon *c, const char *n, unsigned v)
{
	char digits[16];

	name(c, n);
	put(c, digits, (size_t)snprintf(digits, sizeof(digits), "%u", v));
}

static void hex32(struct canon *c, const char *n, const uint8_t v[32])
{
	char hex[65];

	encode_hex(hex, v, 32);
	text(c, n, hex);
}

static void blob(struct canon *c, const char *n, const uint8_t *v, size_t len)
{
	char b64[4 * ((KM_BUNDLE_BLOB_MAX + 2) / 3) + 1];

	encode_base64(b64, v, len);
	text(c, n, b64);
}

static void wrap(struct canon *c, enum p11_oaep_hash h)
{
	name(c, "wrap");
	put(c, "{", 1);
	c->comma = false;
	text(c, "alg", "RSA-OAEP");
	text(c, "hash", km_bundle_hash_name(h));
	text(c, "mgf", km_bundle_mgf_name(h));
	put(c, "}", 1);
	c->comma = true;
}

/* with_binding: the signed form, else the bound form (km_bundle.h). */
static enum err canonical(const struct km_bundle *b, bool with_binding,
                          char **out, size_t *len)
{
	struct canon c = { .comma = false };
	enum err r = km_bundle_check(b);

	*out = NULL;
	if (r != ERR_OK)
		return r;
	put(&c, "{", 1);
	/* Sorted by member name, bytewise (test_km_bundle checks it). */
	if (with_binding)
		hex32(&c, "binding", b->binding);
	text(&c, "created", b->created);
	blob(&c, "data_half", b->data_half, b->data_len);
	number(&c, "dek_size", b->dek_size);
	text(&c, "format", KM_BUNDLE_FORMAT);
	text(&c, "key_version", b->key_version);
	hex32(&c, "keyhash", b->keyhash);
	text(&c, "label", b->label);
	text(&c, "recipient_fingerprint", b->recipient);
	text(&c, "root_key_crn", b->root_key_crn);
	text(&c, "root_key_id", b->root_key_id);
	text(&c, "signer_fingerprint", b->signer);
	blob(&c, "tweak_half", b->tweak_half, b->tweak_len);
	wrap(&c, b->hash);
	text(&c, "wrapped_dek", b->wrapped_dek);
	put(&c, "}", 1);
	if (c.nomem) {
		free(c.buf);
		return err_set(ERR_NOMEM, "bundle canonical form");
	}
	*out = c.buf;
	*len = c.len;
	return ERR_OK;
}

enum err km_bundle_canonical(const struct km_bundle *b, char **out, size_t *len)
{
	return canonical(b, false, out, len);
}

enum err km_bundle_canonical_signed(const struct km_bundle *b, char **out,
                                    size_t *len)
{
	return canonical(b, true, out, len);
}

static enum err digest(const struct km_bundle *b, bool with_binding,
                       uint8_t out[32])
{
	unsigned int md_len = 0;
	size_t len = 0;
	char *form = NULL;
	enum err r = canonical(b, with_binding, &form, &len);
	int ok;

	if (r != ERR_OK)
		return r;
	ok = EVP_Digest(form, len, out, &md_len, EVP_sha256(), NULL);
	free(form);
	if (!ok || md_len != 32)
		return err_set(ERR_CRYPTO, "SHA-256 of the bundle");
	return ERR_OK;
}

enum err km_bundle_digest(const struct km_bundle *b, uint8_t out[32])
{
	return digest(b, false, out);
}

enum err km_bundle_signed_digest(const struct km_bundle *b, uint8_t out[32])
{
	return digest(b, true, out);
}

static void add_opt(cJSON *o, const char *n, const char *v)
{
	if (v[0])
		cJSON_AddStringToObject(o, n, v);
}

static void add_hex(cJSON *o, const char *n, const uint8_t v[32])
{
	char hex[65];

	encode_hex(hex, v, 32);
	cJSON_AddStringToObject(o, n, hex);
}

static void add_blob(cJSON *o, const char *n, const uint8_t *v, size_t len)
{
	char b64[4 * ((KM_BUNDLE_BLOB_MAX + 2) / 3) + 1];

	encode_base64(b64, v, len);
	cJSON_AddStringToObject(o, n, b64);
}

/* Members in the order a person reads them; binding and signature last. */
static cJSON *to_json(const struct km_bundle *b)
{
	cJSON *o = cJSON_CreateObject(), *w;

	cJSON_AddStringToObject(o, "format", KM_BUNDLE_FORMAT);
	cJSON_AddStringToObject(o, "label", b->label);
	cJSON_AddNumberToObject(o, "dek_size", b->dek_size);
	w = cJSON_AddObjectToObject(o, "wrap");
	cJSON_AddStringToObject(w, "alg", "RSA-OAEP");
	cJSON_AddStringToObject(w, "hash", km_bundle_hash_name(b->hash));
	cJSON_AddStringToObject(w, "mgf", km_bundle_mgf_name(b->hash));
	cJSON_AddStringToObject(o, "recipient_fingerprint", b->recipient);
	add_hex(o, "keyhash", b->keyhash);
	add_blob(o, "data_half", b->data_half, b->data_len);
	add_blob(o, "tweak_half", b->tweak_half, b->tweak_len);
	add_opt(o, "wrapped_dek", b->wrapped_dek);
	add_opt(o, "root_key_crn", b->root_key_crn);
	add_opt(o, "root_key_id", b->root_key_id);
	add_opt(o, "key_version", b->key_version);
	cJSON_AddStringToObject(o, "created", b->created);
	cJSON_AddStringToObject(o, "signer_fingerprint", b->signer);
	add_hex(o, "binding", b->binding);
	add_blob(o, "signature", b->signature, sizeof(b->signature));
	return o;
}

/* The written text must parse back to b exactly: cJSON quietly drops a
 * member it has no memory for, and the station would refuse the bundle. */
static enum err check_round_trip(const struct km_bundle *b, const char *text,
                                 size_t len)
{
	struct km_bundle *back = calloc(1, sizeof(*back));
	char *c1 = NULL, *c2 = NULL;
	size_t l1 = 0, l2 = 0;
	enum err r;

	if (!back)
		return err_set(ERR_NOMEM, "bundle check");
	r = km_bundle_parse(text, len, back);
	if (r == ERR_OK)
		r = km_bundle_canonical_signed(b, &c1, &l1);
	if (r == ERR_OK)
		r = km_bundle_canonical_signed(back, &c2, &l2);
	if (r == ERR_OK &&
	    (l1 != l2 || memcmp(c1, c2, l1) != 0 ||
	     memcmp(b->signature, back->signature, sizeof(b->signature)) != 0))
		r = err_set(ERR_INTERNAL, "bundle text does not parse back to "
		                          "the bundle");
	free(c1);
	free(c2);
	free(back);
	return r;
}

enum err km_bundle_build(const struct km_bundle *b, char **out, size_t *len)
{
	enum err r = km_bundle_check(b);
	cJSON *o = NULL;
	char *text = NULL, *copy = NULL;
	size_t n = 0;

	*out = NULL;
	if (r != ERR_OK)
		return r;
	o = to_json(b);
	text = o ? cJSON_Print(o) : NULL;
	cJSON_Delete(o);
	if (text)
		n = strlen(text);
	if (text)
		copy = malloc(n + 2);
	if (copy) {
		memcpy(copy, text, n);
		memcpy(copy + n, "\n", 2);
	}
	cJSON_free(text);
	if (!copy)
		return err_set(ERR_NOMEM, "bundle text");
	r = check_round_trip(b, copy, n + 1);
	if (r != ERR_OK) {
		free(copy);
		return r;
	}
	*out = copy;
	*len = n + 1;
	return ERR_OK;
}
