/* SPDX-License-Identifier: MIT */
/* vhd_header.c - dynamic disk header (VHD spec "Dynamic Disk Header
 * Format"); the checksum covers all 1024 bytes with its field zeroed. */
#include "vhd_header.h"

#include <inttypes.h>
#include <string.h>

#include "bytes.h"
#include "vhd_checksum.h"

#define OFF_DATA_OFFSET      8
#define OFF_TABLE_OFFSET     16
#define OFF_VERSION          24
#define OFF_MAX_BAT          28
#define OFF_BLOCK_SIZE       32
#define OFF_CHECKSUM         36
#define OFF_PARENT_UUID      40
#define OFF_PARENT_TIMESTAMP 56
#define OFF_PARENT_NAME      64
#define OFF_LOCATORS         576
#define LOCATOR_SIZE         24

static void decode(struct vhd_header *h, const uint8_t *b)
{
	h->data_offset = get_be64(b + OFF_DATA_OFFSET);
	h->table_offset = get_be64(b + OFF_TABLE_OFFSET);
	h->version = get_be32(b + OFF_VERSION);
	h->max_bat = get_be32(b + OFF_MAX_BAT);
	h->block_size = get_be32(b + OFF_BLOCK_SIZE);
	h->checksum = get_be32(b + OFF_CHECKSUM);
	memcpy(h->parent_uuid, b + OFF_PARENT_UUID, 16);
	h->parent_timestamp = get_be32(b + OFF_PARENT_TIMESTAMP);
	memcpy(h->parent_name, b + OFF_PARENT_NAME, sizeof(h->parent_name));
	for (int i = 0; i < VHD_PARENT_LOCATORS; i++) {
		const uint8_t *l = b + OFF_LOCATORS + i * LOCATOR_SIZE;

		h->loc[i].code = get_be32(l);
		h->loc[i].data_space = get_be32(l + 4);
		h->loc[i].data_len = get_be32(l + 8);
		h->loc[i].data_offset = get_be64(l + 16);
	}
}

static enum err check_identity(const struct vhd_header *h, const uint8_t *b,
                               uint64_t off)
{
	uint32_t sum = vhd_checksum(b, VHD_HEADER_SIZE, OFF_CHECKSUM);

	if (memcmp(b, "cxsparse", 8) != 0)
		return err_set(ERR_FORMAT,
		               "dynamic header at offset %" PRIu64
		               ": cookie is not 'cxsparse'",
		               off);
	if (h->checksum != sum)
		return err_set(ERR_FORMAT,
		               "dynamic header at offset %" PRIu64
		               ": checksum 0x%08" PRIx32
		               " != computed 0x%08" PRIx32,
		               off, h->checksum, sum);
	if (h->version != VHD_HEADER_VERSION)
		return err_set(ERR_FORMAT,
		               "dynamic header at offset %" PRIu64
		               ": header version 0x%08" PRIx32
		               " is not 0x00010000",
		               off, h->version);
	if (h->data_offset != UINT64_MAX)
		return err_set(ERR_FORMAT,
		               "dynamic header at offset %" PRIu64
		               ": data offset 0x%" PRIx64 " is not "
		               "0xffffffffffffffff",
		               off, h->data_offset);
	return ERR_OK;
}

static enum err check_table(const struct vhd_header *h, uint64_t off)
{
	uint32_t bs = h->block_size;

	if (bs < VHD_MIN_BLOCK_SIZE || bs > VHD_BLOCK_SIZE || (bs & (bs - 1)))
		return err_set(ERR_FORMAT,
		               "dynamic header at offset %" PRIu64
		               ": block size %" PRIu32 " is not a power of two "
		               "in 512..2097152",
		               off, bs);
	if (h->max_bat == 0)
		return err_set(ERR_FORMAT,
		               "dynamic header at offset %" PRIu64
		               ": max table entries is 0",
		               off);
	if (h->table_offset < 512 || h->table_offset % 512 ||
	    h->table_offset == UINT64_MAX)
		return err_set(ERR_FORMAT,
		               "dynamic header at offset %" PRIu64
		               ": table offset 0x%" PRIx64 " is not a sector "
		               "offset past the footer copy",
		               off, h->table_offset);
	return ERR_OK;
}

enum err vhd_header_parse(struct vhd_header *h, const uint8_t *buf,
                          uint64_t off)
{
	enum err r;

	decode(h, buf);
	r = check_identity(h, buf, off);
	if (r == ERR_OK)
		r = check_table(h, off);
	return r;
}

void vhd_header_build(const struct vhd_header *h, uint8_t *out)
{
	memset(out, 0, VHD_HEADER_SIZE);
	memcpy(out, "cxsparse", 8);
	put_be64(out + OFF_DATA_OFFSET, h->data_offset);
	put_be64(out + OFF_TABLE_OFFSET, h->table_offset);
	put_be32(out + OFF_VERSION, h->version);
	put_be32(out + OFF_MAX_BAT, h->max_bat);
	put_be32(out + OFF_BLOCK_SIZE, h->block_size);
	memcpy(out + OFF_PARENT_UUID, h->parent_uuid, 16);
	put_be32(out + OFF_PARENT_TIMESTAMP, h->parent_timestamp);
	memcpy(out + OFF_PARENT_NAME, h->parent_name, sizeof(h->parent_name));
	for (int i = 0; i < VHD_PARENT_LOCATORS; i++) {
		uint8_t *l = out + OFF_LOCATORS + i * LOCATOR_SIZE;

		put_be32(l, h->loc[i].code);
		put_be32(l + 4, h->loc[i].data_space);
		put_be32(l + 8, h->loc[i].data_len);
		put_be64(l + 16, h->loc[i].data_offset);
	}
	put_be32(out + OFF_CHECKSUM,
	         vhd_checksum(out, VHD_HEADER_SIZE, OFF_CHECKSUM));
}
