/* SPDX-License-Identifier: MIT */
/* vhd_pipeline.c - a bounded ring of block slots. Workers claim the i-th
 * block to work on (block k, which ops->next may pick past empty ones) and
 * wait until slot i % S is free (claim i - S is emitted and, if deferred,
 * written), so output order costs no reordering buffer and memory stays S
 * blocks. Emitted blocks whose write is deferred queue for the writer
 * threads: the calling thread only decides where a block goes, and up to
 * VHD_PIPELINE_WRITERS writes are in flight at their own offsets. */
#include "vhd_pipeline.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SLOT_BYTES       (2u << 20)
#define SLOTS_PER_THREAD 2

enum slot_state { SLOT_FREE, SLOT_BUSY, SLOT_READY, SLOT_WRITING };

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
	/* deferred writes: slot indices, a ring of n_slots */
	unsigned *queue, q_head, q_len;
	bool emitted_all; /* nothing more will be queued */
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

/* Slot idx is done with: its next claim may fill it. Lock held. */
static void release(struct pipe *p, unsigned idx)
{
	struct slot *s = &p->slots[idx];

	s->state = SLOT_FREE;
	s->turn += p->n_slots;
	pthread_cond_broadcast(&p->changed);
}

/* Writer thread: take deferred blocks in queue order, write each. */
static void *writer_main(void *arg)
{
	struct pipe *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		unsigned idx;
		struct slot *s;
		enum err e;

		while (!p->stop && p->q_len == 0 && !p->emitted_all)
			pthread_cond_wait(&p->changed, &p->lock);
		if (p->stop || p->q_len == 0)
			break;
		idx = p->queue[p->q_head];
		p->q_head = (p->q_head + 1) % p->n_slots;
		p->q_len--;
		s = &p->slots[idx];
		pthread_mutex_unlock(&p->lock);
		e = p->ops->write(p->ops->arg, s->k, s->buf);
		pthread_mutex_lock(&p->lock);
		if (e != ERR_OK) {
			fail(p, e);
			break;
		}
		release(p, idx);
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

/* After emit: free slot idx, or queue it for a writer. Lock held. */
static void hand_on(struct pipe *p, unsigned idx, bool later)
{
	if (!later) {
		release(p, idx);
		return;
	}
	p->slots[idx].state = SLOT_WRITING;
	p->queue[(p->q_head + p->q_len) % p->n_slots] = idx;
	p->q_len++;
	pthread_cond_broadcast(&p->changed);
}

/* Wait until slot idx holds claim i's block, or there is none. Returns
 * false when the run stops or every claim is consumed. */
static bool wait_ready(struct pipe *p, struct slot *s, uint32_t i)
{
	bool ready;

	pthread_mutex_lock(&p->lock);
	while (!p->stop && s->state != SLOT_READY &&
	       !(p->claimed_all && i >= p->claims))
		pthread_cond_wait(&p->changed, &p->lock);
	ready = !p->stop && s->state == SLOT_READY;
	pthread_mutex_unlock(&p->lock);
	return ready;
}

/* The calling thread: emit claims in order, free or queue their slots. */
static void consume(struct pipe *p, const struct vhd_job_opts *o,
                    uint32_t total)
{
	for (uint32_t i = 0;; i++) {
		unsigned idx = i % p->n_slots;
		struct slot *s = &p->slots[idx];
		bool later = false;
		enum err e;

		if (!wait_ready(p, s, i))
			break;
		e = check_cancel(o);
		if (e == ERR_OK)
			e = p->ops->emit(p->ops->arg, s->k, s->buf, s->keep,
			                 &later);
		pthread_mutex_lock(&p->lock);
		if (e != ERR_OK)
			fail(p, e);
		else
			hand_on(p, idx, later && p->ops->write);
		pthread_mutex_unlock(&p->lock);
		if (e != ERR_OK)
			break;
		if (o->progress)
			o->progress(o->progress_arg, i + 1, total);
	}
	pthread_mutex_lock(&p->lock);
	p->emitted_all = true;
	pthread_cond_broadcast(&p->changed);
	pthread_mutex_unlock(&p->lock);
}

unsigned vhd_pipeline_threads(unsigned threads)
{
	cpu_set_t set;
	long cpus;

	if (threads)
		return threads;
	/* the cores this process may use (taskset, cgroup cpusets), not the
	 * machine's: more workers than those only contend */
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set))
		return (unsigned)CPU_COUNT(&set);
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus > 0 ? (unsigned)cpus : 1;
}

static unsigned thread_count(const struct vhd_job_opts *o, uint32_t n)
{
	unsigned t = vhd_pipeline_threads(o->threads);

	if (t > VHD_PIPELINE_MAX_THREADS)
		t = VHD_PIPELINE_MAX_THREADS;
	if (t > n)
		t = n ? n : 1;
	return t;
}

/* Slots: two per worker (one worked on, one waiting to be emitted) plus
 * one per write in flight, up to the cap. */
static unsigned slot_count(const struct pipe *p, unsigned t)
{
	unsigned s = t * SLOTS_PER_THREAD;

	if (p->ops->write)
		s += VHD_PIPELINE_WRITERS;
	return s > VHD_PIPELINE_MAX_SLOTS ? VHD_PIPELINE_MAX_SLOTS : s;
}

/* Slots and one cipher context per worker, made on this thread. */
static enum err setup(struct pipe *p, struct worker *w, unsigned t,
                      const struct vhd_cipher *c)
{
	p->n_slots = slot_count(p, t);
	p->slots = calloc(p->n_slots, sizeof(*p->slots));
	p->queue = calloc(p->n_slots, sizeof(*p->queue));
	if (!p->slots || !p->queue)
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
	free(p->queue);
}

/* Blocks the run will emit: progress counts these, not empty ones. */
static uint32_t stored_blocks(const struct pipe *p)
{
	uint32_t count = 0;

	if (!p->ops->next)
		return p->n;
	for (uint32_t k = p->ops->next(p->ops->arg, 0); k < p->n;
	     k = p->ops->next(p->ops->arg, k + 1))
		count++;
	return count;
}

static void start(struct pipe *p, pthread_t *tid, bool *started,
                  void *(*fn)(void *), void *arg)
{
	if (pthread_create(tid, NULL, fn, arg) == 0) {
		*started = true;
		return;
	}
	pthread_mutex_lock(&p->lock);
	fail(p, err_set(ERR_NOMEM, "cannot start a pipeline thread"));
	pthread_mutex_unlock(&p->lock);
}

static void start_and_join(struct pipe *p, struct worker *w, unsigned t,
                           const struct vhd_job_opts *o)
{
	pthread_t wt[VHD_PIPELINE_WRITERS];
	bool wt_started[VHD_PIPELINE_WRITERS] = { false };
	unsigned writers = p->ops->write ? VHD_PIPELINE_WRITERS : 0;
	uint32_t total = o->progress ? stored_blocks(p) : 0;

	for (unsigned i = 0; i < writers && !p->stop; i++)
		start(p, &wt[i], &wt_started[i], writer_main, p);
	for (unsigned i = 0; i < t && !p->stop; i++)
		start(p, &w[i].tid, &w[i].started, worker_main, &w[i]);
	consume(p, o, total);
	for (unsigned i = 0; i < t; i++)
		if (w[i].started)
			pthread_join(w[i].tid, NULL);
	for (unsigned i = 0; i < writers; i++)
		if (wt_started[i])
			pthread_join(wt[i], NULL);
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
