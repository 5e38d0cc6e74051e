/* SPDX-License-Identifier: MIT */
/* xts_bench.c - the crypto path alone (no file I/O): p11_xts through
 * SoftHSM against in-process OpenSSL XTS with one EVP init per 512-byte
 * sector (as blktap does), on the same bytes. Prints markdown table rows;
 * every figure is the median of R timed runs after one warm-up, with min
 * and max. MB = 10^6 bytes.
 *
 *   xts_bench crypto [-m MiB | -f FILE] [-t 1,2,4] [-k 32|64] [-r R]
 *       encrypt and decrypt rates with N worker threads, each with its own
 *       session and engine (as `vhd encrypt --threads N` runs them),
 *       taking 2 MiB blocks in turn; plus CPU seconds per GiB.
 *   xts_bench sweep [-m MiB] [-k 32|64] [-r R]
 *       one thread: chunk size 4 KiB..1 MiB, one token operation per chunk
 *       vs chunks streamed with C_EncryptUpdate through a 2 MiB window;
 *       then the window swept at the default chunk.
 *
 * -s uses session keys instead of token objects (p11seal's DEKs are token
 * objects, the default here). -c/-w set chunk and window for `crypto`,
 * -e limits it to encryption, -d to decryption. `crypto` keeps one
 * operation per key open on two sessions per worker, as `vhd encrypt`
 * does (p11_xts_set_live); -n opens one per window instead. `sweep`
 * always opens one per window: it measures the geometry. */
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "bench_util.h"
#include "err.h"
#include "p11_int.h"
#include "p11_xts.h"
#include "secmem.h"

/* The helper is shared with tests/unit and has no object of its own. */
#include "p11test_token.c"

#define BLOCK       (2u << 20) /* work unit per thread, one VHD block */
#define MAX_THREADS 8

enum op { P11_ENC, P11_DEC, OSSL_ENC, OSSL_DEC };

struct worker {
	struct bench *b;
	CK_SESSION_HANDLE sh, tsh; /* tsh: the tweak key's live operation */
	struct p11_xts *x;
	pthread_t tid;
	int failed;
};

struct bench {
	struct p11test_token tok;
	uint8_t *buf;
	size_t len;
	int runs;
	size_t keylen, chunk, window;
	bool on_token, enc_only, dec_only, live;
	unsigned threads[MAX_THREADS];
	unsigned n_threads;
	const char *file;
	uint8_t key[64];
	CK_OBJECT_HANDLE data, tweak;
	struct worker w[MAX_THREADS];
	enum op op;
	atomic_size_t next;
	struct bench_stat busy; /* CPU s / wall s of the last measure() */
};

static int ossl_run(struct bench *b, uint8_t *p, size_t n, uint64_t first,
		    int enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	const EVP_CIPHER *c =
		b->keylen == 32 ? EVP_aes_128_xts() : EVP_aes_256_xts();
	uint8_t iv[16] = { 0 };
	int out, ok;

	ok = ctx && EVP_CipherInit_ex(ctx, c, NULL, b->key, NULL, enc) == 1;
	for (size_t off = 0; ok && off < n; off += P11_XTS_SECTOR) {
		uint64_t s = first + off / P11_XTS_SECTOR;

		memcpy(iv, &s, sizeof(s)); /* LE on the x86 hosts we bench */
		ok = EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, enc) == 1 &&
		     EVP_CipherUpdate(ctx, p + off, &out, p + off,
				      P11_XTS_SECTOR) == 1;
	}
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int do_block(struct worker *w, uint8_t *p, size_t n, uint64_t first)
{
	enum err r;

	switch (w->b->op) {
	case OSSL_ENC: return ossl_run(w->b, p, n, first, 1);
	case OSSL_DEC: return ossl_run(w->b, p, n, first, 0);
	case P11_ENC: r = p11_xts_encrypt(w->x, p, n, first); break;
	default: r = p11_xts_decrypt(w->x, p, n, first); break;
	}
	if (r != ERR_OK)
		fprintf(stderr, "p11_xts: %s\n", err_detail());
	return r == ERR_OK ? 0 : -1;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct bench *b = w->b;

	for (;;) {
		size_t k = atomic_fetch_add(&b->next, 1), off = k * BLOCK;
		size_t n = off < b->len ? b->len - off : 0;

		if (n == 0 || w->failed)
			break;
		if (n > BLOCK)
			n = BLOCK;
		if (do_block(w, b->buf + off, n, off / P11_XTS_SECTOR) != 0)
			w->failed = 1;
	}
	return NULL;
}

/* One pass of op over the buffer with t threads: wall and CPU seconds. */
static int pass(struct bench *b, enum op op, unsigned t, double *wall,
		double *cpu)
{
	double t0 = bench_now(), c0 = bench_cpu();
	int failed = 0;

	b->op = op;
	atomic_store(&b->next, 0);
	for (unsigned i = 0; i < t; i++) {
		b->w[i].failed = 0;
		if (pthread_create(&b->w[i].tid, NULL, worker_main, &b->w[i]))
			return -1;
	}
	for (unsigned i = 0; i < t; i++) {
		pthread_join(b->w[i].tid, NULL);
		failed |= b->w[i].failed;
	}
	*wall = bench_now() - t0;
	*cpu = bench_cpu() - c0;
	return failed ? -1 : 0;
}

/* Median MB/s and CPU seconds per GiB of op with t threads. */
static int measure(struct bench *b, enum op op, unsigned t,
		   struct bench_stat *mbs, struct bench_stat *cpu_gib)
{
	double v[BENCH_MAX_RUNS], c[BENCH_MAX_RUNS], busy[BENCH_MAX_RUNS];
	double wall, cpu;

	if (pass(b, op, t, &wall, &cpu) != 0) /* warm-up */
		return -1;
	for (int i = 0; i < b->runs; i++) {
		if (pass(b, op, t, &wall, &cpu) != 0)
			return -1;
		v[i] = (double)b->len / wall / 1e6;
		c[i] = cpu / ((double)b->len / (1u << 30));
		busy[i] = cpu / wall;
	}
	*mbs = bench_stats(v, b->runs);
	*cpu_gib = bench_stats(c, b->runs);
	b->busy = bench_stats(busy, b->runs);
	return 0;
}

/* Engines for the first t workers (sessions already open). */
static int engines(struct bench *b, unsigned t, size_t chunk, size_t per_op)
{
	for (unsigned i = 0; i < t; i++) {
		p11_xts_free(b->w[i].x);
		b->w[i].x = NULL;
		if (p11_xts_new(&b->w[i].x, b->tok.fn, b->w[i].sh, b->data,
				b->tweak, chunk) != ERR_OK ||
		    (per_op && p11_xts_set_stream(b->w[i].x, per_op) != ERR_OK) ||
		    (b->live && p11_xts_set_live(b->w[i].x, b->w[i].tsh) !=
		                        ERR_OK)) {
			fprintf(stderr, "p11_xts: %s\n", err_detail());
			return -1;
		}
	}
	return 0;
}

static size_t per_op_for(size_t chunk, size_t window)
{
	return chunk < window ? window / chunk : 1;
}

static void cell(struct bench_stat s, int prec)
{
	printf(" ");
	bench_print_stat(s, prec);
	printf(" |");
}

/* One row per thread count: p11_xts encrypt (and decrypt), OpenSSL
 * encrypt (and decrypt) in MB/s, then p11_xts CPU s/GiB per direction. */
static int crypto(struct bench *b)
{
	static const enum op all[] = { P11_ENC, P11_DEC, OSSL_ENC, OSSL_DEC };
	static const enum op enc[] = { P11_ENC, OSSL_ENC };
	static const enum op dec[] = { P11_DEC, OSSL_DEC };
	const enum op *ops = b->enc_only ? enc : b->dec_only ? dec : all;
	size_t n_ops = b->enc_only || b->dec_only ? 2 : 4;

	if (engines(b, MAX_THREADS, b->chunk,
		    per_op_for(b->chunk ? b->chunk : P11_XTS_DEFAULT_CHUNK,
			       b->window)) != 0)
		return -1;
	if (b->enc_only || b->dec_only)
		printf("| XTS | threads | p11_xts %s MB/s | OpenSSL %s "
		       "MB/s | p11_xts %s CPU s/GiB | cores busy (CPU s / "
		       "wall s) p11_xts, OpenSSL |\n"
		       "|---|---|---|---|---|---|\n",
		       b->enc_only ? "encrypt" : "decrypt",
		       b->enc_only ? "encrypt" : "decrypt",
		       b->enc_only ? "encrypt" : "decrypt");
	else
		printf("| XTS | threads | p11_xts encrypt MB/s | p11_xts "
		       "decrypt MB/s | OpenSSL encrypt MB/s | OpenSSL decrypt "
		       "MB/s | p11_xts encrypt CPU s/GiB | p11_xts decrypt "
		       "CPU s/GiB | cores busy (CPU s / wall s) p11_xts "
		       "encrypt, OpenSSL encrypt |\n"
		       "|---|---|---|---|---|---|---|---|---|\n");
	for (unsigned i = 0; i < b->n_threads; i++) {
		struct bench_stat mbs[4], cpu[4], busy[4];
		unsigned t = b->threads[i];

		for (size_t j = 0; j < n_ops; j++) {
			if (measure(b, ops[j], t, &mbs[j], &cpu[j]) != 0)
				return -1;
			busy[j] = b->busy;
		}
		printf("| AES-%zu | %u |", b->keylen * 4, t);
		for (size_t j = 0; j < n_ops; j++)
			cell(mbs[j], 0);
		cell(cpu[0], 3);
		if (n_ops == 4)
			cell(cpu[1], 3);
		printf(" %.2f, %.2f |\n", busy[0].med, busy[n_ops / 2].med);
		fflush(stdout);
	}
	return 0;
}

static int sweep(struct bench *b)
{
	static const size_t kib[] = { 4, 8, 16, 32, 64, 128, 256, 512, 1024 };
	static const size_t win[] = { 64, 128, 256, 512, 1024, 2048, 4096 };
	struct bench_stat s, cpu;

	b->live = false;
	printf("| chunk | one operation per chunk MB/s | streamed, 2 MiB "
	       "window MB/s | streamed CPU s/GiB |\n|---|---|---|---|\n");
	for (size_t i = 0; i < sizeof(kib) / sizeof(kib[0]); i++) {
		size_t chunk = kib[i] * 1024;

		printf("| %zu KiB |", kib[i]);
		if (engines(b, 1, chunk, 1) != 0 ||
		    measure(b, P11_ENC, 1, &s, &cpu) != 0)
			return -1;
		cell(s, 0);
		if (engines(b, 1, chunk, per_op_for(chunk, 2048u << 10)) != 0 ||
		    measure(b, P11_ENC, 1, &s, &cpu) != 0)
			return -1;
		cell(s, 0);
		cell(cpu, 3);
		printf("\n");
		fflush(stdout);
	}
	printf("\n| window (data per token operation), %u KiB chunks | "
	       "encrypt MB/s | encrypt CPU s/GiB | decrypt MB/s |\n"
	       "|---|---|---|---|\n",
	       P11_XTS_DEFAULT_CHUNK >> 10);
	for (size_t i = 0; i < sizeof(win) / sizeof(win[0]); i++) {
		size_t w = win[i] * 1024;

		printf("| %zu KiB |", win[i]);
		if (engines(b, 1, P11_XTS_DEFAULT_CHUNK,
			    per_op_for(P11_XTS_DEFAULT_CHUNK, w)) != 0 ||
		    measure(b, P11_ENC, 1, &s, &cpu) != 0)
			return -1;
		cell(s, 0);
		cell(cpu, 3);
		if (measure(b, P11_DEC, 1, &s, &cpu) != 0)
			return -1;
		cell(s, 0);
		printf("\n");
		fflush(stdout);
	}
	return 0;
}

static int parse_threads(struct bench *b, const char *s)
{
	char *end;

	b->n_threads = 0;
	do {
		unsigned long t = strtoul(s, &end, 10);

		if (end == s || t < 1 || t > MAX_THREADS ||
		    b->n_threads == MAX_THREADS)
			return -1;
		b->threads[b->n_threads++] = (unsigned)t;
		s = end + 1;
	} while (*end == ',');
	return *end ? -1 : 0;
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	int c;

	b->len = 256u << 20;
	b->runs = 5;
	b->keylen = 64;
	b->window = P11_XTS_DEFAULT_WINDOW;
	b->on_token = true;
	b->live = true;
	b->threads[0] = 1;
	b->n_threads = 1;
	while ((c = getopt(argc, argv, "m:f:t:r:k:c:w:sedn")) != -1) {
		if (c == 'm')
			b->len = strtoul(optarg, NULL, 10) << 20;
		else if (c == 'f')
			b->file = optarg;
		else if (c == 't' && parse_threads(b, optarg) != 0)
			return -1;
		else if (c == 'r')
			b->runs = (int)strtol(optarg, NULL, 10);
		else if (c == 'k')
			b->keylen = strtoul(optarg, NULL, 10);
		else if (c == 'c')
			b->chunk = strtoul(optarg, NULL, 10);
		else if (c == 'w')
			b->window = strtoul(optarg, NULL, 10) << 10;
		else if (c == 's')
			b->on_token = false;
		else if (c == 'e')
			b->enc_only = true;
		else if (c == 'd')
			b->dec_only = true;
		else if (c == 'n')
			b->live = false;
		else if (c == '?')
			return -1;
	}
	if (b->len == 0 || b->len % P11_XTS_SECTOR || b->runs < 1 ||
	    b->runs > BENCH_MAX_RUNS || !b->window ||
	    (b->keylen != 32 && b->keylen != 64))
		return -1;
	return 0;
}

/* The bytes to encrypt: the file's (whole sectors of it) or random. */
static int load(struct bench *b)
{
	FILE *f;
	size_t got = 0;

	if (!b->file) {
		b->buf = malloc(b->len);
		return b->buf && RAND_bytes(b->buf, (int)b->len) == 1 ? 0 : -1;
	}
	f = fopen(b->file, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0) {
		perror(b->file);
		return -1;
	}
	b->len = (size_t)ftell(f) / P11_XTS_SECTOR * P11_XTS_SECTOR;
	rewind(f);
	b->buf = b->len ? malloc(b->len) : NULL;
	while (b->buf && got < b->len) {
		size_t n = fread(b->buf + got, 1, b->len - got, f);

		if (n == 0)
			break;
		got += n;
	}
	fclose(f);
	return b->buf && got == b->len ? 0 : -1;
}

/* p11_xts must equal OpenSSL on real bytes, both ways, before timing. */
static int selfcheck(struct bench *b)
{
	size_t n = b->len < BLOCK ? b->len : BLOCK;
	uint8_t *p = malloc(n), *q = malloc(n);
	int ok = p && q;

	if (ok) {
		memcpy(p, b->buf, n);
		memcpy(q, b->buf, n);
		ok = p11_xts_encrypt(b->w[0].x, p, n, 4096) == ERR_OK &&
		     ossl_run(b, q, n, 4096, 1) == 0 && !memcmp(p, q, n) &&
		     p11_xts_decrypt(b->w[0].x, p, n, 4096) == ERR_OK &&
		     !memcmp(p, b->buf, n);
	}
	free(p);
	free(q);
	if (!ok)
		fprintf(stderr, "p11_xts differs from OpenSSL XTS\n");
	return ok ? 0 : -1;
}

static int setup(struct bench *b)
{
	enum p11test_status st = p11test_token_open(&b->tok, "bench", NULL);
	CK_SESSION_INFO si;

	if (st != P11TEST_OK) {
		fprintf(stderr, "token: %s\n", b->tok.reason);
		return -1;
	}
	if (load(b) != 0 || RAND_bytes(b->key, (int)b->keylen) != 1)
		return -1;
	/* XTS refuses equal halves; random ones differ */
	if (!p11test_xts_halves(&b->tok, b->key, b->keylen, b->on_token,
				&b->data, &b->tweak)) {
		fprintf(stderr, "keys: %s\n", b->tok.reason);
		return -1;
	}
	if (b->tok.fn->C_GetSessionInfo(b->tok.sh, &si) != CKR_OK)
		return -1;
	for (unsigned i = 0; i < MAX_THREADS; i++) {
		b->w[i].b = b;
		b->w[i].sh = b->tok.sh;
		if ((i > 0 && b->tok.fn->C_OpenSession(
				      si.slotID,
				      CKF_SERIAL_SESSION | CKF_RW_SESSION,
				      NULL, NULL, &b->w[i].sh) != CKR_OK) ||
		    b->tok.fn->C_OpenSession(si.slotID,
					     CKF_SERIAL_SESSION |
						     CKF_RW_SESSION,
					     NULL, NULL,
					     &b->w[i].tsh) != CKR_OK)
			return -1;
	}
	if (engines(b, 1, 0, 0) != 0)
		return -1;
	return selfcheck(b);
}

int main(int argc, char **argv)
{
	struct bench b;
	const char *mode = argc > 1 ? argv[1] : "";
	int rc = 1;

	memset(&b, 0, sizeof(b));
	if ((strcmp(mode, "crypto") && strcmp(mode, "sweep")) ||
	    parse_args(&b, argc - 1, argv + 1) != 0) {
		fprintf(stderr,
			"usage: xts_bench crypto|sweep [-m MiB | -f FILE] "
			"[-t 1,2,4] [-r runs 1-%d] [-k 32|64] [-c chunk] "
			"[-w window KiB] [-s] [-e | -d] [-n]\n",
			BENCH_MAX_RUNS);
		return 2;
	}
	secmem_init(4u << 20);
	if (setup(&b) == 0)
		rc = (!strcmp(mode, "crypto") ? crypto(&b) : sweep(&b)) ? 1 : 0;
	for (unsigned i = 0; i < MAX_THREADS; i++)
		p11_xts_free(b.w[i].x);
	free(b.buf);
	p11test_token_close(&b.tok);
	if (rc)
		fprintf(stderr, "xts_bench failed\n");
	return rc;
}
