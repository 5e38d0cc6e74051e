/* SPDX-License-Identifier: MIT */
/* cli_vhd.c - what the vhd commands share: their options, the DEK opened
 * in the token and handed to the pipeline as a vhd_cipher (km_xts), the
 * terminal progress bar and Ctrl-C. */
#include "cli_vhd.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vhd_decrypt.h"
#include "vhd_outfile.h"

#define MAX_CHUNK (4ul << 20)

static volatile sig_atomic_t cancelled;
static struct sigaction saved[3];
static const int signals[3] = { SIGINT, SIGTERM, SIGHUP };
static struct {
	const char *verb;
	struct timespec start;
	int last_pct;
	bool shown;
} bar;

static int parse_one(struct cli *c, int o, struct cli_vhd_args *a)
{
	enum err r = ERR_OK;

	switch (o) {
	case 'k': a->key = optarg; break;
	case 'f': a->force = true; break;
	case 'p': a->no_progress = true; break;
	case 'd': a->data = true; break;
	case 'F': a->format = optarg; break;
	case 't':
		r = cli_parse_ulong(optarg, "--threads", 1,
		                    VHD_PIPELINE_MAX_THREADS, &a->threads);
		break;
	case 'c':
		r = cli_parse_ulong(optarg, "--chunk", 512, MAX_CHUNK,
		                    &a->chunk);
		if (r == ERR_OK && a->chunk % 512)
			r = err_set(ERR_USAGE,
			            "--chunk: %lu is not a "
			            "multiple of 512",
			            a->chunk);
		break;
	default: return cli_usage(c, "unknown option");
	}
	return r == ERR_OK ? -1 : cli_usage(c, "%s", err_detail());
}

int cli_vhd_parse(struct cli *c, int argc, char **argv, unsigned extra,
                  struct cli_vhd_args *a)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "threads", required_argument, NULL, 't' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "no-progress", no_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'F' },
		{ "data", no_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	int o, rc, files = extra & CLI_VHD_OUTPUT ? 2 : 1;

	memset(a, 0, sizeof(*a));
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((o == 'f' && !(extra & CLI_VHD_OUTPUT)) ||
		    (o == 'F' && !(extra & CLI_VHD_FORMAT)) ||
		    (o == 'd' && !(extra & CLI_VHD_DATA)))
			return cli_usage(c, "unknown option");
		rc = parse_one(c, o, a);
		if (rc >= 0)
			return rc;
	}
	if (!a->key)
		return cli_usage(c, "--key LABEL is required");
	if (argc - optind != files)
		return cli_usage(c, files == 2 ? "expected IN and OUT"
		                               : "expected one FILE");
	a->in = argv[optind];
	a->out = files == 2 ? argv[optind + 1] : NULL;
	return -1;
}

enum err cli_vhd_key_open(const struct cli *c, const struct cli_vhd_args *a,
                          struct cli_vhd_key *k)
{
	enum err r;

	memset(k, 0, sizeof(*k));
	k->chunk = a->chunk;
	r = cli_token_open(c, CLI_TOKEN_LOGIN, &k->t);
	if (r == ERR_OK)
		r = p11_dek_find(k->t.session, a->key, &k->dek);
	return r;
}

enum err cli_vhd_key_hash(struct cli_vhd_key *k, const uint8_t nonce[32],
                          uint8_t hash[32])
{
	return p11_dek_keyhash(k->t.session, &k->dek, nonce, hash);
}

enum err cli_vhd_key_check(const struct cli *c, const struct cli_vhd_args *a,
                           const struct vhd_reader *in, struct cli_vhd_key *k,
                           uint8_t hash[32])
{
	const struct vhd_keyhash *kh;
	enum err e;

	memset(k, 0, sizeof(*k));
	e = vhd_decrypt_keyhash(in, &kh);
	if (e != ERR_OK)
		return err_wrap(e, "%s", a->in);
	e = cli_vhd_key_open(c, a, k);
	if (e == ERR_OK)
		e = cli_vhd_key_hash(k, kh->nonce, hash);
	if (e == ERR_OK && vhd_decrypt_check(in, hash) != ERR_OK)
		e = err_wrap(ERR_VERIFY, "%s", a->in);
	return e;
}

void cli_vhd_key_close(struct cli_vhd_key *k)
{
	cli_token_close(&k->t);
	memset(k, 0, sizeof(*k));
}

struct vhd_cipher cli_vhd_cipher(struct cli_vhd_key *k)
{
	k->xts = (struct km_xts_key){ k->t.session, &k->dek, k->chunk };
	return km_xts_cipher(&k->xts);
}

int cli_vhd_main(struct cli *c, int argc, char **argv, unsigned extra,
                 enum err (*run)(const struct cli *c,
                                 const struct cli_vhd_args *a,
                                 const struct vhd_reader *in))
{
	struct vhd_reader *in = NULL;
	struct cli_vhd_args a;
	enum err e;
	int rc;

	if (cli_wants_help(c, argc, argv))
		return 0;
	rc = cli_vhd_parse(c, argc, argv, extra, &a);
	if (rc >= 0)
		return rc;
	if (a.out) {
		unsigned n = vhd_outfile_clean_stale(a.out);

		if (n)
			cli_info(c,
			         "removed %u stale temp file(s) of %s left by "
			         "a run that was killed",
			         n, a.out);
	}
	e = vhd_reader_open(&in, a.in);
	if (e == ERR_OK)
		e = run(c, &a, in);
	vhd_reader_free(in);
	return e == ERR_OK ? 0 : cli_fail(c, e);
}

/* "encrypting  42% (123/290 blocks, 812 MiB/s)", at most once a percent. */
static void draw(void *arg, uint32_t done, uint32_t total)
{
	int pct = total ? (int)(100ull * done / total) : 100;
	struct timespec now;
	double secs;

	(void)arg;
	if (pct == bar.last_pct && done != total)
		return;
	bar.last_pct = pct;
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (double)(now.tv_sec - bar.start.tv_sec) +
	       (double)(now.tv_nsec - bar.start.tv_nsec) / 1e9;
	printf("\r%s %3d%% (%u/%u blocks, %.0f MiB/s) ", bar.verb, pct, done,
	       total, secs > 0 ? 2.0 * done / secs : 0.0);
	fflush(stdout);
	bar.shown = true;
}

static void on_signal(int sig)
{
	(void)sig;
	cancelled = 1;
}

void cli_vhd_job_begin(const struct cli *c, const struct cli_vhd_args *a,
                       const char *verb, struct vhd_job_opts *o)
{
	struct sigaction sa;

	memset(o, 0, sizeof(*o));
	o->threads = (unsigned)a->threads;
	o->force = a->force;
	o->cancel = &cancelled;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(signals[i], &sa, &saved[i]);
	memset(&bar, 0, sizeof(bar));
	bar.last_pct = -1;
	bar.verb = verb;
	clock_gettime(CLOCK_MONOTONIC, &bar.start);
	if (!a->no_progress && !c->json && c->verbosity >= 0 &&
	    isatty(STDOUT_FILENO))
		o->progress = draw;
}

void cli_vhd_job_end(void)
{
	for (int i = 0; i < 3; i++)
		sigaction(signals[i], &saved[i], NULL);
	if (bar.shown)
		printf("\n");
	bar.shown = false;
}
