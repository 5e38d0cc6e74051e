/* SPDX-License-Identifier: MIT */
/* cli_vhd.h - what vhd encrypt, decrypt and verify share: their options,
 * the token's DEK as a vhd_cipher (a cloned session and an XTS engine per
 * worker thread), the progress bar and Ctrl-C. */
#ifndef P11SEAL_CLI_VHD_H
#define P11SEAL_CLI_VHD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_manifest.h"
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
	CLI_VHD_INPUT = 8,  /* --input-format auto|raw */
};

struct cli_vhd_args {
	const char *key; /* --key LABEL */
	const char *id;  /* --id HEX: which key LABEL, if it repeats */
	const char *in;
	const char *out;
	const char *format;
	const char *input_format; /* --input-format auto|raw, read into as */
	enum vhd_input_format as;
	unsigned long threads; /* 0 = one per CPU */
	unsigned long chunk;   /* bytes per token call; 0 = default */
	bool progress;         /* --progress: even when stderr is no terminal */
	bool remote; /* --remote: a network HSM, whatever its round trip */
	bool no_progress;
	bool force;
	bool data;
};

/* Parse the command's options (extra: enum cli_vhd_extra bits) into a;
 * with man (vhd encrypt), --manifest FILE and the options of
 * cli_manifest.h too, into man (man->force is --force). Returns -1 to go
 * on, else the exit code (0 after --help, else usage printed). */
int cli_vhd_parse(struct cli *c, int argc, char **argv, unsigned extra,
                  struct cli_vhd_args *a, struct cli_manifest_opts *man);

/* A token whose calls take this long is remote (a network HSM): hide the
 * round trip behind CLI_VHD_REMOTE_SESSIONS sessions, each sending
 * CLI_VHD_REMOTE_CHUNK bytes per call (a few calls per 2 MiB block). */
#define CLI_VHD_REMOTE_RTT      200e-6
#define CLI_VHD_REMOTE_SESSIONS 8
#define CLI_VHD_REMOTE_CHUNK    (1u << 20)

struct cli_vhd_key {
	struct cli_token t;
	struct p11_dek dek;
	size_t chunk;          /* bytes per token call; 0 = p11_xts's default */
	unsigned threads;      /* sessions (workers); 0 = one per CPU */
	struct km_xts_key xts; /* set by cli_vhd_cipher */
	struct cli_audit_intent audit; /* for the result record */
};

/* Open the token, log in, append the audit intent rec (cli_audit_begin:
 * nothing more happens if it cannot be written) and find the DEK labelled
 * a->key. Threads and chunk come from a, or, for a remote token (--remote,
 * or a round trip of CLI_VHD_REMOTE_RTT or more), the remote defaults. Once the
 * token is open, k->t stays open on failure too (for the result record, with
 * k->audit): always close k with cli_vhd_key_close. */
enum err cli_vhd_key_open(const struct cli *c, const struct cli_vhd_args *a,
                          const struct cli_audit_rec *rec,
                          struct cli_vhd_key *k);

/* For an encrypted input: open the key (with rec's intent), compute
 * SHA-256(stored nonce || DEK) in the token into hash and compare it with the
 * stored keyhash (ERR_FORMAT: not encrypted, ERR_VERIFY: another key; both name
 * the file). As with cli_vhd_key_open, always close k. */
enum err cli_vhd_key_check(const struct cli *c, const struct cli_vhd_args *a,
                           const struct vhd_reader *in,
                           const struct cli_audit_rec *rec,
                           struct cli_vhd_key *k, uint8_t hash[32]);

/* SHA-256(nonce || DEK), computed in the token. */
enum err cli_vhd_key_hash(struct cli_vhd_key *k, const uint8_t nonce[32],
                          uint8_t hash[32]);

/* The DEK as a vhd_cipher; valid while k is open. */
struct vhd_cipher cli_vhd_cipher(struct cli_vhd_key *k);

/* Close the token; safe on a zeroed or failed k. */
void cli_vhd_key_close(struct cli_vhd_key *k);

/* The result record of op on a->in with key a->key (outcome e, after
 * k's intent), then close k. Returns what the command reports. */
enum err cli_vhd_key_done(const struct cli *c, const struct cli_vhd_args *a,
                          const char *op, struct cli_vhd_key *k, enum err e);

/* A vhd command's work on its open input; arg is the command's own. */
typedef enum err cli_vhd_run_fn(const struct cli *c,
                                const struct cli_vhd_args *a,
                                const struct vhd_reader *in, void *arg);

/* After parsing: remove stale temp files of a->out, open a->in, call
 * run(c, a, in, arg) and report its error. Returns the exit code: 128 +
 * the signal when SIGINT, SIGTERM or SIGHUP cancelled the job. */
int cli_vhd_run(const struct cli *c, const struct cli_vhd_args *a,
                cli_vhd_run_fn *run, void *arg);

/* The body of a vhd command without options of its own: parse argv
 * (extra: enum cli_vhd_extra), then cli_vhd_run. */
int cli_vhd_main(struct cli *c, int argc, char **argv, unsigned extra,
                 cli_vhd_run_fn *run, void *arg);

#define CLI_VHD_SIGNALS 3 /* SIGINT, SIGTERM, SIGHUP cancel a job */

struct cli_vhd_bar {
	const char *verb;
	struct timespec start;
	double drawn; /* seconds after start of the last redraw */
	bool shown;
};

/* A running job: its pipeline options, the progress bar they point at
 * and the signal handlers to restore. */
struct cli_vhd_job {
	struct vhd_job_opts opts;
	struct cli_vhd_bar bar;
	struct sigaction saved[CLI_VHD_SIGNALS];
};

/* Job options from a and k into j->opts: threads, force, progress on stderr
 * labelled verb (with --progress, or when stderr is a terminal, without
 * --no-progress, -q or --json), and SIGINT/SIGTERM/SIGHUP cancelling the
 * job (cli_vhd_run then exits 128 + the signal). Undo with
 * cli_vhd_job_end. */
void cli_vhd_job_begin(const struct cli *c, const struct cli_vhd_args *a,
                       const struct cli_vhd_key *k, const char *verb,
                       struct cli_vhd_job *j);

/* Restore the signal handlers and end the progress line. */
void cli_vhd_job_end(struct cli_vhd_job *j);

/* e, with out named when the pipeline's write failed ("write: No space
 * left on device" names no file; every error line must). */
enum err cli_vhd_name_output(enum err e, const char *out);

#endif
