/* SPDX-License-Identifier: MIT */
/* vhd_pipeline.h - a small pool of reader threads loads 2 MiB blocks
 * ahead, N worker threads transform them in parallel (each with its own
 * cipher context, opened and closed on its own thread); the calling thread
 * receives them in block order and may hand each to a small pool of writer
 * threads, which write at offsets the calling thread chose. Reads and
 * writes are both several in flight. Memory is at most
 * VHD_PIPELINE_MAX_SLOTS blocks, whatever the size. */
#ifndef P11SEAL_VHD_PIPELINE_H
#define P11SEAL_VHD_PIPELINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "vhd_cipher.h"
#include "vhd_writer.h"

#define VHD_PIPELINE_MAX_THREADS 64
/* Workers a job asks for at most (and the default's cap): each is one
 * token session or two, and a token's own buffers grow with them (SoftHSM
 * holds ~3.5 x a decryption call per session); more than 16 keep the
 * process under 64 MiB only with tiny calls, and gain nothing on a disk
 * that two already fill (BENCH.md). */
#define VHD_JOB_MAX_THREADS 16
/* Blocks held at once (2 MiB each): two per worker and four that reads
 * and writes in flight share, at most 24 MiB of the 64 MiB the process
 * may use (any thread count works with the cap). */
#define VHD_PIPELINE_MAX_SLOTS 12
/* Reader threads when ops->read is set: reads in flight ahead of the
 * workers, as a file copy's readahead keeps them (BENCH.md). */
#define VHD_PIPELINE_READERS 4
/* Bytes beside each block for what its read learnt (a present map). */
#define VHD_PIPELINE_SIDE 512
/* Writer threads when ops->write is set: about what a disk takes before
 * more requests in flight stop paying (BENCH.md). */
#define VHD_PIPELINE_WRITERS 4

/* Options shared by every job (encrypt, decrypt, verify). */
struct vhd_job_opts {
	unsigned threads; /* workers; 0 = one per CPU we may run on */
	bool force;       /* replace an existing output */
	/* called on the calling thread after each block that holds data
	 * (done of total such blocks; empty blocks are not counted) */
	void (*progress)(void *arg, uint32_t done, uint32_t total);
	void *progress_arg;
	/* non-zero (set by a signal handler) stops the job: ERR_IO */
	const volatile sig_atomic_t *cancel;
	const struct vhd_identity *identity; /* NULL: random UUID, now */
};

struct vhd_pipeline_ops {
	/* Worker thread: produce block k in buf (2 MiB) with cipher context
	 * ctx; *keep = false marks it as nothing to store. With ops->read,
	 * buf and side hold what it loaded and *keep comes in as its *any;
	 * without, *keep comes in false. */
	enum err (*work)(void *arg, void *ctx, uint32_t k, uint8_t *buf,
	                 uint8_t *side, bool *keep);
	/* Calling thread, in ascending k: consume block k; *later = true
	 * hands buf to ops->write on a writer thread (the slot stays held
	 * until that write is done). */
	enum err (*emit)(void *arg, uint32_t k, const uint8_t *buf, bool keep,
	                 bool *later);
	void *arg;
	/* The first block >= k worth working on (n or more: none left);
	 * blocks it skips are neither worked on nor emitted. Called under the
	 * pipeline's lock, so keep it cheap. NULL = every block. */
	uint32_t (*next)(void *arg, uint32_t k);
	/* Writer thread, any order, several at once: write block k, which
	 * emit deferred. NULL = emit never defers. Every write is done before
	 * vhd_pipeline_run returns. */
	enum err (*write)(void *arg, uint32_t k, const uint8_t *buf);
	/* Reader thread, any order, several at once, ahead of the workers:
	 * load block k into buf and what work needs beside it into side
	 * (VHD_PIPELINE_SIDE bytes); *any = false: nothing worth working on.
	 * NULL = work reads for itself. */
	enum err (*read)(void *arg, uint32_t k, uint8_t *buf, uint8_t *side,
	                 bool *any);
};

/* Workers for o->threads (0: the CPUs sched_getaffinity allows, at most
 * VHD_JOB_MAX_THREADS). */
unsigned vhd_pipeline_threads(unsigned threads);

/* Run blocks 0..n-1 (those ops->next picks) through ops. c may be NULL
 * (ctx is then NULL); each worker makes its context when it starts and
 * frees it when it ends. The first error of any thread (a context that
 * cannot be made included) stops all and is returned with its detail.
 * Progress counts the blocks ops->next picks and ends at all of them. */
enum err vhd_pipeline_run(const struct vhd_pipeline_ops *ops,
                          const struct vhd_cipher *c, uint32_t n,
                          const struct vhd_job_opts *o);

#endif
