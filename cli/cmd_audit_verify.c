/* SPDX-License-Identifier: MIT */
/* cmd_audit_verify.c - `p11seal audit verify [FILE] [--syslog-copy
 * COPY]`: every record's MAC checked in the token, the hash chain, and
 * the log's end against the chain head the token keeps; with a syslog
 * copy, every record against its copy too, which catches what a PIN
 * holder can do to the log and the head together (km_audit_copy.h). The
 * first problem is named precisely. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "km_audit_copy.h"
#include "km_audit_log.h"
#include "km_audit_trail.h"
#include "p11_session.h"

struct outcome {
	const char *path;
	struct km_audit_key key;
	struct km_audit_check check;
	struct km_audit_head head;
	bool has_head;
	const char *copy_path; /* --syslog-copy; NULL: none */
	struct km_audit_copy *copy;
	struct km_audit_copy_check copy_check;
	bool copy_checked;
};

static cJSON *head_json(uint64_t seq, const uint8_t hash[KM_AUDIT_HASH_LEN])
{
	cJSON *o = cJSON_CreateObject();
	char hex[2 * KM_AUDIT_HASH_LEN + 1];

	encode_hex(hex, hash, KM_AUDIT_HASH_LEN);
	cJSON_AddNumberToObject(o, "seq", (double)seq);
	cJSON_AddStringToObject(o, "hash", hex);
	return o;
}

static bool copy_matches(const struct outcome *o)
{
	return !o->copy_checked || o->copy_check.problem == KM_AUDIT_COPY_MATCH;
}

/* The copy's side: null without --syslog-copy, checked false when the
 * log itself did not verify (its records are not worth comparing). */
static void copy_json(cJSON *j, const struct outcome *o)
{
	const struct km_audit_copy_check *k = &o->copy_check;
	cJSON *p;

	if (!o->copy_path) {
		cJSON_AddNullToObject(j, "syslog_copy");
		return;
	}
	p = cJSON_AddObjectToObject(j, "syslog_copy");
	cJSON_AddStringToObject(p, "file", o->copy_path);
	cJSON_AddBoolToObject(p, "checked", o->copy_checked);
	cJSON_AddBoolToObject(p, "matches", o->copy_checked && copy_matches(o));
	cJSON_AddNumberToObject(p, "matched", (double)k->matched);
	cJSON_AddNumberToObject(p, "copy_records",
	                        (double)km_audit_copy_records(o->copy));
	cJSON_AddNumberToObject(p, "broken_lines",
	                        (double)km_audit_copy_broken(o->copy));
}

static void problem_json(cJSON *j, const struct outcome *o)
{
	const struct km_audit_check *k = &o->check;
	const struct km_audit_copy_check *ck = &o->copy_check;
	cJSON *p;

	if (k->problem == KM_AUDIT_INTACT && copy_matches(o)) {
		cJSON_AddNullToObject(j, "problem");
		return;
	}
	p = cJSON_AddObjectToObject(j, "problem");
	if (k->problem != KM_AUDIT_INTACT) {
		cJSON_AddStringToObject(p, "kind",
		                        km_audit_problem_name(k->problem));
		cJSON_AddStringToObject(p, "message", k->msg);
		if (k->at_line)
			cJSON_AddNumberToObject(p, "line", (double)k->at_line);
		if (k->at_seq)
			cJSON_AddNumberToObject(p, "record", (double)k->at_seq);
		return;
	}
	cJSON_AddStringToObject(p, "kind",
	                        km_audit_copy_problem_name(ck->problem));
	cJSON_AddStringToObject(p, "message", ck->msg);
	cJSON_AddNumberToObject(p, "record", (double)ck->at_seq);
}

static cJSON *unfinished_json(const struct km_audit_check *k)
{
	cJSON *a = cJSON_CreateArray();
	uint64_t n = k->n_unfinished < KM_AUDIT_UNFINISHED_MAX
	                     ? k->n_unfinished
	                     : KM_AUDIT_UNFINISHED_MAX;

	for (uint64_t i = 0; i < n; i++)
		cJSON_AddItemToArray(
		        a, cJSON_CreateNumber((double)k->unfinished[i]));
	return a;
}

static cJSON *report_json(const struct p11_session *s, const struct outcome *o)
{
	const struct km_audit_check *k = &o->check;
	cJSON *j = cJSON_CreateObject(), *p;

	cJSON_AddStringToObject(j, "file", o->path);
	cJSON_AddBoolToObject(j, "intact",
	                      k->problem == KM_AUDIT_INTACT && copy_matches(o));
	cJSON_AddNumberToObject(j, "records", (double)k->records);
	cJSON_AddNumberToObject(j, "lines", (double)k->lines);
	problem_json(j, o);
	copy_json(j, o);
	cJSON_AddItemToObject(j, "log_head",
	                      head_json(k->last_seq, k->last_hash));
	if (o->has_head)
		cJSON_AddItemToObject(j, "token_head",
		                      head_json(o->head.seq, o->head.hash));
	else
		cJSON_AddNullToObject(j, "token_head");
	cJSON_AddItemToObject(j, "unfinished", unfinished_json(k));
	cJSON_AddBoolToObject(j, "head_checked", k->head_checked);
	cJSON_AddBoolToObject(j, "head_lags", k->head_lags);
	p = cJSON_AddObjectToObject(j, "audit_key");
	cJSON_AddStringToObject(p, "label", o->key.label);
	cJSON_AddStringToObject(p, "id", o->key.id);
	p = cJSON_AddObjectToObject(j, "token");
	cJSON_AddStringToObject(p, "label", p11_session_token(s)->label);
	cJSON_AddStringToObject(p, "serial", p11_session_token(s)->serial);
	return j;
}

/* Not tampering: a run that stopped between its two records. */
static void warn_unfinished(const struct cli *c, const struct km_audit_check *k)
{
	uint64_t n = k->n_unfinished < KM_AUDIT_UNFINISHED_MAX
	                     ? k->n_unfinished
	                     : KM_AUDIT_UNFINISHED_MAX;

	for (uint64_t i = 0; i < n; i++)
		cli_info(c,
		         "warning: record %llu is an intent with no result "
		         "record: that run stopped before it finished (killed "
		         "or crashed); what it did is unknown",
		         (unsigned long long)k->unfinished[i]);
	if (k->n_unfinished > n)
		cli_info(c, "warning: %llu more intents have no result record",
		         (unsigned long long)(k->n_unfinished - n));
}

static void report_text(const struct p11_session *s, const struct outcome *o)
{
	const struct km_audit_check *k = &o->check;
	unsigned long long n = k->records;

	if (k->head_checked && !k->head_lags)
		printf("%llu records verified, chain head matches the token\n",
		       n);
	else if (k->head_checked)
		printf("%llu records verified; the token's chain head is one "
		       "record behind (a run stopped before moving it; the "
		       "next audited command moves it)\n",
		       n);
	else
		printf("%llu records verified, but token '%s' keeps no chain "
		       "head (it cannot store data objects), so a truncated "
		       "log or an older copy of it cannot be detected\n",
		       n, p11_session_token(s)->label);
	if (o->copy_checked)
		printf("%llu records match their syslog copy in %s, and the "
		       "copy holds none past the log's end\n",
		       (unsigned long long)o->copy_check.matched, o->copy_path);
}

/* Only once the log verifies: the copy then tells a consistent rewrite
 * of log and head apart from the real history. */
static enum err check_copy(struct p11_session *s, struct outcome *o)
{
	uint8_t genesis[KM_AUDIT_HASH_LEN];
	enum err r;

	r = km_audit_genesis(p11_session_token(s)->serial, o->key.id, genesis);
	if (r == ERR_OK)
		r = km_audit_copy_compare(o->copy, o->path, genesis,
		                          &o->copy_check);
	o->copy_checked = r == ERR_OK || r == ERR_VERIFY;
	return r;
}

struct last_line {
	char *line;
	size_t len;
};

static enum err keep_last(void *arg, const char *line, size_t len,
                          bool complete)
{
	struct last_line *l = arg;

	if (complete && len <= KM_AUDIT_LINE_MAX) {
		memcpy(l->line, line, len);
		l->len = len;
	}
	return ERR_OK;
}

/* No audit key: if the log ends with the record of its deletion, say so
 * (that record was MAC'd just before the key went, and nothing can be
 * checked any more); else say the log cannot be verified. */
static enum err no_key(struct p11_session *s, const char *path)
{
	const struct p11_token_desc *tok = p11_session_token(s);
	struct last_line l = { malloc(KM_AUDIT_LINE_MAX + 1), 0 };
	struct km_audit_rec r = { 0 };
	enum km_audit_bad bad;
	char why[1024];
	bool final;

	snprintf(why, sizeof(why), "%s", err_detail());
	if (l.line && km_audit_log_each(path, keep_last, &l) != ERR_OK)
		l.len = 0;
	final = l.len && km_audit_parse(l.line, l.len, &r, &bad) == ERR_OK &&
	        km_audit_is_final(&r) &&
	        strcmp(r.token_serial, tok->serial) == 0;
	if (final)
		err_set(ERR_NOT_FOUND,
		        "%s: the audit log %s ends with record %llu, the "
		        "deletion of audit key '%s' (CKA_ID %s) at %s by %s; "
		        "no key can verify its records any more",
		        why, path, (unsigned long long)r.seq,
		        r.key_label ? r.key_label : "?",
		        r.key_id ? r.key_id : "?", r.time, r.user);
	else
		err_set(ERR_NOT_FOUND, "%s: its audit log cannot be verified",
		        why);
	km_audit_rec_clear(&r);
	free(l.line);
	return ERR_NOT_FOUND;
}

static enum err verify(const struct cli *c, struct p11_session *s,
                       struct outcome *o)
{
	enum err r;

	r = km_audit_trail_key(s, &o->key);
	if (r == ERR_NOT_FOUND)
		return no_key(s, o->path);
	if (r == ERR_OK)
		r = km_audit_trail_verify(s, &o->key, o->path, &o->check,
		                          &o->head, &o->has_head);
	if (r == ERR_OK && o->copy)
		r = check_copy(s, o);
	if (r != ERR_OK && r != ERR_VERIFY)
		return r;
	if (c->json) {
		enum err pr = cli_print_json(report_json(s, o));

		if (pr != ERR_OK)
			return pr;
	} else if (r == ERR_OK) {
		report_text(s, o);
	}
	if (r == ERR_OK)
		warn_unfinished(c, &o->check);
	if (r == ERR_VERIFY)
		err_set(r, "%s",
		        o->check.problem != KM_AUDIT_INTACT
		                ? o->check.msg
		                : o->copy_check.msg);
	return r;
}

static const struct cli_opt opts[] = {
	{ "syslog-copy", CLI_STR(struct outcome, copy_path), .arg = "FILE",
	  .help = "also check the syslog copy of the records in FILE; "
	          "default none" },
	{ NULL },
};

/* Only the token's own lines of the copy are kept, so it is read once
 * the token (its serial) is known. */
static enum err load_copy(struct p11_session *s, struct outcome *o)
{
	enum err r;

	if (!o->copy_path)
		return ERR_OK;
	r = km_audit_copy_new(&o->copy, p11_session_token(s)->serial);
	if (r == ERR_OK)
		r = km_audit_copy_load(o->copy, o->copy_path);
	return r;
}

static enum err check(const struct cli *c, struct p11_session *s, void *ctx)
{
	struct outcome *o = ctx;
	enum err r = load_copy(s, o);

	return r == ERR_OK ? verify(c, s, o) : r;
}

int cmd_audit_verify(struct cli *c, int argc, char **argv)
{
	struct outcome o = { 0 };
	char def[CLI_AUDIT_PATH_MAX];
	int rc;

	rc = cli_audit_parse_log(c, argc, argv, opts, &o, &o.path, def);
	if (rc >= 0)
		return rc;
	rc = cli_token_run(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, check, &o);
	km_audit_copy_free(o.copy);
	return rc;
}
