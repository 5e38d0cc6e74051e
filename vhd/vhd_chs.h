/* SPDX-License-Identifier: MIT */
/* vhd_chs.h - the CHS geometry a VHD footer records for a disk size
 * (VHD spec appendix; identical in blktap vhd_chs and qemu). */
#ifndef P11SEAL_VHD_CHS_H
#define P11SEAL_VHD_CHS_H

#include <stdint.h>

struct vhd_chs {
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors; /* per track */
};

/* Geometry for a disk of size bytes (capped at 65535/16/255). */
struct vhd_chs vhd_chs(uint64_t size);

/* cylinders * heads * sectors * 512: the bytes the geometry covers. */
uint64_t vhd_chs_bytes(struct vhd_chs g);

#endif
