/* SPDX-License-Identifier: MIT */
/* vhd_bat.h - the block allocation table: u32 big-endian sector offsets,
 * 0xFFFFFFFF = unallocated. Pure decode/encode and the bounds and overlap
 * check of every allocated block against the file's other structures. */
#ifndef P11SEAL_VHD_BAT_H
#define P11SEAL_VHD_BAT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define VHD_BAT_UNUSED      0xFFFFFFFFu
#define VHD_BAT_MAX_ENTRIES (1u << 22) /* 16 MiB of BAT; 2040 GiB at 512K */

/* A byte range of the file that no data block may touch. */
struct vhd_extent {
	uint64_t start;
	uint64_t len;
	const char *what; /* "dynamic header", "BAT", ... */
};

/* Decode n entries from buf (4n bytes) into bat. */
void vhd_bat_decode(uint32_t *bat, const uint8_t *buf, uint32_t n);

/* Encode n entries into out (out_len >= 4n bytes); the rest of out is
 * zero-filled (blktap pads the BAT with zero bytes, not 0xFF). */
void vhd_bat_encode(const uint32_t *bat, uint32_t n, uint8_t *out,
                    size_t out_len);

/* Bytes of the sector bitmap in front of each block of block_size bytes,
 * padded to whole sectors. */
uint32_t vhd_bat_bitmap_bytes(uint32_t block_size);

/* Check that every allocated block (bitmap + data) of the n entries lies
 * in [0, data_end), overlaps none of the n_meta extents and no other
 * block. bat_off is the BAT's file offset, for error details. ERR_FORMAT
 * naming the entry on failure; ERR_NOMEM if the sort buffer fails. */
enum err vhd_bat_check(const uint32_t *bat, uint32_t n, uint32_t block_size,
                       const struct vhd_extent *meta, size_t n_meta,
                       uint64_t data_end, uint64_t bat_off);

#endif
