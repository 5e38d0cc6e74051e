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

/* Set by the signal handler, which can take no argument: the one piece
 * of file-scope state, read by the pipeline through vhd_job_opts. */
static volatile sig_atomic_t cancelled;
static const int signals[CLI_VHD_SIGNALS] = { SIGINT, SIGTERM, SIGHUP };

static enum err parse_chunk(const char *val, unsigned long *chunk)
{
	enum err r = cli_parse_ulong(val, "--chunk", 512, MAX_CHUNK, chunk);

	if (r == ERR_OK && *chunk % 512)
		r = err_set(ERR_USAGE, "--chunk: %lu is not a multiple of 512",
		            *chunk);
	return r;
}

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

static int parse_one(struct cli *c, int o, struct cli_vhd_args *a,
                     struct cli_manifest_opts *man)
{
	enum err r = ERR_OK;

	switch (o) {
	case 'k': a->key = optarg; break;
	case 'f': a->force = true; break;
	case 'p': a->no_progress = true; break;
	case 'd': a->data = true; break;
	case 'F': a->format = optarg; break;
	case 'M': man->out = optarg; break;
	case 't':
		r = cli_parse_ulong(optarg, "--threads", 1,
		                    VHD_PIPELINE_MAX_THREADS, &a->threads);
		break;
	case 'c': r = parse_chunk(optarg, &a->chunk); break;
	case 'I': r = parse_input_format(optarg, &a->as); break;
	default:
		if (!man || !cli_manifest_opt(man, o, optarg))
			return cli_usage(c, "unknown option");
	}
	return r == ERR_OK ? -1 : cli_usage(c, "%s", err_detail());
}

/* Options the command does not take are unknown to it. */
static bool takes(int o, unsigned extra, const struct cli_manifest_opts *man)
{
	if (o == 'f')
		return extra & CLI_VHD_OUTPUT;
	if (o == 'F')
		return extra & CLI_VHD_FORMAT;
	if (o == 'd')
		return extra & CLI_VHD_DATA;
	if (o == 'I')
		return extra & CLI_VHD_INPUT;
	if (o == 'M' || o >= CLI_MANIFEST_COS_URI)
		return man != NULL;
	return true;
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

int cli_vhd_parse(struct cli *c, int argc, char **argv, unsigned extra,
                  struct cli_vhd_args *a, struct cli_manifest_opts *man)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "threads", required_argument, NULL, 't' },
		{ "chunk", required_argument, NULL, 'c' },
		{ "no-progress", no_argument, NULL, 'p' },
		{ "force", no_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'F' },
		{ "data", no_argument, NULL, 'd' },
		{ "input-format", required_argument, NULL, 'I' },
		{ "manifest", required_argument, NULL, 'M' },
		{ "cos-uri", required_argument, NULL, CLI_MANIFEST_COS_URI },
		{ "name", required_argument, NULL, CLI_MANIFEST_NAME },
		{ "os", required_argument, NULL, CLI_MANIFEST_OS },
		{ "note", required_argument, NULL, CLI_MANIFEST_NOTE },
		{ "wdek", required_argument, NULL, CLI_MANIFEST_WDEK },
		{ "allow-unwrapped", no_argument, NULL,
		  CLI_MANIFEST_ALLOW_UNWRAPPED },
		{ NULL, 0, NULL, 0 },
	};
	int o, rc, files = extra & CLI_VHD_OUTPUT ? 2 : 1;

	memset(a, 0, sizeof(*a));
	if (man)
		memset(man, 0, sizeof(*man));
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (!takes(o, extra, man))
			return cli_usage(c, "unknown option");
		rc = parse_one(c, o, a, man);
		if (rc >= 0)
			return rc;
	}
	if (man && (rc = check_manifest(c, a, man)) >= 0)
		return rc;
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
                          const struct cli_audit_rec *rec,
                          struct cli_vhd_key *k)
{
	enum err r;

	memset(k, 0, sizeof(*k));
	k->chunk = a->chunk;
	r = cli_token_open(c, CLI_TOKEN_LOGIN, &k->t);
	if (r == ERR_OK)
		r = cli_audit_begin(c, k->t.session, rec, &k->audit);
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
	k->xts = (struct km_xts_key){ k->t.session, &k->dek, k->chunk };
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
	return e == ERR_OK ? 0 : cli_fail(c, e);
}

int cli_vhd_main(struct cli *c, int argc, char **argv, unsigned extra,
                 cli_vhd_run_fn *run, void *arg)
{
	struct cli_vhd_args a;
	int rc;

	if (cli_wants_help(c, argc, argv))
		return 0;
	rc = cli_vhd_parse(c, argc, argv, extra, &a, NULL);
	if (rc >= 0)
		return rc;
	return cli_vhd_run(c, &a, run, arg);
}

/* "encrypting  42% (123/290 blocks, 812 MiB/s)", at most once a percent. */
static void draw(void *arg, uint32_t done, uint32_t total)
{
	struct cli_vhd_bar *bar = arg;
	int pct = total ? (int)(100ull * done / total) : 100;
	struct timespec now;
	double secs;

	if (pct == bar->last_pct && done != total)
		return;
	bar->last_pct = pct;
	clock_gettime(CLOCK_MONOTONIC, &now);
	secs = (double)(now.tv_sec - bar->start.tv_sec) +
	       (double)(now.tv_nsec - bar->start.tv_nsec) / 1e9;
	printf("\r%s %3d%% (%u/%u blocks, %.0f MiB/s) ", bar->verb, pct, done,
	       total, secs > 0 ? 2.0 * done / secs : 0.0);
	fflush(stdout);
	bar->shown = true;
}

static void on_signal(int sig)
{
	(void)sig;
	cancelled = 1;
}

void cli_vhd_job_begin(const struct cli *c, const struct cli_vhd_args *a,
                       const char *verb, struct cli_vhd_job *j)
{
	struct sigaction sa;

	memset(j, 0, sizeof(*j));
	j->opts.threads = (unsigned)a->threads;
	j->opts.force = a->force;
	j->opts.cancel = &cancelled;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < CLI_VHD_SIGNALS; i++)
		sigaction(signals[i], &sa, &j->saved[i]);
	j->bar.last_pct = -1;
	j->bar.verb = verb;
	clock_gettime(CLOCK_MONOTONIC, &j->bar.start);
	if (!a->no_progress && !c->json && c->verbosity >= 0 &&
	    isatty(STDOUT_FILENO)) {
		j->opts.progress = draw;
		j->opts.progress_arg = &j->bar;
	}
}

void cli_vhd_job_end(struct cli_vhd_job *j)
{
	for (int i = 0; i < CLI_VHD_SIGNALS; i++)
		sigaction(signals[i], &j->saved[i], NULL);
	if (j->bar.shown)
		printf("\n");
	j->bar.shown = false;
}
