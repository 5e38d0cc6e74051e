/* SPDX-License-Identifier: MIT */
/* vhd_bat.c - BAT coding and validation. Blocks are checked in file order
 * (sorted copy), so overlap detection costs O(n log n) and 8 bytes per
 * allocated entry. */
#include "vhd_bat.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

void vhd_bat_decode(uint32_t *bat, const uint8_t *buf, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		bat[i] = get_be32(buf + 4 * (size_t)i);
}

void vhd_bat_encode(const uint32_t *bat, uint32_t n, uint8_t *out,
                    size_t out_len)
{
	memset(out, 0, out_len);
	for (uint32_t i = 0; i < n; i++)
		put_be32(out + 4 * (size_t)i, bat[i]);
}

uint32_t vhd_bat_bitmap_bytes(uint32_t block_size)
{
	uint32_t bytes = (block_size / 512 + 7) / 8;

	return (bytes + 511) / 512 * 512;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Block i at [start, end): inside the data area and off every extent. */
static enum err check_one(uint32_t i, uint32_t entry, uint64_t end,
                          const struct vhd_extent *meta, size_t n_meta,
                          uint64_t data_end, uint64_t bat_off)
{
	uint64_t start = (uint64_t)entry * 512;

	if (end > data_end)
		return err_set(ERR_FORMAT,
		               "BAT at offset %" PRIu64 ": entry %" PRIu32
		               " (sector %" PRIu32 ") ends at byte %" PRIu64
		               ", past the data area end %" PRIu64,
		               bat_off, i, entry, end, data_end);
	for (size_t m = 0; m < n_meta; m++)
		if (start < meta[m].start + meta[m].len && meta[m].start < end)
			return err_set(ERR_FORMAT,
			               "BAT at offset %" PRIu64
			               ": entry %" PRIu32 " (sector %" PRIu32
			               ") overlaps the %s at offset %" PRIu64,
			               bat_off, i, entry, meta[m].what,
			               meta[m].start);
	return ERR_OK;
}

enum err vhd_bat_check(const uint32_t *bat, uint32_t n, uint32_t block_size,
                       const struct vhd_extent *meta, size_t n_meta,
                       uint64_t data_end, uint64_t bat_off)
{
	uint64_t span = (uint64_t)vhd_bat_bitmap_bytes(block_size) + block_size;
	uint64_t *sorted = NULL, prev_end = 0;
	uint32_t prev = 0, k = 0;
	enum err r = ERR_OK;

	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	if (!sorted)
		return err_set(ERR_NOMEM, "BAT check: %" PRIu32 " entries", n);
	for (uint32_t i = 0; i < n; i++)
		if (bat[i] != VHD_BAT_UNUSED)
			sorted[k++] = (uint64_t)bat[i] << 32 | i;
	qsort(sorted, k, sizeof(*sorted), cmp_u64);
	for (uint32_t j = 0; j < k && r == ERR_OK; j++) {
		uint32_t entry = (uint32_t)(sorted[j] >> 32);
		uint32_t i = (uint32_t)sorted[j];
		uint64_t start = (uint64_t)entry * 512;

		r = check_one(i, entry, start + span, meta, n_meta, data_end,
		              bat_off);
		if (r == ERR_OK && j > 0 && start < prev_end)
			r = err_set(ERR_FORMAT,
			            "BAT at offset %" PRIu64
			            ": entries %" PRIu32 " and %" PRIu32
			            " overlap (sectors %" PRIu32 " and %" PRIu32
			            ")",
			            bat_off, prev, i, bat[prev], entry);
		prev = i;
		prev_end = start + span;
	}
	free(sorted);
	return r;
}
