/* SPDX-License-Identifier: MIT */
/* km_audit_trail.h - one token's audit trail: its audit key (HMAC-SHA256,
 * profile P11P_AUDIT, never leaves the token), the chain head the token
 * keeps in the data object "p11seal-audit-head", appending a record to the
 * log under its lock, and checking a log against MACs and head.
 *
 * Append protocol (all under the log's flock): read the log's last line
 * and the token's head; continue from the head (the token is the source
 * of truth), or from the last line when it is one record past the head
 * and verifies (a run that stopped before moving the head), or from a
 * verified last line / the genesis hash when the token keeps no head;
 * MAC the record in the token; one write() + fsync; move the head. */
#ifndef P11SEAL_KM_AUDIT_TRAIL_H
#define P11SEAL_KM_AUDIT_TRAIL_H

#include <stdbool.h>

#include "err.h"
#include "km_audit.h"
#include "km_audit_chain.h"
#include "p11.h"
#include "p11_obj.h"

struct p11_session;

#define KM_AUDIT_TRAIL_LABEL "p11seal-audit"      /* default key label */
#define KM_AUDIT_TRAIL_HEAD  "p11seal-audit-head" /* data object label */

struct km_audit_key {
	CK_OBJECT_HANDLE handle;
	char label[P11_LABEL_MAX + 1];
	char id[KM_AUDIT_ID_HEX_MAX + 1]; /* CKA_ID, lower-case hex */
};

/* The token's audit key: ERR_NOT_FOUND if it has none (auditing is off
 * for the token), ERR_USAGE if it has several. */
enum err km_audit_trail_key(struct p11_session *s, struct km_audit_key *out);

/* Generate the token's audit key (random 16-byte CKA_ID) and start its
 * chain: head = record 0 with the genesis hash. ERR_EXISTS if the token
 * has an audit key or label is taken. *keeps_head is false when the token
 * stores no data objects (NSS softoken): then no head is kept. */
enum err km_audit_trail_create(struct p11_session *s, const char *label,
                               struct km_audit_key *out, bool *keeps_head);

/* Append rec to the log at path (seq, prev, time, token and mac are set
 * here) and move the token's head to it. ERR_VERIFY with the record
 * written when the log did not end at the token's head (the detail says
 * so); ERR_VERIFY with nothing written when the log's last line does not
 * verify and there is no head to continue from, or when the log holds
 * another token's chain. Whatever it returns, rec->seq is the record's
 * seq when the record is in the log, else 0. */
enum err km_audit_trail_append(struct p11_session *s,
                               const struct km_audit_key *k, const char *path,
                               struct km_audit_rec *rec);

/* Check the log at path: every line, every MAC (C_Verify in the token),
 * the chain, and the end against the token's head (*head, *has_head).
 * c holds the outcome; ERR_VERIFY if the log is not intact, another class
 * if the file or the token failed. The session must be read-write: when
 * there is no head, a throw-away data object tests whether the token
 * could keep one. */
enum err km_audit_trail_verify(struct p11_session *s,
                               const struct km_audit_key *k, const char *path,
                               struct km_audit_check *c,
                               struct km_audit_head *head, bool *has_head);

#endif
