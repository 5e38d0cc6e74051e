/* SPDX-License-Identifier: MIT */
/* vhd_reader.h - the input side: detects raw / fixed / dynamic VHD from
 * content, validates every structure against the file before any data is
 * read, and yields the virtual disk as 2 MiB blocks. Differencing disks,
 * other containers (qcow2, VMDK, VDI, VHDX, LUKS, ISO) and files that are
 * not whole sectors are refused. All reads use pread, so one reader
 * serves many threads. */
#ifndef P11SEAL_VHD_READER_H
#define P11SEAL_VHD_READER_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "vhd_batmap.h"
#include "vhd_footer.h"
#include "vhd_header.h"

#define VHD_READER_BLOCK     (2u << 20) /* bytes per yielded block */
#define VHD_READER_MAP_BYTES 512u       /* present map: 4096 bits */

enum vhd_input {
	VHD_INPUT_RAW,
	VHD_INPUT_FIXED,
	VHD_INPUT_DYNAMIC,
};

/* How the input is to be taken. */
enum vhd_input_format {
	VHD_FORMAT_AUTO, /* from the content (vhd_reader_open) */
	VHD_FORMAT_RAW,  /* a raw disk, whatever its bytes look like */
};

struct vhd_reader;

/* Open path read-only, detect its kind and validate it. Details name the
 * file, the structure, the field and its offset; another container format
 * is ERR_FORMAT naming it and how to convert it. */
enum err vhd_reader_open(struct vhd_reader **out, const char *path);

/* vhd_reader_open, with VHD_FORMAT_RAW taking path as a raw disk: no
 * footer or signature is looked for (it must still be whole sectors). */
enum err vhd_reader_open_as(struct vhd_reader **out, const char *path,
                            enum vhd_input_format as);

/* Same over an open fd, which stays the caller's; name is for messages. */
enum err vhd_reader_open_fd(struct vhd_reader **out, int fd, const char *name);

/* Close (if opened by path) and free; NULL is a no-op. */
void vhd_reader_free(struct vhd_reader *r);

enum vhd_input vhd_reader_input(const struct vhd_reader *r);
const char *vhd_reader_input_name(const struct vhd_reader *r);

/* Virtual size in bytes as the input states it (raw: the file length). */
uint64_t vhd_reader_size(const struct vhd_reader *r);

/* Number of 2 MiB blocks covering the virtual size. */
uint32_t vhd_reader_blocks(const struct vhd_reader *r);

/* The footer (NULL for raw), dynamic header and batmap (NULL when the
 * input has none); valid until vhd_reader_free. */
const struct vhd_footer *vhd_reader_footer(const struct vhd_reader *r);
const struct vhd_header *vhd_reader_header(const struct vhd_reader *r);
const struct vhd_batmap *vhd_reader_batmap(const struct vhd_reader *r);

/* Allocated BAT entries inside the virtual size (dynamic only, else 0). */
uint32_t vhd_reader_allocated(const struct vhd_reader *r);

/* BAT entry i (a sector number, 0xFFFFFFFF if unallocated) of a dynamic
 * input, for i < vhd_reader_blocks when the block size is 2 MiB; always
 * 0xFFFFFFFF for raw and fixed inputs or i past the table. */
uint32_t vhd_reader_bat(const struct vhd_reader *r, uint32_t i);

/* True if the batmap marks input block i full (all sectors present). */
bool vhd_reader_block_full(const struct vhd_reader *r, uint32_t i);

/* The device/inode of the input, to refuse writing over it. */
void vhd_reader_identity(const struct vhd_reader *r, uint64_t *dev,
                         uint64_t *ino);

/* The first block >= k that may hold stored data, or vhd_reader_blocks(r)
 * if none: every block it passes reads as all zero with *any false. Raw
 * and fixed inputs ask the file system (SEEK_DATA; k itself where holes
 * cannot be found), dynamic ones the BAT. Lets a sparse 64 GiB image be
 * walked without reading or clearing 32768 empty blocks. */
uint32_t vhd_reader_next_stored(const struct vhd_reader *r, uint32_t k);

/* Read block k (2 MiB) into buf: stored bytes, zeros where the input
 * stores nothing or past the virtual size. present (NULL allowed, 512
 * bytes) gets one MSB-first bit per sector that the input stores; *any
 * is false when nothing is stored (buf is then all zero). */
enum err vhd_reader_read(const struct vhd_reader *r, uint32_t k, uint8_t *buf,
                         uint8_t *present, bool *any);

#endif
