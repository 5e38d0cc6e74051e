/* SPDX-License-Identifier: MIT */
/* vhd_dynamic.c - dynamic VHD input: every structure is bounds-checked
 * against the file (docs/robustness.md §3) before a data byte is read;
 * a sector reads as stored iff its bitmap bit or its block's batmap bit
 * is set (tapdisk's rule), otherwise as zeros. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vhd_bat.h"
#include "vhd_bitmap.h"
#include "vhd_reader_int.h"

#define MAX_BATMAP_SECS 1024u /* bits for VHD_BAT_MAX_ENTRIES blocks */

/* The copy at offset 0 must equal the trailing footer (vhd-util check). */
static enum err check_copy(const struct vhd_reader *r)
{
	uint8_t copy[VHD_FOOTER_SIZE], tail[VHD_FOOTER_SIZE];
	enum err e;

	e = vhd_reader_pread(r, tail, r->footer_len, r->footer_off, "footer");
	if (e == ERR_OK)
		e = vhd_reader_pread(r, copy, r->footer_len, 0, "footer copy");
	if (e != ERR_OK)
		return e;
	for (size_t i = 0; i < r->footer_len; i++)
		if (copy[i] != tail[i])
			return err_set(ERR_FORMAT,
			               "footer copy at offset 0: "
			               "%s (byte %zu) differs from the footer "
			               "at offset %" PRIu64,
			               vhd_footer_field(i), i, r->footer_off);
	return ERR_OK;
}

static enum err load_header(struct vhd_reader *r)
{
	uint64_t off = r->footer.data_offset;
	uint8_t buf[VHD_HEADER_SIZE];
	enum err e;

	if (r->footer_off < VHD_HEADER_SIZE ||
	    off > r->footer_off - VHD_HEADER_SIZE)
		return err_set(ERR_FORMAT,
		               "footer at offset %" PRIu64 ": data "
		               "offset %" PRIu64 " puts the dynamic header "
		               "past the footer",
		               r->footer_off, off);
	e = vhd_reader_pread(r, buf, sizeof(buf), off, "dynamic header");
	if (e == ERR_OK)
		e = vhd_header_parse(&r->header, buf, off);
	return e;
}

/* max table entries must cover the size; the BAT must fit before the
 * footer and miss the header. */
static enum err check_table(struct vhd_reader *r)
{
	const struct vhd_header *h = &r->header;
	uint64_t hoff = r->footer.data_offset, bat_len = 4ull * h->max_bat;
	uint64_t need = (r->size + h->block_size - 1) / h->block_size;

	if (h->max_bat < need)
		return err_set(ERR_FORMAT,
		               "dynamic header at offset %" PRIu64
		               ": max table entries %" PRIu32 " < %" PRIu64
		               " blocks of the current size",
		               hoff, h->max_bat, need);
	if (need > VHD_BAT_MAX_ENTRIES)
		return err_set(ERR_UNSUPPORTED,
		               "dynamic header at offset %" PRIu64 ": %" PRIu64
		               " blocks of %" PRIu32
		               " bytes exceed our BAT limit of %u entries",
		               hoff, need, h->block_size, VHD_BAT_MAX_ENTRIES);
	if (h->table_offset > r->footer_off ||
	    bat_len > r->footer_off - h->table_offset)
		return err_set(ERR_FORMAT,
		               "dynamic header at offset %" PRIu64
		               ": table offset %" PRIu64 " + %" PRIu64
		               " bytes of BAT passes the footer at %" PRIu64,
		               hoff, h->table_offset, bat_len, r->footer_off);
	if (h->table_offset < hoff + VHD_HEADER_SIZE &&
	    hoff < h->table_offset + bat_len)
		return err_set(ERR_FORMAT,
		               "dynamic header at offset %" PRIu64
		               ": table offset %" PRIu64 " overlaps the header",
		               hoff, h->table_offset);
	r->entries = (uint32_t)need;
	return ERR_OK;
}

static enum err load_bat(struct vhd_reader *r)
{
	uint8_t *raw = NULL;
	enum err e;

	r->bat = malloc(r->entries * sizeof(*r->bat));
	raw = malloc(r->entries * 4ul);
	if (!r->bat || !raw) {
		free(raw);
		return err_set(ERR_NOMEM, "BAT of %" PRIu32 " entries",
		               r->entries);
	}
	e = vhd_reader_pread(r, raw, r->entries * 4ul, r->header.table_offset,
	                     "BAT");
	if (e == ERR_OK)
		vhd_bat_decode(r->bat, raw, r->entries);
	free(raw);
	for (uint32_t i = 0; e == ERR_OK && i < r->entries; i++)
		r->allocated += r->bat[i] != VHD_BAT_UNUSED;
	return e;
}

/* blktap libvhd vhd_has_batmap: creator "tap" version >= 1.2 always has
 * one; 1.1 only if the cookie is there. */
static bool requires_batmap(const struct vhd_reader *r)
{
	return memcmp(r->footer.creator_app, "tap", 3) == 0 &&
	       r->footer.creator_version >= 0x00010002u;
}

static bool wants_batmap(const struct vhd_reader *r, const uint8_t *hdr)
{
	return requires_batmap(r) ||
	       (memcmp(r->footer.creator_app, "tap", 3) == 0 &&
	        r->footer.creator_version == 0x00010001u &&
	        memcmp(hdr, "tdbatmap", 8) == 0);
}

static enum err check_batmap_bounds(const struct vhd_reader *r, uint64_t hoff)
{
	const struct vhd_batmap *b = &r->batmap;
	uint64_t len = (uint64_t)b->map_secs * VHD_SECTOR;

	if (b->map_offset < hoff + VHD_SECTOR || b->map_offset % VHD_SECTOR ||
	    b->map_offset > r->footer_off)
		return err_set(ERR_FORMAT,
		               "batmap header at offset %" PRIu64
		               ": batmap offset %" PRIu64 " is not a sector "
		               "between its header and the footer",
		               hoff, b->map_offset);
	if (len > r->footer_off - b->map_offset)
		return err_set(ERR_FORMAT,
		               "batmap header at offset %" PRIu64
		               ": batmap size %" PRIu32 " sectors at offset "
		               "%" PRIu64 " passes the footer at %" PRIu64,
		               hoff, b->map_secs, b->map_offset, r->footer_off);
	if (b->map_secs > MAX_BATMAP_SECS || len * 8 < r->entries)
		return err_set(ERR_FORMAT,
		               "batmap header at offset %" PRIu64
		               ": batmap size %" PRIu32 " sectors does not fit "
		               "%" PRIu32 " blocks",
		               hoff, b->map_secs, r->entries);
	return ERR_OK;
}

/* A set batmap bit claims a full block: the block must be allocated. */
static enum err check_batmap_bits(struct vhd_reader *r, uint64_t hoff)
{
	size_t len = (size_t)r->batmap.map_secs * VHD_SECTOR;
	uint32_t sum =
	        vhd_batmap_checksum(r->batmap_bits, len, r->batmap.version);

	if (sum != r->batmap.checksum)
		return err_set(
		        ERR_FORMAT,
		        "batmap header at offset %" PRIu64
		        ": checksum 0x%08" PRIx32 " != computed 0x%08" PRIx32
		        " of the batmap at %" PRIu64,
		        hoff, r->batmap.checksum, sum, r->batmap.map_offset);
	for (uint32_t i = 0; i < r->entries; i++)
		if (vhd_bitmap_test(r->batmap_bits, i) &&
		    r->bat[i] == VHD_BAT_UNUSED)
			return err_set(ERR_FORMAT,
			               "batmap at offset %" PRIu64
			               ": bit %" PRIu32 " marks an unallocated "
			               "block full",
			               r->batmap.map_offset, i);
	return ERR_OK;
}

static enum err load_batmap(struct vhd_reader *r)
{
	uint64_t bat_end = r->header.table_offset +
	                   (4ull * r->header.max_bat + 511) / 512 * 512;
	uint8_t buf[VHD_BATMAP_HEADER_SIZE];
	enum err e;

	if (bat_end > r->footer_off ||
	    r->footer_off - bat_end < VHD_BATMAP_HEADER_SIZE) {
		if (!requires_batmap(r))
			return ERR_OK;
		return err_set(ERR_FORMAT,
		               "batmap header at offset %" PRIu64
		               " passes the footer at %" PRIu64,
		               bat_end, r->footer_off);
	}
	r->batmap_hdr_off = bat_end;
	e = vhd_reader_pread(r, buf, sizeof(buf), bat_end, "batmap header");
	if (e != ERR_OK || !wants_batmap(r, buf))
		return e;
	e = vhd_batmap_parse(&r->batmap, buf, bat_end);
	if (e == ERR_OK)
		e = check_batmap_bounds(r, bat_end);
	if (e != ERR_OK)
		return e;
	r->batmap_bits = malloc((size_t)r->batmap.map_secs * VHD_SECTOR);
	if (!r->batmap_bits)
		return err_set(ERR_NOMEM, "batmap");
	e = vhd_reader_pread(r, r->batmap_bits,
	                     (size_t)r->batmap.map_secs * VHD_SECTOR,
	                     r->batmap.map_offset, "batmap");
	if (e == ERR_OK)
		e = check_batmap_bits(r, bat_end);
	r->has_batmap = e == ERR_OK;
	return e;
}

static enum err check_blocks(const struct vhd_reader *r)
{
	struct vhd_extent meta[5] = {
		{ 0, VHD_FOOTER_SIZE, "footer copy" },
		{ r->footer.data_offset, VHD_HEADER_SIZE, "dynamic header" },
		{ r->header.table_offset, 4ull * r->header.max_bat, "BAT" },
	};
	size_t n = 3;

	if (r->has_batmap) {
		meta[n++] = (struct vhd_extent){ r->batmap_hdr_off,
			                         VHD_BATMAP_HEADER_SIZE,
			                         "batmap header" };
		meta[n++] = (struct vhd_extent){ r->batmap.map_offset,
			                         (uint64_t)r->batmap.map_secs *
			                                 VHD_SECTOR,
			                         "batmap" };
	}
	return vhd_bat_check(r->bat, r->entries, r->header.block_size, meta, n,
	                     r->footer_off, r->header.table_offset);
}

enum err vhd_dynamic_load(struct vhd_reader *r)
{
	enum err e;

	e = check_copy(r);
	if (e == ERR_OK)
		e = load_header(r);
	if (e == ERR_OK)
		e = check_table(r);
	if (e == ERR_OK)
		e = load_bat(r);
	if (e == ERR_OK)
		e = load_batmap(r);
	if (e == ERR_OK)
		e = check_blocks(r);
	return e;
}

/* Input block i (block_size bytes) into dst, zeroing absent sectors and
 * marking present ones in present from bit first_bit. */
static enum err read_input_block(const struct vhd_reader *r, uint32_t i,
                                 uint8_t *dst, uint8_t *present,
                                 uint32_t first_bit, bool *any)
{
	uint32_t bs = r->header.block_size, secs = bs / VHD_SECTOR;
	uint64_t off = (uint64_t)r->bat[i] * VHD_SECTOR;
	uint32_t bm_len = vhd_bat_bitmap_bytes(bs);
	uint8_t bm[VHD_SECTOR];
	bool full;
	enum err e;

	e = vhd_reader_pread(r, bm, bm_len, off, "sector bitmap");
	if (e == ERR_OK)
		e = vhd_reader_pread(r, dst, bs, off + bm_len, "data block");
	if (e != ERR_OK)
		return e;
	full = r->has_batmap && vhd_bitmap_test(r->batmap_bits, i);
	for (uint32_t s = 0; s < secs; s++) {
		if (full || vhd_bitmap_test(bm, s)) {
			*any = true;
			if (present)
				vhd_bitmap_set(present, first_bit + s);
		} else {
			memset(dst + (size_t)s * VHD_SECTOR, 0, VHD_SECTOR);
		}
	}
	return ERR_OK;
}

/* Sectors past the virtual size read as zeros and are never present. */
static void clip_tail(const struct vhd_reader *r, uint32_t k, uint8_t *buf,
                      uint8_t *present)
{
	uint64_t start = (uint64_t)k * VHD_READER_BLOCK, keep;

	if (r->size - start >= VHD_READER_BLOCK)
		return;
	keep = r->size - start;
	memset(buf + keep, 0, VHD_READER_BLOCK - keep);
	if (!present)
		return;
	for (uint64_t s = keep / VHD_SECTOR; s < VHD_READER_BLOCK / VHD_SECTOR;
	     s++)
		present[s / 8] &= (uint8_t) ~(0x80u >> (s % 8));
}

enum err vhd_dynamic_read(const struct vhd_reader *r, uint32_t k, uint8_t *buf,
                          uint8_t *present, bool *any)
{
	uint32_t bs = r->header.block_size, per = VHD_READER_BLOCK / bs;
	enum err e = ERR_OK;

	*any = false;
	if (present)
		memset(present, 0, VHD_READER_MAP_BYTES);
	for (uint32_t j = 0; j < per && e == ERR_OK; j++) {
		uint64_t i = (uint64_t)k * per + j;
		uint8_t *dst = buf + (size_t)j * bs;

		if (i >= r->entries || r->bat[i] == VHD_BAT_UNUSED)
			memset(dst, 0, bs);
		else
			e = read_input_block(r, (uint32_t)i, dst, present,
			                     j * (bs / VHD_SECTOR), any);
	}
	if (e == ERR_OK)
		clip_tail(r, k, buf, present);
	return e;
}
