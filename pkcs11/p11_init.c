/* SPDX-License-Identifier: MIT */
/* p11_init.c - token initialisation, SO PIN first and user PIN second, as
 * PKCS#11 orders it: C_InitToken leaves a token with no user PIN, which
 * only a logged-in SO can set (C_InitPIN). */
#include "p11_init.h"

#include <string.h>

#include "p11_ckr.h"
#include "p11_int.h"
#include "p11_module.h"
#include "p11_uri.h"

#define TOKEN_LABEL_LEN 32

/* After C_InitToken the slot may be renumbered: find it by label. */
static enum err set_user_pin(struct p11_module *m, const char *label,
                             const char *so_pin, const char *pin,
                             const struct p11_session_opts *o)
{
	struct p11_uri filter = { .token = p11_unconst(label) };
	struct p11_session_opts rw = *o;
	struct p11_session *s = NULL;
	enum err r;
	CK_RV rv;

	rw.rw = true;
	r = p11_session_open(&s, m, &filter, &rw);
	if (r != ERR_OK)
		goto out;
	r = p11_session_login(s, so_pin, strlen(so_pin), true);
	if (r != ERR_OK)
		goto out;
	rv = p11_session_fn(s)->C_InitPIN(p11_session_handle(s),
	                                  (CK_UTF8CHAR *)p11_unconst(pin),
	                                  strlen(pin));
	if (rv != CKR_OK)
		r = p11_fail(rv, "C_InitPIN on token", label);
	/* Result ignored: closing the last session ends the SO login too,
	 * and a failure here must not hide C_InitPIN's. */
	p11_session_fn(s)->C_Logout(p11_session_handle(s));
out:
	p11_session_close(s);
	return r;
}

enum err p11_token_init(struct p11_module *m, const struct p11_token_desc *tok,
                        const char *label, const char *so_pin,
                        const char *user_pin, const struct p11_session_opts *o)
{
	static const struct p11_session_opts none = { .rw = true };
	CK_UTF8CHAR padded[TOKEN_LABEL_LEN];
	size_t len = label ? strlen(label) : 0;
	CK_RV rv;

	if (len == 0 || len > TOKEN_LABEL_LEN)
		return err_set(ERR_USAGE, "token label must be 1..%d bytes",
		               TOKEN_LABEL_LEN);
	if (!so_pin || !user_pin)
		return err_set(ERR_USAGE, "p11_token_init: no PIN");
	/* The label field is blank-padded, not NUL-terminated. */
	memset(padded, ' ', sizeof(padded));
	memcpy(padded, label, len);
	rv = p11_module_fn(m)->C_InitToken(tok->slot,
	                                   (CK_UTF8CHAR *)p11_unconst(so_pin),
	                                   strlen(so_pin), padded);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_InitToken", label);
	return set_user_pin(m, label, so_pin, user_pin, o ? o : &none);
}
