/* SPDX-License-Identifier: MIT */
/* cmd_audit_verify.c - `p11seal audit verify [FILE]`: every record's MAC
 * checked in the token, the hash chain, and the log's end against the
 * chain head the token keeps; the first problem is named precisely. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "km_audit_trail.h"
#include "p11_session.h"

struct outcome {
	const char *path;
	struct km_audit_key key;
	struct km_audit_check check;
	struct km_audit_head head;
	bool has_head;
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

static cJSON *report_json(const struct p11_session *s, const struct outcome *o)
{
	const struct km_audit_check *k = &o->check;
	cJSON *j = cJSON_CreateObject(), *p;

	cJSON_AddStringToObject(j, "file", o->path);
	cJSON_AddBoolToObject(j, "intact", k->problem == KM_AUDIT_INTACT);
	cJSON_AddNumberToObject(j, "records", (double)k->records);
	cJSON_AddNumberToObject(j, "lines", (double)k->lines);
	if (k->problem == KM_AUDIT_INTACT) {
		cJSON_AddNullToObject(j, "problem");
	} else {
		p = cJSON_AddObjectToObject(j, "problem");
		cJSON_AddStringToObject(p, "kind",
		                        km_audit_problem_name(k->problem));
		cJSON_AddStringToObject(p, "message", k->msg);
		if (k->at_line)
			cJSON_AddNumberToObject(p, "line", (double)k->at_line);
		if (k->at_seq)
			cJSON_AddNumberToObject(p, "record", (double)k->at_seq);
	}
	cJSON_AddItemToObject(j, "log_head",
	                      head_json(k->last_seq, k->last_hash));
	if (o->has_head)
		cJSON_AddItemToObject(j, "token_head",
		                      head_json(o->head.seq, o->head.hash));
	else
		cJSON_AddNullToObject(j, "token_head");
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
}

static enum err verify(const struct cli *c, struct p11_session *s,
                       struct outcome *o)
{
	enum err r;

	r = km_audit_trail_key(s, &o->key);
	if (r == ERR_NOT_FOUND)
		return err_wrap(r, "its audit log cannot be verified");
	if (r == ERR_OK)
		r = km_audit_trail_verify(s, &o->key, o->path, &o->check,
		                          &o->head, &o->has_head);
	if (r != ERR_OK && r != ERR_VERIFY)
		return r;
	if (c->json) {
		enum err pr = cli_print_json(report_json(s, o));

		if (pr != ERR_OK)
			return pr;
	} else if (r == ERR_OK) {
		report_text(s, o);
	}
	if (r == ERR_VERIFY)
		err_set(r, "%s", o->check.msg);
	return r;
}

int cmd_audit_verify(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	struct outcome o = { 0 };
	char path[4096];
	struct cli_token t;
	enum err r;

	if (cli_wants_help(c, argc, argv))
		return 0;
	if (getopt_long(argc, argv, "", opts, NULL) != -1)
		return cli_usage(c, "unknown option");
	if (argc - optind > 1)
		return cli_usage(c, "give at most one log file");
	if (optind < argc)
		o.path = argv[optind];
	r = o.path ? ERR_OK : cli_audit_path(c, path, sizeof(path));
	if (!o.path)
		o.path = path;
	if (r == ERR_OK)
		r = cli_token_open(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, &t);
	if (r != ERR_OK)
		return cli_fail(c, r);
	r = verify(c, t.session, &o);
	cli_token_close(&t);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
