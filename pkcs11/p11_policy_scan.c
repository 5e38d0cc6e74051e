/* SPDX-License-Identifier: MIT */
/* p11_policy_scan.c - read what p11_policy judges: every key object of a
 * token, its flags, unwrap template and whether its secret comes back.
 * Read-only: a secret value that does come back is held in secure memory
 * for one call and wiped. */
#include "p11_policy_scan.h"

#include <stdlib.h>
#include <string.h>

#include "p11_int.h"
#include "p11_session.h"
#include "secmem.h"

#define SCAN_MAX       1024
#define TMPL_ATTRS_MAX 16
#define TMPL_VALUE_MAX 8 /* CK_ULONGs: 64 bytes, aligned for the token */

static bool tmpl_has(const CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type,
                     CK_BBOOL v)
{
	for (CK_ULONG i = 0; i < n; i++)
		if (t[i].type == type && t[i].pValue &&
		    t[i].ulValueLen == sizeof(CK_BBOOL))
			return *(const CK_BBOOL *)t[i].pValue == v;
	return false;
}

static bool tmpl_names(const CK_ATTRIBUTE *t, CK_ULONG n,
                       CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; i < n; i++)
		if (t[i].type == type && t[i].pValue && t[i].ulValueLen)
			return true;
	return false;
}

/* A template attribute (CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE) is an
 * attribute array: its length, then the types and lengths of its members,
 * then their values (PKCS#11 2.40 §4.1.7). in and val hold
 * TMPL_ATTRS_MAX members; *n is the count. False when absent or odd. */
static bool read_template(struct p11_session *s, CK_OBJECT_HANDLE o,
                          CK_ATTRIBUTE_TYPE type, CK_ATTRIBUTE *in,
                          CK_ULONG val[][TMPL_VALUE_MAX], CK_ULONG *n)
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SESSION_HANDLE h = p11_session_handle(s);
	CK_ATTRIBUTE outer = { type, NULL, 0 };

	if (fn->C_GetAttributeValue(h, o, &outer, 1) != CKR_OK ||
	    outer.ulValueLen == CK_UNAVAILABLE_INFORMATION ||
	    outer.ulValueLen == 0 ||
	    outer.ulValueLen > TMPL_ATTRS_MAX * sizeof(CK_ATTRIBUTE) ||
	    outer.ulValueLen % sizeof(CK_ATTRIBUTE))
		return false;
	*n = outer.ulValueLen / sizeof(CK_ATTRIBUTE);
	memset(in, 0, TMPL_ATTRS_MAX * sizeof(*in));
	outer.pValue = in;
	if (fn->C_GetAttributeValue(h, o, &outer, 1) != CKR_OK)
		return false;
	for (CK_ULONG i = 0; i < *n; i++) {
		if (in[i].ulValueLen > sizeof(val[i]))
			return false;
		in[i].pValue = val[i];
	}
	return fn->C_GetAttributeValue(h, o, &outer, 1) == CKR_OK;
}

static bool unwrap_template_safe(struct p11_session *s, CK_OBJECT_HANDLE o)
{
	CK_ATTRIBUTE in[TMPL_ATTRS_MAX];
	CK_ULONG val[TMPL_ATTRS_MAX][TMPL_VALUE_MAX];
	CK_ULONG n = 0;

	if (!read_template(s, o, CKA_UNWRAP_TEMPLATE, in, val, &n))
		return false;
	return tmpl_has(in, n, CKA_SENSITIVE, CK_TRUE) &&
	       (tmpl_has(in, n, CKA_EXTRACTABLE, CK_FALSE) ||
	        tmpl_has(in, n, CKA_WRAP_WITH_TRUSTED, CK_TRUE));
}

bool p11_policy_wrap_pinned(struct p11_session *s, CK_OBJECT_HANDLE o)
{
	CK_ATTRIBUTE in[TMPL_ATTRS_MAX];
	CK_ULONG val[TMPL_ATTRS_MAX][TMPL_VALUE_MAX];
	CK_ULONG n = 0;

	if (!read_template(s, o, CKA_WRAP_TEMPLATE, in, val, &n))
		return false;
	return tmpl_names(in, n, CKA_CLASS) &&
	       tmpl_names(in, n, CKA_KEY_TYPE) &&
	       tmpl_names(in, n, CKA_ALLOWED_MECHANISMS) &&
	       tmpl_has(in, n, CKA_WRAP_WITH_TRUSTED, CK_TRUE);
}

bool p11_policy_unwrap_pinned(struct p11_session *s, CK_OBJECT_HANDLE o)
{
	CK_ATTRIBUTE in[TMPL_ATTRS_MAX];
	CK_ULONG val[TMPL_ATTRS_MAX][TMPL_VALUE_MAX];
	CK_ULONG n = 0;

	if (!read_template(s, o, CKA_UNWRAP_TEMPLATE, in, val, &n))
		return false;
	return tmpl_names(in, n, CKA_CLASS) &&
	       tmpl_names(in, n, CKA_KEY_TYPE) &&
	       tmpl_has(in, n, CKA_WRAP, CK_FALSE) &&
	       tmpl_has(in, n, CKA_UNWRAP, CK_FALSE) &&
	       tmpl_has(in, n, CKA_SENSITIVE, CK_TRUE) &&
	       tmpl_has(in, n, CKA_EXTRACTABLE, CK_FALSE);
}

/* Private RSA keys carry CKA_MODULUS, not always CKA_MODULUS_BITS. */
static void rsa_bits(struct p11_session *s, struct p11_policy_key *k)
{
	CK_ATTRIBUTE a = { CKA_MODULUS, NULL, 0 };

	if (k->info.key_type != CKK_RSA || k->info.modulus_bits)
		return;
	if (p11_session_fn(s)->C_GetAttributeValue(
	            p11_session_handle(s), k->info.handle, &a, 1) == CKR_OK &&
	    a.ulValueLen != CK_UNAVAILABLE_INFORMATION && a.ulValueLen <= 2048)
		k->info.modulus_bits = a.ulValueLen * 8;
}

enum err p11_policy_scan_key(struct p11_session *s, CK_OBJECT_HANDLE h,
                             struct p11_policy_key *out)
{
	enum err r;

	memset(out, 0, sizeof(*out));
	r = p11_obj_info(s, h, &out->info);
	if (r != ERR_OK)
		return r;
	if (out->info.cls == CKO_SECRET_KEY || out->info.cls == CKO_PRIVATE_KEY)
		r = p11_obj_secret_readable(s, h, out->info.cls,
		                            &out->readable);
	if (r != ERR_OK)
		return r;
	if (out->info.flag[P11F_UNWRAP]) {
		out->unwrap_tmpl_safe = unwrap_template_safe(s, h);
		out->unwrap_tmpl_pinned = p11_policy_unwrap_pinned(s, h);
	}
	if (out->info.flag[P11F_TRUSTED] && out->info.flag[P11F_WRAP])
		out->wrap_tmpl_pinned = p11_policy_wrap_pinned(s, h);
	rsa_bits(s, out);
	return ERR_OK;
}

/* A session AES-128 key: a victim (trusted_only: extractable with
 * wrap_with_trusted, else not extractable) or the untrusted wrapper. */
static CK_RV trial_key(struct p11_session *s, bool victim, bool trusted_only,
                       CK_OBJECT_HANDLE *out)
{
	static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ULONG len = 16;
	CK_ATTRIBUTE t[] = {
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_TOKEN, p11_unconst(&no), 1 },
		{ CKA_PRIVATE, p11_unconst(&no), 1 },
		{ CKA_SENSITIVE, p11_unconst(&yes), 1 },
		{ CKA_EXTRACTABLE, p11_unconst(trusted_only ? &yes : &no), 1 },
		{ victim ? CKA_WRAP_WITH_TRUSTED : CKA_WRAP,
		  p11_unconst(victim && !trusted_only ? &no : &yes), 1 },
	};

	return p11_session_fn(s)->C_GenerateKey(p11_session_handle(s), &gen, t,
	                                        6, out);
}

/* True unless the victim kind wraps under an untrusted session key. */
static bool trial_refused(struct p11_session *s, bool trusted_only)
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SESSION_HANDLE h = p11_session_handle(s);
	CK_OBJECT_HANDLE victim = CK_INVALID_HANDLE;
	CK_OBJECT_HANDLE wrapper = CK_INVALID_HANDLE;
	CK_MECHANISM kw = { CKM_AES_KEY_WRAP, NULL, 0 };
	CK_BYTE blob[64];
	CK_ULONG n = sizeof(blob);
	bool refused = true;

	if (trial_key(s, true, trusted_only, &victim) == CKR_OK &&
	    trial_key(s, false, false, &wrapper) == CKR_OK)
		refused = fn->C_WrapKey(h, &kw, wrapper, victim, blob, &n) !=
		          CKR_OK;
	secmem_wipe(blob, sizeof(blob));
	if (victim != CK_INVALID_HANDLE)
		fn->C_DestroyObject(h, victim);
	if (wrapper != CK_INVALID_HANDLE)
		fn->C_DestroyObject(h, wrapper);
	return refused;
}

void p11_policy_scan_token(struct p11_session *s, struct p11_policy_token *tok)
{
	tok->extractable_enforced = trial_refused(s, false);
	tok->trusted_wrap_enforced = trial_refused(s, true);
}

enum err p11_policy_scan(struct p11_session *s, struct p11_policy_key **out,
                         size_t *n, struct p11_policy_token *tok)
{
	static const CK_OBJECT_CLASS classes[] = { CKO_SECRET_KEY,
		                                   CKO_PRIVATE_KEY,
		                                   CKO_PUBLIC_KEY };
	CK_OBJECT_HANDLE *h = calloc(SCAN_MAX, sizeof(*h));
	struct p11_policy_key *keys = NULL;
	size_t total = 0, got = 0;
	enum err r = ERR_OK;

	*out = NULL;
	*n = 0;
	if (!h)
		return err_set(ERR_NOMEM, "key list");
	for (size_t c = 0; c < 3 && r == ERR_OK; c++) {
		r = p11_obj_find(s, classes[c], NULL, NULL, 0, h + total,
		                 SCAN_MAX - total, &got);
		total += got;
	}
	if (r == ERR_OK) {
		keys = calloc(total ? total : 1, sizeof(*keys));
		if (!keys)
			r = err_set(ERR_NOMEM, "key list");
	}
	for (size_t i = 0; r == ERR_OK && i < total; i++)
		r = p11_policy_scan_key(s, h[i], &keys[i]);
	free(h);
	if (r != ERR_OK) {
		free(keys);
		return r;
	}
	p11_policy_scan_token(s, tok);
	*out = keys;
	*n = total;
	return ERR_OK;
}
