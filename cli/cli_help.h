/* SPDX-License-Identifier: MIT */
/* cli_help.h - every help text, the man page and the bash completion
 * printed from the option tables the parser reads (cli_opts.h) and the
 * command table (commands.c), so no document can name an option the
 * parser does not take. A command's help is printed by the command
 * itself, run with --help: `p11seal help CMD`, `p11seal help --man` and
 * `p11seal help --completion bash` run each command that way with
 * c->help_fmt saying what to print. */
#ifndef P11SEAL_CLI_HELP_H
#define P11SEAL_CLI_HELP_H

#include <stdio.h>

#include "cli.h"
#include "cli_opts.h"

/* The global options, parsed before the command (main.c) and again
 * among the command's own options (cli_opts_parse), filling struct cli. */
extern const struct cli_opt cli_global_opts[];
/* --help and --version: before the command only. */
extern const struct cli_opt cli_global_only_opts[];

/* One exit code and what it means; the list ends with a NULL meaning. */
struct cli_exit_doc {
	int code;
	const char *meaning;
};
extern const struct cli_exit_doc cli_exit_docs[];

/* The current command's help (c->cmd, c->kind) from its tables o, in
 * c->help_fmt: text on stdout, a man page section, or a completion
 * line. o may be NULL: no options. */
void cli_help_command(const struct cli *c, const struct cli_opts *o);

/* Text: "  --name ARG" and its help wrapped to 80 columns, for each
 * entry of table t. */
void cli_help_table(FILE *f, const struct cli_opt *t);

/* Man page: a .TP paragraph per entry of t. */
void cli_help_man_table(FILE *f, const struct cli_opt *t);

/* Man page text: s with roff's special characters escaped. */
void cli_help_man_text(FILE *f, const char *s);

/* `p11seal help`: the global options, exit codes and every command
 * with its summary, grouped. */
void cli_help_commands(FILE *f);

/* "  GROUP NAME   summary" for each command of group g ("" for the top
 * level). */
void cli_help_group(FILE *f, const char *g);

/* Completion: " --name" or " --name=ARG" per entry of t. */
void cli_help_words(FILE *f, const struct cli_opt *t);

#endif
