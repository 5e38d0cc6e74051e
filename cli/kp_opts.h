/* SPDX-License-Identifier: MIT */
/* kp_opts.h - what every `p11seal kp ...` command shares: the Key Protect
 * options (--kp-url, --instance-id, --iam-url, --region, --private,
 * --cacert, --hpcs, --key-ring, --api-key-source) with their environment
 * fallbacks, opening a client with the API key from a safe source, and
 * the run of a command: parse, connect, call, close. */
#ifndef P11SEAL_KP_OPTS_H
#define P11SEAL_KP_OPTS_H

#include <stdbool.h>

#include "cli_opts.h"
#include "err.h"
#include "kp_config.h"

struct cli;
struct kp_client;

/* In a synopsis: help lists the options themselves from the table. */
#define KP_OPTS_USAGE "[KEY PROTECT OPTIONS]"

struct kp_opts {
	struct kp_config cfg;
	const char *api_key_source; /* default env:IBMCLOUD_API_KEY */
	bool json;                  /* --json after the command */
};

/* A `kp` command: its own options, filling args; where its one
 * positional argument goes (KEY or NAME), if it takes one; a check of
 * what was given; and the call that does its work and prints it. */
struct kp_cmd {
	const struct cli_opt *opts;   /* the command's own table, or NULL */
	const struct cli_opt *shared; /* a table shared with sibling
	                                 commands, also filling args */
	void *args;                   /* what opts fill; passed on */
	const char **arg;             /* the one KEY or NAME, or NULL: none */
	const char *arg_usage;        /* when it is missing; NULL: "expected
	                                 one KEY (id or alias)" */
	const char *required_usage;   /* see struct cli_opts */
	/* -1 to go on, else the exit code (usage printed); or NULL */
	int (*check)(struct cli *c, void *args);
	enum err (*call)(struct cli *c, struct kp_client *kp, void *args);
};

/* The Key Protect options of k and k's own into ko (defaults from the
 * environment first), then k->check. Returns -1 to go on, else the exit
 * code (0 after --help). */
int kp_cmd_parse(struct cli *c, int argc, char **argv, const struct kp_cmd *k,
                 struct kp_opts *ko);

/* The whole of a `kp` command: kp_cmd_parse, open a client with the API
 * key, k->call, close. Returns the exit code. */
int kp_cmd_run(struct cli *c, int argc, char **argv, const struct kp_cmd *k);

/* A whole command that takes KEY and calls fn on it (disable, enable):
 * parse, connect, call, report "<verb> key KEY". */
int kp_opts_run_action(struct cli *c, int argc, char **argv,
                       enum err (*fn)(struct kp_client *, const char *),
                       const char *verb);

/* Read the API key from its source into secure memory, open a client,
 * wipe the key. */
enum err kp_opts_connect(const struct kp_opts *o, struct kp_client **out);

#endif
