/* SPDX-License-Identifier: MIT */
/* kp_json_build.c - request bodies for IAM and Key Protect, validated
 * before they leave (KP would refuse them with less helpful errors). */
#include "kp_json.h"

#include <stdio.h>
#include <string.h>

#include "secmem.h"

#define KEY_TYPE     "application/vnd.ibm.kms.key+json"
#define BODY_MAX     (64u << 10)
#define AAD_ITEM_MAX 255

/* Number of characters (not bytes) in valid UTF-8. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static enum err check_text(const char *what, const char *s, size_t min,
                           size_t max)
{
	size_t n;

	if (!s || !json_utf8_valid(s, strlen(s)))
		return err_set(ERR_USAGE, "%s is missing or not UTF-8", what);
	n = utf8_chars(s);
	if (n < min || n > max)
		return err_set(ERR_USAGE, "%s must be %zu..%zu characters",
		               what, min, max);
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return err_set(ERR_USAGE,
			               "%s contains a control "
			               "character",
			               what);
	return ERR_OK;
}

enum err kp_json_build_iam_form(const char *api_key, struct kp_jbuf *out)
{
	static const char grant[] = "grant_type=urn%3Aibm%3Aparams%3Aoauth"
	                            "%3Agrant-type%3Aapikey&apikey=";
	static const char hex[] = "0123456789ABCDEF";
	enum err r = kp_jbuf_init(out, sizeof(grant) + 3 * strlen(api_key));

	if (r != ERR_OK)
		return r;
	kp_jbuf_raw(out, grant, sizeof(grant) - 1);
	/* RFC 3986 unreserved characters pass, everything else is %XX. */
	for (const char *p = api_key; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		char enc[3] = { '%', hex[ch >> 4], hex[ch & 15] };

		if (strchr("-._~", ch) || (ch >= '0' && ch <= '9') ||
		    ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z'))
			kp_jbuf_raw(out, p, 1);
		else
			kp_jbuf_raw(out, enc, 3);
		secmem_wipe(enc, sizeof(enc));
	}
	return kp_jbuf_done(out, "IAM request");
}

/* Secure-import fields go together; encryptionAlgorithm only with them. */
static enum err check_import(const struct kp_key_template *t)
{
	if (!t->encrypted_nonce != !t->iv)
		return err_set(ERR_USAGE, "encryptedNonce and iv go together");
	if (t->encrypted_nonce && (!t->payload || !t->algorithm))
		return err_set(ERR_USAGE, "secure import needs a payload and "
		                          "an encryption algorithm");
	if (!t->encrypted_nonce && t->algorithm)
		return err_set(ERR_USAGE, "encryptionAlgorithm is only for "
		                          "secure import");
	return ERR_OK;
}

static void put_import(struct kp_jbuf *j, const struct kp_key_template *t)
{
	if (t->payload)
		kp_jbuf_str(j, "payload", t->payload);
	if (t->encrypted_nonce) {
		kp_jbuf_str(j, "encryptedNonce", t->encrypted_nonce);
		kp_jbuf_str(j, "iv", t->iv);
		kp_jbuf_str(j, "encryptionAlgorithm", t->algorithm);
	}
}

static enum err check_key(const struct kp_key_template *t)
{
	enum err r = check_text("key name", t->name, 2, 90);

	if (r == ERR_OK && t->description)
		r = check_text("description", t->description, 2, 240);
	if (r == ERR_OK && t->expiration_date)
		r = check_text("expiration date", t->expiration_date, 10, 40);
	if (r == ERR_OK && t->n_aliases > KP_ALIASES_MAX)
		r = err_set(ERR_USAGE, "at most %d aliases", KP_ALIASES_MAX);
	for (size_t i = 0; r == ERR_OK && i < t->n_aliases; i++)
		if (strlen(t->aliases[i]) < 2 || strlen(t->aliases[i]) > 90 ||
		    strspn(t->aliases[i], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"
		                          "klmnopqrstuvwxyz0123456789_-") !=
		            strlen(t->aliases[i]) ||
		    json_is_uuid(t->aliases[i]))
			r = err_set(ERR_USAGE,
			            "alias '%s' must be 2..90 "
			            "characters of [A-Za-z0-9_-] and not a "
			            "UUID",
			            t->aliases[i]);
	return r == ERR_OK ? check_import(t) : r;
}

enum err kp_json_build_key(const struct kp_key_template *t, struct kp_jbuf *out)
{
	enum err r = check_key(t);

	if (r == ERR_OK)
		r = kp_jbuf_init(out, BODY_MAX);
	if (r != ERR_OK)
		return r;
	kp_jbuf_open(out, NULL, '{');
	kp_jbuf_open(out, "metadata", '{');
	kp_jbuf_str(out, "collectionType", KEY_TYPE);
	kp_jbuf_int(out, "collectionTotal", 1);
	kp_jbuf_close(out, '}');
	kp_jbuf_open(out, "resources", '[');
	kp_jbuf_open(out, NULL, '{');
	kp_jbuf_str(out, "type", KEY_TYPE);
	kp_jbuf_str(out, "name", t->name);
	if (t->description)
		kp_jbuf_str(out, "description", t->description);
	if (t->n_aliases) {
		kp_jbuf_open(out, "aliases", '[');
		for (size_t i = 0; i < t->n_aliases; i++)
			kp_jbuf_str(out, NULL, t->aliases[i]);
		kp_jbuf_close(out, ']');
	}
	if (t->expiration_date)
		kp_jbuf_str(out, "expirationDate", t->expiration_date);
	kp_jbuf_bool(out, "extractable", t->extractable);
	put_import(out, t);
	kp_jbuf_close(out, '}');
	kp_jbuf_close(out, ']');
	kp_jbuf_close(out, '}');
	return kp_jbuf_done(out, "create key");
}

enum err kp_json_build_import_token(long long expiration_s,
                                    long long max_retrievals,
                                    struct kp_jbuf *out)
{
	enum err r;

	if (expiration_s && (expiration_s < 300 || expiration_s > 86400))
		return err_set(ERR_USAGE, "import token expiration must be "
		                          "300..86400 seconds");
	if (max_retrievals && (max_retrievals < 1 || max_retrievals > 500))
		return err_set(ERR_USAGE, "import token retrievals must be "
		                          "1..500");
	r = kp_jbuf_init(out, 256);
	if (r != ERR_OK)
		return r;
	kp_jbuf_open(out, NULL, '{');
	if (expiration_s)
		kp_jbuf_int(out, "expiration", expiration_s);
	if (max_retrievals)
		kp_jbuf_int(out, "maxAllowedRetrievals", max_retrievals);
	kp_jbuf_close(out, '}');
	return kp_jbuf_done(out, "import token");
}

static enum err put_aad(struct kp_jbuf *j, const char *const *aad, size_t n)
{
	if (n > KP_AAD_MAX)
		return err_set(ERR_USAGE, "at most %d AAD items", KP_AAD_MAX);
	for (size_t i = 0; i < n; i++)
		if (check_text("AAD item", aad[i], 0, AAD_ITEM_MAX) != ERR_OK)
			return ERR_USAGE;
	if (!n)
		return ERR_OK;
	kp_jbuf_open(j, "aad", '[');
	for (size_t i = 0; i < n; i++)
		kp_jbuf_str(j, NULL, aad[i]);
	kp_jbuf_close(j, ']');
	return ERR_OK;
}

enum err kp_json_build_wrap(const uint8_t *plaintext, size_t len,
                            const char *const *aad, size_t n_aad,
                            struct kp_jbuf *out)
{
	enum err r;

	if (plaintext && (len == 0 || len > KP_PLAINTEXT_MAX))
		return err_set(ERR_USAGE, "a DEK to wrap must be 1..%d bytes",
		               KP_PLAINTEXT_MAX);
	r = kp_jbuf_init(out, BODY_MAX);
	if (r != ERR_OK)
		return r;
	kp_jbuf_open(out, NULL, '{');
	if (plaintext)
		kp_jbuf_b64(out, "plaintext", plaintext, len);
	r = put_aad(out, aad, n_aad);
	kp_jbuf_close(out, '}');
	return r == ERR_OK ? kp_jbuf_done(out, "wrap") : r;
}

enum err kp_json_build_unwrap(const char *ciphertext, const char *const *aad,
                              size_t n_aad, struct kp_jbuf *out)
{
	enum err r;

	if (!ciphertext || !*ciphertext ||
	    strlen(ciphertext) > KP_CIPHERTEXT_MAX * 4 / 3 + 4)
		return err_set(ERR_USAGE, "ciphertext is empty or too long");
	r = kp_jbuf_init(out, BODY_MAX);
	if (r != ERR_OK)
		return r;
	kp_jbuf_open(out, NULL, '{');
	kp_jbuf_str(out, "ciphertext", ciphertext);
	r = put_aad(out, aad, n_aad);
	kp_jbuf_close(out, '}');
	return r == ERR_OK ? kp_jbuf_done(out, "unwrap") : r;
}

enum err kp_json_build_rotate(const struct kp_key_template *t,
                              struct kp_jbuf *out)
{
	enum err r = check_import(t);

	if (r == ERR_OK)
		r = kp_jbuf_init(out, BODY_MAX);
	if (r != ERR_OK)
		return r;
	kp_jbuf_open(out, NULL, '{');
	put_import(out, t);
	kp_jbuf_close(out, '}');
	return kp_jbuf_done(out, "rotate");
}
