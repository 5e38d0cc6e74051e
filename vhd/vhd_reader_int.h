/* SPDX-License-Identifier: MIT */
/* vhd_reader_int.h - the reader's state, shared by vhd_reader.c (detection,
 * flat inputs) and vhd_dynamic.c (dynamic inputs). Not for other modules. */
#ifndef P11SEAL_VHD_READER_INT_H
#define P11SEAL_VHD_READER_INT_H

#include <stddef.h>
#include <stdint.h>

#include "vhd_reader.h"

struct vhd_reader {
	int fd;
	int dfd; /* same file with O_DIRECT for bulk flat reads, or -1 */
	bool owns_fd;
	const char *name;
	enum vhd_input_format as;
	enum vhd_input input;
	uint64_t file_size;
	uint64_t size; /* virtual size */
	uint64_t dev, ino;
	struct vhd_footer footer;
	uint64_t footer_off; /* trailing footer */
	size_t footer_len;   /* 512, or 511 (old Virtual PC) */
	struct vhd_header header;
	bool has_batmap;
	uint64_t batmap_hdr_off;
	struct vhd_batmap batmap;
	uint8_t *batmap_bits; /* batmap.map_secs * 512 bytes */
	uint32_t *bat;        /* the entries covering the virtual size */
	uint32_t entries;
	uint32_t allocated;
};

/* pread exactly len bytes at off; a short read is ERR_FORMAT naming what
 * (the file ends inside it), a failed one ERR_IO. */
enum err vhd_reader_pread(const struct vhd_reader *r, void *buf, size_t len,
                          uint64_t off, const char *what);

/* Validate the dynamic disk whose footer r holds; loads BAT and batmap. */
enum err vhd_dynamic_load(struct vhd_reader *r);

/* vhd_reader_read for a dynamic input. */
enum err vhd_dynamic_read(const struct vhd_reader *r, uint32_t k, uint8_t *buf,
                          uint8_t *present, bool *any);

#endif
