/* SPDX-License-Identifier: MIT */
/* vhd_writer.h - writes a dynamic VHD exactly as blktap's vhd-util copy
 * lays it out (vhd_layout.h): creator "tap" 1.3, 2 MiB blocks with full
 * sector bitmaps, batmap with keyhash. Blocks are placed in ascending
 * order (the file position follows the order); their data may then be
 * written by several threads at once; the metadata is written last, by
 * vhd_writer_finish. */
#ifndef P11SEAL_VHD_WRITER_H
#define P11SEAL_VHD_WRITER_H

#include <stdint.h>

#include "err.h"
#include "vhd_batmap.h"

/* Footer identity; NULL in vhd_writer_new means a random UUID, now. */
struct vhd_identity {
	uint8_t uuid[16];
	uint32_t timestamp; /* seconds since 2000-01-01 UTC */
};

struct vhd_writer;

/* Writer into fd (an empty file) for a disk of virtual_size bytes (whole
 * sectors; the footer keeps it, the last block may pass it). kh NULL
 * writes keyhash cookie 0. */
enum err vhd_writer_new(struct vhd_writer **out, int fd, uint64_t virtual_size,
                        const struct vhd_keyhash *kh,
                        const struct vhd_identity *id);

/* Append block k (2 MiB of data, already encrypted if it should be);
 * k must be greater than the previous block's. vhd_writer_place then
 * vhd_writer_put. */
enum err vhd_writer_block(struct vhd_writer *w, uint32_t k,
                          const uint8_t *data);

/* Give block k the next place in the file (k greater than the previous
 * block's); one thread, in order. */
enum err vhd_writer_place(struct vhd_writer *w, uint32_t k);

/* Write block k, already placed, at its place. Several threads may put
 * different blocks at once; all puts must end before vhd_writer_finish. */
enum err vhd_writer_put(struct vhd_writer *w, uint32_t k, const uint8_t *data);

/* Write footer, footer copy, header, BAT, batmap header and batmap. */
enum err vhd_writer_finish(struct vhd_writer *w);

/* Blocks allocated so far. */
uint32_t vhd_writer_allocated(const struct vhd_writer *w);

/* Free; the file itself is the caller's. NULL is a no-op. */
void vhd_writer_free(struct vhd_writer *w);

#endif
