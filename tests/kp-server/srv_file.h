/* SPDX-License-Identifier: MIT */
/* srv_file.h - whole-file reads (secret files only if private to us, into
 * secure memory) and atomic whole-file replacement for kp-server. */
#ifndef SRV_FILE_H
#define SRV_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Read path (at most max bytes) into a NUL-terminated buffer. secret:
 * refuse unless a regular file of ours with mode 0600/0400, and return
 * secmem (secmem_free); else malloc (free). ERR_NOT_FOUND if absent. */
enum err srv_file_read(const char *path, bool secret, size_t max, char **out,
                       size_t *len);

/* Files are replaced with common/file_replace.h's file_replace. */

#endif
