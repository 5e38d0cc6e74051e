/* SPDX-License-Identifier: MIT */
/* vhd_chs.c - CHS geometry exactly as the VHD spec appendix computes it,
 * integer division throughout. */
#include "vhd_chs.h"

#define CHS_MAX_SECTORS (65535ull * 16 * 255)

struct vhd_chs vhd_chs(uint64_t size)
{
	uint64_t total = (size + 511) / 512, spt, heads, cth;
	struct vhd_chs g;

	if (total > CHS_MAX_SECTORS)
		total = CHS_MAX_SECTORS;
	if (total >= 65535ull * 16 * 63) {
		spt = 255;
		heads = 16;
		cth = total / spt;
	} else {
		spt = 17;
		cth = total / spt;
		heads = (cth + 1023) / 1024;
		if (heads < 4)
			heads = 4;
		if (cth >= heads * 1024 || heads > 16) {
			spt = 31;
			heads = 16;
			cth = total / spt;
		}
		if (cth >= heads * 1024) {
			spt = 63;
			heads = 16;
			cth = total / spt;
		}
	}
	g.cylinders = (uint16_t)(cth / heads);
	g.heads = (uint8_t)heads;
	g.sectors = (uint8_t)spt;
	return g;
}

uint64_t vhd_chs_bytes(struct vhd_chs g)
{
	return (uint64_t)g.cylinders * g.heads * g.sectors * 512;
}
