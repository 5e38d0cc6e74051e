/* SPDX-License-Identifier: MIT */
/* vhd_layout.h - where every structure of a dynamic VHD goes, exactly as
 * blktap's vhd-util copy lays it out (docs/vhd-encryption.md §2): footer
 * copy, header at 512, BAT at 1536, batmap header and batmap, 4 KiB-aligned
 * 2 MiB blocks every 4104 sectors, footer after the last block. */
#ifndef P11SEAL_VHD_LAYOUT_H
#define P11SEAL_VHD_LAYOUT_H

#include <stdint.h>

#include "err.h"

#define VHD_LAYOUT_HEADER_OFF  512u
#define VHD_LAYOUT_BAT_OFF     1536u
#define VHD_LAYOUT_BLOCK_SECS  4096u /* data sectors of a 2 MiB block */
#define VHD_LAYOUT_STRIDE_SECS 4104u /* bitmap + data + alignment gap */

struct vhd_layout {
	uint64_t size;   /* virtual size, a multiple of 512 */
	uint32_t blocks; /* BAT entries = size / 2 MiB, rounded up */
	uint64_t bat_off;
	uint64_t bat_bytes; /* 4 * blocks rounded up to a sector */
	uint64_t batmap_hdr_off;
	uint64_t batmap_off;
	uint32_t batmap_secs;
	uint64_t first_block_sec; /* bitmap sector b of the first block */
};

/* Layout for a disk of virtual_size bytes (kept as it is; the last block
 * may pass it). ERR_FORMAT for 0 or a size that is not whole sectors,
 * ERR_UNSUPPORTED above 2040 GiB. */
enum err vhd_layout_compute(struct vhd_layout *l, uint64_t virtual_size);

/* Bitmap sector of the k-th block allocated (k from 0); this is the
 * value its BAT entry holds. */
uint64_t vhd_layout_block_sector(const struct vhd_layout *l, uint32_t k);

/* Offset of the trailing footer when n blocks are allocated. */
uint64_t vhd_layout_footer_off(const struct vhd_layout *l, uint32_t n);

#endif
