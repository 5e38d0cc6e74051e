/* SPDX-License-Identifier: MIT */
/* secret_src.h - read a PIN or API key from a file, a descriptor or the
 * environment straight into secure memory. Every secret comes back as a
 * NUL-terminated secmem string without its trailing newline (free with
 * secmem_free); no error detail ever repeats secret bytes. */
#ifndef P11SEAL_SECRET_SRC_H
#define P11SEAL_SECRET_SRC_H

#include "err.h"

#define SECRET_SRC_MAX 4096 /* bytes a secret may have */

/* Read fd to its end. from names the source in errors ("fd 3", a path).
 * ERR_FORMAT if it holds a NUL byte or more than SECRET_SRC_MAX bytes. */
enum err secret_src_fd(int fd, const char *what, const char *from, char **out);

/* Read a regular file owned by the effective user with no group or
 * other permission bits (ERR_POLICY otherwise, ERR_NOT_FOUND if absent;
 * the path of a missing file is not repeated: it may be a mistyped
 * secret). ERR_FORMAT as secret_src_fd. */
enum err secret_src_file(const char *path, const char *what, char **out);

/* Copy the variable var, then overwrite its value in the environment and
 * unsetenv it, so neither child processes nor /proc/self/environ carry
 * it. ERR_NOT_FOUND if it is not set (var is named only if it looks like
 * an environment variable name). */
enum err secret_src_env(const char *var, const char *what, char **out);

#endif
