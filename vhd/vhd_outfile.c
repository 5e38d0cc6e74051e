/* SPDX-License-Identifier: MIT */
/* vhd_outfile.c - temp file + rename, the crash-safe way to publish an
 * output: readers see either no file or a complete, fsync'ed one. The temp
 * name carries the writer's PID, so the temp files of a writer that was
 * killed can be told from those of one still running, and removed. */
#include "vhd_outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TMP_TAG ".p11seal-tmp."
/* A temp file untouched this long whose writer's PID is gone here is
 * stale. The age also protects the writer on another host sharing the
 * directory, whose PID means nothing here: it writes every block. */
#define STALE_SECONDS 60

struct vhd_outfile {
	int fd;
	bool force;
	bool committed;
	char *path;
	char *dir;
	char *tmp;
};

static enum err check_target(const char *path, bool force, uint64_t in_dev,
                             uint64_t in_ino)
{
	struct stat st;

	if (stat(path, &st) == 0) {
		if ((uint64_t)st.st_dev == in_dev &&
		    (uint64_t)st.st_ino == in_ino)
			return err_set(ERR_USAGE, "%s: output is the input",
			               path);
		if (!force)
			return err_set(ERR_EXISTS,
			               "%s: output exists (use "
			               "--force to replace it)",
			               path);
	} else if (lstat(path, &st) == 0 && !force) {
		return err_set(ERR_EXISTS,
		               "%s: output exists as a dangling "
		               "symlink (use --force to replace it)",
		               path);
	}
	return ERR_OK;
}

static enum err make_names(struct vhd_outfile *o, const char *path)
{
	char *a = strdup(path), *b = strdup(path);
	const char *base;
	size_t len;

	o->path = strdup(path);
	if (!a || !b || !o->path) {
		free(a);
		free(b);
		return err_set(ERR_NOMEM, "output name");
	}
	o->dir = strdup(dirname(a));
	base = basename(b);
	len = strlen(o->dir) + strlen(base) + 48;
	o->tmp = malloc(len);
	if (o->dir && o->tmp)
		snprintf(o->tmp, len, "%s/.%s" TMP_TAG "%ld.XXXXXX", o->dir,
		         base, (long)getpid());
	free(a);
	free(b);
	return o->dir && o->tmp ? ERR_OK : err_set(ERR_NOMEM, "output name");
}

/* The PID in name if it is ".BASE.p11seal-tmp.PID.XXXXXX", else 0. */
static long tmp_pid(const char *name, const char *base)
{
	size_t n = strlen(base);
	const char *p;
	char *end;
	long pid;

	if (name[0] != '.' || strncmp(name + 1, base, n) != 0 ||
	    strncmp(name + 1 + n, TMP_TAG, strlen(TMP_TAG)) != 0)
		return 0;
	p = name + 1 + n + strlen(TMP_TAG);
	if (*p < '1' || *p > '9')
		return 0;
	errno = 0;
	pid = strtol(p, &end, 10);
	if (errno || *end != '.' || strlen(end + 1) != 6 || pid > INT32_MAX)
		return 0;
	return pid;
}

static bool is_stale(int dfd, const char *name, long pid)
{
	struct stat st;

	if (pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
		return false;
	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	       time(NULL) - st.st_mtime >= STALE_SECONDS;
}

unsigned vhd_outfile_clean_stale(const char *path)
{
	char *a = strdup(path), *b = strdup(path);
	unsigned removed = 0;
	struct dirent *e;
	DIR *d = NULL;

	if (a && b)
		d = opendir(dirname(a));
	while (d && (e = readdir(d)) != NULL) {
		long pid = tmp_pid(e->d_name, basename(b));

		if (pid > 0 && is_stale(dirfd(d), e->d_name, pid) &&
		    unlinkat(dirfd(d), e->d_name, 0) == 0)
			removed++;
	}
	if (d)
		closedir(d);
	free(a);
	free(b);
	return removed;
}

enum err vhd_outfile_open(struct vhd_outfile **out, const char *path,
                          bool force, uint64_t in_dev, uint64_t in_ino)
{
	struct vhd_outfile *o = NULL;
	enum err e;

	*out = NULL;
	e = check_target(path, force, in_dev, in_ino);
	if (e != ERR_OK)
		return e;
	o = calloc(1, sizeof(*o));
	if (!o)
		return err_set(ERR_NOMEM, "output");
	(void)vhd_outfile_clean_stale(path);
	o->fd = -1;
	o->force = force;
	e = make_names(o, path);
	if (e == ERR_OK) {
		o->fd = mkostemp(o->tmp, O_CLOEXEC);
		if (o->fd < 0) {
			e = err_errno(ERR_IO, o->tmp);
			free(o->tmp); /* nothing to remove */
			o->tmp = NULL;
		}
	}
	if (e != ERR_OK) {
		vhd_outfile_free(o);
		return e;
	}
	*out = o;
	return ERR_OK;
}

int vhd_outfile_fd(const struct vhd_outfile *o)
{
	return o->fd;
}

const char *vhd_outfile_tmp_path(const struct vhd_outfile *o)
{
	return o->tmp;
}

/* rename without replacing; link+unlink where RENAME_NOREPLACE is not
 * supported (link fails if the target exists, just as atomically). */
static int rename_noreplace(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(from, to) != 0)
		return -1;
	return unlink(from);
}

static enum err sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	enum err e = ERR_OK;

	if (fd < 0)
		return err_errno(ERR_IO, dir);
	if (fsync(fd) != 0)
		e = err_errno(ERR_IO, dir);
	close(fd);
	return e;
}

enum err vhd_outfile_commit(struct vhd_outfile *o)
{
	int rc;

	if (fsync(o->fd) != 0)
		return err_errno(ERR_IO, o->tmp);
	if (close(o->fd) != 0) {
		o->fd = -1;
		return err_errno(ERR_IO, o->tmp);
	}
	o->fd = -1;
	rc = o->force ? rename(o->tmp, o->path)
	              : rename_noreplace(o->tmp, o->path);
	if (rc != 0)
		return err_errno(errno == EEXIST ? ERR_EXISTS : ERR_IO,
		                 o->path);
	o->committed = true;
	/* A failure after the rename still means no output: the caller
	 * reports an error, so the name must not hold a file either. */
	if (sync_dir(o->dir) != ERR_OK) {
		unlink(o->path);
		return ERR_IO;
	}
	return ERR_OK;
}

enum err vhd_outfile_pwritev(int fd, struct iovec *iov, int n, uint64_t off)
{
	while (n > 0) {
		ssize_t done = pwritev(fd, iov, n, (off_t)off);

		if (done < 0 && errno == EINTR)
			continue;
		if (done < 0)
			return err_errno(ERR_IO, "write");
		off += (uint64_t)done;
		while (n > 0 && (size_t)done >= iov->iov_len) {
			done -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + done;
			iov->iov_len -= (size_t)done;
		}
	}
	return ERR_OK;
}

enum err vhd_outfile_pwrite(int fd, const void *buf, size_t len, uint64_t off)
{
	struct iovec iov = { (void *)(uintptr_t)buf, len };

	return vhd_outfile_pwritev(fd, &iov, 1, off);
}

/* Alignment asked of O_DIRECT buffers: the logical block size of the
 * disk, 512 or 4096 (offsets and lengths are whole sectors). */
#define DIRECT_ALIGN 4096u

/* Turn O_DIRECT on or off for fd; true if it is now on. */
static bool set_direct(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return false;
	fl = on ? fl | O_DIRECT : fl & ~O_DIRECT;
	return fcntl(fd, F_SETFL, fl) == 0 && on;
}

void vhd_direct_begin(struct vhd_direct *d, int fd)
{
	d->fd = fd;
	d->on = set_direct(fd, true);
}

void vhd_direct_end(struct vhd_direct *d)
{
	if (d->on)
		set_direct(d->fd, false);
	d->on = false;
}

static bool aligned(const struct iovec *iov, int n)
{
	for (int i = 0; i < n; i++)
		if ((uintptr_t)iov[i].iov_base % DIRECT_ALIGN)
			return false;
	return true;
}

/* Buffered from now on; another thread's direct write in flight still
 * ends, or is refused and redone buffered. */
static void off_for_good(struct vhd_direct *d)
{
	set_direct(d->fd, false);
	__atomic_store_n(&d->on, false, __ATOMIC_RELAXED);
}

/* One O_DIRECT attempt: true when all of iov went out. A refusal (EINVAL:
 * alignment, file system) or a short write turns O_DIRECT off for good;
 * the caller then writes it all buffered. */
static enum err try_direct(struct vhd_direct *d, struct iovec *iov, int n,
                           uint64_t off, bool *done)
{
	size_t len = 0;
	ssize_t w;

	*done = false;
	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	do {
		w = pwritev(d->fd, iov, n, (off_t)off);
	} while (w < 0 && errno == EINTR);
	if (w >= 0 && (size_t)w == len) {
		*done = true;
		return ERR_OK;
	}
	if (w < 0 && errno != EINVAL)
		return err_errno(ERR_IO, "write");
	off_for_good(d);
	return ERR_OK;
}

enum err vhd_direct_pwritev(struct vhd_direct *d, struct iovec *iov, int n,
                            uint64_t off)
{
	uint64_t len = 0;
	bool done = false;
	enum err e = ERR_OK;

	for (int i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (__atomic_load_n(&d->on, __ATOMIC_RELAXED) && !aligned(iov, n))
		off_for_good(d); /* a caller's own buffer, not a slot */
	if (__atomic_load_n(&d->on, __ATOMIC_RELAXED))
		e = try_direct(d, iov, n, off, &done);
	if (e != ERR_OK || done)
		return e;
	e = vhd_outfile_pwritev(d->fd, iov, n, off);
	/* buffered: hand it to the disk now, so the fsync at commit finds
	 * little left (direct writes leave nothing) */
	if (e == ERR_OK)
		vhd_outfile_start_writeback(d->fd, off, len);
	return e;
}

void vhd_outfile_start_writeback(int fd, uint64_t off, uint64_t len)
{
	(void)sync_file_range(fd, (off_t)off, (off_t)len,
	                      SYNC_FILE_RANGE_WRITE);
}

void vhd_outfile_free(struct vhd_outfile *o)
{
	if (!o)
		return;
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp && !o->committed)
		unlink(o->tmp);
	free(o->path);
	free(o->dir);
	free(o->tmp);
	free(o);
}
