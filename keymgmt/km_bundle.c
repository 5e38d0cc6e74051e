/* SPDX-License-Identifier: MIT */
/* km_bundle.c - DEK bundles as bytes: strict parse (exactly the known
 * members, each validated, on top of common/json's strict reader) and one
 * validation shared by parse and build. Pure: no I/O, no token. */
#include "km_bundle.h"

#include <stdbool.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "encode.h"
#include "json.h"

#define HEX_DIGITS "0123456789abcdef"

static const char *const top_members[] = {
	"format",
	"label",
	"dek_size",
	"wrap",
	"recipient_fingerprint",
	"data_half",
	"tweak_half",
	"keyhash",
	"wrapped_dek",
	"root_key_crn",
	"root_key_id",
	"key_version",
	"created",
	"signer_fingerprint",
	"binding",
	"signature",
};
static const char *const wrap_members[] = { "alg", "hash", "mgf" };

/* UTF-8 text with no control characters, at most max bytes. */
static enum err check_text(const char *name, const char *v, size_t min,
                           size_t max)
{
	size_t len = strlen(v);

	if (len < min || len > max)
		return err_set(ERR_FORMAT,
		               "bundle field '%s' must be %zu..%zu "
		               "bytes",
		               name, min, max);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return err_set(ERR_FORMAT,
			               "bundle field '%s' contains "
			               "a control character",
			               name);
	if (!json_utf8_valid(v, len))
		return err_set(ERR_FORMAT, "bundle field '%s' is not UTF-8",
		               name);
	return ERR_OK;
}

static bool is_lower_hex(const char *s, size_t len)
{
	return strlen(s) == len && strspn(s, HEX_DIGITS) == len;
}

/* "YYYY-MM-DDTHH:MM:SSZ", digits where the pattern has 9. */
static bool is_utc_time(const char *s)
{
	static const char pattern[] = "9999-99-99T99:99:99Z";

	if (strlen(s) != sizeof(pattern) - 1)
		return false;
	for (size_t i = 0; pattern[i]; i++)
		if (pattern[i] == '9' ? (s[i] < '0' || s[i] > '9')
		                      : s[i] != pattern[i])
			return false;
	return true;
}

static enum err check_blobs(const struct km_bundle *b)
{
	if (b->data_len < KM_BUNDLE_BLOB_MIN ||
	    b->data_len > KM_BUNDLE_BLOB_MAX)
		return err_set(ERR_FORMAT,
		               "bundle field 'data_half' must be "
		               "%u..%u bytes",
		               KM_BUNDLE_BLOB_MIN, KM_BUNDLE_BLOB_MAX);
	if (b->tweak_len != b->data_len)
		return err_set(ERR_FORMAT, "bundle fields 'data_half' and "
		                           "'tweak_half' differ in length");
	return ERR_OK;
}

static enum err check_optional(const struct km_bundle *b)
{
	enum err r = check_text("wrapped_dek", b->wrapped_dek, 0,
	                        KM_BUNDLE_WDEK_MAX);

	if (r == ERR_OK)
		r = check_text("root_key_crn", b->root_key_crn, 0,
		               KM_BUNDLE_TEXT_MAX);
	if (r == ERR_OK)
		r = check_text("root_key_id", b->root_key_id, 0,
		               KM_BUNDLE_TEXT_MAX);
	if (r == ERR_OK)
		r = check_text("key_version", b->key_version, 0,
		               KM_BUNDLE_TEXT_MAX);
	return r;
}

enum err km_bundle_check(const struct km_bundle *b)
{
	enum err r = check_text("label", b->label, 1, KM_BUNDLE_LABEL_MAX);

	if (r != ERR_OK)
		return r;
	if (b->dek_size != 32 && b->dek_size != 64)
		return err_set(ERR_FORMAT, "bundle field 'dek_size' must be 32 "
		                           "or 64");
	if (b->hash != P11_OAEP_SHA1 && b->hash != P11_OAEP_SHA256)
		return err_set(ERR_FORMAT, "bundle field 'wrap' names an "
		                           "unknown hash");
	if (!is_lower_hex(b->recipient, 64))
		return err_set(ERR_FORMAT,
		               "bundle field "
		               "'recipient_fingerprint' must be 64 lower-case "
		               "hex digits");
	if (!is_lower_hex(b->signer, 64))
		return err_set(ERR_FORMAT, "bundle field 'signer_fingerprint' "
		                           "must be 64 lower-case hex digits");
	if (!is_utc_time(b->created))
		return err_set(ERR_FORMAT, "bundle field 'created' must be "
		                           "YYYY-MM-DDTHH:MM:SSZ");
	r = check_blobs(b);
	if (r == ERR_OK)
		r = check_optional(b);
	return r;
}

static enum err only_members(const cJSON *o, const char *const *names, size_t n,
                             const char *where)
{
	for (const cJSON *m = o->child; m; m = m->next) {
		bool known = false;
		char shown[65];

		for (size_t i = 0; i < n && !known; i++)
			known = strcmp(m->string, names[i]) == 0;
		if (!known) {
			json_sanitize(shown, sizeof(shown), m->string);
			return err_set(ERR_FORMAT,
			               "%s has an unknown member "
			               "'%s'",
			               where, shown);
		}
	}
	return ERR_OK;
}

/* A string member into out (cap bytes); optional ones may be absent but
 * never empty, so a bundle has one canonical form. */
static enum err get_text(const cJSON *o, const char *name, bool required,
                         char *out, size_t cap)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

	if (json_get_str(o, name, required, out, cap) != ERR_OK)
		return err_wrap(ERR_FORMAT, "bundle");
	if (it && !cJSON_IsNull(it) && !out[0])
		return err_set(ERR_FORMAT, "bundle field '%s' is empty", name);
	return ERR_OK;
}

static enum err get_hex32(const cJSON *o, const char *name, uint8_t out[32])
{
	char hex[66];
	enum err r = get_text(o, name, true, hex, sizeof(hex));

	if (r == ERR_OK && !is_lower_hex(hex, 64))
		return err_set(ERR_FORMAT,
		               "bundle field '%s' must be 64 "
		               "lower-case hex digits",
		               name);
	if (r == ERR_OK)
		r = decode_hex(out, 32, hex);
	return r;
}

static enum err get_blob(const cJSON *o, const char *name, uint8_t *out,
                         size_t *len)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, name);

	if (!cJSON_IsString(it))
		return err_set(ERR_FORMAT,
		               "bundle field '%s' must be a base64 "
		               "string",
		               name);
	if (decode_base64(out, KM_BUNDLE_BLOB_MAX, len, it->valuestring,
	                  strlen(it->valuestring)) != ERR_OK)
		return err_set(ERR_FORMAT,
		               "bundle field '%s' is not standard "
		               "base64 of at most %u bytes",
		               name, KM_BUNDLE_BLOB_MAX);
	return ERR_OK;
}

static enum err get_signature(const cJSON *o, uint8_t out[P11_EC_SIG_LEN])
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, "signature");
	uint8_t buf[P11_EC_SIG_LEN + 3];
	size_t len = 0;

	if (!cJSON_IsString(it) ||
	    decode_base64(buf, sizeof(buf), &len, it->valuestring,
	                  strlen(it->valuestring)) != ERR_OK ||
	    len != P11_EC_SIG_LEN)
		return err_set(ERR_FORMAT,
		               "bundle field 'signature' must be standard "
		               "base64 of %d bytes (ECDSA P-256 r || s)",
		               P11_EC_SIG_LEN);
	memcpy(out, buf, P11_EC_SIG_LEN);
	return ERR_OK;
}

static enum err get_wrap(const cJSON *root, enum p11_oaep_hash *hash)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(root, "wrap");
	char alg[16], h[16], mgf[16];
	enum err r;

	if (!cJSON_IsObject(w))
		return err_set(ERR_FORMAT, "bundle field 'wrap' must be an "
		                           "object");
	r = only_members(w, wrap_members, 3, "bundle field 'wrap'");
	if (r == ERR_OK)
		r = get_text(w, "alg", true, alg, sizeof(alg));
	if (r == ERR_OK)
		r = get_text(w, "hash", true, h, sizeof(h));
	if (r == ERR_OK)
		r = get_text(w, "mgf", true, mgf, sizeof(mgf));
	if (r != ERR_OK)
		return r;
	if (strcmp(alg, "RSA-OAEP") != 0)
		return err_set(ERR_FORMAT,
		               "bundle 'wrap.alg' must be RSA-OAEP");
	if (strcmp(h, "SHA-1") != 0 && strcmp(h, "SHA-256") != 0)
		return err_set(ERR_FORMAT,
		               "bundle 'wrap.hash' must be SHA-1 or "
		               "SHA-256");
	*hash = strcmp(h, "SHA-256") == 0 ? P11_OAEP_SHA256 : P11_OAEP_SHA1;
	if (strcmp(mgf, km_bundle_mgf_name(*hash)) != 0)
		return err_set(ERR_FORMAT, "bundle 'wrap.mgf' must be %s",
		               km_bundle_mgf_name(*hash));
	return ERR_OK;
}

static enum err get_format(const cJSON *root)
{
	char fmt[64];
	enum err r = get_text(root, "format", true, fmt, sizeof(fmt));

	if (r == ERR_OK && strcmp(fmt, KM_BUNDLE_FORMAT_V1) == 0)
		return err_set(ERR_POLICY,
		               "bundle format %s is unsigned (anyone with "
		               "the station's public key can make one) and "
		               "no longer accepted; export the DEK again on "
		               "the bridge with `p11seal key export dek`, "
		               "which signs it (%s)",
		               KM_BUNDLE_FORMAT_V1, KM_BUNDLE_FORMAT);
	if (r == ERR_OK && strcmp(fmt, KM_BUNDLE_FORMAT) != 0)
		r = err_set(strncmp(fmt, "p11seal-dek-bundle/", 19) == 0
		                    ? ERR_UNSUPPORTED
		                    : ERR_FORMAT,
		            "bundle format is not %s", KM_BUNDLE_FORMAT);
	return r;
}

static enum err get_size(const cJSON *root, unsigned *size)
{
	long long v = 0;

	if (json_get_int(root, "dek_size", true, 32, 64, &v) != ERR_OK ||
	    (v != 32 && v != 64))
		return err_set(ERR_FORMAT, "bundle field 'dek_size' must be 32 "
		                           "or 64");
	*size = (unsigned)v;
	return ERR_OK;
}

static enum err get_all(const cJSON *root, struct km_bundle *b)
{
	enum err r = only_members(root, top_members,
	                          sizeof(top_members) / sizeof(top_members[0]),
	                          "bundle");

	if (r == ERR_OK)
		r = get_format(root);
	if (r == ERR_OK)
		r = get_text(root, "label", true, b->label, sizeof(b->label));
	if (r == ERR_OK)
		r = get_size(root, &b->dek_size);
	if (r == ERR_OK)
		r = get_wrap(root, &b->hash);
	if (r == ERR_OK)
		r = get_text(root, "recipient_fingerprint", true, b->recipient,
		             sizeof(b->recipient));
	if (r == ERR_OK)
		r = get_blob(root, "data_half", b->data_half, &b->data_len);
	if (r == ERR_OK)
		r = get_blob(root, "tweak_half", b->tweak_half, &b->tweak_len);
	if (r == ERR_OK)
		r = get_hex32(root, "keyhash", b->keyhash);
	if (r == ERR_OK)
		r = get_text(root, "wrapped_dek", false, b->wrapped_dek,
		             sizeof(b->wrapped_dek));
	if (r == ERR_OK)
		r = get_text(root, "root_key_crn", false, b->root_key_crn,
		             sizeof(b->root_key_crn));
	if (r == ERR_OK)
		r = get_text(root, "root_key_id", false, b->root_key_id,
		             sizeof(b->root_key_id));
	if (r == ERR_OK)
		r = get_text(root, "key_version", false, b->key_version,
		             sizeof(b->key_version));
	if (r == ERR_OK)
		r = get_text(root, "created", true, b->created,
		             sizeof(b->created));
	if (r == ERR_OK)
		r = get_text(root, "signer_fingerprint", true, b->signer,
		             sizeof(b->signer));
	if (r == ERR_OK)
		r = get_hex32(root, "binding", b->binding);
	if (r == ERR_OK)
		r = get_signature(root, b->signature);
	return r;
}

/* The strict parser's detail may quote a member name from the bundle
 * (a duplicate key); a bundle comes from another machine, so its text
 * reaches the terminal only as printable ASCII. */
static enum err refuse_json(enum err r)
{
	char shown[256];

	json_sanitize(shown, sizeof(shown), err_detail());
	return err_set(r, "not a p11seal DEK bundle: %s", shown);
}

enum err km_bundle_parse(const char *buf, size_t len, struct km_bundle *out)
{
	cJSON *root = NULL;
	enum err r;

	memset(out, 0, sizeof(*out));
	if (len > KM_BUNDLE_FILE_MAX)
		return err_set(ERR_FORMAT, "bundle larger than %u bytes",
		               KM_BUNDLE_FILE_MAX);
	r = json_parse_object(buf, len, &root);
	if (r != ERR_OK)
		return refuse_json(r);
	r = get_all(root, out);
	cJSON_Delete(root);
	if (r == ERR_OK)
		r = km_bundle_check(out);
	if (r != ERR_OK)
		memset(out, 0, sizeof(*out));
	return r;
}
