/* SPDX-License-Identifier: MIT */
/* secret.c - the --pin-source / --api-key-source forms, and the no-echo
 * prompt; files, descriptors and the environment are read by
 * common/secret_src.c. Never from argv, and no error repeats the source
 * text when it may be the secret itself. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "secmem.h"
#include "secret_src.h"

#define FD_MAX 1023

static const char *flag_of(const char *what)
{
	return strcmp(what, "API key") == 0  ? "api-key"
	       : strcmp(what, "SO PIN") == 0 ? "so-pin"
	                                     : "pin";
}

/* One line from a terminal, byte by byte so nothing is over-read. */
static enum err read_line_tty(int fd, const char *what, char **out)
{
	char *buf = secmem_alloc(SECRET_SRC_MAX + 1);
	enum err r = ERR_OK;
	size_t len = 0;
	char ch = 0;

	if (!buf)
		return err_set(ERR_NOMEM, "no secure memory for the %s", what);
	for (;;) {
		ssize_t n = read(fd, &ch, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || ch == '\n')
			break;
		if (len == SECRET_SRC_MAX) {
			r = err_set(ERR_FORMAT, "%s too long", what);
			break;
		}
		if (ch == '\0') {
			r = err_set(ERR_FORMAT, "the %s typed holds a NUL byte",
			            what);
			break;
		}
		buf[len++] = ch;
	}
	secmem_wipe(&ch, sizeof(ch));
	if (r != ERR_OK) {
		secmem_free(buf);
		return r;
	}
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
		return err_set(ERR_PIN,
		               "no %s source given and no terminal "
		               "to ask on; use --%s-source file:PATH|env:VAR|"
		               "fd:N",
		               what, flag_of(what));
	if (tcgetattr(fd, &old) != 0) {
		close(fd);
		return err_errno(ERR_IO, "terminal");
	}
	noecho = old;
	noecho.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
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

/* fd:N, N a decimal descriptor number; a bad N is not repeated (it may
 * be the secret, typed after "fd:" by mistake). */
static enum err read_fd_source(const char *num, const char *what, char **out)
{
	char from[32], *end = NULL;
	unsigned long fd;

	errno = 0;
	fd = strtoul(num, &end, 10);
	if (num[0] < '0' || num[0] > '9' || errno || *end || fd > FD_MAX)
		return err_set(ERR_USAGE,
		               "--%s-source fd:N wants a descriptor number "
		               "0..%d (what was given is not repeated)",
		               flag_of(what), FD_MAX);
	snprintf(from, sizeof(from), "fd %lu", fd);
	return secret_src_fd((int)fd, what, from, out);
}

enum err cli_secret_read(const char *src, const char *prompt, const char *what,
                         char **out)
{
	*out = NULL;
	if (!src || strcmp(src, "prompt") == 0)
		return read_prompt(prompt, what, out);
	if (strncmp(src, "file:", 5) == 0)
		return secret_src_file(src + 5, what, out);
	if (strncmp(src, "env:", 4) == 0)
		return secret_src_env(src + 4, what, out);
	if (strncmp(src, "fd:", 3) == 0)
		return read_fd_source(src + 3, what, out);
	if (src[0] == '/')
		return secret_src_file(src, what, out);
	/* Often the secret itself, given where its source belongs. */
	return err_set(ERR_USAGE,
	               "the %s source given is not file:PATH, env:VAR, fd:N, "
	               "an absolute path or prompt (it is not repeated here: "
	               "it may be the %s itself)",
	               what, what);
}
