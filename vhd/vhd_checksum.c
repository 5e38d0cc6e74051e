/* SPDX-License-Identifier: MIT */
/* vhd_checksum.c - one's complement byte sum (VHD spec, "Hard Disk Footer
 * Format": checksum field treated as zero while summing). */
#include "vhd_checksum.h"

uint32_t vhd_checksum(const uint8_t *p, size_t len, size_t skip)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i++)
		if (skip == VHD_CHECKSUM_NONE || i < skip || i >= skip + 4)
			sum += p[i];
	return ~sum;
}
