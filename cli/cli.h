/* SPDX-License-Identifier: MIT */
/* cli.h - what every subcommand shares: global options, secret input,
 * output helpers and the one place that turns an error into an exit code. */
#ifndef P11SEAL_CLI_H
#define P11SEAL_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "err.h"

/* Exit codes (documented in README and `p11seal help`). */
enum cli_exit {
	EXIT_OK_ = 0,
	EXIT_FAIL = 1,     /* operation failed: token, I/O, crypto */
	EXIT_USAGE = 2,    /* bad command line */
	EXIT_AUTH = 3,     /* wrong/locked PIN, API key refused */
	EXIT_NOTFOUND = 4, /* token, key, object or file not found */
	EXIT_BADINPUT = 5, /* malformed input file or response */
	EXIT_VERIFY = 6,   /* keyhash, MAC, chain or manifest mismatch */
	EXIT_REFUSED = 7,  /* refused: exists, unsafe, unsupported */
	EXIT_REMOTE = 8,   /* network or Key Protect error */
};

/* What a command run with --help prints (cli_help.h). */
enum cli_help_fmt {
	CLI_HELP_TEXT,  /* the help text on stdout */
	CLI_HELP_MAN,   /* its section of the man page */
	CLI_HELP_WORDS, /* "CMD<TAB> --opt --opt=ARG" for the completion */
};

struct cli_subcommand;

struct cli {
	const char *prog;
	const char *cmd;                   /* "key create", for messages */
	const struct cli_subcommand *kind; /* the kind's row, or NULL */
	const char *module;           /* --module PATH; NULL = p11-kit proxy */
	const char *module_init_args; /* --module-init-args STR */
	const char *token_uri;        /* --token URI */
	const char *pin_source;       /* --pin-source SRC */
	const char *audit_log;        /* --audit-log FILE */
	const char *cacert;           /* --cacert FILE of a kp command, else
	                                 P11SEAL_CACERT or SSL_CERT_FILE */
	bool json;                    /* --json */
	int verbosity;                /* -q: -1, default 0, -v: 1 */
	bool quiet, verbose;          /* -q, -v as given: verbosity */
	bool no_syslog;               /* --no-syslog */
	bool help, version;           /* --help, --version (main only) */
	enum cli_help_fmt help_fmt;
};

/* After global options were parsed: -q/-v into verbosity, --no-syslog
 * into the environment the audit code reads. */
void cli_apply_globals(struct cli *c);

/* One kind a verb acts on, named by the verb's first argument (`key
 * create root`). A row with a flag is taken when that option is on the
 * command line (`key create dek --kp-root ID`), before the kind's row
 * without one. run gets argv from the kind on (argv[0] = "root"). */
struct cli_subcommand {
	const char *kind;
	const char *flag; /* "--kp-root", or NULL */
	int (*run)(struct cli *c, int argc, char **argv);
	const char *summary;
	const char *usage; /* after "p11seal GROUP NAME", the kind first */
};

struct cli_command {
	const char *group; /* "token", "key", ... or NULL for top level */
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv); /* NULL: kinds */
	const char *summary;
	const char *usage; /* option synopsis after "p11seal GROUP NAME" */
};

/* The kinds of a verb whose row in cli_commands has no run function. */
struct cli_verb_kinds {
	const char *group;
	const char *name;
	const struct cli_subcommand *kinds; /* ends with a NULL kind */
};

extern const struct cli_command cli_commands[];
extern const size_t cli_n_commands;
extern const struct cli_verb_kinds cli_verb_kinds[]; /* ends with NULL */

/* The kinds of command k (`key create`), or NULL. */
const struct cli_subcommand *cli_command_kinds(const struct cli_command *k);

/* True if kind row s repeats an earlier row of its list (same kind,
 * same function: `key import dek --unwrap-with`), so help shows it once. */
bool cli_kind_repeats(const struct cli_subcommand *kinds,
                      const struct cli_subcommand *s);

/* Run command k on argv (argv[0] = its name): k->run, or the row of
 * k->kinds that argv[1] and the options choose. */
int cli_command_run(struct cli *c, const struct cli_command *k, int argc,
                    char **argv);

/* Print "prog: cmd: detail" on stderr and return the exit code for r. */
int cli_fail(const struct cli *c, enum err r);

/* Exit code for an error class. */
int cli_exit_code(enum err r);

/* Usage error: print the message and the command's usage; returns 2. */
int cli_usage(const struct cli *c, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Informational line on stderr unless -q (never carries secrets). */
void cli_info(const struct cli *c, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Read a secret from SRC ("file:PATH", "env:VAR", "fd:N", or NULL/"prompt"
 * for a no-echo terminal prompt showing prompt). *out is a NUL-terminated
 * secmem string (free with secmem_free), trailing newline removed.
 * what names the secret in errors ("PIN", "API key"). */
enum err cli_secret_read(const char *src, const char *prompt, const char *what,
                         char **out);

/* ERR_USAGE naming the safe ways to pass the secret if argv carries one. */
enum err cli_refuse_argv_secret(const char *flag, const char *what);

/* Parse a decimal size/count argument: ERR_USAGE if not a whole number
 * within [min, max]. */
enum err cli_parse_ulong(const char *s, const char *what, unsigned long min,
                         unsigned long max, unsigned long *out);

/* Whole milliseconds (1..600000) from a test-tuning variable such as
 * P11SEAL_KP_RETRY_BASE_MS, or 0 (the default) when unset or bad. */
long cli_env_ms(const char *name);

/* True if argv (before any "--") holds --help or -h. */
bool cli_asks_help(int argc, char **argv);

/* cli_asks_help, with the help printed when true (the command then
 * returns 0): for a verb run without its kind, which has no options of
 * its own. Commands get this from cli_opts_parse. */
bool cli_wants_help(const struct cli *c, int argc, char **argv);

/* Print j (one JSON document) on stdout and free it; ERR_NOMEM if NULL.
 * An object gets "template_warnings" when this run made keys without
 * optional attributes their token refused (p11_key_omission). */
enum err cli_print_json(cJSON *j);

/* On stderr, one line per key this run made without optional attributes
 * its token refused; main calls it after the command. */
void cli_warn_omissions(const struct cli *c);

/* Ask "prompt [y/N]" on the terminal: true only for y/yes. False when
 * there is no terminal. */
bool cli_confirm(const char *prompt);

#endif
