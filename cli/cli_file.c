/* SPDX-License-Identifier: MIT */
/* cli_file.c - bounded reads and crash-safe writes of small public files;
 * the write goes through vhd_outfile (temp file + rename), so a reader
 * sees no file or a whole one. */
#include "cli_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "p11_rsa.h"
#include "vhd_outfile.h"

#define PEM_MAX (64u * 1024)

static enum err read_all(int fd, const char *path, char *buf, size_t want)
{
	size_t got = 0;

	while (got < want) {
		ssize_t n = read(fd, buf + got, want - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_errno(ERR_IO, path);
		if (n == 0)
			return err_set(ERR_IO, "%s changed while read", path);
		got += (size_t)n;
	}
	return ERR_OK;
}

enum err cli_file_read(const char *path, size_t max, char **out, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	enum err r = ERR_OK;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(errno == ENOENT ? ERR_NOT_FOUND : ERR_IO,
		               "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		r = err_set(ERR_FORMAT, "%s is not a regular file", path);
	else if ((unsigned long long)st.st_size > max)
		r = err_set(ERR_FORMAT, "%s is larger than %zu bytes", path,
		            max);
	if (r == ERR_OK) {
		buf = malloc((size_t)st.st_size + 1);
		if (!buf)
			r = err_set(ERR_NOMEM, "reading %s", path);
	}
	if (r == ERR_OK)
		r = read_all(fd, path, buf, (size_t)st.st_size);
	close(fd);
	if (r != ERR_OK) {
		free(buf);
		return r;
	}
	buf[st.st_size] = '\0';
	*out = buf;
	*len = (size_t)st.st_size;
	return ERR_OK;
}

enum err cli_file_check_new(const char *path, bool force)
{
	struct stat st;

	if (!force && lstat(path, &st) == 0)
		return err_set(ERR_EXISTS,
		               "%s exists (use --force to replace "
		               "it)",
		               path);
	return ERR_OK;
}

static enum err write_all(int fd, const char *path, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_errno(ERR_IO, path);
		p += n;
		len -= (size_t)n;
	}
	return ERR_OK;
}

enum err cli_file_write(const char *path, const void *data, size_t len,
                        bool force)
{
	struct vhd_outfile *o = NULL;
	enum err r;

	r = vhd_outfile_open(&o, path, force, 0, 0);
	if (r == ERR_OK)
		r = write_all(vhd_outfile_fd(o), vhd_outfile_tmp_path(o), data,
		              len);
	if (r == ERR_OK && fchmod(vhd_outfile_fd(o), 0644) != 0)
		r = err_errno(ERR_IO, vhd_outfile_tmp_path(o));
	if (r == ERR_OK)
		r = vhd_outfile_commit(o);
	vhd_outfile_free(o);
	return r;
}

enum err cli_file_read_pubkey(const char *path, struct evp_pkey_st **out)
{
	char *text = NULL;
	size_t len = 0;
	enum err r = cli_file_read(path, PEM_MAX, &text, &len);

	*out = NULL;
	if (r == ERR_OK)
		r = p11_rsa_pem_parse(text, len, out);
	free(text);
	return r == ERR_OK ? r : err_wrap(r, "%s", path);
}
