/* SPDX-License-Identifier: MIT */
/* p11.h - PKCS#11 headers for the whole token layer: p11-kit's pkcs11.h
 * plus the 3.0 identifiers Debian 12's p11-kit 0.24 lacks. */
#ifndef P11SEAL_P11_H
#define P11SEAL_P11_H

#include <stdint.h>

#include <p11-kit/pkcs11.h>

#ifndef CKM_AES_XTS
#define CKM_AES_XTS 0x00001071UL
#endif
#ifndef CKM_AES_XTS_KEY_GEN
#define CKM_AES_XTS_KEY_GEN 0x00001072UL
#endif
#ifndef CKM_AES_KEY_WRAP_KWP
#define CKM_AES_KEY_WRAP_KWP 0x0000210BUL
#endif
#ifndef CKM_AES_KEY_WRAP_PAD
#define CKM_AES_KEY_WRAP_PAD 0x0000210AUL
#endif
#ifndef CKK_AES_XTS
#define CKK_AES_XTS 0x00000035UL
#endif
#ifndef CKR_ACTION_PROHIBITED
#define CKR_ACTION_PROHIBITED 0x0000001BUL
#endif

/* PKCS#11 takes non-const pointers for inputs it only reads; this is the
 * one documented place that drops const for it. */
static inline void *p11_unconst(const void *p)
{
	return (void *)(uintptr_t)p;
}

#endif
