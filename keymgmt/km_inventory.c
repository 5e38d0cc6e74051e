/* SPDX-License-Identifier: MIT */
/* km_inventory.c - group token objects into the keys a security officer
 * manages, with kinds, metadata and DEK keyhashes. */
#include "km_inventory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "json.h"
#include "p11_data.h"
#include "p11_key.h"
#include "p11_mech.h"
#include "p11_session.h"

#define OBJS_MAX 1024

static const char *type_name(CK_KEY_TYPE t)
{
	switch (t) {
	case CKK_AES: return "AES";
	case CKK_AES_XTS: return "AES-XTS";
	case CKK_RSA: return "RSA";
	case CKK_EC: return "EC";
	case CKK_GENERIC_SECRET: return "GENERIC";
	case CKK_SHA256_HMAC: return "SHA256-HMAC";
	default: return "other";
	}
}

static const char *class_name(CK_OBJECT_CLASS c)
{
	switch (c) {
	case CKO_SECRET_KEY: return "secret-key";
	case CKO_PRIVATE_KEY: return "private-key";
	case CKO_PUBLIC_KEY: return "public-key";
	default: return "other";
	}
}

static size_t tail_is(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n > m && strcmp(s + n - m, suffix) == 0 ? n - m : 0;
}

/* Guess a kind for keys that carry no p11seal metadata. */
static const char *guess_kind(const struct km_key *k)
{
	const struct p11_obj_info *i = &k->info;

	if (k->is_dek)
		return "dek";
	/* The root profiles: AES, encrypt only (the GCM nonce step), or no
	 * usage at all (kept after an import). Tokens without
	 * CKA_ALLOWED_MECHANISMS (NSS) show no mechanism list. */
	if (i->cls == CKO_SECRET_KEY && i->key_type == CKK_AES &&
	    !i->flag[P11F_DECRYPT] && !i->flag[P11F_WRAP] &&
	    !i->flag[P11F_UNWRAP] && !i->flag[P11F_SIGN] &&
	    !i->flag[P11F_DERIVE] &&
	    (i->n_mechs == 0 ||
	     (i->n_mechs == 1 && i->mechs[0] == CKM_AES_GCM)))
		return "root";
	/* p11seal's audit profile: HMAC key that only signs and verifies. */
	if (i->cls == CKO_SECRET_KEY &&
	    (i->key_type == CKK_GENERIC_SECRET ||
	     i->key_type == CKK_SHA256_HMAC) &&
	    i->flag[P11F_SIGN] && i->flag[P11F_VERIFY] &&
	    !i->flag[P11F_ENCRYPT] && !i->flag[P11F_DECRYPT] &&
	    !i->flag[P11F_WRAP] && !i->flag[P11F_UNWRAP])
		return "audit";
	/* A station's transport key: an RSA private key that only unwraps. */
	if (i->cls == CKO_PRIVATE_KEY && i->key_type == CKK_RSA &&
	    i->flag[P11F_UNWRAP] && !i->flag[P11F_DECRYPT] &&
	    !i->flag[P11F_SIGN])
		return "transport";
	/* A bridge's bundle signer (EC, sign only) and a station's pin of
	 * one (trusted, verify only; the SO cannot write metadata). */
	if (i->cls == CKO_PRIVATE_KEY && i->key_type == CKK_EC &&
	    i->flag[P11F_SIGN] && !i->flag[P11F_DECRYPT] &&
	    !i->flag[P11F_UNWRAP] && !i->flag[P11F_DERIVE])
		return "signer";
	if (i->cls == CKO_PUBLIC_KEY && i->key_type == CKK_EC &&
	    i->flag[P11F_TRUSTED] && i->flag[P11F_VERIFY])
		return "signer-pin";
	if (i->flag[P11F_WRAP] || i->flag[P11F_UNWRAP])
		return "wrap";
	return "other";
}

static enum err load_meta(struct p11_session *s, struct km_key *k)
{
	char *v = NULL;
	size_t len = 0;
	enum err r;

	r = p11_data_get_opt(s, k->info.label, &v, &len);
	if (r != ERR_OK || !v)
		return r;
	/* metadata a strict reader refuses is shown as none */
	if (json_parse_object(v, len, &k->meta) != ERR_OK)
		err_clear();
	free(v);
	return ERR_OK;
}

/* RSA private keys carry no CKA_MODULUS_BITS: measure the modulus. */
static size_t modulus_bytes(struct p11_session *s, CK_OBJECT_HANDLE h)
{
	uint8_t mod[1024];
	CK_ULONG len = 0;
	CK_RV rv;

	if (!p11_obj_attr(s, h, CKA_MODULUS, mod, sizeof(mod), &len, &rv))
		return 0;
	return len;
}

/* Whether secret key k is a DEK, with its tweak half and keyhash. A key
 * that is not one reads again as it did: if the token went away while
 * it was asked (a DEK's halves take a few calls), that read fails and so
 * does the listing, rather than showing a DEK as "other". */
static enum err describe_dek(struct p11_session *s, struct km_key *k)
{
	static const uint8_t zero_nonce[32];
	struct p11_obj_info again;
	enum err r;

	if (p11_dek_find_by(s, k->info.label, k->info.id, k->info.id_len,
	                    &k->dek) != ERR_OK) {
		err_clear();
		return p11_obj_info(s, k->info.handle, &again);
	}
	k->is_dek = true;
	k->size = k->dek.size;
	if (!k->dek.native) {
		r = p11_obj_info(s, k->dek.tweak, &k->tweak);
		if (r != ERR_OK)
			return r;
	}
	k->has_keyhash =
	        p11_dek_keyhash(s, &k->dek, zero_nonce, k->keyhash) == ERR_OK;
	err_clear();
	return ERR_OK;
}

/* Fill the derived fields of k from its object info. */
static enum err describe(struct p11_session *s, struct km_key *k)
{
	const cJSON *kind;
	enum err r;

	k->size = k->info.value_len;
	if (k->info.modulus_bits)
		k->size = k->info.modulus_bits / 8;
	else if (k->info.key_type == CKK_RSA)
		k->size = modulus_bytes(s, k->info.handle);
	if (k->info.cls == CKO_SECRET_KEY) {
		r = describe_dek(s, k);
		if (r != ERR_OK)
			return r;
	}
	r = load_meta(s, k);
	if (r != ERR_OK)
		return r;
	kind = cJSON_GetObjectItemCaseSensitive(k->meta, "kind");
	snprintf(k->kind, sizeof(k->kind), "%s",
	         cJSON_IsString(kind) ? kind->valuestring : guess_kind(k));
	return ERR_OK;
}

/* True if h is the tweak half of a DEK whose data half is listed. */
static bool is_tweak_half(const struct p11_obj_info *i,
                          const struct p11_obj_info *all, size_t n)
{
	size_t base = tail_is(i->label, P11_DEK_TWEAK_SUFFIX);

	if (!base || i->cls != CKO_SECRET_KEY)
		return false;
	for (size_t j = 0; j < n; j++)
		if (all[j].cls == CKO_SECRET_KEY &&
		    strlen(all[j].label) == base &&
		    strncmp(all[j].label, i->label, base) == 0 &&
		    all[j].id_len == P11_DEK_ID_LEN + 1 &&
		    i->id_len == P11_DEK_ID_LEN + 1 &&
		    memcmp(all[j].id, i->id, P11_DEK_ID_LEN) == 0)
			return true;
	return false;
}

static enum err collect(struct p11_session *s, struct p11_obj_info **out,
                        size_t *n)
{
	static const CK_OBJECT_CLASS classes[] = { CKO_SECRET_KEY,
		                                   CKO_PRIVATE_KEY,
		                                   CKO_PUBLIC_KEY };
	CK_OBJECT_HANDLE *h = calloc(OBJS_MAX, sizeof(*h));
	struct p11_obj_info *infos = NULL;
	size_t total = 0, got;
	enum err r = ERR_OK;

	if (!h)
		return err_set(ERR_NOMEM, "object list");
	for (size_t c = 0; c < 3 && r == ERR_OK; c++) {
		r = p11_obj_find(s, classes[c], NULL, NULL, 0, h + total,
		                 OBJS_MAX - total, &got);
		total += got;
	}
	if (r == ERR_OK)
		infos = calloc(total ? total : 1, sizeof(*infos));
	if (r == ERR_OK && !infos)
		r = err_set(ERR_NOMEM, "object list");
	for (size_t i = 0; r == ERR_OK && i < total; i++)
		r = p11_obj_info(s, h[i], &infos[i]);
	free(h);
	if (r != ERR_OK) {
		free(infos);
		return r;
	}
	*out = infos;
	*n = total;
	return ERR_OK;
}

enum err km_inventory_list(struct p11_session *s, struct km_key **out,
                           size_t *n)
{
	struct p11_obj_info *infos = NULL;
	struct km_key *keys;
	size_t total = 0, k = 0;
	enum err r;

	r = collect(s, &infos, &total);
	if (r != ERR_OK)
		return r;
	keys = calloc(total ? total : 1, sizeof(*keys));
	if (!keys) {
		free(infos);
		return err_set(ERR_NOMEM, "key list");
	}
	for (size_t i = 0; r == ERR_OK && i < total; i++) {
		if (is_tweak_half(&infos[i], infos, total))
			continue;
		keys[k].info = infos[i];
		r = describe(s, &keys[k]);
		k++;
	}
	free(infos);
	if (r != ERR_OK) {
		km_inventory_free(keys, k);
		return r;
	}
	*out = keys;
	*n = k;
	return ERR_OK;
}

enum err km_inventory_find_by(struct p11_session *s, const char *label,
                              const uint8_t *id, size_t id_len,
                              struct km_key *out)
{
	CK_OBJECT_HANDLE h;
	enum err r;

	memset(out, 0, sizeof(*out));
	r = p11_obj_find_one(s, P11_ANY_CLASS, label, id, id_len, &h);
	if (r == ERR_USAGE) {
		/* A key pair shares its label and id: prefer the private key.
		 */
		r = p11_obj_find_one(s, CKO_PRIVATE_KEY, label, id, id_len, &h);
		if (r == ERR_NOT_FOUND)
			r = p11_obj_find_one(s, CKO_SECRET_KEY, label, id,
			                     id_len, &h);
	}
	if (r == ERR_OK)
		r = p11_obj_info(s, h, &out->info);
	if (r == ERR_OK && out->info.cls == CKO_DATA)
		r = err_set(ERR_NOT_FOUND, "'%s' is a data object, not a key",
		            out->info.label);
	if (r == ERR_OK)
		r = describe(s, out);
	return r;
}

enum err km_inventory_find(struct p11_session *s, const char *label,
                           struct km_key *out)
{
	return km_inventory_find_by(s, label, NULL, 0, out);
}

void km_inventory_free_one(struct km_key *k)
{
	cJSON_Delete(k->meta);
	k->meta = NULL;
}

void km_inventory_free(struct km_key *keys, size_t n)
{
	if (!keys)
		return;
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(keys[i].meta);
	free(keys);
}

/* A DEK is only as safe as its weaker half. */
static bool flag_of(const struct km_key *k, enum p11_flag f)
{
	bool a = k->info.flag[f];

	if (!k->is_dek || k->dek.native)
		return a;
	if (f == P11F_EXTRACTABLE)
		return a || k->tweak.flag[f];
	return a && k->tweak.flag[f];
}

static void add_hex(cJSON *o, const char *name, const uint8_t *b, size_t n)
{
	char hex[2 * P11_ID_MAX + 1];

	if (n > P11_ID_MAX)
		n = P11_ID_MAX;
	encode_hex(hex, b, n);
	cJSON_AddStringToObject(o, name, hex);
}

static void add_flags(cJSON *o, const char *name,
                      const struct p11_obj_info *info)
{
	cJSON *flags = cJSON_AddObjectToObject(o, name);

	for (int f = 0; f < P11F_COUNT; f++)
		if (info->known[f])
			cJSON_AddBoolToObject(flags, p11_flag_name(f),
			                      info->flag[f]);
}

static void add_details(cJSON *o, const struct km_key *k)
{
	cJSON *mechs;

	add_flags(o, "attributes", &k->info);
	if (k->is_dek && !k->dek.native)
		add_flags(o, "tweak_attributes", &k->tweak);
	if (k->info.has_kcv)
		add_hex(o, "check_value", k->info.kcv, 3);
	if (k->is_dek && !k->dek.native && k->tweak.has_kcv)
		add_hex(o, "tweak_check_value", k->tweak.kcv, 3);
	mechs = cJSON_AddArrayToObject(o, "allowed_mechanisms");
	for (size_t i = 0; i < k->info.n_mechs; i++)
		cJSON_AddItemToArray(mechs, cJSON_CreateString(p11_mech_name(
		                                    k->info.mechs[i])));
	if (k->is_dek)
		cJSON_AddStringToObject(
		        o, "xts",
		        k->dek.native ? "native CKM_AES_XTS"
		                      : "two AES keys via CKM_AES_ECB");
}

static bool has_string(const cJSON *arr, const char *v)
{
	const cJSON *m;

	cJSON_ArrayForEach(m,
	                   arr) if (cJSON_IsString(m) &&
	                            strcmp(m->valuestring, v) == 0) return true;
	return false;
}

static void add_meta(cJSON *o, const struct km_key *k)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, k->meta)
	{
		if (!m->string || strcmp(m->string, "kind") == 0 ||
		    cJSON_GetObjectItemCaseSensitive(o, m->string))
			continue;
		cJSON_AddItemToObject(o, m->string, cJSON_Duplicate(m, 1));
	}
}

cJSON *km_inventory_json(const struct km_key *k, bool detailed)
{
	cJSON *o = cJSON_CreateObject();
	char hash[65];

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "label", k->info.label);
	add_hex(o, "id", k->info.id, k->info.id_len);
	cJSON_AddStringToObject(o, "kind", k->kind);
	cJSON_AddStringToObject(o, "class", class_name(k->info.cls));
	cJSON_AddStringToObject(o, "type", type_name(k->info.key_type));
	cJSON_AddNumberToObject(o, "size", (double)k->size);
	if (k->info.cls != CKO_SECRET_KEY && k->size)
		cJSON_AddNumberToObject(o, "bits", (double)k->size * 8);
	cJSON_AddBoolToObject(o, "sensitive", flag_of(k, P11F_SENSITIVE));
	cJSON_AddBoolToObject(o, "extractable", flag_of(k, P11F_EXTRACTABLE));
	cJSON_AddBoolToObject(o, "always_sensitive",
	                      flag_of(k, P11F_ALWAYS_SENSITIVE));
	cJSON_AddBoolToObject(o, "never_extractable",
	                      flag_of(k, P11F_NEVER_EXTRACTABLE));
	if (k->has_keyhash) {
		encode_hex(hash, k->keyhash, sizeof(k->keyhash));
		cJSON_AddStringToObject(o, "keyhash", hash);
	}
	if (detailed)
		add_details(o, k);
	add_meta(o, k);
	return o;
}

/* The optional attributes the token refused for label (both halves of a
 * DEK), as "omitted_attributes", so key show and token audit say so. */
static void add_omitted(cJSON *o, const char *label)
{
	char tweak[P11_LABEL_MAX + sizeof(P11_DEK_TWEAK_SUFFIX)];
	struct p11_key_omission om;
	cJSON *arr = NULL;

	snprintf(tweak, sizeof(tweak), "%s%s", label, P11_DEK_TWEAK_SUFFIX);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "omitted_attributes");
	for (size_t i = 0; p11_key_omission(i, &om); i++) {
		if (strcmp(om.label, label) != 0 &&
		    strcmp(om.label, tweak) != 0)
			continue;
		if (!arr)
			arr = cJSON_AddArrayToObject(o, "omitted_attributes");
		for (size_t j = 0; arr && j < om.n; j++)
			if (!has_string(arr, om.attrs[j]))
				cJSON_AddItemToArray(
				        arr, cJSON_CreateString(om.attrs[j]));
	}
}

enum err km_inventory_put_meta(struct p11_session *s, const char *label,
                               const char *kind, const cJSON *extra)
{
	cJSON *o = extra ? cJSON_Duplicate(extra, 1) : cJSON_CreateObject();
	char *text = NULL;
	enum err r;

	if (!o)
		return err_set(ERR_NOMEM, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "kind");
	cJSON_AddStringToObject(o, "kind", kind);
	add_omitted(o, label);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text)
		return err_set(ERR_NOMEM, "metadata");
	r = p11_data_put(s, label, text, strlen(text));
	cJSON_free(text);
	return r;
}
