/* SPDX-License-Identifier: MIT */
/* km_audit_copy.h - compare a local audit log with its syslog copy
 * (km_audit_syslog.h). The copy is read into memory, only the lines of
 * one token; then the local log is walked record by record. The chain is
 * followed by prev, so records of another audit key's chain on the same
 * token never get in the way.
 *
 * For each local record N (prev P, hash H): the copy must hold records
 * after P, all of them with hash H and N's MAC; none: N is missing from
 * the copy; another: N differs (forged or rewritten after it was
 * logged). After the last local record: the copy must hold nothing after
 * its hash, else the local log was cut. The first problem in chain order
 * is the one reported. */
#ifndef P11SEAL_KM_AUDIT_COPY_H
#define P11SEAL_KM_AUDIT_COPY_H

#include <stdint.h>

#include "err.h"
#include "km_audit.h"

struct km_audit_copy;

enum km_audit_copy_problem {
	KM_AUDIT_COPY_MATCH,
	KM_AUDIT_COPY_MISSING,   /* a local record is not in the copy */
	KM_AUDIT_COPY_DIFFERS,   /* the copy holds another record there */
	KM_AUDIT_COPY_TRUNCATED, /* the copy goes on past the local end */
};

struct km_audit_copy_check {
	const struct km_audit_copy *cp;
	uint8_t last_hash[KM_AUDIT_HASH_LEN]; /* genesis while none */
	uint64_t last_seq;
	uint64_t matched; /* local records found in the copy */
	enum km_audit_copy_problem problem;
	uint64_t at_seq; /* the record named in msg */
	char msg[512];
};

/* An empty copy for the token with this serial. Free with
 * km_audit_copy_free (NULL is a no-op). */
enum err km_audit_copy_new(struct km_audit_copy **out, const char *serial);
void km_audit_copy_free(struct km_audit_copy *cp);

/* Take one line of a copy (len bytes, no newline): kept when it holds a
 * p11seal audit message of this token, skipped otherwise; a line with the
 * tag but a broken message is skipped and counted. */
enum err km_audit_copy_add(struct km_audit_copy *cp, const char *line,
                           size_t len);

/* Read the copy file at path line by line (km_audit_copy_add). */
enum err km_audit_copy_load(struct km_audit_copy *cp, const char *path);

/* Records of this token kept, and broken lines skipped. */
uint64_t km_audit_copy_records(const struct km_audit_copy *cp);
uint64_t km_audit_copy_broken(const struct km_audit_copy *cp);

/* Start a comparison; genesis is the prev of the chain's record 1. */
void km_audit_copy_check_init(struct km_audit_copy_check *k,
                              struct km_audit_copy *cp,
                              const uint8_t genesis[KM_AUDIT_HASH_LEN]);

/* The next local record line. ERR_FORMAT if it is not a record (verify
 * the log's chain first); problems are kept in k. */
enum err km_audit_copy_check_line(struct km_audit_copy_check *k,
                                  const char *line, size_t len);

/* After the last local line: ERR_OK if every record matched and the copy
 * holds nothing past the end, else ERR_VERIFY with k->msg. */
enum err km_audit_copy_check_end(struct km_audit_copy_check *k);

/* The whole local log at path against cp (check_init/line/end). */
enum err km_audit_copy_compare(struct km_audit_copy *cp, const char *path,
                               const uint8_t genesis[KM_AUDIT_HASH_LEN],
                               struct km_audit_copy_check *k);

/* Short stable name of a problem ("missing"), for --json. */
const char *km_audit_copy_problem_name(enum km_audit_copy_problem p);

#endif
