/* SPDX-License-Identifier: MIT */
/* vhd_footer.c - VHD footer (VHD spec v1.0 "Hard Disk Footer Format"):
 * big-endian fields, checksum over the 512 bytes with its field zeroed. */
#include "vhd_footer.h"

#include <inttypes.h>
#include <string.h>

#include "bytes.h"
#include "vhd_checksum.h"

#define OFF_COOKIE          0
#define OFF_FEATURES        8
#define OFF_VERSION         12
#define OFF_DATA_OFFSET     16
#define OFF_TIMESTAMP       24
#define OFF_CREATOR_APP     28
#define OFF_CREATOR_VERSION 32
#define OFF_CREATOR_OS      36
#define OFF_ORIG_SIZE       40
#define OFF_CURR_SIZE       48
#define OFF_GEOMETRY        56
#define OFF_TYPE            60
#define OFF_CHECKSUM        64
#define OFF_UUID            68
#define OFF_SAVED           84
#define OFF_HIDDEN          85

static const struct {
	size_t off;
	const char *name;
} fields[] = {
	{ OFF_COOKIE, "cookie" },
	{ OFF_FEATURES, "features" },
	{ OFF_VERSION, "file format version" },
	{ OFF_DATA_OFFSET, "data offset" },
	{ OFF_TIMESTAMP, "timestamp" },
	{ OFF_CREATOR_APP, "creator application" },
	{ OFF_CREATOR_VERSION, "creator version" },
	{ OFF_CREATOR_OS, "creator host OS" },
	{ OFF_ORIG_SIZE, "original size" },
	{ OFF_CURR_SIZE, "current size" },
	{ OFF_GEOMETRY, "disk geometry" },
	{ OFF_TYPE, "disk type" },
	{ OFF_CHECKSUM, "checksum" },
	{ OFF_UUID, "unique id" },
	{ OFF_SAVED, "saved state" },
	{ OFF_HIDDEN, "hidden" },
	{ OFF_HIDDEN + 1, "reserved" },
};

const char *vhd_footer_field(size_t off)
{
	const char *name = fields[0].name;

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (off >= fields[i].off)
			name = fields[i].name;
	return name;
}

const char *vhd_footer_type_name(uint32_t type)
{
	switch (type) {
	case VHD_TYPE_FIXED: return "fixed";
	case VHD_TYPE_DYNAMIC: return "dynamic";
	case VHD_TYPE_DIFF: return "differencing";
	default: return "unknown";
	}
}

static void decode(struct vhd_footer *f, const uint8_t *b)
{
	f->features = get_be32(b + OFF_FEATURES);
	f->version = get_be32(b + OFF_VERSION);
	f->data_offset = get_be64(b + OFF_DATA_OFFSET);
	f->timestamp = get_be32(b + OFF_TIMESTAMP);
	memcpy(f->creator_app, b + OFF_CREATOR_APP, 4);
	f->creator_version = get_be32(b + OFF_CREATOR_VERSION);
	f->creator_os = get_be32(b + OFF_CREATOR_OS);
	f->orig_size = get_be64(b + OFF_ORIG_SIZE);
	f->curr_size = get_be64(b + OFF_CURR_SIZE);
	f->geometry.cylinders = get_be16(b + OFF_GEOMETRY);
	f->geometry.heads = b[OFF_GEOMETRY + 2];
	f->geometry.sectors = b[OFF_GEOMETRY + 3];
	f->type = get_be32(b + OFF_TYPE);
	f->checksum = get_be32(b + OFF_CHECKSUM);
	memcpy(f->uuid, b + OFF_UUID, 16);
	f->saved = b[OFF_SAVED];
	f->hidden = b[OFF_HIDDEN];
}

/* Cookie, checksum and version: is this a footer at all? */
static enum err check_identity(const struct vhd_footer *f, const uint8_t *b,
                               size_t len, uint64_t off)
{
	uint32_t sum = vhd_checksum(b, len, OFF_CHECKSUM);

	if (memcmp(b, "v_poison", 8) == 0)
		return err_set(ERR_FORMAT,
		               "footer at offset %" PRIu64 ": "
		               "cookie 'v_poison': blktap marked the image "
		               "inconsistent (interrupted write)",
		               off);
	if (memcmp(b, "conectix", 8) != 0)
		return err_set(ERR_FORMAT,
		               "footer at offset %" PRIu64 ": "
		               "cookie is not 'conectix'",
		               off);
	if (f->checksum != sum)
		return err_set(ERR_FORMAT,
		               "footer at offset %" PRIu64 ": "
		               "checksum 0x%08" PRIx32
		               " != computed 0x%08" PRIx32,
		               off, f->checksum, sum);
	if (f->version != VHD_FORMAT_VERSION)
		return err_set(ERR_FORMAT,
		               "footer at offset %" PRIu64 ": "
		               "file format version 0x%08" PRIx32
		               " is not 0x00010000",
		               off, f->version);
	return ERR_OK;
}

static enum err check_features(const struct vhd_footer *f, uint64_t off)
{
	uint32_t known = VHD_FEATURE_TEMPORARY | VHD_FEATURE_RESERVED;

	if (!(f->features & VHD_FEATURE_RESERVED) || (f->features & ~known))
		return err_set(ERR_FORMAT,
		               "footer at offset %" PRIu64 ": "
		               "features 0x%08" PRIx32 " (bit 0x2 must be "
		               "set, only 0x1 may be added)",
		               off, f->features);
	if (f->saved > 1 || f->hidden > 1)
		return err_set(ERR_FORMAT,
		               "footer at offset %" PRIu64 ": "
		               "%s byte is %u, not 0 or 1",
		               off, f->saved > 1 ? "saved state" : "hidden",
		               f->saved > 1 ? f->saved : f->hidden);
	return ERR_OK;
}

static enum err check_type(const struct vhd_footer *f, uint64_t off)
{
	if (f->type != VHD_TYPE_FIXED && f->type != VHD_TYPE_DYNAMIC &&
	    f->type != VHD_TYPE_DIFF)
		return err_set(ERR_FORMAT,
		               "footer at offset %" PRIu64 ": "
		               "disk type %" PRIu32 " is not 2, 3 or 4",
		               off, f->type);
	if (f->type == VHD_TYPE_FIXED && f->data_offset != VHD_NO_OFFSET)
		return err_set(ERR_FORMAT,
		               "footer at offset %" PRIu64 ": "
		               "data offset 0x%" PRIx64 " of a fixed disk is "
		               "not 0xffffffffffffffff",
		               off, f->data_offset);
	if (f->type != VHD_TYPE_FIXED &&
	    (f->data_offset == VHD_NO_OFFSET || f->data_offset < VHD_SECTOR ||
	     f->data_offset % VHD_SECTOR))
		return err_set(ERR_FORMAT,
		               "footer at offset %" PRIu64 ": "
		               "data offset 0x%" PRIx64 " is not a sector "
		               "offset past the footer copy",
		               off, f->data_offset);
	return ERR_OK;
}

static enum err check_size(const struct vhd_footer *f, uint64_t off)
{
	if (f->curr_size == 0 || f->curr_size % VHD_SECTOR)
		return err_set(ERR_FORMAT,
		               "footer at offset %" PRIu64 ": "
		               "current size %" PRIu64 " is not a positive "
		               "multiple of 512",
		               off, f->curr_size);
	if (f->curr_size > VHD_MAX_SIZE)
		return err_set(ERR_FORMAT,
		               "footer at offset %" PRIu64 ": "
		               "current size %" PRIu64 " exceeds the VHD "
		               "maximum of 2040 GiB",
		               off, f->curr_size);
	return ERR_OK;
}

enum err vhd_footer_parse(struct vhd_footer *f, const uint8_t *buf, size_t len,
                          uint64_t off)
{
	enum err r;

	if (len != VHD_FOOTER_SIZE && len != VHD_FOOTER_SIZE - 1)
		return err_set(ERR_FORMAT,
		               "footer at offset %" PRIu64 ": "
		               "%zu bytes, not 512",
		               off, len);
	decode(f, buf);
	r = check_identity(f, buf, len, off);
	if (r == ERR_OK)
		r = check_features(f, off);
	if (r == ERR_OK)
		r = check_type(f, off);
	if (r == ERR_OK)
		r = check_size(f, off);
	return r;
}

void vhd_footer_build(const struct vhd_footer *f, uint8_t *out)
{
	memset(out, 0, VHD_FOOTER_SIZE);
	memcpy(out + OFF_COOKIE, "conectix", 8);
	put_be32(out + OFF_FEATURES, f->features);
	put_be32(out + OFF_VERSION, f->version);
	put_be64(out + OFF_DATA_OFFSET, f->data_offset);
	put_be32(out + OFF_TIMESTAMP, f->timestamp);
	memcpy(out + OFF_CREATOR_APP, f->creator_app, 4);
	put_be32(out + OFF_CREATOR_VERSION, f->creator_version);
	put_be32(out + OFF_CREATOR_OS, f->creator_os);
	put_be64(out + OFF_ORIG_SIZE, f->orig_size);
	put_be64(out + OFF_CURR_SIZE, f->curr_size);
	put_be16(out + OFF_GEOMETRY, f->geometry.cylinders);
	out[OFF_GEOMETRY + 2] = f->geometry.heads;
	out[OFF_GEOMETRY + 3] = f->geometry.sectors;
	put_be32(out + OFF_TYPE, f->type);
	memcpy(out + OFF_UUID, f->uuid, 16);
	out[OFF_SAVED] = f->saved;
	out[OFF_HIDDEN] = f->hidden;
	put_be32(out + OFF_CHECKSUM,
	         vhd_checksum(out, VHD_FOOTER_SIZE, OFF_CHECKSUM));
}
