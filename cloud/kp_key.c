/* SPDX-License-Identifier: MIT */
/* kp_key.c - key calls over kp_client. Create is the one call that must
 * not be repeated blindly (names are not unique): after an uncertain
 * failure we look for the key before trying again. */
#include "kp_key.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kp_client.h"

#define PAGE         100
#define LIST_MAX     100000
#define CREATE_TRIES 3

bool kp_key_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return json_is_uuid(id ? id : "") ||
	       (n >= 2 && n <= 90 &&
	        strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"
	                   "yz0123456789_-") == n);
}

static enum err bad_id(const char *id)
{
	return err_set(ERR_USAGE, "'%.96s' is not a key id or alias",
	               id ? id : "");
}

/* One call whose 2xx body must parse as one key. */
static enum err call_key(struct kp_client *c, const struct kp_request *rq,
                         const char *what, struct kp_key *out,
                         struct kp_response *rs)
{
	enum err r = kp_client_call(c, rq, rs);

	if (r != ERR_OK)
		return r;
	if (kp_json_parse_key(rs->body ? rs->body : "", rs->len, out) != ERR_OK)
		return kp_client_bad_body(c, rs, what);
	return ERR_OK;
}

enum err kp_key_get(struct kp_client *c, const char *id, struct kp_key *out)
{
	struct kp_request rq = { "GET", NULL, NULL, 0, NULL, true };
	struct kp_response rs;
	char path[160];
	bool match = false;
	enum err r;

	memset(out, 0, sizeof(*out));
	if (!kp_key_id_ok(id))
		return bad_id(id);
	snprintf(path, sizeof(path), "/api/v2/keys/%s/metadata", id);
	rq.path = path;
	r = call_key(c, &rq, "get key", out, &rs);
	kp_response_clear(&rs);
	if (r != ERR_OK)
		return r;
	match = strcasecmp(out->id, id) == 0;
	for (size_t i = 0; i < out->n_aliases; i++)
		match = match || strcmp(out->aliases[i], id) == 0;
	if (!match) {
		kp_json_key_clear(out);
		return err_set(ERR_FORMAT,
		               "Key Protect answered about another "
		               "key than '%s' (correlation-id %s)",
		               id, kp_client_correlation_id(c));
	}
	return ERR_OK;
}

/* Append a page to the growing list. */
static enum err append(struct kp_key **all, size_t *n, struct kp_key *page,
                       size_t m)
{
	struct kp_key *grown;

	if (*n + m > LIST_MAX)
		return err_set(ERR_FORMAT, "more than %d keys listed",
		               LIST_MAX);
	grown = realloc(*all, (*n + m + 1) * sizeof(**all));
	if (!grown)
		return err_set(ERR_NOMEM, "no memory for %zu keys", *n + m);
	memcpy(grown + *n, page, m * sizeof(*page));
	*all = grown;
	*n += m;
	return ERR_OK;
}

static enum err list_page(struct kp_client *c, const struct kp_list_opts *o,
                          size_t offset, struct kp_key **page, size_t *m)
{
	struct kp_request rq = { "GET", NULL, NULL, 0, NULL, true };
	struct kp_response rs;
	char path[256];
	int len;
	enum err r;

	len = snprintf(path, sizeof(path), "/api/v2/keys?limit=%d&offset=%zu",
	               PAGE, offset);
	if (o->states)
		len += snprintf(path + len, sizeof(path) - (size_t)len,
		                "&state=%s", o->states);
	if (o->extractable >= 0)
		snprintf(path + len, sizeof(path) - (size_t)len,
		         "&extractable=%s", o->extractable ? "true" : "false");
	rq.path = path;
	r = kp_client_call(c, &rq, &rs);
	if (r == ERR_OK && kp_json_parse_keys(rs.body ? rs.body : "", rs.len,
	                                      page, m) != ERR_OK)
		r = kp_client_bad_body(c, &rs, "list keys");
	kp_response_clear(&rs);
	if (r == ERR_OK && *m > PAGE) {
		kp_json_keys_free(*page, *m);
		r = err_set(ERR_FORMAT,
		            "Key Protect returned %zu keys for a "
		            "page of %d",
		            *m, PAGE);
	}
	return r;
}

enum err kp_key_list(struct kp_client *c, const struct kp_list_opts *o,
                     struct kp_key **keys, size_t *n)
{
	static const struct kp_list_opts dflt = { 0, 0, NULL, -1 };
	struct kp_key *all = NULL, *page = NULL;
	size_t count = 0, m = 0, offset;
	enum err r = ERR_OK;

	*keys = NULL;
	*n = 0;
	o = o ? o : &dflt;
	if (o->states && strspn(o->states, "0123456789,") != strlen(o->states))
		return err_set(ERR_USAGE, "key states must look like 1,2,3,5");
	offset = o->offset;
	do {
		r = list_page(c, o, offset, &page, &m);
		if (r == ERR_OK)
			r = append(&all, &count, page, m);
		if (r != ERR_OK) {
			kp_json_keys_free(page, m);
			break;
		}
		free(page); /* the keys now belong to all */
		page = NULL;
		offset += m;
	} while (m == PAGE && (!o->max || count < o->max));
	if (r != ERR_OK) {
		kp_json_keys_free(all, count);
		return r;
	}
	while (o->max && count > o->max)
		kp_json_key_clear(&all[--count]);
	*keys = all;
	*n = count;
	return ERR_OK;
}

/* Ids of the keys named name (state 1..3), for the before/after check. */
static enum err named_ids(struct kp_client *c, const char *name,
                          char (**ids)[KP_ID_SIZE], size_t *n)
{
	struct kp_key *keys = NULL;
	size_t m = 0;
	enum err r = kp_key_list(c, NULL, &keys, &m);

	*ids = NULL;
	*n = 0;
	if (r != ERR_OK)
		return r;
	*ids = calloc(m + 1, KP_ID_SIZE);
	if (!*ids)
		r = err_set(ERR_NOMEM, "no memory for key ids");
	for (size_t i = 0; r == ERR_OK && i < m; i++)
		if (strcmp(keys[i].name, name) == 0)
			memcpy((*ids)[(*n)++], keys[i].id, KP_ID_SIZE);
	kp_json_keys_free(keys, m);
	return r;
}

/* After an uncertain create: the one key named like ours that was not
 * there before, if any. *found = number of such keys. */
static enum err find_new(struct kp_client *c, const char *name,
                         char (*before)[KP_ID_SIZE], size_t n_before,
                         struct kp_key *out, size_t *found)
{
	char(*now)[KP_ID_SIZE] = NULL, fresh[KP_ID_SIZE] = "";
	size_t n_now = 0;
	enum err r = named_ids(c, name, &now, &n_now);

	*found = 0;
	for (size_t i = 0; r == ERR_OK && i < n_now; i++) {
		bool old = false;

		for (size_t j = 0; j < n_before; j++)
			old = old || strcmp(now[i], before[j]) == 0;
		if (!old && (*found)++ == 0)
			memcpy(fresh, now[i], KP_ID_SIZE);
	}
	free(now);
	if (r == ERR_OK && *found == 1)
		r = kp_key_get(c, fresh, out);
	return r;
}

static enum err create_once(struct kp_client *c, const struct kp_jbuf *body,
                            struct kp_key *out, bool *uncertain)
{
	struct kp_request rq = { "POST",    "/api/v2/keys",   body->buf,
		                 body->len, "return=minimal", false };
	struct kp_response rs;
	enum err r = call_key(c, &rq, "create key", out, &rs);

	*uncertain = rs.uncertain;
	kp_response_clear(&rs);
	return r;
}

/* The create loop: create, and after an uncertain failure look first. */
static enum err create_checked(struct kp_client *c, const char *name,
                               const struct kp_jbuf *body,
                               char (*before)[KP_ID_SIZE], size_t n_before,
                               struct kp_key *out, bool *recovered)
{
	char why[600];
	size_t found = 0;

	for (int i = 0; i < CREATE_TRIES; i++) {
		bool uncertain = false;
		enum err r = create_once(c, body, out, &uncertain);

		if (r == ERR_OK || !uncertain)
			return r;
		snprintf(why, sizeof(why), "%s", err_detail());
		r = find_new(c, name, before, n_before, out, &found);
		if (r != ERR_OK)
			return err_set(ERR_HTTP,
			               "creating key '%s' may have "
			               "succeeded (%s), and the check for it "
			               "failed: %s; list the keys before "
			               "trying again",
			               name, why, err_detail());
		if (found == 1) {
			*recovered = true;
			return ERR_OK;
		}
		if (found > 1)
			return err_set(ERR_EXISTS,
			               "%zu new keys named '%s' "
			               "appeared while creating one; check "
			               "them with 'kp keys'",
			               found, name);
	}
	return err_set(ERR_HTTP,
	               "creating key '%s' failed %d times without "
	               "a clear answer; last: %s",
	               name, CREATE_TRIES, why);
}

enum err kp_key_create(struct kp_client *c, const struct kp_key_template *t,
                       struct kp_key *out, bool *recovered)
{
	char(*before)[KP_ID_SIZE] = NULL;
	struct kp_jbuf body = { 0 };
	size_t n_before = 0;
	enum err r;

	memset(out, 0, sizeof(*out));
	*recovered = false;
	r = kp_json_build_key(t, &body);
	if (r == ERR_OK)
		r = named_ids(c, t->name, &before, &n_before);
	if (r == ERR_OK)
		r = create_checked(c, t->name, &body, before, n_before, out,
		                   recovered);
	if (r == ERR_OK && strcmp(out->name, t->name) != 0) {
		kp_json_key_clear(out);
		r = err_set(ERR_FORMAT,
		            "Key Protect created a key with "
		            "another name than '%s'",
		            t->name);
	}
	free(before);
	kp_jbuf_free(&body);
	return r;
}

/* After retries, a 409/410 may only mean an earlier attempt worked:
 * believe the state the key is in now. */
static enum err confirm_state(struct kp_client *c, const char *id, int want,
                              enum err r, const struct kp_response *rs)
{
	struct kp_key k;
	char why[600];

	if (r != ERR_REMOTE || rs->attempts < 2 ||
	    (rs->status != 409 && rs->status != 410))
		return r;
	snprintf(why, sizeof(why), "%s", err_detail());
	if (kp_key_get(c, id, &k) != ERR_OK)
		return err_set(r, "%s", why);
	r = k.state == want ? ERR_OK : err_set(r, "%s", why);
	kp_json_key_clear(&k);
	return r;
}

static enum err action(struct kp_client *c, const char *id, const char *name,
                       int want_state)
{
	struct kp_request rq = { "POST", NULL, NULL, 0, NULL, true };
	struct kp_response rs;
	char path[192];
	enum err r;

	if (!kp_key_id_ok(id))
		return bad_id(id);
	snprintf(path, sizeof(path), "/api/v2/keys/%s/actions/%s", id, name);
	rq.path = path;
	r = kp_client_call(c, &rq, &rs);
	r = confirm_state(c, id, want_state, r, &rs);
	kp_response_clear(&rs);
	return r;
}

enum err kp_key_disable(struct kp_client *c, const char *id)
{
	return action(c, id, "disable", KP_STATE_SUSPENDED);
}

enum err kp_key_enable(struct kp_client *c, const char *id)
{
	return action(c, id, "enable", KP_STATE_ACTIVE);
}

enum err kp_key_delete(struct kp_client *c, const char *id, bool force)
{
	struct kp_request rq = {
		"DELETE", NULL, NULL, 0, "return=minimal", true
	};
	struct kp_response rs;
	char path[192];
	enum err r;

	if (!kp_key_id_ok(id))
		return bad_id(id);
	snprintf(path, sizeof(path), "/api/v2/keys/%s%s", id,
	         force ? "?force=true" : "");
	rq.path = path;
	r = kp_client_call(c, &rq, &rs);
	/* a 410 after retries: an earlier attempt deleted it */
	if (r == ERR_REMOTE && rs.attempts > 1 && rs.status == 410)
		r = ERR_OK;
	kp_response_clear(&rs);
	return r;
}

enum err kp_key_rotate(struct kp_client *c, const char *id,
                       const struct kp_key_template *t)
{
	static const struct kp_key_template none = { 0 };
	struct kp_request rq = { "POST", NULL, NULL, 0, NULL, false };
	struct kp_jbuf body = { 0 };
	struct kp_response rs = { 0 };
	char path[192];
	enum err r;

	if (!kp_key_id_ok(id))
		return bad_id(id);
	r = kp_json_build_rotate(t ? t : &none, &body);
	if (r != ERR_OK)
		return r;
	snprintf(path, sizeof(path), "/api/v2/keys/%s/actions/rotate", id);
	rq.path = path;
	rq.body = body.buf;
	rq.body_len = body.len;
	r = kp_client_call(c, &rq, &rs);
	if (r != ERR_OK && rs.uncertain)
		r = err_wrap(r,
		             "the rotation may have happened; check 'kp "
		             "key-show %s' before rotating again",
		             id);
	kp_response_clear(&rs);
	kp_jbuf_free(&body);
	return r;
}

enum err kp_key_versions(struct kp_client *c, const char *id,
                         struct kp_key_version **v, size_t *n)
{
	struct kp_request rq = { "GET", NULL, NULL, 0, NULL, true };
	struct kp_response rs;
	char path[192];
	enum err r;

	*v = NULL;
	*n = 0;
	if (!kp_key_id_ok(id))
		return bad_id(id);
	snprintf(path, sizeof(path), "/api/v2/keys/%s/versions", id);
	rq.path = path;
	r = kp_client_call(c, &rq, &rs);
	if (r == ERR_OK && kp_json_parse_versions(rs.body ? rs.body : "",
	                                          rs.len, v, n) != ERR_OK)
		r = kp_client_bad_body(c, &rs, "key versions");
	kp_response_clear(&rs);
	return r;
}
