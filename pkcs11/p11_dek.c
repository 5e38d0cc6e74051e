/* SPDX-License-Identifier: MIT */
/* p11_dek.c - XTS data encryption keys in the token. A DEK is one native
 * CKM_AES_XTS key where the token has it, else two AES keys (data half
 * "L", tweak half "L.tweak") tied by a random CKA_ID prefix plus a role
 * byte. Equal halves are refused: by value on import, by check value (KCV)
 * when generated. */
#include "p11_dek.h"

#include <stdio.h>
#include <string.h>

#include "p11_ckr.h"
#include "p11_dek_meta.h"
#include "p11_int.h"
#include "p11_session.h"
#include "secmem.h"

static bool has_native_xts(struct p11_session *s)
{
	CK_MECHANISM_INFO mi = { 0 }; /* CKR_OK with nothing written */
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SLOT_ID slot = p11_session_token(s)->slot;

	return fn->C_GetMechanismInfo(slot, CKM_AES_XTS_KEY_GEN, &mi) ==
	               CKR_OK &&
	       fn->C_GetMechanismInfo(slot, CKM_AES_XTS, &mi) == CKR_OK &&
	       (mi.flags & CKF_ENCRYPT) && (mi.flags & CKF_DECRYPT);
}

enum err p11_dek_label_free(struct p11_session *s, const char *label,
                            char *tweak_label)
{
	char tweak[P11_LABEL_MAX + 1];
	enum err r;

	if (!label[0] ||
	    strlen(label) + sizeof(P11_DEK_TWEAK_SUFFIX) > sizeof(tweak))
		return err_set(ERR_USAGE, "DEK label must be 1..%zu bytes",
		               sizeof(tweak) - sizeof(P11_DEK_TWEAK_SUFFIX));
	snprintf(tweak, sizeof(tweak), "%s%s", label, P11_DEK_TWEAK_SUFFIX);
	r = p11_obj_label_free(s, label);
	if (r == ERR_OK)
		r = p11_obj_label_free(s, tweak);
	if (r == ERR_OK && tweak_label)
		memcpy(tweak_label, tweak, sizeof(tweak));
	return r;
}

static enum err check_size(size_t size)
{
	if (size != 32 && size != 64)
		return err_set(ERR_USAGE,
		               "DEK size must be 32 (XTS-AES-128, "
		               "IBM 'AES 256') or 64 bytes (XTS-AES-256, IBM "
		               "'AES 512'), not %zu",
		               size);
	return ERR_OK;
}

static enum err check_kcvs_differ(struct p11_session *s,
                                  const struct p11_dek *d)
{
	struct p11_obj_info a, b;
	enum err r;

	r = p11_obj_info(s, d->data, &a);
	if (r == ERR_OK)
		r = p11_obj_info(s, d->tweak, &b);
	if (r == ERR_OK && a.has_kcv && b.has_kcv &&
	    memcmp(a.kcv, b.kcv, sizeof(a.kcv)) == 0)
		r = err_set(ERR_POLICY,
		            "the data and tweak halves of DEK '%s' "
		            "have the same check value (equal keys)",
		            d->label);
	return r;
}

/* Create both halves (or the native key) from value, or generate them
 * when value is NULL; anything made is destroyed again on error. */
static enum err create(struct p11_session *s, const char *label, size_t size,
                       bool exportable, const uint8_t *value,
                       struct p11_dek *out)
{
	char tweak_label[P11_LABEL_MAX + 1];
	struct p11_key_spec spec = { .label = label, .exportable = exportable };
	struct p11_dek d = { .data = CK_INVALID_HANDLE,
		             .tweak = CK_INVALID_HANDLE,
		             .size = size };
	uint8_t id[P11_DEK_ID_LEN + 1];
	enum err r;

	r = check_size(size);
	if (r == ERR_OK)
		r = p11_dek_label_free(s, label, tweak_label);
	if (r == ERR_OK)
		r = p11_key_new_id(s, d.id);
	if (r != ERR_OK)
		return r;
	snprintf(d.label, sizeof(d.label), "%s", label);
	d.native = has_native_xts(s);
	memcpy(id, d.id, sizeof(d.id));
	id[P11_DEK_ID_LEN] = P11_DEK_ROLE_DATA;
	spec.id = id;
	spec.id_len = d.native ? P11_DEK_ID_LEN : sizeof(id);
	spec.profile = d.native ? P11P_DEK_XTS : P11P_DEK_DATA;
	spec.len = d.native ? size : size / 2;
	r = value ? p11_key_import(s, &spec, value, spec.len, &d.data)
	          : p11_key_generate(s, &spec, &d.data);
	if (r != ERR_OK || d.native)
		goto out;
	spec.profile = P11P_DEK_TWEAK;
	spec.label = tweak_label;
	id[P11_DEK_ID_LEN] = P11_DEK_ROLE_TWEAK;
	r = value ? p11_key_import(s, &spec, value + size / 2, spec.len,
	                           &d.tweak)
	          : p11_key_generate(s, &spec, &d.tweak);
	if (r == ERR_OK)
		r = check_kcvs_differ(s, &d);
	if (r != ERR_OK) {
		p11_obj_discard(s, d.data);
		p11_obj_discard(s, d.tweak);
	}
out:
	if (r == ERR_OK)
		*out = d;
	return r;
}

enum err p11_dek_generate(struct p11_session *s, const char *label, size_t size,
                          bool exportable, struct p11_dek *out)
{
	return create(s, label, size, exportable, NULL, out);
}

enum err p11_dek_import(struct p11_session *s, const char *label,
                        const uint8_t *key, size_t len, bool exportable,
                        struct p11_dek *out)
{
	enum err r = check_size(len);

	if (r != ERR_OK)
		return r;
	if (secmem_equal(key, key + len / 2, len / 2))
		return err_set(ERR_POLICY,
		               "the two halves of the key are "
		               "equal; XTS needs different data and tweak keys "
		               "(FIPS 140 IG A.9)");
	return create(s, label, len, exportable, key, out);
}

/* The halves' IDs: same random prefix, role bytes data then tweak. */
static bool ids_pair(const struct p11_obj_info *a, const struct p11_obj_info *b)
{
	return a->id_len == P11_DEK_ID_LEN + 1 && b->id_len == a->id_len &&
	       memcmp(a->id, b->id, P11_DEK_ID_LEN) == 0 &&
	       a->id[P11_DEK_ID_LEN] == P11_DEK_ROLE_DATA &&
	       b->id[P11_DEK_ID_LEN] == P11_DEK_ROLE_TWEAK;
}

enum err p11_dek_find(struct p11_session *s, const char *label,
                      struct p11_dek *out)
{
	return p11_dek_find_by(s, label, NULL, 0, out);
}

/* The tweak half's CKA_ID given the data half's: same prefix, role byte
 * tweak (NULL when id is not a two-key DEK's, then the label decides). */
static const uint8_t *tweak_id(const uint8_t *id, size_t id_len,
                               uint8_t out[P11_DEK_ID_LEN + 1])
{
	if (!id || id_len != P11_DEK_ID_LEN + 1 ||
	    id[P11_DEK_ID_LEN] != P11_DEK_ROLE_DATA)
		return NULL;
	memcpy(out, id, P11_DEK_ID_LEN);
	out[P11_DEK_ID_LEN] = P11_DEK_ROLE_TWEAK;
	return out;
}

enum err p11_dek_find_by(struct p11_session *s, const char *label,
                         const uint8_t *id, size_t id_len, struct p11_dek *out)
{
	char tweak_label[P11_LABEL_MAX + sizeof(P11_DEK_TWEAK_SUFFIX)];
	uint8_t tid_buf[P11_DEK_ID_LEN + 1];
	const uint8_t *tid;
	struct p11_obj_info a, b;
	struct p11_dek d = { .tweak = CK_INVALID_HANDLE };
	enum err r;

	r = p11_obj_find_one(s, CKO_SECRET_KEY, label, id, id_len, &d.data);
	if (r == ERR_OK)
		r = p11_obj_info(s, d.data, &a);
	if (r != ERR_OK)
		return r;
	/* by --id alone the label is the data half's */
	label = a.label;
	snprintf(tweak_label, sizeof(tweak_label), "%s%s", label,
	         P11_DEK_TWEAK_SUFFIX);
	snprintf(d.label, sizeof(d.label), "%s", label);
	if (a.id_len >= sizeof(d.id))
		memcpy(d.id, a.id, sizeof(d.id));
	if (a.key_type == CKK_AES_XTS) {
		d.native = true;
		d.size = a.value_len;
		r = check_size(d.size);
		goto out;
	}
	tid = tweak_id(id, id_len, tid_buf);
	r = p11_obj_find_one(s, CKO_SECRET_KEY, tweak_label, tid,
	                     tid ? sizeof(tid_buf) : 0, &d.tweak);
	if (r == ERR_NOT_FOUND)
		r = err_set(ERR_NOT_FOUND,
		            "key '%s' (%lu bytes) is not a DEK: a DEK is "
		            "two halves, '%s' and '%s', and there is no "
		            "'%s'; `p11seal key list` shows each key's kind "
		            "(a root key wraps DEKs, it never encrypts an "
		            "image)",
		            label, (unsigned long)a.value_len, label,
		            tweak_label, tweak_label);
	if (r == ERR_OK)
		r = p11_obj_info(s, d.tweak, &b);
	if (r != ERR_OK)
		return r;
	if (a.key_type != CKK_AES || b.key_type != CKK_AES ||
	    a.value_len != b.value_len || !ids_pair(&a, &b))
		return err_set(ERR_FORMAT,
		               "DEK '%s': the halves '%s' and '%s' "
		               "do not belong together (type, size or CKA_ID "
		               "do not match)",
		               label, label, tweak_label);
	d.size = 2 * a.value_len;
	/* SoftHSM 2.6.1 records CKA_VALUE_LEN 0 for unwrapped keys. */
	if (d.size == 0)
		r = p11_dek_meta_size(s, label, &d.size);
	if (r == ERR_OK)
		r = check_size(d.size);
out:
	if (r == ERR_OK)
		*out = d;
	return r;
}

enum err p11_dek_keyhash(struct p11_session *s, const struct p11_dek *dek,
                         const uint8_t nonce[32], uint8_t hash[32])
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SESSION_HANDLE h = p11_session_handle(s);
	CK_MECHANISM mech = { CKM_SHA256, NULL, 0 };
	CK_ULONG len = 32;
	CK_RV rv;

	rv = fn->C_DigestInit(h, &mech);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_DigestInit (SHA-256) for keyhash of",
		                dek->label);
	rv = fn->C_DigestUpdate(h, (CK_BYTE *)p11_unconst(nonce), 32);
	if (rv == CKR_OK)
		rv = fn->C_DigestKey(h, dek->data);
	if (rv == CKR_OK && !dek->native)
		rv = fn->C_DigestKey(h, dek->tweak);
	/* Any error but CKR_BUFFER_TOO_SMALL ends the digest operation. */
	if (rv == CKR_OK)
		rv = fn->C_DigestFinal(h, hash, &len);
	if (rv != CKR_OK) {
		p11_session_end_digest(s);
		return p11_fail(rv, "computing the keyhash (C_DigestKey) of",
		                dek->label);
	}
	if (len != 32)
		return err_set(ERR_HSM, "SHA-256 digest of %lu bytes",
		               (unsigned long)len);
	return ERR_OK;
}

enum err p11_dek_destroy(struct p11_session *s, const struct p11_dek *dek)
{
	enum err r = p11_obj_destroy(s, dek->data);

	if (r == ERR_OK && !dek->native)
		r = p11_obj_destroy(s, dek->tweak);
	return r;
}

void p11_dek_discard(struct p11_session *s, const struct p11_dek *dek)
{
	p11_obj_discard(s, dek->data);
	if (!dek->native)
		p11_obj_discard(s, dek->tweak);
}
