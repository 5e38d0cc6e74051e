/* SPDX-License-Identifier: MIT */
/* kp_opts.h - what every `p11seal kp ...` command shares: the Key Protect
 * options (--kp-url, --instance-id, --iam-url, --region, --private,
 * --cacert, --hpcs, --key-ring, --api-key-source) with their environment
 * fallbacks, and opening a client with the API key from a safe source. */
#ifndef P11SEAL_KP_OPTS_H
#define P11SEAL_KP_OPTS_H

#include <getopt.h>

#include "err.h"
#include "kp_config.h"

struct cli;
struct kp_client;

#define KP_OPTS_USAGE                                                        \
	"[--kp-url URL] [--instance-id GUID|CRN] "                           \
	"[--region R] [--private] [--iam-url URL] [--cacert FILE] [--hpcs] " \
	"[--key-ring ID] [--api-key-source SRC]"

struct kp_opts {
	struct kp_config cfg;
	const char *api_key_source; /* default env:IBMCLOUD_API_KEY */
};

/* The command's own option handler: return 0 if handled, else an exit
 * code (2 for a bad value). */
typedef int (*kp_opts_fn)(void *ctx, int ch, const char *arg);

/* getopt_long over the shared options plus extra (short letters in
 * shortopts, handled by fn). Returns -1 to go on (positional arguments at
 * argv[optind..]), else an exit code (0 after --help). */
int kp_opts_parse(struct cli *c, int argc, char **argv,
                  const struct option *extra, const char *shortopts,
                  kp_opts_fn fn, void *ctx, struct kp_opts *o);

/* Exactly one positional KEY (id or alias) after the options, else a
 * usage error; -1 to go on. */
int kp_opts_one_id(struct cli *c, int argc, char **argv, const char **id);

/* A whole command that takes KEY and calls fn on it (disable, enable):
 * parse, connect, call, report "<verb> key KEY". */
int kp_opts_run_action(struct cli *c, int argc, char **argv,
                       enum err (*fn)(struct kp_client *, const char *),
                       const char *verb);

/* Read the API key from its source into secure memory, open a client,
 * wipe the key. */
enum err kp_opts_connect(const struct kp_opts *o, struct kp_client **out);

#endif
