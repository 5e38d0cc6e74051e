/* SPDX-License-Identifier: MIT */
/* srv_file.c - file I/O of kp-server. A crash during srv_file_replace
 * leaves the old or the new file, never a mix. */
#include "srv_file.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secmem.h"

static enum err check_private(int fd, const char *path)
{
	struct stat st;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) ||
	    st.st_uid != geteuid())
		return err_set(ERR_POLICY,
		               "%s must be a regular file of yours "
		               "with mode 0600 (chmod 600 %s)",
		               path, path);
	return ERR_OK;
}

static enum err read_fd(int fd, const char *path, char *buf, size_t max,
                        size_t *len)
{
	size_t got = 0;
	ssize_t n;

	/* One byte beyond max tells a file that is too big. */
	while (got <= max) {
		n = read(fd, buf + got, max + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_errno(ERR_IO, path);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got > max)
		return err_set(ERR_FORMAT, "%s is larger than %zu bytes", path,
		               max);
	buf[got] = '\0';
	*len = got;
	return ERR_OK;
}

enum err srv_file_read(const char *path, bool secret, size_t max, char **out,
                       size_t *len)
{
	char *buf = NULL;
	enum err r = ERR_OK;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | (secret ? O_NOFOLLOW : 0));
	if (fd < 0)
		return errno == ENOENT ? err_set(ERR_NOT_FOUND,
		                                 "%s: no such "
		                                 "file",
		                                 path)
		                       : err_errno(ERR_IO, path);
	if (secret)
		r = check_private(fd, path);
	if (r == ERR_OK) {
		buf = secret ? secmem_alloc(max + 2) : malloc(max + 2);
		r = buf ? read_fd(fd, path, buf, max, len)
		        : err_set(ERR_NOMEM, "%s", path);
	}
	close(fd);
	if (r != ERR_OK) {
		if (secret)
			secmem_free(buf);
		else
			free(buf);
		return r;
	}
	*out = buf;
	return ERR_OK;
}

static enum err write_all(int fd, const char *p, size_t n, const char *path)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return err_errno(ERR_IO, path);
		p += w;
		n -= (size_t)w;
	}
	return ERR_OK;
}

static enum err fsync_dir(const char *path)
{
	char *copy = strdup(path);
	enum err r = ERR_OK;
	int fd;

	if (!copy)
		return err_set(ERR_NOMEM, "path");
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(copy);
	if (fd < 0)
		return err_errno(ERR_IO, "folder of the state file");
	if (fsync(fd) != 0)
		r = err_errno(ERR_IO, "fsync of the state folder");
	close(fd);
	return r;
}

enum err srv_file_replace(const char *path, const char *text)
{
	size_t n = strlen(path) + 8;
	char *tmp = malloc(n);
	enum err r;
	int fd;

	if (!tmp)
		return err_set(ERR_NOMEM, "path");
	snprintf(tmp, n, "%s.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC); /* mode 0600 */
	if (fd < 0) {
		r = err_errno(ERR_IO, tmp);
		free(tmp);
		return r;
	}
	r = write_all(fd, text, strlen(text), tmp);
	if (r == ERR_OK && fsync(fd) != 0)
		r = err_errno(ERR_IO, tmp);
	if (close(fd) != 0 && r == ERR_OK)
		r = err_errno(ERR_IO, tmp);
	if (r == ERR_OK && rename(tmp, path) != 0)
		r = err_errno(ERR_IO, path);
	if (r != ERR_OK)
		unlink(tmp);
	else
		r = fsync_dir(path);
	free(tmp);
	return r;
}
