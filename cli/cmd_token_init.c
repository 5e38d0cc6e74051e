/* SPDX-License-Identifier: MIT */
/* cmd_token_init.c - `p11seal token init --label L`: initialise a free
 * token (SO PIN, then the user PIN). Re-initialising a token in use needs
 * --force, since it destroys every key on it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "p11_init.h"
#include "p11_module.h"
#include "p11_session.h"
#include "p11_uri.h"
#include "secmem.h"

struct init_opts {
	const char *label;
	const char *so_pin_source;
	bool force;
};

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct init_opts, label), .arg = "L",
	  .help = "the token's new label, 1..32 bytes (required)" },
	CLI_SO_PIN_OPTS(struct init_opts, so_pin_source,
	                "prompt (asked twice)"),
	{ "force", CLI_FLAG(struct init_opts, force),
	  .help = "re-initialise a token in use, destroying every key on it; "
	          "default refused" },
	{ NULL },
};

/* Another initialised token already called label: a second one would
 * make every later pkcs11:token=LABEL ambiguous. */
static enum err label_taken(const struct p11_token_desc *d, size_t n,
                            const struct p11_token_desc *tok, const char *label)
{
	for (size_t i = 0; i < n; i++) {
		if (!(d[i].info.flags & CKF_TOKEN_INITIALIZED) ||
		    d[i].slot == tok->slot || strcmp(d[i].label, label) != 0)
			continue;
		return err_set(ERR_EXISTS,
		               "a token labelled '%s' already exists (slot "
		               "%lu, serial %s); pick another --label, or "
		               "select that token with --token and --force to "
		               "re-initialise it",
		               label, (unsigned long)d[i].slot, d[i].serial);
	}
	return ERR_OK;
}

/* The one token to initialise: matching --token, else the only free one. */
static enum err pick(struct p11_module *m, const struct p11_uri *uri,
                     const struct init_opts *o, struct p11_token_desc *out)
{
	struct p11_token_desc *d = NULL;
	size_t n = 0, hits = 0;
	enum err r;

	r = p11_token_list(m, &d, &n);
	for (size_t i = 0; r == ERR_OK && i < n; i++) {
		bool free_tok = !(d[i].info.flags & CKF_TOKEN_INITIALIZED);

		if (uri ? p11_uri_match_token(uri, &d[i].info) : free_tok) {
			*out = d[i];
			hits++;
		}
	}
	if (r == ERR_OK && hits == 1)
		r = label_taken(d, n, out, o->label);
	free(d);
	if (r != ERR_OK)
		return r;
	if (hits == 0)
		return err_set(ERR_NOT_FOUND, "no %s token to initialise",
		               uri ? "matching" : "free (uninitialised)");
	if (hits > 1)
		return err_set(ERR_USAGE,
		               "%zu tokens match; select one with "
		               "--token",
		               hits);
	if ((out->info.flags & CKF_TOKEN_INITIALIZED) && !o->force)
		return err_set(ERR_EXISTS,
		               "token '%s' is already initialised; "
		               "--force re-initialises it and DESTROYS every "
		               "key on it",
		               out->label);
	return ERR_OK;
}

/* Read a new PIN; from a prompt it is asked twice. */
static enum err new_pin(const char *src, const char *what, char **pin)
{
	char prompt[64], *again = NULL;
	enum err r;

	snprintf(prompt, sizeof(prompt), "New %s: ", what);
	r = cli_secret_read(src, prompt, what, pin);
	if (r != ERR_OK || (src && strcmp(src, "prompt") != 0))
		return r;
	snprintf(prompt, sizeof(prompt), "Repeat the %s: ", what);
	r = cli_secret_read(NULL, prompt, what, &again);
	if (r == ERR_OK && (strlen(again) != strlen(*pin) ||
	                    !secmem_equal(again, *pin, strlen(*pin))))
		r = err_set(ERR_USAGE, "the two %ss differ", what);
	secmem_free(again);
	if (r != ERR_OK) {
		secmem_free(*pin);
		*pin = NULL;
	}
	return r;
}

static enum err init(const struct cli *c, const struct init_opts *o)
{
	struct p11_session_opts so = cli_token_session_opts(CLI_TOKEN_RW);
	struct p11_module *m = NULL;
	struct p11_uri *uri = NULL;
	struct p11_token_desc tok;
	char *so_pin = NULL, *pin = NULL;
	enum err r;

	r = cli_token_uri(c, &uri);
	if (r != ERR_OK)
		goto out;
	r = cli_token_module(c, uri, &m);
	if (r != ERR_OK)
		goto out;
	r = pick(m, uri, o, &tok);
	if (r != ERR_OK)
		goto out;
	r = new_pin(o->so_pin_source, "SO PIN", &so_pin);
	if (r != ERR_OK)
		goto out;
	r = new_pin(c->pin_source, "user PIN", &pin);
	if (r != ERR_OK)
		goto out;
	r = p11_token_init(m, &tok, o->label, so_pin, pin, &so);
out:
	secmem_free(so_pin);
	secmem_free(pin);
	p11_module_free(m);
	p11_uri_free(uri);
	return r;
}

/* --json: the token's new label. */
static int print_init(const struct cli *c, const char *label)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "label", label);
	cJSON_AddBoolToObject(j, "initialized", true);
	return cli_print_json(j) == ERR_OK ? 0 : cli_fail(c, ERR_NOMEM);
}

int cmd_token_init(struct cli *c, int argc, char **argv)
{
	struct init_opts o = { 0 };
	enum err r;
	int rc;

	rc = cli_opts_parse(c, &(struct cli_opts){ .sets = { { opts, &o } } },
	                    argc, argv);
	if (rc >= 0)
		return rc;
	if (!o.label || !o.label[0] || strlen(o.label) > 32)
		return cli_usage(c, "--label of 1..32 bytes is required");
	r = init(c, &o);
	if (r != ERR_OK)
		return cli_fail(c, r);
	cli_info(c, "initialised token '%s'", o.label);
	if (c->json)
		return print_init(c, o.label);
	return 0;
}
