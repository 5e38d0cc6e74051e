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

/* Close; remove the temp file unless committed. NULL is a no-op. */
void vhd_outfile_free(struct vhd_outfile *o);

#endif
