/* SPDX-License-Identifier: MIT */
/* p11_int.h - PRIVATE to pkcs11/: the raw function list and session
 * handle behind the token layer's objects. Only the .c files of pkcs11/
 * include this (tests may, to reach a token directly); every other layer
 * goes through the public headers' functions, so every PKCS#11 call gets
 * the return-value checks of p11_ckr.c and the hostile-module checks. */
#ifndef P11SEAL_P11_INT_H
#define P11SEAL_P11_INT_H

#include <stddef.h>

#include "err.h"
#include "p11.h"

struct p11_module;
struct p11_session;
struct p11_xts;

/* The module's function list (never NULL for a loaded module). */
CK_FUNCTION_LIST *p11_module_fn(const struct p11_module *m);

/* The session's module function list and PKCS#11 session handle. */
CK_FUNCTION_LIST *p11_session_fn(const struct p11_session *s);
CK_SESSION_HANDLE p11_session_handle(const struct p11_session *s);

/* XTS engine on a raw session sh (p11_xts_open is the public way).
 * tweak_key = CK_INVALID_HANDLE means data_key is a native XTS key
 * (CKM_AES_XTS). chunk = bytes per data call of the two-key path
 * (multiple of 512 up to 4 MiB; 0 = default; the native path always
 * makes one call per sector). One engine per thread/session; the session
 * must have no other operation active while the engine runs. */
enum err p11_xts_new(struct p11_xts **out, CK_FUNCTION_LIST *fn,
                     CK_SESSION_HANDLE sh, CK_OBJECT_HANDLE data_key,
                     CK_OBJECT_HANDLE tweak_key, size_t chunk);

#endif
