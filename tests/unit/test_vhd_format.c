/* SPDX-License-Identifier: MIT */
/* test_vhd_format.c - VHD pure format code: checksums and structures from
 * real qemu-img output, CHS and layout worked values of
 * docs/vhd-encryption.md §2, round trips, and one reject per validation
 * rule (detail names field+offset). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bytes.h"
#include "encode.h"
#include "vhd_bat.h"
#include "vhd_batmap.h"
#include "vhd_bitmap.h"
#include "vhd_checksum.h"
#include "vhd_chs.h"
#include "vhd_footer.h"
#include "vhd_header.h"
#include "vhd_layout.h"

/* First 96 bytes of `qemu-img create -f vpc d.vhd 12M` (qemu 7.2); the
 * rest of the 512-byte footer is zero. */
static const char qemu_footer_hex[] =
	"636f6e656374697800000002000100000000000000000200329e715671656d75"
	"000500035769326b0000000000c050000000000000c05000016a041100000003"
	"ffffeed3ee96130a1b614b5fbd14c9851b954d90000000000000000000000000";
/* First 48 bytes of its dynamic header at offset 512. */
static const char qemu_header_hex[] =
	"6378737061727365ffffffffffffffff00000000000006000001000000000007"
	"00200000fffff4700000000000000000";

#define DETAIL_HAS(s) assert_non_null(strstr(err_detail(), (s)))

static void load_hex(uint8_t *buf, size_t len, const char *hex)
{
	memset(buf, 0, len);
	assert_int_equal(decode_hex(buf, strlen(hex) / 2, hex), ERR_OK);
}

static void test_qemu_footer(void **state)
{
	uint8_t buf[512], back[512];
	struct vhd_footer f;

	(void)state;
	load_hex(buf, sizeof(buf), qemu_footer_hex);
	assert_int_equal(vhd_checksum(buf, 512, 64), 0xffffeed3u);
	assert_int_equal(vhd_footer_parse(&f, buf, 512, 0), ERR_OK);
	assert_int_equal(f.checksum, 0xffffeed3u);
	assert_int_equal(f.curr_size, 12603392);
	assert_int_equal(f.data_offset, 512);
	assert_int_equal(f.type, VHD_TYPE_DYNAMIC);
	assert_memory_equal(f.creator_app, "qemu", 4);
	assert_int_equal(f.creator_version, 0x00050003u);
	assert_int_equal(f.creator_os, 0x5769326bu);
	assert_int_equal(f.geometry.cylinders, 362);
	assert_int_equal(f.geometry.heads, 4);
	assert_int_equal(f.geometry.sectors, 17);
	vhd_footer_build(&f, back);
	assert_memory_equal(back, buf, 512);
}

static void test_qemu_header(void **state)
{
	uint8_t buf[1024], back[1024];
	struct vhd_header h;

	(void)state;
	load_hex(buf, sizeof(buf), qemu_header_hex);
	assert_int_equal(vhd_checksum(buf, 1024, 36), 0xfffff470u);
	assert_int_equal(vhd_header_parse(&h, buf, 512), ERR_OK);
	assert_int_equal(h.table_offset, 1536);
	assert_int_equal(h.max_bat, 7);
	assert_int_equal(h.block_size, 2097152);
	vhd_header_build(&h, back);
	assert_memory_equal(back, buf, 1024);
}

static void check_chs(uint64_t size, unsigned c, unsigned h, unsigned s)
{
	struct vhd_chs g = vhd_chs(size);

	assert_int_equal(g.cylinders, c);
	assert_int_equal(g.heads, h);
	assert_int_equal(g.sectors, s);
}

static void test_chs(void **state)
{
	(void)state;
	check_chs(12ull << 20, 361, 4, 17);
	check_chs(100ull << 20, 1003, 12, 17);
	check_chs(100ull << 30, 51400, 16, 255);
	check_chs(12603392, 362, 4, 17); /* qemu's rounded 12M above */
	check_chs(2040ull << 30, 65535, 16, 255);
	check_chs(512, 0, 4, 17);
	check_chs(1ull << 30, 2080, 16, 63);
	assert_int_equal(vhd_chs_bytes(vhd_chs(100ull << 20)), 104761344);
}

static void test_layout_12m(void **state)
{
	struct vhd_layout l;

	(void)state;
	assert_int_equal(vhd_layout_compute(&l, 12ull << 20), ERR_OK);
	assert_int_equal(l.size, 12ull << 20);
	assert_int_equal(l.blocks, 6);
	assert_int_equal(l.bat_off, 1536);
	assert_int_equal(l.bat_bytes, 512);
	assert_int_equal(l.batmap_hdr_off, 2048);
	assert_int_equal(l.batmap_off, 2560);
	assert_int_equal(l.batmap_secs, 1);
	assert_int_equal(vhd_layout_block_sector(&l, 0), 7);
	assert_int_equal((vhd_layout_block_sector(&l, 0) + 1) * 512, 4096);
	assert_int_equal(vhd_layout_block_sector(&l, 1), 4111);
	assert_int_equal(vhd_layout_block_sector(&l, 2), 8215);
	assert_int_equal(vhd_layout_footer_off(&l, 1), (7 + 4097) * 512);
	assert_int_equal(vhd_layout_footer_off(&l, 0), 3072);
}

static void test_layout_100g(void **state)
{
	struct vhd_layout l;

	(void)state;
	assert_int_equal(vhd_layout_compute(&l, 100ull << 30), ERR_OK);
	assert_int_equal(l.blocks, 51200);
	assert_int_equal(l.bat_bytes, 400 * 512);
	assert_int_equal(l.batmap_hdr_off, 206336);
	assert_int_equal(l.batmap_off, 206848);
	assert_int_equal(l.batmap_secs, 13);
	assert_int_equal(vhd_layout_block_sector(&l, 0), 423);
	assert_int_equal((vhd_layout_block_sector(&l, 0) + 1) * 512, 217088);
}

static void test_layout_rounding(void **state)
{
	struct vhd_layout l;

	(void)state;
	/* the size is kept; the blocks cover it */
	assert_int_equal(vhd_layout_compute(&l, (12ull << 20) + 512), ERR_OK);
	assert_int_equal(l.size, (12ull << 20) + 512);
	assert_int_equal(l.blocks, 7);
	assert_int_equal(vhd_layout_compute(&l, 2147991552), ERR_OK);
	assert_int_equal(l.size, 2147991552);
	assert_int_equal(l.blocks, 1025);
	assert_int_equal(vhd_layout_compute(&l, 512), ERR_OK);
	assert_int_equal(l.blocks, 1);
	assert_int_equal(vhd_layout_compute(&l, (12ull << 20) + 1), ERR_FORMAT);
	assert_int_equal(vhd_layout_compute(&l, 1), ERR_FORMAT);
	assert_int_equal(vhd_layout_compute(&l, 2040ull << 30), ERR_OK);
	assert_int_equal(l.blocks, 1044480);
	assert_int_equal(l.batmap_secs, 255);
	assert_int_equal(vhd_layout_compute(&l, 0), ERR_FORMAT);
	assert_int_equal(vhd_layout_compute(&l, (2040ull << 30) + 512),
			 ERR_UNSUPPORTED);
}

static struct vhd_footer tap_footer(void)
{
	struct vhd_footer f = {
		.features = VHD_FEATURE_RESERVED,
		.version = VHD_FORMAT_VERSION,
		.data_offset = 512,
		.timestamp = 123456789,
		.creator_app = { 't', 'a', 'p', 0 },
		.creator_version = 0x00010003,
		.orig_size = 12ull << 20,
		.curr_size = 12ull << 20,
		.geometry = { 361, 4, 17 },
		.type = VHD_TYPE_DYNAMIC,
		.uuid = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	};
	return f;
}

static void footer_equal(const struct vhd_footer *a,
			 const struct vhd_footer *b)
{
	assert_int_equal(a->features, b->features);
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->data_offset, b->data_offset);
	assert_int_equal(a->timestamp, b->timestamp);
	assert_memory_equal(a->creator_app, b->creator_app, 4);
	assert_int_equal(a->creator_version, b->creator_version);
	assert_int_equal(a->creator_os, b->creator_os);
	assert_int_equal(a->orig_size, b->orig_size);
	assert_int_equal(a->curr_size, b->curr_size);
	assert_int_equal(a->geometry.cylinders, b->geometry.cylinders);
	assert_int_equal(a->geometry.heads, b->geometry.heads);
	assert_int_equal(a->geometry.sectors, b->geometry.sectors);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->checksum, b->checksum);
	assert_memory_equal(a->uuid, b->uuid, 16);
	assert_int_equal(a->saved, b->saved);
	assert_int_equal(a->hidden, b->hidden);
}

static void test_footer_roundtrip(void **state)
{
	struct vhd_footer f = tap_footer(), g;
	uint8_t buf[512];

	(void)state;
	vhd_footer_build(&f, buf);
	f.checksum = get_be32(buf + 64);
	assert_int_equal(f.checksum, vhd_checksum(buf, 512, 64));
	assert_int_equal(vhd_footer_parse(&g, buf, 512, 0), ERR_OK);
	footer_equal(&f, &g);
	/* pre-2004 Virtual PC: 511 bytes, same checksum */
	assert_int_equal(vhd_footer_parse(&g, buf, 511, 0), ERR_OK);
	assert_int_equal(vhd_footer_parse(&g, buf, 100, 0), ERR_FORMAT);
}

/* One mutation of a valid footer; checksum repaired unless fix = 0. */
struct mutation {
	size_t off;
	size_t len;
	uint64_t value;
	int fix;
	const char *detail;
};

static void mutate(uint8_t *buf, size_t csum_off, size_t size,
		   const struct mutation *m)
{
	if (m->len == 8)
		put_be64(buf + m->off, m->value);
	else if (m->len == 4)
		put_be32(buf + m->off, (uint32_t)m->value);
	else
		buf[m->off] = (uint8_t)m->value;
	if (m->fix)
		put_be32(buf + csum_off, vhd_checksum(buf, size, csum_off));
}

static void test_footer_rejects(void **state)
{
	static const struct mutation m[] = {
		{ 0, 1, 'C', 1, "cookie" },
		{ 64, 4, 0x1234, 0, "checksum 0x00001234 != computed" },
		{ 12, 4, 0x00020000, 1, "file format version" },
		{ 8, 4, 0, 1, "features" },
		{ 8, 4, 6, 1, "features" },
		{ 60, 4, 1, 1, "disk type 1" },
		{ 60, 4, 5, 1, "disk type 5" },
		{ 16, 8, UINT64_MAX, 1, "data offset" },
		{ 16, 8, 100, 1, "data offset" },
		{ 16, 8, 0, 1, "data offset" },
		{ 48, 8, 0, 1, "current size 0" },
		{ 48, 8, 513, 1, "current size 513" },
		{ 48, 8, (2040ull << 30) + 512, 1, "2040 GiB" },
		{ 84, 1, 2, 1, "saved state" },
		{ 85, 1, 7, 1, "hidden" },
	};
	struct vhd_footer f = tap_footer(), g;
	uint8_t buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		vhd_footer_build(&f, buf);
		mutate(buf, 64, 512, &m[i]);
		err_clear();
		assert_int_equal(vhd_footer_parse(&g, buf, 512, 1048064),
				 ERR_FORMAT);
		DETAIL_HAS("footer at offset 1048064");
		DETAIL_HAS(m[i].detail);
	}
	vhd_footer_build(&f, buf);
	memcpy(buf, "v_poison", 8);
	assert_int_equal(vhd_footer_parse(&g, buf, 512, 0), ERR_FORMAT);
	DETAIL_HAS("v_poison");
	/* a fixed disk must have the all-ones data offset */
	f.type = VHD_TYPE_FIXED;
	vhd_footer_build(&f, buf);
	assert_int_equal(vhd_footer_parse(&g, buf, 512, 0), ERR_FORMAT);
	DETAIL_HAS("data offset");
	f.data_offset = VHD_NO_OFFSET;
	vhd_footer_build(&f, buf);
	assert_int_equal(vhd_footer_parse(&g, buf, 512, 0), ERR_OK);
	assert_string_equal(vhd_footer_field(64), "checksum");
	assert_string_equal(vhd_footer_field(67), "checksum");
	assert_string_equal(vhd_footer_field(300), "reserved");
}

static struct vhd_header dyn_header(void)
{
	struct vhd_header h = {
		.data_offset = UINT64_MAX,
		.table_offset = 1536,
		.version = VHD_HEADER_VERSION,
		.max_bat = 6,
		.block_size = VHD_BLOCK_SIZE,
	};
	h.loc[2].code = 0x57326b75;
	h.loc[2].data_offset = 99;
	h.parent_name[511] = 7;
	return h;
}

static void test_header_roundtrip(void **state)
{
	struct vhd_header h = dyn_header(), g;
	uint8_t buf[1024];

	(void)state;
	vhd_header_build(&h, buf);
	h.checksum = get_be32(buf + 36);
	assert_int_equal(vhd_header_parse(&g, buf, 512), ERR_OK);
	assert_int_equal(g.data_offset, h.data_offset);
	assert_int_equal(g.table_offset, h.table_offset);
	assert_int_equal(g.version, h.version);
	assert_int_equal(g.max_bat, h.max_bat);
	assert_int_equal(g.block_size, h.block_size);
	assert_int_equal(g.checksum, h.checksum);
	assert_memory_equal(g.parent_uuid, h.parent_uuid, 16);
	assert_int_equal(g.parent_timestamp, h.parent_timestamp);
	assert_memory_equal(g.parent_name, h.parent_name, 512);
	for (int i = 0; i < VHD_PARENT_LOCATORS; i++) {
		assert_int_equal(g.loc[i].code, h.loc[i].code);
		assert_int_equal(g.loc[i].data_space, h.loc[i].data_space);
		assert_int_equal(g.loc[i].data_len, h.loc[i].data_len);
		assert_int_equal(g.loc[i].data_offset, h.loc[i].data_offset);
	}
}

static void test_header_rejects(void **state)
{
	static const struct mutation m[] = {
		{ 7, 1, 'X', 1, "cookie" },
		{ 36, 4, 0, 0, "checksum 0x00000000 != computed" },
		{ 24, 4, 0x00010001, 1, "header version" },
		{ 8, 8, 0, 1, "data offset" },
		{ 32, 4, 0, 1, "block size 0" },
		{ 32, 4, 3 << 20, 1, "block size" },
		{ 32, 4, 256, 1, "block size 256" },
		{ 32, 4, 4 << 20, 1, "block size 4194304" },
		{ 32, 4, 1u << 31, 1, "block size" },
		{ 28, 4, 0, 1, "max table entries is 0" },
		{ 16, 8, 0, 1, "table offset" },
		{ 16, 8, 1537, 1, "table offset" },
		{ 16, 8, UINT64_MAX, 1, "table offset" },
	};
	struct vhd_header h = dyn_header(), g;
	uint8_t buf[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		vhd_header_build(&h, buf);
		mutate(buf, 36, 1024, &m[i]);
		err_clear();
		assert_int_equal(vhd_header_parse(&g, buf, 512), ERR_FORMAT);
		DETAIL_HAS("dynamic header at offset 512");
		DETAIL_HAS(m[i].detail);
	}
	h.block_size = 512; /* smallest block accepted */
	vhd_header_build(&h, buf);
	assert_int_equal(vhd_header_parse(&g, buf, 512), ERR_OK);
}

static void test_batmap(void **state)
{
	struct vhd_batmap b = {
		.map_offset = 2560, .map_secs = 1,
		.version = VHD_BATMAP_VERSION, .checksum = 0xfffffffe,
		.keyhash = { .cookie = 1 },
	}, g;
	uint8_t buf[512], map[3] = { 0x80, 0x80, 0 };

	(void)state;
	memset(b.keyhash.hash, 0xab, 32);
	b.keyhash.nonce[31] = 9;
	vhd_batmap_build(&b, buf);
	assert_memory_equal(buf, "tdbatmap", 8);
	assert_int_equal(buf[29], 1);
	assert_int_equal(buf[30 + 31], 9);
	assert_int_equal(buf[62], 0xab);
	assert_int_equal(buf[93], 0xab);
	assert_int_equal(buf[94], 0);
	assert_int_equal(vhd_batmap_parse(&g, buf, 2048), ERR_OK);
	assert_int_equal(g.map_offset, b.map_offset);
	assert_int_equal(g.map_secs, b.map_secs);
	assert_int_equal(g.version, b.version);
	assert_int_equal(g.checksum, b.checksum);
	assert_int_equal(g.marker, b.marker);
	assert_int_equal(g.keyhash.cookie, 1);
	assert_memory_equal(g.keyhash.nonce, b.keyhash.nonce, 32);
	assert_memory_equal(g.keyhash.hash, b.keyhash.hash, 32);
	/* 1.2 sums unsigned bytes, 1.1 signed chars */
	assert_int_equal(vhd_batmap_checksum(map, 3, VHD_BATMAP_VERSION),
			 ~256u);
	assert_int_equal(vhd_batmap_checksum(map, 3, VHD_BATMAP_VERSION_11),
			 ~(uint32_t)-256);
	assert_int_equal(vhd_batmap_secs(0), 1);
	assert_int_equal(vhd_batmap_secs(4096), 1);
	assert_int_equal(vhd_batmap_secs(4097), 2);
	assert_int_equal(vhd_batmap_secs(51200), 13);
}

static void test_batmap_rejects(void **state)
{
	static const struct mutation m[] = {
		{ 0, 1, 'x', 0, "cookie" },
		{ 20, 4, 0x00010003, 0, "batmap version 0x00010003" },
		{ 29, 1, 2, 0, "keyhash cookie 2" },
		{ 16, 4, 0, 0, "batmap size is 0" },
	};
	struct vhd_batmap b = { .map_offset = 2560, .map_secs = 1,
				.version = VHD_BATMAP_VERSION }, g;
	uint8_t buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		vhd_batmap_build(&b, buf);
		mutate(buf, 0, 0, &m[i]);
		err_clear();
		assert_int_equal(vhd_batmap_parse(&g, buf, 2048), ERR_FORMAT);
		DETAIL_HAS("batmap header at offset 2048");
		DETAIL_HAS(m[i].detail);
	}
}

static void test_bat_coding(void **state)
{
	const uint32_t bat[3] = { 7, VHD_BAT_UNUSED, 4111 };
	uint32_t back[3];
	uint8_t buf[512];

	(void)state;
	vhd_bat_encode(bat, 3, buf, sizeof(buf));
	assert_int_equal(get_be32(buf), 7);
	assert_int_equal(get_be32(buf + 4), 0xffffffffu);
	assert_int_equal(buf[12], 0); /* zero padding, as blktap */
	assert_int_equal(buf[511], 0);
	vhd_bat_decode(back, buf, 3);
	assert_memory_equal(back, bat, sizeof(bat));
	assert_int_equal(vhd_bat_bitmap_bytes(VHD_BLOCK_SIZE), 512);
	assert_int_equal(vhd_bat_bitmap_bytes(512), 512);
	assert_int_equal(vhd_bat_bitmap_bytes(1u << 21), 512);
}

static void test_bat_check(void **state)
{
	const struct vhd_extent meta[] = {
		{ 0, 512, "footer copy" },
		{ 512, 1024, "dynamic header" },
		{ 1536, 512, "BAT" },
	};
	uint64_t end = (2 * 4104 + 4 + 4097) * 512ull;
	uint32_t bat[3] = { 4, 4104 + 4, 2 * 4104 + 4 };
	const uint32_t span = 4097;

	(void)state;
	assert_int_equal(vhd_bat_check(bat, 3, VHD_BLOCK_SIZE, meta, 3, end,
				       1536), ERR_OK);
	bat[1] = VHD_BAT_UNUSED;
	assert_int_equal(vhd_bat_check(bat, 3, VHD_BLOCK_SIZE, meta, 3, end,
				       1536), ERR_OK);
	bat[1] = bat[0] + span - 1; /* overlaps block 0 by one sector */
	assert_int_equal(vhd_bat_check(bat, 3, VHD_BLOCK_SIZE, meta, 3, end,
				       1536), ERR_FORMAT);
	DETAIL_HAS("entries 0 and 1 overlap");
	bat[1] = bat[0]; /* two entries, one block */
	assert_int_equal(vhd_bat_check(bat, 3, VHD_BLOCK_SIZE, meta, 3, end,
				       1536), ERR_FORMAT);
	DETAIL_HAS("overlap");
	bat[1] = 3; /* into the BAT */
	assert_int_equal(vhd_bat_check(bat, 3, VHD_BLOCK_SIZE, meta, 3, end,
				       1536), ERR_FORMAT);
	DETAIL_HAS("overlaps the BAT at offset 1536");
	bat[1] = 0xfffffffe; /* far past the end, no overflow */
	assert_int_equal(vhd_bat_check(bat, 3, VHD_BLOCK_SIZE, meta, 3, end,
				       1536), ERR_FORMAT);
	DETAIL_HAS("entry 1 (sector 4294967294)");
	DETAIL_HAS("past the data area end");
	bat[1] = 4104 + 4;
	bat[2] = (uint32_t)(end / 512) - span + 1; /* one sector too long */
	assert_int_equal(vhd_bat_check(bat, 3, VHD_BLOCK_SIZE, meta, 3, end,
				       1536), ERR_FORMAT);
	DETAIL_HAS("entry 2");
}

static void test_bitmap_msb_first(void **state)
{
	uint8_t map[2] = { 0, 0 };

	(void)state;
	vhd_bitmap_set(map, 0);
	vhd_bitmap_set(map, 9);
	assert_int_equal(map[0], 0x80);
	assert_int_equal(map[1], 0x40);
	assert_true(vhd_bitmap_test(map, 0));
	assert_false(vhd_bitmap_test(map, 1));
	assert_true(vhd_bitmap_test(map, 9));
	assert_false(vhd_bitmap_test(map, 15));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_footer),
		cmocka_unit_test(test_qemu_header),
		cmocka_unit_test(test_chs),
		cmocka_unit_test(test_layout_12m),
		cmocka_unit_test(test_layout_100g),
		cmocka_unit_test(test_layout_rounding),
		cmocka_unit_test(test_footer_roundtrip),
		cmocka_unit_test(test_footer_rejects),
		cmocka_unit_test(test_header_roundtrip),
		cmocka_unit_test(test_header_rejects),
		cmocka_unit_test(test_batmap),
		cmocka_unit_test(test_batmap_rejects),
		cmocka_unit_test(test_bat_coding),
		cmocka_unit_test(test_bat_check),
		cmocka_unit_test(test_bitmap_msb_first),
	};

	return cmocka_run_group_tests_name("vhd_format", tests, NULL, NULL);
}
