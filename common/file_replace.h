/* SPDX-License-Identifier: MIT */
/* file_replace.h - a small file written whole or not at all. */
#ifndef P11SEAL_FILE_REPLACE_H
#define P11SEAL_FILE_REPLACE_H

#include "err.h"

/* Replace path with text: written to a mode-0600 temporary beside it,
 * fsynced, renamed over path, and the folder fsynced, so a crash leaves
 * the old file or the new one, never a torn one. The temporary is removed
 * on failure. */
enum err file_replace(const char *path, const char *text);

#endif
