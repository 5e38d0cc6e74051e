/* SPDX-License-Identifier: MIT */
/* p11_module.c - dlopen a PKCS#11 module (or p11-kit's proxy, which shows
 * every module registered with p11-kit) and C_Initialize it with OS
 * locking so worker threads may each use a session. */
#include "p11_module.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "p11_ckr.h"
#include "p11_int.h"

#ifndef P11KIT_PROXY_PATH
#define P11KIT_PROXY_PATH "p11-kit-proxy.so"
#endif

struct p11_module {
	void *dl;
	CK_FUNCTION_LIST *fn;
	char *name;
	char *init_args; /* must outlive C_Initialize for some modules */
	bool initialized;
};

static enum err load_function_list(struct p11_module *m)
{
	CK_C_GetFunctionList get;
	CK_RV rv;

	*(void **)(&get) = dlsym(m->dl, "C_GetFunctionList");
	if (!get)
		return err_set(ERR_FORMAT,
		               "module %s has no C_GetFunctionList: "
		               "not a PKCS#11 module",
		               m->name);
	rv = get(&m->fn);
	if (rv != CKR_OK || !m->fn)
		return p11_fail(rv != CKR_OK ? rv : CKR_GENERAL_ERROR,
		                "C_GetFunctionList of", m->name);
	if (m->fn->version.major < 2 || m->fn->version.minor > 99)
		return err_set(ERR_FORMAT, "module %s reports Cryptoki %u.%u",
		               m->name, m->fn->version.major,
		               m->fn->version.minor);
	return ERR_OK;
}

static enum err initialize(struct p11_module *m)
{
	CK_C_INITIALIZE_ARGS args;
	CK_RV rv;

	memset(&args, 0, sizeof(args));
	args.flags = CKF_OS_LOCKING_OK;
	/* NSS softoken needs its config string; an empty one crashes it. */
	if (m->init_args && m->init_args[0])
		args.pReserved = m->init_args;
	rv = m->fn->C_Initialize(&args);
	if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED)
		rv = CKR_OK;
	if (rv != CKR_OK)
		return p11_fail(rv, "C_Initialize of", m->name);
	m->initialized = true;
	return ERR_OK;
}

enum err p11_module_load(struct p11_module **out, const char *path,
                         const char *init_args)
{
	struct p11_module *m;
	enum err r;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return err_set(ERR_NOMEM, "module");
	m->name = strdup(path ? path : P11KIT_PROXY_PATH);
	m->init_args = init_args ? strdup(init_args) : NULL;
	if (!m->name || (init_args && !m->init_args)) {
		r = err_set(ERR_NOMEM, "module");
		goto out;
	}
	m->dl = dlopen(m->name, RTLD_NOW | RTLD_LOCAL);
	if (!m->dl) {
		const char *why = dlerror();

		r = err_set(ERR_NOT_FOUND, "cannot load PKCS#11 module %s: %s",
		            m->name, why ? why : "unknown error");
		goto out;
	}
	r = load_function_list(m);
	if (r == ERR_OK)
		r = initialize(m);
out:
	if (r != ERR_OK)
		p11_module_free(m);
	else
		*out = m;
	return r;
}

void p11_module_free(struct p11_module *m)
{
	if (!m)
		return;
	if (m->initialized)
		m->fn->C_Finalize(NULL);
	/* Modules register atexit handlers and threads; unloading them
	 * (dlclose) before exit is a known source of crashes, so keep the
	 * library mapped for the life of the process. */
	free(m->name);
	free(m->init_args);
	free(m);
}

CK_FUNCTION_LIST *p11_module_fn(const struct p11_module *m)
{
	return m->fn;
}

const char *p11_module_name(const struct p11_module *m)
{
	return m->name;
}
