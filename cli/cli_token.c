/* SPDX-License-Identifier: MIT */
/* cli_token.c - the one path from global options to a logged-in session;
 * the PIN lives in secure memory and is wiped right after C_Login. */
#include "cli_token.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"
#include "p11_module.h"
#include "p11_session.h"
#include "p11_uri.h"
#include "secmem.h"

enum err cli_token_uri(const struct cli *c, struct p11_uri **out)
{
	enum err r;

	*out = NULL;
	if (!c->token_uri)
		return ERR_OK;
	r = p11_uri_parse(c->token_uri, out);
	if (r != ERR_OK)
		return err_wrap(ERR_USAGE, "--token");
	return ERR_OK;
}

/* SoftHSM fails C_Initialize with a bare CKR_GENERAL_ERROR when its
 * configuration file is missing: name the file instead of the code's
 * usual causes. */
static enum err softhsm_conf_missing(enum err r)
{
	const char *conf = getenv("SOFTHSM2_CONF");

	if (r == ERR_OK || !conf || access(conf, R_OK) == 0)
		return r;
	return err_set(ERR_NOT_FOUND,
	               "SOFTHSM2_CONF names %s, which cannot be read (%s); "
	               "the module could not start without it",
	               conf, strerror(errno));
}

enum err cli_token_module(const struct cli *c, const struct p11_uri *uri,
                          struct p11_module **out)
{
	const char *path = c->module;

	if (!path && uri && uri->module_path)
		path = uri->module_path;
	return softhsm_conf_missing(
	        p11_module_load(out, path, c->module_init_args));
}

enum err cli_token_read_pin(const struct cli *c, const struct p11_uri *uri,
                            const char *token_label, char **pin)
{
	char prompt[96];
	const char *src = c->pin_source;

	if (!src && uri && uri->pin_source)
		src = uri->pin_source;
	snprintf(prompt, sizeof(prompt), "PIN for token '%s': ", token_label);
	return cli_secret_read(src, prompt, "PIN", pin);
}

static enum err login(const struct cli *c, struct cli_token *t)
{
	const char *label = p11_session_token(t->session)->label;
	char *pin = NULL;
	enum err r;

	r = cli_token_read_pin(c, t->uri, label, &pin);
	if (r == ERR_OK)
		r = p11_session_login(t->session, pin, strlen(pin), false);
	secmem_free(pin);
	return r;
}

struct p11_session_opts cli_token_session_opts(int flags)
{
	struct p11_session_opts o = { .rw = (flags & CLI_TOKEN_RW) != 0 };

	/* The one knob for spending a token's last PIN try: set on purpose,
	 * never by a default. */
	o.allow_final_pin_try = getenv("P11SEAL_ALLOW_FINAL_PIN_TRY") != NULL;
	return o;
}

enum err cli_token_open(const struct cli *c, int flags, struct cli_token *t)
{
	struct p11_session_opts o = cli_token_session_opts(flags);
	enum err r;

	memset(t, 0, sizeof(*t));
	r = cli_token_uri(c, &t->uri);
	if (r == ERR_OK)
		r = cli_token_module(c, t->uri, &t->module);
	if (r == ERR_OK)
		r = p11_session_open(&t->session, t->module, t->uri, &o);
	if (r == ERR_OK && (flags & CLI_TOKEN_LOGIN) &&
	    p11_session_login_required(t->session))
		r = login(c, t);
	if (r != ERR_OK)
		cli_token_close(t);
	return r;
}

void cli_token_close(struct cli_token *t)
{
	p11_session_close(t->session);
	p11_module_free(t->module);
	p11_uri_free(t->uri);
	memset(t, 0, sizeof(*t));
}

int cli_token_run(const struct cli *c, int flags, cli_token_fn fn, void *ctx)
{
	struct cli_token t;
	enum err r;

	r = cli_token_open(c, flags, &t);
	if (r == ERR_OK)
		r = fn(c, t.session, ctx);
	cli_token_close(&t);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}

int cli_token_main(struct cli *c, int argc, char **argv,
                   const struct cli_opts *o, int flags, cli_token_fn fn,
                   void *ctx)
{
	static const struct cli_opts none;
	int rc = cli_opts_parse(c, o ? o : &none, argc, argv);

	return rc >= 0 ? rc : cli_token_run(c, flags, fn, ctx);
}

void cli_token_meta_note(const struct cli *c, struct p11_session *s,
                         const char *label, bool stored)
{
	if (!stored)
		cli_info(c,
		         "note: token '%s' cannot store data objects, so "
		         "p11seal keeps no metadata beside '%s'; its kind will "
		         "be inferred from its attributes",
		         p11_session_token(s)->label, label);
}
