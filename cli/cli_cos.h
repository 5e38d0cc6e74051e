/* SPDX-License-Identifier: MIT */
/* cli_cos.h - what a COS command needs besides its own options: the
 * endpoint and TLS options, the credentials (IAM API key by default, or
 * HMAC keys, both from a secret source and never argv) turned into a
 * cos_config, and the progress line on stderr. */
#ifndef P11SEAL_CLI_COS_H
#define P11SEAL_CLI_COS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cli_opts.h"
#include "cos_client.h"
#include "err.h"

struct cli;

struct cli_cos_opts {
	const char *endpoint; /* --cos-endpoint */
	bool private_ep, direct_ep;
	const char *cacert, *iam_url;
	const char *api_key_source; /* default env:IBMCLOUD_API_KEY */
	const char *hmac_source;    /* or NULL: IAM */
};

/* The option table filling struct cli_cos_opts. */
extern const struct cli_opt cli_cos_table[];

/* Defaults from the environment ($IAM_URL, $COS_ENDPOINT) and c's
 * configuration (the CA file). */
void cli_cos_defaults(const struct cli *c, struct cli_cos_opts *o);

/* Read the credentials and fill cfg (endpoint kind, cacert, IAM token or
 * HMAC keys, test timings from P11SEAL_COS_RETRY_BASE_MS). Release with
 * cli_cos_close. */
enum err cli_cos_open(const struct cli_cos_opts *o, struct cos_config *cfg);
void cli_cos_close(struct cos_config *cfg);

/* Progress on stderr: bytes, rate and ETA, at most once a second. */
struct cli_cos_progress {
	const struct cli *c;
	bool on, tty;
	struct timespec t0, last;
	bool seen;
};
void cli_cos_progress(void *ctx, uint64_t done, uint64_t total);

#endif
