/* SPDX-License-Identifier: MIT */
/* kp_bench.c - DEKs created and wrapped per second against a Key Protect
 * server (tests/kp-server in the bench), with one kp_client (one curl
 * handle, so one TLS connection and one IAM token) reused for every DEK.
 * Settings come from KP_URL, IAM_URL, KP_CACERT, KP_INSTANCE_ID and
 * IBMCLOUD_API_KEY, as kp-lib.sh exports them.
 *
 *   kp_bench root               create a root key, print its id
 *   kp_bench wrap -k ID -n N [-r R]
 *       R timed runs (after one warm-up DEK) of N DEKs each: a 64-byte
 *       DEK from the RNG in secure memory, wrapped under ID. Prints one
 *       markdown row: median DEKs/s (min-max). With -r 0 it wraps N DEKs
 *       untimed and prints nothing: the per-process case is the bench
 *       script running `kp_bench wrap -n 1 -r 0` once per DEK. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "bench_util.h"
#include "kp_client.h"
#include "kp_key.h"
#include "kp_wrap.h"
#include "secmem.h"

#define DEK_LEN 64 /* XTS-AES-256, as `key create dek` makes by default */

static enum err kp_connect(struct kp_client **kp)
{
	struct kp_config cfg = { 0 };
	const char *key = getenv("IBMCLOUD_API_KEY");

	cfg.kp_url = getenv("KP_URL");
	cfg.iam_url = getenv("IAM_URL");
	cfg.cacert = getenv("KP_CACERT");
	cfg.instance_id = getenv("KP_INSTANCE_ID");
	if (!cfg.kp_url || !key)
		return err_set(ERR_USAGE, "KP_URL and IBMCLOUD_API_KEY needed");
	return kp_client_new(kp, &cfg, key);
}

static enum err one_dek(struct kp_client *kp, const char *id)
{
	uint8_t *dek = secmem_alloc(DEK_LEN);
	struct kp_wrapped w;
	enum err r;

	if (!dek)
		return err_set(ERR_NOMEM, "DEK");
	if (RAND_priv_bytes(dek, DEK_LEN) != 1) {
		secmem_free(dek);
		return err_set(ERR_INTERNAL, "RAND_priv_bytes");
	}
	r = kp_wrap(kp, id, dek, DEK_LEN, NULL, 0, &w);
	secmem_free(dek);
	if (r == ERR_OK && (!w.ciphertext || !*w.ciphertext))
		r = err_set(ERR_FORMAT, "wrap returned no ciphertext");
	kp_json_wrapped_clear(&w);
	return r;
}

static enum err make_root(struct kp_client *kp)
{
	struct kp_key_template t = { 0 };
	struct kp_key k;
	bool recovered = false;
	enum err r;

	t.name = "bench-root";
	r = kp_key_create(kp, &t, &k, &recovered);
	if (r == ERR_OK) {
		printf("%s\n", k.id);
		kp_json_key_clear(&k);
	}
	return r;
}

static enum err wrap_runs(struct kp_client *kp, const char *id, long n,
			  int runs)
{
	double v[BENCH_MAX_RUNS];
	enum err r = ERR_OK;

	if (runs == 0) {
		for (long i = 0; i < n && r == ERR_OK; i++)
			r = one_dek(kp, id);
		return r;
	}
	r = one_dek(kp, id); /* warm-up: IAM token, TLS handshake */
	for (int j = 0; j < runs && r == ERR_OK; j++) {
		double t0 = bench_now();

		for (long i = 0; i < n && r == ERR_OK; i++)
			r = one_dek(kp, id);
		v[j] = (double)n / (bench_now() - t0);
	}
	if (r != ERR_OK)
		return r;
	printf("| one process, one kp_client (connection reused) | %ld "
	       "per run | ", n);
	bench_print_stat(bench_stats(v, runs), 0);
	printf(" |\n");
	return ERR_OK;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "", *id = NULL;
	struct kp_client *kp = NULL;
	long n = 100;
	int runs = 5, c;
	enum err r;

	while (argc > 1 && (c = getopt(argc - 1, argv + 1, "k:n:r:")) != -1) {
		if (c == 'k')
			id = optarg;
		else if (c == 'n')
			n = strtol(optarg, NULL, 10);
		else if (c == 'r')
			runs = (int)strtol(optarg, NULL, 10);
		else
			mode = "";
	}
	if ((strcmp(mode, "root") && (strcmp(mode, "wrap") || !id)) ||
	    n < 1 || runs < 0 || runs > BENCH_MAX_RUNS) {
		fprintf(stderr, "usage: kp_bench root | kp_bench wrap -k ID "
				"[-n DEKS] [-r RUNS 0-%d]\n",
			BENCH_MAX_RUNS);
		return 2;
	}
	secmem_init(1u << 22);
	secmem_use_for_json();
	r = kp_connect(&kp);
	if (r == ERR_OK)
		r = !strcmp(mode, "root") ? make_root(kp)
					  : wrap_runs(kp, id, n, runs);
	kp_client_free(kp);
	if (r != ERR_OK) {
		fprintf(stderr, "kp_bench: %s\n", err_detail());
		return 1;
	}
	return 0;
}
