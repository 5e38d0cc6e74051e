/* SPDX-License-Identifier: MIT */
/* vhd_layout.c - blktap's allocator reduced to arithmetic: each block's
 * bitmap sector b is the first free sector with (b + 1) % 8 == 0, so the
 * data after it starts on a 4 KiB boundary. */
#include "vhd_layout.h"

#include <inttypes.h>

#include "vhd_batmap.h"
#include "vhd_footer.h"
#include "vhd_header.h"

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

enum err vhd_layout_compute(struct vhd_layout *l, uint64_t virtual_size)
{
	uint64_t end_sec;

	if (virtual_size == 0 || virtual_size % VHD_SECTOR)
		return err_set(ERR_FORMAT,
		               "virtual size %" PRIu64
		               " is not a positive multiple of 512",
		               virtual_size);
	if (virtual_size > VHD_MAX_SIZE)
		return err_set(ERR_UNSUPPORTED,
		               "virtual size %" PRIu64
		               " exceeds the VHD maximum of 2040 GiB",
		               virtual_size);
	/* the size is kept, not rounded up to whole blocks as vhd-util copy
	 * does: the last block may pass it (docs/vhd-encryption.md §1.1) */
	l->size = virtual_size;
	l->blocks = (uint32_t)(round_up(virtual_size, VHD_BLOCK_SIZE) /
	                       VHD_BLOCK_SIZE);
	l->bat_off = VHD_LAYOUT_BAT_OFF;
	l->bat_bytes = round_up(4ull * l->blocks, VHD_SECTOR);
	l->batmap_hdr_off = l->bat_off + l->bat_bytes;
	l->batmap_off = l->batmap_hdr_off + VHD_BATMAP_HEADER_SIZE;
	l->batmap_secs = vhd_batmap_secs(l->blocks);
	end_sec = l->batmap_off / VHD_SECTOR + l->batmap_secs;
	l->first_block_sec = round_up(end_sec + 1, 8) - 1;
	return ERR_OK;
}

uint64_t vhd_layout_block_sector(const struct vhd_layout *l, uint32_t k)
{
	return l->first_block_sec + (uint64_t)k * VHD_LAYOUT_STRIDE_SECS;
}

uint64_t vhd_layout_footer_off(const struct vhd_layout *l, uint32_t n)
{
	if (n == 0)
		return l->batmap_off + (uint64_t)l->batmap_secs * VHD_SECTOR;
	return (vhd_layout_block_sector(l, n - 1) + 1 + VHD_LAYOUT_BLOCK_SECS) *
	       VHD_SECTOR;
}
