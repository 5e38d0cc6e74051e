/* SPDX-License-Identifier: MIT */
/* p11_ckr.h - CK_RV names and the person-readable translation of a failed
 * PKCS#11 call into an err class and detail. */
#ifndef P11SEAL_P11_CKR_H
#define P11SEAL_P11_CKR_H

#include <stdbool.h>

#include "err.h"
#include "p11.h"

/* "CKR_PIN_INCORRECT" or "CKR_0x........" for unknown values. */
const char *p11_ckr_name(CK_RV rv);

/* Record "op on what: explanation (CKR_NAME)" and return the matching
 * class (ERR_PIN for PIN errors, ERR_NOT_FOUND for a missing token, ...).
 * what may be NULL. */
enum err p11_fail(CK_RV rv, const char *op, const char *what);

/* True when rv says the module or its connection failed (device error,
 * session gone, not initialised, a vendor code) rather than
 * that the token refused or lacks what was asked (CKR_MECHANISM_INVALID,
 * CKR_FUNCTION_NOT_SUPPORTED, CKR_ATTRIBUTE_*, CKR_TEMPLATE_*, ...). A
 * capability trial stops on the first and reads the rest as "no". */
bool p11_ckr_module_failed(CK_RV rv);

#endif
