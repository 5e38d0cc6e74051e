/* SPDX-License-Identifier: MIT */
/* p11_enforce.c - trials with AES key wrap (RFC 3394) on public session
 * keys, destroyed at once: wrap a WRAP_WITH_TRUSTED key under an untrusted
 * key; unwrap past an unwrap template, with a compliant unwrap as the
 * control so that a refusal is known to come from the template. */
#include "p11_enforce.h"

#include <stdbool.h>

#include "p11.h"
#include "p11_ckr.h"
#include "p11_int.h"
#include "p11_obj.h"
#include "p11_session.h"

#define BLOB_MAX 64

enum role {
	KEK,             /* wraps and unwraps, untrusted, unwrap template */
	VICTIM_TRUSTED,  /* extractable only under a trusted key */
	VICTIM_READABLE, /* neither sensitive nor protected */
};

static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static const CK_BBOOL *b(bool v)
{
	return v ? &yes : &no;
}

/* A public session AES-256 key for one role of a trial (public, so an SO
 * session may make it too). */
static CK_RV make(struct p11_session *s, enum role role, CK_OBJECT_HANDLE *out)
{
	static const CK_ULONG len = 32;
	CK_ATTRIBUTE unwrap_t[] = {
		{ CKA_SENSITIVE, p11_unconst(&yes), 1 },
		{ CKA_EXTRACTABLE, p11_unconst(&no), 1 },
	};
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_VALUE_LEN, p11_unconst(&len), sizeof(len) },
		{ CKA_TOKEN, p11_unconst(&no), 1 },
		{ CKA_PRIVATE, p11_unconst(&no), 1 },
		{ CKA_WRAP, p11_unconst(b(role == KEK)), 1 },
		{ CKA_UNWRAP, p11_unconst(b(role == KEK)), 1 },
		{ CKA_SENSITIVE, p11_unconst(b(role != VICTIM_READABLE)), 1 },
		{ CKA_EXTRACTABLE, p11_unconst(b(role != KEK)), 1 },
		{ CKA_WRAP_WITH_TRUSTED, p11_unconst(b(role == VICTIM_TRUSTED)),
		  1 },
		{ CKA_UNWRAP_TEMPLATE, unwrap_t, sizeof(unwrap_t) },
	};
	CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };

	return p11_session_fn(s)->C_GenerateKey(p11_session_handle(s), &m, tmpl,
	                                        role == KEK ? 9 : 8, out);
}

static CK_RV wrap(struct p11_session *s, CK_OBJECT_HANDLE kek,
                  CK_OBJECT_HANDLE key, CK_BYTE *blob, CK_ULONG *len)
{
	CK_MECHANISM m = { CKM_AES_KEY_WRAP, NULL, 0 };

	*len = BLOB_MAX;
	return p11_session_fn(s)->C_WrapKey(p11_session_handle(s), &m, kek, key,
	                                    blob, len);
}

/* Unwrap blob under kek as a public session key, readable or not. */
static CK_RV unwrap(struct p11_session *s, CK_OBJECT_HANDLE kek, CK_BYTE *blob,
                    CK_ULONG len, bool readable, CK_OBJECT_HANDLE *out)
{
	static const CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	static const CK_KEY_TYPE type = CKK_AES;
	CK_MECHANISM m = { CKM_AES_KEY_WRAP, NULL, 0 };
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, p11_unconst(&cls), sizeof(cls) },
		{ CKA_KEY_TYPE, p11_unconst(&type), sizeof(type) },
		{ CKA_TOKEN, p11_unconst(&no), 1 },
		{ CKA_PRIVATE, p11_unconst(&no), 1 },
		{ CKA_SENSITIVE, p11_unconst(b(!readable)), 1 },
		{ CKA_EXTRACTABLE, p11_unconst(b(readable)), 1 },
	};

	return p11_session_fn(s)->C_UnwrapKey(p11_session_handle(s), &m, kek,
	                                      blob, len, tmpl, 6, out);
}

static enum err cannot_try(struct p11_session *s, const char *what, CK_RV rv)
{
	return err_set(ERR_UNSUPPORTED,
	               "cannot check whether token '%s' "
	               "enforces %s: the AES key wrap trial failed (%s)",
	               p11_session_token(s)->label, what, p11_ckr_name(rv));
}

enum err p11_enforce_trusted_wrap(struct p11_session *s)
{
	CK_OBJECT_HANDLE kek = CK_INVALID_HANDLE, key = CK_INVALID_HANDLE;
	CK_BYTE blob[BLOB_MAX];
	CK_ULONG len = 0;
	enum err r = ERR_OK;
	CK_RV rv;

	rv = make(s, KEK, &kek);
	if (rv == CKR_OK)
		rv = make(s, VICTIM_TRUSTED, &key);
	if (rv != CKR_OK)
		r = cannot_try(s, "CKA_WRAP_WITH_TRUSTED", rv);
	else if (wrap(s, kek, key, blob, &len) == CKR_OK)
		r = err_set(ERR_UNSUPPORTED,
		            "token '%s' does not enforce "
		            "CKA_WRAP_WITH_TRUSTED (a trial key wrapped under "
		            "an untrusted key), so an exportable DEK there can "
		            "leave under any key; p11seal will not export from "
		            "it",
		            p11_session_token(s)->label);
	p11_obj_discard(s, kek);
	p11_obj_discard(s, key);
	return r;
}

/* Unwrap the readable victim twice: as the template demands (control),
 * then as readable; the second must be refused. */
static enum err try_template(struct p11_session *s, CK_OBJECT_HANDLE kek,
                             CK_BYTE *blob, CK_ULONG len)
{
	CK_OBJECT_HANDLE got = CK_INVALID_HANDLE;
	enum err r = ERR_OK;
	CK_RV rv;

	rv = unwrap(s, kek, blob, len, false, &got);
	p11_obj_discard(s, rv == CKR_OK ? got : CK_INVALID_HANDLE);
	if (rv != CKR_OK)
		return cannot_try(s, "CKA_UNWRAP_TEMPLATE", rv);
	rv = unwrap(s, kek, blob, len, true, &got);
	if (rv == CKR_OK) {
		p11_obj_discard(s, got);
		r = err_set(ERR_UNSUPPORTED,
		            "token '%s' keeps "
		            "CKA_UNWRAP_TEMPLATE but does not enforce it (a "
		            "trial unwrap came out readable), so a transport "
		            "key there could unwrap a DEK into a readable key",
		            p11_session_token(s)->label);
	}
	return r;
}

enum err p11_enforce_unwrap_template(struct p11_session *s)
{
	CK_OBJECT_HANDLE kek = CK_INVALID_HANDLE, key = CK_INVALID_HANDLE;
	CK_BYTE blob[BLOB_MAX];
	CK_ULONG len = 0;
	enum err r;
	CK_RV rv;

	rv = make(s, KEK, &kek);
	if (rv == CKR_OK)
		rv = make(s, VICTIM_READABLE, &key);
	if (rv == CKR_OK)
		rv = wrap(s, kek, key, blob, &len);
	if (rv == CKR_OK)
		r = try_template(s, kek, blob, len);
	else
		r = cannot_try(s, "CKA_UNWRAP_TEMPLATE", rv);
	p11_obj_discard(s, kek);
	p11_obj_discard(s, key);
	return r;
}
