/* SPDX-License-Identifier: MIT */
/* km_audit_log.h - the audit log file: opened O_APPEND|O_NOFOLLOW, mode
 * 0600 in directories created 0700, flock'ed while a record is appended
 * (waiting at most 10 s for the lock),
 * one write() and an fsync per record; and a bounded line reader. */
#ifndef P11SEAL_KM_AUDIT_LOG_H
#define P11SEAL_KM_AUDIT_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct km_audit_log;

/* Open path for appending (creating it 0600, and missing parent
 * directories 0700) and take an exclusive flock, waiting up to 10 s for
 * other p11seal runs (ERR_IO naming the log after that). Refuses a symlink, a
 * non-regular file, a file another user owns and a file group or others may
 * write. Close with km_audit_log_close. */
enum err km_audit_log_open(struct km_audit_log **out, const char *path);

/* The last line without its newline, into buf (cap bytes, at least
 * KM_AUDIT_LINE_MAX + 2): *len = 0 for an empty file. ERR_FORMAT if the
 * file does not end with a newline or the line is too long. */
enum err km_audit_log_tail(struct km_audit_log *l, char *buf, size_t cap,
                           size_t *len);

/* Append line and a newline with one write(), then fsync, then send the
 * record's syslog copy (km_audit_syslog_send). A short write is cut back
 * off, so the file never ends inside a record we wrote. */
enum err km_audit_log_write(struct km_audit_log *l, const char *line,
                            size_t len);

/* Unlock and close; NULL is a no-op. */
void km_audit_log_close(struct km_audit_log *l);

/* Called for each line: len without the newline; a line longer than
 * KM_AUDIT_LINE_MAX arrives cut to KM_AUDIT_LINE_MAX + 1 bytes; complete
 * is false for a last line without a newline. Non-OK stops the reading. */
typedef enum err (*km_audit_log_fn)(void *arg, const char *line, size_t len,
                                    bool complete);

/* Read the file at path line by line in bounded memory. ERR_NOT_FOUND if
 * it does not exist. */
enum err km_audit_log_each(const char *path, km_audit_log_fn fn, void *arg);

#endif
