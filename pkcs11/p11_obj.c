/* SPDX-License-Identifier: MIT */
/* p11_obj.c - find token objects and read their attributes with the
 * two-call C_GetAttributeValue (a secret key's in one batched call first),
 * rejecting hostile lengths and counts; an attribute the token withholds
 * is absent, a token gone is an error. */
#include "p11_obj.h"

#include <stdlib.h>
#include <string.h>

#include "p11_ckr.h"
#include "p11_int.h"
#include "p11_session.h"
#include "secmem.h"

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
	"token",       "private",          "sensitive",
	"extractable", "always_sensitive", "never_extractable",
	"local",       "encrypt",          "decrypt",
	"wrap",        "unwrap",           "sign",
	"verify",      "derive",           "modifiable",
	"copyable",    "destroyable",      "wrap_with_trusted",
	"trusted",
};

const char *p11_flag_name(enum p11_flag f)
{
	return (unsigned)f < P11F_COUNT ? flag_names[f] : "?";
}

/* Append the handles of got[0..n) not yet in out[0..*have); a module may
 * return a handle twice. Returns how many were new. */
static size_t keep_new(CK_OBJECT_HANDLE *out, size_t *have,
                       const CK_OBJECT_HANDLE *got, CK_ULONG n)
{
	size_t added = 0;

	for (CK_ULONG i = 0; i < n; i++) {
		size_t j = 0;

		while (j < *have && out[j] != got[i])
			j++;
		if (j == *have) {
			out[(*have)++] = got[i];
			added++;
		}
	}
	return added;
}

enum err p11_obj_find(struct p11_session *s, CK_OBJECT_CLASS cls,
                      const char *label, const uint8_t *id, size_t id_len,
                      CK_OBJECT_HANDLE *out, size_t cap, size_t *n)
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SESSION_HANDLE h = p11_session_handle(s);
	CK_OBJECT_HANDLE batch[64];
	CK_ATTRIBUTE t[3];
	CK_ULONG nt = 0, got = 0, want = 0;
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
		want = cap - *n < 64 ? cap - *n : 64;
		got = 0;
		rv = fn->C_FindObjects(h, batch, want, &got);
		/* More than asked for means the module wrote past our buffer
		 * or lies about the count: trust none of it. */
		if (rv != CKR_OK || got == 0 || got > want)
			break;
		/* A search that only repeats handles is over. */
		if (keep_new(out, n, batch, got) == 0)
			break;
	}
	/* Always end the search, or the session stays busy. */
	fn->C_FindObjectsFinal(h);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_FindObjects", NULL);
	if (got > want)
		return err_set(ERR_HSM,
		               "C_FindObjects returned %lu handles "
		               "where %lu were asked for: the PKCS#11 module "
		               "is broken",
		               (unsigned long)got, (unsigned long)want);
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
	if (n == 0 && !label && id)
		return err_set(ERR_NOT_FOUND,
		               "no key with that CKA_ID in token "
		               "'%s'",
		               p11_session_token(s)->label);
	if (n == 0)
		return err_set(ERR_NOT_FOUND,
		               "no object labelled '%s' in token "
		               "'%s'",
		               label ? label : "(any)",
		               p11_session_token(s)->label);
	if (n > 1)
		return err_set(ERR_USAGE,
		               "label '%s' matches more than one "
		               "object in token '%s'; select one with --id "
		               "(its CKA_ID, as key list shows it), or rename "
		               "or delete the duplicates",
		               label ? label : "(any)",
		               p11_session_token(s)->label);
	*out = h[0];
	return ERR_OK;
}

enum err p11_obj_label_free(struct p11_session *s, const char *label)
{
	CK_OBJECT_HANDLE h;
	size_t n = 0;
	enum err r;

	r = p11_obj_find(s, P11_ANY_CLASS, label, NULL, 0, &h, 1, &n);
	if (r == ERR_OK && n)
		r = err_set(ERR_EXISTS,
		            "an object labelled '%s' already exists "
		            "in token '%s'; choose another label or `key "
		            "delete` it",
		            label, p11_session_token(s)->label);
	return r;
}

bool p11_obj_rv_fatal(CK_RV rv)
{
	switch (rv) {
	case CKR_DEVICE_REMOVED:
	case CKR_DEVICE_ERROR:
	case CKR_DEVICE_MEMORY:
	case CKR_HOST_MEMORY:
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_SESSION_HANDLE_INVALID:
	case CKR_SESSION_CLOSED:
	case CKR_OBJECT_HANDLE_INVALID:
	case CKR_CRYPTOKI_NOT_INITIALIZED: return true;
	default: return false;
	}
}

bool p11_obj_attr(struct p11_session *s, CK_OBJECT_HANDLE o,
                  CK_ATTRIBUTE_TYPE type, void *buf, CK_ULONG cap,
                  CK_ULONG *len, CK_RV *rv)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SESSION_HANDLE h = p11_session_handle(s);

	*rv = fn->C_GetAttributeValue(h, o, &a, 1);
	if (*rv != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION ||
	    a.ulValueLen > cap)
		return false;
	a.pValue = buf;
	*rv = fn->C_GetAttributeValue(h, o, &a, 1);
	/* A length beyond the buffer on the second call is a broken
	 * module: whatever it wrote is not trusted. */
	if (*rv != CKR_OK || a.ulValueLen > cap)
		return false;
	*len = a.ulValueLen;
	return true;
}

/* Length of the valid UTF-8 sequence at s[0..n), 0 if there is none
 * (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len = s[0] < 0xc2   ? 0
	             : s[0] < 0xe0 ? 2
	             : s[0] < 0xf0 ? 3
	             : s[0] < 0xf5 ? 4
	                           : 0;
	unsigned char lo = 0x80, hi = 0xbf;

	if (len == 0 || len > n)
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* A label from the token is printed and put in JSON: control bytes
 * (terminal escapes, NUL, newline) and bytes that are not UTF-8 become
 * '?'. Returns len; s is NUL-terminated at len. */
static size_t printable(char *label, size_t len)
{
	unsigned char *s = (unsigned char *)label;

	for (size_t i = 0; i < len;) {
		size_t u = s[i] >= 0x80 ? utf8_len(s + i, len - i) : 1;

		if (u == 0 || s[i] < 0x20 || s[i] == 0x7f) {
			s[i++] = '?';
			continue;
		}
		i += u;
	}
	label[len] = '\0';
	return len;
}

/* Reads attributes of one object until the session or token is gone. */
struct reader {
	struct p11_session *s;
	CK_OBJECT_HANDLE o;
	CK_RV fatal; /* CKR_OK until a call failed for good */
};

/* One attribute into buf; false when the token does not give it, it
 * does not fit, or an earlier read found the token gone. */
static bool get_attr(struct reader *r, CK_ATTRIBUTE_TYPE type, void *buf,
                     CK_ULONG cap, CK_ULONG *len)
{
	CK_RV rv = CKR_OK;

	if (r->fatal != CKR_OK)
		return false;
	if (p11_obj_attr(r->s, r->o, type, buf, cap, len, &rv))
		return true;
	if (p11_obj_rv_fatal(rv))
		r->fatal = rv;
	return false;
}

static bool get_ulong(struct reader *r, CK_ATTRIBUTE_TYPE type, CK_ULONG *v)
{
	CK_ULONG len = 0;

	return get_attr(r, type, v, sizeof(*v), &len) && len == sizeof(*v);
}

static bool attr_present(struct reader *r, CK_ATTRIBUTE_TYPE type)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv;

	if (r->fatal != CKR_OK)
		return false;
	rv = p11_session_fn(r->s)->C_GetAttributeValue(p11_session_handle(r->s),
	                                               r->o, &a, 1);
	if (p11_obj_rv_fatal(rv))
		r->fatal = rv;
	return rv == CKR_OK && a.ulValueLen != CK_UNAVAILABLE_INFORMATION &&
	       a.ulValueLen > 0;
}

static void read_flags(struct reader *r, struct p11_obj_info *info)
{
	for (int f = 0; f < P11F_COUNT; f++) {
		CK_BBOOL b = CK_FALSE;
		CK_ULONG len = 0;

		info->known[f] =
		        get_attr(r, p11_flag_attr[f], &b, sizeof(b), &len) &&
		        len == 1;
		info->flag[f] = info->known[f] && b == CK_TRUE;
	}
}

static void read_mechs(struct reader *r, struct p11_obj_info *info)
{
	CK_ULONG len = 0;

	if (get_attr(r, CKA_ALLOWED_MECHANISMS, info->mechs,
	             sizeof(info->mechs), &len) &&
	    len % sizeof(CK_MECHANISM_TYPE) == 0)
		info->n_mechs = len / sizeof(CK_MECHANISM_TYPE);
}

/* Every attribute, one two-call read each (2 x 27 calls). */
static bool read_each(struct reader *r, struct p11_obj_info *info)
{
	CK_ULONG len = 0;

	if (!get_ulong(r, CKA_CLASS, &info->cls))
		return false;
	if (!get_ulong(r, CKA_KEY_TYPE, &info->key_type))
		info->key_type = CK_UNAVAILABLE_INFORMATION;
	if (get_attr(r, CKA_LABEL, info->label, P11_LABEL_MAX, &len))
		printable(info->label, len);
	if (get_attr(r, CKA_ID, info->id, sizeof(info->id), &len))
		info->id_len = len;
	if (!get_ulong(r, CKA_VALUE_LEN, &info->value_len))
		info->value_len = 0;
	if (!get_ulong(r, CKA_MODULUS_BITS, &info->modulus_bits))
		info->modulus_bits = 0;
	info->has_kcv = get_attr(r, CKA_CHECK_VALUE, info->kcv,
	                         sizeof(info->kcv), &len) &&
	                len == 3;
	read_flags(r, info);
	read_mechs(r, info);
	info->has_unwrap_template = attr_present(r, CKA_UNWRAP_TEMPLATE);
	return true;
}

/* Template slots of the batched read, in this order. */
enum {
	B_CLASS,
	B_KEY_TYPE,
	B_LABEL,
	B_ID,
	B_VALUE_LEN,
	B_KCV,
	B_MECHS,
	B_UNWRAP_TEMPLATE,
	B_FLAGS,
	B_COUNT = B_FLAGS + P11F_COUNT
};

/* The length the token gave slot i if it is a value that fits cap. */
static bool batch_len(const CK_ATTRIBUTE *t, int i, CK_ULONG cap)
{
	return t[i].ulValueLen != CK_UNAVAILABLE_INFORMATION &&
	       t[i].ulValueLen <= cap;
}

/* Take the values of a batched read as the two-call reads would. */
static void batch_take(const CK_ATTRIBUTE *t, CK_BBOOL *flags,
                       struct p11_obj_info *info)
{
	if (!batch_len(t, B_KEY_TYPE, sizeof(CK_ULONG)) ||
	    t[B_KEY_TYPE].ulValueLen != sizeof(CK_ULONG))
		info->key_type = CK_UNAVAILABLE_INFORMATION;
	if (batch_len(t, B_LABEL, P11_LABEL_MAX))
		printable(info->label, t[B_LABEL].ulValueLen);
	else
		memset(info->label, 0, sizeof(info->label));
	if (batch_len(t, B_ID, sizeof(info->id)))
		info->id_len = t[B_ID].ulValueLen;
	if (!batch_len(t, B_VALUE_LEN, sizeof(CK_ULONG)) ||
	    t[B_VALUE_LEN].ulValueLen != sizeof(CK_ULONG))
		info->value_len = 0;
	info->has_kcv = t[B_KCV].ulValueLen == 3;
	if (batch_len(t, B_MECHS, sizeof(info->mechs)) &&
	    t[B_MECHS].ulValueLen % sizeof(CK_MECHANISM_TYPE) == 0)
		info->n_mechs =
		        t[B_MECHS].ulValueLen / sizeof(CK_MECHANISM_TYPE);
	info->has_unwrap_template =
	        t[B_UNWRAP_TEMPLATE].ulValueLen != CK_UNAVAILABLE_INFORMATION &&
	        t[B_UNWRAP_TEMPLATE].ulValueLen > 0;
	for (int f = 0; f < P11F_COUNT; f++) {
		info->known[f] = t[B_FLAGS + f].ulValueLen == 1;
		info->flag[f] = info->known[f] && flags[f] == CK_TRUE;
	}
}

/* Everything but the modulus in one call, for a network HSM where each
 * call is a round trip (54 calls per key took 0.27 s at 5 ms). Only a
 * CKR_OK answer is used: the three codes that are "not true errors" may
 * come from a module that stopped part way and left buffers unwritten,
 * and an unwritten flag would read as a known false. False: do the
 * two-call reads (a key's class decides which attributes apply, so most
 * objects other than secret keys go that way). */
static bool read_batch(struct reader *r, struct p11_obj_info *info)
{
	CK_BBOOL flags[P11F_COUNT] = { 0 };
	CK_ATTRIBUTE t[B_COUNT] = {
		[B_CLASS] = { CKA_CLASS, &info->cls, sizeof(info->cls) },
		[B_KEY_TYPE] = { CKA_KEY_TYPE, &info->key_type,
		                 sizeof(info->key_type) },
		[B_LABEL] = { CKA_LABEL, info->label, P11_LABEL_MAX },
		[B_ID] = { CKA_ID, info->id, sizeof(info->id) },
		[B_VALUE_LEN] = { CKA_VALUE_LEN, &info->value_len,
		                  sizeof(info->value_len) },
		[B_KCV] = { CKA_CHECK_VALUE, info->kcv, sizeof(info->kcv) },
		[B_MECHS] = { CKA_ALLOWED_MECHANISMS, info->mechs,
		              sizeof(info->mechs) },
		[B_UNWRAP_TEMPLATE] = { CKA_UNWRAP_TEMPLATE, NULL, 0 },
	};
	CK_RV rv;

	for (int f = 0; f < P11F_COUNT; f++)
		t[B_FLAGS + f] = (CK_ATTRIBUTE){ p11_flag_attr[f], &flags[f],
			                         sizeof(flags[f]) };
	rv = p11_session_fn(r->s)->C_GetAttributeValue(p11_session_handle(r->s),
	                                               r->o, t, B_COUNT);
	if (rv != CKR_OK || t[B_CLASS].ulValueLen != sizeof(info->cls)) {
		if (p11_obj_rv_fatal(rv))
			r->fatal = rv;
		memset(info, 0, sizeof(*info));
		info->handle = r->o;
		return false;
	}
	batch_take(t, flags, info);
	if (info->key_type == CKK_RSA &&
	    !get_ulong(r, CKA_MODULUS_BITS, &info->modulus_bits))
		info->modulus_bits = 0;
	return true;
}

enum err p11_obj_info(struct p11_session *s, CK_OBJECT_HANDLE o,
                      struct p11_obj_info *info)
{
	struct reader r = { s, o, CKR_OK };

	memset(info, 0, sizeof(*info));
	info->handle = o;
	if (!read_batch(&r, info) && r.fatal == CKR_OK && !read_each(&r, info))
		return r.fatal != CKR_OK
		               ? p11_fail(r.fatal,
		                          "C_GetAttributeValue (class) "
		                          "of object",
		                          NULL)
		               : err_set(ERR_HSM,
		                         "object %lu has no readable "
		                         "class",
		                         (unsigned long)o);
	/* Attributes missing because the token went away are no answer. */
	if (r.fatal != CKR_OK)
		return p11_fail(r.fatal,
		                info->label[0] ? "C_GetAttributeValue of key"
		                               : "C_GetAttributeValue of a key",
		                info->label[0] ? info->label : NULL);
	return ERR_OK;
}

enum err p11_obj_secret_readable(struct p11_session *s, CK_OBJECT_HANDLE o,
                                 CK_OBJECT_CLASS cls, bool *readable)
{
	CK_ATTRIBUTE a = { cls == CKO_PRIVATE_KEY ? CKA_PRIVATE_EXPONENT
		                                  : CKA_VALUE,
		           NULL, 0 };
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SESSION_HANDLE h = p11_session_handle(s);
	CK_RV rv;

	*readable = false;
	rv = fn->C_GetAttributeValue(h, o, &a, 1);
	if (p11_ckr_module_failed(rv))
		return p11_fail(rv,
		                "C_GetAttributeValue (secret value) of a key",
		                NULL);
	if (rv != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION ||
	    a.ulValueLen == 0)
		return ERR_OK;
	*readable = true;
	/* A token that offers more than any key holds gives it out anyway. */
	if (a.ulValueLen > P11_SECRET_PROBE_MAX)
		return ERR_OK;
	a.pValue = secmem_alloc(a.ulValueLen);
	if (!a.pValue)
		return ERR_OK;
	rv = fn->C_GetAttributeValue(h, o, &a, 1);
	secmem_free(a.pValue);
	if (p11_ckr_module_failed(rv))
		return p11_fail(rv,
		                "C_GetAttributeValue (secret value) of a key",
		                NULL);
	*readable = rv == CKR_OK;
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

enum err p11_obj_find_all(struct p11_session *s, CK_OBJECT_CLASS cls,
                          size_t cap, CK_OBJECT_HANDLE **out, size_t *n)
{
	CK_OBJECT_HANDLE *h = calloc(cap, sizeof(*h));
	enum err r;

	*out = NULL;
	*n = 0;
	if (!h)
		return err_set(ERR_NOMEM, "object list");
	r = p11_obj_find(s, cls, NULL, NULL, 0, h, cap, n);
	if (r != ERR_OK) {
		free(h);
		return r;
	}
	*out = h;
	return ERR_OK;
}

#define SWEEP_MAX 1024

enum err p11_obj_sweep(struct p11_session *s, CK_OBJECT_CLASS cls,
                       bool (*left)(const struct p11_obj_info *),
                       const char *what, size_t *removed)
{
	CK_OBJECT_HANDLE *h = NULL;
	struct p11_obj_info info;
	size_t n = 0;
	enum err r;

	*removed = 0;
	r = p11_obj_find_all(s, cls, SWEEP_MAX, &h, &n);
	for (size_t i = 0; r == ERR_OK && i < n; i++) {
		if (p11_obj_info(s, h[i], &info) != ERR_OK) {
			err_clear();
			continue;
		}
		if (!left(&info))
			continue;
		r = p11_obj_destroy(s, h[i]);
		if (r == ERR_OK)
			(*removed)++;
		else
			r = err_wrap(r,
			             "removing %s '%s', left by an "
			             "interrupted import",
			             what, info.label);
	}
	free(h);
	return r;
}

enum err p11_obj_check_wants(const struct p11_obj_info *i,
                             const struct p11_want *w, size_t n,
                             const char *role)
{
	for (size_t k = 0; k < n; k++) {
		enum p11_flag f = w[k].flag;

		if (!i->known[f])
			return err_set(
			        ERR_POLICY,
			        "token does not report CKA_%s of %s '%s'",
			        p11_flag_name(f), role, i->label);
		if (i->flag[f] != w[k].value)
			return err_set(ERR_POLICY,
			               "%s '%s' has %s=%s; its role needs %s",
			               role, i->label, p11_flag_name(f),
			               i->flag[f] ? "true" : "false",
			               w[k].value ? "true" : "false");
	}
	return ERR_OK;
}
