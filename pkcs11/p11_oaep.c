/* SPDX-License-Identifier: MIT */
/* p11_oaep.c - RSA-OAEP wrap and unwrap of DEK halves inside the token.
 * The key bytes never reach this process: C_WrapKey on one token,
 * C_UnwrapKey on the other, digests of the result with C_DigestKey. */
#include "p11_oaep.h"

#include <stdio.h>
#include <string.h>

#include "p11_ckr.h"
#include "p11_dek.h"
#include "p11_int.h"
#include "p11_key.h"
#include "p11_obj.h"
#include "p11_session.h"

struct oaep {
	CK_RSA_PKCS_OAEP_PARAMS params;
	CK_MECHANISM mech;
};

/* OAEP with MGF1 over the same hash and an empty label; SoftHSM and NSS
 * both want CKZ_DATA_SPECIFIED with no data rather than source 0. */
static void oaep_init(struct oaep *o, enum p11_oaep_hash hash)
{
	bool sha256 = hash == P11_OAEP_SHA256;

	o->params = (CK_RSA_PKCS_OAEP_PARAMS){ sha256 ? CKM_SHA256 : CKM_SHA_1,
		                               sha256 ? CKG_MGF1_SHA256
		                                      : CKG_MGF1_SHA1,
		                               CKZ_DATA_SPECIFIED, NULL, 0 };
	o->mech = (CK_MECHANISM){ CKM_RSA_PKCS_OAEP, &o->params,
		                  sizeof(o->params) };
}

enum err p11_oaep_wrap(struct p11_session *s, CK_OBJECT_HANDLE wrapping_key,
                       enum p11_oaep_hash hash, CK_OBJECT_HANDLE key,
                       uint8_t *out, size_t cap, size_t *len)
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_ULONG n = 0;
	struct oaep o;
	CK_RV rv;

	oaep_init(&o, hash);
	rv = fn->C_WrapKey(p11_session_handle(s), &o.mech, wrapping_key, key,
	                   NULL, &n);
	if (rv == CKR_OK && n > cap)
		return err_set(ERR_FORMAT,
		               "wrapped key of %lu bytes does not "
		               "fit %zu",
		               (unsigned long)n, cap);
	if (rv == CKR_OK) {
		n = cap;
		rv = fn->C_WrapKey(p11_session_handle(s), &o.mech, wrapping_key,
		                   key, out, &n);
	}
	if (rv != CKR_OK)
		return p11_fail(rv, "C_WrapKey (RSA-OAEP)", NULL);
	*len = n;
	return ERR_OK;
}

/* Failures that mean "this blob does not decrypt under this key". SoftHSM
 * 2.6.1 reports a failed OAEP decoding as CKR_GENERAL_ERROR (measured). */
static bool undecryptable(CK_RV rv)
{
	return rv == CKR_ENCRYPTED_DATA_INVALID ||
	       rv == CKR_ENCRYPTED_DATA_LEN_RANGE ||
	       rv == CKR_WRAPPED_KEY_INVALID ||
	       rv == CKR_WRAPPED_KEY_LEN_RANGE || rv == CKR_DATA_INVALID ||
	       rv == CKR_DATA_LEN_RANGE || rv == CKR_GENERAL_ERROR;
}

enum err p11_oaep_unwrap_check(struct p11_session *s,
                               CK_OBJECT_HANDLE unwrapping_key,
                               enum p11_oaep_hash hash, const uint8_t *blob,
                               size_t len, CK_OBJECT_HANDLE *out)
{
	static const CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	static const CK_KEY_TYPE type = CKK_AES;
	static const CK_BBOOL t = CK_TRUE, f = CK_FALSE;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, p11_unconst(&cls), sizeof(cls) },
		{ CKA_KEY_TYPE, p11_unconst(&type), sizeof(type) },
		{ CKA_TOKEN, p11_unconst(&f), 1 },
		{ CKA_PRIVATE, p11_unconst(&t), 1 },
		{ CKA_SENSITIVE, p11_unconst(&t), 1 },
		{ CKA_EXTRACTABLE, p11_unconst(&f), 1 },
		{ CKA_ENCRYPT, p11_unconst(&f), 1 },
		{ CKA_DECRYPT, p11_unconst(&f), 1 },
		{ CKA_WRAP, p11_unconst(&f), 1 },
		{ CKA_UNWRAP, p11_unconst(&f), 1 },
		{ CKA_SIGN, p11_unconst(&f), 1 },
		{ CKA_VERIFY, p11_unconst(&f), 1 },
		{ CKA_DERIVE, p11_unconst(&f), 1 },
		/* the transport key's unwrap template pins it (p11_tmpl.c) */
		{ CKA_MODIFIABLE, p11_unconst(&f), 1 },
	};
	struct oaep o;
	CK_RV rv;

	oaep_init(&o, hash);
	rv = p11_session_fn(s)->C_UnwrapKey(
	        p11_session_handle(s), &o.mech, unwrapping_key,
	        p11_unconst(blob), len, tmpl, sizeof(tmpl) / sizeof(tmpl[0]),
	        out);
	if (undecryptable(rv)) {
		*out = CK_INVALID_HANDLE;
		return err_set(ERR_VERIFY,
		               "the wrapped key does not decrypt "
		               "with this private key (%s)",
		               p11_ckr_name(rv));
	}
	if (rv != CKR_OK) {
		*out = CK_INVALID_HANDLE;
		return p11_fail(rv, "C_UnwrapKey (RSA-OAEP)", NULL);
	}
	return ERR_OK;
}

/* Unwrap both halves under a fresh CKA_ID prefix (copied to prefix); on
 * failure the caller discards what *hd and *ht hold. */
static enum err unwrap_halves(struct p11_session *s, CK_OBJECT_HANDLE key,
                              enum p11_oaep_hash hash, const uint8_t *data,
                              const uint8_t *tweak, size_t len,
                              const char *label, const char *tweak_label,
                              uint8_t prefix[P11_DEK_ID_LEN],
                              CK_OBJECT_HANDLE *hd, CK_OBJECT_HANDLE *ht)
{
	uint8_t id[P11_DEK_ID_LEN + 1];
	struct p11_key_spec spec = { .profile = P11P_DEK_DATA,
		                     .label = label,
		                     .id = id,
		                     .id_len = sizeof(id) };
	struct oaep o;
	enum err r;

	oaep_init(&o, hash);
	r = p11_key_new_id(s, id);
	if (r != ERR_OK)
		return r;
	memcpy(prefix, id, P11_DEK_ID_LEN);
	id[P11_DEK_ID_LEN] = P11_DEK_ROLE_DATA;
	r = p11_key_unwrap(s, &spec, &o.mech, key, data, len, hd);
	if (r != ERR_OK)
		return r;
	spec.profile = P11P_DEK_TWEAK;
	spec.label = tweak_label;
	id[P11_DEK_ID_LEN] = P11_DEK_ROLE_TWEAK;
	return p11_key_unwrap(s, &spec, &o.mech, key, tweak, len, ht);
}

enum err p11_oaep_unwrap_dek(struct p11_session *s,
                             CK_OBJECT_HANDLE unwrapping_key,
                             enum p11_oaep_hash hash, const uint8_t *data,
                             const uint8_t *tweak, size_t len, size_t dek_size,
                             const char *label, struct p11_dek *out)
{
	char tweak_label[P11_LABEL_MAX + 1];
	struct p11_dek d = { .data = CK_INVALID_HANDLE,
		             .tweak = CK_INVALID_HANDLE,
		             .size = dek_size };
	enum err r;

	snprintf(d.label, sizeof(d.label), "%s", label);
	r = p11_dek_label_free(s, label, tweak_label);
	if (r == ERR_OK)
		r = unwrap_halves(s, unwrapping_key, hash, data, tweak, len,
		                  label, tweak_label, d.id, &d.data, &d.tweak);
	if (r != ERR_OK) {
		p11_obj_discard(s, d.data);
		p11_obj_discard(s, d.tweak);
		return r;
	}
	*out = d;
	return ERR_OK;
}
