/* SPDX-License-Identifier: MIT */
/* p11_ec.c - ECDSA P-256 bundle signer key pairs: generated in the token
 * with every boolean explicit, the private half sign-only (no decrypt,
 * derive or unwrap), read back and destroyed again if the token did not
 * honour the template; signing in the token, checking with OpenSSL. */
#include "p11_ec.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "p11_ckr.h"
#include "p11_int.h"
#include "p11_pubkey.h"
#include "p11_session.h"
#include "p11_tmpl.h"

#define SIGNERS_MAX 64
#define PEM_MAX     (16u * 1024)

/* DER OID 1.2.840.10045.3.1.7 (prime256v1), the only curve p11seal uses. */
const uint8_t p11_ec_p256_params[10] = { 0x06, 0x08, 0x2a, 0x86, 0x48,
	                                 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const CK_MECHANISM_TYPE ecdsa_only = CKM_ECDSA;
static const CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY;
static const CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY;
static const CK_KEY_TYPE ec_type = CKK_EC;

static const struct p11_want private_wants[] = {
	{ P11F_TOKEN, true },
	{ P11F_PRIVATE, true },
	{ P11F_SENSITIVE, true },
	{ P11F_EXTRACTABLE, false },
	{ P11F_NEVER_EXTRACTABLE, true },
	{ P11F_SIGN, true },
	{ P11F_DECRYPT, false },
	{ P11F_UNWRAP, false },
	{ P11F_DERIVE, false },
};
static const struct p11_want public_wants[] = {
	{ P11F_TOKEN, true },   { P11F_ENCRYPT, false }, { P11F_WRAP, false },
	{ P11F_VERIFY, false }, { P11F_DERIVE, false },
};
static const struct p11_want pinned_wants[] = {
	{ P11F_TOKEN, true },    { P11F_TRUSTED, true }, { P11F_VERIFY, true },
	{ P11F_ENCRYPT, false }, { P11F_WRAP, false },   { P11F_DERIVE, false },
};

static void tmpl_common(struct p11_tmpl *t, const CK_OBJECT_CLASS *cls,
                        const char *label, const uint8_t *id, size_t id_len)
{
	p11_tmpl_key_head(t, cls, &ec_type, label, id, id_len);
	p11_tmpl_bool(t, CKA_TOKEN, true);
}

/* The public half is published for the stations' SO, never used here. */
static void public_tmpl(struct p11_tmpl *t, const char *label,
                        const uint8_t *id, size_t id_len, int level)
{
	tmpl_common(t, &pub_class, label, id, id_len);
	p11_tmpl_add(t, CKA_EC_PARAMS, p11_ec_p256_params,
	             sizeof(p11_ec_p256_params));
	p11_tmpl_public_use(t, false, false);
	if (level >= 1)
		p11_tmpl_bool(t, CKA_MODIFIABLE, false);
}

/* level 2: every hardening; 1: not modifiable only (opencryptoki 3.8.1
 * refuses CKA_COPYABLE and CKA_ALLOWED_MECHANISMS, issue 12); 0: none. */
static void private_tmpl(struct p11_tmpl *t, const char *label,
                         const uint8_t *id, size_t id_len, int level)
{
	tmpl_common(t, &priv_class, label, id, id_len);
	p11_tmpl_bool(t, CKA_PRIVATE, true);
	p11_tmpl_bool(t, CKA_SENSITIVE, true);
	p11_tmpl_bool(t, CKA_EXTRACTABLE, false);
	p11_tmpl_bool(t, CKA_SIGN, true);
	p11_tmpl_bool(t, CKA_SIGN_RECOVER, false);
	p11_tmpl_bool(t, CKA_DECRYPT, false);
	p11_tmpl_bool(t, CKA_UNWRAP, false);
	p11_tmpl_bool(t, CKA_DERIVE, false);
	p11_tmpl_harden(t, level, &ecdsa_only);
}

enum err p11_ec_check(const struct p11_obj_info *info, enum p11_ec_role role)
{
	static const char *const names[] = { "bundle signer private key",
		                             "bundle signer public key",
		                             "pinned bundle signer" };
	CK_OBJECT_CLASS cls = role == P11_EC_SIGNER_PRIVATE ? CKO_PRIVATE_KEY
	                                                    : CKO_PUBLIC_KEY;

	if (info->cls != cls || info->key_type != CKK_EC)
		return err_set(ERR_POLICY, "'%s' is not an EC %s key",
		               info->label,
		               cls == CKO_PRIVATE_KEY ? "private" : "public");
	switch (role) {
	case P11_EC_SIGNER_PRIVATE:
		return p11_obj_check_wants(info, P11_WANTS(private_wants),
		                           names[role]);
	case P11_EC_SIGNER_PUBLIC:
		return p11_obj_check_wants(info, P11_WANTS(public_wants),
		                           names[role]);
	case P11_EC_PINNED:
		return p11_obj_check_wants(info, P11_WANTS(pinned_wants),
		                           names[role]);
	}
	return err_set(ERR_INTERNAL, "unknown EC role %d", (int)role);
}

/* CKA_EC_PARAMS of h names P-256. */
static enum err check_curve(struct p11_session *s, CK_OBJECT_HANDLE h,
                            const char *label)
{
	CK_BYTE params[64];
	CK_ULONG len = 0;
	CK_RV rv;

	if (!p11_obj_attr(s, h, CKA_EC_PARAMS, params, sizeof(params), &len,
	                  &rv) ||
	    len != sizeof(p11_ec_p256_params) ||
	    memcmp(params, p11_ec_p256_params, len) != 0)
		return err_set(ERR_POLICY,
		               "EC key '%s' is not on curve P-256 "
		               "(prime256v1)",
		               label);
	return ERR_OK;
}

static enum err check_object(struct p11_session *s, CK_OBJECT_HANDLE h,
                             enum p11_ec_role role)
{
	struct p11_obj_info info;
	enum err r = p11_obj_info(s, h, &info);

	if (r == ERR_OK)
		r = p11_ec_check(&info, role);
	if (r == ERR_OK)
		r = check_curve(s, h, info.label);
	return r;
}

static CK_RV keypair(struct p11_session *s, const char *label,
                     const uint8_t *id, size_t id_len, int level,
                     CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	struct p11_tmpl tpub = { .n = 0 }, tpriv = { .n = 0 };

	public_tmpl(&tpub, label, id, id_len, level);
	private_tmpl(&tpriv, label, id, id_len, level);
	return p11_tmpl_generate_pair(s, CKM_EC_KEY_PAIR_GEN, &tpub, &tpriv,
	                              pub, priv);
}

enum err p11_ec_generate_signer(struct p11_session *s, const char *label,
                                const uint8_t *id, size_t id_len,
                                CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	enum err r;
	CK_RV rv;

	*pub = *priv = CK_INVALID_HANDLE;
	rv = keypair(s, label, id, id_len, 2, pub, priv);
	for (int level = 1; level >= 0 && p11_tmpl_retry(rv); level--)
		rv = keypair(s, label, id, id_len, level, pub, priv);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_GenerateKeyPair (EC P-256) for", label);
	r = check_object(s, *priv, P11_EC_SIGNER_PRIVATE);
	if (r == ERR_OK)
		r = check_object(s, *pub, P11_EC_SIGNER_PUBLIC);
	if (r != ERR_OK) {
		p11_obj_discard(s, *pub);
		p11_obj_discard(s, *priv);
		*pub = *priv = CK_INVALID_HANDLE;
		return err_wrap(r, "token did not honour the signer key "
		                   "template");
	}
	return ERR_OK;
}

/* Every private key that passes as a signer, by label order of finding. */
static enum err signers(struct p11_session *s, CK_OBJECT_HANDLE *out,
                        size_t cap, size_t *n)
{
	CK_OBJECT_HANDLE *h = calloc(SIGNERS_MAX * 4, sizeof(*h));
	size_t all = 0;
	enum err r;

	*n = 0;
	if (!h)
		return err_set(ERR_NOMEM, "object list");
	r = p11_obj_find(s, CKO_PRIVATE_KEY, NULL, NULL, 0, h, SIGNERS_MAX * 4,
	                 &all);
	for (size_t i = 0; r == ERR_OK && i < all && *n < cap; i++) {
		if (check_object(s, h[i], P11_EC_SIGNER_PRIVATE) == ERR_OK)
			out[(*n)++] = h[i];
		err_clear();
	}
	free(h);
	return r;
}

static enum err only_signer(struct p11_session *s, CK_OBJECT_HANDLE *out)
{
	CK_OBJECT_HANDLE h[SIGNERS_MAX];
	struct p11_obj_info a, b;
	size_t n = 0;
	enum err r = signers(s, h, SIGNERS_MAX, &n);

	if (r != ERR_OK)
		return r;
	if (n == 0)
		return err_set(ERR_NOT_FOUND,
		               "token '%s' has no bundle signer key; make "
		               "one with `p11seal key create signer --label "
		               "NAME` and have each station's SO pin its "
		               "public key (`key export-public`, then `key "
		               "trust-signer` on the station)",
		               p11_session_token(s)->label);
	if (n > 1) {
		r = p11_obj_info(s, h[0], &a);
		if (r == ERR_OK)
			r = p11_obj_info(s, h[1], &b);
		if (r != ERR_OK)
			return r;
		return err_set(ERR_USAGE,
		               "token '%s' has %zu bundle signer keys "
		               "('%s', '%s'%s); name one with --sign-with",
		               p11_session_token(s)->label, n, a.label, b.label,
		               n > 2 ? ", ..." : "");
	}
	*out = h[0];
	return ERR_OK;
}

enum err p11_ec_find_signer(struct p11_session *s, const char *label,
                            CK_OBJECT_HANDLE *out)
{
	enum err r;

	if (!label)
		return only_signer(s, out);
	r = p11_obj_find_one(s, CKO_PRIVATE_KEY, label, NULL, 0, out);
	if (r == ERR_NOT_FOUND)
		return err_set(ERR_NOT_FOUND,
		               "no bundle signer key '%s' in token '%s' "
		               "(make one with `p11seal key create signer "
		               "--label %s`)",
		               label, p11_session_token(s)->label, label);
	if (r == ERR_OK)
		r = check_object(s, *out, P11_EC_SIGNER_PRIVATE);
	return r;
}

/* A P-256 key from its uncompressed point, checked to be on the curve. */
static enum err pkey_from_point(const uint8_t *pt, size_t len, EVP_PKEY **out)
{
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY_CTX *chk = NULL;
	enum err r = ERR_OK;

	params[0] = OSSL_PARAM_construct_utf8_string(
	        OSSL_PKEY_PARAM_GROUP_NAME, p11_unconst("prime256v1"), 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
	                                              p11_unconst(pt), len);
	params[2] = OSSL_PARAM_construct_end();
	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		r = p11_ossl_fail("EC public key");
	if (r == ERR_OK)
		chk = EVP_PKEY_CTX_new_from_pkey(NULL, *out, NULL);
	if (r == ERR_OK && (!chk || EVP_PKEY_public_check(chk) != 1)) {
		r = err_set(ERR_FORMAT, "EC public key is not a point on "
		                        "P-256");
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	ERR_clear_error();
	EVP_PKEY_CTX_free(chk);
	EVP_PKEY_CTX_free(ctx);
	return r;
}

/* CKA_EC_POINT is a DER OCTET STRING around the point (PKCS#11 2.40);
 * some tokens give the bare point. */
enum err p11_ec_public_key(struct p11_session *s, CK_OBJECT_HANDLE h,
                           EVP_PKEY **out)
{
	uint8_t buf[P11_EC_POINT_LEN + 2];
	const uint8_t *pt = buf;
	CK_ULONG len = 0;
	CK_RV rv = CKR_OK;
	enum err r;

	*out = NULL;
	r = check_curve(s, h, "(public key)");
	if (r != ERR_OK)
		return r;
	if (!p11_obj_attr(s, h, CKA_EC_POINT, buf, sizeof(buf), &len, &rv))
		return rv != CKR_OK ? p11_fail(rv, "reading CKA_EC_POINT", NULL)
		                    : err_set(ERR_FORMAT, "EC point too long");
	if (len == P11_EC_POINT_LEN + 2 && buf[0] == 0x04 &&
	    buf[1] == P11_EC_POINT_LEN) {
		pt = buf + 2;
		len -= 2;
	}
	if (len != P11_EC_POINT_LEN || pt[0] != 0x04)
		return err_set(ERR_FORMAT, "CKA_EC_POINT is not an "
		                           "uncompressed P-256 point");
	return pkey_from_point(pt, len, out);
}

/* The public half is an object any user may replace: it counts only if
 * it checks a fresh signature of the private key. */
static enum err proves_possession(struct p11_session *s, CK_OBJECT_HANDLE priv,
                                  EVP_PKEY *pub)
{
	uint8_t challenge[P11_EC_DIGEST_LEN], sig[P11_EC_SIG_LEN];
	enum err r = p11_session_random(s, challenge, sizeof(challenge));

	if (r == ERR_OK)
		r = p11_ec_sign(s, priv, challenge, sig);
	if (r == ERR_OK && p11_ec_verify_soft(pub, challenge, sig) != ERR_OK)
		r = err_set(ERR_VERIFY, "the public half of the bundle signer "
		                        "does not match its private key");
	return r;
}

enum err p11_ec_signer_public(struct p11_session *s, CK_OBJECT_HANDLE priv,
                              EVP_PKEY **out)
{
	struct p11_obj_info info = { .label = "" };
	CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
	enum err r = p11_obj_info(s, priv, &info);

	*out = NULL;
	if (r == ERR_OK)
		r = p11_obj_find_one(s, CKO_PUBLIC_KEY, info.label, info.id,
		                     info.id_len, &pub);
	if (r == ERR_NOT_FOUND)
		return err_set(ERR_NOT_FOUND,
		               "bundle signer '%s' has no public half in "
		               "token '%s'",
		               info.label, p11_session_token(s)->label);
	if (r == ERR_OK)
		r = check_object(s, pub, P11_EC_SIGNER_PUBLIC);
	if (r == ERR_OK)
		r = p11_ec_public_key(s, pub, out);
	if (r == ERR_OK)
		r = proves_possession(s, priv, *out);
	if (r != ERR_OK) {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	return r;
}

enum err p11_ec_sign(struct p11_session *s, CK_OBJECT_HANDLE priv,
                     const uint8_t digest[P11_EC_DIGEST_LEN],
                     uint8_t sig[P11_EC_SIG_LEN])
{
	CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SESSION_HANDLE sh = p11_session_handle(s);
	CK_ULONG len = P11_EC_SIG_LEN;
	CK_RV rv;

	rv = fn->C_SignInit(sh, &mech, priv);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_SignInit (ECDSA)", NULL);
	rv = fn->C_Sign(sh, p11_unconst(digest), P11_EC_DIGEST_LEN, sig, &len);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_Sign (ECDSA)", NULL);
	if (len != P11_EC_SIG_LEN)
		return err_set(ERR_HSM, "C_Sign (ECDSA) gave %lu bytes, not %d",
		               (unsigned long)len, P11_EC_SIG_LEN);
	return ERR_OK;
}

/* r||s as the DER ECDSA-Sig-Value OpenSSL checks; *der is OPENSSL_free'd. */
static int sig_der(const uint8_t sig[P11_EC_SIG_LEN], unsigned char **der)
{
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, P11_EC_SIG_LEN / 2, NULL);
	BIGNUM *sv =
	        BN_bin2bn(sig + P11_EC_SIG_LEN / 2, P11_EC_SIG_LEN / 2, NULL);
	int n = -1;

	if (es && r && sv && ECDSA_SIG_set0(es, r, sv) == 1) {
		r = sv = NULL; /* owned by es now */
		n = i2d_ECDSA_SIG(es, der);
	}
	BN_free(r);
	BN_free(sv);
	ECDSA_SIG_free(es);
	return n;
}

enum err p11_ec_verify_soft(EVP_PKEY *pub,
                            const uint8_t digest[P11_EC_DIGEST_LEN],
                            const uint8_t sig[P11_EC_SIG_LEN])
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	unsigned char *der = NULL;
	int n = sig_der(sig, &der), ok = 0;

	if (ctx && n > 0 && EVP_PKEY_verify_init(ctx) == 1)
		ok = EVP_PKEY_verify(ctx, der, (size_t)n, digest,
		                     P11_EC_DIGEST_LEN);
	OPENSSL_free(der);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok == 1 ? ERR_OK
	               : err_set(ERR_VERIFY, "ECDSA signature does not "
	                                     "verify");
}

enum err p11_ec_point(EVP_PKEY *pub, uint8_t out[P11_EC_POINT_LEN])
{
	size_t len = 0;

	if (!EVP_PKEY_get_octet_string_param(pub,
	                                     OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
	                                     out, P11_EC_POINT_LEN, &len) ||
	    len != P11_EC_POINT_LEN || out[0] != 0x04)
		return p11_ossl_fail("P-256 public point");
	return ERR_OK;
}

/* P-256 only, and OpenSSL's public check. */
static enum err check_pubkey(EVP_PKEY *k)
{
	char group[32] = "";
	uint8_t pt[P11_EC_POINT_LEN];
	EVP_PKEY *again = NULL;
	enum err r;

	if (!EVP_PKEY_is_a(k, "EC") ||
	    !EVP_PKEY_get_group_name(k, group, sizeof(group), NULL) ||
	    strcmp(group, "prime256v1") != 0) {
		ERR_clear_error();
		return err_set(ERR_POLICY, "the public key is not an EC P-256 "
		                           "key (bundle signers are ECDSA "
		                           "P-256)");
	}
	/* Rebuilt from its point: the same on-curve check a token key gets. */
	r = p11_ec_point(k, pt);
	if (r == ERR_OK)
		r = pkey_from_point(pt, sizeof(pt), &again);
	EVP_PKEY_free(again);
	return r;
}

enum err p11_ec_pem_parse(const char *text, size_t len, EVP_PKEY **out)
{
	return p11_pubkey_pem_parse(text, len, PEM_MAX, check_pubkey, out);
}
