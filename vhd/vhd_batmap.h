/* SPDX-License-Identifier: MIT */
/* vhd_batmap.h - blktap's batmap header (the sector after the padded BAT)
 * with the keyhash {cookie, nonce, SHA-256(nonce || DEK)}: pure parse and
 * build, and the batmap bitmap checksum. */
#ifndef P11SEAL_VHD_BATMAP_H
#define P11SEAL_VHD_BATMAP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define VHD_BATMAP_HEADER_SIZE 512u
#define VHD_BATMAP_VERSION     0x00010002u /* 1.2: unsigned byte checksum */
#define VHD_BATMAP_VERSION_11  0x00010001u /* 1.1: signed byte checksum */
#define VHD_KEYHASH_LEN        32
#define VHD_NONCE_LEN          32

struct vhd_keyhash {
	uint8_t cookie; /* 1 = present, 0 = none */
	uint8_t nonce[VHD_NONCE_LEN];
	uint8_t hash[VHD_KEYHASH_LEN];
};

struct vhd_batmap {
	uint64_t map_offset; /* absolute byte offset of the bitmap */
	uint32_t map_secs;   /* bitmap size in sectors */
	uint32_t version;
	uint32_t checksum; /* of the bitmap (vhd_batmap_checksum) */
	uint8_t marker;
	struct vhd_keyhash keyhash;
};

/* Parse and validate the batmap header in buf[512]; off is its file offset,
 * for error details. Offsets are checked against the file by the caller. */
enum err vhd_batmap_parse(struct vhd_batmap *b, const uint8_t *buf,
                          uint64_t off);

/* Write b into out[512] as given (checksum included); reserved bytes zero. */
void vhd_batmap_build(const struct vhd_batmap *b, uint8_t *out);

/* Checksum of the len-byte bitmap map under batmap version (1.1 sums
 * signed bytes, 1.2 unsigned). */
uint32_t vhd_batmap_checksum(const uint8_t *map, size_t len, uint32_t version);

/* Bitmap sectors for n BAT entries: max(1, ceil(ceil(n / 8) / 512)). */
uint32_t vhd_batmap_secs(uint32_t n);

#endif
