/* SPDX-License-Identifier: MIT */
/* p11_mech.h - names of PKCS#11 mechanisms for people and JSON. */
#ifndef P11SEAL_P11_MECH_H
#define P11SEAL_P11_MECH_H

#include "p11.h"

/* "AES-ECB", "RSA-PKCS-OAEP", ... or "0x0000xxxx" for unknown ones
 * (thread-local buffer). */
const char *p11_mech_name(CK_MECHANISM_TYPE m);

#endif
