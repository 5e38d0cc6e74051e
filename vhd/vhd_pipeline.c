/* SPDX-License-Identifier: MIT */
/* vhd_pipeline.c - a bounded ring of block slots. Workers claim the i-th
 * block to work on (block k, which ops->next may pick past empty ones) and
 * wait until slot i % S is free (the consumer has emitted claim i - S), so
 * output order costs no reordering buffer and memory stays S blocks. */
#include "vhd_pipeline.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SLOT_BYTES       (2u << 20)
#define SLOTS_PER_THREAD 2

enum slot_state { SLOT_FREE, SLOT_BUSY, SLOT_READY };

struct slot {
	uint8_t *buf;
	enum slot_state state;
	uint32_t turn; /* the only claim that may fill it next */
	uint32_t k;    /* the block it holds */
	bool keep;
};

struct pipe {
	const struct vhd_pipeline_ops *ops;
	pthread_mutex_t lock;
	pthread_cond_t changed; /* any slot changed state, or stop */
	struct slot *slots;
	unsigned n_slots;
	uint32_t n, next; /* blocks; the first block not yet considered */
	uint32_t claims;  /* blocks claimed so far */
	bool claimed_all; /* no block left to claim: claims is final */
	bool stop;
	enum err err; /* first error of any thread */
	char detail[512];
};

/* Record the first error (with this thread's detail) and stop everyone.
 * Called with the lock held. */
static void fail(struct pipe *p, enum err e)
{
	if (p->err == ERR_OK) {
		p->err = e;
		snprintf(p->detail, sizeof(p->detail), "%s", err_detail());
	}
	p->stop = true;
	pthread_cond_broadcast(&p->changed);
}

struct worker {
	struct pipe *p;
	void *ctx;
	pthread_t tid;
	bool started;
};

/* The next block to claim, or n when none is left. Lock held. */
static uint32_t next_block(struct pipe *p)
{
	uint32_t k = p->next;

	if (k < p->n && p->ops->next)
		k = p->ops->next(p->ops->arg, k);
	if (k >= p->n) {
		p->next = p->n;
		if (!p->claimed_all) {
			p->claimed_all = true;
			pthread_cond_broadcast(&p->changed);
		}
		return p->n;
	}
	p->next = k + 1;
	return k;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct pipe *p = w->p;

	pthread_mutex_lock(&p->lock);
	while (!p->stop) {
		uint32_t k = next_block(p), i;
		struct slot *s;
		enum err e;
		bool keep = false;

		if (k >= p->n)
			break;
		i = p->claims++;
		s = &p->slots[i % p->n_slots];
		/* claim i - S may still wait for this slot too: go in turn */
		while (!p->stop && (s->state != SLOT_FREE || s->turn != i))
			pthread_cond_wait(&p->changed, &p->lock);
		if (p->stop)
			break;
		s->state = SLOT_BUSY;
		s->k = k;
		pthread_mutex_unlock(&p->lock);
		e = p->ops->work(p->ops->arg, w->ctx, k, s->buf, &keep);
		pthread_mutex_lock(&p->lock);
		if (e != ERR_OK) {
			fail(p, e);
			break;
		}
		s->keep = keep;
		s->state = SLOT_READY;
		pthread_cond_broadcast(&p->changed);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static enum err check_cancel(const struct vhd_job_opts *o)
{
	if (o->cancel && *o->cancel)
		return err_set(ERR_IO, "interrupted");
	return ERR_OK;
}

/* Blocks *done..upto-1 were skipped (ops->next): each counts as emitted
 * with nothing to store, so cancel and progress behave as if it had been. */
static enum err pass_skipped(struct pipe *p, const struct vhd_job_opts *o,
                             uint32_t *done, uint32_t upto)
{
	for (; *done < upto; (*done)++) {
		enum err e = check_cancel(o);

		if (e != ERR_OK) {
			pthread_mutex_lock(&p->lock);
			fail(p, e);
			pthread_mutex_unlock(&p->lock);
			return e;
		}
		if (o->progress)
			o->progress(o->progress_arg, *done + 1, p->n);
	}
	return ERR_OK;
}

/* The calling thread: emit claims in order, free their slots. */
static void consume(struct pipe *p, const struct vhd_job_opts *o)
{
	uint32_t done = 0; /* blocks emitted or skipped */

	for (uint32_t i = 0;; i++) {
		struct slot *s = &p->slots[i % p->n_slots];
		bool stopped, ready;
		uint32_t k;
		enum err e;

		pthread_mutex_lock(&p->lock);
		while (!p->stop && s->state != SLOT_READY &&
		       !(p->claimed_all && i >= p->claims))
			pthread_cond_wait(&p->changed, &p->lock);
		stopped = p->stop;
		ready = s->state == SLOT_READY;
		k = s->k;
		pthread_mutex_unlock(&p->lock);
		if (stopped)
			return;
		if (!ready)
			break;
		if (pass_skipped(p, o, &done, k) != ERR_OK)
			return;
		e = p->ops->emit(p->ops->arg, k, s->buf, s->keep);
		if (e == ERR_OK)
			e = check_cancel(o);
		pthread_mutex_lock(&p->lock);
		s->state = SLOT_FREE;
		s->turn = i + p->n_slots;
		if (e != ERR_OK)
			fail(p, e);
		pthread_cond_broadcast(&p->changed);
		pthread_mutex_unlock(&p->lock);
		if (e != ERR_OK)
			return;
		done = k + 1;
		if (o->progress)
			o->progress(o->progress_arg, done, p->n);
	}
	(void)pass_skipped(p, o, &done, p->n);
}

static unsigned thread_count(const struct vhd_job_opts *o, uint32_t n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned t = o->threads ? o->threads : cpus > 0 ? (unsigned)cpus : 1;

	if (t > VHD_PIPELINE_MAX_THREADS)
		t = VHD_PIPELINE_MAX_THREADS;
	if (t > n)
		t = n ? n : 1;
	return t;
}

/* Slots and one cipher context per worker, made on this thread. */
static enum err setup(struct pipe *p, struct worker *w, unsigned t,
                      const struct vhd_cipher *c)
{
	p->n_slots = t * SLOTS_PER_THREAD;
	p->slots = calloc(p->n_slots, sizeof(*p->slots));
	if (!p->slots)
		return err_set(ERR_NOMEM, "pipeline slots");
	for (unsigned i = 0; i < p->n_slots; i++) {
		p->slots[i].turn = i;
		p->slots[i].buf = aligned_alloc(4096, SLOT_BYTES);
		if (!p->slots[i].buf)
			return err_set(ERR_NOMEM, "pipeline slot buffer");
	}
	for (unsigned i = 0; i < t; i++) {
		enum err e;

		w[i].p = p;
		if (!c)
			continue;
		e = c->ctx_new(c->arg, &w[i].ctx);
		if (e != ERR_OK)
			return e;
	}
	return ERR_OK;
}

static void teardown(struct pipe *p, struct worker *w, unsigned t,
                     const struct vhd_cipher *c)
{
	for (unsigned i = 0; i < t; i++)
		if (c && w[i].ctx)
			c->ctx_free(w[i].ctx);
	for (unsigned i = 0; p->slots && i < p->n_slots; i++)
		free(p->slots[i].buf);
	free(p->slots);
}

static void start_and_join(struct pipe *p, struct worker *w, unsigned t,
                           const struct vhd_job_opts *o)
{
	for (unsigned i = 0; i < t; i++) {
		if (pthread_create(&w[i].tid, NULL, worker_main, &w[i]) != 0) {
			pthread_mutex_lock(&p->lock);
			fail(p, err_set(ERR_NOMEM, "cannot start worker"));
			pthread_mutex_unlock(&p->lock);
			break;
		}
		w[i].started = true;
	}
	consume(p, o);
	for (unsigned i = 0; i < t; i++)
		if (w[i].started)
			pthread_join(w[i].tid, NULL);
}

enum err vhd_pipeline_run(const struct vhd_pipeline_ops *ops,
                          const struct vhd_cipher *c, uint32_t n,
                          const struct vhd_job_opts *o)
{
	struct worker w[VHD_PIPELINE_MAX_THREADS] = { { 0 } };
	struct pipe p = { .ops = ops, .n = n };
	unsigned t = thread_count(o, n);
	enum err e;

	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.changed, NULL);
	e = setup(&p, w, t, c);
	if (e == ERR_OK) {
		start_and_join(&p, w, t, o);
		e = p.err;
		if (e != ERR_OK)
			err_set(e, "%s", p.detail);
	}
	teardown(&p, w, t, c);
	pthread_cond_destroy(&p.changed);
	pthread_mutex_destroy(&p.lock);
	return e;
}
