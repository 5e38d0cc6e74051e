/* SPDX-License-Identifier: MIT */
/* srv_json.c - strict JSON for kp-server: a pre-scan rejects what cJSON
 * lets through (NUL, control bytes, \u0000, bad UTF-8, deep nesting), a
 * walk after the parse rejects duplicate keys (cJSON keeps the first,
 * others the last) and numbers beyond double range. */
#include "srv_json.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "encode.h"

/* Length of the UTF-8 sequence at p (RFC 3629: no overlongs, no
 * surrogates, <= U+10FFFF), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	size_t n;
	uint32_t cp;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : 2;
	if (left < n)
		return 0;
	cp = p[0] & (0x7fu >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

static bool is_u0000(const unsigned char *p, size_t left)
{
	return left >= 6 && p[1] == 'u' && memcmp(p + 2, "0000", 4) == 0;
}

static enum err prescan(const unsigned char *p, size_t len)
{
	size_t depth = 0, n;
	bool in_str = false;

	for (size_t i = 0; i < len; i++) {
		if (p[i] == 0)
			return err_set(ERR_FORMAT, "NUL byte at offset %zu", i);
		/* cJSON skips every byte <= 0x20 as white space and takes
		 * raw control bytes in strings; JSON allows neither */
		if (p[i] < 0x20 &&
		    (in_str || (p[i] != '\t' && p[i] != '\n' && p[i] != '\r')))
			return err_set(ERR_FORMAT,
			               "control byte 0x%02x at offset %zu",
			               p[i], i);
		if (p[i] >= 0x80) {
			n = utf8_seq(p + i, len - i);
			if (!n)
				return err_set(ERR_FORMAT,
				               "invalid UTF-8 at offset %zu",
				               i);
			i += n - 1;
		} else if (in_str && p[i] == '\\') {
			if (is_u0000(p + i, len - i))
				return err_set(
				        ERR_FORMAT,
				        "\\u0000 in a string at offset %zu", i);
			/* the escaped byte is skipped below: check it here */
			if (i + 1 >= len || p[i + 1] == 0 ||
			    !strchr("\"\\/bfnrtu", p[i + 1]))
				return err_set(
				        ERR_FORMAT,
				        "bad escape in a string at offset "
				        "%zu",
				        i);
			i++;
		} else if (p[i] == '"') {
			in_str = !in_str;
		} else if (!in_str && (p[i] == '{' || p[i] == '[')) {
			if (++depth > SRV_JSON_MAX_DEPTH)
				return err_set(ERR_FORMAT,
				               "nesting deeper than %d",
				               SRV_JSON_MAX_DEPTH);
		} else if (!in_str && (p[i] == '}' || p[i] == ']') && depth) {
			depth--;
		}
	}
	return ERR_OK;
}

static enum err check_dups(const cJSON *j)
{
	enum err r;

	/* 1e400 parses as infinity and would print back as null */
	if (cJSON_IsNumber(j) && !isfinite(j->valuedouble))
		return err_set(ERR_FORMAT, "number out of range");
	for (const cJSON *c = j->child; c; c = c->next) {
		if (cJSON_IsObject(j))
			for (const cJSON *d = c->next; d; d = d->next)
				if (strcmp(c->string, d->string) == 0)
					return err_set(
					        ERR_FORMAT,
					        "duplicate key \"%.64s\"",
					        c->string);
		r = check_dups(c);
		if (r != ERR_OK)
			return r;
	}
	return ERR_OK;
}

enum err srv_json_parse(const char *text, size_t len, cJSON **out)
{
	const char *end = NULL;
	cJSON *j = NULL;
	enum err r;

	*out = NULL;
	if (!text || text[len] != '\0')
		return err_set(ERR_INTERNAL, "JSON text not NUL-terminated");
	r = prescan((const unsigned char *)text, len);
	if (r != ERR_OK)
		return r;
	/* The length must count the NUL, or cJSON rejects every input. */
	j = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
	if (!j)
		return err_set(ERR_FORMAT, "invalid JSON near offset %td",
		               end ? end - text : (ptrdiff_t)0);
	r = check_dups(j);
	if (r != ERR_OK) {
		cJSON_Delete(j);
		return r;
	}
	*out = j;
	return ERR_OK;
}

static const cJSON *member(const cJSON *obj, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsNull(v) ? NULL : v;
}

enum srv_json_get srv_json_get_str(const cJSON *obj, const char *name,
                                   const char **out)
{
	const cJSON *v = member(obj, name);

	if (!v)
		return SRV_JSON_ABSENT;
	if (!cJSON_IsString(v))
		return SRV_JSON_BAD;
	*out = v->valuestring;
	return SRV_JSON_OK;
}

enum srv_json_get srv_json_get_bool(const cJSON *obj, const char *name,
                                    bool *out)
{
	const cJSON *v = member(obj, name);

	if (!v)
		return SRV_JSON_ABSENT;
	if (!cJSON_IsBool(v))
		return SRV_JSON_BAD;
	*out = cJSON_IsTrue(v);
	return SRV_JSON_OK;
}

enum srv_json_get srv_json_get_int(const cJSON *obj, const char *name,
                                   int64_t lo, int64_t hi, int64_t *out)
{
	const cJSON *v = member(obj, name);
	double d;

	if (!v)
		return SRV_JSON_ABSENT;
	if (!cJSON_IsNumber(v))
		return SRV_JSON_BAD;
	d = v->valuedouble;
	/* Compare as doubles first: the cast of an out-of-range double is UB.
	 */
	if (!(d >= (double)lo && d <= (double)hi) || (double)(int64_t)d != d)
		return SRV_JSON_BAD;
	*out = (int64_t)d;
	return SRV_JSON_OK;
}

static bool b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

enum err srv_json_b64(const char *s, uint8_t *out, size_t cap, size_t *len,
                      size_t *bad_at)
{
	size_t n = strlen(s), pad = 0;

	*len = 0;
	*bad_at = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && n % 4 == 0 && i >= n - 2 &&
		    (i == n - 1 || s[n - 1] == '=')) {
			pad++;
			continue;
		}
		if (!b64_char(s[i]) || pad) {
			*bad_at = i;
			return err_set(ERR_FORMAT,
			               "illegal base64 data at input byte %zu",
			               i);
		}
	}
	if (n % 4) {
		*bad_at = n - n % 4;
		return err_set(ERR_FORMAT,
		               "illegal base64 data at input byte %zu",
		               *bad_at);
	}
	if (decode_base64(out, cap, len, s, n) != ERR_OK) {
		*bad_at = n ? n - 1 - pad : 0;
		return err_set(ERR_FORMAT,
		               "illegal base64 data at input byte %zu",
		               *bad_at);
	}
	return ERR_OK;
}

cJSON *srv_json_b64_new(const uint8_t *in, size_t len)
{
	size_t n = encode_base64_len(len);
	char *s = cJSON_malloc(n + 1);
	cJSON *j;

	if (!s)
		return NULL;
	encode_base64(s, in, len);
	j = cJSON_CreateString(s);
	cJSON_free(s);
	return j;
}

void srv_json_time_fmt(char *out, size_t cap, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	/* Four-digit years, as srv_json_time_parse reads them back (%Y
	 * would print 225 for the year 0225). */
	if (t < SRV_JSON_TIME_MIN || t > SRV_JSON_TIME_MAX ||
	    !gmtime_r(&tt, &tm))
		snprintf(out, cap, "1970-01-01T00:00:00Z");
	else
		snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		         tm.tm_hour, tm.tm_min, tm.tm_sec);
}

bool srv_json_add_time(cJSON *obj, const char *name, int64_t t)
{
	char buf[32];

	srv_json_time_fmt(buf, sizeof(buf), t);
	return cJSON_AddStringToObject(obj, name, buf) != NULL;
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Offset part of an RFC 3339 date: "Z" or "+hh:mm"/"-hh:mm". */
static bool parse_zone(const char *s, long *off)
{
	int hh, mm;

	if ((s[0] == 'Z' || s[0] == 'z') && !s[1]) {
		*off = 0;
		return true;
	}
	if ((s[0] != '+' && s[0] != '-') || !digits(s + 1, 2, &hh) ||
	    s[3] != ':' || !digits(s + 4, 2, &mm) || s[6] || hh > 23 || mm > 59)
		return false;
	*off = (s[0] == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
	return true;
}

enum err srv_json_time_parse(const char *s, int64_t *out)
{
	struct tm tm;
	int f[6];
	long off;
	size_t i = 19;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (strlen(s) < 20 || !digits(s, 4, &f[0]) || s[4] != '-' ||
	    !digits(s + 5, 2, &f[1]) || s[7] != '-' ||
	    !digits(s + 8, 2, &f[2]) || (s[10] != 'T' && s[10] != 't') ||
	    !digits(s + 11, 2, &f[3]) || s[13] != ':' ||
	    !digits(s + 14, 2, &f[4]) || s[16] != ':' ||
	    !digits(s + 17, 2, &f[5]))
		return err_set(ERR_FORMAT, "not an RFC 3339 date");
	if (s[i] == '.')
		for (i++; s[i] >= '0' && s[i] <= '9'; i++)
			;
	if (!parse_zone(s + i, &off) || f[1] < 1 || f[1] > 12 || f[2] < 1 ||
	    f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60)
		return err_set(ERR_FORMAT, "not an RFC 3339 date");
	tm.tm_year = f[0] - 1900;
	tm.tm_mon = f[1] - 1;
	tm.tm_mday = f[2];
	tm.tm_hour = f[3];
	tm.tm_min = f[4];
	tm.tm_sec = f[5];
	t = timegm(&tm);
	/* A zone offset can push 9999-12-31 or 0000-01-01 out of the
	 * four-digit years that srv_json_time_fmt writes. */
	if ((int64_t)t - off < SRV_JSON_TIME_MIN ||
	    (int64_t)t - off > SRV_JSON_TIME_MAX)
		return err_set(ERR_FORMAT, "date outside the years 0000-9999");
	*out = (int64_t)t - off;
	return ERR_OK;
}
