/* SPDX-License-Identifier: MIT */
/* p11_mech.h - the mechanisms a token offers, and their names for people
 * and JSON. */
#ifndef P11SEAL_P11_MECH_H
#define P11SEAL_P11_MECH_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "p11.h"

struct p11_session;

/* "AES-ECB", "RSA-PKCS-OAEP", ... or "0x0000xxxx" for unknown ones
 * (thread-local buffer). */
const char *p11_mech_name(CK_MECHANISM_TYPE m);

/* The mechanisms of the session's token (C_GetMechanismList); *out is
 * malloc'd (free()), *n entries. ERR_FORMAT for an absurd count. */
enum err p11_mech_list(struct p11_session *s, CK_MECHANISM_TYPE **out,
                       size_t *n);

/* C_GetMechanismInfo of m on the session's token into *out, which is
 * zeroed first: a module may answer CKR_OK and write nothing. */
enum err p11_mech_info(struct p11_session *s, CK_MECHANISM_TYPE m,
                       CK_MECHANISM_INFO *out);

/* As p11_mech_info, but a mechanism the token does not offer is no
 * error: *offered is false and *out zeroed. Fails only when the module
 * or its connection does (p11_ckr_module_failed). */
enum err p11_mech_offers(struct p11_session *s, CK_MECHANISM_TYPE m,
                         CK_MECHANISM_INFO *out, bool *offered);

#endif
