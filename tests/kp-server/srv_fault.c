/* SPDX-License-Identifier: MIT */
/* srv_fault.c - fault rules, the request log (a ring of the last
 * LOG_MAX requests) and the /admin endpoints that drive both, plus the
 * test clock. */
#include "srv_fault.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "srv_json.h"

#define RULES_MAX 32
#define LOG_MAX   4096

struct srv_log_entry {
	uint64_t seq;
	int64_t time;
	char method[12];
	char path[SRV_PARAM_MAX];
	char query[SRV_PARAM_MAX];
	char corr[80];
	int status;
	enum srv_fault_kind kind;
};

struct srv_fault {
	struct srv_fault_rule rules[RULES_MAX];
	size_t n_rules;
	uint64_t next_id;
	struct srv_log_entry *log; /* ring of LOG_MAX */
	uint64_t n_log;            /* entries ever logged */
};

static const char *const kind_names[SRV_FAULT_COUNT] = {
	[SRV_FAULT_NONE] = "none",         [SRV_FAULT_STATUS] = "status",
	[SRV_FAULT_DELAY] = "delay_ms",    [SRV_FAULT_DROP] = "drop",
	[SRV_FAULT_TRUNCATE] = "truncate", [SRV_FAULT_GARBAGE] = "garbage",
	[SRV_FAULT_HUGE] = "huge",         [SRV_FAULT_DEEP_JSON] = "deep_json",
	[SRV_FAULT_DUP_KEYS] = "dup_keys",
};

const char *srv_fault_kind_name(enum srv_fault_kind k)
{
	return (unsigned)k < SRV_FAULT_COUNT ? kind_names[k] : "?";
}

enum err srv_fault_new(struct srv_fault **out)
{
	struct srv_fault *f = calloc(1, sizeof(*f));

	*out = NULL;
	if (f)
		f->log = calloc(LOG_MAX, sizeof(*f->log));
	if (!f || !f->log) {
		free(f);
		return err_set(ERR_NOMEM, "fault table");
	}
	f->next_id = 1;
	*out = f;
	return ERR_OK;
}

void srv_fault_free(struct srv_fault *f)
{
	if (!f)
		return;
	free(f->log);
	free(f);
}

static void drop_rule(struct srv_fault *f, size_t i)
{
	memmove(&f->rules[i], &f->rules[i + 1],
	        (f->n_rules - i - 1) * sizeof(f->rules[0]));
	f->n_rules--;
}

bool srv_fault_take(struct srv_fault *f, const char *method, const char *path,
                    struct srv_fault_rule *out)
{
	for (size_t i = 0; i < f->n_rules; i++) {
		struct srv_fault_rule *r = &f->rules[i];

		if (strncmp(path, r->prefix, strlen(r->prefix)) != 0 ||
		    (r->method[0] && strcmp(method, r->method) != 0))
			continue;
		if (r->after > 0) {
			r->after--;
			return false;
		}
		*out = *r;
		if (r->count > 0 && --r->count == 0)
			drop_rule(f, i);
		return true;
	}
	return false;
}

void srv_fault_log(struct srv_fault *f, int64_t now, const char *method,
                   const char *path, const char *query, int status,
                   const char *corr_id, enum srv_fault_kind kind)
{
	struct srv_log_entry *e = &f->log[f->n_log % LOG_MAX];

	e->seq = ++f->n_log;
	e->time = now;
	snprintf(e->method, sizeof(e->method), "%s", method);
	snprintf(e->path, sizeof(e->path), "%s", path);
	snprintf(e->query, sizeof(e->query), "%s", query ? query : "");
	snprintf(e->corr, sizeof(e->corr), "%s", corr_id);
	e->status = status;
	e->kind = kind;
}

/* A string member named key, not linked into any object yet. */
static cJSON *decoy_member(const char *key)
{
	cJSON *tmp = cJSON_CreateObject(), *d = cJSON_CreateString("AAAA");

	if (!tmp || !d || !cJSON_AddItemToObject(tmp, key, d)) {
		cJSON_Delete(tmp);
		cJSON_Delete(d);
		return NULL;
	}
	cJSON_DetachItemViaPointer(tmp, d);
	cJSON_Delete(tmp);
	return d;
}

void srv_fault_dup_keys(cJSON *body, const char *key)
{
	cJSON *target = body, *res, *d;
	bool had;

	res = cJSON_GetObjectItemCaseSensitive(body, "resources");
	if (cJSON_IsArray(res) && cJSON_IsObject(cJSON_GetArrayItem(res, 0)))
		target = cJSON_GetArrayItem(res, 0);
	if (!cJSON_IsObject(target))
		return;
	had = cJSON_GetObjectItemCaseSensitive(target, key) != NULL;
	/* cJSON keeps the first of two equal keys, most other parsers the
	 * last: the decoy goes first so a lax cJSON client reads it. */
	for (int i = had ? 1 : 2; i > 0; i--) {
		d = decoy_member(key);
		if (d && !cJSON_InsertItemInArray(target, 0, d))
			cJSON_Delete(d);
	}
}

struct int_field {
	const char *name;
	size_t off;
	int64_t lo, hi;
};

static const struct int_field int_fields[] = {
	{ "delay_ms", offsetof(struct srv_fault_rule, delay_ms), 0, 600000 },
	{ "count", offsetof(struct srv_fault_rule, count), -1, 1000000 },
	{ "after", offsetof(struct srv_fault_rule, after), 0, 1000000 },
	{ "mib", offsetof(struct srv_fault_rule, mib), 1, 4096 },
	{ "depth", offsetof(struct srv_fault_rule, depth), 1, 1000000 },
	{ "truncate_at", offsetof(struct srv_fault_rule, truncate_at), 0,
	  1 << 30 },
};

struct str_field {
	const char *name;
	size_t off, cap;
};

#define STR_FIELD(json, member)                                      \
	{                                                            \
		json, offsetof(struct srv_fault_rule, member),       \
		        sizeof(((struct srv_fault_rule *)0)->member) \
	}

static const struct str_field str_fields[] = {
	STR_FIELD("path_prefix", prefix),
	STR_FIELD("method", method),
	STR_FIELD("retry_after", retry_after),
	STR_FIELD("body", body),
	STR_FIELD("key", key),
};

static void rule_defaults(struct srv_fault_rule *r, enum srv_fault_kind k)
{
	memset(r, 0, sizeof(*r));
	r->kind = k;
	r->status = k == SRV_FAULT_STATUS ? 503 : 200;
	r->count = 1;
	r->mib = 100;
	r->depth = 10000;
	r->truncate_at = -1;
	r->process = k == SRV_FAULT_DELAY || k == SRV_FAULT_TRUNCATE ||
	             k == SRV_FAULT_DUP_KEYS;
	snprintf(r->prefix, sizeof(r->prefix), "/");
	snprintf(r->key, sizeof(r->key), "ciphertext");
}

static enum err rule_kind(struct srv_reply *rep, const cJSON *j,
                          enum srv_fault_kind *k)
{
	const char *s = "";

	srv_json_get_str(j, "kind", &s);
	for (int i = SRV_FAULT_STATUS; i < SRV_FAULT_COUNT; i++)
		if (strcmp(s, kind_names[i]) == 0 ||
		    (i == SRV_FAULT_DELAY && strcmp(s, "delay") == 0)) {
			*k = (enum srv_fault_kind)i;
			return ERR_OK;
		}
	return srv_fail(rep, 400, "INVALID_FIELD_ERR", "field:kind",
	                "kind must be status, delay_ms, drop, truncate, "
	                "garbage, huge, deep_json or dup_keys");
}

static enum err rule_fields(struct srv_reply *rep, const cJSON *j,
                            struct srv_fault_rule *r)
{
	const char *s;
	int64_t v;

	for (size_t i = 0; i < sizeof(int_fields) / sizeof(int_fields[0]);
	     i++) {
		const struct int_field *f = &int_fields[i];
		enum srv_json_get g =
		        srv_json_get_int(j, f->name, f->lo, f->hi, &v);

		if (g == SRV_JSON_BAD)
			return srv_fail(rep, 400, "INVALID_FIELD_ERR", NULL,
			                "%s must be an integer in [%lld, %lld]",
			                f->name, (long long)f->lo,
			                (long long)f->hi);
		if (g == SRV_JSON_OK)
			memcpy((char *)r + f->off, &v, sizeof(v));
	}
	for (size_t i = 0; i < sizeof(str_fields) / sizeof(str_fields[0]);
	     i++) {
		const struct str_field *f = &str_fields[i];
		enum srv_json_get g = srv_json_get_str(j, f->name, &s);

		if (g == SRV_JSON_BAD ||
		    (g == SRV_JSON_OK && strlen(s) >= f->cap))
			return srv_fail(rep, 400, "INVALID_FIELD_ERR", NULL,
			                "%s must be a string shorter than %zu",
			                f->name, f->cap);
		if (g == SRV_JSON_OK)
			memcpy((char *)r + f->off, s, strlen(s) + 1);
	}
	if (srv_json_get_int(j, "status", 100, 599, &v) == SRV_JSON_OK)
		r->status = (int)v;
	else if (cJSON_GetObjectItemCaseSensitive(j, "status"))
		return srv_fail(rep, 400, "INVALID_FIELD_ERR", NULL,
		                "status must be an integer in [100, 599]");
	if (srv_json_get_bool(j, "process", &r->process) == SRV_JSON_BAD ||
	    srv_json_get_bool(j, "chunked", &r->chunked) == SRV_JSON_BAD)
		return srv_fail(rep, 400, "INVALID_FIELD_ERR", NULL,
		                "process and chunked must be booleans");
	if (r->kind == SRV_FAULT_DELAY)
		r->process = true; /* a stall, then the real answer */
	if (r->count == 0 || r->prefix[0] != '/')
		return srv_fail(rep, 400, "INVALID_FIELD_ERR", NULL,
		                "count must not be 0; path_prefix starts "
		                "with '/'");
	return ERR_OK;
}

static cJSON *rule_json(const struct srv_fault_rule *r)
{
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	cJSON_AddNumberToObject(j, "id", (double)r->id);
	cJSON_AddStringToObject(j, "kind", kind_names[r->kind]);
	cJSON_AddStringToObject(j, "path_prefix", r->prefix);
	cJSON_AddStringToObject(j, "method", r->method);
	cJSON_AddNumberToObject(j, "status", r->status);
	cJSON_AddNumberToObject(j, "count", (double)r->count);
	cJSON_AddNumberToObject(j, "after", (double)r->after);
	cJSON_AddNumberToObject(j, "delay_ms", (double)r->delay_ms);
	cJSON_AddBoolToObject(j, "process", r->process);
	return j;
}

static enum err faults_post(struct srv_req *req, struct srv_reply *rep)
{
	struct srv_fault *f = req->srv->fault;
	struct srv_fault_rule rule;
	enum srv_fault_kind k = SRV_FAULT_NONE;
	cJSON *j = NULL;
	enum err r;

	r = srv_req_json(req, rep, true, &j);
	if (r == ERR_OK)
		r = rule_kind(rep, j, &k);
	if (r == ERR_OK) {
		rule_defaults(&rule, k);
		r = rule_fields(rep, j, &rule);
	}
	cJSON_Delete(j);
	if (r != ERR_OK)
		return r;
	if (f->n_rules == RULES_MAX)
		return srv_fail(rep, 409, "TOO_MANY_FAULTS", NULL,
		                "at most %d fault rules", RULES_MAX);
	rule.id = f->next_id++;
	f->rules[f->n_rules++] = rule;
	return srv_reply_json(rep, 201, rule_json(&rule));
}

static enum err faults_get(struct srv_req *req, struct srv_reply *rep)
{
	struct srv_fault *f = req->srv->fault;
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < f->n_rules; i++)
		cJSON_AddItemToArray(a, rule_json(&f->rules[i]));
	return srv_reply_json(rep, 200, a);
}

static cJSON *log_entry_json(const struct srv_log_entry *e)
{
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	cJSON_AddNumberToObject(j, "seq", (double)e->seq);
	srv_json_add_time(j, "time", e->time);
	cJSON_AddStringToObject(j, "method", e->method);
	cJSON_AddStringToObject(j, "path", e->path);
	cJSON_AddStringToObject(j, "query", e->query);
	cJSON_AddNumberToObject(j, "status", e->status);
	cJSON_AddStringToObject(j, "correlation_id", e->corr);
	cJSON_AddStringToObject(j, "fault", kind_names[e->kind]);
	return j;
}

static enum err log_get(struct srv_req *req, struct srv_reply *rep)
{
	struct srv_fault *f = req->srv->fault;
	uint64_t first = f->n_log > LOG_MAX ? f->n_log - LOG_MAX : 0;
	cJSON *j = cJSON_CreateObject(), *a;

	a = j ? cJSON_AddArrayToObject(j, "entries") : NULL;
	for (uint64_t s = first; a && s < f->n_log; s++)
		cJSON_AddItemToArray(a, log_entry_json(&f->log[s % LOG_MAX]));
	if (j)
		cJSON_AddNumberToObject(j, "total", (double)f->n_log);
	return srv_reply_json(rep, 200, j);
}

static enum err clock_post(struct srv_req *req, struct srv_reply *rep)
{
	struct srv *srv = req->srv;
	cJSON *j = NULL, *o;
	int64_t v;
	enum err r;

	r = srv_req_json(req, rep, false, &j);
	if (r != ERR_OK)
		return r;
	if (j && srv_json_get_int(j, "advance_seconds", -1000000000, 1000000000,
	                          &v) == SRV_JSON_OK)
		srv->clock_offset += v;
	else if (j && srv_json_get_int(j, "offset_seconds", -1000000000,
	                               1000000000, &v) == SRV_JSON_OK)
		srv->clock_offset = v;
	else if (j)
		r = srv_fail(rep, 400, "INVALID_FIELD_ERR", NULL,
		             "give advance_seconds or offset_seconds");
	cJSON_Delete(j);
	if (r != ERR_OK)
		return r;
	o = cJSON_CreateObject();
	if (o) {
		cJSON_AddNumberToObject(o, "offset_seconds",
		                        (double)srv->clock_offset);
		srv_json_add_time(o, "now", srv_now(srv));
	}
	return srv_reply_json(rep, 200, o);
}

static enum err empty(struct srv_reply *rep)
{
	rep->status = 204;
	return ERR_OK;
}

enum err srv_fault_admin(struct srv_req *req, struct srv_reply *rep)
{
	struct srv_fault *f = req->srv->fault;
	bool get = strcmp(req->method, "GET") == 0;
	bool post = strcmp(req->method, "POST") == 0;
	bool del = strcmp(req->method, "DELETE") == 0;

	rep->what = NULL;
	if (strcmp(req->path, "/admin/faults") == 0 && (get || post || del)) {
		if (del)
			f->n_rules = 0;
		return get    ? faults_get(req, rep)
		       : post ? faults_post(req, rep)
		              : empty(rep);
	}
	if (strcmp(req->path, "/admin/log") == 0 && (get || del)) {
		if (del)
			f->n_log = 0;
		return get ? log_get(req, rep) : empty(rep);
	}
	if (strcmp(req->path, "/admin/clock") == 0 && (get || post))
		return clock_post(req, rep);
	return srv_fail(rep, 404, NULL, NULL,
	                "The requested resource could not be found");
}
