/* SPDX-License-Identifier: MIT */
/* vhd_checksum.h - the one checksum rule of VHD metadata (footer, dynamic
 * header, blktap batmap): one's complement of the 32-bit byte sum. */
#ifndef P11SEAL_VHD_CHECKSUM_H
#define P11SEAL_VHD_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

/* No checksum field inside the summed bytes (the batmap bitmap). */
#define VHD_CHECKSUM_NONE SIZE_MAX

/* ~(sum of the len bytes at p), the 4 bytes at skip counted as zero. */
uint32_t vhd_checksum(const uint8_t *p, size_t len, size_t skip);

#endif
