/* SPDX-License-Identifier: MIT */
/* vhd_header.h - the 1024-byte dynamic disk header ("cxsparse"): pure
 * parse and build. */
#ifndef P11SEAL_VHD_HEADER_H
#define P11SEAL_VHD_HEADER_H

#include <stdint.h>

#include "err.h"

#define VHD_HEADER_SIZE     1024u
#define VHD_HEADER_VERSION  0x00010000u
#define VHD_BLOCK_SIZE      (2u << 20) /* what we write; blktap's maximum */
#define VHD_MIN_BLOCK_SIZE  512u
#define VHD_PARENT_LOCATORS 8

struct vhd_parent_locator {
	uint32_t code;
	uint32_t data_space;
	uint32_t data_len;
	uint64_t data_offset;
};

struct vhd_header {
	uint64_t data_offset;  /* always 0xffffffffffffffff */
	uint64_t table_offset; /* BAT, absolute byte offset */
	uint32_t version;
	uint32_t max_bat; /* max table entries */
	uint32_t block_size;
	uint32_t checksum; /* as stored; build writes the computed one */
	uint8_t parent_uuid[16];
	uint32_t parent_timestamp;
	uint8_t parent_name[512]; /* UTF-16BE */
	struct vhd_parent_locator loc[VHD_PARENT_LOCATORS];
};

/* Parse and validate the header in buf[1024]; off is its file offset, for
 * error details. Block size must be a power of two in 512 B..2 MiB. */
enum err vhd_header_parse(struct vhd_header *h, const uint8_t *buf,
                          uint64_t off);

/* Write h into out[1024] with the computed checksum; reserved bytes zero. */
void vhd_header_build(const struct vhd_header *h, uint8_t *out);

#endif
