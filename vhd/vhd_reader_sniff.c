/* SPDX-License-Identifier: MIT */
/* vhd_reader_sniff.c - signatures of the disk and volume formats that a
 * raw image must not be mistaken for. A qcow2 file read as raw makes its
 * container bytes the disk; these magic numbers keep that from happening.
 * Each comes from the format's own specification:
 *
 *  qcow2   QEMU interop/qcow2.txt, header bytes 0-3 "QFI\xfb", 4-7
 *          version (big-endian) 2 or 3; qcow v1 (QEMU block/qcow.c) has
 *          the same magic with version 1.
 *  VMDK    VMware "Virtual Disk Format 1.1": a hosted sparse extent starts
 *          with magicNumber 0x564d444b, little-endian, so "KDMV" on disk;
 *          an ESXi sparse extent with "COWD" (0x44574f43); the descriptor
 *          file is text that starts "# Disk DescriptorFile" and always has
 *          a createType= line (QEMU block/vmdk.c vmdk_probe looks for it).
 *  VDI     VirtualBox src/VBox/Storage/VDICore.h: after the 64-byte text
 *          pre-header, u32 signature VDI_IMAGE_SIGNATURE 0xbeda107f,
 *          little-endian, at offset 64.
 *  VHDX    [MS-VHDX] 2.2.1 File Type Identifier: signature "vhdxfile" at
 *          offset 0.
 *  LUKS    LUKS On-Disk Format Specification 1.2.3 §2.4 and LUKS2 On-Disk
 *          Format Specification §2.1: magic "LUKS\xba\xbe" at 0, then the
 *          version as u16 big-endian (1 or 2) at 6.
 *  ISO     ECMA-119 (ISO 9660) §6.2.1, §8.1: the volume descriptor set
 *          begins at logical sector 16 of 2048 bytes (offset 32768); each
 *          descriptor holds the standard identifier "CD001" at bytes 1-5.
 */
#include "vhd_reader_sniff.h"

#include <stdbool.h>
#include <string.h>

struct sig {
	uint32_t off;
	const char *magic;
	size_t len;
	struct vhd_sniff what;
};

/* Versioned entries first: the first match names the format. */
static const struct sig sigs[] = {
	{ 0, "QFI\xfb\0\0\0\x01", 8, { "qcow (version 1)", VHD_FIX_CONVERT } },
	{ 0, "QFI\xfb\0\0\0\x02", 8, { "qcow2 (version 2)", VHD_FIX_CONVERT } },
	{ 0, "QFI\xfb\0\0\0\x03", 8, { "qcow2 (version 3)", VHD_FIX_CONVERT } },
	{ 0, "QFI\xfb", 4, { "qcow2", VHD_FIX_CONVERT } },
	{ 0, "KDMV", 4, { "VMDK (sparse extent)", VHD_FIX_CONVERT } },
	{ 0, "COWD", 4, { "VMDK (ESXi sparse extent)", VHD_FIX_CONVERT } },
	{ 64, "\x7f\x10\xda\xbe", 4, { "VDI (VirtualBox)", VHD_FIX_CONVERT } },
	{ 0, "vhdxfile", 8, { "VHDX", VHD_FIX_CONVERT } },
	{ 0, "LUKS\xba\xbe\0\x01", 8, { "LUKS1", VHD_FIX_LUKS } },
	{ 0, "LUKS\xba\xbe\0\x02", 8, { "LUKS2", VHD_FIX_LUKS } },
	{ 0, "LUKS\xba\xbe", 6, { "LUKS", VHD_FIX_LUKS } },
	{ 32769, "CD001", 5, { "ISO 9660", VHD_FIX_ISO } },
};

/* How far into a text descriptor createType= is looked for. */
#define DESCRIPTOR_SCAN 1024u

/* A VMDK descriptor: starts with the specification's comment line, or is
 * text (no NUL) with a createType= line near the start. */
static bool vmdk_descriptor(const uint8_t *head, size_t len)
{
	static const char first[] = "# Disk DescriptorFile";
	static const char key[] = "createType=";
	size_t n = len < DESCRIPTOR_SCAN ? len : DESCRIPTOR_SCAN;

	if (n >= sizeof(first) - 1 && !memcmp(head, first, sizeof(first) - 1))
		return true;
	if (memchr(head, 0, n))
		return false;
	return memmem(head, n, key, sizeof(key) - 1) != NULL;
}

const struct vhd_sniff *vhd_reader_sniff(const uint8_t *head, size_t len)
{
	static const struct vhd_sniff descriptor = { "VMDK descriptor",
		                                     VHD_FIX_CONVERT };

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		const struct sig *s = &sigs[i];

		if (len >= s->off + s->len &&
		    memcmp(head + s->off, s->magic, s->len) == 0)
			return &s->what;
	}
	return vmdk_descriptor(head, len) ? &descriptor : NULL;
}
