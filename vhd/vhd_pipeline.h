/* SPDX-License-Identifier: MIT */
/* vhd_pipeline.h - N worker threads transform 2 MiB blocks in parallel
 * (each with its own cipher context); the calling thread receives them in
 * block order. Memory is 2 slots of 2 MiB per worker, whatever the size. */
#ifndef P11SEAL_VHD_PIPELINE_H
#define P11SEAL_VHD_PIPELINE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "vhd_cipher.h"
#include "vhd_writer.h"

#define VHD_PIPELINE_MAX_THREADS 64

/* Options shared by every job (encrypt, decrypt, verify). */
struct vhd_job_opts {
	unsigned threads; /* workers; 0 = one per online CPU */
	bool force;       /* replace an existing output */
	/* called on the calling thread after each block; NULL = none */
	void (*progress)(void *arg, uint32_t done, uint32_t total);
	void *progress_arg;
	/* non-zero (set by a signal handler) stops the job: ERR_IO */
	const volatile sig_atomic_t *cancel;
	const struct vhd_identity *identity; /* NULL: random UUID, now */
};

struct vhd_pipeline_ops {
	/* Worker thread: produce block k into buf (2 MiB) with cipher
	 * context ctx; *keep = false marks it as nothing to store. */
	enum err (*work)(void *arg, void *ctx, uint32_t k, uint8_t *buf,
	                 bool *keep);
	/* Calling thread, in ascending k: consume block k. */
	enum err (*emit)(void *arg, uint32_t k, const uint8_t *buf, bool keep);
	void *arg;
	/* The first block >= k worth working on (n or more: none left);
	 * blocks it skips are neither worked on nor emitted. Called under the
	 * pipeline's lock, so keep it cheap. NULL = every block. */
	uint32_t (*next)(void *arg, uint32_t k);
};

/* Run blocks 0..n-1 (those ops->next picks) through ops. c may be NULL
 * (ctx is then NULL). The first error of any thread stops all and is
 * returned with its detail. Progress counts blocks passed, skipped or not,
 * and ends at n of n. */
enum err vhd_pipeline_run(const struct vhd_pipeline_ops *ops,
                          const struct vhd_cipher *c, uint32_t n,
                          const struct vhd_job_opts *o);

#endif
