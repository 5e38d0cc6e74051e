/* SPDX-License-Identifier: MIT */
/* vhd_bitmap.h - VHD sector bitmaps and blktap batmaps: one bit per
 * sector/block, MSB first (bit 7 of byte 0 is item 0), as in blktap. */
#ifndef P11SEAL_VHD_BITMAP_H
#define P11SEAL_VHD_BITMAP_H

#include <stdbool.h>
#include <stdint.h>

static inline bool vhd_bitmap_test(const uint8_t *map, uint64_t bit)
{
	return map[bit / 8] & (0x80u >> (bit % 8));
}

static inline void vhd_bitmap_set(uint8_t *map, uint64_t bit)
{
	map[bit / 8] = (uint8_t)(map[bit / 8] | (0x80u >> (bit % 8)));
}

#endif
