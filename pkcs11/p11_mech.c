/* SPDX-License-Identifier: MIT */
/* p11_mech.c - what a token says it offers (mechanism list and flags,
 * checked as any other answer of a module), with names as pkcs11-tool
 * prints them. */
#include "p11_mech.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "p11_ckr.h"
#include "p11_int.h"
#include "p11_session.h"

/* More than any token has; a larger count is a module gone wrong. */
#define MECHS_MAX 4096

static const struct {
	CK_MECHANISM_TYPE m;
	const char *name;
} names[] = {
	{ CKM_RSA_PKCS_KEY_PAIR_GEN, "RSA-PKCS-KEY-PAIR-GEN" },
	{ CKM_RSA_PKCS, "RSA-PKCS" },
	{ CKM_RSA_X_509, "RSA-X-509" },
	{ CKM_RSA_PKCS_OAEP, "RSA-PKCS-OAEP" },
	{ CKM_RSA_PKCS_PSS, "RSA-PKCS-PSS" },
	{ CKM_SHA256_RSA_PKCS, "SHA256-RSA-PKCS" },
	{ CKM_SHA_1, "SHA-1" },
	{ CKM_SHA256, "SHA256" },
	{ CKM_SHA384, "SHA384" },
	{ CKM_SHA512, "SHA512" },
	{ CKM_SHA256_HMAC, "SHA256-HMAC" },
	{ CKM_GENERIC_SECRET_KEY_GEN, "GENERIC-SECRET-KEY-GEN" },
	{ CKM_AES_KEY_GEN, "AES-KEY-GEN" },
	{ CKM_AES_ECB, "AES-ECB" },
	{ CKM_AES_CBC, "AES-CBC" },
	{ CKM_AES_CBC_PAD, "AES-CBC-PAD" },
	{ CKM_AES_CTR, "AES-CTR" },
	{ CKM_AES_GCM, "AES-GCM" },
	{ CKM_AES_CMAC, "AES-CMAC" },
	{ CKM_AES_XTS, "AES-XTS" },
	{ CKM_AES_XTS_KEY_GEN, "AES-XTS-KEY-GEN" },
	{ CKM_AES_KEY_WRAP, "AES-KEY-WRAP" },
	{ CKM_AES_KEY_WRAP_PAD, "AES-KEY-WRAP-PAD" },
	{ CKM_AES_KEY_WRAP_KWP, "AES-KEY-WRAP-KWP" },
	{ CKM_EC_KEY_PAIR_GEN, "ECDSA-KEY-PAIR-GEN" },
	{ CKM_ECDSA, "ECDSA" },
	/* what SoftHSM and NSS list beyond p11seal's needs, named as
	 * pkcs11-tool -M names them (t-newcomer.sh compares) */
	{ CKM_AES_CBC_ENCRYPT_DATA, "AES-CBC-ENCRYPT-DATA" },
	{ CKM_AES_ECB_ENCRYPT_DATA, "AES-ECB-ENCRYPT-DATA" },
	{ CKM_DES2_KEY_GEN, "DES2-KEY-GEN" },
	{ CKM_DES3_CBC, "DES3-CBC" },
	{ CKM_DES3_CBC_ENCRYPT_DATA, "DES3-CBC-ENCRYPT-DATA" },
	{ CKM_DES3_CBC_PAD, "DES3-CBC-PAD" },
	{ CKM_DES3_CMAC, "DES3-CMAC" },
	{ CKM_DES3_ECB, "DES3-ECB" },
	{ CKM_DES3_ECB_ENCRYPT_DATA, "DES3-ECB-ENCRYPT-DATA" },
	{ CKM_DES3_KEY_GEN, "DES3-KEY-GEN" },
	{ CKM_DES_CBC, "DES-CBC" },
	{ CKM_DES_CBC_ENCRYPT_DATA, "DES-CBC-ENCRYPT-DATA" },
	{ CKM_DES_CBC_PAD, "DES-CBC-PAD" },
	{ CKM_DES_ECB, "DES-ECB" },
	{ CKM_DES_ECB_ENCRYPT_DATA, "DES-ECB-ENCRYPT-DATA" },
	{ CKM_DES_KEY_GEN, "DES-KEY-GEN" },
	{ CKM_DH_PKCS_DERIVE, "DH-PKCS-DERIVE" },
	{ CKM_DH_PKCS_KEY_PAIR_GEN, "DH-PKCS-KEY-PAIR-GEN" },
	{ CKM_DH_PKCS_PARAMETER_GEN, "DH-PKCS-PARAMETER-GEN" },
	{ CKM_DSA, "DSA" },
	{ CKM_DSA_KEY_PAIR_GEN, "DSA-KEY-PAIR-GEN" },
	{ CKM_DSA_PARAMETER_GEN, "DSA-PARAMETER-GEN" },
	{ CKM_DSA_SHA1, "DSA-SHA1" },
	{ CKM_DSA_SHA224, "DSA-SHA224" },
	{ CKM_DSA_SHA256, "DSA-SHA256" },
	{ CKM_DSA_SHA384, "DSA-SHA384" },
	{ CKM_DSA_SHA512, "DSA-SHA512" },
	{ CKM_ECDH1_DERIVE, "ECDH1-DERIVE" },
	{ CKM_EC_EDWARDS_KEY_PAIR_GEN, "EC-EDWARDS-KEY-PAIR-GEN" },
	{ CKM_EDDSA, "EDDSA" },
	{ CKM_MD5, "MD5" },
	{ CKM_MD5_HMAC, "MD5-HMAC" },
	{ CKM_MD5_RSA_PKCS, "MD5-RSA-PKCS" },
	{ CKM_SHA1_RSA_PKCS, "SHA1-RSA-PKCS" },
	{ CKM_SHA1_RSA_PKCS_PSS, "SHA1-RSA-PKCS-PSS" },
	{ CKM_SHA224, "SHA224" },
	{ CKM_SHA224_HMAC, "SHA224-HMAC" },
	{ CKM_SHA224_RSA_PKCS, "SHA224-RSA-PKCS" },
	{ CKM_SHA224_RSA_PKCS_PSS, "SHA224-RSA-PKCS-PSS" },
	{ CKM_SHA256_RSA_PKCS_PSS, "SHA256-RSA-PKCS-PSS" },
	{ CKM_SHA384_HMAC, "SHA384-HMAC" },
	{ CKM_SHA384_RSA_PKCS, "SHA384-RSA-PKCS" },
	{ CKM_SHA384_RSA_PKCS_PSS, "SHA384-RSA-PKCS-PSS" },
	{ CKM_SHA512_HMAC, "SHA512-HMAC" },
	{ CKM_SHA512_RSA_PKCS, "SHA512-RSA-PKCS" },
	{ CKM_SHA512_RSA_PKCS_PSS, "SHA512-RSA-PKCS-PSS" },
	{ CKM_SHA_1_HMAC, "SHA-1-HMAC" },
	{ CKM_ECDSA_SHA1, "ECDSA-SHA1" },
	{ CKM_ECDSA_SHA224, "ECDSA-SHA224" },
	{ CKM_ECDSA_SHA256, "ECDSA-SHA256" },
	{ CKM_ECDSA_SHA384, "ECDSA-SHA384" },
	{ CKM_ECDSA_SHA512, "ECDSA-SHA512" },
	{ CKM_RSA_PKCS_OAEP_TPM_1_1, "RSA-PKCS-OAEP-TPM-1-1" },
};

const char *p11_mech_name(CK_MECHANISM_TYPE m)
{
	static _Thread_local char buf[24];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].m == m)
			return names[i].name;
	snprintf(buf, sizeof(buf), "0x%08lx", (unsigned long)m);
	return buf;
}

enum err p11_mech_list(struct p11_session *s, CK_MECHANISM_TYPE **out,
                       size_t *n)
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SLOT_ID slot = p11_session_token(s)->slot;
	CK_MECHANISM_TYPE *list = NULL;
	CK_ULONG count = 0, got;
	CK_RV rv;

	*out = NULL;
	*n = 0;
	rv = fn->C_GetMechanismList(slot, NULL, &count);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_GetMechanismList", NULL);
	if (count > MECHS_MAX)
		return err_set(ERR_FORMAT, "token lists %lu mechanisms",
		               (unsigned long)count);
	list = calloc(count + 1, sizeof(*list));
	if (!list)
		return err_set(ERR_NOMEM, "mechanism list");
	got = count;
	rv = fn->C_GetMechanismList(slot, list, &got);
	if (rv != CKR_OK || got > count) {
		free(list);
		return p11_fail(rv != CKR_OK ? rv : CKR_GENERAL_ERROR,
		                "C_GetMechanismList", NULL);
	}
	*out = list;
	*n = got;
	return ERR_OK;
}

/* C_GetMechanismInfo into *out, zeroed first and on failure: a module
 * may answer CKR_OK and write nothing. */
static CK_RV info_rv(struct p11_session *s, CK_MECHANISM_TYPE m,
                     CK_MECHANISM_INFO *out)
{
	CK_RV rv;

	memset(out, 0, sizeof(*out));
	rv = p11_session_fn(s)->C_GetMechanismInfo(p11_session_token(s)->slot,
	                                           m, out);
	if (rv != CKR_OK)
		memset(out, 0, sizeof(*out));
	return rv;
}

enum err p11_mech_info(struct p11_session *s, CK_MECHANISM_TYPE m,
                       CK_MECHANISM_INFO *out)
{
	CK_RV rv = info_rv(s, m, out);

	if (rv != CKR_OK)
		return p11_fail(rv, "C_GetMechanismInfo", p11_mech_name(m));
	return ERR_OK;
}

enum err p11_mech_offers(struct p11_session *s, CK_MECHANISM_TYPE m,
                         CK_MECHANISM_INFO *out, bool *offered)
{
	CK_RV rv = info_rv(s, m, out);

	*offered = rv == CKR_OK;
	if (rv != CKR_OK && p11_ckr_module_failed(rv))
		return p11_fail(rv, "C_GetMechanismInfo", p11_mech_name(m));
	return ERR_OK;
}
