/* SPDX-License-Identifier: MIT */
/* cli_opts.h - the one way a command takes its options: a table per
 * command (long name, kind, where the value goes, the value's name, what
 * it means with its default), read over getopt_long by cli_opts_parse,
 * which also answers --help (cli_help.h), refuses unknown options,
 * missing and bad values, missing required options and a wrong count of
 * positional arguments, with cli_usage's messages and exit code 2. The
 * global options (cli_global_opts) are taken among every command's own. */
#ifndef P11SEAL_CLI_OPTS_H
#define P11SEAL_CLI_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

struct cli;

enum cli_opt_kind {
	CLI_OPT_FLAG,   /* bool, set true */
	CLI_OPT_SET,    /* int, set to min (--root and --standard: 0, 1) */
	CLI_OPT_STR,    /* const char *, the value as given */
	CLI_OPT_ULONG,  /* unsigned long in min..max, a multiple of step */
	CLI_OPT_LIST,   /* repeatable: const char *[max], count in a size_t */
	CLI_OPT_SECRET, /* refused: a secret on argv shows in ps and history */
};

struct cli_opt {
	const char *name; /* long name without "--"; NULL ends a table */
	enum cli_opt_kind kind;
	size_t off;       /* of the field in the struct the table fills */
	size_t count_off; /* CLI_OPT_LIST: of its size_t count */
	unsigned long min, max, step;
	char letter;      /* also -letter, or 0 */
	const char *arg;  /* the value's name ("LABEL"); SECRET: "SO PIN" */
	const char *help; /* one line: what it means, and its default */
	const char *bad;  /* usage message for any bad value, or NULL */
	bool required;    /* STR: must be given, not empty */
};

/* offsetof(type, field), refused at compile time unless the field has
 * type t: the parser writes a t there. */
#define CLI_OPT_AT(type, field, t) \
	_Generic(((type *)0)->field, t : offsetof(type, field))

/* The kind and place of an entry: { "name", CLI_STR(struct x, f), ... } */
#define CLI_FLAG(type, field) \
	.kind = CLI_OPT_FLAG, .off = CLI_OPT_AT(type, field, bool)
#define CLI_SET(type, field, v) \
	.kind = CLI_OPT_SET, .off = CLI_OPT_AT(type, field, int), .min = (v)
#define CLI_STR(type, field) \
	.kind = CLI_OPT_STR, .off = CLI_OPT_AT(type, field, const char *)
#define CLI_ULONG(type, field, lo, hi)                                        \
	.kind = CLI_OPT_ULONG, .off = CLI_OPT_AT(type, field, unsigned long), \
	.min = (lo), .max = (hi)
#define CLI_LIST(type, field, count, cap)                                    \
	.kind = CLI_OPT_LIST, .off = CLI_OPT_AT(type, field, const char **), \
	.count_off = CLI_OPT_AT(type, count, size_t), .max = (cap)
#define CLI_SECRET(what) .kind = CLI_OPT_SECRET, .arg = (what)

/* The two entries of every command that takes the SO PIN: where it is
 * read (into field), and the refusal of the PIN itself on argv; what the
 * default is (a prompt) said by dflt. */
#define CLI_SO_PIN_OPTS(type, field, dflt)                                 \
	{ "so-pin-source", CLI_STR(type, field), .arg = "SRC",             \
	  .help = "where the SO PIN is read: file:PATH, env:VAR, fd:N or " \
		  "prompt; default " dflt },                               \
	{                                                                  \
		"so-pin", CLI_SECRET("SO PIN"),                            \
		        .help = "refused: an SO PIN on the command line "  \
		                "shows in "                                \
		                "ps and shell history"                     \
	}

#define CLI_OPTS_SETS 5
#define CLI_OPTS_ARGS 2

/* One table and the struct its offsets point into. */
struct cli_opt_set {
	const struct cli_opt *opts;
	void *base;
};

/* A command's command line. */
struct cli_opts {
	struct cli_opt_set sets[CLI_OPTS_SETS]; /* unused ones zero */
	/* Positional arguments, in order; the first min_args are required. */
	const char **args[CLI_OPTS_ARGS];
	int min_args;
	const char *args_usage; /* when their count is wrong; NULL: "unexpected
	                           argument 'X'" for one too many */
	bool rest;              /* positional arguments left to the caller
	                           at argv[optind..], not counted */
	bool in_order;          /* options end at the first argument (the
	                           global options before the command): no
	                           --help scan, no global options added */
	const char *required_usage; /* when a .required option is missing;
	                               NULL: "--NAME ARG is required" */
};

/* Parse argv (argv[0]: the command or kind) by o. Returns -1 to go on,
 * else the exit code: 0 after --help (usage printed), 2 after a usage
 * error (message printed). */
int cli_opts_parse(struct cli *c, const struct cli_opts *o, int argc,
                   char **argv);

#endif
