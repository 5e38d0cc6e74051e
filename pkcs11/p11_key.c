/* SPDX-License-Identifier: MIT */
/* p11_key.c - make keys only from the profiles of docs/pkcs11-tokens.md
 * §2: every boolean explicit, no key that can both wrap and decrypt,
 * read back and checked after creation (destroyed if the token cheated). */
#include "p11_key.h"

#include <string.h>

#include "p11_ckr.h"
#include "p11_int.h"
#include "p11_session.h"

struct want {
	enum p11_flag flag;
	bool value;
	bool required; /* false: hardening a token may not support */
};

struct profile {
	CK_KEY_TYPE type;
	CK_MECHANISM_TYPE keygen;
	CK_MECHANISM_TYPE mech; /* the one allowed mechanism */
	struct want want[16];
	size_t n_want;
};

#define W(f, v) { P11F_##f, v, true }
#define O(f, v) { P11F_##f, v, false }
/* The wanted flags and their count, derived so the two cannot drift. */
#define WANTS(...)                                                      \
	{ __VA_ARGS__ },                                                \
		sizeof((const struct want[]){ __VA_ARGS__ }) /           \
			sizeof(struct want)

static const struct profile profiles[P11P_COUNT] = {
	[P11P_ROOT] = { CKK_AES, CKM_AES_KEY_GEN, CKM_AES_GCM, WANTS(
		W(TOKEN, true), W(PRIVATE, true), W(SENSITIVE, true),
		W(EXTRACTABLE, true), W(WRAP_WITH_TRUSTED, true),
		W(ENCRYPT, true), W(DECRYPT, false), W(WRAP, false),
		W(UNWRAP, false), W(SIGN, false), W(VERIFY, false),
		W(DERIVE, false), O(MODIFIABLE, false), O(COPYABLE, false)) },
	[P11P_ROOT_LOCKED] = { CKK_AES, CKM_AES_KEY_GEN, CKM_AES_GCM, WANTS(
		W(TOKEN, true), W(PRIVATE, true), W(SENSITIVE, true),
		W(EXTRACTABLE, false), W(ENCRYPT, true), W(DECRYPT, false),
		W(WRAP, false), W(UNWRAP, false), W(SIGN, false),
		W(VERIFY, false), W(DERIVE, false), O(MODIFIABLE, false),
		O(COPYABLE, false)) },
	[P11P_DEK_DATA] = { CKK_AES, CKM_AES_KEY_GEN, CKM_AES_ECB, WANTS(
		W(TOKEN, true), W(PRIVATE, true), W(SENSITIVE, true),
		W(ENCRYPT, true), W(DECRYPT, true), W(WRAP, false),
		W(UNWRAP, false), W(SIGN, false), W(VERIFY, false),
		W(DERIVE, false), O(MODIFIABLE, false), O(COPYABLE, false)) },
	[P11P_DEK_TWEAK] = { CKK_AES, CKM_AES_KEY_GEN, CKM_AES_ECB, WANTS(
		W(TOKEN, true), W(PRIVATE, true), W(SENSITIVE, true),
		W(ENCRYPT, true), W(DECRYPT, false), W(WRAP, false),
		W(UNWRAP, false), W(SIGN, false), W(VERIFY, false),
		W(DERIVE, false), O(MODIFIABLE, false), O(COPYABLE, false)) },
	[P11P_DEK_XTS] = { CKK_AES_XTS, CKM_AES_XTS_KEY_GEN, CKM_AES_XTS, WANTS(
		W(TOKEN, true), W(PRIVATE, true), W(SENSITIVE, true),
		W(ENCRYPT, true), W(DECRYPT, true), W(WRAP, false),
		W(UNWRAP, false), W(SIGN, false), W(VERIFY, false),
		W(DERIVE, false), O(MODIFIABLE, false), O(COPYABLE, false)) },
	[P11P_AUDIT] = { CKK_GENERIC_SECRET, CKM_GENERIC_SECRET_KEY_GEN,
		CKM_SHA256_HMAC, WANTS(
		W(TOKEN, true), W(PRIVATE, true), W(SENSITIVE, true),
		W(EXTRACTABLE, false), W(SIGN, true), W(VERIFY, true),
		W(ENCRYPT, false), W(DECRYPT, false), W(WRAP, false),
		W(UNWRAP, false), W(DERIVE, false), O(MODIFIABLE, false),
		O(COPYABLE, false)) },
	[P11P_ROOT_CBC] = { CKK_AES, CKM_AES_KEY_GEN, CKM_AES_CBC_PAD, WANTS(
		W(TOKEN, true), W(PRIVATE, true), W(SENSITIVE, true),
		W(EXTRACTABLE, true), W(WRAP_WITH_TRUSTED, true),
		W(ENCRYPT, true), W(DECRYPT, false), W(WRAP, false),
		W(UNWRAP, false), W(SIGN, false), W(VERIFY, false),
		W(DERIVE, false), O(MODIFIABLE, false), O(COPYABLE, false)) },
};

#define TMPL_MAX 32

struct tmpl {
	CK_ATTRIBUTE a[TMPL_MAX];
	CK_ULONG n;
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE type;
	CK_ULONG value_len;
	CK_MECHANISM_TYPE mech;
};

static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static void tmpl_add(struct tmpl *t, CK_ATTRIBUTE_TYPE type, const void *v,
		     CK_ULONG len)
{
	if (t->n < TMPL_MAX)
		t->a[t->n++] = (CK_ATTRIBUTE){ type, p11_unconst(v), len };
}

static void tmpl_bool(struct tmpl *t, CK_ATTRIBUTE_TYPE type, bool v)
{
	tmpl_add(t, type, v ? &yes : &no, sizeof(CK_BBOOL));
}

/* Fill t for spec; hardening adds the optional attributes too. */
static void tmpl_build(struct tmpl *t, const struct p11_key_spec *spec,
		       bool for_import, bool hardening)
{
	const struct profile *p = &profiles[spec->profile];
	bool dek = spec->profile == P11P_DEK_DATA ||
		   spec->profile == P11P_DEK_TWEAK ||
		   spec->profile == P11P_DEK_XTS;

	memset(t, 0, sizeof(*t));
	t->cls = CKO_SECRET_KEY;
	t->type = p->type;
	t->value_len = spec->len;
	t->mech = p->mech;
	tmpl_add(t, CKA_CLASS, &t->cls, sizeof(t->cls));
	tmpl_add(t, CKA_KEY_TYPE, &t->type, sizeof(t->type));
	if (!for_import)
		tmpl_add(t, CKA_VALUE_LEN, &t->value_len, sizeof(t->value_len));
	tmpl_add(t, CKA_LABEL, spec->label, strlen(spec->label));
	if (spec->id_len)
		tmpl_add(t, CKA_ID, spec->id, spec->id_len);
	for (size_t i = 0; i < p->n_want; i++)
		if (p->want[i].required || hardening)
			tmpl_bool(t, p11_flag_attr[p->want[i].flag],
				  p->want[i].value);
	if (dek) {
		tmpl_bool(t, CKA_EXTRACTABLE, spec->exportable);
		if (spec->exportable || hardening)
			tmpl_bool(t, CKA_WRAP_WITH_TRUSTED, true);
	}
	if (hardening)
		tmpl_add(t, CKA_ALLOWED_MECHANISMS, &t->mech, sizeof(t->mech));
}

enum err p11_key_check_profile(const struct p11_obj_info *info,
			       enum p11_profile pid)
{
	const struct profile *p = &profiles[pid];

	if (info->cls != CKO_SECRET_KEY || info->key_type != p->type)
		return err_set(ERR_POLICY, "key '%s' has the wrong class or "
			       "type for its role", info->label);
	for (size_t i = 0; i < p->n_want; i++) {
		enum p11_flag f = p->want[i].flag;

		if (!p->want[i].required)
			continue;
		if (!info->known[f])
			return err_set(ERR_POLICY, "token does not report "
				       "CKA_%s of key '%s'", p11_flag_name(f),
				       info->label);
		if (info->flag[f] != p->want[i].value)
			return err_set(ERR_POLICY, "key '%s' has %s=%s; its "
				       "role needs %s", info->label,
				       p11_flag_name(f),
				       info->flag[f] ? "true" : "false",
				       p->want[i].value ? "true" : "false");
	}
	if (info->flag[P11F_WRAP] && info->flag[P11F_DECRYPT])
		return err_set(ERR_POLICY, "key '%s' can both wrap and decrypt",
			       info->label);
	if (info->flag[P11F_EXTRACTABLE] &&
	    !(info->known[P11F_WRAP_WITH_TRUSTED] &&
	      info->flag[P11F_WRAP_WITH_TRUSTED]))
		return err_set(ERR_POLICY, "key '%s' is extractable without "
			       "wrap_with_trusted", info->label);
	if (!info->flag[P11F_SENSITIVE])
		return err_set(ERR_POLICY, "key '%s' is not sensitive",
			       info->label);
	return ERR_OK;
}

/* Tokens that lack an optional attribute reject the whole template; NSS
 * softoken 3.87 answers CKA_COPYABLE and CKA_ALLOWED_MECHANISMS with
 * CKR_GENERAL_ERROR (measured), so that code retries too. The read-back
 * check still enforces every required attribute. */
static bool retry_without_hardening(CK_RV rv)
{
	return rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_GENERAL_ERROR ||
	       rv == CKR_TEMPLATE_INCONSISTENT ||
	       rv == CKR_ATTRIBUTE_VALUE_INVALID;
}

/* First retry: drop only the two attributes NSS softoken lacks. It does
 * honour CKA_MODIFIABLE=false (C_SetAttributeValue then answers
 * CKR_ATTRIBUTE_READ_ONLY, measured), and without it anyone with the PIN
 * could switch wrap and decrypt on, or wrap_with_trusted off. */
static void tmpl_drop_unknown(struct tmpl *t)
{
	CK_ULONG k = 0;

	for (CK_ULONG i = 0; i < t->n; i++)
		if (t->a[i].type != CKA_COPYABLE &&
		    t->a[i].type != CKA_ALLOWED_MECHANISMS)
			t->a[k++] = t->a[i];
	t->n = k;
}

/* Read the new key back; destroy it if it is not what was asked for. */
static enum err verify_new(struct p11_session *s, CK_OBJECT_HANDLE h,
			   const struct p11_key_spec *spec)
{
	struct p11_obj_info info;
	enum err r;

	r = p11_obj_info(s, h, &info);
	if (r == ERR_OK)
		r = p11_key_check_profile(&info, spec->profile);
	/* A token may claim CKA_SENSITIVE and still hand the value out. */
	if (r == ERR_OK && p11_obj_secret_readable(s, h, CKO_SECRET_KEY))
		r = err_set(ERR_POLICY, "C_GetAttributeValue(CKA_VALUE) "
			    "returned the value of key '%s' although the token "
			    "reports it sensitive", spec->label);
	if (r == ERR_OK && info.known[P11F_EXTRACTABLE] &&
	    info.flag[P11F_EXTRACTABLE] != spec->exportable &&
	    spec->profile != P11P_ROOT)
		r = err_set(ERR_POLICY, "key '%s' came out with extractable=%s",
			    spec->label, info.flag[P11F_EXTRACTABLE] ? "true" :
			    "false");
	if (r != ERR_OK) {
		p11_obj_discard(s, h);
		/* A token gone mid-way keeps its own error class. */
		return r == ERR_POLICY ? err_wrap(r, "token did not honour the "
						  "key template") : r;
	}
	return ERR_OK;
}

enum err p11_key_new_id(struct p11_session *s, uint8_t id[P11_KEY_ID_LEN])
{
	return p11_session_random(s, id, P11_KEY_ID_LEN);
}

enum err p11_key_generate(struct p11_session *s, const struct p11_key_spec *spec,
			  CK_OBJECT_HANDLE *out)
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_MECHANISM mech = { profiles[spec->profile].keygen, NULL, 0 };
	struct tmpl t;
	enum err r;
	CK_RV rv;

	tmpl_build(&t, spec, false, true);
	rv = fn->C_GenerateKey(p11_session_handle(s), &mech, t.a, t.n, out);
	if (retry_without_hardening(rv)) {
		tmpl_drop_unknown(&t);
		rv = fn->C_GenerateKey(p11_session_handle(s), &mech, t.a, t.n,
				       out);
	}
	if (retry_without_hardening(rv)) {
		tmpl_build(&t, spec, false, false);
		rv = fn->C_GenerateKey(p11_session_handle(s), &mech, t.a, t.n,
				       out);
	}
	if (rv != CKR_OK)
		return p11_fail(rv, "C_GenerateKey for", spec->label);
	r = verify_new(s, *out, spec);
	if (r != ERR_OK)
		*out = CK_INVALID_HANDLE;
	return r;
}

enum err p11_key_import(struct p11_session *s, const struct p11_key_spec *spec,
			const uint8_t *value, size_t len, CK_OBJECT_HANDLE *out)
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	struct tmpl t;
	enum err r;
	CK_RV rv;

	tmpl_build(&t, spec, true, true);
	tmpl_add(&t, CKA_VALUE, value, len);
	rv = fn->C_CreateObject(p11_session_handle(s), t.a, t.n, out);
	if (retry_without_hardening(rv)) {
		tmpl_drop_unknown(&t);
		rv = fn->C_CreateObject(p11_session_handle(s), t.a, t.n, out);
	}
	if (retry_without_hardening(rv)) {
		tmpl_build(&t, spec, true, false);
		tmpl_add(&t, CKA_VALUE, value, len);
		rv = fn->C_CreateObject(p11_session_handle(s), t.a, t.n, out);
	}
	if (rv != CKR_OK)
		return p11_fail(rv, "C_CreateObject for", spec->label);
	r = verify_new(s, *out, spec);
	if (r != ERR_OK)
		*out = CK_INVALID_HANDLE;
	return r;
}

/* SoftHSM 2.6.1 applies an unwrap template in order and refuses every
 * attribute after CKA_MODIFIABLE=FALSE with CKR_ATTRIBUTE_READ_ONLY
 * (measured), so that one goes last; it also refuses CKA_VALUE_LEN. */
static void modifiable_last(struct tmpl *t)
{
	CK_ATTRIBUTE m;
	CK_ULONG i = 0;

	while (i < t->n && t->a[i].type != CKA_MODIFIABLE)
		i++;
	if (i + 1 >= t->n)
		return;
	m = t->a[i];
	memmove(&t->a[i], &t->a[i + 1], (t->n - i - 1) * sizeof(m));
	t->a[t->n - 1] = m;
}

static CK_RV unwrap_with(struct p11_session *s, struct tmpl *t,
			 CK_MECHANISM *mech, CK_OBJECT_HANDLE unwrapper,
			 const uint8_t *blob, size_t len, CK_OBJECT_HANDLE *out)
{
	modifiable_last(t);
	return p11_session_fn(s)->C_UnwrapKey(p11_session_handle(s), mech,
					      unwrapper, p11_unconst(blob), len,
					      t->a, t->n, out);
}

enum err p11_key_unwrap(struct p11_session *s, const struct p11_key_spec *spec,
			CK_MECHANISM *mech, CK_OBJECT_HANDLE unwrapper,
			const uint8_t *blob, size_t len, CK_OBJECT_HANDLE *out)
{
	struct tmpl t;
	enum err r;
	CK_RV rv;

	tmpl_build(&t, spec, true, true);
	rv = unwrap_with(s, &t, mech, unwrapper, blob, len, out);
	if (retry_without_hardening(rv)) {
		tmpl_build(&t, spec, true, false);
		rv = unwrap_with(s, &t, mech, unwrapper, blob, len, out);
	}
	if (rv != CKR_OK)
		return p11_fail(rv, "C_UnwrapKey for", spec->label);
	r = verify_new(s, *out, spec);
	if (r != ERR_OK)
		*out = CK_INVALID_HANDLE;
	return r;
}
