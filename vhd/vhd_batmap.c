/* SPDX-License-Identifier: MIT */
/* vhd_batmap.c - blktap batmap header (include/vhd.h struct dd_batmap_hdr
 * + struct vhd_keyhash): no checksum of its own, so nothing but our
 * bounds checks protects it. */
#include "vhd_batmap.h"

#include <inttypes.h>
#include <string.h>

#include "bytes.h"
#include "vhd_checksum.h"

#define OFF_MAP_OFFSET 8
#define OFF_MAP_SIZE   16
#define OFF_VERSION    20
#define OFF_CHECKSUM   24
#define OFF_MARKER     28
#define OFF_KH_COOKIE  29
#define OFF_KH_NONCE   30
#define OFF_KH_HASH    62

enum err vhd_batmap_parse(struct vhd_batmap *b, const uint8_t *buf,
                          uint64_t off)
{
	if (memcmp(buf, "tdbatmap", 8) != 0)
		return err_set(ERR_FORMAT,
		               "batmap header at offset %" PRIu64
		               ": cookie is not 'tdbatmap'",
		               off);
	b->map_offset = get_be64(buf + OFF_MAP_OFFSET);
	b->map_secs = get_be32(buf + OFF_MAP_SIZE);
	b->version = get_be32(buf + OFF_VERSION);
	b->checksum = get_be32(buf + OFF_CHECKSUM);
	b->marker = buf[OFF_MARKER];
	b->keyhash.cookie = buf[OFF_KH_COOKIE];
	memcpy(b->keyhash.nonce, buf + OFF_KH_NONCE, VHD_NONCE_LEN);
	memcpy(b->keyhash.hash, buf + OFF_KH_HASH, VHD_KEYHASH_LEN);
	if (b->version != VHD_BATMAP_VERSION &&
	    b->version != VHD_BATMAP_VERSION_11)
		return err_set(ERR_FORMAT,
		               "batmap header at offset %" PRIu64
		               ": batmap version 0x%08" PRIx32 " is not "
		               "0x00010001 or 0x00010002",
		               off, b->version);
	if (b->keyhash.cookie > 1)
		return err_set(ERR_FORMAT,
		               "batmap header at offset %" PRIu64
		               ": keyhash cookie %u is not 0 or 1",
		               off, b->keyhash.cookie);
	if (b->map_secs == 0)
		return err_set(ERR_FORMAT,
		               "batmap header at offset %" PRIu64
		               ": batmap size is 0 sectors",
		               off);
	return ERR_OK;
}

void vhd_batmap_build(const struct vhd_batmap *b, uint8_t *out)
{
	memset(out, 0, VHD_BATMAP_HEADER_SIZE);
	memcpy(out, "tdbatmap", 8);
	put_be64(out + OFF_MAP_OFFSET, b->map_offset);
	put_be32(out + OFF_MAP_SIZE, b->map_secs);
	put_be32(out + OFF_VERSION, b->version);
	put_be32(out + OFF_CHECKSUM, b->checksum);
	out[OFF_MARKER] = b->marker;
	out[OFF_KH_COOKIE] = b->keyhash.cookie;
	memcpy(out + OFF_KH_NONCE, b->keyhash.nonce, VHD_NONCE_LEN);
	memcpy(out + OFF_KH_HASH, b->keyhash.hash, VHD_KEYHASH_LEN);
}

uint32_t vhd_batmap_checksum(const uint8_t *map, size_t len, uint32_t version)
{
	uint32_t sum = 0;

	if (version != VHD_BATMAP_VERSION_11)
		return vhd_checksum(map, len, VHD_CHECKSUM_NONE);
	/* blktap 1.1 summed plain (signed) chars */
	for (size_t i = 0; i < len; i++)
		sum += (uint32_t)(int32_t)(int8_t)map[i];
	return ~sum;
}

uint32_t vhd_batmap_secs(uint32_t n)
{
	uint32_t bytes = n / 8 + (n % 8 != 0);
	uint32_t secs = bytes / 512 + (bytes % 512 != 0);

	return secs ? secs : 1;
}
