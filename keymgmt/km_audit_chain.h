/* SPDX-License-Identifier: MIT */
/* km_audit_chain.h - check an audit log line by line: each record parses,
 * its MAC verifies (through a callback: the token, or a test key), seq
 * counts up from 1 and prev is the hash of the line before; at the end the
 * last record must be the chain head the token keeps. Pure: no I/O. The
 * first problem, in file order, is kept with a message naming the record
 * and line. */
#ifndef P11SEAL_KM_AUDIT_CHAIN_H
#define P11SEAL_KM_AUDIT_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "km_audit.h"

enum km_audit_problem {
	KM_AUDIT_INTACT,
	KM_AUDIT_P_JSON,       /* a line is not valid JSON */
	KM_AUDIT_P_RECORD,     /* JSON, but not an audit record */
	KM_AUDIT_P_CANONICAL,  /* a record not in canonical form: edited */
	KM_AUDIT_P_INCOMPLETE, /* the file ends inside a line */
	KM_AUDIT_P_MAC,        /* MAC mismatch: edited or forged */
	KM_AUDIT_P_SWAPPED,    /* seq out of order */
	KM_AUDIT_P_DUPLICATE,  /* the same seq twice in a row */
	KM_AUDIT_P_REMOVED,    /* seq skips: records missing before it */
	KM_AUDIT_P_PREV,       /* seq in order but prev is not the line
	                          before */
	KM_AUDIT_P_TRUNCATED,  /* log ends before the token's chain head */
	KM_AUDIT_P_DIVERGED,   /* log head differs from the token's head */
	KM_AUDIT_P_NO_HEAD,    /* token could keep a head but has none */
	KM_AUDIT_P_HEAD_KEY,   /* the head belongs to another audit key */
};

#define KM_AUDIT_OPEN_MAX       64 /* intents awaiting their result */
#define KM_AUDIT_UNFINISHED_MAX 16 /* unfinished intents named */

/* Verify mac over the MAC'd bytes of a record: ERR_OK if it matches,
 * ERR_VERIFY if not, anything else aborts the check (token failure). */
typedef enum err (*km_audit_mac_fn)(void *arg, const char *body, size_t len,
                                    const uint8_t mac[KM_AUDIT_MAC_LEN]);

struct km_audit_check {
	uint8_t genesis[KM_AUDIT_HASH_LEN];
	char serial[64]; /* this token's serial, for messages */
	km_audit_mac_fn mac;
	void *mac_arg;
	uint64_t lines;   /* lines seen */
	uint64_t records; /* records that passed every check */
	uint64_t last_seq, last_line;
	uint8_t last_hash[KM_AUDIT_HASH_LEN]; /* genesis while none */
	uint8_t last_prev[KM_AUDIT_HASH_LEN];
	enum km_audit_problem problem;
	uint64_t at_line, at_seq; /* where the problem is (0: n/a) */
	bool done;                /* problem final; later lines ignored */
	uint64_t gap_expect;      /* after a seq gap (0: none): later lines
	                             are only searched for the missing
	                             records, REMOVED becomes SWAPPED */
	bool head_checked;        /* end: compared with a token head */
	bool head_lags;           /* end: token head is one record behind */
	char msg[512];
	/* Intents whose result has not come yet, oldest first; one pushed
	 * out by KM_AUDIT_OPEN_MAX later ones counts as unfinished. */
	uint64_t open[KM_AUDIT_OPEN_MAX];
	size_t n_open;
	/* After km_audit_check_end: intents with no result anywhere in the
	 * log (a run killed or crashed between the two records): a warning,
	 * not tampering. The first KM_AUDIT_UNFINISHED_MAX are named. */
	uint64_t unfinished[KM_AUDIT_UNFINISHED_MAX];
	uint64_t n_unfinished;
	bool ends_final; /* the last record is the audit key's deletion */
};

/* Start checking a chain whose record 1 has prev = genesis; serial is
 * this token's serial. */
void km_audit_check_init(struct km_audit_check *c,
                         const uint8_t genesis[KM_AUDIT_HASH_LEN],
                         const char *serial, km_audit_mac_fn mac, void *arg);

/* Check the next line (len bytes, no newline; complete is false for a
 * last line the file did not end with a newline). Problems are kept in c;
 * returns ERR_OK unless the MAC callback failed. */
enum err km_audit_check_line(struct km_audit_check *c, const char *line,
                             size_t len, bool complete);

/* Finish: compare the log's last record with the token's head (NULL when
 * there is none; can_keep_head tells whether the token could keep one).
 * key_id is the audit key's CKA_ID hex. ERR_OK if intact, else
 * ERR_VERIFY with c->msg as the detail. */
enum err km_audit_check_end(struct km_audit_check *c,
                            const struct km_audit_head *head,
                            bool can_keep_head, const char *key_id);

/* Short stable name of a problem ("mac", "truncated"), for --json. */
const char *km_audit_problem_name(enum km_audit_problem p);

#endif
