/* SPDX-License-Identifier: MIT */
/* p11_trust.c - the SO ceremony that trusts a station's public key for
 * wrapping, and the lookup that finds that key again by its modulus: a
 * label proves nothing, so a trusted key is matched by value. Every
 * trusted key carries a CKA_WRAP_TEMPLATE that admits only what it is
 * for (p11_tmpl.c): a station key exportable DEK halves, an import key
 * one ceremony's session root material; a token that would not keep or
 * enforce it gets no trusted key. */
#include "p11_trust.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "encode.h"
#include "p11_ckr.h"
#include "p11_enforce.h"
#include "p11_int.h"
#include "p11_obj.h"
#include "p11_policy_scan.h"
#include "p11_rsa.h"
#include "p11_session.h"
#include "p11_tmpl.h"

#define PUBKEYS_MAX 1024

/* The station key as the token wants it: numbers, label and CKA_ID. */
struct station {
	uint8_t n[P11_RSA_MAX_BITS / 8], e[16], id[32];
	size_t n_len, e_len;
	const char *label;
};

static const CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY;
static const CK_KEY_TYPE rsa_type = CKK_RSA;
static const CK_MECHANISM_TYPE oaep_only = CKM_RSA_PKCS_OAEP;

/* What a trusted key is for: where it lives and what it may wrap. */
struct purpose {
	bool session; /* a session object: gone with the process */
	bool cbc;     /* import: the HPCS root (AES-CBC-PAD) */
};

/* Required: trusted, wrap only, public (the SO can make nothing else on
 * SoftHSM) and the pinned wrap template. level 2 adds every hardening,
 * 1 all but CKA_MODIFIABLE=false, 0 none: tokens refuse a whole
 * template over one unknown attribute. */
/* What build makes a template from. */
struct build_ctx {
	const struct station *st;
	const struct purpose *p;
	CK_ATTRIBUTE wrap_t[P11_TMPL_PINNED_MAX];
};

static void build(struct p11_tmpl *t, int level, void *ctx)
{
	struct build_ctx *b = ctx;
	const struct station *st = b->st;
	size_t n = b->p->session ? p11_tmpl_import_wrap(b->wrap_t, b->p->cbc)
	                         : p11_tmpl_station_wrap(b->wrap_t);

	p11_tmpl_key_head(t, &pub_class, &rsa_type, st->label, st->id,
	                  sizeof(st->id));
	p11_tmpl_add(t, CKA_MODULUS, st->n, st->n_len);
	p11_tmpl_add(t, CKA_PUBLIC_EXPONENT, st->e, st->e_len);
	p11_tmpl_bool(t, CKA_TOKEN, !b->p->session);
	p11_tmpl_bool(t, CKA_TRUSTED, true);
	p11_tmpl_public_use(t, false, true);
	p11_tmpl_add(t, CKA_WRAP_TEMPLATE, b->wrap_t, n * sizeof(*b->wrap_t));
	if (level >= 1)
		p11_tmpl_add(t, CKA_ALLOWED_MECHANISMS, &oaep_only,
		             sizeof(oaep_only));
	if (level >= 2)
		p11_tmpl_bool(t, CKA_MODIFIABLE, false);
}

/* True if object h is an RSA public key equal to pub. */
static bool holds(struct p11_session *s, CK_OBJECT_HANDLE h, EVP_PKEY *pub)
{
	EVP_PKEY *k = NULL;
	bool same;

	if (p11_rsa_public_key(s, h, &k) != ERR_OK) {
		err_clear();
		return false;
	}
	same = EVP_PKEY_eq(k, pub) == 1;
	EVP_PKEY_free(k);
	return same;
}

enum err p11_trust_find(struct p11_session *s, EVP_PKEY *pub,
                        CK_OBJECT_HANDLE *out)
{
	CK_OBJECT_HANDLE *h = NULL;
	struct p11_obj_info info;
	size_t n = 0, copies = 0;
	char fp[P11_RSA_FP_HEX] = "?", loose[P11_LABEL_MAX + 1] = "";
	enum err r;

	r = p11_obj_find_all(s, CKO_PUBLIC_KEY, PUBKEYS_MAX, &h, &n);
	for (size_t i = 0; r == ERR_OK && i < n; i++) {
		if (!holds(s, h[i], pub))
			continue;
		copies++;
		if (p11_obj_info(s, h[i], &info) != ERR_OK ||
		    p11_rsa_check(&info, P11_RSA_TRUSTED_WRAP) != ERR_OK) {
			err_clear();
			continue;
		}
		/* An older p11seal's station key: a root key could leave
		 * under it too (issue 11). p11seal wraps nothing under it. */
		if (!p11_policy_wrap_pinned(s, h[i])) {
			snprintf(loose, sizeof(loose), "%s", info.label);
			continue;
		}
		*out = h[i];
		free(h);
		return ERR_OK;
	}
	free(h);
	if (r != ERR_OK)
		return r;
	p11_rsa_fingerprint(pub, fp);
	if (loose[0])
		return err_set(ERR_POLICY,
		               "the station key (fingerprint %s) is "
		               "trusted in token '%s' only as '%s', whose "
		               "CKA_WRAP_TEMPLATE does not pin class, key type "
		               "and mechanisms (a root key could leave under "
		               "it); the security officer must trust it again "
		               "with `p11seal key trust-transport` and delete "
		               "'%s'",
		               fp, p11_session_token(s)->label, loose, loose);
	return err_set(copies ? ERR_POLICY : ERR_NOT_FOUND,
	               "the station key "
	               "(fingerprint %s) is %s in token '%s'; the security "
	               "officer must trust it first with `p11seal key "
	               "trust-transport --pubkey FILE --label NAME`",
	               fp,
	               copies ? "present but not trusted for wrapping"
	                      : "not trusted",
	               p11_session_token(s)->label);
}

static bool has_wrap_template(struct p11_session *s, CK_OBJECT_HANDLE h)
{
	CK_ATTRIBUTE a = { CKA_WRAP_TEMPLATE, NULL, 0 };

	return p11_session_fn(s)->C_GetAttributeValue(p11_session_handle(s), h,
	                                              &a, 1) == CKR_OK &&
	       a.ulValueLen != CK_UNAVAILABLE_INFORMATION && a.ulValueLen > 0;
}

static enum err station_of(EVP_PKEY *pub, const char *label, struct station *st)
{
	unsigned char id[32];
	char fp[P11_RSA_FP_HEX];
	enum err r;

	st->label = label;
	r = p11_rsa_numbers(pub, st->n, sizeof(st->n), &st->n_len, st->e,
	                    sizeof(st->e), &st->e_len);
	if (r == ERR_OK)
		r = p11_rsa_fingerprint(pub, fp);
	if (r == ERR_OK)
		r = decode_hex(id, sizeof(id), fp);
	if (r == ERR_OK)
		memcpy(st->id, id, sizeof(id));
	return r;
}

static enum err check_new(struct p11_session *s, const char *label,
                          EVP_PKEY *pub)
{
	CK_OBJECT_HANDLE h[1];
	enum err r;

	if (p11_rsa_bits(pub) < P11_RSA_MIN_BITS)
		return err_set(ERR_POLICY,
		               "the station key is RSA-%d; "
		               "transport keys need at least %d bits",
		               p11_rsa_bits(pub), P11_RSA_MIN_BITS);
	r = p11_obj_label_free(s, label);
	if (r == ERR_OK && p11_trust_find(s, pub, h) == ERR_OK)
		return err_set(ERR_EXISTS,
		               "this station key is already "
		               "trusted in token '%s'",
		               p11_session_token(s)->label);
	if (r == ERR_OK)
		err_clear();
	return r;
}

/* The role check and the wrap template a trusted key must come back
 * with; the token keeps or drops the rest. */
static enum err check_made(struct p11_session *s, CK_OBJECT_HANDLE h,
                           const struct purpose *p,
                           struct p11_trust_hardening *hard)
{
	struct p11_obj_info info;
	enum err r;

	r = p11_obj_info(s, h, &info);
	if (r == ERR_OK)
		r = p11_rsa_check(&info, p->session ? P11_RSA_TRUSTED_IMPORT
		                                    : P11_RSA_TRUSTED_WRAP);
	if (r == ERR_OK && !has_wrap_template(s, h))
		r = err_set(ERR_POLICY,
		            "trusted key '%s' came back without its "
		            "CKA_WRAP_TEMPLATE, so it could wrap any key "
		            "marked CKA_WRAP_WITH_TRUSTED",
		            info.label);
	if (r != ERR_OK)
		return r;
	hard->oaep_only =
	        info.n_mechs == 1 && info.mechs[0] == CKM_RSA_PKCS_OAEP;
	hard->not_modifiable =
	        info.known[P11F_MODIFIABLE] && !info.flag[P11F_MODIFIABLE];
	hard->wrap_template = true;
	return ERR_OK;
}

static enum err add(struct p11_session *s, const char *label, EVP_PKEY *pub,
                    const struct purpose *p, CK_OBJECT_HANDLE *out,
                    struct p11_trust_hardening *hard)
{
	struct p11_trust_hardening ignored;
	struct station st;
	enum err r;
	CK_RV rv;

	*out = CK_INVALID_HANDLE;
	r = p11_enforce_trusted_wrap(s);
	if (r == ERR_OK)
		r = p11_enforce_wrap_template(s);
	if (r == ERR_OK)
		r = check_new(s, label, pub);
	if (r == ERR_OK)
		r = station_of(pub, label, &st);
	if (r != ERR_OK)
		return r;
	rv = p11_tmpl_create(s, build, &(struct build_ctx){ .st = &st, .p = p },
	                     out);
	if (rv != CKR_OK) {
		*out = CK_INVALID_HANDLE;
		return p11_fail(rv, "C_CreateObject (trusted public key)",
		                label);
	}
	r = check_made(s, *out, p, hard ? hard : &ignored);
	if (r != ERR_OK) {
		p11_obj_discard(s, *out);
		*out = CK_INVALID_HANDLE;
		return err_wrap(r, "token did not honour the trusted key "
		                   "template");
	}
	return ERR_OK;
}

enum err p11_trust_add(struct p11_session *s, const char *label, EVP_PKEY *pub,
                       CK_OBJECT_HANDLE *out, struct p11_trust_hardening *hard)
{
	const struct purpose station = { .session = false };

	return add(s, label, pub, &station, out, hard);
}

enum err p11_trust_add_import(struct p11_session *s, const char *label,
                              EVP_PKEY *pub, bool cbc, CK_OBJECT_HANDLE *out,
                              struct p11_trust_hardening *hard)
{
	const struct purpose import = { .session = true, .cbc = cbc };

	return add(s, label, pub, &import, out, hard);
}

/* True for a label p11seal gives import keys: P11_TRUST_IMPORT_PREFIX. */
bool p11_trust_import_label(const char *label)
{
	return strncmp(label, P11_TRUST_IMPORT_PREFIX,
	               strlen(P11_TRUST_IMPORT_PREFIX)) == 0;
}

/* A trusted token key under an import key's label. */
static bool left_import_key(const struct p11_obj_info *i)
{
	return i->flag[P11F_TOKEN] && i->flag[P11F_TRUSTED] &&
	       p11_trust_import_label(i->label);
}

enum err p11_trust_sweep_import(struct p11_session *s, size_t *removed)
{
	return p11_obj_sweep(s, CKO_PUBLIC_KEY, left_import_key, "import key",
	                     removed);
}
