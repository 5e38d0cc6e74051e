/* SPDX-License-Identifier: MIT */
/* km_audit_chain.c - the audit chain check as a state machine fed one line
 * at a time, so a log of any length is checked in constant memory. Its
 * one invariant: the first problem in file order is the one reported. */
#include "km_audit_chain.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[] = {
	[KM_AUDIT_INTACT] = "intact",
	[KM_AUDIT_P_JSON] = "json",
	[KM_AUDIT_P_RECORD] = "record",
	[KM_AUDIT_P_CANONICAL] = "canonical",
	[KM_AUDIT_P_INCOMPLETE] = "incomplete",
	[KM_AUDIT_P_MAC] = "mac",
	[KM_AUDIT_P_SWAPPED] = "swapped",
	[KM_AUDIT_P_DUPLICATE] = "duplicate",
	[KM_AUDIT_P_REMOVED] = "removed",
	[KM_AUDIT_P_PREV] = "prev",
	[KM_AUDIT_P_TRUNCATED] = "truncated",
	[KM_AUDIT_P_DIVERGED] = "diverged",
	[KM_AUDIT_P_NO_HEAD] = "no-head",
	[KM_AUDIT_P_HEAD_KEY] = "head-key",
};

const char *km_audit_problem_name(enum km_audit_problem p)
{
	return (unsigned)p < sizeof(names) / sizeof(names[0]) && names[p]
	               ? names[p]
	               : "unknown";
}

void km_audit_check_init(struct km_audit_check *c,
                         const uint8_t genesis[KM_AUDIT_HASH_LEN],
                         const char *serial, km_audit_mac_fn mac, void *arg)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->genesis, genesis, KM_AUDIT_HASH_LEN);
	memcpy(c->last_hash, genesis, KM_AUDIT_HASH_LEN);
	snprintf(c->serial, sizeof(c->serial), "%s", serial ? serial : "");
	c->mac = mac;
	c->mac_arg = arg;
}

__attribute__((format(printf, 5, 6))) static void
found(struct km_audit_check *c, enum km_audit_problem p, uint64_t line,
      uint64_t seq, const char *fmt, ...)
{
	va_list ap;

	c->problem = p;
	c->at_line = line;
	c->at_seq = seq;
	c->done = p != KM_AUDIT_P_REMOVED;
	va_start(ap, fmt);
	vsnprintf(c->msg, sizeof(c->msg), fmt, ap);
	va_end(ap);
}

/* Records gap_expect..at_seq-1 are missing so far; a later line holding
 * one of them means records were moved, not removed. The record that was
 * due (gap_expect) is named if it turns up; else the first one found. */
static void look_for_swap(struct km_audit_check *c, const char *line,
                          size_t len)
{
	struct km_audit_rec r;
	enum km_audit_bad bad;

	if (km_audit_parse(line, len, &r, &bad) != ERR_OK) {
		err_clear();
		return;
	}
	if (r.seq >= c->gap_expect && r.seq < c->at_seq &&
	    (r.seq == c->gap_expect || c->problem == KM_AUDIT_P_REMOVED)) {
		snprintf(c->msg, sizeof(c->msg),
		         "records out of sequence: %llu "
		         "(line %llu) follows %llu (line %llu) (swapped)",
		         (unsigned long long)r.seq,
		         (unsigned long long)c->lines,
		         (unsigned long long)c->at_seq,
		         (unsigned long long)c->at_line);
		c->problem = KM_AUDIT_P_SWAPPED;
		c->done = r.seq == c->gap_expect;
	}
	km_audit_rec_clear(&r);
}

static void bad_line(struct km_audit_check *c, enum km_audit_bad bad)
{
	const char *why = err_detail();
	unsigned long long n = c->lines;

	if (bad == KM_AUDIT_BAD_JSON)
		found(c, KM_AUDIT_P_JSON, n, 0, "line %llu is not valid JSON",
		      n);
	else if (bad == KM_AUDIT_BAD_CANONICAL)
		found(c, KM_AUDIT_P_CANONICAL, n, 0,
		      "line %llu is a record "
		      "but not in canonical form (edited)",
		      n);
	else
		found(c, KM_AUDIT_P_RECORD, n, 0,
		      "line %llu is not a p11seal "
		      "audit record: %.300s",
		      n, why);
	err_clear();
}

static enum err check_mac(struct km_audit_check *c,
                          const struct km_audit_rec *r)
{
	char *body = malloc(KM_AUDIT_LINE_MAX + 1);
	size_t len = 0;
	enum err e;

	if (!body)
		return err_set(ERR_NOMEM, "audit record");
	e = km_audit_build(r, false, body, KM_AUDIT_LINE_MAX + 1, &len);
	if (e == ERR_OK)
		e = c->mac(c->mac_arg, body, len, r->mac);
	free(body);
	if (e != ERR_VERIFY)
		return e;
	if (c->serial[0] && strcmp(r->token_serial, c->serial) != 0)
		found(c, KM_AUDIT_P_MAC, c->lines, r->seq,
		      "record %llu (line "
		      "%llu): MAC mismatch: it was written for token serial "
		      "'%.32s', not this token (serial '%.32s')",
		      (unsigned long long)r->seq, (unsigned long long)c->lines,
		      r->token_serial, c->serial);
	else
		found(c, KM_AUDIT_P_MAC, c->lines, r->seq,
		      "record %llu (line "
		      "%llu): MAC mismatch (edited or forged)",
		      (unsigned long long)r->seq, (unsigned long long)c->lines);
	err_clear();
	return ERR_OK;
}

/* seq and prev against the record before; true if r extends the chain. */
static bool check_link(struct km_audit_check *c, const struct km_audit_rec *r)
{
	uint64_t expect = c->last_seq + 1;
	unsigned long long s = r->seq, n = c->lines;

	if (r->seq > expect) {
		char missing[64];

		if (r->seq - expect == 1)
			snprintf(missing, sizeof(missing),
			         "record %llu is "
			         "missing",
			         (unsigned long long)expect);
		else
			snprintf(missing, sizeof(missing),
			         "records %llu-%llu "
			         "are missing",
			         (unsigned long long)expect, s - 1);
		found(c, KM_AUDIT_P_REMOVED, n, s,
		      "record %llu (line %llu): "
		      "prev hash mismatch (a record was removed or reordered "
		      "before it: %s)",
		      s, n, missing);
		c->gap_expect = expect;
	} else if (r->seq == c->last_seq) {
		found(c, KM_AUDIT_P_DUPLICATE, n, s,
		      "record %llu appears "
		      "twice (lines %llu and %llu: duplicated)",
		      s, (unsigned long long)c->last_line, n);
	} else if (r->seq < expect) {
		found(c, KM_AUDIT_P_SWAPPED, n, s,
		      "records out of sequence: "
		      "%llu (line %llu) follows %llu (line %llu) (moved or "
		      "repeated)",
		      s, n, (unsigned long long)c->last_seq,
		      (unsigned long long)c->last_line);
	} else if (memcmp(r->prev, c->last_hash, KM_AUDIT_HASH_LEN) != 0) {
		if (r->seq == 1)
			found(c, KM_AUDIT_P_PREV, n, s,
			      "record 1 (line %llu) "
			      "does not start this audit key's chain (prev is "
			      "not its genesis hash)",
			      n);
		else
			found(c, KM_AUDIT_P_PREV, n, s,
			      "record %llu (line "
			      "%llu): prev hash mismatch (a record was removed "
			      "or reordered before it)",
			      s, n);
	} else {
		return true;
	}
	return false;
}

static void unfinished(struct km_audit_check *c, uint64_t seq)
{
	if (c->n_unfinished < KM_AUDIT_UNFINISHED_MAX)
		c->unfinished[c->n_unfinished] = seq;
	c->n_unfinished++;
}

/* Pair results with their intents; bounded, so constant memory. */
static void track_intent(struct km_audit_check *c, const struct km_audit_rec *r)
{
	size_t i;

	c->ends_final = km_audit_is_final(r);
	if (km_audit_is_intent(r)) {
		if (c->n_open == KM_AUDIT_OPEN_MAX) {
			unfinished(c, c->open[0]);
			memmove(c->open, c->open + 1,
			        (KM_AUDIT_OPEN_MAX - 1) * sizeof(c->open[0]));
			c->n_open--;
		}
		c->open[c->n_open++] = r->seq;
		return;
	}
	for (i = 0; r->intent && i < c->n_open; i++)
		if (c->open[i] == r->intent)
			break;
	if (!r->intent || i == c->n_open)
		return;
	memmove(c->open + i, c->open + i + 1,
	        (c->n_open - i - 1) * sizeof(c->open[0]));
	c->n_open--;
}

enum err km_audit_check_line(struct km_audit_check *c, const char *line,
                             size_t len, bool complete)
{
	struct km_audit_rec r;
	enum km_audit_bad bad;
	enum err e;

	c->lines++;
	if (c->done)
		return ERR_OK;
	if (c->gap_expect) {
		if (complete)
			look_for_swap(c, line, len);
		return ERR_OK;
	}
	if (!complete) {
		found(c, KM_AUDIT_P_INCOMPLETE, c->lines, 0,
		      "line %llu is "
		      "incomplete: the file ends inside it (truncated)",
		      (unsigned long long)c->lines);
		return ERR_OK;
	}
	if (km_audit_parse(line, len, &r, &bad) != ERR_OK) {
		bad_line(c, bad);
		return ERR_OK;
	}
	e = check_mac(c, &r);
	if (e == ERR_OK && !c->done && check_link(c, &r)) {
		e = km_audit_hash(line, len, c->last_hash);
		memcpy(c->last_prev, r.prev, KM_AUDIT_HASH_LEN);
		track_intent(c, &r);
		c->last_seq = r.seq;
		c->last_line = c->lines;
		c->records++;
	}
	km_audit_rec_clear(&r);
	return e;
}

static enum err compare_head(struct km_audit_check *c,
                             const struct km_audit_head *h)
{
	unsigned long long last = c->last_seq, want = h->seq;

	c->head_checked = true;
	if (c->last_seq == h->seq &&
	    memcmp(c->last_hash, h->hash, KM_AUDIT_HASH_LEN) == 0)
		return ERR_OK;
	/* The last run wrote its record but did not get to move the head
	 * (the next append moves it): the record is MAC'd and linked. */
	if (c->last_seq == h->seq + 1 &&
	    memcmp(c->last_prev, h->hash, KM_AUDIT_HASH_LEN) == 0) {
		c->head_lags = true;
		return ERR_OK;
	}
	if (c->last_seq < h->seq && c->records == 0)
		found(c, KM_AUDIT_P_TRUNCATED, 0, 0,
		      "the log is empty but the "
		      "token's chain head is record %llu (truncated, or "
		      "replaced with an older copy)",
		      want);
	else if (c->last_seq < h->seq)
		found(c, KM_AUDIT_P_TRUNCATED, c->last_line, last,
		      "log ends "
		      "at record %llu (line %llu) but the token's chain head "
		      "is record %llu (truncated, or an older copy of the "
		      "file)",
		      last, (unsigned long long)c->last_line, want);
	else
		found(c, KM_AUDIT_P_DIVERGED, c->last_line, last,
		      "log head is "
		      "record %llu but the token's chain head is record %llu "
		      "with a different hash (an older copy of the file, or "
		      "a log of another chain)",
		      last, want);
	return err_set(ERR_VERIFY, "%s", c->msg);
}

enum err km_audit_check_end(struct km_audit_check *c,
                            const struct km_audit_head *head,
                            bool can_keep_head, const char *key_id)
{
	for (size_t i = 0; i < c->n_open; i++)
		unfinished(c, c->open[i]);
	c->n_open = 0;
	if (c->problem != KM_AUDIT_INTACT)
		return err_set(ERR_VERIFY, "%s", c->msg);
	if (!head && !can_keep_head)
		return ERR_OK;
	if (!head)
		found(c, KM_AUDIT_P_NO_HEAD, 0, 0,
		      "the token can keep a chain "
		      "head but has none (was its 'p11seal-audit-head' object "
		      "deleted?), so the end of the log cannot be checked");
	else if (strcmp(head->key_id, key_id) != 0)
		found(c, KM_AUDIT_P_HEAD_KEY, 0, 0,
		      "the token's chain head "
		      "belongs to another audit key (CKA_ID %.128s)",
		      head->key_id);
	else
		return compare_head(c, head);
	return err_set(ERR_VERIFY, "%s", c->msg);
}
