/* SPDX-License-Identifier: MIT */
/* file_replace.c - temporary, fsync, rename, fsync of the folder: the one
 * way p11seal's small state files (a COS upload's resume state) and the
 * test server's are replaced. */
#include "file_replace.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum err write_all(int fd, const char *p, size_t n, const char *path)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return err_errno(ERR_IO, path);
		p += w;
		n -= (size_t)w;
	}
	return fsync(fd) == 0 ? ERR_OK : err_errno(ERR_IO, path);
}

/* The rename is durable only once the folder's entry is on disk. */
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

enum err file_replace(const char *path, const char *text)
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
		goto out;
	}
	r = write_all(fd, text, strlen(text), tmp);
	if (close(fd) != 0 && r == ERR_OK)
		r = err_errno(ERR_IO, tmp);
	if (r == ERR_OK && rename(tmp, path) != 0)
		r = err_errno(ERR_IO, path);
	if (r != ERR_OK)
		unlink(tmp);
	else
		r = fsync_dir(path);
out:
	free(tmp);
	return r;
}
