/* SPDX-License-Identifier: MIT */
/* xts_bench.c - throughput of p11_xts_encrypt through SoftHSM per chunk
 * size, one operation per chunk vs chunks streamed with C_EncryptUpdate,
 * against in-process OpenSSL XTS (one EVP init per 512-byte sector, as
 * blktap does) on the same bytes. Median of N timed runs after a warm-up.
 * Usage: xts_bench [-m MiB] [-r runs] [-k 32|64] [-w KiB] [-s]
 * (-w: stream window, data per token operation; -s: session keys instead
 * of token objects). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "err.h"
#include "p11_xts.h"
#include "secmem.h"

/* The helper is shared with tests/unit and has no object of its own. */
#include "p11test_token.c"

#define MAX_RUNS 31

struct bench {
	struct p11test_token tok;
	uint8_t *buf;
	size_t len;
	int runs;
	size_t keylen;
	size_t window;
	bool on_token;
	uint8_t key[64];
	CK_OBJECT_HANDLE data, tweak;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median MB/s (1 MB = 10^6 bytes) of b->runs timings of fn after one
 * untimed warm-up; a negative return means fn failed. */
static double median_mbs(struct bench *b, int (*fn)(struct bench *, void *),
			 void *arg)
{
	double t[MAX_RUNS];

	if (fn(b, arg) != 0)
		return -1;
	for (int i = 0; i < b->runs; i++) {
		double t0 = now_s();

		if (fn(b, arg) != 0)
			return -1;
		t[i] = (double)b->len / (now_s() - t0) / 1e6;
	}
	qsort(t, (size_t)b->runs, sizeof(t[0]), cmp_double);
	return t[b->runs / 2];
}

static int run_engine(struct bench *b, void *arg)
{
	enum err r = p11_xts_encrypt(arg, b->buf, b->len, 0);

	if (r != ERR_OK)
		fprintf(stderr, "p11_xts_encrypt: %s\n", err_detail());
	return r == ERR_OK ? 0 : -1;
}

static int run_openssl(struct bench *b, void *arg)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t iv[16] = { 0 };
	int n, ok;

	(void)arg;
	ok = ctx && EVP_EncryptInit_ex(ctx, b->keylen == 32 ? EVP_aes_128_xts()
					   : EVP_aes_256_xts(), NULL, b->key,
					   NULL) == 1;
	for (size_t off = 0; ok && off < b->len; off += P11_XTS_SECTOR) {
		uint64_t s = off / P11_XTS_SECTOR;

		memcpy(iv, &s, sizeof(s)); /* LE on the x86 hosts we bench */
		ok = EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, iv) == 1 &&
		     EVP_EncryptUpdate(ctx, b->buf + off, &n, b->buf + off,
				       P11_XTS_SECTOR) == 1;
	}
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* Engine MB/s at chunk with per_op chunks per token operation. */
static double engine_mbs(struct bench *b, size_t chunk, size_t per_op)
{
	struct p11_xts *x = NULL;
	double mbs = -1;

	if (p11_xts_new(&x, b->tok.fn, b->tok.sh, b->data, b->tweak, chunk) !=
	    ERR_OK) {
		fprintf(stderr, "p11_xts_new: %s\n", err_detail());
		return -1;
	}
	if (p11_xts_set_stream(x, per_op) == ERR_OK)
		mbs = median_mbs(b, run_engine, x);
	p11_xts_free(x);
	return mbs;
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	int c;

	b->len = 64u << 20;
	b->runs = 7;
	b->keylen = 64;
	b->window = P11_XTS_DEFAULT_WINDOW;
	b->on_token = true;
	while ((c = getopt(argc, argv, "m:r:k:w:s")) != -1) {
		if (c == 'm')
			b->len = strtoul(optarg, NULL, 10) << 20;
		else if (c == 'r')
			b->runs = (int)strtol(optarg, NULL, 10);
		else if (c == 'k')
			b->keylen = strtoul(optarg, NULL, 10);
		else if (c == 'w')
			b->window = strtoul(optarg, NULL, 10) << 10;
		else if (c == 's')
			b->on_token = false;
		else
			return -1;
	}
	if (b->len == 0 || b->runs < 1 || b->runs > MAX_RUNS || !b->window ||
	    (b->keylen != 32 && b->keylen != 64))
		return -1;
	return 0;
}

static int setup(struct bench *b)
{
	enum p11test_status st = p11test_token_open(&b->tok, "bench", NULL);

	if (st != P11TEST_OK) {
		fprintf(stderr, "token: %s\n", b->tok.reason);
		return -1;
	}
	b->buf = malloc(b->len);
	if (!b->buf || RAND_bytes(b->buf, (int)b->len) != 1 ||
	    RAND_bytes(b->key, (int)b->keylen) != 1)
		return -1;
	if (!p11test_xts_halves(&b->tok, b->key, b->keylen, b->on_token,
				&b->data, &b->tweak)) {
		fprintf(stderr, "keys: %s\n", b->tok.reason);
		return -1;
	}
	return 0;
}

static void table(struct bench *b)
{
	static const size_t kib[] = { 4, 8, 16, 32, 64, 128, 256, 512, 1024 };
	double ossl = median_mbs(b, run_openssl, NULL);

	printf("# XTS-AES-%zu, %zu MiB per run, median of %d, %s keys\n",
	       b->keylen * 4, b->len >> 20, b->runs,
	       b->on_token ? "token" : "session");
	printf("# MB/s = 10^6 bytes/s; stream = one operation per %zu KiB "
	       "window, C_EncryptUpdate per chunk\n", b->window >> 10);
	printf("%-8s %12s %12s %12s\n", "chunk", "init/chunk", "stream",
	       "openssl");
	for (size_t i = 0; i < sizeof(kib) / sizeof(kib[0]); i++) {
		size_t chunk = kib[i] * 1024;

		size_t per_op = chunk < b->window ? b->window / chunk : 1;

		printf("%5zu KiB %12.0f %12.0f %12.0f\n", kib[i],
		       engine_mbs(b, chunk, 1), engine_mbs(b, chunk, per_op),
		       ossl);
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	struct bench b;
	int rc = 1;

	memset(&b, 0, sizeof(b));
	if (parse_args(&b, argc, argv) != 0) {
		fprintf(stderr, "usage: xts_bench [-m MiB] [-r runs 1-%d] "
				"[-k 32|64] [-w KiB] [-s]\n", MAX_RUNS);
		return 2;
	}
	secmem_init(4u << 20);
	if (setup(&b) == 0) {
		table(&b);
		rc = 0;
	}
	free(b.buf);
	p11test_token_close(&b.tok);
	return rc;
}
