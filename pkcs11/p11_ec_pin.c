/* SPDX-License-Identifier: MIT */
/* p11_ec_pin.c - the SO step that pins a bridge's bundle signer on a
 * station, the lookup that finds the pin again by the fingerprint of the
 * key it holds (a label or CKA_ID proves nothing: both are the user's to
 * set on objects the user makes), and verification under it. */
#include "p11_ec_pin.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "encode.h"
#include "p11_ckr.h"
#include "p11_int.h"
#include "p11_obj.h"
#include "p11_session.h"
#include "p11_tmpl.h"

#define PUBKEYS_MAX 1024

static const CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY;
static const CK_KEY_TYPE ec_type = CKK_EC;
static const CK_MECHANISM_TYPE ecdsa_only = CKM_ECDSA;

/* The signer key as the token wants it: DER point, label and CKA_ID. */
struct signer {
	uint8_t point[P11_EC_POINT_LEN + 2], id[32];
	const char *label;
	bool session; /* a session object (the enforcement trial) */
};

/* Required: trusted, verify only, public (the SO can make nothing else
 * on SoftHSM). level 2 adds every hardening, 1 not modifiable only
 * (opencryptoki 3.8.1 refuses CKA_COPYABLE and CKA_ALLOWED_MECHANISMS),
 * 0 none: tokens refuse a whole template over one unknown attribute. */
static void build(struct p11_tmpl *t, int level, void *ctx)
{
	const struct signer *sg = ctx;

	p11_tmpl_key_head(t, &pub_class, &ec_type, sg->label, sg->id,
	                  sizeof(sg->id));
	p11_tmpl_add(t, CKA_EC_PARAMS, p11_ec_p256_params,
	             sizeof(p11_ec_p256_params));
	p11_tmpl_add(t, CKA_EC_POINT, sg->point, sizeof(sg->point));
	p11_tmpl_bool(t, CKA_TOKEN, !sg->session);
	p11_tmpl_bool(t, CKA_TRUSTED, true);
	p11_tmpl_public_use(t, true, false);
	p11_tmpl_harden(t, level, &ecdsa_only);
}

static enum err signer_of(EVP_PKEY *pub, const char *label, struct signer *sg)
{
	char fp[P11_RSA_FP_HEX];
	enum err r;

	sg->label = label;
	sg->point[0] = 0x04; /* DER OCTET STRING around the point */
	sg->point[1] = P11_EC_POINT_LEN;
	r = p11_ec_point(pub, sg->point + 2);
	if (r == ERR_OK)
		r = p11_rsa_fingerprint(pub, fp);
	if (r == ERR_OK)
		r = decode_hex(sg->id, sizeof(sg->id), fp);
	return r;
}

/* True if h holds an EC key whose fingerprint is fp. */
static bool holds(struct p11_session *s, CK_OBJECT_HANDLE h, const char *fp,
                  struct p11_obj_info *info)
{
	char got[P11_RSA_FP_HEX] = "";
	EVP_PKEY *k = NULL;

	if (p11_obj_info(s, h, info) != ERR_OK || info->key_type != CKK_EC ||
	    p11_ec_public_key(s, h, &k) != ERR_OK ||
	    p11_rsa_fingerprint(k, got) != ERR_OK) {
		EVP_PKEY_free(k);
		err_clear();
		return false;
	}
	EVP_PKEY_free(k);
	return strcmp(got, fp) == 0;
}

enum err p11_ec_pin_find(struct p11_session *s, const char *fp,
                         CK_OBJECT_HANDLE *out)
{
	CK_OBJECT_HANDLE *h = NULL;
	struct p11_obj_info info;
	size_t n = 0, copies = 0;
	enum err r = p11_obj_find_all(s, CKO_PUBLIC_KEY, PUBKEYS_MAX, &h, &n);

	for (size_t i = 0; r == ERR_OK && i < n; i++) {
		if (!holds(s, h[i], fp, &info))
			continue;
		copies++;
		if (p11_ec_check(&info, P11_EC_PINNED) == ERR_OK) {
			*out = h[i];
			free(h);
			return ERR_OK;
		}
		err_clear();
	}
	free(h);
	if (r != ERR_OK)
		return r;
	return err_set(ERR_POLICY,
	               "bundle signed by an unknown signer (fingerprint %s): "
	               "%s in token '%s'; only the security officer can pin "
	               "a bridge's signer key, with `p11seal key trust-signer`",
	               fp,
	               copies ? "the key is there but not pinned (no "
	                        "CKA_TRUSTED)"
	                      : "no pinned signer has it",
	               p11_session_token(s)->label);
}

static enum err check_new(struct p11_session *s, const char *label,
                          EVP_PKEY *pub)
{
	char fp[P11_RSA_FP_HEX];
	CK_OBJECT_HANDLE h;
	enum err r = p11_obj_label_free(s, label);

	if (r == ERR_OK)
		r = p11_rsa_fingerprint(pub, fp);
	if (r != ERR_OK)
		return r;
	if (p11_ec_pin_find(s, fp, &h) == ERR_OK)
		return err_set(ERR_EXISTS,
		               "this signer key is already pinned in token "
		               "'%s'",
		               p11_session_token(s)->label);
	err_clear();
	return ERR_OK;
}

enum err p11_ec_pin_add(struct p11_session *s, const char *label, EVP_PKEY *pub,
                        CK_OBJECT_HANDLE *out,
                        struct p11_ec_pin_hardening *hard)
{
	struct p11_obj_info info;
	struct signer sg = { .session = false }; /* a token object */
	enum err r;
	CK_RV rv;

	*out = CK_INVALID_HANDLE;
	r = check_new(s, label, pub);
	if (r == ERR_OK)
		r = signer_of(pub, label, &sg);
	if (r != ERR_OK)
		return r;
	rv = p11_tmpl_create(s, build, &sg, out);
	if (rv != CKR_OK) {
		*out = CK_INVALID_HANDLE;
		return p11_fail(rv, "C_CreateObject (pinned signer key)",
		                label);
	}
	r = p11_obj_info(s, *out, &info);
	if (r == ERR_OK)
		r = p11_ec_check(&info, P11_EC_PINNED);
	if (r != ERR_OK) {
		p11_obj_discard(s, *out);
		*out = CK_INVALID_HANDLE;
		return err_wrap(r, "token did not honour the pinned signer "
		                   "template");
	}
	if (hard) {
		hard->ecdsa_only =
		        info.n_mechs == 1 && info.mechs[0] == CKM_ECDSA;
		hard->not_modifiable = info.known[P11F_MODIFIABLE] &&
		                       !info.flag[P11F_MODIFIABLE];
	}
	return ERR_OK;
}

enum err p11_ec_pin_verify(struct p11_session *s, CK_OBJECT_HANDLE pin,
                           const uint8_t digest[P11_EC_DIGEST_LEN],
                           const uint8_t sig[P11_EC_SIG_LEN])
{
	CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SESSION_HANDLE sh = p11_session_handle(s);
	CK_RV rv;

	rv = fn->C_VerifyInit(sh, &mech, pin);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_VerifyInit (ECDSA)", NULL);
	rv = fn->C_Verify(sh, p11_unconst(digest), P11_EC_DIGEST_LEN,
	                  p11_unconst(sig), P11_EC_SIG_LEN);
	if (rv == CKR_SIGNATURE_INVALID || rv == CKR_SIGNATURE_LEN_RANGE)
		return err_set(ERR_VERIFY, "ECDSA signature does not verify");
	if (rv != CKR_OK)
		return p11_fail(rv, "C_Verify (ECDSA)", NULL);
	return ERR_OK;
}

/* The P-256 base point: a valid public key nobody is trusted with. */
static const uint8_t base_point[P11_EC_POINT_LEN] = {
	0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc,
	0xe6, 0xe5, 0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d,
	0xeb, 0x33, 0xa0, 0xf4, 0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96,
	0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a, 0x7f, 0x9b, 0x8e, 0xe7, 0xeb,
	0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33, 0x57, 0x6b, 0x31,
	0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};

enum err p11_ec_pin_enforced(struct p11_session *s)
{
	struct signer sg = { .label = "p11seal-trial", .session = true };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	struct p11_tmpl t = { .n = 0 };
	CK_RV rv;

	sg.point[0] = 0x04;
	sg.point[1] = P11_EC_POINT_LEN;
	memcpy(sg.point + 2, base_point, sizeof(base_point));
	memset(sg.id, 0xa5, sizeof(sg.id));
	build(&t, 0, &sg);
	rv = p11_session_fn(s)->C_CreateObject(p11_session_handle(s), t.a, t.n,
	                                       &h);
	if (rv != CKR_OK)
		return ERR_OK;
	p11_obj_discard(s, h);
	return err_set(ERR_UNSUPPORTED,
	               "token '%s' lets a user create a key with "
	               "CKA_TRUSTED=true, so a pinned signer proves nothing "
	               "there; use a token that reserves CKA_TRUSTED to the "
	               "security officer (SoftHSM)",
	               p11_session_token(s)->label);
}
