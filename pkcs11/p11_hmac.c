/* SPDX-License-Identifier: MIT */
/* p11_hmac.c - HMAC-SHA256 in the token: the MAC key is a sensitive,
 * non-extractable object, so a MAC is made and checked only by the token. */
#include "p11_hmac.h"

#include "p11_ckr.h"
#include "p11_int.h"
#include "p11_session.h"
#include "secmem.h"

enum err p11_hmac_sign(struct p11_session *s, CK_OBJECT_HANDLE key,
                       const void *data, size_t len, uint8_t mac[P11_HMAC_LEN])
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SESSION_HANDLE h = p11_session_handle(s);
	CK_MECHANISM mech = { CKM_SHA256_HMAC, NULL, 0 };
	CK_ULONG out_len = P11_HMAC_LEN;
	CK_RV rv;

	rv = fn->C_SignInit(h, &mech, key);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_SignInit (HMAC-SHA256)", NULL);
	rv = fn->C_Sign(h, p11_unconst(data), len, mac, &out_len);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_Sign (HMAC-SHA256)", NULL);
	if (out_len != P11_HMAC_LEN)
		return err_set(ERR_HSM,
		               "C_Sign (HMAC-SHA256) returned %lu "
		               "bytes, not %u",
		               (unsigned long)out_len, P11_HMAC_LEN);
	return ERR_OK;
}

/* NSS softoken 3.87 answers C_Verify of a wrong HMAC with
 * CKR_DEVICE_ERROR, not CKR_SIGNATURE_INVALID (measured). When C_Verify
 * fails otherwise, C_Sign in the token tells a wrong MAC (it signs, and
 * the MACs differ) from a failing token (it does not sign). */
static enum err verify_by_sign(struct p11_session *s, CK_OBJECT_HANDLE key,
                               const void *data, size_t len,
                               const uint8_t mac[P11_HMAC_LEN], CK_RV verify_rv)
{
	uint8_t mine[P11_HMAC_LEN];

	if (p11_hmac_sign(s, key, data, len, mine) != ERR_OK)
		return p11_fail(verify_rv, "C_Verify (HMAC-SHA256)", NULL);
	if (!secmem_equal(mine, mac, P11_HMAC_LEN))
		return err_set(ERR_VERIFY, "MAC does not verify");
	return p11_fail(verify_rv, "C_Verify (HMAC-SHA256) of a right MAC",
	                NULL);
}

enum err p11_hmac_verify(struct p11_session *s, CK_OBJECT_HANDLE key,
                         const void *data, size_t len,
                         const uint8_t mac[P11_HMAC_LEN])
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SESSION_HANDLE h = p11_session_handle(s);
	CK_MECHANISM mech = { CKM_SHA256_HMAC, NULL, 0 };
	CK_RV rv;

	rv = fn->C_VerifyInit(h, &mech, key);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_VerifyInit (HMAC-SHA256)", NULL);
	rv = fn->C_Verify(h, p11_unconst(data), len, p11_unconst(mac),
	                  P11_HMAC_LEN);
	if (rv == CKR_SIGNATURE_INVALID || rv == CKR_SIGNATURE_LEN_RANGE)
		return err_set(ERR_VERIFY, "MAC does not verify");
	if (rv != CKR_OK)
		return verify_by_sign(s, key, data, len, mac, rv);
	return ERR_OK;
}

/* Signing keys of one key type, after the *n already in out. */
static enum err find_type(struct p11_session *s, CK_KEY_TYPE type,
                          CK_OBJECT_HANDLE *out, size_t cap, size_t *n)
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SESSION_HANDLE h = p11_session_handle(s);
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_SIGN, &yes, sizeof(yes) },
	};
	CK_ULONG got = 0;
	CK_RV rv;

	rv = fn->C_FindObjectsInit(h, t, 3);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_FindObjectsInit (HMAC keys)", NULL);
	rv = fn->C_FindObjects(h, out + *n, cap - *n, &got);
	fn->C_FindObjectsFinal(h);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_FindObjects (HMAC keys)", NULL);
	if (got > cap - *n)
		return err_set(ERR_HSM,
		               "C_FindObjects returned %lu handles "
		               "where %zu were asked for: the PKCS#11 module "
		               "is broken",
		               (unsigned long)got, cap - *n);
	*n += got;
	return ERR_OK;
}

enum err p11_hmac_find_keys(struct p11_session *s, CK_OBJECT_HANDLE *out,
                            size_t cap, size_t *n)
{
	/* tpm2-pkcs11 gives its HMAC keys CKK_SHA256_HMAC (issue 12). */
	enum err r;

	*n = 0;
	r = find_type(s, CKK_GENERIC_SECRET, out, cap, n);
	if (r == ERR_OK && *n < cap)
		r = find_type(s, CKK_SHA256_HMAC, out, cap, n);
	return r;
}
