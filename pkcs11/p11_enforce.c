/* SPDX-License-Identifier: MIT */
/* p11_enforce.c - trials with AES key wrap (RFC 3394) on public session
 * keys, destroyed at once: wrap a WRAP_WITH_TRUSTED key under an untrusted
 * key; wrap past a wrap template; unwrap past an unwrap template. Each
 * refusal has a compliant call as its control, so that it is known to
 * come from the template. The templates are p11_tmpl.c's pinned ones. */
#include "p11_enforce.h"

#include <stdbool.h>

#include "p11.h"
#include "p11_ckr.h"
#include "p11_int.h"
#include "p11_obj.h"
#include "p11_session.h"
#include "p11_tmpl.h"

#define BLOB_MAX 64

enum role {
	KEK,             /* wraps and unwraps, untrusted, unwrap template */
	VICTIM_TRUSTED,  /* extractable only under a trusted key */
	VICTIM_READABLE, /* neither sensitive nor protected */
	WRAPPER_PINNED,  /* wraps, untrusted, the station wrap template */
	VICTIM_HALF,     /* extractable, ECB only: a DEK half's profile */
	VICTIM_ROOT,     /* extractable, GCM only: a root key's profile */
};

/* The station wrap template without what a session trial cannot match:
 * CKA_TOKEN (trial keys are session keys) and CKA_WRAP_WITH_TRUSTED
 * (p11_enforce_trusted_wrap tries that one; a trial wrapper is not
 * trusted). What is left tells whether the token compares class, type,
 * usage and the mechanism list. */
static CK_ULONG trial_wrap_tmpl(CK_ATTRIBUTE *t)
{
	CK_ATTRIBUTE all[P11_TMPL_PINNED_MAX];
	size_t n = p11_tmpl_station_wrap(all);
	CK_ULONG k = 0;

	for (size_t i = 0; i < n; i++)
		if (all[i].type != CKA_TOKEN &&
		    all[i].type != CKA_WRAP_WITH_TRUSTED)
			t[k++] = all[i];
	return k;
}

/* Public session attributes every trial key shares, then the role's. */
static void role_tmpl(struct p11_tmpl *t, enum role role, CK_ATTRIBUTE *pinned,
                      CK_ULONG n_pinned)
{
	static const CK_ULONG len = 32;
	static const CK_MECHANISM_TYPE ecb = CKM_AES_ECB, gcm = CKM_AES_GCM;
	bool victim = role == VICTIM_HALF || role == VICTIM_ROOT;

	p11_tmpl_add(t, CKA_VALUE_LEN, &len, sizeof(len));
	p11_tmpl_bool(t, CKA_TOKEN, false);
	p11_tmpl_bool(t, CKA_PRIVATE, false);
	p11_tmpl_bool(t, CKA_WRAP, role == KEK || role == WRAPPER_PINNED);
	p11_tmpl_bool(t, CKA_UNWRAP, role == KEK);
	p11_tmpl_bool(t, CKA_SENSITIVE, role != VICTIM_READABLE);
	p11_tmpl_bool(t, CKA_EXTRACTABLE,
	              role == VICTIM_TRUSTED || role == VICTIM_READABLE ||
	                      victim);
	p11_tmpl_bool(t, CKA_WRAP_WITH_TRUSTED, role == VICTIM_TRUSTED);
	if (role == KEK)
		p11_tmpl_add(t, CKA_UNWRAP_TEMPLATE, pinned,
		             n_pinned * sizeof(*pinned));
	if (role == WRAPPER_PINNED)
		p11_tmpl_add(t, CKA_WRAP_TEMPLATE, pinned,
		             n_pinned * sizeof(*pinned));
	if (!victim)
		return;
	p11_tmpl_bool(t, CKA_ENCRYPT, true);
	p11_tmpl_bool(t, CKA_DECRYPT, false);
	p11_tmpl_bool(t, CKA_DERIVE, false);
	p11_tmpl_bool(t, CKA_SIGN, false);
	p11_tmpl_bool(t, CKA_VERIFY, false);
	p11_tmpl_add(t, CKA_ALLOWED_MECHANISMS,
	             role == VICTIM_HALF ? &ecb : &gcm, sizeof(ecb));
}

/* A public session AES-256 key for one role of a trial (public, so an SO
 * session may make it too). */
static CK_RV make(struct p11_session *s, enum role role, CK_OBJECT_HANDLE *out)
{
	CK_ATTRIBUTE pinned[P11_TMPL_PINNED_MAX];
	CK_ULONG n_pinned = role == KEK ? p11_tmpl_dek_unwrap(pinned)
	                                : trial_wrap_tmpl(pinned);
	CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
	struct p11_tmpl t = { .n = 0 };

	role_tmpl(&t, role, pinned, n_pinned);
	if (t.full)
		return CKR_TEMPLATE_INCOMPLETE; /* a bug: P11_TMPL_MAX */
	return p11_session_fn(s)->C_GenerateKey(p11_session_handle(s), &m, t.a,
	                                        t.n, out);
}

static CK_RV wrap(struct p11_session *s, CK_OBJECT_HANDLE kek,
                  CK_OBJECT_HANDLE key, CK_BYTE *blob, CK_ULONG *len)
{
	CK_MECHANISM m = { CKM_AES_KEY_WRAP, NULL, 0 };

	*len = BLOB_MAX;
	return p11_session_fn(s)->C_WrapKey(p11_session_handle(s), &m, kek, key,
	                                    blob, len);
}

/* What a trial unwrap asks for: a DEK half as the pinned template wants
 * it (the control), or one of the keys the template exists to stop. */
enum shape {
	AS_HALF,     /* sensitive, not extractable, no wrap: the control */
	AS_READABLE, /* not sensitive, extractable: re-import */
	AS_WRAPPER,  /* as the control, but wrap and decrypt on */
	AS_GENERIC,  /* as the control, but a generic secret */
};

/* Unwrap blob under kek as a public session key of that shape. Every
 * member of the pinned template is repeated (SoftHSM 2.6.1 refuses an
 * unwrap that leaves one out) and CKA_MODIFIABLE goes last. */
static CK_RV unwrap(struct p11_session *s, CK_OBJECT_HANDLE kek, CK_BYTE *blob,
                    CK_ULONG len, enum shape shape, CK_OBJECT_HANDLE *out)
{
	static const CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	static const CK_KEY_TYPE aes = CKK_AES, generic = CKK_GENERIC_SECRET;
	CK_MECHANISM m = { CKM_AES_KEY_WRAP, NULL, 0 };
	bool readable = shape == AS_READABLE, wrapper = shape == AS_WRAPPER;
	struct p11_tmpl t = { .n = 0 };

	p11_tmpl_add(&t, CKA_CLASS, &cls, sizeof(cls));
	p11_tmpl_add(&t, CKA_KEY_TYPE, shape == AS_GENERIC ? &generic : &aes,
	             sizeof(aes));
	p11_tmpl_bool(&t, CKA_TOKEN, false);
	p11_tmpl_bool(&t, CKA_PRIVATE, false);
	p11_tmpl_bool(&t, CKA_SENSITIVE, !readable);
	p11_tmpl_bool(&t, CKA_EXTRACTABLE, readable);
	p11_tmpl_bool(&t, CKA_ENCRYPT, true);
	p11_tmpl_bool(&t, CKA_DECRYPT, wrapper);
	p11_tmpl_bool(&t, CKA_WRAP, wrapper);
	p11_tmpl_bool(&t, CKA_UNWRAP, false);
	p11_tmpl_bool(&t, CKA_DERIVE, false);
	p11_tmpl_bool(&t, CKA_SIGN, false);
	p11_tmpl_bool(&t, CKA_VERIFY, false);
	p11_tmpl_bool(&t, CKA_MODIFIABLE, false);
	return p11_session_fn(s)->C_UnwrapKey(p11_session_handle(s), &m, kek,
	                                      blob, len, t.a, t.n, out);
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

/* Unwrap the victim as the template demands (control), then in every
 * shape the template must stop; each of those must be refused. */
static enum err try_template(struct p11_session *s, CK_OBJECT_HANDLE kek,
                             CK_BYTE *blob, CK_ULONG len)
{
	static const enum shape bad[] = { AS_READABLE, AS_WRAPPER, AS_GENERIC };
	static const char *const came_out[] = {
		[AS_READABLE] = "readable",
		[AS_WRAPPER] = "able to wrap and decrypt",
		[AS_GENERIC] = "as a generic secret",
	};
	CK_OBJECT_HANDLE got = CK_INVALID_HANDLE;
	CK_RV rv;

	rv = unwrap(s, kek, blob, len, AS_HALF, &got);
	p11_obj_discard(s, rv == CKR_OK ? got : CK_INVALID_HANDLE);
	if (rv != CKR_OK)
		return cannot_try(s, "CKA_UNWRAP_TEMPLATE", rv);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		got = CK_INVALID_HANDLE;
		rv = unwrap(s, kek, blob, len, bad[i], &got);
		if (rv != CKR_OK)
			continue;
		p11_obj_discard(s, got);
		return err_set(
		        ERR_UNSUPPORTED,
		        "token '%s' keeps CKA_UNWRAP_TEMPLATE but does "
		        "not enforce it (a trial unwrap came out %s), so "
		        "a transport key there could unwrap a DEK, or a "
		        "key carried off another token, into a key that "
		        "gives it away",
		        p11_session_token(s)->label, came_out[bad[i]]);
	}
	return ERR_OK;
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

/* Wrap a DEK-half-shaped victim (control), then a root-shaped one, under
 * a wrapper holding the trial form of the station template. */
static enum err try_wrap_template(struct p11_session *s,
                                  CK_OBJECT_HANDLE wrapper,
                                  CK_OBJECT_HANDLE half, CK_OBJECT_HANDLE root)
{
	CK_BYTE blob[BLOB_MAX];
	CK_ULONG len = 0;
	CK_RV rv;

	rv = wrap(s, wrapper, half, blob, &len);
	if (rv != CKR_OK)
		return cannot_try(s, "CKA_WRAP_TEMPLATE", rv);
	if (wrap(s, wrapper, root, blob, &len) != CKR_OK)
		return ERR_OK;
	return err_set(ERR_UNSUPPORTED,
	               "token '%s' does not enforce CKA_WRAP_TEMPLATE (a "
	               "trial key limited to AES-GCM, a root key's profile, "
	               "wrapped under a key whose template admits only AES-ECB "
	               "DEK halves), so a station key there could carry a root "
	               "key off the token; p11seal will not trust one there",
	               p11_session_token(s)->label);
}

enum err p11_enforce_wrap_template(struct p11_session *s)
{
	CK_OBJECT_HANDLE w = CK_INVALID_HANDLE, half = CK_INVALID_HANDLE,
	                 root = CK_INVALID_HANDLE;
	enum err r;
	CK_RV rv;

	rv = make(s, WRAPPER_PINNED, &w);
	if (rv == CKR_OK)
		rv = make(s, VICTIM_HALF, &half);
	if (rv == CKR_OK)
		rv = make(s, VICTIM_ROOT, &root);
	if (rv == CKR_OK)
		r = try_wrap_template(s, w, half, root);
	else
		r = cannot_try(s, "CKA_WRAP_TEMPLATE", rv);
	p11_obj_discard(s, w);
	p11_obj_discard(s, half);
	p11_obj_discard(s, root);
	return r;
}
