/* SPDX-License-Identifier: MIT */
/* km_audit_copy.c - a local audit log against its syslog copy. The copy
 * is kept sorted by prev, so each local record finds the copy's records
 * that follow the same predecessor in one binary search. */
#include "km_audit_copy.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "km_audit_log.h"
#include "km_audit_syslog.h"

#define SHOWN_HEX 16 /* hash digits a message shows */

struct km_audit_copy {
	char serial[KM_AUDIT_SYSLOG_FIELD + 1];
	struct km_audit_syslog_rec *recs;
	size_t n, cap;
	bool sorted;
	uint64_t broken;
};

static const char *const names[] = {
	[KM_AUDIT_COPY_MATCH] = "match",
	[KM_AUDIT_COPY_MISSING] = "missing-in-copy",
	[KM_AUDIT_COPY_DIFFERS] = "differs-from-copy",
	[KM_AUDIT_COPY_TRUNCATED] = "missing-in-log",
};

const char *km_audit_copy_problem_name(enum km_audit_copy_problem p)
{
	return (unsigned)p < sizeof(names) / sizeof(names[0]) ? names[p]
	                                                      : "unknown";
}

enum err km_audit_copy_new(struct km_audit_copy **out, const char *serial)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return err_set(ERR_NOMEM, "syslog copy");
	snprintf((*out)->serial, sizeof((*out)->serial), "%s", serial);
	return ERR_OK;
}

void km_audit_copy_free(struct km_audit_copy *cp)
{
	if (!cp)
		return;
	free(cp->recs);
	free(cp);
}

uint64_t km_audit_copy_records(const struct km_audit_copy *cp)
{
	return cp->n;
}

uint64_t km_audit_copy_broken(const struct km_audit_copy *cp)
{
	return cp->broken;
}

static enum err keep(struct km_audit_copy *cp,
                     const struct km_audit_syslog_rec *rec)
{
	if (cp->n == cp->cap) {
		size_t cap = cp->cap ? 2 * cp->cap : 64;
		void *p = reallocarray(cp->recs, cap, sizeof(*cp->recs));

		if (!p)
			return err_set(ERR_NOMEM, "syslog copy");
		cp->recs = p;
		cp->cap = cap;
	}
	cp->recs[cp->n++] = *rec;
	cp->sorted = false;
	return ERR_OK;
}

enum err km_audit_copy_add(struct km_audit_copy *cp, const char *line,
                           size_t len)
{
	struct km_audit_syslog_rec rec;
	enum err r = km_audit_syslog_parse(line, len, &rec);

	if (r == ERR_NOT_FOUND)
		return ERR_OK;
	if (r == ERR_FORMAT) {
		/* A cut or foreign line; if it was ours, its record will be
		 * reported missing. */
		err_clear();
		cp->broken++;
		return ERR_OK;
	}
	if (strcmp(rec.serial, cp->serial) != 0)
		return ERR_OK;
	return keep(cp, &rec);
}

static enum err load_line(void *arg, const char *line, size_t len,
                          bool complete)
{
	(void)complete; /* a cut last line is a broken or missing record */
	return km_audit_copy_add(arg, line, len);
}

enum err km_audit_copy_load(struct km_audit_copy *cp, const char *path)
{
	enum err r = km_audit_log_each(path, load_line, cp);

	if (r != ERR_OK)
		return err_wrap(r, "syslog copy");
	return ERR_OK;
}

static int by_prev(const void *a, const void *b)
{
	const struct km_audit_syslog_rec *x = a, *y = b;

	return memcmp(x->prev, y->prev, KM_AUDIT_HASH_LEN);
}

/* The copy's records that follow prev: [*first, *first + *n). */
static void after(const struct km_audit_copy *cp,
                  const uint8_t prev[KM_AUDIT_HASH_LEN], size_t *first,
                  size_t *n)
{
	size_t lo = 0, hi = cp->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(cp->recs[mid].prev, prev, KM_AUDIT_HASH_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (*n = 0; lo + *n < cp->n && memcmp(cp->recs[lo + *n].prev, prev,
	                                       KM_AUDIT_HASH_LEN) == 0;
	     (*n)++)
		;
}

void km_audit_copy_check_init(struct km_audit_copy_check *k,
                              struct km_audit_copy *cp,
                              const uint8_t genesis[KM_AUDIT_HASH_LEN])
{
	memset(k, 0, sizeof(*k));
	k->cp = cp;
	memcpy(k->last_hash, genesis, KM_AUDIT_HASH_LEN);
	if (!cp->sorted && cp->n)
		qsort(cp->recs, cp->n, sizeof(*cp->recs), by_prev);
	cp->sorted = true;
}

__attribute__((format(printf, 4, 5))) static void
found(struct km_audit_copy_check *k, enum km_audit_copy_problem p, uint64_t seq,
      const char *fmt, ...)
{
	va_list ap;

	k->problem = p;
	k->at_seq = seq;
	va_start(ap, fmt);
	vsnprintf(k->msg, sizeof(k->msg), fmt, ap);
	va_end(ap);
}

static bool same(const struct km_audit_syslog_rec *c,
                 const struct km_audit_rec *rec,
                 const uint8_t hash[KM_AUDIT_HASH_LEN])
{
	return c->seq == rec->seq &&
	       memcmp(c->hash, hash, KM_AUDIT_HASH_LEN) == 0 &&
	       memcmp(c->mac, rec->mac, KM_AUDIT_MAC_LEN) == 0;
}

/* The first of the copy's n records at first that is not rec; *any_same
 * tells whether one of them is. */
static const struct km_audit_syslog_rec *
other(const struct km_audit_copy *cp, size_t first, size_t n,
      const struct km_audit_rec *rec, const uint8_t hash[KM_AUDIT_HASH_LEN],
      bool *any_same)
{
	const struct km_audit_syslog_rec *o = NULL;

	*any_same = false;
	for (size_t i = first; i < first + n; i++) {
		if (same(&cp->recs[i], rec, hash))
			*any_same = true;
		else if (!o)
			o = &cp->recs[i];
	}
	return o;
}

static void compare(struct km_audit_copy_check *k,
                    const struct km_audit_rec *rec,
                    const uint8_t hash[KM_AUDIT_HASH_LEN])
{
	char here[2 * KM_AUDIT_HASH_LEN + 1], there[2 * KM_AUDIT_HASH_LEN + 1];
	const struct km_audit_syslog_rec *o;
	unsigned long long seq = rec->seq;
	size_t first, n;
	bool any_same;

	after(k->cp, rec->prev, &first, &n);
	if (n == 0) {
		found(k, KM_AUDIT_COPY_MISSING, rec->seq,
		      "record %llu is missing from the syslog copy (it never "
		      "reached syslog: written with --no-syslog or "
		      "P11SEAL_AUDIT_SYSLOG=0, or lost on the way)",
		      seq);
		return;
	}
	o = other(k->cp, first, n, rec, hash, &any_same);
	if (!o) {
		k->matched++;
		return;
	}
	encode_hex(here, hash, KM_AUDIT_HASH_LEN);
	encode_hex(there, o->hash, KM_AUDIT_HASH_LEN);
	if (any_same)
		found(k, KM_AUDIT_COPY_DIFFERS, rec->seq,
		      "record %llu: the syslog copy also holds another record "
		      "%llu (hash %.*s...) after the same predecessor: the "
		      "chain was rewritten from here, or a line was forged "
		      "into syslog",
		      seq, (unsigned long long)o->seq, SHOWN_HEX, there);
	else
		found(k, KM_AUDIT_COPY_DIFFERS, rec->seq,
		      "record %llu differs from its syslog copy (hash %.*s... "
		      "in the log, %.*s... in the copy): forged or rewritten "
		      "after it was logged",
		      seq, SHOWN_HEX, here, SHOWN_HEX, there);
}

enum err km_audit_copy_check_line(struct km_audit_copy_check *k,
                                  const char *line, size_t len)
{
	uint8_t hash[KM_AUDIT_HASH_LEN];
	struct km_audit_rec rec;
	enum km_audit_bad bad;
	enum err r;

	if (k->problem != KM_AUDIT_COPY_MATCH)
		return ERR_OK;
	r = km_audit_parse(line, len, &rec, &bad);
	if (r == ERR_OK)
		r = km_audit_hash(line, len, hash);
	if (r == ERR_OK) {
		compare(k, &rec, hash);
		memcpy(k->last_hash, hash, KM_AUDIT_HASH_LEN);
		k->last_seq = rec.seq;
	}
	km_audit_rec_clear(&rec);
	return r;
}

enum err km_audit_copy_check_end(struct km_audit_copy_check *k)
{
	size_t first, n;

	if (k->problem != KM_AUDIT_COPY_MATCH)
		return err_set(ERR_VERIFY, "%s", k->msg);
	after(k->cp, k->last_hash, &first, &n);
	if (n == 0)
		return ERR_OK;
	if (k->last_seq)
		found(k, KM_AUDIT_COPY_TRUNCATED, k->cp->recs[first].seq,
		      "record %llu is missing from the local log: the syslog "
		      "copy holds it after the log's last record %llu (the "
		      "log was cut back, and the token's chain head with it)",
		      (unsigned long long)k->cp->recs[first].seq,
		      (unsigned long long)k->last_seq);
	else
		found(k, KM_AUDIT_COPY_TRUNCATED, k->cp->recs[first].seq,
		      "record %llu is missing from the local log: the log "
		      "holds no record but the syslog copy starts the chain "
		      "(the log was emptied, and the token's chain head reset)",
		      (unsigned long long)k->cp->recs[first].seq);
	return err_set(ERR_VERIFY, "%s", k->msg);
}

static enum err check_line(void *arg, const char *line, size_t len,
                           bool complete)
{
	(void)complete;
	return km_audit_copy_check_line(arg, line, len);
}

enum err km_audit_copy_compare(struct km_audit_copy *cp, const char *path,
                               const uint8_t genesis[KM_AUDIT_HASH_LEN],
                               struct km_audit_copy_check *k)
{
	enum err r;

	km_audit_copy_check_init(k, cp, genesis);
	r = km_audit_log_each(path, check_line, k);
	if (r != ERR_OK)
		return r;
	return km_audit_copy_check_end(k);
}
