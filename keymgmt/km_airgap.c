/* SPDX-License-Identifier: MIT */
/* km_airgap.c - bridge side of the air-gapped handover: wrap a DEK's two
 * halves for one SO-trusted station key, bind every bundle field to the
 * DEK with a digest only the token holding the DEK can compute, and sign
 * the whole with the bridge's bundle signer key, which only this token
 * holds. The station side is km_airgap_import.c. */
#include "km_airgap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "json.h"
#include "p11_caps.h"
#include "p11_data.h"
#include "p11_ec.h"
#include "p11_enforce.h"
#include "p11_oaep.h"
#include "p11_obj.h"
#include "p11_rsa.h"
#include "p11_session.h"
#include "p11_trust.h"

static const uint8_t zero_nonce[32];

/* OAEP hash: SHA-256 where the token can (trial wrap), else SHA-1, which
 * SoftHSM 2.6.1 is limited to. OAEP's security rests on the hash as a
 * random oracle, not on collision resistance, so OAEP-SHA-1 is still a
 * sound encryption padding; the bundle records which one was used. */
static enum err pick_hash(struct p11_session *s, enum km_airgap_hash want,
                          enum p11_oaep_hash *out)
{
	struct p11_caps caps;
	enum err r = p11_caps_probe(s, true, &caps);

	if (r != ERR_OK)
		return r;
	if (want != KM_AIRGAP_HASH_SHA1 && caps.oaep_sha256_wrap) {
		*out = P11_OAEP_SHA256;
		return ERR_OK;
	}
	if (want != KM_AIRGAP_HASH_SHA256 && caps.oaep_sha1_wrap) {
		*out = P11_OAEP_SHA1;
		return ERR_OK;
	}
	return err_set(ERR_UNSUPPORTED,
	               "token '%s' cannot wrap with RSA-OAEP "
	               "%s",
	               p11_session_token(s)->label,
	               want == KM_AIRGAP_HASH_SHA1     ? "SHA-1"
	               : want == KM_AIRGAP_HASH_SHA256 ? "SHA-256"
	                                               : "SHA-256 or SHA-1");
}

static enum err check_half(struct p11_session *s, CK_OBJECT_HANDLE h,
                           const char *label)
{
	struct p11_obj_info i;
	enum err r = p11_obj_info(s, h, &i);

	if (r != ERR_OK)
		return r;
	if (!i.flag[P11F_EXTRACTABLE])
		return err_set(ERR_POLICY,
		               "DEK '%s' is not exportable (made "
		               "without --exportable, or imported); it can "
		               "never leave its token",
		               label);
	if (!i.flag[P11F_WRAP_WITH_TRUSTED] || !i.flag[P11F_SENSITIVE])
		return err_set(ERR_POLICY,
		               "DEK '%s' is extractable without "
		               "being sensitive and wrap_with_trusted; p11seal "
		               "exports only DEKs that can leave solely under "
		               "an SO-trusted key",
		               label);
	return ERR_OK;
}

static enum err exportable_dek(struct p11_session *s, const char *label,
                               struct p11_dek *dek)
{
	enum err r = p11_dek_find(s, label, dek);

	if (r == ERR_OK && dek->native)
		return err_set(ERR_UNSUPPORTED,
		               "DEK '%s' is one native XTS "
		               "key; bundles carry two-key DEKs only",
		               label);
	if (r == ERR_OK)
		r = check_half(s, dek->data, label);
	if (r == ERR_OK)
		r = check_half(s, dek->tweak, label);
	return r;
}

/* A Key Protect field of the DEK's metadata: a string, or a whole number
 * (version counters), copied; anything else is refused, not dropped. */
static enum err meta_field(const cJSON *m, const char *name, char *out,
                           size_t cap)
{
	const cJSON *it = json_member(m, name);
	int n = 0;

	if (!it)
		return ERR_OK;
	if (cJSON_IsString(it))
		n = snprintf(out, cap, "%s", it->valuestring);
	else if (cJSON_IsNumber(it) && it->valuedouble >= 0 &&
	         it->valuedouble < 1e15 &&
	         it->valuedouble == (double)(long long)it->valuedouble)
		n = snprintf(out, cap, "%lld", (long long)it->valuedouble);
	else
		n = -1;
	if (n < 0 || (size_t)n >= cap)
		return err_set(ERR_FORMAT,
		               "metadata field '%s' is not a string "
		               "of at most %zu bytes",
		               name, cap - 1);
	return ERR_OK;
}

static enum err copy_meta(struct p11_session *s, const char *label,
                          struct km_bundle *b)
{
	char *v = NULL;
	size_t len = 0;
	cJSON *m = NULL;
	enum err r = p11_data_get(s, label, &v, &len);

	if (r == ERR_NOT_FOUND) {
		err_clear();
		return ERR_OK; /* NSS keeps no metadata; a local DEK has none */
	}
	if (r != ERR_OK)
		return r;
	r = json_parse_object(v, len, &m);
	free(v);
	if (r != ERR_OK)
		r = err_wrap(r, "metadata of '%s'", label);
	if (r == ERR_OK)
		r = meta_field(m, "wrapped_dek", b->wrapped_dek,
		               sizeof(b->wrapped_dek));
	if (r == ERR_OK)
		r = meta_field(m, "root_key_crn", b->root_key_crn,
		               sizeof(b->root_key_crn));
	if (r == ERR_OK)
		r = meta_field(m, "root_key_id", b->root_key_id,
		               sizeof(b->root_key_id));
	if (r == ERR_OK)
		r = meta_field(m, "key_version", b->key_version,
		               sizeof(b->key_version));
	cJSON_Delete(m);
	return r;
}

static void stamp(char out[KM_BUNDLE_DATE_LEN + 1])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, KM_BUNDLE_DATE_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static enum err wrap_halves(struct p11_session *s, CK_OBJECT_HANDLE trusted,
                            const struct p11_dek *dek, struct km_bundle *b)
{
	enum err r = p11_oaep_wrap(s, trusted, b->hash, dek->data, b->data_half,
	                           sizeof(b->data_half), &b->data_len);

	if (r == ERR_OK)
		r = p11_oaep_wrap(s, trusted, b->hash, dek->tweak,
		                  b->tweak_half, sizeof(b->tweak_half),
		                  &b->tweak_len);
	if (r != ERR_OK)
		return err_wrap(r, "wrapping DEK '%s' for the station",
		                dek->label);
	return ERR_OK;
}

/* binding = SHA-256(SHA-256(canonical form) || DEK), in the token. */
static enum err bind(struct p11_session *s, const struct p11_dek *dek,
                     struct km_bundle *b)
{
	uint8_t inner[32];
	enum err r = km_bundle_digest(b, inner);

	if (r == ERR_OK)
		r = p11_dek_keyhash(s, dek, inner, b->binding);
	return r;
}

/* The signer key to sign with, and its fingerprint into the bundle. */
static enum err signer(struct p11_session *s, const char *sign_with,
                       CK_OBJECT_HANDLE *priv, EVP_PKEY **pub,
                       struct km_bundle *b)
{
	enum err r = p11_ec_find_signer(s, sign_with, priv);

	if (r == ERR_OK)
		r = p11_ec_signer_public(s, *priv, pub);
	if (r == ERR_OK)
		r = p11_rsa_fingerprint(*pub, b->signer);
	return r;
}

/* Signed in the token, then checked with OpenSSL against the public half
 * the stations pin: a token that signs wrongly fails here, not there. */
static enum err sign(struct p11_session *s, CK_OBJECT_HANDLE priv,
                     EVP_PKEY *pub, struct km_bundle *b)
{
	uint8_t md[P11_EC_DIGEST_LEN];
	enum err r = km_bundle_signed_digest(b, md);

	if (r == ERR_OK)
		r = p11_ec_sign(s, priv, md, b->signature);
	if (r == ERR_OK && p11_ec_verify_soft(pub, md, b->signature) != ERR_OK)
		r = err_set(ERR_VERIFY, "the bundle signature the token made "
		                        "does not verify under the signer's "
		                        "public key");
	return r;
}

enum err km_airgap_export(struct p11_session *s, const char *label,
                          struct evp_pkey_st *station, enum km_airgap_hash want,
                          const char *sign_with, struct km_bundle *b)
{
	CK_OBJECT_HANDLE trusted = CK_INVALID_HANDLE, priv = CK_INVALID_HANDLE;
	EVP_PKEY *pub = NULL;
	struct p11_dek dek;
	enum err r;

	memset(b, 0, sizeof(*b));
	if (strlen(label) > KM_BUNDLE_LABEL_MAX)
		return err_set(ERR_USAGE,
		               "a DEK label in a bundle has at most "
		               "%zu bytes",
		               KM_BUNDLE_LABEL_MAX);
	r = p11_enforce_trusted_wrap(s);
	if (r == ERR_OK)
		r = p11_trust_find(s, station, &trusted);
	if (r == ERR_OK)
		r = exportable_dek(s, label, &dek);
	if (r == ERR_OK)
		r = signer(s, sign_with, &priv, &pub, b);
	if (r == ERR_OK)
		r = pick_hash(s, want, &b->hash);
	if (r == ERR_OK)
		r = p11_rsa_fingerprint(station, b->recipient);
	if (r == ERR_OK)
		r = copy_meta(s, label, b);
	if (r != ERR_OK)
		goto out;
	snprintf(b->label, sizeof(b->label), "%s", label);
	b->dek_size = (unsigned)dek.size;
	stamp(b->created);
	r = wrap_halves(s, trusted, &dek, b);
	if (r == ERR_OK)
		r = p11_dek_keyhash(s, &dek, zero_nonce, b->keyhash);
	if (r == ERR_OK)
		r = bind(s, &dek, b);
	if (r == ERR_OK)
		r = sign(s, priv, pub, b);
	if (r == ERR_OK)
		r = km_bundle_check(b);
out:
	EVP_PKEY_free(pub);
	return r;
}
