/* SPDX-License-Identifier: MIT */
/* json.c - strict JSON parsing: a pre-scan refuses what cJSON would let
 * through (NUL, control bytes, bad UTF-8 and escapes, \u0000, loose number
 * forms, deep nesting), cJSON parses, and a walk over the tree refuses
 * duplicate names, oversized objects and numbers beyond double range. */
#include "json.h"

#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "secmem.h"

struct scan {
	const unsigned char *p;
	size_t len;
	unsigned depth;
	bool in_str;
	enum json_fault fault; /* of the error returned */
};

/* Length of the UTF-8 sequence at p (left bytes), 0 if invalid. Bounding
 * the second byte refuses overlong forms, surrogates and code points past
 * U+10FFFF (the table in RFC 3629 section 4). */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

bool json_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	for (size_t i = 0; i < len; i += n) {
		n = utf8_seq(p + i, len - i);
		if (n == 0)
			return false;
	}
	return true;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_xdigit(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static size_t digits(const unsigned char *p, size_t left)
{
	size_t n = 0;

	while (n < left && is_digit(p[n]))
		n++;
	return n;
}

/* Length of the RFC 8259 number at p, 0 if malformed:
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and no number character
 * right after it. cJSON hands the run to strtod, which takes 01 and 1. */
static size_t number_len(const unsigned char *p, size_t left)
{
	static const char more[] = "0123456789+-.eE";
	size_t i = p[0] == '-', d;

	d = digits(p + i, left - i);
	if (d == 0 || (d > 1 && p[i] == '0'))
		return 0;
	i += d;
	if (i < left && p[i] == '.') {
		d = digits(p + i + 1, left - i - 1);
		if (d == 0)
			return 0;
		i += 1 + d;
	}
	if (i < left && (p[i] == 'e' || p[i] == 'E')) {
		i++;
		if (i < left && (p[i] == '+' || p[i] == '-'))
			i++;
		d = digits(p + i, left - i);
		if (d == 0)
			return 0;
		i += d;
	}
	if (i < left && memchr(more, p[i], sizeof(more) - 1))
		return 0;
	return i;
}

/* Bytes taken by the escape at p (p[0] is the backslash), 0 if JSON has
 * no such escape. */
static size_t escape_len(const unsigned char *p, size_t left)
{
	if (left >= 2 && p[1] && strchr("\"\\/bfnrt", p[1]))
		return 2;
	if (left < 6 || p[1] != 'u')
		return 0;
	for (size_t i = 2; i < 6; i++)
		if (!is_xdigit(p[i]))
			return 0;
	return 6;
}

/* A byte or escape inside a string at offset i; *n bytes taken. */
static enum err in_string(struct scan *s, size_t i, size_t *n)
{
	const unsigned char *p = s->p + i;
	size_t left = s->len - i;

	if (p[0] < 0x20)
		return err_set(ERR_FORMAT,
		               "control character 0x%02x in a JSON string "
		               "at offset %zu",
		               p[0], i);
	if (p[0] == '"')
		s->in_str = false;
	if (p[0] != '\\')
		return ERR_OK;
	/* cJSON would end the C string there: the rest of it is lost to
	 * every reader but one that counts lengths. */
	if (left >= 6 && memcmp(p, "\\u0000", 6) == 0) {
		s->fault = JSON_FAULT_LIMIT;
		return err_set(ERR_FORMAT,
		               "\\u0000 in a JSON string at offset %zu", i);
	}
	*n = escape_len(p, left);
	if (*n == 0)
		return err_set(ERR_FORMAT,
		               "bad escape in a JSON string at offset %zu", i);
	return ERR_OK;
}

/* A byte between strings at offset i: structure, white space, numbers
 * (*n bytes taken). */
static enum err between(struct scan *s, size_t i, size_t *n)
{
	unsigned char c = s->p[i];

	if (c == '"') {
		s->in_str = true;
	} else if (c == '{' || c == '[') {
		if (++s->depth > JSON_MAX_DEPTH) {
			s->fault = JSON_FAULT_LIMIT;
			return err_set(ERR_FORMAT, "JSON nested deeper than %d",
			               JSON_MAX_DEPTH);
		}
	} else if (c == '}' || c == ']') {
		s->depth -= s->depth > 0;
	} else if (c == '-' || is_digit(c)) {
		*n = number_len(s->p + i, s->len - i);
		if (*n == 0)
			return err_set(ERR_FORMAT,
			               "number not in JSON form at offset %zu",
			               i);
	} else if (c >= 0x80 ||
	           (c < 0x20 && c != '\t' && c != '\n' && c != '\r')) {
		/* cJSON skips every byte up to 0x20 as white space, and a
		 * byte order mark; JSON allows neither */
		return err_set(ERR_FORMAT,
		               "byte 0x%02x outside a JSON string at offset "
		               "%zu",
		               c, i);
	}
	return ERR_OK;
}

static enum err prescan(const char *buf, size_t len, enum json_fault *fault)
{
	struct scan s = { (const unsigned char *)buf, len, 0, false,
		          JSON_FAULT_SYNTAX };
	enum err r = ERR_OK;
	size_t n;

	*fault = JSON_FAULT_SYNTAX;
	if (len == 0)
		return err_set(ERR_FORMAT, "empty JSON text");
	if (len > JSON_MAX_SIZE) {
		*fault = JSON_FAULT_LIMIT;
		return err_set(ERR_FORMAT, "JSON text larger than %u bytes",
		               JSON_MAX_SIZE);
	}
	for (size_t i = 0; i < len && r == ERR_OK; i += n) {
		n = 1;
		if (s.p[i] == '\0')
			return err_set(ERR_FORMAT,
			               "JSON text has a NUL byte at offset %zu",
			               i);
		if (s.in_str && s.p[i] >= 0x80) {
			n = utf8_seq(s.p + i, len - i);
			if (n == 0)
				return err_set(ERR_FORMAT,
				               "JSON text is not valid UTF-8 "
				               "at offset %zu",
				               i);
		} else if (s.in_str) {
			r = in_string(&s, i, &n);
		} else {
			r = between(&s, i, &n);
		}
	}
	*fault = s.fault;
	return r;
}

/* After the parse: names unique in each object (cJSON finds the first of
 * two, other readers the last), objects bounded, numbers finite (1e400
 * reads as infinity and would be written back as null). */
static enum err walk(const cJSON *node)
{
	char name[68];
	size_t n = 0;
	enum err r;

	if (cJSON_IsNumber(node) && !isfinite(node->valuedouble)) {
		json_sanitize(name, sizeof(name), node->string);
		return err_set(ERR_FORMAT, "number out of range in %s%s%s",
		               node->string ? "field '" : "an array", name,
		               node->string ? "'" : "");
	}
	for (const cJSON *a = node->child; a; a = a->next) {
		if (cJSON_IsObject(node) && ++n > JSON_MAX_MEMBERS)
			return err_set(ERR_FORMAT,
			               "JSON object with more than %d members",
			               JSON_MAX_MEMBERS);
		for (const cJSON *b = node->child;
		     cJSON_IsObject(node) && b != a; b = b->next) {
			if (strcmp(a->string, b->string) != 0)
				continue;
			json_sanitize(name, sizeof(name), a->string);
			return err_set(ERR_FORMAT, "duplicate JSON key '%s'",
			               name);
		}
		r = walk(a);
		if (r != ERR_OK)
			return r;
	}
	return ERR_OK;
}

enum err json_parse_fault(const char *buf, size_t len, cJSON **out,
                          enum json_fault *fault)
{
	const char *end = NULL;
	cJSON *root = NULL;
	ptrdiff_t at = 0;
	char *copy;
	enum err r;

	*out = NULL;
	r = prescan(buf, len, fault);
	if (r != ERR_OK)
		return r;
	*fault = JSON_FAULT_NONE;
	copy = secmem_memdup(buf, len);
	if (!copy)
		return err_set(ERR_NOMEM, "no secure memory to parse JSON");
	/* The length must count the NUL, or cJSON refuses every input. */
	root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
	if (end)
		at = end - copy;
	secmem_free(copy);
	if (!root) {
		*fault = JSON_FAULT_SYNTAX;
		return err_set(ERR_FORMAT, "not valid JSON (near offset %td)",
		               at);
	}
	r = walk(root);
	if (r != ERR_OK) {
		*fault = JSON_FAULT_LIMIT;
		cJSON_Delete(root);
		return r;
	}
	*out = root;
	return ERR_OK;
}

enum err json_parse(const char *buf, size_t len, cJSON **out)
{
	enum json_fault fault;

	return json_parse_fault(buf, len, out, &fault);
}

enum err json_parse_object(const char *buf, size_t len, cJSON **out)
{
	enum err r = json_parse(buf, len, out);

	if (r == ERR_OK && !cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		r = err_set(ERR_FORMAT, "not a JSON object");
	}
	return r;
}
