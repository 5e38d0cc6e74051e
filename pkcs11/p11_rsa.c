/* SPDX-License-Identifier: MIT */
/* p11_rsa.c - RSA transport key pairs: generated in the token with every
 * boolean explicit, the private half unwrap-only behind a CKA_UNWRAP_TEMPLATE
 * that lets it make nothing but a DEK half (AES, no wrap, unwrap, derive,
 * sign or verify), sensitive, inside the token and not modifiable; read
 * back and destroyed again if the token did not honour the template. */
#include "p11_rsa.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "encode.h"

#include "p11_ckr.h"
#include "p11_enforce.h"
#include "p11_int.h"
#include "p11_policy_scan.h"
#include "p11_pubkey.h"
#include "p11_session.h"
#include "p11_tmpl.h"

#define NUM_MAX (P11_RSA_MAX_BITS / 8)
#define PEM_MAX (64u * 1024)

static const CK_BYTE f4[] = { 0x01, 0x00, 0x01 };
static const CK_MECHANISM_TYPE oaep_only = CKM_RSA_PKCS_OAEP;
static const CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY;
static const CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY;
static const CK_KEY_TYPE rsa_type = CKK_RSA;

static const struct p11_want private_wants[] = {
	{ P11F_TOKEN, true },     { P11F_PRIVATE, true },
	{ P11F_SENSITIVE, true }, { P11F_EXTRACTABLE, false },
	{ P11F_UNWRAP, true },    { P11F_DECRYPT, false },
	{ P11F_SIGN, false },     { P11F_DERIVE, false },
};
static const struct p11_want public_wants[] = {
	{ P11F_TOKEN, true },   { P11F_ENCRYPT, false }, { P11F_WRAP, false },
	{ P11F_VERIFY, false }, { P11F_DERIVE, false },
};
static const struct p11_want trusted_wants[] = {
	{ P11F_TOKEN, true },    { P11F_TRUSTED, true }, { P11F_WRAP, true },
	{ P11F_ENCRYPT, false }, { P11F_VERIFY, false }, { P11F_DERIVE, false },
};
static const struct p11_want import_wants[] = {
	{ P11F_TOKEN, false },   { P11F_TRUSTED, true }, { P11F_WRAP, true },
	{ P11F_ENCRYPT, false }, { P11F_VERIFY, false }, { P11F_DERIVE, false },
};

static void tmpl_common(struct p11_tmpl *t, const CK_OBJECT_CLASS *cls,
                        const char *label, const uint8_t *id, size_t id_len)
{
	p11_tmpl_key_head(t, cls, &rsa_type, label, id, id_len);
	p11_tmpl_bool(t, CKA_TOKEN, true);
}

/* The public half is published, never used: it can do nothing. */
static void public_tmpl(struct p11_tmpl *t, const char *label,
                        const uint8_t *id, size_t id_len, const CK_ULONG *bits,
                        bool hardening)
{
	tmpl_common(t, &pub_class, label, id, id_len);
	p11_tmpl_add(t, CKA_MODULUS_BITS, bits, sizeof(*bits));
	p11_tmpl_add(t, CKA_PUBLIC_EXPONENT, f4, sizeof(f4));
	p11_tmpl_public_use(t, false, false);
	if (hardening)
		p11_tmpl_bool(t, CKA_MODIFIABLE, false);
}

/* unwrap_t must hold P11_TMPL_PINNED_MAX attributes: what every
 * unwrapped key must be (p11_tmpl_dek_unwrap: a DEK half, nothing else). */
static void private_tmpl(struct p11_tmpl *t, const char *label,
                         const uint8_t *id, size_t id_len,
                         CK_ATTRIBUTE *unwrap_t, bool hardening)
{
	size_t n = p11_tmpl_dek_unwrap(unwrap_t);

	tmpl_common(t, &priv_class, label, id, id_len);
	p11_tmpl_bool(t, CKA_PRIVATE, true);
	p11_tmpl_bool(t, CKA_SENSITIVE, true);
	p11_tmpl_bool(t, CKA_EXTRACTABLE, false);
	p11_tmpl_bool(t, CKA_UNWRAP, true);
	p11_tmpl_bool(t, CKA_DECRYPT, false);
	p11_tmpl_bool(t, CKA_SIGN, false);
	p11_tmpl_bool(t, CKA_SIGN_RECOVER, false);
	p11_tmpl_bool(t, CKA_DERIVE, false);
	p11_tmpl_add(t, CKA_UNWRAP_TEMPLATE, unwrap_t, n * sizeof(*unwrap_t));
	p11_tmpl_harden(t, hardening ? 2 : 0, &oaep_only);
}

enum err p11_rsa_check(const struct p11_obj_info *info, enum p11_rsa_role role)
{
	static const char *const names[] = { "transport private key",
		                             "transport public key",
		                             "trusted wrapping key",
		                             "trusted import key" };
	CK_OBJECT_CLASS cls = role == P11_RSA_TRANSPORT_PRIVATE
	                              ? CKO_PRIVATE_KEY
	                              : CKO_PUBLIC_KEY;

	if (info->cls != cls || info->key_type != CKK_RSA)
		return err_set(ERR_POLICY, "'%s' is not an RSA %s key",
		               info->label,
		               cls == CKO_PRIVATE_KEY ? "private" : "public");
	switch (role) {
	case P11_RSA_TRANSPORT_PRIVATE:
		if (!info->has_unwrap_template)
			return err_set(ERR_POLICY,
			               "transport private key '%s' "
			               "has no CKA_UNWRAP_TEMPLATE, so keys it "
			               "unwraps could come out readable",
			               info->label);
		return p11_obj_check_wants(info, P11_WANTS(private_wants),
		                           names[role]);
	case P11_RSA_TRANSPORT_PUBLIC:
		return p11_obj_check_wants(info, P11_WANTS(public_wants),
		                           names[role]);
	case P11_RSA_TRUSTED_WRAP:
		return p11_obj_check_wants(info, P11_WANTS(trusted_wants),
		                           names[role]);
	case P11_RSA_TRUSTED_IMPORT:
		return p11_obj_check_wants(info, P11_WANTS(import_wants),
		                           names[role]);
	}
	return err_set(ERR_INTERNAL, "unknown RSA role %d", (int)role);
}

static CK_RV keypair(struct p11_session *s, const char *label,
                     const uint8_t *id, size_t id_len, const CK_ULONG *bits,
                     bool hardening, CK_OBJECT_HANDLE *pub,
                     CK_OBJECT_HANDLE *priv)
{
	CK_ATTRIBUTE unwrap_t[P11_TMPL_PINNED_MAX];
	struct p11_tmpl tpub = { .n = 0 }, tpriv = { .n = 0 };

	public_tmpl(&tpub, label, id, id_len, bits, hardening);
	private_tmpl(&tpriv, label, id, id_len, unwrap_t, hardening);
	return p11_tmpl_generate_pair(s, CKM_RSA_PKCS_KEY_PAIR_GEN, &tpub,
	                              &tpriv, pub, priv);
}

static enum err verify_pair(struct p11_session *s, CK_OBJECT_HANDLE pub,
                            CK_OBJECT_HANDLE priv)
{
	struct p11_obj_info info;
	enum err r;

	r = p11_obj_info(s, priv, &info);
	if (r == ERR_OK)
		r = p11_rsa_check(&info, P11_RSA_TRANSPORT_PRIVATE);
	if (r == ERR_OK)
		r = p11_obj_info(s, pub, &info);
	if (r == ERR_OK)
		r = p11_rsa_check(&info, P11_RSA_TRANSPORT_PUBLIC);
	return r;
}

enum err p11_rsa_generate_transport(struct p11_session *s, const char *label,
                                    const uint8_t *id, size_t id_len,
                                    unsigned long bits, CK_OBJECT_HANDLE *pub,
                                    CK_OBJECT_HANDLE *priv)
{
	CK_ULONG modulus_bits = bits;
	enum err r;
	CK_RV rv;

	*pub = *priv = CK_INVALID_HANDLE;
	if (bits < P11_RSA_MIN_BITS || bits > P11_RSA_MAX_BITS || bits % 8)
		return err_set(ERR_USAGE,
		               "RSA transport keys have %d..%d "
		               "bits, a multiple of 8 (not %lu)",
		               P11_RSA_MIN_BITS, P11_RSA_MAX_BITS, bits);
	r = p11_enforce_unwrap_template(s);
	if (r != ERR_OK)
		return r;
	rv = keypair(s, label, id, id_len, &modulus_bits, true, pub, priv);
	if (p11_tmpl_retry(rv))
		rv = keypair(s, label, id, id_len, &modulus_bits, false, pub,
		             priv);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_GenerateKeyPair (RSA) for", label);
	r = verify_pair(s, *pub, *priv);
	if (r != ERR_OK) {
		p11_obj_discard(s, *pub);
		p11_obj_discard(s, *priv);
		*pub = *priv = CK_INVALID_HANDLE;
		return err_wrap(r, "token did not honour the transport key "
		                   "template");
	}
	return ERR_OK;
}

enum err p11_rsa_find_transport(struct p11_session *s, const char *label,
                                CK_OBJECT_HANDLE *out)
{
	struct p11_obj_info info;
	enum err r;

	r = p11_obj_find_one(s, CKO_PRIVATE_KEY, label, NULL, 0, out);
	if (r == ERR_NOT_FOUND)
		return err_set(ERR_NOT_FOUND,
		               "no transport key '%s' in token "
		               "'%s' (make one with `p11seal key create "
		               "transport --label %s`)",
		               label, p11_session_token(s)->label, label);
	if (r == ERR_OK)
		r = p11_obj_info(s, *out, &info);
	if (r == ERR_OK)
		r = p11_rsa_check(&info, P11_RSA_TRANSPORT_PRIVATE);
	/* An older p11seal's transport key unwraps a chosen blob as a key
	 * that wraps and decrypts (issue 11): p11seal uses it no more. */
	if (r == ERR_OK && !p11_policy_unwrap_pinned(s, *out))
		r = err_set(ERR_POLICY,
		            "transport key '%s' has an older "
		            "CKA_UNWRAP_TEMPLATE that does not pin class, key "
		            "type and usage; make a new one with `p11seal key "
		            "create transport` (the bridge's security officer "
		            "trusts its public key again) and delete '%s'",
		            label, label);
	return r;
}

/* A public attribute of up to cap bytes (two-call C_GetAttributeValue). */
static enum err read_number(struct p11_session *s, CK_OBJECT_HANDLE h,
                            CK_ATTRIBUTE_TYPE type, uint8_t *buf, size_t cap,
                            size_t *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_RV rv;

	rv = fn->C_GetAttributeValue(p11_session_handle(s), h, &a, 1);
	if (rv != CKR_OK)
		return p11_fail(rv, "reading the RSA public key", NULL);
	if (a.ulValueLen == 0 || a.ulValueLen == CK_UNAVAILABLE_INFORMATION ||
	    a.ulValueLen > cap)
		return err_set(ERR_FORMAT,
		               "RSA key object has a bad %s "
		               "length",
		               type == CKA_MODULUS ? "modulus" : "exponent");
	a.pValue = buf;
	rv = fn->C_GetAttributeValue(p11_session_handle(s), h, &a, 1);
	if (rv != CKR_OK)
		return p11_fail(rv, "reading the RSA public key", NULL);
	*len = a.ulValueLen;
	return ERR_OK;
}

static enum err pkey_from_numbers(const uint8_t *n, size_t n_len,
                                  const uint8_t *e, size_t e_len,
                                  EVP_PKEY **out)
{
	BIGNUM *bn_n = BN_bin2bn(n, (int)n_len, NULL);
	BIGNUM *bn_e = BN_bin2bn(e, (int)e_len, NULL);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	enum err r = ERR_OK;

	if (!bn_n || !bn_e || !bld ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e))
		r = p11_ossl_fail("RSA public key parameters");
	if (r == ERR_OK) {
		params = OSSL_PARAM_BLD_to_param(bld);
		ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	}
	if (r == ERR_OK &&
	    (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	     EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) <= 0))
		r = p11_ossl_fail("RSA public key");
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn_n);
	BN_free(bn_e);
	return r;
}

enum err p11_rsa_public_key(struct p11_session *s, CK_OBJECT_HANDLE h,
                            EVP_PKEY **out)
{
	uint8_t n[NUM_MAX], e[16];
	size_t n_len = 0, e_len = 0;
	enum err r;

	*out = NULL;
	r = read_number(s, h, CKA_MODULUS, n, sizeof(n), &n_len);
	if (r == ERR_OK)
		r = read_number(s, h, CKA_PUBLIC_EXPONENT, e, sizeof(e),
		                &e_len);
	if (r == ERR_OK)
		r = pkey_from_numbers(n, n_len, e, e_len, out);
	return r;
}

static enum err bn_out(EVP_PKEY *pub, const char *name, uint8_t *buf,
                       size_t cap, size_t *len)
{
	BIGNUM *bn = NULL;
	int n;

	if (!EVP_PKEY_get_bn_param(pub, name, &bn))
		return p11_ossl_fail("RSA key numbers");
	n = BN_num_bytes(bn);
	if (n <= 0 || (size_t)n > cap) {
		BN_free(bn);
		return err_set(ERR_FORMAT, "RSA key number of %d bytes", n);
	}
	*len = (size_t)BN_bn2bin(bn, buf);
	BN_free(bn);
	return ERR_OK;
}

enum err p11_rsa_numbers(EVP_PKEY *pub, uint8_t *n, size_t n_cap, size_t *n_len,
                         uint8_t *e, size_t e_cap, size_t *e_len)
{
	enum err r = bn_out(pub, OSSL_PKEY_PARAM_RSA_N, n, n_cap, n_len);

	if (r == ERR_OK)
		r = bn_out(pub, OSSL_PKEY_PARAM_RSA_E, e, e_cap, e_len);
	return r;
}

int p11_rsa_bits(EVP_PKEY *pub)
{
	return EVP_PKEY_get_bits(pub);
}

enum err p11_rsa_pem(EVP_PKEY *pub, char **pem, size_t *len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data = NULL, *copy = NULL;
	long n = 0;

	*pem = NULL;
	if (!bio || !PEM_write_bio_PUBKEY(bio, pub)) {
		BIO_free(bio);
		return p11_ossl_fail("PEM encoding of the public key");
	}
	n = BIO_get_mem_data(bio, &data);
	if (n > 0)
		copy = malloc((size_t)n + 1);
	if (copy) {
		memcpy(copy, data, (size_t)n);
		copy[n] = '\0';
	}
	BIO_free(bio);
	if (!copy)
		return err_set(ERR_NOMEM, "PEM text");
	*pem = copy;
	*len = (size_t)n;
	return ERR_OK;
}

/* RSA only (not RSA-PSS), a sane size, and OpenSSL's public check. */
static enum err check_pubkey(EVP_PKEY *k)
{
	EVP_PKEY_CTX *ctx = NULL;
	int bits = EVP_PKEY_get_bits(k), ok;

	if (!EVP_PKEY_is_a(k, "RSA"))
		return err_set(ERR_POLICY, "the public key is not an RSA key");
	if (bits < P11_RSA_MIN_BITS || bits > P11_RSA_MAX_BITS)
		return err_set(ERR_POLICY,
		               "the public key is RSA-%d; a "
		               "transport key must have %d..%d bits",
		               bits, P11_RSA_MIN_BITS, P11_RSA_MAX_BITS);
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	ok = ctx && EVP_PKEY_public_check(ctx) == 1;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return ok ? ERR_OK
	          : err_set(ERR_FORMAT, "the RSA public key fails "
	                                "OpenSSL's public key check");
}

enum err p11_rsa_pem_parse(const char *text, size_t len, EVP_PKEY **out)
{
	return p11_pubkey_pem_parse(text, len, PEM_MAX, check_pubkey, out);
}

enum err p11_rsa_fingerprint(EVP_PKEY *pub, char hex[P11_RSA_FP_HEX])
{
	unsigned char *der = NULL, md[32];
	unsigned int md_len = 0;
	int n = i2d_PUBKEY(pub, &der);
	int ok;

	if (n <= 0)
		return p11_ossl_fail("DER encoding of the public key");
	ok = EVP_Digest(der, (size_t)n, md, &md_len, EVP_sha256(), NULL);
	OPENSSL_free(der);
	if (!ok || md_len != sizeof(md))
		return p11_ossl_fail("SHA-256 of the public key");
	encode_hex(hex, md, sizeof(md));
	return ERR_OK;
}
