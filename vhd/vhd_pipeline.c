/* SPDX-License-Identifier: MIT */
/* vhd_pipeline.c - a bounded ring of block slots. Reader threads claim
 * the i-th block to work on (block k, which ops->next may pick past empty
 * ones), wait until slot i % S is free (claim i - S is emitted and, if
 * deferred, written) and load it; workers take loaded slots in claim order
 * and transform them; so output order costs no reordering buffer and
 * memory stays S blocks. Emitted blocks whose write is deferred queue for
 * the writer threads: the calling thread only decides where a block goes,
 * and up to VHD_PIPELINE_WRITERS writes are in flight at their own
 * offsets. Each slot has its own condition, so a change wakes only the
 * threads waiting for that slot. */
#include "vhd_pipeline.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SLOT_BYTES       (2u << 20)
#define SLOTS_PER_THREAD 2
#define IO_SLOTS         4
#define MAX_RUN_THREADS \
	(VHD_PIPELINE_READERS + VHD_PIPELINE_MAX_THREADS + VHD_PIPELINE_WRITERS)

enum slot_state {
	SLOT_FREE,
	SLOT_READING,
	SLOT_LOADED,
	SLOT_BUSY,
	SLOT_READY,
	SLOT_WRITING,
};

struct slot {
	uint8_t *buf;
	uint8_t side[VHD_PIPELINE_SIDE];
	pthread_cond_t changed; /* its state changed, claims final, or stop */
	enum slot_state state;
	uint32_t turn; /* the only claim that may fill it next */
	uint32_t k;    /* the block it holds */
	bool keep;
};

struct pipe {
	const struct vhd_pipeline_ops *ops;
	const struct vhd_cipher *c;
	pthread_mutex_t lock;
	pthread_cond_t queued; /* a write was queued, or emitted_all */
	struct slot *slots;
	unsigned n_slots;
	uint32_t n, next; /* blocks; the first block not yet considered */
	uint32_t claims;  /* blocks claimed so far */
	uint32_t taken;   /* claims taken by workers so far */
	bool claimed_all; /* no block left to claim: claims is final */
	/* deferred writes: slot indices, a ring of n_slots */
	unsigned *queue, q_head, q_len;
	bool emitted_all; /* nothing more will be queued */
	bool stop;
	enum err err; /* first error of any thread */
	char detail[512];
};

/* Wake every thread waiting for a slot. Lock held. */
static void wake_all(struct pipe *p)
{
	for (unsigned i = 0; i < p->n_slots; i++)
		pthread_cond_broadcast(&p->slots[i].changed);
}

/* Record the first error (with this thread's detail) and stop everyone.
 * Called with the lock held. */
static void fail(struct pipe *p, enum err e)
{
	if (p->err == ERR_OK) {
		p->err = e;
		snprintf(p->detail, sizeof(p->detail), "%s", err_detail());
	}
	p->stop = true;
	wake_all(p);
	pthread_cond_broadcast(&p->queued);
}

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
			wake_all(p);
		}
		return p->n;
	}
	p->next = k + 1;
	return k;
}

/* Claim the next block and wait for its slot, in turn (claim i - S may
 * still wait for the same slot). NULL when none is left or the run
 * stops. Lock held. */
static struct slot *claim(struct pipe *p)
{
	uint32_t k = next_block(p), i;
	struct slot *s;

	if (k >= p->n)
		return NULL;
	i = p->claims++;
	s = &p->slots[i % p->n_slots];
	while (!p->stop && (s->state != SLOT_FREE || s->turn != i))
		pthread_cond_wait(&s->changed, &p->lock);
	if (p->stop)
		return NULL;
	s->state = SLOT_READING;
	s->k = k;
	return s;
}

/* Reader thread: claim blocks in order and load them (without ops->read,
 * only claim them: the workers read). */
static void *reader_main(void *arg)
{
	struct pipe *p = arg;
	struct slot *s;

	pthread_mutex_lock(&p->lock);
	while (!p->stop && (s = claim(p))) {
		enum err e = ERR_OK;
		bool any = false;

		pthread_mutex_unlock(&p->lock);
		if (p->ops->read)
			e = p->ops->read(p->ops->arg, s->k, s->buf, s->side,
			                 &any);
		pthread_mutex_lock(&p->lock);
		if (e != ERR_OK) {
			fail(p, e);
			break;
		}
		s->keep = any;
		s->state = SLOT_LOADED;
		pthread_cond_broadcast(&s->changed);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* The next claim in order, once loaded; NULL when every claim is taken
 * or the run stops. Lock held. */
static struct slot *take_loaded(struct pipe *p)
{
	uint32_t j = p->taken++;
	struct slot *s = &p->slots[j % p->n_slots];

	while (!p->stop && !(s->state == SLOT_LOADED && s->turn == j) &&
	       !(p->claimed_all && j >= p->claims))
		pthread_cond_wait(&s->changed, &p->lock);
	if (p->stop || s->state != SLOT_LOADED || s->turn != j)
		return NULL;
	s->state = SLOT_BUSY;
	return s;
}

/* Transform loaded blocks with ctx until none is left. */
static void work_all(struct pipe *p, void *ctx)
{
	struct slot *s;

	pthread_mutex_lock(&p->lock);
	while (!p->stop && (s = take_loaded(p))) {
		bool keep = s->keep;
		enum err e;

		pthread_mutex_unlock(&p->lock);
		e = p->ops->work(p->ops->arg, ctx, s->k, s->buf, s->side,
		                 &keep);
		pthread_mutex_lock(&p->lock);
		if (e != ERR_OK) {
			fail(p, e);
			break;
		}
		s->keep = keep;
		s->state = SLOT_READY;
		pthread_cond_broadcast(&s->changed);
	}
	pthread_mutex_unlock(&p->lock);
}

/* Worker thread: its own cipher context, made here so that every
 * worker's session opens at once (a network token's round trips add up
 * when made one after another). */
static void *worker_main(void *arg)
{
	struct pipe *p = arg;
	void *ctx = NULL;
	enum err e = p->c ? p->c->ctx_new(p->c->arg, &ctx) : ERR_OK;

	if (e != ERR_OK) {
		pthread_mutex_lock(&p->lock);
		fail(p, e);
		pthread_mutex_unlock(&p->lock);
	} else {
		work_all(p, ctx);
	}
	if (p->c && ctx)
		p->c->ctx_free(ctx);
	return NULL;
}

/* Slot idx is done with: its next claim may fill it. Lock held. */
static void release(struct pipe *p, unsigned idx)
{
	struct slot *s = &p->slots[idx];

	s->state = SLOT_FREE;
	s->turn += p->n_slots;
	pthread_cond_broadcast(&s->changed);
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
			pthread_cond_wait(&p->queued, &p->lock);
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
	pthread_cond_signal(&p->queued);
}

/* Wait until slot idx holds claim i's block, or there is none. Returns
 * false when the run stops or every claim is consumed. */
static bool wait_ready(struct pipe *p, struct slot *s, uint32_t i)
{
	bool ready;

	pthread_mutex_lock(&p->lock);
	while (!p->stop && s->state != SLOT_READY &&
	       !(p->claimed_all && i >= p->claims))
		pthread_cond_wait(&s->changed, &p->lock);
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
	pthread_cond_broadcast(&p->queued);
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
		cpus = CPU_COUNT(&set);
	else
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus > VHD_JOB_MAX_THREADS)
		return VHD_JOB_MAX_THREADS;
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

/* Readers: several reads in flight when ops->read loads blocks; one
 * thread that only claims them otherwise. */
static unsigned reader_count(const struct pipe *p)
{
	unsigned r = p->ops->read ? VHD_PIPELINE_READERS : 1;

	return r > p->n && p->n ? p->n : r;
}

/* Slots: two per worker (one worked on, one waiting to be emitted) and
 * IO_SLOTS that reads and writes in flight share, up to the cap. Claims
 * take slots in order, so any count works, only slower. One slot per
 * reader and per writer measured no faster, cold or warm, for 8 MiB more
 * at 2 workers. */
static unsigned slot_count(const struct pipe *p, unsigned t)
{
	unsigned s = t * SLOTS_PER_THREAD;

	if (p->ops->read || p->ops->write)
		s += IO_SLOTS;
	return s > VHD_PIPELINE_MAX_SLOTS ? VHD_PIPELINE_MAX_SLOTS : s;
}

static enum err setup(struct pipe *p, unsigned t)
{
	p->n_slots = slot_count(p, t);
	p->slots = calloc(p->n_slots, sizeof(*p->slots));
	p->queue = calloc(p->n_slots, sizeof(*p->queue));
	if (!p->slots || !p->queue)
		return err_set(ERR_NOMEM, "pipeline slots");
	for (unsigned i = 0; i < p->n_slots; i++) {
		pthread_cond_init(&p->slots[i].changed, NULL);
		p->slots[i].turn = i;
	}
	for (unsigned i = 0; i < p->n_slots; i++) {
		p->slots[i].buf = aligned_alloc(4096, SLOT_BYTES);
		if (!p->slots[i].buf)
			return err_set(ERR_NOMEM, "pipeline slot buffer");
	}
	return ERR_OK;
}

static void teardown(struct pipe *p)
{
	for (unsigned i = 0; p->slots && i < p->n_slots; i++) {
		pthread_cond_destroy(&p->slots[i].changed);
		free(p->slots[i].buf);
	}
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

struct threads {
	pthread_t tid[MAX_RUN_THREADS];
	unsigned n;
};

static bool stopped(struct pipe *p)
{
	bool stop;

	pthread_mutex_lock(&p->lock);
	stop = p->stop;
	pthread_mutex_unlock(&p->lock);
	return stop;
}

/* Start count threads running fn(p), none once the run stops (a worker
 * may fail before the rest start); a failure to start stops it. */
static void start(struct pipe *p, struct threads *th, unsigned count,
                  void *(*fn)(void *))
{
	for (unsigned i = 0; i < count && !stopped(p); i++) {
		if (pthread_create(&th->tid[th->n], NULL, fn, p) == 0) {
			th->n++;
			continue;
		}
		pthread_mutex_lock(&p->lock);
		fail(p, err_set(ERR_NOMEM, "cannot start a pipeline thread"));
		pthread_mutex_unlock(&p->lock);
	}
}

static void start_and_join(struct pipe *p, unsigned t,
                           const struct vhd_job_opts *o)
{
	struct threads th = { .n = 0 };
	unsigned writers = p->ops->write ? VHD_PIPELINE_WRITERS : 0;
	uint32_t total = o->progress ? stored_blocks(p) : 0;

	start(p, &th, t, worker_main); /* sessions open while reads start */
	start(p, &th, reader_count(p), reader_main);
	start(p, &th, writers, writer_main);
	consume(p, o, total);
	for (unsigned i = 0; i < th.n; i++)
		pthread_join(th.tid[i], NULL);
}

enum err vhd_pipeline_run(const struct vhd_pipeline_ops *ops,
                          const struct vhd_cipher *c, uint32_t n,
                          const struct vhd_job_opts *o)
{
	struct pipe p = { .ops = ops, .c = c, .n = n };
	unsigned t = thread_count(o, n);
	enum err e;

	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.queued, NULL);
	e = setup(&p, t);
	if (e == ERR_OK) {
		start_and_join(&p, t, o);
		e = p.err;
		if (e != ERR_OK)
			err_set(e, "%s", p.detail);
	}
	teardown(&p);
	pthread_cond_destroy(&p.queued);
	pthread_mutex_destroy(&p.lock);
	return e;
}
