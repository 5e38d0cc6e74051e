/* SPDX-License-Identifier: MIT */
/* p11_mech.c - mechanism names as pkcs11-tool prints them. */
#include "p11_mech.h"

#include <stdio.h>

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
