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

