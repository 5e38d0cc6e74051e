/* SPDX-License-Identifier: MIT */
/* cli_vhd.c - what the vhd commands share: their options, the DEK opened
 * in the token and handed to the pipeline as a vhd_cipher (km_xts), the
 * terminal progress bar and Ctrl-C. */
#include "cli_vhd.h"

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_key.h"
#include "cli_opts.h"
#include "p11_session.h"
#include "p11_xts.h"
#include "vhd_decrypt.h"
#include "vhd_outfile.h"

#define MAX_CHUNK (4ul << 20)

/* The signal that cancelled the job (0: none). Set by the handler, which
 * can take no argument: the one piece of file-scope state, read by the
 * pipeline through vhd_job_opts and by cli_vhd_run for the exit code. */
static volatile sig_atomic_t cancelled;
static const int signals[CLI_VHD_SIGNALS] = { SIGINT, SIGTERM, SIGHUP };

static const struct cli_opt common[] = {
	{ "key", CLI_STR(struct cli_vhd_args, key), .arg = "LABEL",
	  .help = "the DEK in the token (required)" },
	{ "id", CLI_STR(struct cli_vhd_args, id), .arg = "HEX",
	  .help = "which DEK labelled LABEL, by its CKA_ID as key list "
	          "shows it (for labels that repeat); default the only one" },
	{ "threads",
	  CLI_ULONG(struct cli_vhd_args, threads, 1, VHD_JOB_MAX_THREADS),
	  .arg = "N",
	  .help = "worker threads (1..16); default one per CPU, at most 16" },
	{ "chunk", CLI_ULONG(struct cli_vhd_args, chunk, 512, MAX_CHUNK),
	  .step = 512, .arg = "BYTES",
	  .help = "bytes per token call, a multiple of 512 up to 4 MiB; "
	          "default 64 KiB" },
	{ "progress", CLI_FLAG(struct cli_vhd_args, progress),
	  .help = "progress on stderr even when it is not a terminal" },
	{ "remote", CLI_FLAG(struct cli_vhd_args, remote),
	  .help = "the token is a network HSM: 8 workers, 1 MiB per call "
	          "(unless --threads, --chunk); default when a token call "
	          "takes 0.2 ms or more" },
	{ "no-progress", CLI_FLAG(struct cli_vhd_args, no_progress),
	  .help = "no progress; default on stderr when it is a terminal "
	          "(not with -q or --json)" },
	{ NULL },
};

static const struct cli_opt output[] = {
	{ "force", CLI_FLAG(struct cli_vhd_args, force),
	  .help = "OUT (and the manifest) may replace existing files; "
	          "default refused" },
	{ NULL },
};

static const struct cli_opt format[] = {
	{ "format", CLI_STR(struct cli_vhd_args, format), .arg = "raw|vhd",
	  .help = "what OUT is: a sparse raw image or a plain dynamic VHD; "
	          "default raw" },
	{ NULL },
};

static const struct cli_opt data[] = {
	{ "data", CLI_FLAG(struct cli_vhd_args, data),
	  .help = "also decrypt every block and print the plaintext's "
	          "SHA-256; default the structure and keyhash only" },
	{ NULL },
};

static const struct cli_opt input[] = {
	{ "input-format", CLI_STR(struct cli_vhd_args, input_format),
	  .arg = "auto|raw",
	  .help = "what IN is: auto from its content, or raw whatever its "
	          "bytes look like; default auto" },
	{ NULL },
};

static const struct cli_opt manifest[] = {
	{ "manifest", CLI_STR(struct cli_manifest_opts, out), .arg = "FILE",
	  .help = "also write the import manifest of OUT to FILE; default "
	          "none" },
	{ NULL },
};

/* --input-format: raw overrides a signature that matched by accident. */
static enum err parse_input_format(const char *val, enum vhd_input_format *as)
{
	if (strcmp(val, "auto") == 0)
		*as = VHD_FORMAT_AUTO;
	else if (strcmp(val, "raw") == 0)
		*as = VHD_FORMAT_RAW;
	else
		return err_set(ERR_USAGE,
		               "--input-format: '%s' is not auto or raw", val);
	return ERR_OK;
}

/* The manifest options go with --manifest FILE and must be valid. */
static int check_manifest(struct cli *c, const struct cli_vhd_args *a,
                          struct cli_manifest_opts *m)
{
	m->force = a->force;
	if (!m->out && (m->cos_uri || m->name || m->os || m->note || m->wdek ||
	                m->allow_unwrapped))
		return cli_usage(c,
		                 "--cos-uri, --name, --os, --note, --wdek and "
		                 "--allow-unwrapped go with --manifest FILE");
	if (cli_manifest_check_opts(m) != ERR_OK)
		return cli_usage(c, "%s", err_detail());
	return -1;
}

/* The tables of the command's options into o->sets. */
static void options(unsigned extra, struct cli_vhd_args *a,
                    struct cli_manifest_opts *man, struct cli_opts *o)
{
	size_t n = 0;

	o->sets[n++] = (struct cli_opt_set){ common, a };
	if (extra & CLI_VHD_OUTPUT)
		o->sets[n++] = (struct cli_opt_set){ output, a };
	if (extra & CLI_VHD_FORMAT)
		o->sets[n++] = (struct cli_opt_set){ format, a };
	if (extra & CLI_VHD_DATA)
		o->sets[n++] = (struct cli_opt_set){ data, a };
	if (extra & CLI_VHD_INPUT)
		o->sets[n++] = (struct cli_opt_set){ input, a };
	if (man && n + 2 <= CLI_OPTS_SETS) {
		o->sets[n++] = (struct cli_opt_set){ manifest, man };
		o->sets[n++] =
		        (struct cli_opt_set){ cli_manifest_options, man };
	}
}

int cli_vhd_parse(struct cli *c, int argc, char **argv, unsigned extra,
                  struct cli_vhd_args *a, struct cli_manifest_opts *man)
{
	bool two = extra & CLI_VHD_OUTPUT;
	struct cli_opts o = {
		.args = { &a->in, two ? &a->out : NULL },
		.min_args = two ? 2 : 1,
		.args_usage = two ? "expected IN and OUT" : "expected one FILE",
	};
	int rc;

	memset(a, 0, sizeof(*a));
	if (man)
		memset(man, 0, sizeof(*man));
	options(extra, a, man, &o);
	rc = cli_opts_parse(c, &o, argc, argv);
	if (rc < 0 && a->input_format &&
	    parse_input_format(a->input_format, &a->as) != ERR_OK)
		rc = cli_usage(c, "%s", err_detail());
	if (rc < 0 && man)
		rc = check_manifest(c, a, man);
	if (rc < 0 && !a->key)
		rc = cli_usage(c, "--key LABEL is required");
	if (rc < 0 && a->progress && a->no_progress)
		rc = cli_usage(c, "--progress and --no-progress contradict");
	return rc;
}

/* Every token call of a network HSM pays a round trip: with the local
 * defaults (64 KiB calls, one session per CPU) 1 ms per call made a run
 * several times slower. Fewer, larger calls on more sessions overlap the
 * waits (BENCH.md, the latency sweep). */
static void remote_defaults(const struct cli *c, const struct cli_vhd_args *a,
                            struct cli_vhd_key *k)
{
	double rtt = p11_session_rtt(k->t.session);

	if (!a->remote && rtt < CLI_VHD_REMOTE_RTT)
		return;
	if (!a->threads)
		k->threads = CLI_VHD_REMOTE_SESSIONS;
	if (!a->chunk)
		k->chunk = CLI_VHD_REMOTE_CHUNK;
	if (c->verbosity > 0)
		cli_info(c,
		         "token round trip %.2f ms: remote token, %u workers, "
		         "%zu KiB per call",
		         rtt * 1e3, vhd_pipeline_threads(k->threads),
		         (k->chunk ? k->chunk : P11_XTS_DEFAULT_CHUNK) / 1024);
}

enum err cli_vhd_key_open(const struct cli *c, const struct cli_vhd_args *a,
                          const struct cli_audit_rec *rec,
                          struct cli_vhd_key *k)
{
	enum err r;

	memset(k, 0, sizeof(*k));
	k->chunk = a->chunk;
	k->threads = (unsigned)a->threads;
	r = cli_token_open(c, CLI_TOKEN_LOGIN, &k->t);
	if (r == ERR_OK)
		remote_defaults(c, a, k);
	if (r == ERR_OK)
		r = cli_audit_begin(c, k->t.session, rec, &k->audit);
	if (r == ERR_OK)
		r = cli_key_dek(k->t.session, a->key, a->id, &k->dek);
	return r;
}

enum err cli_vhd_key_hash(struct cli_vhd_key *k, const uint8_t nonce[32],
                          uint8_t hash[32])
{
	return p11_dek_keyhash(k->t.session, &k->dek, nonce, hash);
}

enum err cli_vhd_key_check(const struct cli *c, const struct cli_vhd_args *a,
                           const struct vhd_reader *in,
                           const struct cli_audit_rec *rec,
                           struct cli_vhd_key *k, uint8_t hash[32])
{
	const struct vhd_keyhash *kh;
	enum err e;

	memset(k, 0, sizeof(*k));
	e = vhd_decrypt_keyhash(in, &kh);
	if (e != ERR_OK)
		return err_wrap(e, "%s", a->in);
	e = cli_vhd_key_open(c, a, rec, k);
	if (e != ERR_OK)
		return e;
	e = cli_vhd_key_hash(k, kh->nonce, hash);
	if (e != ERR_OK)
		return e;
	if (vhd_decrypt_check(in, hash) != ERR_OK)
		return err_wrap(ERR_VERIFY, "%s", a->in);
	return ERR_OK;
}

void cli_vhd_key_close(struct cli_vhd_key *k)
{
	cli_token_close(&k->t);
	memset(k, 0, sizeof(*k));
}

struct vhd_cipher cli_vhd_cipher(struct cli_vhd_key *k)
{
	k->xts = (struct km_xts_key){ k->t.session, &k->dek, k->chunk,
		                      vhd_pipeline_threads(k->threads) };
	return km_xts_cipher(&k->xts);
}

int cli_vhd_run(const struct cli *c, const struct cli_vhd_args *a,
                cli_vhd_run_fn *run, void *arg)
{
	struct vhd_reader *in = NULL;
	enum err e;

	if (a->out) {
		unsigned n = vhd_outfile_clean_stale(a->out);

		if (n)
			cli_info(c,
			         "removed %u stale temp file(s) of %s left by "
			         "a run that was killed",
			         n, a->out);
	}
	e = vhd_reader_open_as(&in, a->in, a->as);
	if (e == ERR_OK)
		e = run(c, a, in, arg);
	vhd_reader_free(in);
	if (e != ERR_OK && cancelled) {
		/* the shell's convention, so scripts see the signal */
		err_set(e, "interrupted by SIG%s; nothing written",
		        sigabbrev_np(cancelled) ? sigabbrev_np(cancelled)
		                                : "?");
		cli_fail(c, e);
		return 128 + cancelled;
	}
	return e == ERR_OK ? 0 : cli_fail(c, e);
}

int cli_vhd_main(struct cli *c, int argc, char **argv, unsigned extra,
                 cli_vhd_run_fn *run, void *arg)
{
	struct cli_vhd_args a;
	int rc;

	rc = cli_vhd_parse(c, argc, argv, extra, &a, NULL);
	if (rc >= 0)
		return rc;
	return cli_vhd_run(c, &a, run, arg);
}

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* "m:ss", or "h:mm:ss" from an hour on. */
static void clock_text(char *out, size_t len, double secs)
{
	unsigned long t = secs > 0 ? (unsigned long)(secs + 0.5) : 0;

	if (t >= 3600)
		snprintf(out, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60,
		         t % 60);
	else
		snprintf(out, len, "%lu:%02lu", t / 60, t % 60);
}

/* As cryptsetup shows it: "encrypting  42.1%, 862 of 2048 MiB, 431.0 MiB/s,
 * elapsed 0:02, ETA 0:03". Only blocks holding data count (the pipeline
 * skips empty ones), so the rate is the data's. Redrawn at most 4 times a
 * second, and at the end. */
static void draw(void *arg, uint32_t done, uint32_t total)
{
	struct cli_vhd_bar *bar = arg;
	double secs = since(&bar->start), mib = 2.0 * done, rate, pct;
	char el[48], eta[48];

	if (done != total && bar->shown && secs - bar->drawn < 0.25)
		return;
	bar->drawn = secs;
	rate = secs > 0 ? mib / secs : 0;
	pct = total ? 100.0 * done / total : 100.0;
	clock_text(el, sizeof(el), secs);
	if (rate > 0)
		clock_text(eta, sizeof(eta), (2.0 * total - mib) / rate);
	else
		snprintf(eta, sizeof(eta), "--:--");
	fprintf(stderr,
	        "\r%s %5.1f%%, %.0f of %.0f MiB, %.1f MiB/s, elapsed %s, "
	        "ETA %s ",
	        bar->verb, pct, mib, 2.0 * total, rate, el, eta);
	fflush(stderr);
	bar->shown = true;
}

static void on_signal(int sig)
{
	cancelled = sig;
}

/* The token library allocates its in and out buffers per call (1 MiB
 * pieces for decryption, SoftHSM's ByteStrings). glibc serves those with
 * mmap and gives them back on free, so every call faulted 2 MiB of fresh
 * pages in: 2.2 s of system time per GiB for verify --data, 0.27 s with
 * the buffers kept in the heap (BENCH.md notes). Process-wide, and only
 * for the vhd jobs, whose memory is bounded by the pipeline's slots. */
static void keep_large_buffers(void)
{
	(void)mallopt(M_MMAP_THRESHOLD, 16 << 20);
	(void)mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

void cli_vhd_job_begin(const struct cli *c, const struct cli_vhd_args *a,
                       const struct cli_vhd_key *k, const char *verb,
                       struct cli_vhd_job *j)
{
	struct sigaction sa;

	keep_large_buffers();
	memset(j, 0, sizeof(*j));
	j->opts.threads = k->threads;
	j->opts.force = a->force;
	j->opts.cancel = &cancelled;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < CLI_VHD_SIGNALS; i++)
		sigaction(signals[i], &sa, &j->saved[i]);
	j->bar.verb = verb;
	clock_gettime(CLOCK_MONOTONIC, &j->bar.start);
	if (a->progress || (!a->no_progress && !c->json && c->verbosity >= 0 &&
	                    isatty(STDERR_FILENO))) {
		j->opts.progress = draw;
		j->opts.progress_arg = &j->bar;
	}
}

void cli_vhd_job_end(struct cli_vhd_job *j)
{
	for (int i = 0; i < CLI_VHD_SIGNALS; i++)
		sigaction(signals[i], &j->saved[i], NULL);
	if (j->bar.shown)
		fprintf(stderr, "\n");
	j->bar.shown = false;
}

enum err cli_vhd_name_output(enum err e, const char *out)
{
	if (e == ERR_IO && strncmp(err_detail(), "write", 5) == 0)
		return err_wrap(e, "%s", out);
	return e;
}

enum err cli_vhd_key_done(const struct cli *c, const struct cli_vhd_args *a,
                          const char *op, struct cli_vhd_key *k, enum err e)
{
	e = cli_audit(c, k->t.session,
	              &(struct cli_audit_rec){ .op = op,
	                                       .result = e,
	                                       .label = a->key,
	                                       .image_path = a->in,
	                                       .intent = &k->audit });
	cli_vhd_key_close(k);
	return e;
}
