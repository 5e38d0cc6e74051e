/* SPDX-License-Identifier: MIT */
/* km_audit_trail.c - the token half of the audit log: MACs are made and
 * checked only by the token's audit key, and the chain head lives in the
 * token, so an edited, shortened or older log file is told apart from the
 * real one without trusting anything on disk. */
#include "km_audit_trail.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "encode.h"
#include "km_audit_log.h"
#include "p11_data.h"
#include "p11_hmac.h"
#include "p11_key.h"
#include "p11_session.h"

#define CANDIDATES_MAX 64
#define PROBE_LABEL    "p11seal-audit-probe"
#define KEY_ID_LEN     P11_KEY_ID_LEN
#define BUF_LEN        (KM_AUDIT_LINE_MAX + 2)

static void fill_key(struct km_audit_key *k, CK_OBJECT_HANDLE h,
                     const char *label, const uint8_t *id, size_t id_len)
{
	k->handle = h;
	snprintf(k->label, sizeof(k->label), "%s", label);
	encode_hex(k->id, id, id_len);
}

enum err km_audit_trail_key(struct p11_session *s, struct km_audit_key *out)
{
	CK_OBJECT_HANDLE h[CANDIDATES_MAX];
	const char *tok = p11_session_token(s)->label;
	struct p11_obj_info info;
	char other[P11_LABEL_MAX + 1] = "";
	size_t n = 0, found = 0;
	enum err r;

	memset(out, 0, sizeof(*out));
	r = p11_hmac_find_keys(s, h, CANDIDATES_MAX, &n);
	for (size_t i = 0; r == ERR_OK && i < n; i++) {
		r = p11_obj_info(s, h[i], &info);
		if (r != ERR_OK)
			break;
		/* Only keys made to the audit profile count; another HMAC
		 * key's mismatch is no error of ours. */
		if (p11_key_check_profile(&info, P11P_AUDIT) != ERR_OK) {
			err_clear();
			continue;
		}
		if (found++ == 0)
			fill_key(out, h[i], info.label, info.id, info.id_len);
		else
			snprintf(other, sizeof(other), "%s", info.label);
	}
	/* A failed call keeps its detail: tpm2-pkcs11 printed an empty
	 * "audit: " line when it was cleared here (issue 12). */
	if (r != ERR_OK)
		return r;
	if (found == 0)
		return err_set(ERR_NOT_FOUND, "token '%s' has no audit key",
		               tok);
	if (found > 1)
		return err_set(ERR_USAGE,
		               "token '%s' has %zu audit keys ('%s', "
		               "'%s', ...); delete all but one",
		               tok, found, out->label, other);
	return ERR_OK;
}

static enum err head_get(struct p11_session *s, struct km_audit_head *h,
                         bool *present)
{
	char *v = NULL;
	size_t len = 0;
	enum err r;

	*present = false;
	r = p11_data_get(s, KM_AUDIT_TRAIL_HEAD, &v, &len);
	if (r == ERR_NOT_FOUND) {
		err_clear();
		return ERR_OK;
	}
	if (r == ERR_OK)
		r = km_audit_head_parse(v, len, h);
	free(v);
	*present = r == ERR_OK;
	return r;
}

/* ERR_UNSUPPORTED when the token stores no data objects. */
static enum err head_put(struct p11_session *s, const struct km_audit_head *h)
{
	char buf[KM_AUDIT_ID_HEX_MAX + 160];
	size_t len = 0;
	enum err r;

	r = km_audit_head_build(h, buf, sizeof(buf), &len);
	if (r == ERR_OK)
		r = p11_data_put(s, KM_AUDIT_TRAIL_HEAD, buf, len);
	return r;
}

static enum err start_chain(struct p11_session *s, const struct km_audit_key *k,
                            bool *keeps_head)
{
	struct km_audit_head head = { 0 };
	enum err r;

	snprintf(head.key_id, sizeof(head.key_id), "%s", k->id);
	r = km_audit_genesis(p11_session_token(s)->serial, k->id, head.hash);
	if (r == ERR_OK)
		r = head_put(s, &head);
	*keeps_head = r != ERR_UNSUPPORTED;
	if (r == ERR_UNSUPPORTED) {
		err_clear();
		r = ERR_OK;
	}
	return r;
}

enum err km_audit_trail_create(struct p11_session *s, const char *label,
                               struct km_audit_key *out, bool *keeps_head)
{
	struct p11_key_spec spec = { .profile = P11P_AUDIT,
		                     .label = label,
		                     .len = 32 };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	uint8_t id[KEY_ID_LEN];
	enum err r;

	r = km_audit_trail_key(s, out);
	if (r == ERR_OK)
		return err_set(ERR_EXISTS,
		               "token '%s' already has an audit key "
		               "('%s'); a token keeps one",
		               p11_session_token(s)->label, out->label);
	if (r != ERR_NOT_FOUND)
		return r;
	r = p11_obj_label_free(s, label);
	if (r == ERR_OK)
		r = p11_key_new_id(s, id);
	spec.id = id;
	spec.id_len = sizeof(id);
	if (r == ERR_OK)
		r = p11_key_generate(s, &spec, &h);
	if (r != ERR_OK)
		return r;
	fill_key(out, h, label, id, sizeof(id));
	r = start_chain(s, out, keeps_head);
	if (r != ERR_OK)
		p11_obj_discard(s, h);
	return r;
}

/* ERR_OK if the record's MAC verifies in the token, ERR_VERIFY if not. */
static enum err mac_check(struct p11_session *s, CK_OBJECT_HANDLE key,
                          const struct km_audit_rec *rec)
{
	char *body = malloc(BUF_LEN);
	size_t len = 0;
	enum err r;

	if (!body)
		return err_set(ERR_NOMEM, "audit record");
	r = km_audit_build(rec, false, body, BUF_LEN, &len);
	if (r == ERR_OK)
		r = p11_hmac_verify(s, key, body, len, rec->mac);
	free(body);
	return r;
}

struct tail {
	bool empty, valid; /* valid: parsed, and of this token */
	struct km_audit_rec rec;
	uint8_t hash[KM_AUDIT_HASH_LEN];
};

/* The log's last record; a bad last line is simply not valid. */
static enum err read_tail(struct p11_session *s, struct km_audit_log *log,
                          char *buf, struct tail *t)
{
	const char *serial = p11_session_token(s)->serial;
	enum km_audit_bad bad;
	size_t len = 0;
	enum err r;

	memset(t, 0, sizeof(*t));
	r = km_audit_log_tail(log, buf, BUF_LEN, &len);
	if (r != ERR_OK && r != ERR_FORMAT)
		return r;
	t->empty = r == ERR_OK && len == 0;
	if (r == ERR_OK && len &&
	    km_audit_parse(buf, len, &t->rec, &bad) == ERR_OK) {
		t->valid = true;
		r = km_audit_hash(buf, len, t->hash);
	}
	err_clear();
	if (t->valid && strcmp(t->rec.token_serial, serial) != 0)
		return err_set(ERR_VERIFY,
		               "the audit log holds the chain of "
		               "token '%s' (serial %s), not of this one; give "
		               "each token its own log with --audit-log",
		               t->rec.token_label, t->rec.token_serial);
	return r;
}

/* The log does not end at the token's head: the record still continues
 * the token's chain (so this file's lines, appended to the real log,
 * restore it), and the run reports it. */
static void head_mismatch(const struct tail *t, const struct km_audit_head *h,
                          char *warn, size_t cap)
{
	unsigned long long seq = h->seq;

	if (t->empty)
		snprintf(warn, cap,
		         "the audit log is empty, but the token's chain is at "
		         "record %llu: its log is another file (give the same "
		         "--audit-log each time); record %llu was written here",
		         seq, seq + 1);
	else
		snprintf(warn, cap,
		         "the audit log did not end with the token's chain "
		         "head (record %llu): it was truncated, edited or "
		         "replaced; record %llu was appended anyway, run "
		         "'p11seal audit verify'",
		         seq, seq + 1);
}

/* With a head: continue from it, or from a verified last line one past
 * it (a run that stopped before moving the head). */
static enum err from_head(struct p11_session *s, const struct km_audit_key *k,
                          const struct tail *t, const struct km_audit_head *h,
                          struct km_audit_head *base, char *warn, size_t cap)
{
	bool next;
	enum err r;

	*base = *h;
	if ((t->empty && h->seq == 0) ||
	    (t->valid && t->rec.seq == h->seq &&
	     memcmp(t->hash, h->hash, KM_AUDIT_HASH_LEN) == 0))
		return ERR_OK;
	next = t->valid && t->rec.seq == h->seq + 1 &&
	       memcmp(t->rec.prev, h->hash, KM_AUDIT_HASH_LEN) == 0;
	r = next ? mac_check(s, k->handle, &t->rec) : ERR_VERIFY;
	if (r == ERR_OK) {
		base->seq = t->rec.seq;
		memcpy(base->hash, t->hash, KM_AUDIT_HASH_LEN);
	} else if (r == ERR_VERIFY) {
		head_mismatch(t, h, warn, cap);
		err_clear();
		r = ERR_OK;
	}
	return r;
}

/* No head: continue from the log itself, only if its end verifies. */
static enum err from_log(struct p11_session *s, const struct km_audit_key *k,
                         const struct tail *t, struct km_audit_head *base)
{
	enum err r;

	if (t->empty)
		return km_audit_genesis(p11_session_token(s)->serial, k->id,
		                        base->hash);
	r = t->valid ? mac_check(s, k->handle, &t->rec) : ERR_VERIFY;
	if (r == ERR_VERIFY)
		return err_set(
		        ERR_VERIFY,
		        "the audit log's last line does not verify and "
		        "the token keeps no chain head to continue from; "
		        "nothing was appended (run 'p11seal audit "
		        "verify')");
	if (r == ERR_OK) {
		base->seq = t->rec.seq;
		memcpy(base->hash, t->hash, KM_AUDIT_HASH_LEN);
	}
	return r;
}

/* Fill the chain fields, MAC in the token, and build the line into buf. */
static enum err seal(struct p11_session *s, const struct km_audit_key *k,
                     const struct km_audit_head *base, struct km_audit_rec *rec,
                     char *buf, size_t *len)
{
	const struct p11_token_desc *tok = p11_session_token(s);
	enum err r;

	rec->seq = base->seq + 1;
	memcpy(rec->prev, base->hash, KM_AUDIT_HASH_LEN);
	km_audit_time((int64_t)time(NULL), rec->time);
	rec->token_label = tok->label;
	rec->token_serial = tok->serial;
	r = km_audit_build(rec, false, buf, BUF_LEN, len);
	if (r == ERR_OK)
		r = p11_hmac_sign(s, k->handle, buf, *len, rec->mac);
	if (r == ERR_OK)
		r = km_audit_build(rec, true, buf, BUF_LEN, len);
	return r;
}

/* Move the head to the record just written. */
static enum err advance_head(struct p11_session *s,
                             const struct km_audit_key *k,
                             const struct km_audit_rec *rec, const char *line,
                             size_t len, bool had_head, char *warn, size_t cap)
{
	struct km_audit_head h = { .seq = rec->seq };
	enum err r;

	snprintf(h.key_id, sizeof(h.key_id), "%s", k->id);
	r = km_audit_hash(line, len, h.hash);
	if (r == ERR_OK)
		r = head_put(s, &h);
	if (r == ERR_UNSUPPORTED) {
		err_clear();
		return ERR_OK;
	}
	if (r != ERR_OK)
		return err_wrap(r,
		                "record %llu was written, but the token's "
		                "chain head was not moved to it (the next "
		                "record moves it)",
		                (unsigned long long)rec->seq);
	if (!had_head && rec->seq > 1 && !warn[0])
		snprintf(warn, cap,
		         "the token had no chain head although the "
		         "audit log holds records (was it deleted?); record "
		         "%llu was appended and the head set",
		         (unsigned long long)rec->seq);
	return ERR_OK;
}

enum err km_audit_trail_append(struct p11_session *s,
                               const struct km_audit_key *k, const char *path,
                               struct km_audit_rec *rec)
{
	struct km_audit_head head, base = { 0 };
	struct km_audit_log *log = NULL;
	char *buf = malloc(BUF_LEN), warn[512] = "";
	struct tail t = { 0 };
	bool has_head = false;
	size_t len = 0;
	enum err r;

	r = buf ? km_audit_log_open(&log, path)
	        : err_set(ERR_NOMEM, "audit record");
	if (r == ERR_OK)
		r = head_get(s, &head, &has_head);
	if (has_head && strcmp(head.key_id, k->id) != 0)
		has_head = false; /* a deleted audit key's chain */
	if (r == ERR_OK)
		r = read_tail(s, log, buf, &t);
	if (r == ERR_OK && has_head)
		r = from_head(s, k, &t, &head, &base, warn, sizeof(warn));
	else if (r == ERR_OK)
		r = from_log(s, k, &t, &base);
	if (r == ERR_OK)
		r = seal(s, k, &base, rec, buf, &len);
	if (r == ERR_OK)
		r = km_audit_log_write(log, buf, len);
	if (r != ERR_OK)
		rec->seq = 0; /* not in the log */
	else
		r = advance_head(s, k, rec, buf, len, has_head, warn,
		                 sizeof(warn));
	km_audit_rec_clear(&t.rec);
	km_audit_log_close(log);
	free(buf);
	if (r == ERR_OK && warn[0])
		r = err_set(ERR_VERIFY, "%s", warn);
	return r;
}

struct verify_ctx {
	struct p11_session *s;
	CK_OBJECT_HANDLE key;
	struct km_audit_check *c;
};

static enum err verify_mac(void *arg, const char *body, size_t len,
                           const uint8_t mac[KM_AUDIT_MAC_LEN])
{
	struct verify_ctx *v = arg;

	return p11_hmac_verify(v->s, v->key, body, len, mac);
}

static enum err verify_line(void *arg, const char *line, size_t len,
                            bool complete)
{
	struct verify_ctx *v = arg;

	return km_audit_check_line(v->c, line, len, complete);
}

/* Could this token keep a head? Only a write tells (NSS refuses token
 * data objects), so write a throw-away object and delete it. */
static enum err probe_keeps_head(struct p11_session *s, bool *keeps)
{
	enum err r = p11_data_put(s, PROBE_LABEL, "probe", 5);

	*keeps = r != ERR_UNSUPPORTED;
	if (r == ERR_OK)
		return p11_data_delete(s, PROBE_LABEL);
	if (r == ERR_UNSUPPORTED) {
		err_clear();
		return ERR_OK;
	}
	return r;
}

enum err km_audit_trail_verify(struct p11_session *s,
                               const struct km_audit_key *k, const char *path,
                               struct km_audit_check *c,
                               struct km_audit_head *head, bool *has_head)
{
	const char *serial = p11_session_token(s)->serial;
	struct verify_ctx v = { s, k->handle, c };
	uint8_t genesis[KM_AUDIT_HASH_LEN];
	bool keeps = true;
	enum err r;

	*has_head = false;
	r = km_audit_genesis(serial, k->id, genesis);
	if (r != ERR_OK)
		return r;
	km_audit_check_init(c, genesis, serial, verify_mac, &v);
	r = km_audit_log_each(path, verify_line, &v);
	if (r == ERR_OK)
		r = head_get(s, head, has_head);
	if (r == ERR_OK && !*has_head)
		r = probe_keeps_head(s, &keeps);
	if (r == ERR_OK)
		r = km_audit_check_end(c, *has_head ? head : NULL, keeps,
		                       k->id);
	c->mac_arg = NULL; /* v lives on this stack */
	return r;
}
