/* SPDX-License-Identifier: MIT */
/* vhd_writer.c - dynamic VHD output. Gaps between blocks are left as
 * holes (zeros, like vhd-util v3.16); memory is the BAT and batmap only,
 * 4.1 MiB at the 2040 GiB maximum. */
#include "vhd_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/uio.h>
#include <time.h>

#include "vhd_bat.h"
#include "vhd_bitmap.h"
#include "vhd_footer.h"
#include "vhd_header.h"
#include "vhd_layout.h"
#include "vhd_outfile.h"

/* The bitmap buffer is aligned for O_DIRECT (vhd_direct). */
#define DIRECT_ALIGN 4096u

struct vhd_writer {
	int fd;
	struct vhd_layout layout;
	struct vhd_keyhash keyhash;
	struct vhd_identity id;
	uint32_t *bat;
	uint8_t *batmap; /* layout.batmap_secs sectors */
	uint32_t allocated;
	int64_t last;             /* last block written, -1 before the first */
	struct vhd_direct direct; /* block writes skip the page cache */
	uint8_t *full_bitmap;     /* one sector of 0xff, DIRECT_ALIGN-aligned */
};

static enum err make_identity(struct vhd_identity *id)
{
	time_t now = time(NULL);

	if (getrandom(id->uuid, sizeof(id->uuid), 0) != sizeof(id->uuid))
		return err_errno(ERR_IO, "getrandom");
	id->uuid[6] = (uint8_t)((id->uuid[6] & 0x0f) | 0x40); /* v4 */
	id->uuid[8] = (uint8_t)((id->uuid[8] & 0x3f) | 0x80);
	id->timestamp = now > VHD_UNIX_EPOCH_2000
	                        ? (uint32_t)(now - VHD_UNIX_EPOCH_2000)
	                        : 0;
	return ERR_OK;
}

enum err vhd_writer_new(struct vhd_writer **out, int fd, uint64_t virtual_size,
                        const struct vhd_keyhash *kh,
                        const struct vhd_identity *id)
{
	struct vhd_writer *w = NULL;
	enum err e;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return err_set(ERR_NOMEM, "writer");
	w->fd = fd;
	w->last = -1;
	w->full_bitmap = aligned_alloc(DIRECT_ALIGN, DIRECT_ALIGN);
	if (!w->full_bitmap) {
		free(w);
		return err_set(ERR_NOMEM, "writer");
	}
	memset(w->full_bitmap, 0xff, VHD_SECTOR);
	vhd_direct_begin(&w->direct, fd);
	if (kh)
		w->keyhash = *kh;
	e = vhd_layout_compute(&w->layout, virtual_size);
	if (e == ERR_OK && id)
		w->id = *id;
	else if (e == ERR_OK)
		e = make_identity(&w->id);
	if (e == ERR_OK) {
		w->bat = malloc(w->layout.blocks * sizeof(*w->bat));
		w->batmap = calloc(w->layout.batmap_secs, VHD_SECTOR);
		if (!w->bat || !w->batmap)
			e = err_set(ERR_NOMEM, "BAT of %" PRIu32 " blocks",
			            w->layout.blocks);
	}
	if (e != ERR_OK) {
		vhd_writer_free(w);
		return e;
	}
	memset(w->bat, 0xff, w->layout.blocks * sizeof(*w->bat));
	*out = w;
	return ERR_OK;
}

enum err vhd_writer_place(struct vhd_writer *w, uint32_t k)
{
	uint64_t sec;

	if (k >= w->layout.blocks || (int64_t)k <= w->last)
		return err_set(ERR_INTERNAL, "block %" PRIu32 " out of order",
		               k);
	sec = vhd_layout_block_sector(&w->layout, w->allocated);
	if (sec > UINT32_MAX - VHD_LAYOUT_STRIDE_SECS)
		return err_set(ERR_INTERNAL, "block %" PRIu32 " beyond 2 TiB",
		               k);
	/* every sector present: full bitmap, so the batmap bit is set */
	w->bat[k] = (uint32_t)sec;
	vhd_bitmap_set(w->batmap, k);
	w->allocated++;
	w->last = k;
	return ERR_OK;
}

enum err vhd_writer_put(struct vhd_writer *w, uint32_t k, const uint8_t *data)
{
	struct iovec iov[2] = {
		{ w->full_bitmap, VHD_SECTOR },
		{ (void *)(uintptr_t)data, VHD_BLOCK_SIZE },
	};
	return vhd_direct_pwritev(&w->direct, iov, 2,
	                          (uint64_t)w->bat[k] * VHD_SECTOR);
}

enum err vhd_writer_block(struct vhd_writer *w, uint32_t k, const uint8_t *data)
{
	enum err e = vhd_writer_place(w, k);

	return e == ERR_OK ? vhd_writer_put(w, k, data) : e;
}

static void build_footer(const struct vhd_writer *w, uint8_t *out)
{
	struct vhd_footer f = {
		.features = VHD_FEATURE_RESERVED,
		.version = VHD_FORMAT_VERSION,
		.data_offset = VHD_LAYOUT_HEADER_OFF,
		.timestamp = w->id.timestamp,
		.creator_app = { 't', 'a', 'p', 0 },
		.creator_version = 0x00010003,
		.creator_os = 0,
		.orig_size = w->layout.size,
		.curr_size = w->layout.size,
		.geometry = vhd_chs(w->layout.size),
		.type = VHD_TYPE_DYNAMIC,
	};

	memcpy(f.uuid, w->id.uuid, sizeof(f.uuid));
	vhd_footer_build(&f, out);
}

static void build_header(const struct vhd_writer *w, uint8_t *out)
{
	struct vhd_header h = {
		.data_offset = UINT64_MAX,
		.table_offset = w->layout.bat_off,
		.version = VHD_HEADER_VERSION,
		.max_bat = w->layout.blocks,
		.block_size = VHD_BLOCK_SIZE,
	};

	vhd_header_build(&h, out);
}

static void build_batmap_header(const struct vhd_writer *w, uint8_t *out)
{
	size_t len = (size_t)w->layout.batmap_secs * VHD_SECTOR;
	struct vhd_batmap b = {
		.map_offset = w->layout.batmap_off,
		.map_secs = w->layout.batmap_secs,
		.version = VHD_BATMAP_VERSION,
		.checksum =
		        vhd_batmap_checksum(w->batmap, len, VHD_BATMAP_VERSION),
		.keyhash = w->keyhash,
	};

	vhd_batmap_build(&b, out);
}

/* Footer at the end first, so the file has its final length; then the
 * metadata at the front. */
enum err vhd_writer_finish(struct vhd_writer *w)
{
	const struct vhd_layout *l = &w->layout;
	uint8_t footer[VHD_FOOTER_SIZE], header[VHD_HEADER_SIZE];
	uint8_t bmh[VHD_BATMAP_HEADER_SIZE], *bat = NULL;
	enum err e;

	vhd_direct_end(&w->direct); /* the metadata buffers are unaligned */
	bat = malloc(l->bat_bytes);
	if (!bat)
		return err_set(ERR_NOMEM, "BAT");
	vhd_bat_encode(w->bat, l->blocks, bat, l->bat_bytes);
	build_footer(w, footer);
	build_header(w, header);
	build_batmap_header(w, bmh);
	e = vhd_outfile_pwrite(w->fd, footer, sizeof(footer),
	                       vhd_layout_footer_off(l, w->allocated));
	if (e == ERR_OK)
		e = vhd_outfile_pwrite(w->fd, footer, sizeof(footer), 0);
	if (e == ERR_OK)
		e = vhd_outfile_pwrite(w->fd, header, sizeof(header),
		                       VHD_LAYOUT_HEADER_OFF);
	if (e == ERR_OK)
		e = vhd_outfile_pwrite(w->fd, bat, l->bat_bytes, l->bat_off);
	if (e == ERR_OK)
		e = vhd_outfile_pwrite(w->fd, bmh, sizeof(bmh),
		                       l->batmap_hdr_off);
	if (e == ERR_OK)
		e = vhd_outfile_pwrite(w->fd, w->batmap,
		                       (size_t)l->batmap_secs * VHD_SECTOR,
		                       l->batmap_off);
	free(bat);
	return e;
}

uint32_t vhd_writer_allocated(const struct vhd_writer *w)
{
	return w->allocated;
}

void vhd_writer_free(struct vhd_writer *w)
{
	if (!w)
		return;
	free(w->bat);
	free(w->batmap);
	free(w->full_bitmap);
	free(w);
}
