/* SPDX-License-Identifier: MIT */
/* km_kpdek.c - DEKs wrapped by a Key Protect root key. Key Protect is
 * asked before the token changes; the token gets the DEK and its record
 * together or not at all. */
#include "km_kpdek.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "encode.h"
#include "json.h"
#include "km_dek_store.h"
#include "km_key_meta.h"
#include "kp_client.h"
#include "kp_key.h"
#include "kp_wrap.h"
#include "p11_data.h"
#include "p11_dek.h"
#include "p11_session.h"
#include "secmem.h"

#define B64_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="

static void now_utc(char *out, size_t cap)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

enum err km_kpdek_meta_supported(struct p11_session *s, bool *yes)
{
	uint8_t rnd[8];
	char hex[2 * sizeof(rnd) + 1], label[48];
	enum err r;

	*yes = false;
	r = p11_session_random(s, rnd, sizeof(rnd));
	if (r != ERR_OK)
		return r;
	encode_hex(hex, rnd, sizeof(rnd));
	snprintf(label, sizeof(label), "p11seal-probe-%s", hex);
	r = p11_data_put(s, label, "{}", 2);
	if (r == ERR_UNSUPPORTED) {
		err_clear();
		return ERR_OK;
	}
	if (r != ERR_OK)
		return r;
	*yes = true;
	return p11_data_delete(s, label);
}

enum err km_kpdek_check(struct p11_session *s, const char *label,
                        bool have_file)
{
	bool meta = false;
	enum err r;

	r = p11_dek_label_free(s, label, NULL);
	if (r == ERR_OK)
		r = km_kpdek_meta_supported(s, &meta);
	if (r == ERR_OK && !meta && !have_file)
		r = err_set(ERR_UNSUPPORTED,
		            "token '%s' keeps no metadata "
		            "beside keys, so the wrapped DEK and the root "
		            "key's CRN would be lost: give --wdek-out FILE to "
		            "keep them in a file (nothing was wrapped)",
		            p11_session_token(s)->label);
	return r;
}

/* The root key's UUID and CRN (root_id may be an alias). */
static enum err root_info(struct kp_client *kp, const char *root_id,
                          struct km_kpdek_record *rec)
{
	struct kp_key k;
	enum err r = kp_key_get(kp, root_id, &k);

	if (r != ERR_OK)
		return err_wrap(r, "root key %s", root_id);
	snprintf(rec->root_key_id, sizeof(rec->root_key_id), "%s", k.id);
	snprintf(rec->root_key_crn, sizeof(rec->root_key_crn), "%s", k.crn);
	snprintf(rec->kms, sizeof(rec->kms), "%s",
	         kp_client_hpcs(kp) ? "hpcs" : "keyprotect");
	kp_json_key_clear(&k);
	return ERR_OK;
}

/* len bytes of s (not NUL-terminated) look like padded base64. */
static bool b64_ok(const char *s, size_t len)
{
	if (len == 0 || len % 4 != 0 || len > KP_CIPHERTEXT_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0' || !strchr(B64_CHARS, s[i]))
			return false;
	return true;
}

static enum err record_from_json(const cJSON *o, struct km_kpdek_record *out)
{
	char *wdek = malloc(KP_CIPHERTEXT_MAX + 1);
	enum err r;

	if (!wdek)
		return err_set(ERR_NOMEM, "wrapped DEK");
	r = json_get_str(o, "wrapped_dek", true, wdek, KP_CIPHERTEXT_MAX + 1);
	if (r == ERR_OK)
		r = json_get_str(o, "root_key_id", false, out->root_key_id,
		                 sizeof(out->root_key_id));
	if (r == ERR_OK)
		r = json_get_str(o, "root_key_crn", false, out->root_key_crn,
		                 sizeof(out->root_key_crn));
	if (r == ERR_OK)
		r = json_get_str(o, "key_version", false, out->key_version,
		                 sizeof(out->key_version));
	if (r == ERR_OK)
		r = json_get_str(o, "kms", false, out->kms, sizeof(out->kms));
	if (r == ERR_OK && !b64_ok(wdek, strlen(wdek)))
		r = err_set(ERR_FORMAT, "wrapped_dek is not base64");
	if (r == ERR_OK && out->root_key_id[0] &&
	    !kp_key_id_ok(out->root_key_id))
		r = err_set(ERR_FORMAT, "root_key_id is not a key id");
	if (r != ERR_OK) {
		free(wdek);
		return r;
	}
	out->wrapped_dek = wdek;
	return ERR_OK;
}

enum err km_kpdek_wrap(struct kp_client *kp, struct p11_session *s,
                       const char *root_id, size_t size, bool kp_generate,
                       struct km_kpdek *out)
{
	struct kp_wrapped w = { 0 };
	enum err r;

	memset(out, 0, sizeof(*out));
	out->size = size;
	out->kp_generated = kp_generate;
	if (size != 32 && size != 64)
		return err_set(ERR_USAGE, "DEK size must be 32 or 64 bytes");
	if (kp_generate && size != KP_WRAP_DEK_LEN)
		return err_set(ERR_USAGE,
		               "Key Protect generates %d-byte DEKs "
		               "only",
		               KP_WRAP_DEK_LEN);
	r = root_info(kp, root_id, &out->rec);
	if (r == ERR_OK && !kp_generate) {
		out->material = secmem_alloc(size);
		r = out->material ? p11_session_random(s, out->material, size)
		                  : err_set(ERR_NOMEM, "DEK material");
	}
	if (r == ERR_OK)
		r = kp_wrap(kp, out->rec.root_key_id, out->material,
		            kp_generate ? 0 : size, NULL, 0, &w);
	if (r == ERR_OK) {
		if (kp_generate) {
			out->material = w.plaintext;
			w.plaintext = NULL;
		}
		out->rec.wrapped_dek = w.ciphertext;
		w.ciphertext = NULL;
		snprintf(out->rec.key_version, sizeof(out->rec.key_version),
		         "%s", w.key_version_id);
	}
	kp_json_wrapped_clear(&w);
	if (r != ERR_OK)
		km_kpdek_clear(out);
	return r;
}

enum err km_kpdek_unwrap(struct kp_client *kp, const char *root_id,
                         const struct km_kpdek_record *rec,
                         struct km_kpdek *out)
{
	struct kp_wrapped w = { 0 };
	enum err r;

	memset(out, 0, sizeof(*out));
	r = root_info(kp, root_id, &out->rec);
	if (r == ERR_OK)
		r = kp_unwrap(kp, out->rec.root_key_id, rec->wrapped_dek, NULL,
		              0, 0, &w);
	if (r == ERR_OK && w.plaintext_len != 32 && w.plaintext_len != 64)
		r = err_set(ERR_FORMAT,
		            "the unwrapped key is %zu bytes; a DEK "
		            "is 32 or 64",
		            w.plaintext_len);
	if (r == ERR_OK) {
		out->material = w.plaintext;
		out->size = w.plaintext_len;
		w.plaintext = NULL;
		out->rewrapped = w.ciphertext != NULL;
		if (out->rewrapped)
			snprintf(out->previous_version,
			         sizeof(out->previous_version), "%s",
			         w.key_version_id);
		out->rec.wrapped_dek = out->rewrapped
		                               ? w.ciphertext
		                               : strdup(rec->wrapped_dek);
		w.ciphertext = NULL;
		snprintf(out->rec.key_version, sizeof(out->rec.key_version),
		         "%s",
		         out->rewrapped ? w.rewrapped_key_version_id
		                        : w.key_version_id);
		if (!out->rec.wrapped_dek)
			r = err_set(ERR_NOMEM, "wrapped DEK");
	}
	kp_json_wrapped_clear(&w);
	if (r != ERR_OK)
		km_kpdek_clear(out);
	return r;
}

/* The metadata stored beside a DEK: kind dek, size, the record. */
static cJSON *meta_json(const struct km_kpdek *d)
{
	cJSON *o = km_kpdek_record_json(&d->rec, NULL);
	char when[32];

	if (!o)
		return NULL;
	now_utc(when, sizeof(when));
	cJSON_AddStringToObject(o, "created", when);
	if (d->rewrapped)
		cJSON_AddStringToObject(o, "rewrapped", when);
	cJSON_AddNumberToObject(o, "size", (double)d->size);
	cJSON_AddBoolToObject(o, "kp_generated", d->kp_generated);
	if (d->previous_version[0])
		cJSON_AddStringToObject(o, "previous_key_version",
		                        d->previous_version);
	return o;
}

/* A token without data objects is not an error here: km_kpdek_check made
 * sure the record has a file to go to. */
enum err km_kpdek_store(struct p11_session *s, const char *label,
                        bool exportable, struct km_kpdek *d)
{
	struct km_dek_stored st;
	cJSON *meta = NULL;
	enum err r;

	snprintf(d->label, sizeof(d->label), "%s", label);
	if (!d->material)
		return err_set(ERR_INTERNAL, "no DEK material to store");
	meta = meta_json(d);
	r = km_dek_store_value(s, label, d->material, d->size, exportable, meta,
	                       &st);
	if (r != ERR_OK)
		goto out;
	d->meta_stored = st.meta_stored;
	memcpy(d->keyhash, st.keyhash, sizeof(d->keyhash));
	d->has_keyhash = true;
out:
	secmem_free(d->material);
	d->material = NULL;
	cJSON_Delete(meta);
	return r;
}

enum err km_kpdek_rewrap_record(struct kp_client *kp,
                                const struct km_kpdek_record *rec,
                                struct km_kpdek *out)
{
	struct kp_wrapped w = { 0 };
	enum err r;

	memset(out, 0, sizeof(*out));
	if (!rec->root_key_id[0])
		return err_set(ERR_FORMAT, "the WDEK record names no root key "
		                           "(root_key_id)");
	r = root_info(kp, rec->root_key_id, &out->rec);
	if (r == ERR_OK)
		r = kp_rewrap(kp, out->rec.root_key_id, rec->wrapped_dek, NULL,
		              0, &w);
	if (r == ERR_OK) {
		out->rewrapped = true;
		out->rec.wrapped_dek = w.ciphertext;
		w.ciphertext = NULL;
		snprintf(out->rec.key_version, sizeof(out->rec.key_version),
		         "%s", w.rewrapped_key_version_id);
		snprintf(out->previous_version, sizeof(out->previous_version),
		         "%s", w.key_version_id);
	}
	kp_json_wrapped_clear(&w);
	if (r != ERR_OK)
		km_kpdek_clear(out);
	return r;
}

/* The metadata stored beside DEK label and the record in it. */
static enum err stored_record(struct p11_session *s, const char *label,
                              cJSON **meta, struct km_kpdek_record *rec,
                              size_t *size)
{
	struct p11_dek dek = { 0 };
	char *text = NULL;
	size_t len = 0;
	enum err r;

	*meta = NULL;
	*size = 0;
	r = p11_dek_find(s, label, &dek);
	if (r == ERR_OK)
		r = p11_data_get(s, label, &text, &len);
	if (r == ERR_NOT_FOUND)
		return err_set(ERR_NOT_FOUND,
		               "no Key Protect record beside "
		               "DEK '%s' (it was not made with --kp-root, or "
		               "the token keeps no metadata: re-wrap its WDEK "
		               "file with --wdek-file instead)",
		               label);
	if (r != ERR_OK)
		goto out;
	/* p11seal's own record: the strict reader of common/json */
	r = json_parse_object(text, len, meta);
	if (r != ERR_OK) {
		r = err_wrap(r, "metadata of '%s'", label);
		goto out;
	}
	r = record_from_json(*meta, rec);
	if (r != ERR_OK)
		goto out;
	if (!rec->root_key_id[0]) {
		r = err_set(ERR_NOT_FOUND,
		            "the metadata of DEK '%s' names no "
		            "Key Protect root key",
		            label);
		goto out;
	}
	*size = dek.size; /* only once p11_dek_find has filled dek */
out:
	free(text);
	return r;
}

static void set_str(cJSON *o, const char *name, const char *value)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, name);
	cJSON_AddStringToObject(o, name, value);
}

enum err km_kpdek_rewrap(struct kp_client *kp, struct p11_session *s,
                         const char *label, struct km_kpdek *out)
{
	struct km_kpdek_record old = { 0 };
	cJSON *meta = NULL;
	char when[32];
	size_t size = 0;
	enum err r;

	memset(out, 0, sizeof(*out));
	r = stored_record(s, label, &meta, &old, &size);
	if (r == ERR_OK)
		r = km_kpdek_rewrap_record(kp, &old, out);
	km_kpdek_record_clear(&old);
	if (r == ERR_OK) {
		snprintf(out->label, sizeof(out->label), "%s", label);
		out->size = size;
		now_utc(when, sizeof(when));
		set_str(meta, "wrapped_dek", out->rec.wrapped_dek);
		set_str(meta, "key_version", out->rec.key_version);
		set_str(meta, "previous_key_version", out->previous_version);
		set_str(meta, "rewrapped", when);
		r = km_key_put_meta(s, label, "dek", meta, &out->meta_stored);
	}
	cJSON_Delete(meta);
	if (r != ERR_OK)
		km_kpdek_clear(out);
	return r;
}

void km_kpdek_record_clear(struct km_kpdek_record *r)
{
	free(r->wrapped_dek);
	memset(r, 0, sizeof(*r));
}

void km_kpdek_clear(struct km_kpdek *d)
{
	secmem_free(d->material);
	km_kpdek_record_clear(&d->rec);
	memset(d, 0, sizeof(*d));
}

enum err km_kpdek_record_parse(const char *text, size_t len,
                               struct km_kpdek_record *out)
{
	cJSON *o = NULL;
	enum err r;

	memset(out, 0, sizeof(*out));
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
	                   text[len - 1] == ' '))
		len--;
	if (len > 0 && text[0] != '{') {
		if (!b64_ok(text, len))
			return err_set(ERR_FORMAT, "not a WDEK: neither JSON "
			                           "nor base64");
		out->wrapped_dek = strndup(text, len);
		return out->wrapped_dek ? ERR_OK
		                        : err_set(ERR_NOMEM, "wrapped DEK");
	}
	r = json_parse_object(text, len, &o);
	if (r == ERR_OK)
		r = record_from_json(o, out);
	cJSON_Delete(o);
	if (r != ERR_OK)
		return err_wrap(r, "WDEK record");
	return ERR_OK;
}

cJSON *km_kpdek_record_json(const struct km_kpdek_record *r, const char *label)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	if (label)
		cJSON_AddStringToObject(o, "label", label);
	cJSON_AddStringToObject(o, "wrapped_dek",
	                        r->wrapped_dek ? r->wrapped_dek : "");
	cJSON_AddStringToObject(o, "root_key_crn", r->root_key_crn);
	cJSON_AddStringToObject(o, "root_key_id", r->root_key_id);
	cJSON_AddStringToObject(o, "key_version", r->key_version);
	cJSON_AddStringToObject(o, "kms", r->kms);
	return o;
}

cJSON *km_kpdek_json(const struct km_kpdek *d)
{
	cJSON *o = km_kpdek_record_json(&d->rec, d->label);
	char hash[65];

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "size", (double)d->size);
	if (d->has_keyhash) {
		encode_hex(hash, d->keyhash, sizeof(d->keyhash));
		cJSON_AddStringToObject(o, "keyhash", hash);
	}
	cJSON_AddBoolToObject(o, "kp_generated", d->kp_generated);
	cJSON_AddBoolToObject(o, "rewrapped", d->rewrapped);
	if (d->previous_version[0])
		cJSON_AddStringToObject(o, "previous_key_version",
		                        d->previous_version);
	cJSON_AddBoolToObject(o, "metadata_stored", d->meta_stored);
	return o;
}
