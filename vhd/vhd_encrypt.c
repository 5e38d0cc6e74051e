/* SPDX-License-Identifier: MIT */
/* vhd_encrypt.c - reader -> cipher -> writer through the ordered pipeline
 * (blocks read ahead by its reader threads, placed in order, written by
 * its writer threads); the output appears only when complete
 * (vhd_outfile). */
#include "vhd_encrypt.h"

#include <string.h>

#include "encode.h"
#include "vhd_outfile.h"
#include "vhd_writer.h"

#define BLOCK_SECS (VHD_READER_BLOCK / VHD_SECTOR)

struct job {
	const struct vhd_reader *in;
	const struct vhd_cipher *c;
	struct vhd_writer *w;
};

enum err vhd_encrypt_check_input(const struct vhd_reader *in)
{
	const struct vhd_batmap *b = vhd_reader_batmap(in);
	char hex[2 * VHD_KEYHASH_LEN + 1];

	/* a second pass would give a disk that decrypts to ciphertext */
	if (!b || b->keyhash.cookie != 1)
		return ERR_OK;
	encode_hex(hex, b->keyhash.hash, VHD_KEYHASH_LEN);
	return err_set(ERR_FORMAT,
	               "already encrypted with keyhash %s: upload it as it "
	               "is, or check it with vhd verify",
	               hex);
}

bool vhd_encrypt_over_import_limit(const struct vhd_reader *in)
{
	/* the output keeps the input's virtual size: compare that */
	return vhd_reader_size(in) > VHD_IMPORT_LIMIT;
}

bool vhd_encrypt_is_zero(const uint8_t *p, size_t len)
{
	/* compare with itself shifted: memcmp is vectorised, a loop is not */
	return len == 0 || (p[0] == 0 && memcmp(p, p + 1, len - 1) == 0);
}

/* Reader thread: the block, and whether it holds a non-zero byte (a
 * block of zeros stays unallocated, as vhd-util leaves it). */
static enum err read_block(void *arg, uint32_t k, uint8_t *buf, uint8_t *side,
                           bool *any)
{
	struct job *j = arg;
	enum err e;

	(void)side;
	e = vhd_reader_read(j->in, k, buf, NULL, any);
	*any = e == ERR_OK && *any &&
	       !vhd_encrypt_is_zero(buf, VHD_READER_BLOCK);
	return e;
}

static enum err work(void *arg, void *ctx, uint32_t k, uint8_t *buf,
                     uint8_t *side, bool *keep)
{
	struct job *j = arg;

	(void)side;
	if (!*keep)
		return ERR_OK;
	return j->c->encrypt(ctx, buf, VHD_READER_BLOCK,
	                     (uint64_t)k * BLOCK_SECS);
}

/* Empty blocks stay unallocated: skip them without reading or clearing. */
static uint32_t next(void *arg, uint32_t k)
{
	return vhd_reader_next_stored(((struct job *)arg)->in, k);
}

/* In block order: the block's place in the file; a writer thread then
 * writes it there while later blocks are still being encrypted. */
static enum err emit(void *arg, uint32_t k, const uint8_t *buf, bool keep,
                     bool *later)
{
	struct job *j = arg;

	(void)buf;
	*later = keep;
	return keep ? vhd_writer_place(j->w, k) : ERR_OK;
}

static enum err write_block(void *arg, uint32_t k, const uint8_t *buf)
{
	return vhd_writer_put(((struct job *)arg)->w, k, buf);
}

enum err vhd_encrypt(const struct vhd_reader *in, const char *out_path,
                     const struct vhd_cipher *c,
                     const uint8_t keyhash[VHD_KEYHASH_LEN],
                     const struct vhd_job_opts *o)
{
	struct vhd_keyhash kh = { .cookie = 1 };
	struct job j = { .in = in, .c = c };
	struct vhd_pipeline_ops ops = { work, emit,        &j,
		                        next, write_block, read_block };
	struct vhd_outfile *out = NULL;
	uint64_t dev, ino;
	enum err e;

	memcpy(kh.hash, keyhash, VHD_KEYHASH_LEN);
	vhd_reader_identity(in, &dev, &ino);
	e = vhd_encrypt_check_input(in);
	if (e == ERR_OK)
		e = vhd_outfile_open(&out, out_path, o->force, dev, ino);
	if (e == ERR_OK)
		e = vhd_writer_new(&j.w, vhd_outfile_fd(out),
		                   vhd_reader_size(in), &kh, o->identity);
	if (e == ERR_OK)
		e = vhd_pipeline_run(&ops, c, vhd_reader_blocks(in), o);
	if (e == ERR_OK)
		e = vhd_writer_finish(j.w);
	if (e == ERR_OK)
		e = vhd_outfile_commit(out);
	vhd_writer_free(j.w);
	vhd_outfile_free(out);
	return e;
}
