/* SPDX-License-Identifier: MIT */
/* km_airgap_import.c - station side of the air-gapped handover. First the
 * signature, verified in the token under a signer the SO pinned: a bundle
 * not signed by a pinned bridge is refused before any unwrap. Then the
 * halves are unwrapped as throw-away session keys and checked in the
 * token (size, distinct halves, keyhash, binding); only a bundle that
 * passes is unwrapped again into token objects, so a tampered one never
 * touches the token. */
#include "km_airgap.h"

#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "encode.h"
#include "km_dek_store.h"
#include "km_inventory.h"
#include "km_key_meta.h"
#include "p11_caps.h"
#include "p11_ec_pin.h"
#include "p11_enforce.h"
#include "p11_oaep.h"
#include "p11_obj.h"
#include "p11_rsa.h"
#include "p11_session.h"
#include "secmem.h"

static const uint8_t zero_nonce[32];

/* The signature over the signed form, in the token, under the pinned
 * signer the bundle names; then that pins mean something on this token
 * (a user cannot set CKA_TRUSTED). No key is unwrapped before this. */
static enum err check_signature(struct p11_session *s,
                                const struct km_bundle *b)
{
	uint8_t md[P11_EC_DIGEST_LEN];
	CK_OBJECT_HANDLE pin = CK_INVALID_HANDLE;
	enum err r = p11_ec_pin_find(s, b->signer, &pin);

	if (r == ERR_OK)
		r = km_bundle_signed_digest(b, md);
	if (r == ERR_OK)
		r = p11_ec_pin_verify(s, pin, md, b->signature);
	if (r == ERR_VERIFY)
		return err_set(ERR_VERIFY,
		               "forged or tampered bundle: its signature does "
		               "not verify under pinned signer %s",
		               b->signer);
	if (r == ERR_OK)
		r = p11_ec_pin_enforced(s);
	return r;
}

/* The transport key must be the one the bundle was made for. */
static enum err station_key(struct p11_session *s, const char *unwrap_with,
                            const struct km_bundle *b, CK_OBJECT_HANDLE *priv)
{
	char fp[P11_RSA_FP_HEX];
	EVP_PKEY *pub = NULL;
	size_t modulus = 0;
	enum err r;

	r = p11_rsa_find_transport(s, unwrap_with, priv);
	if (r == ERR_OK)
		r = p11_rsa_public_key(s, *priv, &pub);
	if (r == ERR_OK)
		r = p11_rsa_fingerprint(pub, fp);
	if (r == ERR_OK)
		modulus = (size_t)(p11_rsa_bits(pub) + 7) / 8;
	EVP_PKEY_free(pub);
	if (r != ERR_OK)
		return r;
	if (strcmp(fp, b->recipient) != 0)
		return err_set(ERR_POLICY,
		               "bundle for another station: it is "
		               "for key %s, transport key '%s' is %s",
		               b->recipient, unwrap_with, fp);
	if (b->data_len != modulus)
		return err_set(ERR_VERIFY,
		               "tampered bundle: the halves are %zu "
		               "bytes, transport key '%s' makes %zu",
		               b->data_len, unwrap_with, modulus);
	return ERR_OK;
}

static enum err check_hash(struct p11_session *s, enum p11_oaep_hash h)
{
	struct p11_caps caps;
	enum err r = p11_caps_probe(s, true, &caps);
	bool ok = h == P11_OAEP_SHA256 ? caps.oaep_sha256_wrap
	                               : caps.oaep_sha1_wrap;

	if (r == ERR_OK && !ok)
		r = err_set(ERR_UNSUPPORTED,
		            "token '%s' cannot unwrap RSA-OAEP "
		            "%s, which the bundle was made with (export it "
		            "again with --oaep-hash %s)",
		            p11_session_token(s)->label, km_bundle_hash_name(h),
		            h == P11_OAEP_SHA256 ? "sha1" : "sha256");
	return r;
}

/* Where the token records an unwrapped key's length (NSS; SoftHSM 2.6.1
 * does not), it must match; the binding proves dek_size in any case. */
static enum err check_sizes(struct p11_session *s, const struct p11_dek *d)
{
	struct p11_obj_info a, b;
	enum err r = p11_obj_info(s, d->data, &a);

	if (r == ERR_OK)
		r = p11_obj_info(s, d->tweak, &b);
	if (r == ERR_OK && a.value_len && b.value_len &&
	    (a.value_len * 2 != d->size || b.value_len * 2 != d->size))
		r = err_set(ERR_VERIFY,
		            "tampered bundle: the halves unwrap to "
		            "%lu and %lu bytes, dek_size says %zu",
		            (unsigned long)a.value_len,
		            (unsigned long)b.value_len, d->size);
	return r;
}

/* Equal halves make XTS weak (FIPS 140 IG A.9): compare their digests. */
static enum err check_halves_differ(struct p11_session *s,
                                    const struct p11_dek *d)
{
	struct p11_dek one_a = { .data = d->data, .native = true };
	struct p11_dek one_b = { .data = d->tweak, .native = true };
	uint8_t ha[32], hb[32];
	enum err r;

	snprintf(one_a.label, sizeof(one_a.label), "%s", d->label);
	snprintf(one_b.label, sizeof(one_b.label), "%s", d->label);
	r = p11_dek_keyhash(s, &one_a, zero_nonce, ha);
	if (r == ERR_OK)
		r = p11_dek_keyhash(s, &one_b, zero_nonce, hb);
	if (r == ERR_OK && secmem_equal(ha, hb, sizeof(ha)))
		r = err_set(ERR_POLICY,
		            "the bundle's data and tweak halves are "
		            "the same key; XTS needs two different keys");
	return r;
}

static enum err check_hashes(struct p11_session *s, const struct p11_dek *d,
                             const struct km_bundle *b)
{
	uint8_t got[32], inner[32];
	char want_hex[65], got_hex[65];
	enum err r = p11_dek_keyhash(s, d, zero_nonce, got);

	if (r != ERR_OK)
		return r;
	if (!secmem_equal(got, b->keyhash, sizeof(got))) {
		encode_hex(want_hex, b->keyhash, 32);
		encode_hex(got_hex, got, 32);
		return err_set(ERR_VERIFY,
		               "tampered bundle: keyhash mismatch "
		               "(bundle says %s, the unwrapped DEK has %s)",
		               want_hex, got_hex);
	}
	r = km_bundle_digest(b, inner);
	if (r == ERR_OK)
		r = p11_dek_keyhash(s, d, inner, got);
	if (r == ERR_OK && !secmem_equal(got, b->binding, sizeof(got)))
		r = err_set(ERR_VERIFY,
		            "tampered bundle: binding mismatch "
		            "(a field was changed after the bridge made it)");
	return r;
}

/* Phase one: session keys only, destroyed whatever the outcome. */
static enum err verify_in_session(struct p11_session *s, CK_OBJECT_HANDLE key,
                                  const struct km_bundle *b)
{
	struct p11_dek d = { .data = CK_INVALID_HANDLE,
		             .tweak = CK_INVALID_HANDLE,
		             .size = b->dek_size,
		             .label = "bundle" };
	enum err r;

	r = p11_oaep_unwrap_check(s, key, b->hash, b->data_half, b->data_len,
	                          &d.data);
	if (r == ERR_OK)
		r = p11_oaep_unwrap_check(s, key, b->hash, b->tweak_half,
		                          b->tweak_len, &d.tweak);
	if (r == ERR_VERIFY)
		r = err_wrap(r, "tampered bundle: a half does not unwrap");
	if (r == ERR_OK)
		r = check_sizes(s, &d);
	if (r == ERR_OK)
		r = check_halves_differ(s, &d);
	if (r == ERR_OK)
		r = check_hashes(s, &d, b);
	p11_obj_discard(s, d.data);
	p11_obj_discard(s, d.tweak);
	return r;
}

/* The same DEK under another label would be two names for one key. */
static enum err check_not_present(struct p11_session *s,
                                  const uint8_t keyhash[32])
{
	struct km_key *keys = NULL;
	size_t n = 0;
	enum err r = km_inventory_list(s, &keys, &n);

	for (size_t i = 0; r == ERR_OK && i < n; i++)
		if (keys[i].is_dek && keys[i].has_keyhash &&
		    memcmp(keys[i].keyhash, keyhash, 32) == 0)
			r = err_set(ERR_EXISTS,
			            "this DEK is already in token "
			            "'%s' as '%s'",
			            p11_session_token(s)->label,
			            keys[i].info.label);
	km_inventory_free(keys, n);
	return r;
}

static cJSON *meta(const struct km_bundle *b)
{
	static const char *const names[] = { "wrapped_dek", "root_key_crn",
		                             "root_key_id", "key_version" };
	const char *values[] = { b->wrapped_dek, b->root_key_crn,
		                 b->root_key_id, b->key_version };
	cJSON *o = km_key_meta_new();
	char wrap[32];

	if (!o)
		return NULL;
	snprintf(wrap, sizeof(wrap), "RSA-OAEP %s",
	         km_bundle_hash_name(b->hash));
	cJSON_AddNumberToObject(o, "size", b->dek_size);
	cJSON_AddStringToObject(o, "origin", "air-gap bundle");
	cJSON_AddStringToObject(o, "bridge_label", b->label);
	cJSON_AddStringToObject(o, "bundle_created", b->created);
	cJSON_AddStringToObject(o, "transport_fingerprint", b->recipient);
	cJSON_AddStringToObject(o, "transport_wrap", wrap);
	cJSON_AddStringToObject(o, "signer_fingerprint", b->signer);
	for (size_t i = 0; i < 4; i++)
		if (values[i][0])
			cJSON_AddStringToObject(o, names[i], values[i]);
	return o;
}

static enum err check_locked(struct p11_session *s, CK_OBJECT_HANDLE h,
                             const char *label)
{
	struct p11_obj_info info;
	enum err r = p11_obj_info(s, h, &info);

	if (r == ERR_OK &&
	    (!info.known[P11F_EXTRACTABLE] || info.flag[P11F_EXTRACTABLE] ||
	     !info.flag[P11F_SENSITIVE]))
		r = err_set(ERR_POLICY,
		            "DEK '%s' came out extractable or not "
		            "sensitive",
		            label);
	return r;
}

/* Phase two: the halves unwrapped again, now as token objects. */
struct phase_two {
	const struct km_bundle *b;
	CK_OBJECT_HANDLE key;
};

static enum err unwrap_into_token(struct p11_session *s, const char *label,
                                  const void *ctx, struct p11_dek *out)
{
	const struct phase_two *p = ctx;

	return p11_oaep_unwrap_dek(s, p->key, p->b->hash, p->b->data_half,
	                           p->b->tweak_half, p->b->data_len,
	                           p->b->dek_size, label, out);
}

/* Phase two's result, read back the way every later command finds it
 * (a token without data objects, NSS, records the halves' length): the
 * same pair, the same DEK, and it can never leave the token. */
static enum err confirm(struct p11_session *s,
                        const struct km_dek_stored *stored, const void *ctx)
{
	const struct p11_dek *made = &stored->dek;
	const struct km_bundle *b = ((const struct phase_two *)ctx)->b;
	struct p11_dek d;
	uint8_t got[32];
	enum err r = p11_dek_find(s, made->label, &d);

	if (r == ERR_OK && (d.data != made->data || d.tweak != made->tweak ||
	                    d.size != b->dek_size))
		r = err_set(ERR_VERIFY,
		            "DEK '%s' does not read back as the one "
		            "just stored",
		            made->label);
	if (r == ERR_OK)
		r = p11_dek_keyhash(s, &d, zero_nonce, got);
	if (r == ERR_OK && !secmem_equal(got, b->keyhash, 32))
		r = err_set(ERR_VERIFY, "the DEK stored in the token differs "
		                        "from the one checked");
	if (r == ERR_OK)
		r = check_locked(s, d.data, d.label);
	if (r == ERR_OK)
		r = check_locked(s, d.tweak, d.label);
	return r;
}

enum err km_airgap_import(struct p11_session *s, const struct km_bundle *b,
                          const char *unwrap_with, const char *label,
                          struct p11_dek *out, bool *meta_kept)
{
	const char *target = label ? label : b->label;
	struct phase_two two = { .b = b, .key = CK_INVALID_HANDLE };
	struct km_dek_maker m = { .make = unwrap_into_token,
		                  .check = confirm,
		                  .ctx = &two };
	struct km_dek_stored st;
	cJSON *md = NULL;
	enum err r;

	*meta_kept = false;
	r = km_bundle_check(b);
	if (r == ERR_OK)
		r = check_signature(s, b);
	if (r == ERR_OK)
		r = station_key(s, unwrap_with, b, &two.key);
	if (r == ERR_OK)
		r = p11_enforce_unwrap_template(s);
	if (r == ERR_OK)
		r = check_hash(s, b->hash);
	if (r == ERR_OK)
		r = verify_in_session(s, two.key, b);
	if (r == ERR_OK)
		r = check_not_present(s, b->keyhash);
	if (r != ERR_OK)
		return r;
	md = meta(b);
	r = km_dek_store(s, target, &m, md, &st);
	cJSON_Delete(md);
	if (r != ERR_OK)
		return r;
	*meta_kept = st.meta_stored;
	*out = st.dek;
	return ERR_OK;
}
