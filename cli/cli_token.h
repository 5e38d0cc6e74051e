/* SPDX-License-Identifier: MIT */
/* cli_token.h - open the token the global options name: module from
 * --module (or the URI's module-path, or the p11-kit proxy), token from
 * --token, PIN from --pin-source, the URI's pin-source, or a prompt. */
#ifndef P11SEAL_CLI_TOKEN_H
#define P11SEAL_CLI_TOKEN_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "p11_session.h"

struct cli;
struct cli_opts;
struct p11_module;
struct p11_uri;

struct cli_token {
	struct p11_module *module;
	struct p11_session *session;
	struct p11_uri *uri; /* parsed --token, or NULL */
};

enum cli_token_flags {
	CLI_TOKEN_RW = 1,    /* read-write session */
	CLI_TOKEN_LOGIN = 2, /* log in as user when the token requires it */
};

/* Parse --token (refusing pin-value) into *out (NULL when not given). */
enum err cli_token_uri(const struct cli *c, struct p11_uri **out);

/* Load the module only (for commands that list tokens). */
enum err cli_token_module(const struct cli *c, const struct p11_uri *uri,
                          struct p11_module **out);

/* Session options for flags (CLI_TOKEN_RW), with the login policy from
 * the environment: P11SEAL_ALLOW_FINAL_PIN_TRY set lets a login spend
 * the token's last PIN try. */
struct p11_session_opts cli_token_session_opts(int flags);

/* Open session on the selected token per flags; t is zeroed first. */
enum err cli_token_open(const struct cli *c, int flags, struct cli_token *t);

/* Read the user PIN the way cli_token_open does (secmem string). */
enum err cli_token_read_pin(const struct cli *c, const struct p11_uri *uri,
                            const char *token_label, char **pin);

/* After key label was made: unless its metadata was stored, say that the
 * token keeps none (local keys work without it). */
void cli_token_meta_note(const struct cli *c, struct p11_session *s,
                         const char *label, bool stored);

/* Close session, finalize module, free URI; safe on a zeroed t. */
void cli_token_close(struct cli_token *t);

/* A command's work on the open token s (ctx: the command's own). */
typedef enum err (*cli_token_fn)(const struct cli *c, struct p11_session *s,
                                 void *ctx);

/* Open the selected token per flags, fn, close. Returns the exit code. */
int cli_token_run(const struct cli *c, int flags, cli_token_fn fn, void *ctx);

/* The whole of a command that only reads the token: parse argv by o
 * (NULL: no options, no arguments), then cli_token_run. */
int cli_token_main(struct cli *c, int argc, char **argv,
                   const struct cli_opts *o, int flags, cli_token_fn fn,
                   void *ctx);

#endif
