/* SPDX-License-Identifier: MIT */
/* km_audit_log.c - file I/O of the audit log. Appends happen only under
 * an exclusive flock, so records of concurrent runs never interleave and
 * each run sees the tail the previous one wrote. */
#include "km_audit_log.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "km_audit.h"
#include "km_audit_syslog.h"

#define READ_CHUNK 65536u
/* A record takes milliseconds under the lock; a holder this long is stuck
 * or hostile, and an audited command must not wait on it for ever. */
#define LOCK_WAIT_MS 10000
#define LOCK_POLL_MS 20

struct km_audit_log {
	int fd;
	char *path;
};

/* mkdir -p of path's directory; directories made here get mode 0700. */
static enum err make_parents(const char *path)
{
	char *dir = strdup(path);
	enum err r = ERR_OK;

	if (!dir)
		return err_set(ERR_NOMEM, "audit log path");
	for (char *p = dir + 1; r == ERR_OK && (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			r = err_set(ERR_IO, "audit log directory %s: %s", dir,
			            strerror(errno));
		*p = '/';
	}
	free(dir);
	return r;
}

/* Refuse a log another user owns: its owner could rewrite it at will, and
 * our records would vouch for what they left. Root is no exception. */
static enum err check_owner(const struct stat *st, const char *path)
{
	char buf[1024], name[64] = "unknown user";
	struct passwd pw, *found = NULL;

	if (st->st_uid == geteuid())
		return ERR_OK;
	if (getpwuid_r(st->st_uid, &pw, buf, sizeof(buf), &found) == 0 && found)
		snprintf(name, sizeof(name), "%s", found->pw_name);
	return err_set(ERR_POLICY,
	               "audit log %s is owned by %s (uid %u), not by you "
	               "(uid %u); refused",
	               path, name, (unsigned)st->st_uid, (unsigned)geteuid());
}

static enum err check_file(int fd, const char *path)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return err_set(ERR_IO, "audit log %s: %s", path,
		               strerror(errno));
	if (!S_ISREG(st.st_mode))
		return err_set(ERR_POLICY, "audit log %s is not a regular file",
		               path);
	if (check_owner(&st, path) != ERR_OK)
		return ERR_POLICY;
	if (st.st_mode & 022)
		return err_set(ERR_POLICY,
		               "audit log %s may be written by "
		               "group or others (mode %03o); chmod 600 it",
		               path, (unsigned)(st.st_mode & 0777));
	return ERR_OK;
}

static enum err lock(int fd, const char *path)
{
	struct timespec poll = { 0, LOCK_POLL_MS * 1000000L };

	for (int waited = 0; flock(fd, LOCK_EX | LOCK_NB) != 0;) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			return err_set(ERR_IO, "lock audit log %s: %s", path,
			               strerror(errno));
		if (waited >= LOCK_WAIT_MS)
			return err_set(ERR_IO,
			               "audit log %s stays locked by another "
			               "process (waited %d s)",
			               path, LOCK_WAIT_MS / 1000);
		nanosleep(&poll, NULL);
		waited += LOCK_POLL_MS;
	}
	return ERR_OK;
}

static enum err open_locked(const char *path, int *fd)
{
	enum err r;

	*fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	           0600);
	if (*fd < 0 && errno == ELOOP)
		return err_set(ERR_POLICY,
		               "audit log %s is a symbolic link; "
		               "refused",
		               path);
	if (*fd < 0)
		return err_set(ERR_IO, "audit log %s: %s", path,
		               strerror(errno));
	r = lock(*fd, path);
	if (r == ERR_OK)
		r = check_file(*fd, path);
	return r;
}

enum err km_audit_log_open(struct km_audit_log **out, const char *path)
{
	struct km_audit_log *l = calloc(1, sizeof(*l));
	enum err r;

	*out = NULL;
	if (!l)
		return err_set(ERR_NOMEM, "audit log");
	l->fd = -1;
	l->path = strdup(path);
	r = l->path ? make_parents(path) : err_set(ERR_NOMEM, "audit log");
	if (r == ERR_OK)
		r = open_locked(path, &l->fd);
	if (r != ERR_OK) {
		km_audit_log_close(l);
		return r;
	}
	*out = l;
	return ERR_OK;
}

enum err km_audit_log_tail(struct km_audit_log *l, char *buf, size_t cap,
                           size_t *len)
{
	off_t size = lseek(l->fd, 0, SEEK_END);
	size_t n, start;
	ssize_t got;

	*len = 0;
	if (size < 0)
		return err_set(ERR_IO, "audit log %s: %s", l->path,
		               strerror(errno));
	buf[0] = '\0';
	if (size == 0)
		return ERR_OK;
	/* The last line, its newline, and the newline before it. */
	n = (uintmax_t)size < cap ? (size_t)size : cap;
	got = pread(l->fd, buf, n, size - (off_t)n);
	if (got != (ssize_t)n)
		return err_set(ERR_IO, "read audit log %s: %s", l->path,
		               got < 0 ? strerror(errno) : "short read");
	if (buf[n - 1] != '\n')
		return err_set(ERR_FORMAT,
		               "audit log %s does not end with a "
		               "newline (cut inside a record)",
		               l->path);
	for (start = n - 1; start > 0 && buf[start - 1] != '\n'; start--)
		;
	if (start == 0 && (off_t)n < size)
		return err_set(ERR_FORMAT,
		               "the last line of audit log %s is "
		               "too long to be a record",
		               l->path);
	*len = n - 1 - start;
	memmove(buf, buf + start, *len);
	buf[*len] = '\0';
	return ERR_OK;
}

enum err km_audit_log_write(struct km_audit_log *l, const char *line,
                            size_t len)
{
	char *rec = malloc(len + 1);
	off_t before = lseek(l->fd, 0, SEEK_END);
	enum err r = ERR_OK;
	ssize_t put;

	if (!rec)
		return err_set(ERR_NOMEM, "audit record");
	memcpy(rec, line, len);
	rec[len] = '\n';
	put = write(l->fd, rec, len + 1);
	if (put != (ssize_t)len + 1) {
		r = err_set(ERR_IO, "write audit log %s: %s", l->path,
		            put < 0 ? strerror(errno) : "short write");
		/* Never leave half a record behind (we hold the lock). */
		if (put > 0 && before >= 0 && ftruncate(l->fd, before) != 0)
			r = err_wrap(ERR_IO, "and could not cut it back");
	} else if (fsync(l->fd) != 0) {
		r = err_set(ERR_IO, "fsync audit log %s: %s", l->path,
		            strerror(errno));
	}
	/* The syslog copy follows the file: a record sent but not written
	 * would read as a cut log in `audit verify --syslog-copy`. */
	if (r == ERR_OK)
		km_audit_syslog_send(line, len);
	free(rec);
	return r;
}

void km_audit_log_close(struct km_audit_log *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd); /* releases the flock */
	free(l->path);
	free(l);
}

struct reader {
	char *line;
	size_t len; /* bytes kept, at most KM_AUDIT_LINE_MAX + 1 */
	bool any;   /* a line is in progress */
	km_audit_log_fn fn;
	void *arg;
};

/* Feed bytes; calls fn at each newline. */
static enum err feed(struct reader *rd, const char *p, size_t n)
{
	enum err r = ERR_OK;

	for (size_t i = 0; r == ERR_OK && i < n; i++) {
		if (p[i] == '\n') {
			r = rd->fn(rd->arg, rd->line, rd->len, true);
			rd->len = 0;
			rd->any = false;
			continue;
		}
		rd->any = true;
		if (rd->len <= KM_AUDIT_LINE_MAX)
			rd->line[rd->len++] = p[i];
	}
	return r;
}

static enum err read_all(int fd, const char *path, struct reader *rd)
{
	char *chunk = malloc(READ_CHUNK);
	enum err r = ERR_OK;
	ssize_t got;

	if (!chunk)
		return err_set(ERR_NOMEM, "audit log");
	while (r == ERR_OK) {
		got = read(fd, chunk, READ_CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			r = err_set(ERR_IO, "read audit log %s: %s", path,
			            strerror(errno));
		if (got <= 0)
			break;
		r = feed(rd, chunk, (size_t)got);
	}
	if (r == ERR_OK && rd->any)
		r = rd->fn(rd->arg, rd->line, rd->len, false);
	free(chunk);
	return r;
}

enum err km_audit_log_each(const char *path, km_audit_log_fn fn, void *arg)
{
	struct reader rd = { .fn = fn, .arg = arg };
	struct stat st;
	enum err r;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(errno == ENOENT ? ERR_NOT_FOUND : ERR_IO,
		               "audit log %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(ERR_FORMAT, "audit log %s is not a regular file",
		               path);
	}
	rd.line = malloc(KM_AUDIT_LINE_MAX + 2);
	r = rd.line ? read_all(fd, path, &rd) : err_set(ERR_NOMEM, "audit log");
	free(rd.line);
	close(fd);
	return r;
}
