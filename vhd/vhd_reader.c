/* SPDX-License-Identifier: MIT */
/* vhd_reader.c - input detection and flat (raw, fixed VHD) reading. The
 * trailing footer decides the kind; a file without one is raw unless it
 * carries another format's signature (vhd_reader_sniff.c). Holes in flat
 * inputs are found with SEEK_DATA so sparse images cost no reads. */
#include "vhd_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vhd_bat.h"
#include "vhd_bitmap.h"
#include "vhd_reader_int.h"
#include "vhd_reader_sniff.h"

/* Alignment of O_DIRECT reads: buffer, offset and length (the logical
 * block size of most disks; a 4Kn disk refuses and reads buffer). Only
 * reads of at least DIRECT_MIN bytes (data blocks) try it. */
#define DIRECT_ALIGN 512u
#define DIRECT_MIN   (64u * 1024)

static bool read_direct(const struct vhd_reader *r, uint8_t *buf, size_t len,
                        size_t room, uint64_t off);

static enum err pread_all(const struct vhd_reader *r, void *buf, size_t len,
                          uint64_t off, const char *what)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pread(r->fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_errno(ERR_IO, "read");
		if (n == 0)
			return err_set(ERR_FORMAT,
			               "file ends inside the %s "
			               "at offset %" PRIu64,
			               what, off);
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return ERR_OK;
}

enum err vhd_reader_pread(const struct vhd_reader *r, void *buf, size_t len,
                          uint64_t off, const char *what)
{
	if (len >= DIRECT_MIN && read_direct(r, buf, len, len, off))
		return ERR_OK;
	return pread_all(r, buf, len, off, what);
}

static enum err file_size(struct vhd_reader *r)
{
	struct stat st;
	off_t end;

	if (fstat(r->fd, &st) != 0)
		return err_errno(ERR_IO, "stat");
	r->dev = st.st_dev;
	r->ino = st.st_ino;
	if (S_ISREG(st.st_mode)) {
		r->file_size = (uint64_t)st.st_size;
		return ERR_OK;
	}
	end = lseek(r->fd, 0, SEEK_END); /* block devices */
	if (end < 0)
		return err_errno(ERR_IO, "size");
	r->file_size = (uint64_t)end;
	return ERR_OK;
}

static enum err open_flat(struct vhd_reader *r)
{
	if (r->input == VHD_INPUT_RAW) {
		r->size = r->file_size;
		if (r->size == 0)
			return err_set(ERR_FORMAT, "empty input");
		/* a disk is whole sectors: a text file or a truncated copy
		 * is not one (vhd-util cannot open such a file at all) */
		if (r->size % VHD_SECTOR)
			return err_set(ERR_FORMAT,
			               "%" PRIu64 " bytes is not a whole "
			               "number of 512-byte sectors, so not a "
			               "raw disk image: the wrong file?",
			               r->size);
		if (r->size > VHD_MAX_SIZE)
			return err_set(ERR_UNSUPPORTED,
			               "raw input of %" PRIu64
			               " bytes exceeds the VHD maximum of "
			               "2040 GiB",
			               r->size);
		return ERR_OK;
	}
	r->size = r->footer.curr_size;
	if (r->footer_off != r->size)
		return err_set(ERR_FORMAT,
		               "fixed disk footer at offset %" PRIu64
		               ": current size %" PRIu64 " != %" PRIu64
		               " bytes of data before the footer",
		               r->footer_off, r->size, r->footer_off);
	return ERR_OK;
}

/* Which footer, if any, ends the file: 512 bytes, or 511 (Virtual PC). */
static enum err find_footer(struct vhd_reader *r, uint8_t *buf, bool *found)
{
	uint8_t head[8];
	enum err e;

	*found = false;
	if (r->file_size >= VHD_FOOTER_SIZE) {
		e = vhd_reader_pread(r, buf, VHD_FOOTER_SIZE,
		                     r->file_size - VHD_FOOTER_SIZE, "footer");
		if (e != ERR_OK)
			return e;
		if (!memcmp(buf, "conectix", 8) ||
		    !memcmp(buf, "v_poison", 8)) {
			r->footer_len = VHD_FOOTER_SIZE;
		} else if (!memcmp(buf + 1, "conectix", 8)) {
			memmove(buf, buf + 1, VHD_FOOTER_SIZE - 1);
			r->footer_len = VHD_FOOTER_SIZE - 1;
		}
	}
	if (r->footer_len) {
		r->footer_off = r->file_size - r->footer_len;
		*found = true;
		return ERR_OK;
	}
	if (r->file_size < sizeof(head))
		return ERR_OK;
	e = vhd_reader_pread(r, head, sizeof(head), 0, "start");
	if (e == ERR_OK && !memcmp(head, "conectix", 8))
		e = err_set(ERR_FORMAT,
		            "footer copy at offset 0 but no footer "
		            "at the end (offset %" PRIu64 "): truncated VHD?",
		            r->file_size < 512 ? 0 : r->file_size - 512);
	return e;
}

/* The refusal of a file in format s, with what to do instead. */
static enum err refuse(const struct vhd_reader *r, const struct vhd_sniff *s)
{
	switch (s->fix) {
	case VHD_FIX_LUKS:
		return err_set(ERR_FORMAT,
		               "a %s encrypted volume, not a plain disk: "
		               "open it (cryptsetup open %s plain) and convert "
		               "/dev/mapper/plain with qemu-img convert -O vpc "
		               "-o subformat=dynamic, or use --input-format "
		               "raw if the guest itself unlocks it",
		               s->format, r->name);
	case VHD_FIX_ISO:
		return err_set(ERR_FORMAT,
		               "an %s image (optical disc), not a disk "
		               "image: install from it into a disk image, or "
		               "use --input-format raw if it is a hybrid "
		               "image meant to be written to a disk",
		               s->format);
	default:
		return err_set(ERR_FORMAT,
		               "a %s image, not a raw disk or a VHD: convert "
		               "it first: qemu-img convert -O vpc -o "
		               "subformat=dynamic %s OUT.vhd",
		               s->format, r->name);
	}
}

/* A file without a VHD footer: refuse it if another format's signature
 * is there, else it is raw. */
static enum err check_foreign(const struct vhd_reader *r)
{
	size_t len = r->file_size < VHD_SNIFF_LEN ? (size_t)r->file_size
	                                          : VHD_SNIFF_LEN;
	const struct vhd_sniff *s;
	uint8_t *head;
	enum err e;

	if (len == 0)
		return ERR_OK;
	head = malloc(len);
	if (!head)
		return err_set(ERR_NOMEM, "start of the file");
	e = pread_all(r, head, len, 0, "start");
	s = e == ERR_OK ? vhd_reader_sniff(head, len) : NULL;
	free(head);
	return s ? refuse(r, s) : e;
}

static enum err detect(struct vhd_reader *r)
{
	uint8_t buf[VHD_FOOTER_SIZE];
	bool found;
	enum err e;

	if (r->as == VHD_FORMAT_RAW) {
		r->input = VHD_INPUT_RAW;
		return open_flat(r);
	}
	e = find_footer(r, buf, &found);
	if (e == ERR_OK && !found)
		e = check_foreign(r);
	if (e != ERR_OK || !found) {
		r->input = VHD_INPUT_RAW;
		return e == ERR_OK ? open_flat(r) : e;
	}
	e = vhd_footer_parse(&r->footer, buf, r->footer_len, r->footer_off);
	if (e != ERR_OK)
		return e;
	if (r->footer.type == VHD_TYPE_DIFF)
		return err_set(ERR_UNSUPPORTED,
		               "differencing VHD: merge the "
		               "chain first (qemu-img convert)");
	if (r->footer.type == VHD_TYPE_FIXED) {
		r->input = VHD_INPUT_FIXED;
		return open_flat(r);
	}
	r->input = VHD_INPUT_DYNAMIC;
	r->size = r->footer.curr_size;
	return vhd_dynamic_load(r);
}

static enum err open_fd_as(struct vhd_reader **out, int fd, const char *name,
                           enum vhd_input_format as)
{
	struct vhd_reader *r = NULL;
	enum err e;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return err_set(ERR_NOMEM, "reader");
	r->fd = fd;
	r->dfd = -1;
	r->name = name;
	r->as = as;
	e = file_size(r);
	if (e == ERR_OK)
		e = detect(r);
	if (e != ERR_OK) {
		err_wrap(e, "%s", name);
		vhd_reader_free(r);
		return e;
	}
	*out = r;
	return ERR_OK;
}

enum err vhd_reader_open_fd(struct vhd_reader **out, int fd, const char *name)
{
	return open_fd_as(out, fd, name, VHD_FORMAT_AUTO);
}

enum err vhd_reader_open(struct vhd_reader **out, const char *path)
{
	return vhd_reader_open_as(out, path, VHD_FORMAT_AUTO);
}

enum err vhd_reader_open_as(struct vhd_reader **out, const char *path,
                            enum vhd_input_format as)
{
	enum err e;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = err_errno(errno == ENOENT ? ERR_NOT_FOUND : ERR_IO, path);
		return e;
	}
	e = open_fd_as(out, fd, path, as);
	if (e != ERR_OK) {
		close(fd);
		return e;
	}
	(*out)->owns_fd = true;
	/* -1 where the file system has no O_DIRECT (tmpfs): reads buffer */
	(*out)->dfd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);
	return e;
}

void vhd_reader_free(struct vhd_reader *r)
{
	if (!r)
		return;
	if (r->owns_fd)
		close(r->fd);
	if (r->dfd >= 0)
		close(r->dfd);
	free(r->bat);
	free(r->batmap_bits);
	free(r);
}

enum vhd_input vhd_reader_input(const struct vhd_reader *r)
{
	return r->input;
}

const char *vhd_reader_input_name(const struct vhd_reader *r)
{
	switch (r->input) {
	case VHD_INPUT_FIXED: return "fixed";
	case VHD_INPUT_DYNAMIC: return "dynamic";
	default: return "raw";
	}
}

uint64_t vhd_reader_size(const struct vhd_reader *r)
{
	return r->size;
}

uint32_t vhd_reader_blocks(const struct vhd_reader *r)
{
	return (uint32_t)((r->size + VHD_READER_BLOCK - 1) / VHD_READER_BLOCK);
}

const struct vhd_footer *vhd_reader_footer(const struct vhd_reader *r)
{
	return r->input == VHD_INPUT_RAW ? NULL : &r->footer;
}

const struct vhd_header *vhd_reader_header(const struct vhd_reader *r)
{
	return r->input == VHD_INPUT_DYNAMIC ? &r->header : NULL;
}

const struct vhd_batmap *vhd_reader_batmap(const struct vhd_reader *r)
{
	return r->has_batmap ? &r->batmap : NULL;
}

uint32_t vhd_reader_allocated(const struct vhd_reader *r)
{
	return r->allocated;
}

uint32_t vhd_reader_bat(const struct vhd_reader *r, uint32_t i)
{
	return r->bat && i < r->entries ? r->bat[i] : UINT32_MAX;
}

bool vhd_reader_block_full(const struct vhd_reader *r, uint32_t i)
{
	return r->has_batmap && i < r->entries &&
	       vhd_bitmap_test(r->batmap_bits, i);
}

void vhd_reader_identity(const struct vhd_reader *r, uint64_t *dev,
                         uint64_t *ino)
{
	*dev = r->dev;
	*ino = r->ino;
}

/* True if [start, end) of the file holds no data (a hole). */
static bool is_hole(const struct vhd_reader *r, uint64_t start, uint64_t end)
{
	off_t d = lseek(r->fd, (off_t)start, SEEK_DATA);

	if (d < 0)
		return errno == ENXIO; /* EINVAL etc.: no hole support */
	return (uint64_t)d >= end;
}

/* True if the page cache holds all len bytes at off (page-aligned), or
 * if that cannot be told: mincore on a mapping that is never touched, so
 * unlike a read (even RWF_NOWAIT) it starts no readahead. */
static bool all_cached(const struct vhd_reader *r, uint64_t off, size_t len)
{
	unsigned char vec[VHD_READER_BLOCK / 4096 + 2];
	long pg = sysconf(_SC_PAGESIZE);
	uint64_t at;
	void *m;
	int rc;

	if (pg < 4096 || len > VHD_READER_BLOCK)
		return true;
	at = off / (uint64_t)pg * (uint64_t)pg; /* mmap wants a page */
	len += (size_t)(off - at);
	m = mmap(NULL, len, PROT_READ, MAP_SHARED, r->fd, (off_t)at);
	if (m == MAP_FAILED)
		return true;
	rc = mincore(m, len, vec);
	munmap(m, len);
	for (size_t i = 0; rc == 0 && i < (len + (size_t)pg - 1) / (size_t)pg;
	     i++)
		if (!(vec[i] & 1))
			return false;
	return true;
}

/* len bytes at off into buf (room bytes there) through the O_DIRECT
 * descriptor, if the page cache does not hold them all already: true if
 * all were read. The image is read once, and filling the cache costs this
 * VM over a second of system time per GiB (BENCH.md). False (nothing to
 * report: the caller reads buffered) when cached, on a refusal (no
 * O_DIRECT, e.g. tmpfs; alignment) or a short read. */
static bool read_direct(const struct vhd_reader *r, uint8_t *buf, size_t len,
                        size_t room, uint64_t off)
{
	size_t want = (len + DIRECT_ALIGN - 1) / DIRECT_ALIGN * DIRECT_ALIGN;
	size_t got = 0;

	if (r->dfd < 0 || want > room || (uintptr_t)buf % DIRECT_ALIGN ||
	    off % DIRECT_ALIGN || all_cached(r, off, len))
		return false;
	while (got < len) {
		ssize_t n = pread(r->dfd, buf + got, want - got,
		                  (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (size_t)n % DIRECT_ALIGN)
			return n > 0 && got + (size_t)n >= len;
		got += (size_t)n;
	}
	return true;
}

static enum err read_flat(const struct vhd_reader *r, uint32_t k, uint8_t *buf,
                          uint8_t *present, bool *any)
{
	uint64_t start = (uint64_t)k * VHD_READER_BLOCK;
	uint64_t len = r->size - start;
	enum err e = ERR_OK;

	if (len > VHD_READER_BLOCK)
		len = VHD_READER_BLOCK;
	if (present)
		memset(present, 0, VHD_READER_MAP_BYTES);
	*any = !is_hole(r, start, start + len);
	if (!*any) {
		memset(buf, 0, VHD_READER_BLOCK);
		return ERR_OK;
	}
	if (present)
		for (uint64_t s = 0; s * VHD_SECTOR < len; s++)
			vhd_bitmap_set(present, s);
	/* not cached: around the cache, from disk; else copied from it */
	if (!read_direct(r, buf, (size_t)len, VHD_READER_BLOCK, start))
		e = pread_all(r, buf, len, start, "data");
	/* after the read: a direct one may bring bytes past len (a footer) */
	memset(buf + len, 0, VHD_READER_BLOCK - len);
	return e;
}

static uint32_t next_stored_dynamic(const struct vhd_reader *r, uint32_t k)
{
	uint32_t per = VHD_READER_BLOCK / r->header.block_size;
	uint64_t i = (uint64_t)k * per;

	while (i < r->entries && r->bat[i] == VHD_BAT_UNUSED)
		i++;
	return i < r->entries ? (uint32_t)(i / per) : vhd_reader_blocks(r);
}

uint32_t vhd_reader_next_stored(const struct vhd_reader *r, uint32_t k)
{
	uint32_t n = vhd_reader_blocks(r);
	off_t d;

	if (k >= n)
		return n;
	if (r->input == VHD_INPUT_DYNAMIC)
		return next_stored_dynamic(r, k);
	d = lseek(r->fd, (off_t)((uint64_t)k * VHD_READER_BLOCK), SEEK_DATA);
	if (d < 0) /* ENXIO: no data past k; else no hole support */
		return errno == ENXIO ? n : k;
	if ((uint64_t)d >= r->size)
		return n;
	return (uint32_t)((uint64_t)d / VHD_READER_BLOCK);
}

enum err vhd_reader_read(const struct vhd_reader *r, uint32_t k, uint8_t *buf,
                         uint8_t *present, bool *any)
{
	if (k >= vhd_reader_blocks(r))
		return err_set(ERR_INTERNAL, "block %" PRIu32 " past the end",
		               k);
	if (r->input == VHD_INPUT_DYNAMIC)
		return vhd_dynamic_read(r, k, buf, present, any);
	return read_flat(r, k, buf, present, any);
}
