/* SPDX-License-Identifier: MIT */
/* srv_api_list.c - list keys and key versions. Destroyed keys are listed
 * only when asked for with state=...5 (spec 3.2); search follows the
 * [not:][escape:][exact:][name:|alias:]text syntax. */
#include "srv_api_list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "srv_api_keys.h"
#include "srv_json.h"
#include "srv_keys.h"
#include "srv_keys_json.h"

#define SORT_MAX 9

enum sort_field {
	SORT_ID,
	SORT_STATE,
	SORT_EXTRACTABLE,
	SORT_IMPORTED,
	SORT_CREATED,
	SORT_UPDATED,
	SORT_ROTATED,
	SORT_DELETED,
	SORT_EXPIRES,
	SORT_N
};

static const char *const sort_names[SORT_N] = {
	"id",
	"state",
	"extractable",
	"imported",
	"creationDate",
	"lastUpdateDate",
	"lastRotateDate",
	"deletionDate",
	"expirationDate",
};

struct search {
	const char *text;
	bool negate, exact;
	int scope; /* 0 name and aliases, 1 name, 2 aliases */
};

struct query {
	int64_t limit, offset;
	unsigned states; /* bit n: state n */
	int extractable; /* -1: any */
	bool total, has_search;
	struct search search;
	struct {
		enum sort_field field;
		bool desc;
	} sort[SORT_MAX];
	size_t n_sort;
};

static enum err num_arg(const struct srv_req *req, struct srv_reply *rep,
                        const char *name, int64_t lo, int64_t hi, int64_t *out)
{
	const char *s = srv_req_arg(req, name);
	char *end = NULL, must[64];
	long long v;

	if (!s)
		return ERR_OK;
	v = strtoll(s, &end, 10);
	if (!*s || *end || v < lo || v > hi) {
		snprintf(must, sizeof(must), "an integer between %lld and %lld",
		         (long long)lo, (long long)hi);
		return srv_fail_must(rep, "query_param", name, must);
	}
	*out = v;
	return ERR_OK;
}

static enum err flag_arg(const struct srv_req *req, struct srv_reply *rep,
                         const char *name, int *out)
{
	const char *s = srv_req_arg(req, name);

	if (!s)
		return ERR_OK;
	if (strcmp(s, "true") && strcmp(s, "false"))
		return srv_fail_must(rep, "query_param", name, "true or false");
	*out = strcmp(s, "true") == 0;
	return ERR_OK;
}

static enum err state_arg(const struct srv_req *req, struct srv_reply *rep,
                          unsigned *out)
{
	const char *s = srv_req_arg(req, "state");
	unsigned m = 0;

	if (!s)
		return ERR_OK;
	for (const char *p = s;; p += 2) {
		if (!*p || !strchr("01235", *p) || (p[1] && p[1] != ','))
			return srv_fail_must(rep, "query_param", "state",
			                     "a comma-separated "
			                     "list of 0, 1, 2, 3 and 5");
		m |= 1u << (*p - '0');
		if (!p[1])
			break;
	}
	*out = m;
	return ERR_OK;
}

static void search_parse(const char *s, struct search *q)
{
	static const char *const pfx[] = { "not:", "escape:", "exact:", "name:",
		                           "alias:" };

	memset(q, 0, sizeof(*q));
	for (size_t i = 0; i < 5; i++) {
		size_t n = strlen(pfx[i]);

		if (strncmp(s, pfx[i], n) != 0)
			continue;
		s += n;
		if (i == 0)
			q->negate = true;
		else if (i == 1)
			break; /* the rest is literal text */
		else if (i == 2)
			q->exact = true;
		else
			q->scope = (int)i - 2;
		if (i >= 3)
			break;
	}
	q->text = s;
}

static bool text_hit(const struct search *q, const char *v)
{
	return q->exact ? strcmp(v, q->text) == 0
	                : strcasestr(v, q->text) != NULL;
}

static bool search_match(const struct search *q, const struct srv_key *k)
{
	bool hit = q->scope != 2 && text_hit(q, k->name);

	for (size_t i = 0; !hit && q->scope != 1 && i < k->n_aliases; i++)
		hit = text_hit(q, k->aliases[i]);
	return hit != q->negate;
}

static enum err sort_arg(const struct srv_req *req, struct srv_reply *rep,
                         struct query *q)
{
	const char *s = srv_req_arg(req, "sort"), *p;
	size_t n;

	for (p = s; p && *p && q->n_sort < SORT_MAX; p += n + (p[n] == ',')) {
		bool desc = *p == '-', found = false;

		p += desc;
		n = strcspn(p, ",");
		for (int f = 0; f < SORT_N && !found; f++) {
			if (strlen(sort_names[f]) != n ||
			    strncmp(p, sort_names[f], n) != 0)
				continue;
			q->sort[q->n_sort].field = (enum sort_field)f;
			q->sort[q->n_sort++].desc = desc;
			found = true;
		}
		if (!found)
			return srv_fail_must(
			        rep, "query_param", "sort",
			        "a comma-separated list "
			        "of key fields, '-' for descending");
	}
	return ERR_OK;
}

static enum err query_parse(const struct srv_req *req, struct srv_reply *rep,
                            struct query *q)
{
	const char *search = srv_req_arg(req, "search");
	int total = 0;
	enum err r;

	memset(q, 0, sizeof(*q));
	q->limit = 200;
	q->states = 0x0f; /* 0-3: no destroyed keys unless asked */
	q->extractable = -1;
	if (srv_req_arg(req, "filter"))
		return srv_fail_must(rep, "query_param", "filter",
		                     "absent: kp-server does not "
		                     "implement filter; use state, extractable "
		                     "and search");
	r = num_arg(req, rep, "limit", 1, 5000, &q->limit);
	if (r == ERR_OK)
		r = num_arg(req, rep, "offset", 0, INT32_MAX, &q->offset);
	if (r == ERR_OK)
		r = state_arg(req, rep, &q->states);
	if (r == ERR_OK)
		r = flag_arg(req, rep, "extractable", &q->extractable);
	if (r == ERR_OK)
		r = flag_arg(req, rep, "totalCount", &total);
	if (r == ERR_OK)
		r = sort_arg(req, rep, q);
	q->total = total == 1;
	q->has_search = search && *search;
	if (q->has_search)
		search_parse(search, &q->search);
	return r;
}

static bool key_match(const struct query *q, const struct srv_key *k)
{
	return (q->states & (1u << k->state)) &&
	       (q->extractable < 0 ||
	        k->extractable == (q->extractable == 1)) &&
	       (!q->has_search || search_match(&q->search, k));
}

static int64_t sort_value(const struct srv_key *k, enum sort_field f)
{
	switch (f) {
	case SORT_STATE: return k->state;
	case SORT_EXTRACTABLE: return k->extractable;
	case SORT_IMPORTED: return k->import != SRV_IMPORT_NONE;
	case SORT_CREATED: return k->created;
	case SORT_UPDATED: return k->updated;
	case SORT_ROTATED: return k->rotated;
	case SORT_DELETED: return k->deleted;
	case SORT_EXPIRES: return k->expires;
	default: return 0;
	}
}

static int key_cmp(const void *a, const void *b, void *ctx)
{
	const struct srv_key *x = *(const struct srv_key *const *)a;
	const struct srv_key *y = *(const struct srv_key *const *)b;
	const struct query *q = ctx;

	for (size_t i = 0; i < q->n_sort; i++) {
		enum sort_field f = q->sort[i].field;
		int64_t vx = sort_value(x, f), vy = sort_value(y, f);
		int c = f == SORT_ID ? strcmp(x->id, y->id)
		                     : (vx > vy) - (vx < vy);

		if (c)
			return q->sort[i].desc ? -c : c;
	}
	/* Stable: creation order breaks ties. */
	return (x->created > y->created) - (x->created < y->created);
}

static cJSON *page(struct srv *srv, const struct query *q,
                   struct srv_key **hits, size_t n)
{
	cJSON *items = cJSON_CreateArray(), *env;

	for (size_t i = (size_t)q->offset;
	     items && i < n && i < (size_t)(q->offset + q->limit); i++)
		cJSON_AddItemToArray(items,
		                     srv_keys_json_build(srv, hits[i], false));
	env = srv_envelope(SRV_KEY_TYPE, items);
	if (env && q->total)
		cJSON_AddNumberToObject(cJSON_GetObjectItem(env, "metadata"),
		                        "totalCount", (double)n);
	return env;
}

enum err srv_api_list_keys(struct srv_req *req, struct srv_reply *rep)
{
	struct srv_keys *ks = req->srv->keys;
	struct srv_key **hits = NULL;
	int64_t now = srv_now(req->srv);
	struct query q;
	char total[24];
	size_t n = 0;
	enum err r;

	rep->what = "Keys could not be listed";
	r = query_parse(req, rep, &q);
	if (r != ERR_OK)
		return r;
	hits = malloc((ks->n + 1) * sizeof(*hits));
	if (!hits)
		return err_set(ERR_NOMEM, "list");
	for (size_t i = 0; i < ks->n; i++) {
		srv_key_refresh(ks->v[i], now);
		if (key_match(&q, ks->v[i]))
			hits[n++] = ks->v[i];
	}
	if (q.n_sort)
		qsort_r(hits, n, sizeof(*hits), key_cmp, &q);
	snprintf(total, sizeof(total), "%zu", n);
	srv_reply_header(rep, "Key-Total", total);
	if (strcmp(req->method, "HEAD") == 0) {
		rep->status = 200;
		r = ERR_OK;
	} else {
		r = srv_reply_json(rep, 200, page(req->srv, &q, hits, n));
	}
	free(hits);
	return r;
}

enum err srv_api_list_versions(struct srv_req *req, struct srv_reply *rep)
{
	int64_t limit = 200, offset = 0;
	int total = 0, all = 0;
	struct srv_key *k;
	cJSON *items, *env, *o;
	enum err r;

	rep->what = "Key versions could not be listed";
	r = srv_api_keys_find(req, rep, &k);
	if (r == ERR_OK)
		r = num_arg(req, rep, "limit", 1, 5000, &limit);
	if (r == ERR_OK)
		r = num_arg(req, rep, "offset", 0, INT32_MAX, &offset);
	if (r == ERR_OK)
		r = flag_arg(req, rep, "totalCount", &total);
	if (r == ERR_OK)
		r = flag_arg(req, rep, "allKeyStates", &all);
	if (r != ERR_OK)
		return r;
	if (k->extractable)
		return srv_fail(rep, 400, "KEY_ROOT_REQ_ERR", NULL,
		                "Only root keys have versions");
	if (k->state != SRV_STATE_ACTIVE && all != 1)
		return srv_fail(rep, 409, "KEY_ACTION_INVALID_STATE_ERR", NULL,
		                "Key is not in active state: use "
		                "allKeyStates=true");
	items = cJSON_CreateArray();
	/* Newest first (spec 3.3). */
	for (size_t i = (size_t)offset, c = 0;
	     items && i < k->n_versions && c < (size_t)limit; i++, c++) {
		const struct srv_version *v =
		        &k->versions[k->n_versions - 1 - i];

		o = cJSON_CreateObject();
		if (!o)
			break;
		cJSON_AddStringToObject(o, "id", v->id);
		srv_json_add_time(o, "creationDate", v->created);
		cJSON_AddItemToArray(items, o);
	}
	env = srv_envelope("application/vnd.ibm.kms.key.version+json", items);
	if (env && total == 1)
		cJSON_AddNumberToObject(cJSON_GetObjectItem(env, "metadata"),
		                        "totalCount", (double)k->n_versions);
	return srv_reply_json(rep, 200, env);
}
