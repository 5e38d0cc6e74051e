/* SPDX-License-Identifier: MIT */
/* p11_caps.c - what a token offers p11seal. Mechanism flags come from
 * C_GetMechanismInfo; where flags are known to lie (OAEP hash choice, GCM
 * parameter layouts, digesting a sensitive key) a trial on throw-away
 * session objects decides. Nothing is written to the token. */
#include "p11_caps.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "p11_ckr.h"
#include "p11_int.h"
#include "p11_mech.h"
#include "p11_session.h"

/* Modulus of a throw-away RSA-2048 key: only its public half is ever
 * used, to see whether the token can OAEP-wrap with a given hash. */
static const uint8_t trial_modulus[256] = {
	0xb4, 0x01, 0x00, 0xe5, 0xda, 0xa0, 0xbc, 0xd6, 0xdc, 0xd7, 0x2e, 0xc4,
	0x10, 0x7a, 0xfe, 0x41, 0xd7, 0x7f, 0xc2, 0x87, 0xf4, 0x75, 0x83, 0x55,
	0xd7, 0x32, 0xc0, 0xb3, 0x5d, 0x72, 0x57, 0xcc, 0x90, 0xc8, 0x61, 0x51,
	0xba, 0x0c, 0x34, 0x23, 0xad, 0xfa, 0x59, 0x96, 0x3a, 0xdd, 0xf9, 0xa5,
	0xe3, 0xb9, 0x7a, 0x4b, 0xc4, 0xde, 0x36, 0x5b, 0xe5, 0xc9, 0x68, 0x91,
	0x8b, 0x7c, 0x6d, 0x3e, 0xfe, 0x6e, 0xc2, 0xcc, 0xd2, 0xff, 0x3d, 0xd0,
	0x2d, 0x41, 0x5e, 0xdb, 0x4e, 0x8f, 0x4e, 0x0a, 0x18, 0x76, 0x55, 0xb7,
	0x54, 0xc6, 0x23, 0xa5, 0xe4, 0x55, 0xf1, 0xb4, 0xe2, 0x22, 0x52, 0xd1,
	0xee, 0x1a, 0xd9, 0x62, 0xea, 0x50, 0x54, 0xe2, 0xa6, 0xbf, 0x56, 0xb7,
	0x5e, 0xdb, 0x13, 0xb5, 0x2c, 0x49, 0xde, 0xc5, 0xd0, 0xeb, 0x23, 0x9d,
	0x32, 0xe3, 0x43, 0x04, 0xfe, 0xfa, 0x6a, 0xb0, 0x8c, 0xb2, 0xea, 0x16,
	0xc9, 0x14, 0x4d, 0xd6, 0x56, 0xbd, 0x17, 0xf2, 0x30, 0x69, 0x96, 0x07,
	0xef, 0x2f, 0x74, 0xb5, 0x46, 0x9c, 0x11, 0xb7, 0x74, 0x60, 0x7f, 0x86,
	0x15, 0x80, 0xcc, 0x0b, 0x27, 0x91, 0x79, 0xff, 0x4c, 0x84, 0xae, 0x1c,
	0x74, 0x5c, 0xbc, 0x6c, 0x43, 0x82, 0x8f, 0x20, 0x3d, 0x96, 0xa2, 0x72,
	0xf7, 0x3f, 0x08, 0x33, 0xbe, 0x42, 0x3f, 0xab, 0xaa, 0xd7, 0x16, 0x09,
	0xab, 0x4a, 0x81, 0x13, 0x11, 0xf5, 0xc8, 0xb4, 0xaf, 0xc2, 0x2f, 0xad,
	0x46, 0x19, 0x67, 0xe6, 0x67, 0xab, 0x86, 0xa3, 0x76, 0x8a, 0x5b, 0xc4,
	0x6b, 0x56, 0xa9, 0xf6, 0xf4, 0x87, 0x5f, 0xb2, 0x1e, 0xc1, 0x99, 0xf7,
	0x99, 0xf1, 0xe0, 0x0b, 0x49, 0x3c, 0xb8, 0x5b, 0xc3, 0xde, 0x6d, 0x0e,
	0xd8, 0x28, 0x8a, 0xd4, 0x57, 0xc8, 0xc7, 0x05, 0x8d, 0xbb, 0xf4, 0xf7,
	0x0f, 0x38, 0xae, 0xa1,
};
static const uint8_t trial_exponent[3] = { 0x01, 0x00, 0x01 };

/* Mechanism flags p11seal reads, and where each lands in struct p11_caps. */
static const struct {
	CK_MECHANISM_TYPE m;
	CK_FLAGS need;
	size_t at;
} flag_probes[] = {
	{ CKM_AES_KEY_GEN, CKF_GENERATE,
	  offsetof(struct p11_caps, aes_keygen) },
	{ CKM_AES_ECB, CKF_ENCRYPT | CKF_DECRYPT,
	  offsetof(struct p11_caps, aes_ecb) },
	{ CKM_AES_GCM, CKF_ENCRYPT, offsetof(struct p11_caps, aes_gcm) },
	{ CKM_AES_CBC_PAD, CKF_ENCRYPT,
	  offsetof(struct p11_caps, aes_cbc_pad) },
	{ CKM_AES_XTS, CKF_ENCRYPT | CKF_DECRYPT,
	  offsetof(struct p11_caps, aes_xts) },
	{ CKM_AES_XTS_KEY_GEN, CKF_GENERATE,
	  offsetof(struct p11_caps, aes_xts_keygen) },
	{ CKM_AES_KEY_WRAP, CKF_WRAP, offsetof(struct p11_caps, aes_kw) },
	{ CKM_AES_KEY_WRAP_PAD, CKF_WRAP,
	  offsetof(struct p11_caps, aes_kwp_210a) },
	{ CKM_AES_KEY_WRAP_KWP, CKF_WRAP,
	  offsetof(struct p11_caps, aes_kwp_210b) },
	{ CKM_RSA_PKCS_OAEP, CKF_WRAP, offsetof(struct p11_caps, rsa_oaep) },
	{ CKM_RSA_PKCS_KEY_PAIR_GEN, CKF_GENERATE_KEY_PAIR,
	  offsetof(struct p11_caps, rsa_keygen) },
	{ CKM_SHA256, CKF_DIGEST, offsetof(struct p11_caps, sha256) },
	{ CKM_SHA256_HMAC, CKF_SIGN, offsetof(struct p11_caps, hmac_sha256) },
	{ CKM_GENERIC_SECRET_KEY_GEN, CKF_GENERATE,
	  offsetof(struct p11_caps, generic_keygen) },
};

/* Some tokens report AES key sizes in bits, most in bytes. */
static CK_ULONG aes_bytes(CK_ULONG n)
{
	return n >= 128 ? n / 8 : n;
}

/* A mechanism the token does not list is simply absent; a module that
 * fails to answer stops the probe. */
static enum err probe_flags(struct p11_session *s, struct p11_caps *c)
{
	for (size_t i = 0; i < sizeof(flag_probes) / sizeof(flag_probes[0]);
	     i++) {
		CK_MECHANISM_INFO mi;
		bool offered = false;
		bool *has = (bool *)((char *)c + flag_probes[i].at);
		enum err r;

		r = p11_mech_offers(s, flag_probes[i].m, &mi, &offered);
		if (r != ERR_OK)
			return r;
		*has = offered &&
		       (mi.flags & flag_probes[i].need) == flag_probes[i].need;
		if (*has && flag_probes[i].m == CKM_AES_KEY_GEN) {
			c->aes_min = aes_bytes(mi.ulMinKeySize);
			c->aes_max = aes_bytes(mi.ulMaxKeySize);
		}
	}
	return ERR_OK;
}

/* The trials of one probe: the session, and the first module failure,
 * after which nothing more is asked of the module. */
struct trial {
	struct p11_session *s;
	CK_FUNCTION_LIST *fn;
	const char *what; /* "in the GCM trial", for the error */
	enum err r;
};

/* True if rv is CKR_OK. Any other answer is "no"; one that says the
 * module or its connection failed is also recorded, naming the call. */
static bool said_yes(struct trial *t, CK_RV rv, const char *call)
{
	if (rv == CKR_OK)
		return true;
	if (t->r == ERR_OK && p11_ckr_module_failed(rv))
		t->r = p11_fail(rv, call, t->what);
	return false;
}

/* Attributes of a public session AES-256 key for trials (extractable so
 * it can be wrapped; it never leaves the session and is destroyed
 * after). */
#define TRIAL_AES_ATTRS(no, yes)                                              \
	{ CKA_TOKEN, &(no), sizeof(no) }, { CKA_PRIVATE, &(no), sizeof(no) }, \
	        { CKA_SENSITIVE, &(yes), sizeof(yes) },                       \
	        { CKA_EXTRACTABLE, &(yes), sizeof(yes) },                     \
	{                                                                     \
		CKA_ENCRYPT, &(yes), sizeof(yes)                              \
	}

static CK_RV trial_aes_generate(struct trial *t, CK_OBJECT_HANDLE *out)
{
	CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ULONG len = 32;
	CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
	CK_ATTRIBUTE a[] = {
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		TRIAL_AES_ATTRS(no, yes),
	};

	t->what = "in the AES key generation trial";
	return t->fn->C_GenerateKey(p11_session_handle(t->s), &m, a,
	                            sizeof(a) / sizeof(a[0]), out);
}

/* Does the token take CKA_WRAP_WITH_TRUSTED, which keeps an exportable
 * root key to trusted wrapping? (opencryptoki 3.8.1: no.) */
static CK_RV trial_wrap_with_trusted(struct trial *t)
{
	CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ULONG len = 32;
	CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
	CK_ATTRIBUTE a[] = {
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_WRAP_WITH_TRUSTED, &yes, sizeof(yes) },
		TRIAL_AES_ATTRS(no, yes),
	};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_RV rv;

	t->what = "in the trusted-wrapping trial";
	rv = t->fn->C_GenerateKey(p11_session_handle(t->s), &m, a,
	                          sizeof(a) / sizeof(a[0]), &h);
	if (rv == CKR_OK)
		t->fn->C_DestroyObject(p11_session_handle(t->s), h);
	return rv;
}

/* The value is no secret: the key only answers whether the token takes
 * AES secret keys from outside (key import dek, bundles). */
static CK_RV trial_aes_import(struct trial *t, CK_OBJECT_HANDLE *out)
{
	static const uint8_t value[32] = { 0x70, 0x31, 0x31, 0x73, 0x65,
		                           0x61, 0x6c, 0x20, 0x74, 0x72,
		                           0x69, 0x61, 0x6c, 0x20, 0x6b,
		                           0x65, 0x79, 0x01, 0x02, 0x03 };
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_AES;
	CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
	CK_ATTRIBUTE a[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_VALUE, p11_unconst(value), sizeof(value) },
		TRIAL_AES_ATTRS(no, yes),
	};

	t->what = "in the AES key import trial";
	return t->fn->C_CreateObject(p11_session_handle(t->s), a,
	                             sizeof(a) / sizeof(a[0]), out);
}

static CK_RV trial_rsa_public(struct trial *t, CK_OBJECT_HANDLE *out)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = CKK_RSA;
	CK_BBOOL no = CK_FALSE, yes = CK_TRUE;
	CK_ATTRIBUTE a[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, &no, sizeof(no) },
		{ CKA_PRIVATE, &no, sizeof(no) },
		{ CKA_WRAP, &yes, sizeof(yes) },
		{ CKA_ENCRYPT, &yes, sizeof(yes) },
		{ CKA_MODULUS, p11_unconst(trial_modulus),
		  sizeof(trial_modulus) },
		{ CKA_PUBLIC_EXPONENT, p11_unconst(trial_exponent),
		  sizeof(trial_exponent) },
	};

	t->what = "in the OAEP trial";
	return t->fn->C_CreateObject(p11_session_handle(t->s), a, 8, out);
}

static bool trial_oaep(struct trial *t, CK_OBJECT_HANDLE rsa,
                       CK_OBJECT_HANDLE aes, CK_MECHANISM_TYPE hash,
                       CK_RSA_PKCS_MGF_TYPE mgf)
{
	CK_RSA_PKCS_OAEP_PARAMS p = { hash, mgf, CKZ_DATA_SPECIFIED, NULL, 0 };
	CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &p, sizeof(p) };
	CK_BYTE out[512];
	CK_ULONG len = sizeof(out);

	t->what = "in the OAEP trial";
	return said_yes(t,
	                t->fn->C_WrapKey(p11_session_handle(t->s), &m, rsa, aes,
	                                 out, &len),
	                "C_WrapKey") &&
	       len == sizeof(trial_modulus);
}

static bool trial_gcm(struct trial *t, CK_OBJECT_HANDLE aes)
{
	CK_BYTE iv[12] = { 0 }, in[12] = { 0 }, out[64];
	CK_GCM_PARAMS p = { iv, sizeof(iv), 96, NULL, 0, 128 };
	CK_MECHANISM m = { CKM_AES_GCM, &p, sizeof(p) };
	CK_ULONG len = sizeof(out);
	CK_SESSION_HANDLE h = p11_session_handle(t->s);

	t->what = "in the GCM trial";
	if (!said_yes(t, t->fn->C_EncryptInit(h, &m, aes), "C_EncryptInit"))
		return false;
	return said_yes(t, t->fn->C_Encrypt(h, in, sizeof(in), out, &len),
	                "C_Encrypt") &&
	       len == sizeof(in) + 16;
}

/* A module may leave the digest active when C_DigestKey fails
 * (tpm2-pkcs11 1.9.0): it is ended, so the session stays usable. */
static bool trial_digest_key(struct trial *t, CK_OBJECT_HANDLE aes)
{
	CK_MECHANISM m = { CKM_SHA256, NULL, 0 };
	CK_BYTE out[32];
	CK_ULONG len = sizeof(out);
	CK_SESSION_HANDLE h = p11_session_handle(t->s);

	t->what = "in the keyhash trial";
	if (!said_yes(t, t->fn->C_DigestInit(h, &m), "C_DigestInit"))
		return false;
	if (!said_yes(t, t->fn->C_DigestKey(h, aes), "C_DigestKey")) {
		if (t->r == ERR_OK)
			p11_session_end_digest(t->s);
		return false;
	}
	return said_yes(t, t->fn->C_DigestFinal(h, out, &len),
	                "C_DigestFinal") &&
	       len == 32;
}

static void trial_oaeps(struct trial *t, CK_OBJECT_HANDLE aes,
                        struct p11_caps *c)
{
	CK_OBJECT_HANDLE rsa = CK_INVALID_HANDLE;

	if (!said_yes(t, trial_rsa_public(t, &rsa), "C_CreateObject"))
		return;
	c->oaep_sha256_wrap =
	        trial_oaep(t, rsa, aes, CKM_SHA256, CKG_MGF1_SHA256);
	if (t->r == ERR_OK)
		c->oaep_sha1_wrap =
		        trial_oaep(t, rsa, aes, CKM_SHA_1, CKG_MGF1_SHA1);
	if (t->r == ERR_OK)
		t->fn->C_DestroyObject(p11_session_handle(t->s), rsa);
}

/* Can the token hold AES secret keys at all (made in it, or brought in)?
 * *aes is a key for the other trials, or CK_INVALID_HANDLE. */
static void trial_aes_keys(struct trial *t, struct p11_caps *c,
                           CK_OBJECT_HANDLE *aes)
{
	CK_OBJECT_HANDLE imported = CK_INVALID_HANDLE;
	CK_RV rv;

	rv = trial_aes_generate(t, aes);
	c->aes_generate = said_yes(t, rv, "C_GenerateKey");
	c->aes_generate_rv = rv;
	if (t->r != ERR_OK)
		return;
	rv = trial_aes_import(t, &imported);
	c->aes_import = said_yes(t, rv, "C_CreateObject");
	c->aes_import_rv = rv;
	if (c->aes_generate) {
		rv = trial_wrap_with_trusted(t);
		c->wrap_with_trusted = said_yes(t, rv, "C_GenerateKey");
		c->wrap_with_trusted_rv = rv;
	}
	if (t->r != ERR_OK)
		return;
	if (!c->aes_generate)
		*aes = imported;
	else if (c->aes_import)
		t->fn->C_DestroyObject(p11_session_handle(t->s), imported);
}

static enum err probe_trials(struct p11_session *s, struct p11_caps *c)
{
	struct trial t = { s, p11_session_fn(s), NULL, ERR_OK };
	CK_OBJECT_HANDLE aes = CK_INVALID_HANDLE;

	trial_aes_keys(&t, c, &aes);
	if (t.r != ERR_OK || aes == CK_INVALID_HANDLE)
		return t.r;
	c->gcm_encrypt = trial_gcm(&t, aes);
	if (t.r == ERR_OK)
		trial_oaeps(&t, aes, c);
	/* Last: ending a stuck digest may cost the session its objects. */
	if (t.r == ERR_OK)
		c->digest_key = trial_digest_key(&t, aes);
	if (t.r == ERR_OK)
		t.fn->C_DestroyObject(p11_session_handle(s), aes);
	return t.r;
}

enum err p11_caps_probe(struct p11_session *s, bool trials,
                        struct p11_caps *out)
{
	enum err r;

	memset(out, 0, sizeof(*out));
	r = probe_flags(s, out);
	if (r == ERR_OK && trials)
		r = probe_trials(s, out);
	return r;
}

enum err p11_caps_aes_keys(struct p11_session *s, struct p11_caps *out)
{
	struct trial t = { s, p11_session_fn(s), NULL, ERR_OK };
	CK_OBJECT_HANDLE aes = CK_INVALID_HANDLE;

	memset(out, 0, sizeof(*out));
	trial_aes_keys(&t, out, &aes);
	if (t.r == ERR_OK && aes != CK_INVALID_HANDLE)
		t.fn->C_DestroyObject(p11_session_handle(s), aes);
	return t.r;
}

enum err p11_caps_root_check(struct p11_session *s, bool exportable)
{
	const char *tok = p11_session_token(s)->label;
	struct p11_caps c;
	enum err r = p11_caps_probe(s, true, &c);

	if (r != ERR_OK)
		return r;
	if (!c.aes_generate)
		return err_set(ERR_UNSUPPORTED,
		               "token '%s' generates no AES "
		               "keys (C_GenerateKey: %s), so it cannot hold a "
		               "root key; keep root keys on another token",
		               tok, p11_ckr_name(c.aes_generate_rv));
	if (!c.gcm_encrypt)
		return err_set(
		        ERR_UNSUPPORTED,
		        "token '%s' cannot encrypt "
		        "with AES-GCM (%s), a root key's only "
		        "mechanism, so the key would be of no use; DEKs "
		        "and 'kp import-root --host-assisted' work on "
		        "this token",
		        tok,
		        c.aes_gcm
		                ? "CKM_AES_GCM "
		                  "listed, but C_EncryptInit/C_Encrypt with it "
		                  "failed"
		                : "C_GetMechanismInfo: no CKM_AES_GCM");
	if (exportable && !c.wrap_with_trusted)
		return err_set(
		        ERR_UNSUPPORTED,
		        "token '%s' refuses "
		        "CKA_WRAP_WITH_TRUSTED (C_GenerateKey: %s), which "
		        "a root key for an import ceremony needs so that "
		        "only trusted keys can wrap it; without "
		        "--import-ceremony the root key never leaves the "
		        "token and needs none",
		        tok, p11_ckr_name(c.wrap_with_trusted_rv));
	return ERR_OK;
}
