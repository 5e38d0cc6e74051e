/* SPDX-License-Identifier: MIT */
/* p11_uri.c - RFC 7512 PKCS#11 URIs, pure (no I/O). The parser refuses
 * whatever it cannot honour, so a URI never selects more than it says. */
#include "p11_uri.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SCHEME     "pkcs11:"
#define SCHEME_LEN (sizeof(SCHEME) - 1)
#define QUOTE_MAX  96 /* bytes of the URI an error detail repeats */
#define NAME_SHOWN 40 /* bytes of an attribute name it repeats */
#define TYPE_MAX   15
#define PATH_CAP   4096 /* pin-source, module-path */
#define NAME_CAP   255  /* object label, module-name */

enum kind {
	KIND_TEXT,        /* percent-decoded string without NUL */
	KIND_ID,          /* CKA_ID: binary, any byte */
	KIND_TYPE,        /* object class name */
	KIND_UNSUPPORTED, /* RFC 7512 attribute struct p11_uri cannot hold */
};

struct attr {
	const char *name;
	enum kind kind;
	bool query;   /* belongs after '?' */
	size_t max;   /* decoded bytes allowed */
	size_t field; /* offset of its char * in struct p11_uri (text, type) */
};

#define FIELD(f) offsetof(struct p11_uri, f)

/* Caps are the CK_TOKEN_INFO / CK_INFO field sizes. The unsupported ones
 * are refused rather than dropped: dropping slot-id or library-version
 * would widen the match (identity confusion). */
static const struct attr attrs[] = {
	{ "token", KIND_TEXT, false, 32, FIELD(token) },
	{ "manufacturer", KIND_TEXT, false, 32, FIELD(manufacturer) },
	{ "model", KIND_TEXT, false, 16, FIELD(model) },
	{ "serial", KIND_TEXT, false, 16, FIELD(serial) },
	{ "library-manufacturer", KIND_TEXT, false, 32,
	  FIELD(library_manufacturer) },
	{ "library-description", KIND_TEXT, false, 32,
	  FIELD(library_description) },
	{ "library-version", KIND_UNSUPPORTED, false, 0, 0 },
	{ "object", KIND_TEXT, false, NAME_CAP, FIELD(object) },
	{ "type", KIND_TYPE, false, TYPE_MAX, FIELD(type) },
	{ "id", KIND_ID, false, P11_URI_ID_MAX, 0 },
	{ "slot-description", KIND_UNSUPPORTED, false, 0, 0 },
	{ "slot-manufacturer", KIND_UNSUPPORTED, false, 0, 0 },
	{ "slot-id", KIND_UNSUPPORTED, false, 0, 0 },
	{ "pin-source", KIND_TEXT, true, PATH_CAP, FIELD(pin_source) },
	{ "module-name", KIND_TEXT, true, NAME_CAP, FIELD(module_name) },
	{ "module-path", KIND_TEXT, true, PATH_CAP, FIELD(module_path) },
};

#define N_ATTRS (sizeof(attrs) / sizeof(attrs[0]))
_Static_assert(N_ATTRS <= 32, "seen is a 32-bit mask");

static const char *const types[] = { "public", "private", "cert", "secret-key",
	                             "data" };

struct parser {
	const char *s; /* the whole URI: offsets and messages use it */
	struct p11_uri *u;
	uint32_t seen; /* bit i: attrs[i] was given */
	bool query;    /* inside the query component */
};

static bool unreserved(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

/* RFC 7512 section 2.3: pk11-pchar / pk11-qchar, minus pct-encoded. */
static bool raw_ok(char c, bool query)
{
	if (c == '\0')
		return false;
	if (unreserved(c) || strchr(":[]@!$'()*+,=", c))
		return true;
	return query ? strchr("/?|", c) != NULL : c == '&';
}

/* One hex digit, either case; -1 if c is none. (encode.h's decode_hex
 * wants whole NUL-terminated strings and shifts a negative value on a
 * bad digit, so it does not fit a %XX escape.) */
static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The URI as an error detail may show it: printable ASCII, at most
 * QUOTE_MAX bytes, and nothing after "pin-value=" (no PIN in a detail). */
static void quote_uri(char *out, size_t cap, const char *s)
{
	const char *pin = strcasestr(s, "pin-value=");
	size_t n = strnlen(s, QUOTE_MAX + 1), i;
	const char *tail = n > QUOTE_MAX ? "..." : "";

	if (n > QUOTE_MAX)
		n = QUOTE_MAX;
	if (pin && (size_t)(pin - s) + 10 <= n) {
		n = (size_t)(pin - s) + 10;
		tail = "***";
	}
	for (i = 0; i < n && i + 4 < cap; i++)
		out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	snprintf(out + i, cap - i, "%s", tail);
}

static enum err fail(const struct parser *p, size_t off, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static enum err fail(const struct parser *p, size_t off, const char *fmt, ...)
{
	char what[160], shown[QUOTE_MAX + 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	quote_uri(shown, sizeof(shown), p->s);
	return err_set(ERR_FORMAT, "URI %s: %s at offset %zu", shown, what,
	               off);
}

/* Percent-decode the value s[off, off+len) of attribute a into out (NULL:
 * only check it); *n gets the decoded length. */
static enum err decode(const struct parser *p, const struct attr *a, size_t off,
                       size_t len, uint8_t *out, size_t *n)
{
	const char *v = p->s + off;
	size_t k = 0;

	for (size_t i = 0; i < len; i++) {
		size_t at = i;
		uint8_t b = (uint8_t)v[i];

		if (v[i] == '%') {
			int hi = i + 2 < len ? hexval(v[i + 1]) : -1;
			int lo = i + 2 < len ? hexval(v[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return fail(p, off + at,
				            "bad percent escape "
				            "in '%s'",
				            a->name);
			b = (uint8_t)(hi << 4 | lo);
			i += 2;
		} else if (!raw_ok(v[i], p->query)) {
			return fail(p, off + at,
			            "byte 0x%02x in '%s' must be "
			            "percent-encoded",
			            b, a->name);
		}
		if (b == 0 && a->kind != KIND_ID)
			return fail(p, off + at, "'%s' decodes to a NUL byte",
			            a->name);
		if (k == a->max)
			return fail(p, off + at,
			            "'%s' is longer than %zu "
			            "bytes",
			            a->name, a->max);
		if (out)
			out[k] = b;
		k++;
	}
	*n = k;
	return ERR_OK;
}

/* pin-source: a plain path or a file: URI, kept as given (the caller
 * resolves it); other schemes and the "|command" form are refused. */
static bool pin_source_ok(const char *v)
{
	size_t k = strspn(v, "abcdefghijklmnopqrstuvwxyz"
	                     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");

	if (v[0] == '\0' || v[0] == '|')
		return false;
	if (k == 0 || v[k] != ':')
		return true;
	return k == 4 && strncasecmp(v, "file", 4) == 0;
}

static bool type_ok(const char *v)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(v, types[i]) == 0)
			return true;
	return false;
}

static enum err store_text(struct parser *p, const struct attr *a, size_t off,
                           size_t len)
{
	char **slot = (char **)((char *)p->u + a->field);
	char *v = malloc(len + 1);
	size_t n = 0;
	enum err r;

	if (!v)
		return err_set(ERR_NOMEM, "URI attribute '%s'", a->name);
	r = decode(p, a, off, len, (uint8_t *)v, &n);
	if (r != ERR_OK) {
		free(v);
		return r;
	}
	v[n] = '\0';
	*slot = v;
	if (a->kind == KIND_TYPE && !type_ok(v))
		return fail(p, off,
		            "type must be public, private, cert, "
		            "secret-key or data");
	if (strcmp(a->name, "pin-source") == 0 && !pin_source_ok(v))
		return fail(p, off, "pin-source must be a path or a file: URI");
	return ERR_OK;
}

static enum err store(struct parser *p, const struct attr *a, size_t off,
                      size_t len)
{
	if (a->kind == KIND_ID) {
		p->u->has_id = true;
		return decode(p, a, off, len, p->u->id, &p->u->id_len);
	}
	return store_text(p, a, off, len);
}

/* RFC 7512 section 2.5: an unrecognized path attribute, vendor-specific
 * ones included, must match nothing, and the consumer should report it as
 * it may be a typo. A filter that matches nothing is of no use, so an
 * unknown path attribute is an error, "x-" prefix or not (the RFC dropped
 * that convention; its own vendor example is "vendor-aaa"). Unknown query
 * attributes only steer the consumer: they are ignored once their value
 * is found well formed. */
static enum err unknown(const struct parser *p, size_t off, size_t nlen,
                        size_t len)
{
	int shown = (int)(nlen < NAME_SHOWN ? nlen : NAME_SHOWN);
	char name[NAME_SHOWN + 1];
	struct attr a = { name, KIND_ID, true, SIZE_MAX, 0 };
	size_t n;

	snprintf(name, sizeof(name), "%.*s", shown, p->s + off);
	if (!p->query)
		return fail(p, off, "unknown attribute '%s'", name);
	return decode(p, &a, off + nlen + 1, len - nlen - 1, NULL, &n);
}

/* RFC 7512 names: ALPHA / DIGIT / "-" / "_", at least one. */
static bool name_ok(const char *name, size_t len)
{
	return len > 0 && strspn(name, "abcdefghijklmnopqrstuvwxyz"
	                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                               "0123456789-_") >= len;
}

static int lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < N_ATTRS; i++)
		if (strlen(attrs[i].name) == len &&
		    memcmp(attrs[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/* One "name=value" at s[off, off+len). Names are matched as written
 * (lower case), like every other RFC 7512 consumer we know of. */
static enum err parse_attr(struct parser *p, size_t off, size_t len)
{
	const char *e = p->s + off;
	size_t nlen = strcspn(e, "=");
	const struct attr *a;
	int i;

	if (len == 0)
		return fail(p, off, "empty attribute");
	if (nlen >= len)
		return fail(p, off, "attribute without '='");
	if (!name_ok(e, nlen))
		return fail(p, off, "malformed attribute name");
	/* A PIN on the command line, in path or query and in any case: an
	 * unknown query name ("PIN-VALUE") would otherwise be skipped and
	 * the PIN silently dropped instead of refused. */
	if (nlen == 9 && strncasecmp(e, "pin-value", 9) == 0)
		return fail(p, off,
		            "'pin-value' is refused (a PIN in a URI "
		            "shows in ps and shell history); use "
		            "pin-source=PATH or --pin-source");
	i = lookup(e, nlen);
	if (i < 0)
		return unknown(p, off, nlen, len);
	a = &attrs[i];
	if (a->query != p->query)
		return fail(p, off, "'%s' belongs in the %s", a->name,
		            a->query ? "query, after '?'" : "path, before '?'");
	if (a->kind == KIND_UNSUPPORTED)
		return fail(p, off, "unsupported attribute '%s'", a->name);
	if (p->seen & (UINT32_C(1) << i))
		return fail(p, off, "duplicate attribute '%s'", a->name);
	p->seen |= UINT32_C(1) << i;
	return store(p, a, off + nlen + 1, len - nlen - 1);
}

/* The attributes in s[start, end), separated by sep; none is fine. */
static enum err parse_list(struct parser *p, size_t start, size_t end, char sep)
{
	size_t i = start, j;

	if (start == end)
		return ERR_OK;
	for (;;) {
		enum err r;

		for (j = i; j < end && p->s[j] != sep; j++)
			;
		r = parse_attr(p, i, j - i);
		if (r != ERR_OK || j == end)
			return r;
		i = j + 1;
	}
}

enum err p11_uri_parse(const char *s, struct p11_uri **out)
{
	struct parser p = { .s = s };
	size_t q, end;
	enum err r;

	*out = NULL;
	if (!s)
		return err_set(ERR_USAGE, "p11_uri_parse: no URI given");
	if (strncasecmp(s, SCHEME, SCHEME_LEN) != 0)
		return fail(&p, 0, "scheme is not 'pkcs11:'");
	p.u = calloc(1, sizeof(*p.u));
	if (!p.u)
		return err_set(ERR_NOMEM, "URI");
	end = strlen(s);
	/* The path ends at the first '?'; later ones are query data. */
	q = SCHEME_LEN + strcspn(s + SCHEME_LEN, "?");
	r = parse_list(&p, SCHEME_LEN, q, ';');
	if (r != ERR_OK || q == end)
		goto out;
	p.query = true;
	r = parse_list(&p, q + 1, end, '&');
out:
	if (r == ERR_OK)
		*out = p.u;
	else
		p11_uri_free(p.u);
	return r;
}

void p11_uri_free(struct p11_uri *u)
{
	if (!u)
		return;
	free(u->token);
	free(u->manufacturer);
	free(u->model);
	free(u->serial);
	free(u->library_manufacturer);
	free(u->library_description);
	free(u->object);
	free(u->type);
	free(u->pin_source);
	free(u->module_name);
	free(u->module_path);
	free(u);
}

/* Length of a blank-padded field without its padding; NULs count as
 * padding too, since some modules pad with them. */
static size_t field_len(const unsigned char *f, size_t len)
{
	while (len > 0 && (f[len - 1] == ' ' || f[len - 1] == '\0'))
		len--;
	return len;
}

/* Exact match after padding is dropped on both sides: "abc " and "abc"
 * name the same token, as a token cannot tell them apart. */
static bool field_match(const char *want, const unsigned char *f, size_t len)
{
	size_t n, wn;

	if (!want)
		return true;
	n = field_len(f, len);
	wn = field_len((const unsigned char *)want, strlen(want));
	return n == wn && memcmp(want, f, n) == 0;
}

bool p11_uri_match_token(const struct p11_uri *u, const CK_TOKEN_INFO *info)
{
	if (!u)
		return true;
	return field_match(u->token, info->label, sizeof(info->label)) &&
	       field_match(u->manufacturer, info->manufacturerID,
	                   sizeof(info->manufacturerID)) &&
	       field_match(u->model, info->model, sizeof(info->model)) &&
	       field_match(u->serial, info->serialNumber,
	                   sizeof(info->serialNumber));
}

struct sbuf {
	char *p;
	size_t cap, len;
	bool over;
};

static void sbuf_putc(struct sbuf *b, char c)
{
	if (b->len + 1 >= b->cap) {
		b->over = true;
		return;
	}
	b->p[b->len++] = c;
}

/* name (with its separator and '=') and the percent-encoded field. */
static void sbuf_field(struct sbuf *b, const char *name, const unsigned char *f,
                       size_t len)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *name; name++)
		sbuf_putc(b, *name);
	len = field_len(f, len);
	for (size_t i = 0; i < len; i++) {
		if (unreserved((char)f[i])) {
			sbuf_putc(b, (char)f[i]);
			continue;
		}
		sbuf_putc(b, '%');
		sbuf_putc(b, hex[f[i] >> 4]);
		sbuf_putc(b, hex[f[i] & 0x0f]);
	}
}

/* Attribute order is p11tool's and p11-kit's, so our output compares
 * equal to theirs. */
void p11_uri_format_token(char *out, size_t cap, const CK_TOKEN_INFO *info)
{
	struct sbuf b = { out, cap, 0, false };

	if (cap == 0)
		return;
	sbuf_field(&b, "pkcs11:model=", info->model, sizeof(info->model));
	sbuf_field(&b, ";manufacturer=", info->manufacturerID,
	           sizeof(info->manufacturerID));
	sbuf_field(&b, ";serial=", info->serialNumber,
	           sizeof(info->serialNumber));
	sbuf_field(&b, ";token=", info->label, sizeof(info->label));
	/* A cut URI could name another token: give none rather than part. */
	out[b.over ? 0 : b.len] = '\0';
}

void p11_uri_trim_field(char *out, const unsigned char *field, size_t len)
{
	size_t n = field_len(field, len);

	memcpy(out, field, n);
	out[n] = '\0';
}
