/* SPDX-License-Identifier: MIT */
/* cli_file.h - small public files in and out for commands (PEM keys, DEK
 * bundles): a bounded whole-file read, and an atomic publish that never
 * replaces an existing file unless forced. Not for secrets. */
#ifndef P11SEAL_CLI_FILE_H
#define P11SEAL_CLI_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct evp_pkey_st;

/* Read the regular file path (at most max bytes) into *out, malloc'd and
 * NUL-terminated. ERR_NOT_FOUND if absent, ERR_FORMAT if too large. */
enum err cli_file_read(const char *path, size_t max, char **out, size_t *len);

/* ERR_EXISTS (naming --force) if path exists and !force: checked before
 * work that would otherwise be thrown away. */
enum err cli_file_check_new(const char *path, bool force);

/* Write len bytes as path, mode 0644: a temp file beside it, fsync'ed and
 * renamed into place (never over an existing file unless force). */
enum err cli_file_write(const char *path, const void *data, size_t len,
                        bool force);

/* Read path as a PEM RSA public key (p11_rsa_pem_parse); errors name the
 * file. Free *out with EVP_PKEY_free. */
enum err cli_file_read_pubkey(const char *path, struct evp_pkey_st **out);

#endif
