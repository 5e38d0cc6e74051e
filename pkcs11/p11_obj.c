/* SPDX-License-Identifier: MIT */
/* p11_obj.c - find token objects and read their attributes with the
 * two-call C_GetAttributeValue, rejecting hostile lengths. */
#include "p11_obj.h"

#include <stdlib.h>
#include <string.h>

#include "p11_ckr.h"
#include "p11_session.h"

const CK_ATTRIBUTE_TYPE p11_flag_attr[P11F_COUNT] = {
	[P11F_TOKEN] = CKA_TOKEN,
	[P11F_PRIVATE] = CKA_PRIVATE,
	[P11F_SENSITIVE] = CKA_SENSITIVE,
	[P11F_EXTRACTABLE] = CKA_EXTRACTABLE,
	[P11F_ALWAYS_SENSITIVE] = CKA_ALWAYS_SENSITIVE,
	[P11F_NEVER_EXTRACTABLE] = CKA_NEVER_EXTRACTABLE,
	[P11F_LOCAL] = CKA_LOCAL,
	[P11F_ENCRYPT] = CKA_ENCRYPT,
	[P11F_DECRYPT] = CKA_DECRYPT,
	[P11F_WRAP] = CKA_WRAP,
	[P11F_UNWRAP] = CKA_UNWRAP,
	[P11F_SIGN] = CKA_SIGN,
	[P11F_VERIFY] = CKA_VERIFY,
	[P11F_DERIVE] = CKA_DERIVE,
	[P11F_MODIFIABLE] = CKA_MODIFIABLE,
	[P11F_COPYABLE] = CKA_COPYABLE,
	[P11F_DESTROYABLE] = CKA_DESTROYABLE,
	[P11F_WRAP_WITH_TRUSTED] = CKA_WRAP_WITH_TRUSTED,
	[P11F_TRUSTED] = CKA_TRUSTED,
};

static const char *const flag_names[P11F_COUNT] = {
	"token", "private", "sensitive", "extractable", "always_sensitive",
	"never_extractable", "local", "encrypt", "decrypt", "wrap", "unwrap",
	"sign", "verify", "derive", "modifiable", "copyable", "destroyable",
	"wrap_with_trusted", "trusted",
};

const char *p11_flag_name(enum p11_flag f)
{
	return (unsigned)f < P11F_COUNT ? flag_names[f] : "?";
}

enum err p11_obj_find(struct p11_session *s, CK_OBJECT_CLASS cls,
		      const char *label, const uint8_t *id, size_t id_len,
		      CK_OBJECT_HANDLE *out, size_t cap, size_t *n)
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SESSION_HANDLE h = p11_session_handle(s);
	CK_ATTRIBUTE t[3];
	CK_ULONG nt = 0, got = 0;
	CK_RV rv;

	*n = 0;
	if (cls != P11_ANY_CLASS)
		t[nt++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	if (label)
		t[nt++] = (CK_ATTRIBUTE){ CKA_LABEL, p11_unconst(label),
					  strlen(label) };
	if (id)
		t[nt++] = (CK_ATTRIBUTE){ CKA_ID, p11_unconst(id), id_len };
	rv = fn->C_FindObjectsInit(h, nt ? t : NULL, nt);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_FindObjectsInit", NULL);
	while (*n < cap) {
		rv = fn->C_FindObjects(h, out + *n, cap - *n, &got);
		if (rv != CKR_OK || got == 0)
			break;
		/* A module that returns more than asked for is broken. */
		if (got > cap - *n) {
			rv = CKR_GENERAL_ERROR;
			break;
		}
		*n += got;
	}
	/* Always end the search, or the session stays busy. */
	fn->C_FindObjectsFinal(h);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_FindObjects", NULL);
	return ERR_OK;
}

enum err p11_obj_find_one(struct p11_session *s, CK_OBJECT_CLASS cls,
			  const char *label, const uint8_t *id, size_t id_len,
			  CK_OBJECT_HANDLE *out)
{
	CK_OBJECT_HANDLE h[2];
	size_t n = 0;
	enum err r;

	r = p11_obj_find(s, cls, label, id, id_len, h, 2, &n);
	if (r != ERR_OK)
		return r;
	if (n == 0)
		return err_set(ERR_NOT_FOUND, "no object labelled '%s' in token "
			       "'%s'", label ? label : "(any)",
			       p11_session_token(s)->label);
	if (n > 1)
		return err_set(ERR_USAGE, "label '%s' matches more than one "
			       "object in token '%s'; rename or delete the "
			       "duplicates", label ? label : "(any)",
			       p11_session_token(s)->label);
	*out = h[0];
	return ERR_OK;
}

/* One attribute into buf (cap bytes). Returns false when the token does
 * not give it (sensitive, unknown type) or it does not fit. */
static bool get_attr(struct p11_session *s, CK_OBJECT_HANDLE o,
		     CK_ATTRIBUTE_TYPE type, void *buf, CK_ULONG cap,
		     CK_ULONG *len)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SESSION_HANDLE h = p11_session_handle(s);

	if (fn->C_GetAttributeValue(h, o, &a, 1) != CKR_OK ||
	    a.ulValueLen == CK_UNAVAILABLE_INFORMATION || a.ulValueLen > cap)
		return false;
	a.pValue = buf;
	if (fn->C_GetAttributeValue(h, o, &a, 1) != CKR_OK ||
	    a.ulValueLen > cap)
		return false;
	*len = a.ulValueLen;
	return true;
}

static bool get_ulong(struct p11_session *s, CK_OBJECT_HANDLE o,
		      CK_ATTRIBUTE_TYPE type, CK_ULONG *v)
{
	CK_ULONG len = 0;

	return get_attr(s, o, type, v, sizeof(*v), &len) && len == sizeof(*v);
}

static bool attr_present(struct p11_session *s, CK_OBJECT_HANDLE o,
			 CK_ATTRIBUTE_TYPE type)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };

	return p11_session_fn(s)->C_GetAttributeValue(p11_session_handle(s), o,
						      &a, 1) == CKR_OK &&
	       a.ulValueLen != CK_UNAVAILABLE_INFORMATION && a.ulValueLen > 0;
}

static void read_flags(struct p11_session *s, CK_OBJECT_HANDLE o,
		       struct p11_obj_info *info)
{
	for (int f = 0; f < P11F_COUNT; f++) {
		CK_BBOOL b = CK_FALSE;
		CK_ULONG len = 0;

		info->known[f] = get_attr(s, o, p11_flag_attr[f], &b, sizeof(b),
					  &len) && len == 1;
		info->flag[f] = info->known[f] && b == CK_TRUE;
	}
}

static void read_mechs(struct p11_session *s, CK_OBJECT_HANDLE o,
		       struct p11_obj_info *info)
{
	CK_ULONG len = 0;

	if (get_attr(s, o, CKA_ALLOWED_MECHANISMS, info->mechs,
		     sizeof(info->mechs), &len) &&
	    len % sizeof(CK_MECHANISM_TYPE) == 0)
		info->n_mechs = len / sizeof(CK_MECHANISM_TYPE);
}

enum err p11_obj_info(struct p11_session *s, CK_OBJECT_HANDLE o,
		      struct p11_obj_info *info)
{
	CK_ULONG len = 0;

	memset(info, 0, sizeof(*info));
	info->handle = o;
	if (!get_ulong(s, o, CKA_CLASS, &info->cls))
		return err_set(ERR_HSM, "object %lu has no readable class",
			       (unsigned long)o);
	if (!get_ulong(s, o, CKA_KEY_TYPE, &info->key_type))
		info->key_type = CK_UNAVAILABLE_INFORMATION;
	if (get_attr(s, o, CKA_LABEL, info->label, P11_LABEL_MAX, &len))
		info->label[len] = '\0';
	if (get_attr(s, o, CKA_ID, info->id, sizeof(info->id), &len))
		info->id_len = len;
	if (!get_ulong(s, o, CKA_VALUE_LEN, &info->value_len))
		info->value_len = 0;
	if (!get_ulong(s, o, CKA_MODULUS_BITS, &info->modulus_bits))
		info->modulus_bits = 0;
	info->has_kcv = get_attr(s, o, CKA_CHECK_VALUE, info->kcv,
				 sizeof(info->kcv), &len) && len == 3;
	read_flags(s, o, info);
	read_mechs(s, o, info);
	info->has_unwrap_template = attr_present(s, o, CKA_UNWRAP_TEMPLATE);
	return ERR_OK;
}

enum err p11_obj_destroy(struct p11_session *s, CK_OBJECT_HANDLE o)
{
	CK_RV rv = p11_session_fn(s)->C_DestroyObject(p11_session_handle(s), o);

	if (rv != CKR_OK)
		return p11_fail(rv, "C_DestroyObject", NULL);
	return ERR_OK;
}


void p11_obj_discard(struct p11_session *s, CK_OBJECT_HANDLE h)
{
	if (h != CK_INVALID_HANDLE)
		p11_session_fn(s)->C_DestroyObject(p11_session_handle(s), h);
}
