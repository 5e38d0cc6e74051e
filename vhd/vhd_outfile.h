/* SPDX-License-Identifier: MIT */
/* vhd_outfile.h - an output file that appears only when complete: written
 * as ".NAME.p11seal-tmp.PID.XXXXXX" beside the target, fsync'ed, renamed
 * into place, directory fsync'ed; removed on any failure. A writer killed
 * with SIGKILL leaves its temp file; the next open of NAME removes it. */
#ifndef P11SEAL_VHD_OUTFILE_H
#define P11SEAL_VHD_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "err.h"

struct vhd_outfile;

/* Create the temp file (mode 0600) for path, after removing stale temp
 * files of path (vhd_outfile_clean_stale). ERR_EXISTS if path exists and
 * !force; ERR_USAGE if path is the input (same device and inode). */
enum err vhd_outfile_open(struct vhd_outfile **out, const char *path,
                          bool force, uint64_t in_dev, uint64_t in_ino);

/* The temp file's descriptor (read-write). */
int vhd_outfile_fd(const struct vhd_outfile *o);

/* Name of the temp file, for messages and tests. */
const char *vhd_outfile_tmp_path(const struct vhd_outfile *o);

/* Remove the temp files ".NAME.p11seal-tmp.PID.XXXXXX" beside path whose
 * writer is dead: regular files of ours, PID not running here and not
 * modified for 60 s (a writer on another host sharing the directory keeps
 * its file fresh). Returns how many were removed; errors are ignored. */
unsigned vhd_outfile_clean_stale(const char *path);

/* fsync, rename over path (never replacing unless force), fsync the
 * directory. On failure the temp file is removed by vhd_outfile_free. */
enum err vhd_outfile_commit(struct vhd_outfile *o);

/* Write all of the n iovecs at off of fd, retrying short writes (iov is
 * consumed). ERR_IO with errno text. */
enum err vhd_outfile_pwritev(int fd, struct iovec *iov, int n, uint64_t off);

/* Write all len bytes of buf at off of fd. */
enum err vhd_outfile_pwrite(int fd, const void *buf, size_t len, uint64_t off);

/* Start writing [off, off + len) back to disk without waiting
 * (sync_file_range), so the fsync at commit finds little left to do.
 * Advisory: errors are left for that fsync to report. */
void vhd_outfile_start_writeback(int fd, uint64_t off, uint64_t len);

/* Block writes that skip the page cache: on this VM 2 MiB through the
 * cache costs 1.3-2 s of system time per GiB in copies and page
 * allocation, a direct write a fifth of that (BENCH.md). Shared by the
 * writer threads of one output. */
struct vhd_direct {
	int fd;
	bool on; /* atomically read and cleared by the writing threads */
};

/* Turn O_DIRECT on for fd (d->on says whether the file system took it). */
void vhd_direct_begin(struct vhd_direct *d, int fd);

/* Write all of iov at off: with O_DIRECT when every buffer is 4096-aligned
 * and the file system takes it; otherwise (and for good after the first
 * refusal) buffered, with writeback started at once. Thread-safe. */
enum err vhd_direct_pwritev(struct vhd_direct *d, struct iovec *iov, int n,
                            uint64_t off);

/* Back to buffered writes (for metadata from unaligned buffers). */
void vhd_direct_end(struct vhd_direct *d);

/* Close; remove the temp file unless committed. NULL is a no-op. */
void vhd_outfile_free(struct vhd_outfile *o);

#endif
