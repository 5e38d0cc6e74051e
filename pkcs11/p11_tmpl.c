/* SPDX-License-Identifier: MIT */
/* p11_tmpl.c - attribute templates without per-attribute bookkeeping in
 * every caller, and the pinned templates that say which keys may cross
 * between tokens: one definition, used to make the keys and to try the
 * token's enforcement of them. */
#include "p11_tmpl.h"

#include <string.h>

#include "p11_int.h"

static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static const CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY;
static const CK_KEY_TYPE aes_type = CKK_AES;
static const CK_MECHANISM_TYPE ecb = CKM_AES_ECB, gcm = CKM_AES_GCM,
                               cbc_pad = CKM_AES_CBC_PAD;

void p11_tmpl_add(struct p11_tmpl *t, CK_ATTRIBUTE_TYPE type, const void *v,
                  CK_ULONG len)
{
	if (t->n < P11_TMPL_MAX)
		t->a[t->n++] = (CK_ATTRIBUTE){ type, p11_unconst(v), len };
	else
		t->full = true;
}

void p11_tmpl_bool(struct p11_tmpl *t, CK_ATTRIBUTE_TYPE type, bool v)
{
	p11_tmpl_add(t, type, v ? &yes : &no, sizeof(CK_BBOOL));
}

void p11_tmpl_key_head(struct p11_tmpl *t, const CK_OBJECT_CLASS *cls,
                       const CK_KEY_TYPE *type, const char *label,
                       const void *id, size_t id_len)
{
	p11_tmpl_add(t, CKA_CLASS, cls, sizeof(*cls));
	p11_tmpl_add(t, CKA_KEY_TYPE, type, sizeof(*type));
	p11_tmpl_add(t, CKA_LABEL, label, strlen(label));
	p11_tmpl_add(t, CKA_ID, id, id_len);
}

void p11_tmpl_public_use(struct p11_tmpl *t, bool verify, bool wrap)
{
	p11_tmpl_bool(t, CKA_PRIVATE, false);
	p11_tmpl_bool(t, CKA_ENCRYPT, false);
	p11_tmpl_bool(t, CKA_WRAP, wrap);
	p11_tmpl_bool(t, CKA_VERIFY, verify);
	p11_tmpl_bool(t, CKA_VERIFY_RECOVER, false);
	p11_tmpl_bool(t, CKA_DERIVE, false);
}

void p11_tmpl_harden(struct p11_tmpl *t, int level,
                     const CK_MECHANISM_TYPE *only)
{
	if (level >= 1)
		p11_tmpl_bool(t, CKA_MODIFIABLE, false);
	if (level >= 2) {
		p11_tmpl_add(t, CKA_ALLOWED_MECHANISMS, only, sizeof(*only));
		p11_tmpl_bool(t, CKA_COPYABLE, false);
	}
}

/* Tokens that lack an optional attribute reject the whole template; the
 * read-back check still enforces every required one. */
bool p11_tmpl_retry(CK_RV rv)
{
	return rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_GENERAL_ERROR ||
	       rv == CKR_TEMPLATE_INCONSISTENT ||
	       rv == CKR_ATTRIBUTE_VALUE_INVALID;
}

CK_RV p11_tmpl_create(struct p11_session *s, p11_tmpl_build_fn build, void *ctx,
                      CK_OBJECT_HANDLE *out)
{
	struct p11_tmpl t;
	CK_RV rv = CKR_GENERAL_ERROR;

	for (int level = 2; level >= 0; level--) {
		t = (struct p11_tmpl){ .n = 0 };
		build(&t, level, ctx);
		if (t.full)
			return CKR_TEMPLATE_INCOMPLETE; /* a bug: P11_TMPL_MAX
			                                 */
		rv = p11_session_fn(s)->C_CreateObject(p11_session_handle(s),
		                                       t.a, t.n, out);
		if (!p11_tmpl_retry(rv))
			break;
	}
	return rv;
}

CK_RV p11_tmpl_generate_pair(struct p11_session *s, CK_MECHANISM_TYPE mech,
                             const struct p11_tmpl *pub,
                             const struct p11_tmpl *priv,
                             CK_OBJECT_HANDLE *hpub, CK_OBJECT_HANDLE *hpriv)
{
	CK_MECHANISM m = { mech, NULL, 0 };

	if (pub->full || priv->full)
		return CKR_TEMPLATE_INCOMPLETE; /* a bug: P11_TMPL_MAX */
	return p11_session_fn(s)->C_GenerateKeyPair(
	        p11_session_handle(s), &m, p11_unconst(pub->a), pub->n,
	        p11_unconst(priv->a), priv->n, hpub, hpriv);
}

static CK_ATTRIBUTE pin(CK_ATTRIBUTE_TYPE type, const void *v, CK_ULONG len)
{
	return (CK_ATTRIBUTE){ type, p11_unconst(v), len };
}

static CK_ATTRIBUTE pin_bool(CK_ATTRIBUTE_TYPE type, bool v)
{
	return pin(type, v ? &yes : &no, sizeof(CK_BBOOL));
}

/* An AES secret key that can neither wrap, unwrap, derive, sign nor
 * verify: what both pinned templates start with. */
static size_t usage_none(CK_ATTRIBUTE *t)
{
	size_t n = 0;

	t[n++] = pin(CKA_CLASS, &secret_class, sizeof(secret_class));
	t[n++] = pin(CKA_KEY_TYPE, &aes_type, sizeof(aes_type));
	t[n++] = pin_bool(CKA_WRAP, false);
	t[n++] = pin_bool(CKA_UNWRAP, false);
	t[n++] = pin_bool(CKA_DERIVE, false);
	t[n++] = pin_bool(CKA_SIGN, false);
	t[n++] = pin_bool(CKA_VERIFY, false);
	t[n++] = pin_bool(CKA_SENSITIVE, true);
	return n;
}

/* CKA_ENCRYPT and CKA_DECRYPT stay free: a data half has both, a tweak
 * half only encrypt, and the station's first, checking unwrap neither.
 * CKA_MODIFIABLE goes last: SoftHSM 2.6.1 refuses any attribute after
 * CKA_MODIFIABLE=false in an unwrap (see p11_key.c). */
size_t p11_tmpl_dek_unwrap(CK_ATTRIBUTE t[P11_TMPL_PINNED_MAX])
{
	size_t n = usage_none(t);

	t[n++] = pin_bool(CKA_EXTRACTABLE, false);
	t[n++] = pin_bool(CKA_MODIFIABLE, false);
	return n;
}

/* Only exportable DEK halves carry all of this: root keys are limited
 * to AES-GCM or AES-CBC-PAD, audit keys are not AES, and keys that are
 * not exportable are not extractable. */
size_t p11_tmpl_station_wrap(CK_ATTRIBUTE t[P11_TMPL_PINNED_MAX])
{
	size_t n = usage_none(t);

	t[n++] = pin_bool(CKA_TOKEN, true);
	t[n++] = pin_bool(CKA_EXTRACTABLE, true);
	t[n++] = pin_bool(CKA_WRAP_WITH_TRUSTED, true);
	t[n++] = pin(CKA_ALLOWED_MECHANISMS, &ecb, sizeof(ecb));
	return n;
}

/* The ceremony's root material is a session key limited to the nonce
 * step's mechanism: no token key, so no root key kept in a token, can
 * ever match. */
size_t p11_tmpl_import_wrap(CK_ATTRIBUTE t[P11_TMPL_PINNED_MAX], bool cbc)
{
	size_t n = usage_none(t);

	t[n++] = pin_bool(CKA_TOKEN, false);
	t[n++] = pin_bool(CKA_EXTRACTABLE, true);
	t[n++] = pin_bool(CKA_WRAP_WITH_TRUSTED, true);
	t[n++] =
	        pin(CKA_ALLOWED_MECHANISMS, cbc ? &cbc_pad : &gcm, sizeof(gcm));
	return n;
}
