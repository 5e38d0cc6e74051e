/* SPDX-License-Identifier: MIT */
/* vhd_reader_sniff.h - the container formats that are not raw disks nor
 * VHDs (qcow/qcow2, VMDK, VDI, VHDX, LUKS, ISO 9660), told from the
 * signatures their specifications put at fixed offsets. Pure: the reader
 * hands in the file's first bytes. */
#ifndef P11SEAL_VHD_READER_SNIFF_H
#define P11SEAL_VHD_READER_SNIFF_H

#include <stddef.h>
#include <stdint.h>

/* Bytes from offset 0 that hold every signature (ISO 9660's ends at
 * 32774): read this many, or the whole file when it is shorter. */
#define VHD_SNIFF_LEN 34816u

/* What the user should do with such a file. */
enum vhd_sniff_fix {
	VHD_FIX_CONVERT, /* a disk container: qemu-img convert -O vpc */
	VHD_FIX_LUKS,    /* an encrypted volume: open it, then convert */
	VHD_FIX_ISO,     /* optical media: install from it into a disk */
};

struct vhd_sniff {
	const char *format; /* "qcow2 (version 3)", "LUKS2", ... */
	enum vhd_sniff_fix fix;
};

/* The format whose signature head (the first len bytes of a file) holds,
 * or NULL for none of them: then the file may be a raw disk. */
const struct vhd_sniff *vhd_reader_sniff(const uint8_t *head, size_t len);

#endif
