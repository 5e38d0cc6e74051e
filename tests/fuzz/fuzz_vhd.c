/* SPDX-License-Identifier: MIT */
/* fuzz_vhd.c - libFuzzer target over the VHD parsers and the whole input
 * reader. Byte 0 picks the target (bits 1-2) and whether the harness first
 * repairs cookies and checksums (bit 0), so mutations get past the cheap
 * gates; the rest is the input. Parsed structures must round-trip. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bytes.h"
#include "vhd_bat.h"
#include "vhd_batmap.h"
#include "vhd_checksum.h"
#include "vhd_footer.h"
#include "vhd_header.h"
#include "vhd_reader.h"

#define MAX_INPUT (1u << 20)
#define READ_BLOCKS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void repair(uint8_t *p, const char *cookie, size_t len, size_t csum)
{
	memcpy(p, cookie, 8);
	put_be32(p + csum, vhd_checksum(p, len, csum));
}

static void fuzz_footer(const uint8_t *in, size_t n, bool fix)
{
	uint8_t buf[VHD_FOOTER_SIZE] = { 0 }, back[VHD_FOOTER_SIZE];
	uint8_t again[VHD_FOOTER_SIZE];
	struct vhd_footer f;

	memcpy(buf, in, n < sizeof(buf) ? n : sizeof(buf));
	if (fix)
		repair(buf, "conectix", sizeof(buf), 64);
	if (vhd_footer_parse(&f, buf, sizeof(buf), 0) != ERR_OK)
		return;
	vhd_footer_build(&f, back);
	/* every field round-trips; build zeroes the reserved bytes, so the
	 * checksum may differ, and the rebuilt footer is a fixed point */
	if (memcmp(back, buf, 64) != 0 || memcmp(back + 68, buf + 68, 18))
		abort();
	if (vhd_footer_parse(&f, back, sizeof(back), 0) != ERR_OK)
		abort();
	vhd_footer_build(&f, again);
	if (memcmp(back, again, sizeof(back)) != 0)
		abort();
}

static void fuzz_header(const uint8_t *in, size_t n, bool fix)
{
	uint8_t buf[VHD_HEADER_SIZE] = { 0 }, back[VHD_HEADER_SIZE];
	uint8_t again[VHD_HEADER_SIZE];
	struct vhd_header h;

	memcpy(buf, in, n < sizeof(buf) ? n : sizeof(buf));
	if (fix)
		repair(buf, "cxsparse", sizeof(buf), 36);
	if (vhd_header_parse(&h, buf, 512) != ERR_OK)
		return;
	vhd_header_build(&h, back);
	if (memcmp(back, buf, 36) != 0 || memcmp(back + 40, buf + 40, 20))
		abort();
	if (vhd_header_parse(&h, back, 512) != ERR_OK)
		abort();
	vhd_header_build(&h, again);
	if (memcmp(back, again, sizeof(back)) != 0)
		abort();
}

/* Batmap header, then the rest as a BAT checked against fixed metadata. */
static void fuzz_bat(const uint8_t *in, size_t n, bool fix)
{
	const struct vhd_extent meta[] = {
		{ 0, 512, "footer copy" }, { 512, 1024, "dynamic header" } };
	uint8_t buf[VHD_BATMAP_HEADER_SIZE] = { 0 };
	struct vhd_batmap b;
	uint32_t *bat, count, bs;

	memcpy(buf, in, n < sizeof(buf) ? n : sizeof(buf));
	if (fix)
		memcpy(buf, "tdbatmap", 8);
	(void)vhd_batmap_parse(&b, buf, 2048);
	if (n < sizeof(buf) + 4)
		return;
	bs = 512u << (in[sizeof(buf)] % 13);
	count = (uint32_t)((n - sizeof(buf) - 4) / 4);
	bat = malloc((count ? count : 1) * sizeof(*bat));
	if (!bat)
		return;
	vhd_bat_decode(bat, in + sizeof(buf) + 4, count);
	(void)vhd_bat_check(bat, count, bs, meta, 2, get_be32(in + 508) *
			    (uint64_t)512, 1536);
	free(bat);
}

/* Make the trailing footer, the copy at 0 and the header it points at
 * pass their cookie and checksum checks. */
static void repair_file(uint8_t *p, size_t n)
{
	uint8_t *tail = p + n - VHD_FOOTER_SIZE;
	uint64_t hoff;

	repair(tail, "conectix", VHD_FOOTER_SIZE, 64);
	hoff = get_be64(tail + 16);
	if (hoff <= n && n - hoff >= VHD_HEADER_SIZE + VHD_FOOTER_SIZE &&
	    hoff >= VHD_FOOTER_SIZE)
		repair(p + hoff, "cxsparse", VHD_HEADER_SIZE, 36);
	memcpy(p, tail, VHD_FOOTER_SIZE);
}

static void fuzz_file(const uint8_t *in, size_t n, bool fix)
{
	struct vhd_reader *r = NULL;
	uint8_t *copy = NULL, *block = NULL, present[VHD_READER_MAP_BYTES];
	int fd;
	bool any;

	fd = memfd_create("fuzz_vhd", MFD_CLOEXEC);
	copy = malloc(n ? n : 1);
	block = malloc(VHD_READER_BLOCK);
	if (fd < 0 || !copy || !block)
		goto out;
	memcpy(copy, in, n);
	if (fix && n >= 2 * VHD_FOOTER_SIZE)
		repair_file(copy, n);
	if (write(fd, copy, n) != (ssize_t)n)
		goto out;
	if (vhd_reader_open_fd(&r, fd, "fuzz") != ERR_OK)
		goto out;
	for (uint32_t k = 0; k < vhd_reader_blocks(r) && k < READ_BLOCKS; k++)
		if (vhd_reader_read(r, k, block, present, &any) != ERR_OK)
			break;
out:
	vhd_reader_free(r);
	if (fd >= 0)
		close(fd);
	free(copy);
	free(block);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool fix;

	if (size < 1 || size > MAX_INPUT)
		return 0;
	fix = data[0] & 1;
	switch ((data[0] >> 1) & 3) {
	case 0: fuzz_footer(data + 1, size - 1, fix); break;
	case 1: fuzz_header(data + 1, size - 1, fix); break;
	case 2: fuzz_bat(data + 1, size - 1, fix); break;
	default: fuzz_file(data + 1, size - 1, fix); break;
	}
	return 0;
}
