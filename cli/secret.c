/* SPDX-License-Identifier: MIT */
/* secret.c - PINs and API keys from a file, the environment, a descriptor
 * or a no-echo prompt, straight into secure memory. Never from argv. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "secmem.h"

#define SECRET_MAX 4096

/* Read up to SECRET_MAX bytes from fd into a secmem buffer. */
static enum err read_fd(int fd, const char *what, const char *from, char **out)
{
	char *buf = secmem_alloc(SECRET_MAX + 1);
	size_t len = 0;

	if (!buf)
		return err_set(ERR_NOMEM, "no secure memory for the %s", what);
	for (;;) {
		ssize_t n = read(fd, buf + len, SECRET_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			enum err r = err_set(ERR_IO, "reading the %s from %s: %s",
					     what, from, strerror(errno));
			secmem_free(buf);
			return r;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > SECRET_MAX) {
			secmem_free(buf);
			return err_set(ERR_FORMAT, "%s from %s is longer than "
				       "%d bytes", what, from, SECRET_MAX);
		}
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	buf[len] = '\0';
	*out = buf;
	return ERR_OK;
}

/* A secret file must be a regular file owned by us, unreadable by others. */
static enum err read_file(const char *path, const char *what, char **out)
{
	struct stat st;
	enum err r;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(errno == ENOENT ? ERR_NOT_FOUND : ERR_IO,
			       "%s file %s: %s", what, path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(ERR_USAGE, "%s file %s is not a regular file",
			       what, path);
	}
	if ((st.st_mode & 077) || st.st_uid != geteuid()) {
		close(fd);
		return err_set(ERR_POLICY, "%s file %s must be owned by you "
			       "with mode 0600 or 0400 (chmod 600 %s)",
			       what, path, path);
	}
	r = read_fd(fd, what, path, out);
	close(fd);
	return r;
}

static enum err read_env(const char *var, const char *what, char **out)
{
	const char *v = getenv(var);

	if (!v)
		return err_set(ERR_NOT_FOUND, "%s: environment variable %s "
			       "is not set", what, var);
	*out = secmem_strdup(v);
	if (!*out)
		return err_set(ERR_NOMEM, "no secure memory for the %s", what);
	return ERR_OK;
}

/* One line from a terminal, byte by byte so nothing is over-read. */
static enum err read_line_tty(int fd, const char *what, char **out)
{
	char *buf = secmem_alloc(SECRET_MAX + 1);
	size_t len = 0;
	char ch;

	if (!buf)
		return err_set(ERR_NOMEM, "no secure memory for the %s", what);
	for (;;) {
		ssize_t n = read(fd, &ch, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || ch == '\n')
			break;
		if (len == SECRET_MAX) {
			secmem_free(buf);
			return err_set(ERR_FORMAT, "%s too long", what);
		}
		buf[len++] = ch;
	}
	secmem_wipe(&ch, sizeof(ch));
	*out = buf;
	return ERR_OK;
}

static enum err read_prompt(const char *prompt, const char *what, char **out)
{
	struct termios old, noecho;
	enum err r;
	int fd;

	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return err_set(ERR_PIN, "no %s source given and no terminal "
			       "to ask on; use --%s-source file:PATH|env:VAR|"
			       "fd:N", what,
			       strcmp(what, "API key") == 0 ? "api-key" : "pin");
	if (tcgetattr(fd, &old) != 0) {
		close(fd);
		return err_errno(ERR_IO, "terminal");
	}
	noecho = old;
	noecho.c_lflag &= (tcflag_t)~(ECHO | ECHONL);
	noecho.c_lflag |= ICANON;
	if (write(fd, prompt, strlen(prompt)) < 0 ||
	    tcsetattr(fd, TCSAFLUSH, &noecho) != 0) {
		close(fd);
		return err_errno(ERR_IO, "terminal");
	}
	r = read_line_tty(fd, what, out);
	tcsetattr(fd, TCSAFLUSH, &old);
	if (write(fd, "\n", 1) < 0) {
		/* the newline is cosmetic; the secret was read */
	}
	close(fd);
	return r;
}

enum err cli_secret_read(const char *src, const char *prompt, const char *what,
			 char **out)
{
	unsigned long fd;

	*out = NULL;
	if (!src || strcmp(src, "prompt") == 0)
		return read_prompt(prompt, what, out);
	if (strncmp(src, "file:", 5) == 0)
		return read_file(src + 5, what, out);
	if (strncmp(src, "env:", 4) == 0)
		return read_env(src + 4, what, out);
	if (strncmp(src, "fd:", 3) == 0) {
		char from[32];

		if (cli_parse_ulong(src + 3, "fd", 0, 1023, &fd) != ERR_OK)
			return ERR_USAGE;
		snprintf(from, sizeof(from), "fd %lu", fd);
		return read_fd((int)fd, what, from, out);
	}
	if (src[0] == '/')
		return read_file(src, what, out);
	return err_set(ERR_USAGE, "%s source '%s' is not file:PATH, env:VAR, "
		       "fd:N or prompt", what, src);
}
