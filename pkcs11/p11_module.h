/* SPDX-License-Identifier: MIT */
/* p11_module.h - load a PKCS#11 module (a path, or p11-kit's proxy for
 * every registered module) and initialise it for multi-threaded use. */
#ifndef P11SEAL_P11_MODULE_H
#define P11SEAL_P11_MODULE_H

#include "err.h"
#include "p11.h"

struct p11_module;

/* Load path (NULL = p11-kit-proxy) and C_Initialize it with OS locking;
 * init_args (may be NULL) goes to pReserved (NSS softoken's configdir). */
enum err p11_module_load(struct p11_module **out, const char *path,
                         const char *init_args);

/* C_Finalize and unload; NULL is a no-op. */
void p11_module_free(struct p11_module *m);

/* Path or "p11-kit-proxy", for messages. */
const char *p11_module_name(const struct p11_module *m);

#endif
