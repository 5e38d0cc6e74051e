/* SPDX-License-Identifier: MIT */
/* vhd_verify.c - blktap's acceptance rules for an encrypted image: libvhd
 * vhd_has_batmap / vhd_check_version, vhd-util check's geometry rule, and
 * vhd-util copy's full blocks. The reader has already checked structure. */
#include "vhd_verify.h"

#include <inttypes.h>
#include <string.h>

#include "vhd_chs.h"

static enum err check_creator(const struct vhd_footer *f)
{
	if (memcmp(f->creator_app, "tap", 3) != 0)
		return err_set(ERR_VERIFY,
		               "creator application is not "
		               "\"tap\": tapdisk ignores the batmap and so "
		               "the keyhash");
	if (f->creator_version < 0x00010002u ||
	    f->creator_version > 0x00010003u)
		return err_set(ERR_VERIFY,
		               "creator version 0x%08" PRIx32
		               " is not tap 1.2 or 1.3",
		               f->creator_version);
	return ERR_OK;
}

/* vhd-util check: "geometry too large" unless geometry <= CHS(size). */
static enum err check_geometry(const struct vhd_footer *f)
{
	struct vhd_chs want = vhd_chs(f->curr_size), g = f->geometry;

	if (vhd_chs_bytes(g) > vhd_chs_bytes(want))
		return err_set(ERR_VERIFY,
		               "geometry %u/%u/%u is larger than "
		               "%u/%u/%u for the size (vhd-util check)",
		               g.cylinders, g.heads, g.sectors, want.cylinders,
		               want.heads, want.sectors);
	return ERR_OK;
}

static enum err check_full_blocks(const struct vhd_reader *r)
{
	const struct vhd_batmap *b = vhd_reader_batmap(r);
	uint32_t n = vhd_reader_blocks(r);

	for (uint32_t k = 0; k < n; k++)
		if (vhd_reader_bat(r, k) != UINT32_MAX &&
		    !vhd_reader_block_full(r, k))
			return err_set(ERR_VERIFY,
			               "block %" PRIu32 " is "
			               "allocated but not marked full in the "
			               "batmap at %" PRIu64,
			               k, b->map_offset);
	return ERR_OK;
}

enum err vhd_verify_blktap(const struct vhd_reader *r)
{
	const struct vhd_footer *f = vhd_reader_footer(r);
	const struct vhd_header *h = vhd_reader_header(r);
	const struct vhd_batmap *b = vhd_reader_batmap(r);
	enum err e;

	if (!h)
		return err_set(ERR_VERIFY, "a %s image, not a dynamic VHD",
		               vhd_reader_input_name(r));
	e = check_creator(f);
	if (e == ERR_OK && h->block_size != 2u << 20)
		e = err_set(ERR_VERIFY, "block size %" PRIu32 " is not 2 MiB",
		            h->block_size);
	if (e == ERR_OK && (!b || b->keyhash.cookie != 1))
		e = err_set(ERR_VERIFY, "no keyhash: not an encrypted VHD");
	if (e == ERR_OK)
		e = check_geometry(f);
	if (e == ERR_OK)
		e = check_full_blocks(r);
	return e;
}
