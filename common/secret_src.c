/* SPDX-License-Identifier: MIT */
/* secret_src.c - secrets from files, descriptors and the environment. The
 * one invariant: a secret's bytes go only into secmem, and a place that
 * held them before us (an environment string) is wiped once copied. */
#include "secret_src.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secmem.h"

#define ENV_NAME_SHOWN 64

/* Reads until EOF: *len bytes in buf, ERR_FORMAT past SECRET_SRC_MAX. */
static enum err read_all(int fd, const char *what, const char *from, char *buf,
                         size_t *len)
{
	for (;;) {
		ssize_t n = read(fd, buf + *len, SECRET_SRC_MAX + 1 - *len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_set(ERR_IO, "reading the %s from %s: %s",
			               what, from, strerror(errno));
		if (n == 0)
			return ERR_OK;
		*len += (size_t)n;
		if (*len > SECRET_SRC_MAX)
			return err_set(ERR_FORMAT,
			               "%s from %s is longer than %d bytes",
			               what, from, SECRET_SRC_MAX);
	}
}

enum err secret_src_fd(int fd, const char *what, const char *from, char **out)
{
	char *buf = secmem_alloc(SECRET_SRC_MAX + 1);
	size_t len = 0;
	enum err r;

	*out = NULL;
	if (!buf)
		return err_set(ERR_NOMEM, "no secure memory for the %s", what);
	r = read_all(fd, what, from, buf, &len);
	/* C strings end at a NUL: "1234\0junk" would log in as "1234". */
	if (r == ERR_OK && memchr(buf, '\0', len))
		r = err_set(ERR_FORMAT,
		            "%s from %s holds a NUL byte; refused (a %s is "
		            "text, one line)",
		            what, from, what);
	if (r != ERR_OK) {
		secmem_free(buf);
		return r;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	buf[len] = '\0';
	*out = buf;
	return ERR_OK;
}

enum err secret_src_file(const char *path, const char *what, char **out)
{
	struct stat st;
	enum err r;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return err_set(ERR_NOT_FOUND,
		               "%s file not found (its path is not repeated: "
		               "a mistyped source may be the %s itself)",
		               what, what);
	if (fd < 0)
		return err_set(ERR_IO, "%s file %s: %s", what, path,
		               strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(ERR_USAGE, "%s file %s is not a regular file",
		               what, path);
	}
	/* Exactly these two: 0700 or 0500 would mark a PIN executable, 0200
	 * one its owner cannot read back to check. */
	if (((st.st_mode & 07777) != 0600 && (st.st_mode & 07777) != 0400) ||
	    st.st_uid != geteuid()) {
		close(fd);
		return err_set(ERR_POLICY,
		               "%s file %s must be owned by you "
		               "with mode 0600 or 0400 (chmod 600 %s)",
		               what, path, path);
	}
	r = secret_src_fd(fd, what, path, out);
	close(fd);
	return r;
}

/* Upper-case letters, digits and '_', not starting with a digit: the
 * shape of an environment variable, and not of a PIN or an API key. */
static bool env_name_shown(const char *var)
{
	size_t n = strlen(var);

	return n > 0 && n <= ENV_NAME_SHOWN &&
	       !(var[0] >= '0' && var[0] <= '9') &&
	       strspn(var, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

enum err secret_src_env(const char *var, const char *what, char **out)
{
	char *v = getenv(var);

	*out = NULL;
	if (!v && env_name_shown(var))
		return err_set(ERR_NOT_FOUND,
		               "%s: environment variable %s is not set", what,
		               var);
	if (!v)
		return err_set(
		        ERR_NOT_FOUND,
		        "%s: the environment variable after env: is not "
		        "set (its name is not repeated: it does not look "
		        "like one and may be the %s itself)",
		        what, what);
	*out = secmem_strdup(v);
	/* The string is environ's own (inherited ones sit in the block that
	 * /proc/self/environ shows): wipe it in place, then drop the name. */
	secmem_wipe(v, strlen(v));
	unsetenv(var);
	if (!*out)
		return err_set(ERR_NOMEM, "no secure memory for the %s", what);
	return ERR_OK;
}
