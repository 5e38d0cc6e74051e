/* SPDX-License-Identifier: MIT */
/* cli_vhd.h - what vhd encrypt, decrypt and verify share: their options,
 * the token's DEK as a vhd_cipher (a cloned session and an XTS engine per
 * worker thread), the progress bar and Ctrl-C. */
#ifndef P11SEAL_CLI_VHD_H
#define P11SEAL_CLI_VHD_H

#include <stdbool.h>
#include <stdint.h>

#include "cli.h"
#include "cli_token.h"
#include "km_xts.h"
#include "p11_dek.h"
#include "vhd_cipher.h"
#include "vhd_pipeline.h"
#include "vhd_reader.h"

enum cli_vhd_extra {
	CLI_VHD_OUTPUT = 1, /* IN OUT, --force */
	CLI_VHD_FORMAT = 2, /* --format raw|vhd */
	CLI_VHD_DATA = 4,   /* --data */
};

struct cli_vhd_args {
	const char *key; /* --key LABEL */
	const char *in;
	const char *out;
	const char *format;
	unsigned long threads; /* 0 = one per CPU */
	unsigned long chunk;   /* bytes per token call; 0 = default */
	bool no_progress;
	bool force;
	bool data;
};

/* Parse the command's options (extra: enum cli_vhd_extra bits) into a.
 * Returns -1 to go on, else the exit code (usage printed). */
int cli_vhd_parse(struct cli *c, int argc, char **argv, unsigned extra,
                  struct cli_vhd_args *a);

struct cli_vhd_key {
	struct cli_token t;
	struct p11_dek dek;
	size_t chunk;
	struct km_xts_key xts; /* set by cli_vhd_cipher */
};

/* Open the token, log in and find the DEK labelled a->key. Once the
 * token is open, k->t stays open on failure too (for the audit record):
 * always close k with cli_vhd_key_close. */
enum err cli_vhd_key_open(const struct cli *c, const struct cli_vhd_args *a,
                          struct cli_vhd_key *k);

/* For an encrypted input: open the key, compute SHA-256(stored nonce ||
 * DEK) in the token into hash and compare it with the stored keyhash
 * (ERR_FORMAT: not encrypted, ERR_VERIFY: another key; both name the
 * file). As with cli_vhd_key_open, always close k. */
enum err cli_vhd_key_check(const struct cli *c, const struct cli_vhd_args *a,
                           const struct vhd_reader *in, struct cli_vhd_key *k,
                           uint8_t hash[32]);

/* SHA-256(nonce || DEK), computed in the token. */
enum err cli_vhd_key_hash(struct cli_vhd_key *k, const uint8_t nonce[32],
                          uint8_t hash[32]);

/* The DEK as a vhd_cipher; valid while k is open. */
struct vhd_cipher cli_vhd_cipher(struct cli_vhd_key *k);

/* Close the token; safe on a zeroed or failed k. */
void cli_vhd_key_close(struct cli_vhd_key *k);

/* The body of a vhd command: parse argv (extra: enum cli_vhd_extra),
 * open the input, run, report the error. Returns the exit code. */
int cli_vhd_main(struct cli *c, int argc, char **argv, unsigned extra,
                 enum err (*run)(const struct cli *c,
                                 const struct cli_vhd_args *a,
                                 const struct vhd_reader *in));

/* Job options from a: threads, force, a progress bar labelled verb (only
 * when stdout is a terminal, without --no-progress or --json), and
 * SIGINT/SIGTERM/SIGHUP cancelling the job. Undo with cli_vhd_job_end. */
void cli_vhd_job_begin(const struct cli *c, const struct cli_vhd_args *a,
                       const char *verb, struct vhd_job_opts *o);

/* Restore the signal handlers and end the progress line. */
void cli_vhd_job_end(void);

#endif
