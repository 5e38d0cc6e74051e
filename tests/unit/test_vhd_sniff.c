/* SPDX-License-Identifier: MIT */
/* test_vhd_sniff.c - known answers for every signature the reader refuses
 * (vhd/vhd_reader_sniff.c): the magic at its specified offset names the
 * format, one byte off or one byte short names nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vhd_reader_sniff.h"

static uint8_t head[VHD_SNIFF_LEN];

/* The format named for magic (mlen bytes) at off of a zeroed head of len
 * bytes, or NULL. */
static const char *at(size_t off, const char *magic, size_t mlen, size_t len)
{
	const struct vhd_sniff *s;

	memset(head, 0, sizeof(head));
	memcpy(head + off, magic, mlen);
	s = vhd_reader_sniff(head, len);
	return s ? s->format : NULL;
}

#define NAMES(off, magic, name)                                               \
	assert_string_equal(at(off, magic, sizeof(magic) - 1, VHD_SNIFF_LEN), \
	                    name)

static enum vhd_sniff_fix fix_of(size_t off, const char *magic, size_t mlen)
{
	const struct vhd_sniff *s;

	memset(head, 0, sizeof(head));
	memcpy(head + off, magic, mlen);
	s = vhd_reader_sniff(head, sizeof(head));
	assert_non_null(s);
	return s->fix;
}

static void test_each_magic(void **state)
{
	(void)state;
	NAMES(0, "QFI\xfb\0\0\0\x03", "qcow2 (version 3)");
	NAMES(0, "QFI\xfb\0\0\0\x02", "qcow2 (version 2)");
	NAMES(0, "QFI\xfb\0\0\0\x01", "qcow (version 1)");
	NAMES(0, "QFI\xfb\0\0\0\x09", "qcow2");
	NAMES(0, "KDMV\x01\0\0\0", "VMDK (sparse extent)");
	NAMES(0, "COWD", "VMDK (ESXi sparse extent)");
	NAMES(0, "# Disk DescriptorFile\nversion=1\n", "VMDK descriptor");
	NAMES(64, "\x7f\x10\xda\xbe", "VDI (VirtualBox)");
	NAMES(0, "vhdxfile", "VHDX");
	NAMES(0, "LUKS\xba\xbe\0\x01", "LUKS1");
	NAMES(0, "LUKS\xba\xbe\0\x02", "LUKS2");
	NAMES(0, "LUKS\xba\xbe\0\x07", "LUKS");
	NAMES(32769, "CD001", "ISO 9660");
}

static void test_vdi_signature(void **state)
{
	static const char text[] = "<<< Oracle VM VirtualBox Disk Image >>>\n";

	(void)state;
	/* the pre-header text is free-form: only the signature counts */
	memset(head, 0, sizeof(head));
	memcpy(head, text, sizeof(text) - 1);
	assert_null(vhd_reader_sniff(head, sizeof(head)));
	NAMES(64, "\x7f\x10\xda\xbe", "VDI (VirtualBox)");
	assert_null(at(65, "\x7f\x10\xda\xbe", 4, VHD_SNIFF_LEN));
	assert_null(at(64, "\xbe\xda\x10\x7f", 4, VHD_SNIFF_LEN)); /* BE */
}

static void test_descriptor_without_comment(void **state)
{
	static const char d[] = "version=1\nCID=fffffffe\n"
	                        "createType=\"monolithicSparse\"\n";

	(void)state;
	assert_string_equal(at(0, d, sizeof(d) - 1, sizeof(d) - 1),
	                    "VMDK descriptor");
	/* binary data that happens to hold the words is no descriptor */
	memset(head, 0, sizeof(head));
	memcpy(head + 1, d, sizeof(d) - 1);
	assert_null(vhd_reader_sniff(head, sizeof(d)));
}

static void test_misses(void **state)
{
	(void)state;
	memset(head, 0, sizeof(head));
	assert_null(vhd_reader_sniff(head, sizeof(head)));
	assert_null(vhd_reader_sniff(head, 0));
	/* one byte off, or a file that ends inside the magic */
	assert_null(at(1, "QFI\xfb", 4, VHD_SNIFF_LEN));
	assert_null(at(0, "QFI\xfb", 4, 3));
	assert_null(at(32768, "CD001", 5, VHD_SNIFF_LEN));
	assert_null(at(32769, "CD001", 5, 32773));
	assert_string_equal(at(32769, "CD001", 5, 32774), "ISO 9660");
	assert_null(at(0, "vhdxfil", 7, VHD_SNIFF_LEN));
	assert_null(at(0, "LUKS\xba", 5, VHD_SNIFF_LEN));
	/* a VHD footer copy and an MBR boot sector are not foreign */
	assert_null(at(0, "conectix", 8, VHD_SNIFF_LEN));
	assert_null(at(510, "\x55\xaa", 2, VHD_SNIFF_LEN));
}

static void test_fixes(void **state)
{
	(void)state;
	assert_int_equal(fix_of(0, "QFI\xfb", 4), VHD_FIX_CONVERT);
	assert_int_equal(fix_of(0, "vhdxfile", 8), VHD_FIX_CONVERT);
	assert_int_equal(fix_of(0, "LUKS\xba\xbe\0\x02", 8), VHD_FIX_LUKS);
	assert_int_equal(fix_of(32769, "CD001", 5), VHD_FIX_ISO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_magic),
		cmocka_unit_test(test_vdi_signature),
		cmocka_unit_test(test_descriptor_without_comment),
		cmocka_unit_test(test_misses),
		cmocka_unit_test(test_fixes),
	};

	return cmocka_run_group_tests_name("vhd_sniff", tests, NULL, NULL);
}
