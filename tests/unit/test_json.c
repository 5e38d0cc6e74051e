/* SPDX-License-Identifier: MIT */
/* test_json.c - the strict JSON reader of common/: known answers for each
 * rule it applies (what it takes and what it refuses, and the detail it
 * gives), and for each typed getter; and the printer's layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "json.h"
#include "json_out.h"
#include "secmem.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct kat {
	const char *text;
	const char *why; /* a piece of err_detail() when refused */
};

/* len is given, so a case may hold a NUL byte. */
static enum err parse_n(const char *text, size_t len)
{
	cJSON *root = NULL;
	enum err r = json_parse(text, len, &root);

	if (r == ERR_OK)
		assert_non_null(root);
	else
		assert_null(root);
	cJSON_Delete(root);
	return r;
}

static void accept_all(const struct kat *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (parse_n(k[i].text, strlen(k[i].text)) != ERR_OK)
			fail_msg("refused '%s': %s", k[i].text, err_detail());
}

static void refuse_all(const struct kat *k, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (parse_n(k[i].text, strlen(k[i].text)) != ERR_FORMAT)
			fail_msg("accepted '%s'", k[i].text);
		if (!strstr(err_detail(), k[i].why))
			fail_msg("'%s': detail '%s' lacks '%s'", k[i].text,
			         err_detail(), k[i].why);
	}
}

static void test_syntax(void **state)
{
	static const struct kat good[] = {
		{ "{}", NULL },
		{ "[]", NULL },
		{ "\"x\"", NULL },
		{ "null", NULL },
		{ " \t\r\n{\"a\" : [true, false, null]}\n", NULL },
	};
	static const struct kat bad[] = {
		{ "", "empty JSON text" },
		{ " ", "not valid JSON" },
		{ "{", "not valid JSON" },
		{ "{\"a\":1,}", "not valid JSON" },
		{ "[1,]", "not valid JSON" },
		{ "{a:1}", "not valid JSON" },
		{ "{'a':1}", "not valid JSON" },
		{ "{} {}", "not valid JSON" },
		{ "{}x", "not valid JSON" },
		{ "NaN", "not valid JSON" },
		{ "Infinity", "not valid JSON" },
		{ "tru", "not valid JSON" },
		{ "/* c */ {}", "not valid JSON" },
	};

	(void)state;
	accept_all(good, N(good));
	refuse_all(bad, N(bad));
}

static void test_numbers(void **state)
{
	static const struct kat good[] = {
		{ "[0, -0, 7, -12, 1.5, -0.25, 1e5, 1E+5, 2.5e-3, 1e308]",
		  NULL },
		{ "{\"n\":9007199254740993}", NULL },
	};
	static const struct kat bad[] = {
		{ "[+1]", "not valid JSON" },
		{ "[01]", "number not in JSON form at offset 1" },
		{ "[-01]", "number not in JSON form" },
		{ "[.5]", "not valid JSON" },
		{ "[1.]", "number not in JSON form" },
		{ "[1.e5]", "number not in JSON form" },
		{ "[1e]", "number not in JSON form" },
		{ "[1e+]", "number not in JSON form" },
		{ "[-]", "number not in JSON form" },
		{ "[--1]", "number not in JSON form" },
		{ "[1e5.0]", "number not in JSON form" },
		{ "[1-2]", "number not in JSON form" },
		{ "[0x10]", "not valid JSON" },
		{ "{\"n\":1e400}", "number out of range in field 'n'" },
		{ "[-1e400]", "number out of range in an array" },
	};

	(void)state;
	accept_all(good, N(good));
	refuse_all(bad, N(bad));
}

static void test_strings(void **state)
{
	static const struct kat good[] = {
		{ "[\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"]", NULL },
		{ "[\"\\u00e9 \\uD83D\\uDE00 \\u0001\"]", NULL },
		{ "[\"\\\\u0000\"]",
		  NULL }, /* an escaped backslash, then u0000 */
		{ "[\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"]", NULL },
		{ "[\"\x7f\"]", NULL },
	};
	static const struct kat bad[] = {
		{ "[\"a\\u0000b\"]", "\\u0000 in a JSON string at offset 3" },
		{ "[\"\\x41\"]", "bad escape in a JSON string at offset 2" },
		{ "[\"\\'\"]", "bad escape" },
		{ "[\"\\u12\"]", "bad escape" },
		{ "[\"\\u12G4\"]", "bad escape" },
		{ "[\"\\ud800\"]", "not valid JSON" },
		{ "[\"\\udc00\"]", "not valid JSON" },
		{ "[\"\\ud800\\u0041\"]", "not valid JSON" },
		{ "[\"a\tb\"]", "control character 0x09 in a JSON string" },
		{ "[\"a\nb\"]", "control character 0x0a" },
		{ "[\"a\x1f\"]", "control character 0x1f" },
		{ "[\"\xc3\x28\"]", "not valid UTF-8 at offset 2" },
		{ "[\"\xc0\xaf\"]", "not valid UTF-8" },     /* overlong */
		{ "[\"\xe0\x80\xaf\"]", "not valid UTF-8" }, /* overlong */
		{ "[\"\xed\xa0\x80\"]", "not valid UTF-8" }, /* surrogate */
		{ "[\"\xf4\x90\x80\x80\"]",
		  "not valid UTF-8" }, /* > U+10FFFF */
		{ "[\"\xf5\x80\x80\x80\"]", "not valid UTF-8" },
		{ "[\"\xe2\x82\"]", "not valid UTF-8" }, /* cut short */
		{ "[\"\x80\"]", "not valid UTF-8" },
		{ "[\"abc", "not valid JSON" },
	};

	(void)state;
	accept_all(good, N(good));
	refuse_all(bad, N(bad));
}

static void test_bytes(void **state)
{
	static const char nul_in[] = "[\"a\0b\"]";
	static const char nul_after[] = "{}\0";
	static const struct kat bad[] = {
		{ "{\x01}", "byte 0x01 outside a JSON string at offset 1" },
		{ "{}\x0b", "byte 0x0b outside" },
		{ "{}\x1f", "byte 0x1f outside" },
		{ "\xef\xbb\xbf{}",
		  "byte 0xef outside a JSON string at offset 0" },
		{ "[1]\xc3\xa9", "byte 0xc3 outside" },
	};
	char *big;

	(void)state;
	refuse_all(bad, N(bad));
	assert_int_equal(parse_n(nul_in, sizeof(nul_in) - 1), ERR_FORMAT);
	assert_non_null(strstr(err_detail(), "NUL byte at offset 3"));
	assert_int_equal(parse_n(nul_after, sizeof(nul_after) - 1), ERR_FORMAT);
	assert_non_null(strstr(err_detail(), "NUL byte at offset 2"));
	/* the length given is what is read: no NUL terminator needed */
	assert_int_equal(parse_n("{}garbage", 2), ERR_OK);
	big = malloc(JSON_MAX_SIZE + 1);
	assert_non_null(big);
	memset(big, ' ', JSON_MAX_SIZE + 1);
	big[0] = '[';
	big[JSON_MAX_SIZE - 1] = ']';
	assert_int_equal(parse_n(big, JSON_MAX_SIZE), ERR_OK);
	assert_int_equal(parse_n(big, JSON_MAX_SIZE + 1), ERR_FORMAT);
	assert_non_null(strstr(err_detail(), "larger than 1048576 bytes"));
	free(big);
}

/* n levels of {"a": ... } around an empty object. */
static char *nested(int n, char open, char close)
{
	char *s = malloc(8 * (size_t)n + 8);
	size_t o = 0;

	assert_non_null(s);
	for (int i = 0; i < n - 1; i++) {
		s[o++] = open;
		if (open == '{') {
			memcpy(s + o, "\"a\":", 4);
			o += 4;
		}
	}
	s[o++] = open;
	s[o++] = close;
	for (int i = 0; i < n - 1; i++)
		s[o++] = close;
	s[o] = '\0';
	return s;
}

static void test_depth(void **state)
{
	static const char in_str[] = "[\"[[[[[[[[[[[[[[[[[[[[\"]";
	char *s;

	(void)state;
	for (int open = 0; open < 2; open++) {
		char o = open ? '{' : '[', c = open ? '}' : ']';

		s = nested(JSON_MAX_DEPTH, o, c);
		assert_int_equal(parse_n(s, strlen(s)), ERR_OK);
		free(s);
		s = nested(JSON_MAX_DEPTH + 1, o, c);
		assert_int_equal(parse_n(s, strlen(s)), ERR_FORMAT);
		assert_non_null(strstr(err_detail(), "nested deeper than 16"));
		free(s);
	}
	/* brackets inside strings do not count */
	assert_int_equal(parse_n(in_str, strlen(in_str)), ERR_OK);
	/* closing brackets first cannot buy depth for later */
	s = nested(JSON_MAX_DEPTH + 1, '[', ']');
	memmove(s + 4, s, strlen(s) + 1);
	memcpy(s, "]]]]", 4);
	assert_int_equal(parse_n(s, strlen(s)), ERR_FORMAT);
	free(s);
}

static void test_members(void **state)
{
	static const struct kat good[] = {
		{ "{\"a\":1,\"A\":2,\"a \":3}", NULL },
		{ "[{\"a\":1},{\"a\":2}]", NULL },
		{ "{\"a\":{\"a\":{\"a\":1}}}", NULL },
	};
	static const struct kat bad[] = {
		{ "{\"a\":1,\"a\":2}", "duplicate JSON key 'a'" },
		{ "{\"a\":1,\"b\":2,\"a\":1}", "duplicate JSON key 'a'" },
		{ "[{\"x\":{\"k\":1,\"k\":null}}]", "duplicate JSON key 'k'" },
		{ "{\"\\u0061\":1,\"a\":2}", "duplicate JSON key 'a'" },
		{ "{\"\\u001b[2J\":1,\"\\u001b[2J\":2}",
		  "duplicate JSON key '?[2J'" },
	};
	char *s = malloc(16 * (JSON_MAX_MEMBERS + 2));
	size_t o = 0;

	(void)state;
	accept_all(good, N(good));
	refuse_all(bad, N(bad));
	assert_non_null(s);
	s[o++] = '{';
	for (int i = 0; i <= JSON_MAX_MEMBERS; i++)
		o += (size_t)snprintf(s + o, 16, "%s\"m%d\":0", i ? "," : "",
		                      i);
	s[o++] = '}';
	assert_int_equal(parse_n(s, o), ERR_FORMAT);
	assert_non_null(strstr(err_detail(), "more than 256 members"));
	/* one fewer is fine */
	o = (size_t)(strrchr(s, ',') - s);
	s[o++] = '}';
	assert_int_equal(parse_n(s, o), ERR_OK);
	free(s);
}

static void test_object(void **state)
{
	static const char *const not_obj[] = { "[]", "1", "\"s\"", "null",
		                               "true" };
	cJSON *root = (cJSON *)1;

	(void)state;
	for (size_t i = 0; i < N(not_obj); i++) {
		assert_int_equal(json_parse_object(not_obj[i],
		                                   strlen(not_obj[i]), &root),
		                 ERR_FORMAT);
		assert_null(root);
		assert_string_equal(err_detail(), "not a JSON object");
	}
	assert_int_equal(json_parse_object("{}", 2, &root), ERR_OK);
	assert_true(cJSON_IsObject(root));
	cJSON_Delete(root);
	assert_int_equal(json_parse_object("{\"a\":1,\"a\":1}", 13, &root),
	                 ERR_FORMAT);
	assert_null(root);
}

static void test_fault(void **state)
{
	static const struct {
		const char *text;
		enum json_fault fault;
	} k[] = {
		{ "{\"a\":[1,\"x\"]}", JSON_FAULT_NONE },
		{ "", JSON_FAULT_SYNTAX },
		{ "{", JSON_FAULT_SYNTAX },
		{ "[01]", JSON_FAULT_SYNTAX },
		{ "[\"\\q\"]", JSON_FAULT_SYNTAX },
		{ "[\"\xc3\"]", JSON_FAULT_SYNTAX },
		{ "[\"a\tb\"]", JSON_FAULT_SYNTAX },
		{ "{}\x01", JSON_FAULT_SYNTAX },
		{ "{\"a\":1,\"a\":2}", JSON_FAULT_LIMIT },
		{ "[\"\\u0000\"]", JSON_FAULT_LIMIT },
		{ "[1e400]", JSON_FAULT_LIMIT },
		{ "[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]", JSON_FAULT_LIMIT },
	};
	enum json_fault fault;
	cJSON *root = NULL;

	(void)state;
	for (size_t i = 0; i < N(k); i++) {
		json_parse_fault(k[i].text, strlen(k[i].text), &root, &fault);
		if (fault != k[i].fault)
			fail_msg("'%s': fault %d, wanted %d", k[i].text, fault,
			         k[i].fault);
		cJSON_Delete(root);
	}
}

static cJSON *doc(const char *text)
{
	cJSON *root = NULL;

	assert_int_equal(json_parse_object(text, strlen(text), &root), ERR_OK);
	return root;
}

static void expect(enum err got, const char *why)
{
	assert_int_equal(got, ERR_FORMAT);
	if (!strstr(err_detail(), why))
		fail_msg("detail '%s' lacks '%s'", err_detail(), why);
}

static void test_get_str(void **state)
{
	cJSON *o = doc("{\"s\":\"abc\",\"n\":null,\"i\":1,\"c\":\"a\\u0007\","
	               "\"d\":\"x\\u007f\",\"u\":\"\\u00e9\",\"t\":\"a\\tb\"}");
	const char *p = NULL;
	char out[4];

	(void)state;
	assert_int_equal(json_get_str(o, "s", true, out, sizeof(out)), ERR_OK);
	assert_string_equal(out, "abc");
	assert_int_equal(json_get_str(o, "u", true, out, sizeof(out)), ERR_OK);
	assert_string_equal(out, "\xc3\xa9");
	assert_int_equal(json_get_str(o, "x", false, out, sizeof(out)), ERR_OK);
	assert_string_equal(out, "");
	assert_int_equal(json_get_str(o, "n", false, out, sizeof(out)), ERR_OK);
	expect(json_get_str(o, "x", true, out, sizeof(out)),
	       "field 'x' is missing");
	expect(json_get_str(o, "n", true, out, sizeof(out)),
	       "field 'n' is missing");
	expect(json_get_str(o, "i", true, out, sizeof(out)),
	       "field 'i' must be a string");
	expect(json_get_str(o, "s", true, out, 3),
	       "field 's' is longer than 2 bytes");
	expect(json_get_str(o, "c", true, out, sizeof(out)),
	       "field 'c' contains a control character");
	expect(json_get_str(o, "d", true, out, sizeof(out)),
	       "field 'd' contains a control character");
	/* the borrowed form keeps control characters for the caller */
	assert_int_equal(json_get_strp(o, "t", true, 3, &p), ERR_OK);
	assert_string_equal(p, "a\tb");
	expect(json_get_strp(o, "t", true, 2, &p),
	       "field 't' is longer than 2 bytes");
	assert_null(p);
	assert_int_equal(json_get_strp(o, "x", false, 9, &p), ERR_OK);
	assert_null(p);
	expect(json_get_strp(o, "i", false, 9, &p), "'i' must be a string");
	cJSON_Delete(o);
}

static void test_get_int_bool(void **state)
{
	cJSON *o = doc("{\"a\":5,\"neg\":-3,\"f\":1.5,\"s\":\"5\",\"big\":"
	               "9007199254740994,\"e\":2e3,\"t\":true,\"z\":0}");
	long long v = 42;
	bool b = false;

	(void)state;
	assert_int_equal(json_get_int(o, "a", true, 0, 5, &v), ERR_OK);
	assert_int_equal(v, 5);
	assert_int_equal(json_get_int(o, "neg", true, -3, 0, &v), ERR_OK);
	assert_int_equal(v, -3);
	assert_int_equal(json_get_int(o, "e", true, 0, 2000, &v), ERR_OK);
	assert_int_equal(v, 2000);
	v = 42;
	assert_int_equal(json_get_int(o, "x", false, 0, 5, &v), ERR_OK);
	assert_int_equal(v, 42);
	expect(json_get_int(o, "x", true, 0, 5, &v), "field 'x' is missing");
	expect(json_get_int(o, "a", true, 0, 4, &v),
	       "field 'a' must be within 0..4");
	expect(json_get_int(o, "neg", true, 0, 4, &v), "within 0..4");
	expect(json_get_int(o, "f", true, 0, 4, &v),
	       "field 'f' must be an integer");
	expect(json_get_int(o, "s", true, 0, 9, &v),
	       "field 's' must be an integer");
	expect(json_get_int(o, "t", true, 0, 9, &v), "must be an integer");
	/* past 2^53 a double no longer holds every integer */
	expect(json_get_int(o, "big", true, 0, INT64_MAX, &v),
	       "within 0..9007199254740992");
	assert_int_equal(json_get_bool(o, "t", true, &b), ERR_OK);
	assert_true(b);
	assert_int_equal(json_get_bool(o, "x", false, &b), ERR_OK);
	assert_true(b);
	expect(json_get_bool(o, "x", true, &b), "field 'x' is missing");
	expect(json_get_bool(o, "z", true, &b),
	       "field 'z' must be true or false");
	expect(json_get_bool(o, "s", true, &b), "must be true or false");
	cJSON_Delete(o);
}

static void test_get_obj_arr(void **state)
{
	cJSON *o = doc("{\"o\":{\"k\":1},\"a\":[1,\"x\",{}],\"e\":[],"
	               "\"s\":\"x\"}");
	const cJSON *it = NULL;
	size_t n = 9;

	(void)state;
	assert_int_equal(json_get_obj(o, "o", true, &it), ERR_OK);
	assert_true(cJSON_IsObject(it));
	assert_int_equal(json_get_obj(o, "x", false, &it), ERR_OK);
	assert_null(it);
	expect(json_get_obj(o, "x", true, &it), "field 'x' is missing");
	expect(json_get_obj(o, "a", true, &it), "field 'a' must be an object");
	assert_int_equal(json_get_arr(o, "a", true, 3, &it, &n), ERR_OK);
	assert_int_equal(n, 3);
	assert_true(cJSON_IsNumber(it));
	assert_int_equal(json_get_arr(o, "e", true, 3, &it, &n), ERR_OK);
	assert_int_equal(n, 0);
	assert_null(it);
	assert_int_equal(json_get_arr(o, "x", false, 3, &it, &n), ERR_OK);
	assert_int_equal(n, 0);
	expect(json_get_arr(o, "a", true, 2, &it, &n),
	       "field 'a' has more than 2 items");
	expect(json_get_arr(o, "o", true, 2, &it, &n),
	       "field 'o' must be an array");
	expect(json_get_arr(o, "x", true, 2, &it, &n), "'x' is missing");
	cJSON_Delete(o);
}

static void test_get_hex(void **state)
{
	cJSON *o = doc("{\"h\":\"00ff10\",\"u\":\"00FF10\",\"odd\":\"0ff\","
	               "\"g\":\"0g\",\"e\":\"\",\"n\":16}");
	uint8_t out[4];
	size_t len = 9;

	(void)state;
	assert_int_equal(json_get_hex(o, "h", true, 3, 3, out, &len), ERR_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "\x00\xff\x10", 3);
	assert_int_equal(json_get_hex(o, "u", true, 1, 4, out, NULL), ERR_OK);
	assert_memory_equal(out, "\x00\xff\x10", 3);
	assert_int_equal(json_get_hex(o, "e", true, 0, 4, out, &len), ERR_OK);
	assert_int_equal(len, 0);
	assert_int_equal(json_get_hex(o, "x", false, 3, 3, out, &len), ERR_OK);
	assert_int_equal(len, 0);
	expect(json_get_hex(o, "x", true, 3, 3, out, &len), "'x' is missing");
	expect(json_get_hex(o, "h", true, 4, 4, out, &len),
	       "field 'h' must be 8 hex digits");
	expect(json_get_hex(o, "h", true, 0, 2, out, &len),
	       "field 'h' must be hex of 0..2 bytes");
	expect(json_get_hex(o, "odd", true, 1, 2, out, &len), "'odd' must be");
	expect(json_get_hex(o, "g", true, 1, 1, out, &len),
	       "'g' must be 2 hex digits");
	expect(json_get_hex(o, "e", true, 1, 4, out, &len), "'e' must be hex");
	expect(json_get_hex(o, "n", true, 1, 4, out, &len),
	       "field 'n' must be a hex string");
	cJSON_Delete(o);
}

static void test_get_b64(void **state)
{
	cJSON *o = doc("{\"b\":\"AAECAw==\",\"nopad\":\"AAECAw\","
	               "\"url\":\"-_-_\",\"sp\":\"AAEC Aw==\",\"n\":1}");
	uint8_t out[8], *sec = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(json_get_b64(o, "b", true, 4, 4, out, &len), ERR_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(out, "\x00\x01\x02\x03", 4);
	assert_int_equal(json_get_b64(o, "x", false, 1, 8, out, &len), ERR_OK);
	assert_int_equal(len, 0);
	expect(json_get_b64(o, "x", true, 1, 8, out, &len), "'x' is missing");
	expect(json_get_b64(o, "b", true, 5, 8, out, &len),
	       "field 'b' must be standard base64 of 5..8 bytes");
	expect(json_get_b64(o, "b", true, 1, 3, out, &len), "of 1..3 bytes");
	expect(json_get_b64(o, "nopad", true, 1, 8, out, &len),
	       "'nopad' must be standard base64");
	expect(json_get_b64(o, "url", true, 1, 8, out, &len),
	       "'url' must be standard base64");
	expect(json_get_b64(o, "sp", true, 1, 8, out, &len),
	       "'sp' must be standard base64");
	expect(json_get_b64(o, "n", true, 1, 8, out, &len),
	       "field 'n' must be a base64 string");
	assert_int_equal(json_get_b64_secret(o, "b", true, 1, 8, &sec, &len),
	                 ERR_OK);
	assert_int_equal(len, 4);
	assert_memory_equal(sec, "\x00\x01\x02\x03", 4);
	secmem_free(sec);
	assert_int_equal(json_get_b64_secret(o, "x", false, 1, 8, &sec, &len),
	                 ERR_OK);
	assert_null(sec);
	expect(json_get_b64_secret(o, "url", true, 1, 8, &sec, &len),
	       "'url' must be standard base64");
	assert_null(sec);
	cJSON_Delete(o);
}

static void test_text(void **state)
{
	char out[8];

	(void)state;
	assert_true(json_is_uuid("6b0f2c1e-1d2a-4c3b-9a8e-2f4a5b6c7d8e"));
	assert_true(json_is_uuid("6B0F2C1E-1D2A-4C3B-9A8E-2F4A5B6C7D8E"));
	assert_false(json_is_uuid("6b0f2c1e-1d2a-4c3b-9a8e-2f4a5b6c7d8"));
	assert_false(json_is_uuid("6b0f2c1e-1d2a-4c3b-9a8e-2f4a5b6c7d8ef"));
	assert_false(json_is_uuid("6b0f2c1e11d2a-4c3b-9a8e-2f4a5b6c7d8e"));
	assert_false(json_is_uuid("6b0f2c1e-1d2a-4c3b-9a8e-2f4a5b6c7d8g"));
	assert_false(json_is_uuid(""));
	assert_true(json_utf8_valid("caf\xc3\xa9", 5));
	assert_false(json_utf8_valid("caf\xc3", 4));
	assert_false(json_utf8_valid("\xed\xa0\x80", 3));
	json_sanitize(out, sizeof(out), "a\x1b[2J\xc3\xa9xyz");
	assert_string_equal(out, "a?[2J??");
	json_sanitize(out, sizeof(out), NULL);
	assert_string_equal(out, "");
}

/* json_out_print of text's tree, into out. */
static void print_of(const char *text, char *out, size_t cap)
{
	cJSON *root = NULL;
	FILE *f = fmemopen(out, cap, "w");

	assert_non_null(f);
	assert_int_equal(json_parse(text, strlen(text), &root), ERR_OK);
	assert_true(json_out_print(f, root));
	assert_int_equal(fclose(f), 0);
	cJSON_Delete(root);
}

/* The printed layout: two spaces a level, "name": value, [] and {},
 * arrays of objects one element a line; escapes are cJSON's; and the
 * text reads back as the same tree. */
static void test_out(void **state)
{
	static const char in[] =
	        "{\"a\":1,\"b\":[{\"c\":\"x\\ty\"},{}],\"d\":[],"
	        "\"e\\\"\":{\"f\":null,\"g\":true}}";
	static const char want[] = "{\n"
	                           "  \"a\": 1,\n"
	                           "  \"b\": [\n"
	                           "    {\n"
	                           "      \"c\": \"x\\ty\"\n"
	                           "    },\n"
	                           "    {}\n"
	                           "  ],\n"
	                           "  \"d\": [],\n"
	                           "  \"e\\\"\": {\n"
	                           "    \"f\": null,\n"
	                           "    \"g\": true\n"
	                           "  }\n"
	                           "}\n";
	char out[512] = "", again[512] = "";
	cJSON *a = NULL, *b = NULL;

	(void)state;
	print_of(in, out, sizeof(out));
	assert_string_equal(out, want);
	assert_null(strchr(out, '\t'));
	print_of("[]", again, sizeof(again));
	assert_string_equal(again, "[]\n");
	assert_int_equal(json_parse(in, strlen(in), &a), ERR_OK);
	assert_int_equal(json_parse(out, strlen(out), &b), ERR_OK);
	assert_true(cJSON_Compare(a, b, true));
	cJSON_Delete(a);
	cJSON_Delete(b);
}

static int check_secmem(void **state)
{
	(void)state;
	/* every secret buffer, and every parse copy, was freed and wiped */
	return secmem_used() == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_fault),
		cmocka_unit_test(test_get_str),
		cmocka_unit_test(test_get_int_bool),
		cmocka_unit_test(test_get_obj_arr),
		cmocka_unit_test(test_get_hex),
		cmocka_unit_test(test_get_b64),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_out),
	};

	secmem_init(1u << 22);
	secmem_use_for_json();
	return cmocka_run_group_tests_name("json", tests, NULL, check_secmem);
}
