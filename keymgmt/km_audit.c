/* SPDX-License-Identifier: MIT */
/* km_audit.c - audit records to and from their one canonical line. The
 * parser accepts a line only if rebuilding it gives the same bytes, so any
 * edit that still parses is caught without trusting the MAC alone. */
#include "km_audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "encode.h"
#include "json.h"

struct out {
	char *p;
	size_t cap, len;
	bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->full || o->cap == 0 || n > o->cap - 1 - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

/* Length of the valid UTF-8 sequence at p (RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static void put_str(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	put(o, "\"", 1);
	while (*p) {
		size_t n = utf8_seq(p);

		if (*p == '"' || *p == '\\') {
			char e[2] = { '\\', (char)*p };

			put(o, e, 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			char e[7];

			snprintf(e, sizeof(e), "\\u%04x", *p);
			put(o, e, 6);
		} else if (n == 0) {
			put(o, "\xef\xbf\xbd", 3); /* U+FFFD */
		} else {
			put(o, (const char *)p, n);
			p += n - 1;
		}
		p++;
	}
	put(o, "\"", 1);
}

static void put_u64(struct out *o, uint64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%llu", (unsigned long long)v);

	put(o, num, (size_t)n);
}

static void put_hex(struct out *o, const uint8_t *b, size_t n)
{
	char hex[2 * KM_AUDIT_HASH_LEN + 1];

	encode_hex(hex, b, n);
	put(o, "\"", 1);
	put(o, hex, 2 * n);
	put(o, "\"", 1);
}

/* `,"name":` (no comma before the first member of an object). */
static void member(struct out *o, bool *first, const char *name)
{
	put(o, *first ? "\"" : ",\"", *first ? 1 : 2);
	put(o, name, strlen(name));
	put(o, "\":", 2);
	*first = false;
}

/* An object of string members; left out when every value is NULL. */
static void put_obj(struct out *o, bool *first, const char *name,
                    const char *const names[], const char *const vals[],
                    size_t n)
{
	bool inner = true, any = false;

	for (size_t i = 0; i < n; i++)
		any = any || vals[i];
	if (!any)
		return;
	member(o, first, name);
	put(o, "{", 1);
	for (size_t i = 0; i < n; i++) {
		if (!vals[i])
			continue;
		member(o, &inner, names[i]);
		put_str(o, vals[i]);
	}
	put(o, "}", 1);
}

static bool is_hex(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max || n % 2)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool is_time(const char *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";

	for (size_t i = 0; i < KM_AUDIT_TIME_LEN; i++) {
		bool digit = t[i] >= '0' && t[i] <= '9';

		if (shape[i] == 'd' ? !digit : t[i] != shape[i])
			return false;
	}
	return t[KM_AUDIT_TIME_LEN] == '\0';
}

static bool is_op(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '.' || *s == '-' || *s == '_'))
			return false;
	return true;
}

static enum err check_fields(const struct km_audit_rec *r)
{
	if (r->seq < 1 || r->seq > KM_AUDIT_SEQ_MAX)
		return err_set(ERR_FORMAT, "seq %llu is out of range",
		               (unsigned long long)r->seq);
	if (!is_time(r->time))
		return err_set(ERR_FORMAT, "time is not YYYY-MM-DDTHH:MM:SSZ");
	if (r->uid > UINT32_MAX)
		return err_set(ERR_FORMAT, "uid is out of range");
	if (!r->user || !r->host || !r->token_label || !r->token_serial ||
	    !r->op || !r->result)
		return err_set(ERR_FORMAT, "a required member is missing");
	if (!is_op(r->op))
		return err_set(ERR_FORMAT, "op is not a lower-case word");
	if (r->key_id && !is_hex(r->key_id, 0, KM_AUDIT_ID_HEX_MAX))
		return err_set(ERR_FORMAT, "key.id is not lower-case hex");
	if (r->key_keyhash && !is_hex(r->key_keyhash, 64, 64))
		return err_set(ERR_FORMAT, "key.keyhash is not 64 hex digits");
	if (r->image_sha256 && !is_hex(r->image_sha256, 64, 64))
		return err_set(ERR_FORMAT, "image.sha256 is not 64 hex digits");
	/* An intent ends nothing; a result ends an earlier intent. */
	if (r->intent && (km_audit_is_intent(r) || r->intent >= r->seq))
		return err_set(ERR_FORMAT,
		               "intent %llu is not an earlier "
		               "record of a result",
		               (unsigned long long)r->intent);
	return ERR_OK;
}

static void put_members(struct out *o, const struct km_audit_rec *r)
{
	static const char *const tok[] = { "label", "serial" };
	static const char *const key[] = { "label", "id", "kind", "keyhash" };
	static const char *const kp[] = { "key_id", "correlation_id" };
	static const char *const img[] = { "sha256", "path", "target" };
	const char *tv[] = { r->token_label, r->token_serial };
	const char *kv[] = { r->key_label, r->key_id, r->key_kind,
		             r->key_keyhash };
	const char *pv[] = { r->kp_key_id, r->kp_correlation_id };
	const char *iv[] = { r->image_sha256, r->image_path, r->image_target };
	bool first = true, inner = true;

	member(o, &first, "v");
	put_u64(o, KM_AUDIT_VERSION);
	member(o, &first, "seq");
	put_u64(o, r->seq);
	member(o, &first, "time");
	put_str(o, r->time);
	member(o, &first, "user");
	put(o, "{", 1);
	member(o, &inner, "name");
	put_str(o, r->user);
	member(o, &inner, "uid");
	put_u64(o, r->uid);
	put(o, "}", 1);
	member(o, &first, "host");
	put_str(o, r->host);
	put_obj(o, &first, "token", tok, tv, 2);
	member(o, &first, "op");
	put_str(o, r->op);
	put_obj(o, &first, "key", key, kv, 4);
	put_obj(o, &first, "kp", kp, pv, 2);
	put_obj(o, &first, "image", img, iv, 3);
	member(o, &first, "result");
	put_str(o, r->result);
	if (r->intent) {
		member(o, &first, "intent");
		put_u64(o, r->intent);
	}
	member(o, &first, "prev");
	put_hex(o, r->prev, sizeof(r->prev));
}

enum err km_audit_build(const struct km_audit_rec *r, bool with_mac, char *out,
                        size_t cap, size_t *len)
{
	struct out o = { out, cap, 0, false };
	enum err e;

	*len = 0;
	e = check_fields(r);
	if (e != ERR_OK)
		return e;
	put(&o, "{", 1);
	put_members(&o, r);
	if (with_mac) {
		put(&o, ",\"mac\":", 7);
		put_hex(&o, r->mac, sizeof(r->mac));
	}
	put(&o, "}", 1);
	if (o.full || o.len > KM_AUDIT_LINE_MAX)
		return err_set(ERR_FORMAT, "audit record longer than %u bytes",
		               KM_AUDIT_LINE_MAX);
	*len = o.len;
	return ERR_OK;
}

/* A string member, borrowed from the tree: control characters stay, as
 * put_str escapes them and the canonical check compares the result. */
static enum err get_str(const cJSON *obj, const char *name, bool required,
                        const char **out)
{
	return json_get_strp(obj, name, required, KM_AUDIT_LINE_MAX, out);
}

static enum err get_u64(const cJSON *obj, const char *name, uint64_t max,
                        uint64_t *out)
{
	long long v = 0;
	enum err r = json_get_int(obj, name, true, 0, (long long)max, &v);

	*out = (uint64_t)v;
	return r;
}

static enum err get_hash(const cJSON *obj, const char *name, uint8_t *out)
{
	return json_get_hex(obj, name, true, KM_AUDIT_HASH_LEN,
	                    KM_AUDIT_HASH_LEN, out, NULL);
}

static enum err get_time(const cJSON *j, struct km_audit_rec *out)
{
	const char *t = NULL;
	enum err r = get_str(j, "time", true, &t);

	if (r == ERR_OK && strlen(t) != KM_AUDIT_TIME_LEN)
		r = err_set(ERR_FORMAT, "member 'time' is not RFC 3339 UTC");
	if (r == ERR_OK)
		memcpy(out->time, t, KM_AUDIT_TIME_LEN + 1);
	return r;
}

static enum err get_people(const cJSON *j, struct km_audit_rec *out)
{
	const cJSON *user = NULL, *tok = NULL;
	enum err r;

	r = json_get_obj(j, "user", true, &user);
	if (r == ERR_OK)
		r = get_str(user, "name", true, &out->user);
	if (r == ERR_OK)
		r = get_u64(user, "uid", UINT32_MAX, &out->uid);
	if (r == ERR_OK)
		r = get_str(j, "host", true, &out->host);
	if (r == ERR_OK)
		r = json_get_obj(j, "token", true, &tok);
	if (r == ERR_OK)
		r = get_str(tok, "label", true, &out->token_label);
	if (r == ERR_OK)
		r = get_str(tok, "serial", true, &out->token_serial);
	return r;
}

static enum err get_subjects(const cJSON *j, struct km_audit_rec *out)
{
	const cJSON *key = NULL, *kp = NULL, *img = NULL;
	enum err r;

	r = json_get_obj(j, "key", false, &key);
	if (r == ERR_OK && key)
		r = get_str(key, "label", false, &out->key_label);
	if (r == ERR_OK && key)
		r = get_str(key, "id", false, &out->key_id);
	if (r == ERR_OK && key)
		r = get_str(key, "kind", false, &out->key_kind);
	if (r == ERR_OK && key)
		r = get_str(key, "keyhash", false, &out->key_keyhash);
	if (r == ERR_OK)
		r = json_get_obj(j, "kp", false, &kp);
	if (r == ERR_OK && kp)
		r = get_str(kp, "key_id", false, &out->kp_key_id);
	if (r == ERR_OK && kp)
		r = get_str(kp, "correlation_id", false,
		            &out->kp_correlation_id);
	if (r == ERR_OK)
		r = json_get_obj(j, "image", false, &img);
	if (r == ERR_OK && img)
		r = get_str(img, "sha256", false, &out->image_sha256);
	if (r == ERR_OK && img)
		r = get_str(img, "path", false, &out->image_path);
	if (r == ERR_OK && img)
		r = get_str(img, "target", false, &out->image_target);
	return r;
}

static enum err get_fields(const cJSON *j, struct km_audit_rec *out,
                           enum km_audit_bad *bad)
{
	long long intent = 0;
	uint64_t v = 0;
	enum err r;

	r = get_u64(j, "v", UINT32_MAX, &v);
	if (r == ERR_OK && v != KM_AUDIT_VERSION) {
		*bad = KM_AUDIT_BAD_VERSION;
		return err_set(ERR_FORMAT,
		               "format version %llu is not "
		               "supported (this p11seal reads version %u)",
		               (unsigned long long)v, KM_AUDIT_VERSION);
	}
	if (r == ERR_OK)
		r = get_u64(j, "seq", KM_AUDIT_SEQ_MAX, &out->seq);
	if (r == ERR_OK)
		r = get_time(j, out);
	if (r == ERR_OK)
		r = get_people(j, out);
	if (r == ERR_OK)
		r = get_str(j, "op", true, &out->op);
	if (r == ERR_OK)
		r = get_subjects(j, out);
	if (r == ERR_OK)
		r = get_str(j, "result", true, &out->result);
	if (r == ERR_OK) /* optional: only a result names its intent */
		r = json_get_int(j, "intent", false, 1, KM_AUDIT_SEQ_MAX,
		                 &intent);
	out->intent = (uint64_t)intent;
	if (r == ERR_OK)
		r = get_hash(j, "prev", out->prev);
	if (r == ERR_OK)
		r = get_hash(j, "mac", out->mac);
	if (r == ERR_OK)
		r = check_fields(out);
	return r;
}

/* Rebuild r and compare with the line byte for byte. */
static enum err same_as_built(const struct km_audit_rec *r, const char *line,
                              size_t len)
{
	char *canon = malloc(KM_AUDIT_LINE_MAX + 1);
	size_t clen = 0;
	enum err e;

	if (!canon)
		return err_set(ERR_NOMEM, "audit record");
	e = km_audit_build(r, true, canon, KM_AUDIT_LINE_MAX + 1, &clen);
	if (e == ERR_OK && (clen != len || memcmp(canon, line, len) != 0))
		e = ERR_FORMAT;
	free(canon);
	if (e == ERR_FORMAT)
		return err_set(ERR_FORMAT, "not in canonical form");
	return e;
}

enum err km_audit_parse(const char *line, size_t len, struct km_audit_rec *out,
                        enum km_audit_bad *bad)
{
	enum json_fault fault;
	cJSON *j = NULL;
	enum err r = ERR_OK;

	memset(out, 0, sizeof(*out));
	*bad = KM_AUDIT_BAD_NONE;
	if (len > KM_AUDIT_LINE_MAX) {
		*bad = KM_AUDIT_BAD_RECORD;
		return err_set(ERR_FORMAT, "longer than %u bytes",
		               KM_AUDIT_LINE_MAX);
	}
	r = json_parse_fault(line, len, &j, &fault);
	if (r != ERR_OK) {
		/* JSON past the reader's rules (a duplicate name, \u0000) is
		 * nothing km_audit_build writes: an edited record */
		*bad = fault == JSON_FAULT_LIMIT ? KM_AUDIT_BAD_CANONICAL
		                                 : KM_AUDIT_BAD_JSON;
		r = err_wrap(r, "%s",
		             fault == JSON_FAULT_LIMIT ? "not in canonical form"
		                                       : "not valid JSON");
	} else if (!cJSON_IsObject(j)) {
		*bad = KM_AUDIT_BAD_RECORD;
		r = err_set(ERR_FORMAT, "not a JSON object");
	} else {
		r = get_fields(j, out, bad);
		if (r != ERR_OK && *bad == KM_AUDIT_BAD_NONE)
			*bad = KM_AUDIT_BAD_RECORD;
	}
	if (r == ERR_OK) {
		r = same_as_built(out, line, len);
		if (r == ERR_FORMAT)
			*bad = KM_AUDIT_BAD_CANONICAL;
	}
	if (r != ERR_OK) {
		cJSON_Delete(j);
		memset(out, 0, sizeof(*out));
		return r;
	}
	out->json = j;
	return ERR_OK;
}

bool km_audit_is_intent(const struct km_audit_rec *r)
{
	return r->result && strcmp(r->result, KM_AUDIT_STARTED) == 0;
}

bool km_audit_is_final(const struct km_audit_rec *r)
{
	return r->result && strcmp(r->result, KM_AUDIT_FINAL) == 0;
}

void km_audit_rec_clear(struct km_audit_rec *r)
{
	cJSON_Delete(r->json);
	memset(r, 0, sizeof(*r));
}

enum err km_audit_hash(const char *line, size_t len,
                       uint8_t out[KM_AUDIT_HASH_LEN])
{
	unsigned int n = 0;

	if (!EVP_Digest(line, len, out, &n, EVP_sha256(), NULL) ||
	    n != KM_AUDIT_HASH_LEN)
		return err_set(ERR_CRYPTO, "SHA-256 of an audit record failed");
	return ERR_OK;
}

enum err km_audit_genesis(const char *serial, const char *key_id,
                          uint8_t out[KM_AUDIT_HASH_LEN])
{
	char text[64 + KM_AUDIT_ID_HEX_MAX + 64];
	int n = snprintf(text, sizeof(text), "p11seal audit genesis %s %s",
	                 serial, key_id);

	if (n < 0 || (size_t)n >= sizeof(text))
		return err_set(ERR_FORMAT, "token serial or key id too long");
	return km_audit_hash(text, (size_t)n, out);
}

enum err km_audit_head_build(const struct km_audit_head *h, char *out,
                             size_t cap, size_t *len)
{
	struct out o = { out, cap, 0, false };
	bool first = true;

	*len = 0;
	if (!is_hex(h->key_id, 0, KM_AUDIT_ID_HEX_MAX) ||
	    h->seq > KM_AUDIT_SEQ_MAX)
		return err_set(ERR_FORMAT, "malformed audit chain head");
	put(&o, "{", 1);
	member(&o, &first, "v");
	put_u64(&o, KM_AUDIT_VERSION);
	member(&o, &first, "key_id");
	put_str(&o, h->key_id);
	member(&o, &first, "seq");
	put_u64(&o, h->seq);
	member(&o, &first, "hash");
	put_hex(&o, h->hash, sizeof(h->hash));
	put(&o, "}", 1);
	if (o.full)
		return err_set(ERR_FORMAT, "audit chain head too long");
	*len = o.len;
	return ERR_OK;
}

enum err km_audit_head_parse(const char *s, size_t len,
                             struct km_audit_head *out)
{
	char back[KM_AUDIT_ID_HEX_MAX + 160];
	const char *id = NULL;
	size_t blen = 0;
	uint64_t v = 0;
	cJSON *j = NULL;
	enum err r;

	memset(out, 0, sizeof(*out));
	r = json_parse_object(s, len, &j);
	if (r == ERR_OK)
		r = get_u64(j, "v", UINT32_MAX, &v);
	if (r == ERR_OK && v != KM_AUDIT_VERSION)
		r = ERR_FORMAT;
	if (r == ERR_OK)
		r = get_str(j, "key_id", true, &id);
	if (r == ERR_OK && strlen(id) > KM_AUDIT_ID_HEX_MAX)
		r = ERR_FORMAT;
	if (r == ERR_OK) {
		memcpy(out->key_id, id, strlen(id) + 1);
		r = get_u64(j, "seq", KM_AUDIT_SEQ_MAX, &out->seq);
	}
	if (r == ERR_OK)
		r = get_hash(j, "hash", out->hash);
	if (r == ERR_OK)
		r = km_audit_head_build(out, back, sizeof(back), &blen);
	if (r == ERR_OK && (blen != len || memcmp(back, s, len) != 0))
		r = ERR_FORMAT;
	cJSON_Delete(j);
	if (r != ERR_OK)
		return err_set(ERR_FORMAT, "the token's audit chain head is "
		                           "malformed");
	return ERR_OK;
}

void km_audit_time(int64_t t, char out[KM_AUDIT_TIME_LEN + 1])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) ||
	    strftime(out, KM_AUDIT_TIME_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) !=
	            KM_AUDIT_TIME_LEN)
		memcpy(out, "1970-01-01T00:00:00Z", KM_AUDIT_TIME_LEN + 1);
}
