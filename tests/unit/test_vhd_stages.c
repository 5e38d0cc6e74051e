/* SPDX-License-Identifier: MIT */
/* test_vhd_stages.c - vhd_pipeline_run on its own, with made-up stages:
 * reads ahead (ops->read) and transforms come back in block order with
 * each block's side bytes, blocks ops->next skips are never read, any
 * thread count from 1 to 64 works with the capped slots, every cipher
 * context is made, used and freed on one worker thread, and the first
 * error of a read, a context, a transform or a write stops the run with
 * its detail. A deadlock fails the run through alarm(). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vhd_pipeline.h"

#define N_BLOCKS 100u

struct job {
	uint32_t fail_read;  /* block whose read fails; UINT32_MAX: none */
	uint32_t fail_work;  /* block whose transform fails */
	uint32_t fail_write; /* block whose write fails */
	bool sparse;         /* ops->next skips blocks k % 4 == 1 */
	bool jitter;         /* reads and transforms take uneven time */
	/* counted from several threads: atomics */
	uint32_t reads, works, writes, skipped_read;
	/* the calling thread only */
	uint32_t emitted, last;
	bool any_emitted;
};

static bool skipped(const struct job *j, uint32_t k)
{
	return j->sparse && k % 4 == 1;
}

static uint32_t next(void *arg, uint32_t k)
{
	while (k < N_BLOCKS && skipped(arg, k))
		k++;
	return k;
}

/* Blocks k % 3 == 0 hold nothing (keep false), the rest are kept. */
static bool holds(uint32_t k)
{
	return k % 3 != 0;
}

static void pause_for(const struct job *j, uint32_t k)
{
	if (j->jitter)
		usleep((k * 7919u) % 5 * 200u);
}

static enum err read_block(void *arg, uint32_t k, uint8_t *buf, uint8_t *side,
                           bool *any)
{
	struct job *j = arg;

	__atomic_add_fetch(&j->reads, 1, __ATOMIC_SEQ_CST);
	if (skipped(j, k))
		__atomic_add_fetch(&j->skipped_read, 1, __ATOMIC_SEQ_CST);
	pause_for(j, k);
	if (k == j->fail_read)
		return err_set(ERR_IO, "read of block %u failed", k);
	memcpy(buf, &k, sizeof(k));
	memset(side, (int)(k & 0xff), VHD_PIPELINE_SIDE);
	*any = holds(k);
	return ERR_OK;
}

/* A cipher context: which thread made it, and how many are alive. */
struct ctx {
	pthread_t owner;
};

struct ctxs {
	int made, freed, fail_at; /* fail_at > 0: the n-th ctx_new fails */
	int calls;
};

static enum err ctx_new(void *arg, void **out)
{
	struct ctxs *c = arg;
	int n = __atomic_add_fetch(&c->calls, 1, __ATOMIC_SEQ_CST);
	struct ctx *x;

	*out = NULL;
	if (n == c->fail_at)
		return err_set(ERR_HSM, "session %d refused", n);
	x = malloc(sizeof(*x));
	if (!x)
		return err_set(ERR_NOMEM, "ctx");
	x->owner = pthread_self();
	__atomic_add_fetch(&c->made, 1, __ATOMIC_SEQ_CST);
	*out = x;
	return ERR_OK;
}

static struct ctxs contexts;

static void ctx_count_free(void *ctx)
{
	struct ctx *x = ctx;

	if (!x)
		return;
	/* freed on the thread that made it */
	if (!pthread_equal(x->owner, pthread_self()))
		contexts.freed = -1000;
	else
		__atomic_add_fetch(&contexts.freed, 1, __ATOMIC_SEQ_CST);
	free(x);
}

static const struct vhd_cipher cipher = { ctx_new, NULL, NULL,
	                                  ctx_count_free, &contexts };

static enum err work(void *arg, void *ctx, uint32_t k, uint8_t *buf,
                     uint8_t *side, bool *keep)
{
	struct job *j = arg;
	struct ctx *x = ctx;
	uint32_t got;

	__atomic_add_fetch(&j->works, 1, __ATOMIC_SEQ_CST);
	if (!x || !pthread_equal(x->owner, pthread_self()))
		return err_set(ERR_INTERNAL, "block %u: ctx of another "
		                             "thread", k);
	memcpy(&got, buf, sizeof(got));
	if (got != k || side[0] != (uint8_t)k ||
	    side[VHD_PIPELINE_SIDE - 1] != (uint8_t)k)
		return err_set(ERR_INTERNAL, "block %u: loaded %u", k, got);
	if (*keep != holds(k))
		return err_set(ERR_INTERNAL, "block %u: keep not *any", k);
	pause_for(j, k + 1);
	if (k == j->fail_work)
		return err_set(ERR_CRYPTO, "transform of block %u failed", k);
	buf[4] = 'W';
	return ERR_OK;
}

/* In order, only blocks ops->next picks, each transformed. */
static enum err emit(void *arg, uint32_t k, const uint8_t *buf, bool keep,
                     bool *later)
{
	struct job *j = arg;
	uint32_t got;

	memcpy(&got, buf, sizeof(got));
	if (got != k || buf[4] != 'W')
		return err_set(ERR_INTERNAL, "emit %u: holds %u", k, got);
	if (skipped(j, k) || (j->any_emitted && k <= j->last) ||
	    (!j->any_emitted && k != next(j, 0)) ||
	    (j->any_emitted && k != next(j, j->last + 1)))
		return err_set(ERR_INTERNAL, "emit %u after %u", k, j->last);
	if (keep != holds(k))
		return err_set(ERR_INTERNAL, "emit %u: keep %d", k, keep);
	j->last = k;
	j->any_emitted = true;
	j->emitted++;
	*later = keep;
	return ERR_OK;
}

static enum err write_block(void *arg, uint32_t k, const uint8_t *buf)
{
	struct job *j = arg;
	uint32_t got;

	memcpy(&got, buf, sizeof(got));
	if (got != k || !holds(k))
		return err_set(ERR_INTERNAL, "write %u: holds %u", k, got);
	if (k == j->fail_write)
		return err_set(ERR_IO, "write of block %u failed", k);
	__atomic_add_fetch(&j->writes, 1, __ATOMIC_SEQ_CST);
	return ERR_OK;
}

static struct job job_new(void)
{
	struct job j = { .fail_read = UINT32_MAX,
		         .fail_work = UINT32_MAX,
		         .fail_write = UINT32_MAX };

	return j;
}

static enum err run(struct job *j, unsigned threads)
{
	struct vhd_pipeline_ops ops = { .work = work,
		                        .emit = emit,
		                        .arg = j,
		                        .next = next,
		                        .write = write_block,
		                        .read = read_block };
	struct vhd_job_opts o = { .threads = threads };

	memset(&contexts, 0, sizeof(contexts));
	err_clear();
	return vhd_pipeline_run(&ops, &cipher, N_BLOCKS, &o);
}

static uint32_t count_kept(const struct job *j)
{
	uint32_t n = 0;

	for (uint32_t k = 0; k < N_BLOCKS; k++)
		n += !skipped(j, k) && holds(k);
	return n;
}

static void expect_all(const struct job *j, unsigned workers)
{
	uint32_t picked = j->sparse ? N_BLOCKS - N_BLOCKS / 4 : N_BLOCKS;

	assert_int_equal(j->reads, picked);
	assert_int_equal(j->skipped_read, 0);
	assert_int_equal(j->works, picked);
	assert_int_equal(j->emitted, picked);
	assert_int_equal(j->writes, count_kept(j));
	assert_int_equal(contexts.made, workers);
	assert_int_equal(contexts.freed, workers);
}

static void test_order_threads(void **state)
{
	static const unsigned threads[] = { 1, 2, 8, 64 };

	(void)state;
	for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		for (int sparse = 0; sparse < 2; sparse++) {
			struct job j = job_new();

			j.sparse = sparse;
			j.jitter = true;
			if (run(&j, threads[i]) != ERR_OK)
				fail_msg("%u threads: %s", threads[i],
				         err_detail());
			expect_all(&j, threads[i]);
		}
	}
}

/* Workers that read for themselves (no ops->read) still work. */
static enum err work_reading(void *arg, void *ctx, uint32_t k, uint8_t *buf,
                             uint8_t *side, bool *keep)
{
	enum err e;

	if (*keep)
		return err_set(ERR_INTERNAL, "keep comes in true");
	e = read_block(arg, k, buf, side, keep);
	return e == ERR_OK ? work(arg, ctx, k, buf, side, keep) : e;
}

static void test_no_read_op(void **state)
{
	struct vhd_pipeline_ops ops = { .work = work_reading,
		                        .emit = emit,
		                        .next = next,
		                        .write = write_block };
	struct vhd_job_opts o = { .threads = 3 };
	struct job j = job_new();

	(void)state;
	j.sparse = true;
	ops.arg = &j;
	memset(&contexts, 0, sizeof(contexts));
	if (vhd_pipeline_run(&ops, &cipher, N_BLOCKS, &o) != ERR_OK)
		fail_msg("%s", err_detail());
	expect_all(&j, 3);
}

/* e with detail want, nothing emitted from block bad on, and every
 * context that was made freed. */
static void expect_failed(enum err got, enum err e, const char *want,
                          const struct job *j, uint32_t bad)
{
	assert_int_equal(got, e);
	if (!strstr(err_detail(), want))
		fail_msg("detail '%s' lacks '%s'", err_detail(), want);
	assert_true(!j->any_emitted || j->last < bad);
	assert_int_equal(contexts.freed, contexts.made);
}

static void test_read_error(void **state)
{
	static const unsigned threads[] = { 1, 2, 8, 64 };

	(void)state;
	for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		struct job j = job_new();

		j.fail_read = 37;
		j.jitter = true;
		expect_failed(run(&j, threads[i]), ERR_IO,
		              "read of block 37 failed", &j, 37);
	}
}

static void test_work_and_write_errors(void **state)
{
	struct job j = job_new();

	(void)state;
	j.fail_work = 50;
	expect_failed(run(&j, 8), ERR_CRYPTO, "transform of block 50", &j,
	              50);
	j = job_new();
	j.fail_write = 20;
	expect_failed(run(&j, 2), ERR_IO, "write of block 20 failed", &j,
	              UINT32_MAX);
}

/* A worker whose session cannot be opened fails the run with its detail;
 * the other workers' contexts are freed. */
static void test_ctx_new_fails(void **state)
{
	static const unsigned threads[] = { 1, 2, 8, 64 };

	(void)state;
	for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		struct vhd_pipeline_ops ops = { .work = work,
			                        .emit = emit,
			                        .next = next,
			                        .write = write_block,
			                        .read = read_block };
		struct vhd_job_opts o = { .threads = threads[i] };
		struct job j = job_new();
		enum err e;

		ops.arg = &j;
		memset(&contexts, 0, sizeof(contexts));
		contexts.fail_at = threads[i] > 1 ? 2 : 1;
		err_clear();
		e = vhd_pipeline_run(&ops, &cipher, N_BLOCKS, &o);
		expect_failed(e, ERR_HSM, "refused", &j, UINT32_MAX);
		/* threads not yet started when it failed never start */
		assert_true(contexts.made <= (int)threads[i] - 1);
	}
}

static volatile sig_atomic_t stop;

static void on_progress(void *arg, uint32_t done, uint32_t total)
{
	(void)arg;
	(void)total;
	if (done == 5)
		stop = 1;
}

static void test_cancel(void **state)
{
	struct vhd_pipeline_ops ops = { .work = work,
		                        .emit = emit,
		                        .next = next,
		                        .write = write_block,
		                        .read = read_block };
	struct vhd_job_opts o = { .threads = 2,
		                  .cancel = &stop,
		                  .progress = on_progress };
	struct job j = job_new();

	(void)state;
	ops.arg = &j;
	memset(&contexts, 0, sizeof(contexts));
	err_clear();
	expect_failed(vhd_pipeline_run(&ops, &cipher, N_BLOCKS, &o), ERR_IO,
	              "interrupted", &j, UINT32_MAX);
	assert_int_equal(j.emitted, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_threads),
		cmocka_unit_test(test_no_read_op),
		cmocka_unit_test(test_read_error),
		cmocka_unit_test(test_work_and_write_errors),
		cmocka_unit_test(test_ctx_new_fails),
		cmocka_unit_test(test_cancel),
	};

	alarm(120); /* a deadlocked pipeline kills the test */
	return cmocka_run_group_tests_name("vhd_stages", tests, NULL, NULL);
}
