/* SPDX-License-Identifier: MIT */
/* vhd_decrypt.c - the reverse pipeline. Sectors are decrypted in runs of
 * present sectors (tapdisk decrypts only what the VHD stores), and the
 * keyhash is compared before the output file is even created. */
#include "vhd_decrypt.h"

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "secmem.h"
#include "vhd_bitmap.h"
#include "vhd_encrypt.h"
#include "vhd_outfile.h"
#include "vhd_writer.h"

#define BLOCK_SECS (VHD_READER_BLOCK / VHD_SECTOR)

/* the present map travels beside the block from reader to worker */
_Static_assert(VHD_PIPELINE_SIDE >= VHD_READER_MAP_BYTES, "present map");

struct job {
	const struct vhd_reader *in;
	const struct vhd_cipher *c;
	enum vhd_plain fmt;
	int fd;                   /* raw output */
	struct vhd_direct direct; /* its block writes */
	struct vhd_writer *w;     /* vhd output */
	vhd_decrypt_sink *sink;
	void *sink_arg;
	uint32_t sink_next; /* the next block the sink expects */
	uint8_t *zeros;     /* one block, for blocks skipped as empty */
	const volatile sig_atomic_t *cancel;
};

enum err vhd_decrypt_keyhash(const struct vhd_reader *in,
                             const struct vhd_keyhash **out)
{
	const struct vhd_batmap *b = vhd_reader_batmap(in);

	*out = NULL;
	if (!b || b->keyhash.cookie != 1)
		return err_set(ERR_FORMAT, "not an encrypted VHD: no keyhash "
		                           "in a blktap batmap header");
	*out = &b->keyhash;
	return ERR_OK;
}

enum err vhd_decrypt_check(const struct vhd_reader *in,
                           const uint8_t hash[VHD_KEYHASH_LEN])
{
	const struct vhd_keyhash *kh;
	enum err e = vhd_decrypt_keyhash(in, &kh);

	if (e != ERR_OK)
		return e;
	if (!secmem_equal(kh->hash, hash, VHD_KEYHASH_LEN))
		return err_set(ERR_VERIFY, "keyhash mismatch: this key did "
		                           "not encrypt the VHD");
	return ERR_OK;
}

/* Decrypt each run of present sectors of block k in place. */
static enum err decrypt_runs(const struct job *j, void *ctx, uint32_t k,
                             uint8_t *buf, const uint8_t *present)
{
	uint32_t s = 0;

	while (s < BLOCK_SECS) {
		uint32_t end;
		enum err e;

		if (!vhd_bitmap_test(present, s)) {
			s++;
			continue;
		}
		for (end = s; end < BLOCK_SECS && vhd_bitmap_test(present, end);
		     end++)
			;
		e = j->c->decrypt(ctx, buf + (size_t)s * VHD_SECTOR,
		                  (size_t)(end - s) * VHD_SECTOR,
		                  (uint64_t)k * BLOCK_SECS + s);
		if (e != ERR_OK)
			return e;
		s = end;
	}
	return ERR_OK;
}

/* Reader thread: the stored block, and in side which sectors it holds
 * (only those are decrypted). */
static enum err read_block(void *arg, uint32_t k, uint8_t *buf, uint8_t *side,
                           bool *any)
{
	return vhd_reader_read(((struct job *)arg)->in, k, buf, side, any);
}

static enum err work(void *arg, void *ctx, uint32_t k, uint8_t *buf,
                     uint8_t *side, bool *keep)
{
	enum err e = ERR_OK;

	if (*keep)
		e = decrypt_runs(arg, ctx, k, buf, side);
	*keep = e == ERR_OK && *keep &&
	        !vhd_encrypt_is_zero(buf, VHD_READER_BLOCK);
	return e;
}

/* Bytes of block k inside the virtual size. */
static size_t block_len(const struct job *j, uint32_t k)
{
	uint64_t len = vhd_reader_size(j->in) - (uint64_t)k * VHD_READER_BLOCK;

	return len > VHD_READER_BLOCK ? VHD_READER_BLOCK : (size_t)len;
}

/* Blocks sink_next..upto-1 were skipped as unallocated: the sink still
 * sees each, as zeros, in order. */
static enum err sink_zeros(struct job *j, uint32_t upto)
{
	enum err e = ERR_OK;

	for (; e == ERR_OK && j->sink_next < upto; j->sink_next++) {
		if (j->cancel && *j->cancel)
			return err_set(ERR_IO, "interrupted");
		e = j->sink(j->sink_arg, j->sink_next, j->zeros,
		            block_len(j, j->sink_next));
	}
	return e;
}

/* In block order: a sink sees the block now; a file output gets its
 * place, and a writer thread writes it. */
static enum err emit(void *arg, uint32_t k, const uint8_t *buf, bool keep,
                     bool *later)
{
	struct job *j = arg;

	if (j->sink) {
		enum err e = sink_zeros(j, k);

		if (e == ERR_OK)
			e = j->sink(j->sink_arg, k, buf, block_len(j, k));
		j->sink_next = k + 1;
		return e;
	}
	*later = keep;
	if (keep && j->fmt == VHD_PLAIN_VHD)
		return vhd_writer_place(j->w, k);
	return ERR_OK;
}

static enum err write_block(void *arg, uint32_t k, const uint8_t *buf)
{
	struct job *j = arg;

	struct iovec iov = { (void *)(uintptr_t)buf, block_len(j, k) };

	if (j->fmt == VHD_PLAIN_VHD)
		return vhd_writer_put(j->w, k, buf);
	return vhd_direct_pwritev(&j->direct, &iov, 1,
	                          (uint64_t)k * VHD_READER_BLOCK);
}

/* Unallocated blocks decrypt to zeros: skip them without reading. */
static uint32_t next(void *arg, uint32_t k)
{
	return vhd_reader_next_stored(((struct job *)arg)->in, k);
}

/* Output side: raw gets its full length (trailing holes included). */
static enum err finish(struct job *j)
{
	if (j->fmt == VHD_PLAIN_VHD)
		return vhd_writer_finish(j->w);
	vhd_direct_end(&j->direct);
	if (ftruncate(j->fd, (off_t)vhd_reader_size(j->in)) != 0)
		return err_errno(ERR_IO, "truncate");
	return ERR_OK;
}

enum err vhd_decrypt(const struct vhd_reader *in, const char *out_path,
                     enum vhd_plain fmt, const struct vhd_cipher *c,
                     const uint8_t hash[VHD_KEYHASH_LEN],
                     const struct vhd_job_opts *o)
{
	struct job j = { .in = in, .c = c, .fmt = fmt, .fd = -1 };
	struct vhd_pipeline_ops ops = { work, emit,        &j,
		                        next, write_block, read_block };
	struct vhd_outfile *out = NULL;
	uint64_t dev, ino;
	enum err e;

	vhd_reader_identity(in, &dev, &ino);
	e = vhd_decrypt_check(in, hash);
	if (e == ERR_OK)
		e = vhd_outfile_open(&out, out_path, o->force, dev, ino);
	if (e == ERR_OK)
		j.fd = vhd_outfile_fd(out);
	if (e == ERR_OK && fmt != VHD_PLAIN_VHD)
		vhd_direct_begin(&j.direct, j.fd);
	if (e == ERR_OK && fmt == VHD_PLAIN_VHD)
		e = vhd_writer_new(&j.w, j.fd, vhd_reader_size(in), NULL,
		                   o->identity);
	if (e == ERR_OK)
		e = vhd_pipeline_run(&ops, c, vhd_reader_blocks(in), o);
	if (e == ERR_OK)
		e = finish(&j);
	if (e == ERR_OK)
		e = vhd_outfile_commit(out);
	vhd_writer_free(j.w);
	vhd_outfile_free(out);
	return e;
}

enum err vhd_decrypt_each(const struct vhd_reader *in,
                          const struct vhd_cipher *c,
                          const uint8_t hash[VHD_KEYHASH_LEN],
                          vhd_decrypt_sink *sink, void *arg,
                          const struct vhd_job_opts *o)
{
	struct job j = { .in = in,
		         .c = c,
		         .fd = -1,
		         .sink = sink,
		         .sink_arg = arg,
		         .cancel = o->cancel };
	struct vhd_pipeline_ops ops = { .work = work,
		                        .emit = emit,
		                        .arg = &j,
		                        .next = next,
		                        .read = read_block };
	enum err e;

	e = vhd_decrypt_check(in, hash);
	if (e == ERR_OK) {
		j.zeros = calloc(1, VHD_READER_BLOCK);
		if (!j.zeros)
			e = err_set(ERR_NOMEM, "zero block");
	}
	if (e == ERR_OK)
		e = vhd_pipeline_run(&ops, c, vhd_reader_blocks(in), o);
	if (e == ERR_OK)
		e = sink_zeros(&j, vhd_reader_blocks(in));
	free(j.zeros);
	return e;
}
