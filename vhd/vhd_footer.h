/* SPDX-License-Identifier: MIT */
/* vhd_footer.h - the 512-byte VHD footer: pure parse and build, plus the
 * format-wide constants (sector, size limit, disk types). */
#ifndef P11SEAL_VHD_FOOTER_H
#define P11SEAL_VHD_FOOTER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "vhd_chs.h"

#define VHD_SECTOR      512u
#define VHD_FOOTER_SIZE 512u
/* VHD spec maximum; also keeps every LBA below 2^32 (the LE32 tweak) */
#define VHD_MAX_SIZE          (2040ull << 30)
#define VHD_NO_OFFSET         UINT64_MAX /* data_offset of a fixed disk */
#define VHD_FEATURE_TEMPORARY 0x1u
#define VHD_FEATURE_RESERVED  0x2u /* must always be set */
#define VHD_FORMAT_VERSION    0x00010000u
#define VHD_UNIX_EPOCH_2000   946684800u /* timestamps count from 2000 */

enum vhd_type {
	VHD_TYPE_FIXED = 2,
	VHD_TYPE_DYNAMIC = 3,
	VHD_TYPE_DIFF = 4,
};

struct vhd_footer {
	uint32_t features;
	uint32_t version;
	uint64_t data_offset;   /* dynamic header, or VHD_NO_OFFSET */
	uint32_t timestamp;     /* seconds since 2000-01-01 UTC */
	uint8_t creator_app[4]; /* "tap\0", "qemu", "qem2", "vpc ", ... */
	uint32_t creator_version;
	uint32_t creator_os;
	uint64_t orig_size;
	uint64_t curr_size; /* virtual size in bytes */
	struct vhd_chs geometry;
	uint32_t type;     /* enum vhd_type */
	uint32_t checksum; /* as stored; build writes the computed one */
	uint8_t uuid[16];
	uint8_t saved;
	uint8_t hidden; /* blktap's use of the first reserved byte */
};

/* Parse and validate the footer in buf (len 512, or 511 for pre-2004
 * Virtual PC footers); off is its file offset, used in error details.
 * ERR_FORMAT names the field and offset. */
enum err vhd_footer_parse(struct vhd_footer *f, const uint8_t *buf, size_t len,
                          uint64_t off);

/* Write f into out[512] with the computed checksum; reserved bytes zero. */
void vhd_footer_build(const struct vhd_footer *f, uint8_t *out);

/* Name of the footer field holding byte off (0..511), for messages. */
const char *vhd_footer_field(size_t off);

/* Type name: "fixed", "dynamic", "differencing" or "unknown". */
const char *vhd_footer_type_name(uint32_t type);

#endif
