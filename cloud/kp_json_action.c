/* SPDX-License-Identifier: MIT */
/* kp_json_action.c - bodies that are not enveloped: import token, wrap,
 * unwrap, rewrap. DEK plaintext is decoded straight into secure memory. */
#include "kp_json.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "secmem.h"

#define PUBKEY_MAX 16384 /* PEM of RSA-8192 is about 1.5 KiB */

static enum err get_counts(const cJSON *o, struct kp_import_token *t)
{
	enum err r = kp_json_get_date(o, "creationDate", t->creation_date,
	                              KP_DATE_SIZE);

	if (r == ERR_OK)
		r = kp_json_get_date(o, "expirationDate", t->expiration_date,
		                     KP_DATE_SIZE);
	if (r == ERR_OK)
		r = json_get_int(o, "maxAllowedRetrievals", false, 0, 100000,
		                 &t->max_retrievals);
	if (r == ERR_OK)
		r = json_get_int(o, "remainingRetrievals", false, 0, 100000,
		                 &t->remaining_retrievals);
	return r;
}

static enum err get_material(const cJSON *o, struct kp_import_token *t)
{
	uint8_t *nonce = NULL;
	size_t n = 0;
	enum err r;

	r = json_get_b64_secret(o, "payload", true, 1, PUBKEY_MAX, &t->pubkey,
	                        &t->pubkey_len);
	if (r == ERR_OK)
		r = json_get_b64_secret(o, "nonce", true, KP_NONCE_LEN,
		                        KP_NONCE_LEN, &nonce, &n);
	if (r == ERR_OK) {
		memcpy(t->nonce, nonce, KP_NONCE_LEN);
		t->has_material = true;
	}
	secmem_free(nonce);
	return r;
}

enum err kp_json_parse_import_token(const char *buf, size_t len,
                                    bool want_material,
                                    struct kp_import_token *out)
{
	cJSON *root = NULL;
	enum err r;

	memset(out, 0, sizeof(*out));
	r = kp_json_parse_strict(buf, len, &root);
	if (r == ERR_OK)
		r = get_counts(root, out);
	if (r == ERR_OK && want_material)
		r = get_material(root, out);
	cJSON_Delete(root);
	if (r != ERR_OK) {
		kp_json_import_token_clear(out);
		return err_wrap(r, "import token");
	}
	return ERR_OK;
}

void kp_json_import_token_clear(struct kp_import_token *t)
{
	secmem_free(t->pubkey);
	secmem_wipe(t->nonce, sizeof(t->nonce));
	memset(t, 0, sizeof(*t));
}

/* {"id": UUID} under name, into out ("" when absent and !required). */
static enum err get_version(const cJSON *o, const char *name, bool required,
                            char *out)
{
	const cJSON *v = NULL;
	enum err r = json_get_obj(o, name, required, &v);

	out[0] = '\0';
	if (r != ERR_OK || !v)
		return r;
	if (json_get_str(v, "id", true, out, KP_ID_SIZE) != ERR_OK)
		return err_wrap(ERR_FORMAT, "%s", name);
	if (!json_is_uuid(out))
		return err_set(ERR_FORMAT, "%s.id is not a UUID", name);
	return ERR_OK;
}

/* Ciphertext is opaque but must be standard base64; kept as text. */
static enum err get_ciphertext(const cJSON *o, bool required, char **out)
{
	uint8_t *raw = NULL;
	size_t n = 0;
	bool present;
	enum err r;

	*out = NULL;
	r = json_get_b64_secret(o, "ciphertext", required, 1, KP_CIPHERTEXT_MAX,
	                        &raw, &n);
	present = raw != NULL;
	secmem_free(raw);
	if (r != ERR_OK || !present)
		return r;
	*out = strdup(
	        cJSON_GetObjectItemCaseSensitive(o, "ciphertext")->valuestring);
	if (!*out)
		return err_set(ERR_NOMEM, "no memory for a ciphertext");
	return ERR_OK;
}

static enum err get_plaintext(const cJSON *o, bool required,
                              struct kp_wrapped *w)
{
	return json_get_b64_secret(o, "plaintext", required, 1,
	                           KP_PLAINTEXT_MAX, &w->plaintext,
	                           &w->plaintext_len);
}

/* Parse with the checks each action needs; kind is 'w', 'u' or 'r'. */
static enum err parse_action(const char *buf, size_t len, char kind,
                             struct kp_wrapped *out)
{
	cJSON *root = NULL;
	enum err r;

	memset(out, 0, sizeof(*out));
	r = kp_json_parse_strict(buf, len, &root);
	if (r == ERR_OK)
		r = get_plaintext(root, kind == 'u', out);
	if (r == ERR_OK)
		r = get_ciphertext(root, kind != 'u', &out->ciphertext);
	if (r == ERR_OK)
		r = get_version(root, "keyVersion", true, out->key_version_id);
	if (r == ERR_OK)
		r = get_version(root, "rewrappedKeyVersion", kind == 'r',
		                out->rewrapped_key_version_id);
	if (r == ERR_OK && kind == 'u' &&
	    !out->ciphertext != !out->rewrapped_key_version_id[0])
		r = err_set(ERR_FORMAT, "unwrap returned only one of "
		                        "ciphertext and rewrappedKeyVersion");
	if (r == ERR_OK && kind == 'r' && out->plaintext)
		r = err_set(ERR_FORMAT, "rewrap returned a plaintext");
	cJSON_Delete(root);
	if (r != ERR_OK)
		kp_json_wrapped_clear(out);
	return r;
}

enum err kp_json_parse_wrap(const char *buf, size_t len, struct kp_wrapped *out)
{
	enum err r = parse_action(buf, len, 'w', out);

	return r == ERR_OK ? r : err_wrap(r, "wrap response");
}

enum err kp_json_parse_unwrap(const char *buf, size_t len,
                              struct kp_wrapped *out)
{
	enum err r = parse_action(buf, len, 'u', out);

	return r == ERR_OK ? r : err_wrap(r, "unwrap response");
}

enum err kp_json_parse_rewrap(const char *buf, size_t len,
                              struct kp_wrapped *out)
{
	enum err r = parse_action(buf, len, 'r', out);

	return r == ERR_OK ? r : err_wrap(r, "rewrap response");
}

void kp_json_wrapped_clear(struct kp_wrapped *w)
{
	secmem_free(w->plaintext);
	free(w->ciphertext);
	memset(w, 0, sizeof(*w));
}
