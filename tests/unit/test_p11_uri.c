/* SPDX-License-Identifier: MIT */
/* test_p11_uri.c - RFC 7512 examples, every rejection, token matching on
 * blank-padded fields and the format -> parse -> match round trip. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "p11_uri.h"

static struct p11_uri *parse_ok(const char *s)
{
	struct p11_uri *u = NULL;

	if (p11_uri_parse(s, &u) != ERR_OK)
		fail_msg("%s: %s", s, err_detail());
	assert_non_null(u);
	return u;
}

/* s must fail with ERR_FORMAT, *out left NULL, and a detail holding part. */
static void parse_bad(const char *s, const char *part)
{
	static struct p11_uri sentinel;
	struct p11_uri *u = &sentinel;

	assert_int_equal(p11_uri_parse(s, &u), ERR_FORMAT);
	assert_null(u);
	if (!strstr(err_detail(), part))
		fail_msg("%s: detail '%s' lacks '%s'", s, err_detail(), part);
}

static void parse_bad_table(const char *const (*bad)[2], size_t n)
{
	for (size_t i = 0; i < n; i++)
		parse_bad(bad[i][0], bad[i][1]);
}

#define PARSE_BAD_TABLE(t) parse_bad_table(t, sizeof(t) / sizeof(t[0]))

static void set_field(unsigned char *f, size_t len, const char *v)
{
	memset(f, ' ', len);
	memcpy(f, v, strlen(v));
}

static CK_TOKEN_INFO token_info(const char *label, const char *manuf,
				const char *model, const char *serial)
{
	CK_TOKEN_INFO t;

	memset(&t, 0, sizeof(t));
	set_field(t.label, sizeof(t.label), label);
	set_field(t.manufacturerID, sizeof(t.manufacturerID), manuf);
	set_field(t.model, sizeof(t.model), model);
	set_field(t.serialNumber, sizeof(t.serialNumber), serial);
	return t;
}

static void test_rfc_empty(void **state)
{
	CK_TOKEN_INFO t = token_info("any", "SoftHSM project", "SoftHSM v2",
				     "1234");
	struct p11_uri *u;

	(void)state;
	u = parse_ok("pkcs11:");
	assert_null(u->token);
	assert_null(u->object);
	assert_null(u->pin_source);
	assert_false(u->has_id);
	assert_true(p11_uri_match_token(u, &t));
	p11_uri_free(u);
	p11_uri_free(parse_ok("PKCS11:"));
	p11_uri_free(parse_ok("pkcs11:?"));
	assert_true(p11_uri_match_token(NULL, &t));
}

static void test_rfc_object(void **state)
{
	struct p11_uri *u;

	(void)state;
	u = parse_ok("pkcs11:object=my-pubkey;type=public");
	assert_string_equal(u->object, "my-pubkey");
	assert_string_equal(u->type, "public");
	p11_uri_free(u);
	u = parse_ok("pkcs11:object=my-key;type=private"
		     "?pin-source=file:/etc/token");
	assert_string_equal(u->object, "my-key");
	assert_string_equal(u->type, "private");
	assert_string_equal(u->pin_source, "file:/etc/token");
	p11_uri_free(u);
}

static void test_rfc_full(void **state)
{
	static const uint8_t id[] = { 0x69, 0x95, 0x3e, 0x5c,
				      0xf4, 0xbd, 0xec, 0x91 };
	static const uint8_t id12[] = { 0x69, 0x95, 0x3e, 0x5c, 0xf4, 0xbd,
					0xec, 0x39, 0xcd, 0x7c, 0x1a, 0x2f };
	struct p11_uri *u;

	(void)state;
	u = parse_ok("pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;"
		     "manufacturer=Snake%20Oil,%20Inc.;model=1.0;"
		     "object=my-certificate;type=cert;"
		     "id=%69%95%3E%5C%F4%BD%EC%91;serial="
		     "?pin-source=file:/etc/token_pin");
	assert_string_equal(u->token, "The Software PKCS#11 Softtoken");
	assert_string_equal(u->manufacturer, "Snake Oil, Inc.");
	assert_string_equal(u->model, "1.0");
	assert_string_equal(u->object, "my-certificate");
	assert_string_equal(u->type, "cert");
	assert_true(u->has_id);
	assert_int_equal(u->id_len, sizeof(id));
	assert_memory_equal(u->id, id, sizeof(id));
	assert_string_equal(u->serial, "");
	assert_string_equal(u->pin_source, "file:/etc/token_pin");
	p11_uri_free(u);
	u = parse_ok("pkcs11:id=%69%95%3E%5C%F4%BD%EC%39%CD%7C%1A%2F");
	assert_int_equal(u->id_len, sizeof(id12));
	assert_memory_equal(u->id, id12, sizeof(id12));
	p11_uri_free(u);
}

static void test_rfc_escapes(void **state)
{
	struct p11_uri *u;

	(void)state;
	u = parse_ok("pkcs11:token=A%20name%20with%20a%20substring%20%25%3B;"
		     "object=my-certificate;type=cert");
	assert_string_equal(u->token, "A name with a substring %;");
	p11_uri_free(u);
	/* The RFC's label is 34 bytes: no 32-byte token label can equal it,
	 * so it is refused; a shorter one shows the UTF-8 decoding. */
	parse_bad("pkcs11:token=Name%20with%20a%20small%20A%20with%20acute:"
		  "%20%C3%A1;object=my-certificate;type=cert",
		  "'token' is longer than 32 bytes at offset 59");
	u = parse_ok("pkcs11:token=Small%20A%20with%20acute:%20%C3%A1;"
		     "object=my-certificate;type=cert");
	assert_string_equal(u->token, "Small A with acute: \xc3\xa1");
	p11_uri_free(u);
	u = parse_ok("pkcs11:token=My%20token%25%20created%20by%20Joe;"
		     "id=%01%02%03%Ba%dd%Ca%fe%04%05%06");
	assert_string_equal(u->token, "My token% created by Joe");
	assert_int_equal(u->id_len, 10);
	assert_memory_equal(u->id, "\x01\x02\x03\xba\xdd\xca\xfe\x04\x05\x06",
			    10);
	p11_uri_free(u);
}

static void test_rfc_query(void **state)
{
	struct p11_uri *u;

	(void)state;
	u = parse_ok("pkcs11:object=my-sign-key;type=private"
		     "?module-name=mypkcs11");
	assert_string_equal(u->module_name, "mypkcs11");
	p11_uri_free(u);
	u = parse_ok("pkcs11:object=my-sign-key;type=private"
		     "?module-path=/mnt/libmypkcs11.so.1");
	assert_string_equal(u->module_path, "/mnt/libmypkcs11.so.1");
	p11_uri_free(u);
	u = parse_ok("pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;"
		     "library-description=Soft%20Token%20Library");
	assert_string_equal(u->library_manufacturer, "Snake Oil, Inc.");
	assert_string_equal(u->library_description, "Soft Token Library");
	p11_uri_free(u);
	/* pin-source as a plain path, kept as given; '?' is query data */
	u = parse_ok("pkcs11:token=t?pin-source=/run/pin?x&module-name=m");
	assert_string_equal(u->pin_source, "/run/pin?x");
	assert_string_equal(u->module_name, "m");
	p11_uri_free(u);
	u = parse_ok("pkcs11:?pin-source=file:///etc/pin%20file");
	assert_string_equal(u->pin_source, "file:///etc/pin file");
	p11_uri_free(u);
}

/* RFC 7512 section 3's vendor example: its path attribute "vendor-aaa"
 * is refused (an unrecognized path attribute matches nothing), its
 * vendor query attributes are ignored. */
static void test_rfc_vendor(void **state)
{
	struct p11_uri *u;

	(void)state;
	parse_bad("pkcs11:token=my-token;object=my-certificate;type=cert;"
		  "vendor-aaa=value-a?pin-source=file:/etc/token_pin"
		  "&vendor-bbb=value-b",
		  "unknown attribute 'vendor-aaa' at offset 54");
	parse_bad("pkcs11:token=my-token;x-vendor=1", "unknown attribute "
		  "'x-vendor' at offset 22");
	u = parse_ok("pkcs11:token=my-token;object=my-certificate;type=cert"
		     "?pin-source=file:/etc/token_pin&vendor-bbb=value-b"
		     "&xyz=foo&xyz=bar&x-v=%00");
	assert_string_equal(u->token, "my-token");
	assert_string_equal(u->pin_source, "file:/etc/token_pin");
	p11_uri_free(u);
}

static void test_rfc_unsupported(void **state)
{
	(void)state;
	parse_bad("pkcs11:slot-description=Sun%20Metaslot",
		  "unsupported attribute 'slot-description' at offset 7");
	parse_bad("pkcs11:token=a;library-version=1.23",
		  "unsupported attribute 'library-version' at offset 15");
	parse_bad("pkcs11:slot-id=1", "unsupported attribute 'slot-id'");
	parse_bad("pkcs11:slot-manufacturer=x", "unsupported attribute");
}

static void test_reject_exact_detail(void **state)
{
	(void)state;
	parse_bad("pkcs11:tokn=x", "");
	assert_string_equal(err_detail(), "URI pkcs11:tokn=x: unknown "
			    "attribute 'tokn' at offset 7");
}

static void test_reject_syntax(void **state)
{
	static const char *const bad[][2] = {
		{ "http:token=x", "scheme is not 'pkcs11:' at offset 0" },
		{ "pkcs11", "scheme is not" },
		{ "", "scheme is not" },
		{ "pkcs11:token", "attribute without '=' at offset 7" },
		{ "pkcs11:token=x;", "empty attribute at offset 15" },
		{ "pkcs11:;token=x", "empty attribute at offset 7" },
		{ "pkcs11:token=x?&pin-source=a", "empty attribute at "
						  "offset 15" },
		{ "pkcs11:=x", "malformed attribute name at offset 7" },
		{ "pkcs11:tok%65n=x", "malformed attribute name" },
		{ "pkcs11:to ken=x", "malformed attribute name" },
		{ "pkcs11:Token=x", "unknown attribute 'Token'" },
		{ "pkcs11:token=a b", "byte 0x20 in 'token' must be "
				      "percent-encoded at offset 14" },
		{ "pkcs11:token=a/b", "byte 0x2f in 'token'" },
		{ "pkcs11:token=a#b", "byte 0x23" },
		{ "pkcs11:token=\xc3\xa1", "byte 0xc3 in 'token'" },
		{ "pkcs11:?pin-source=/a;b", "byte 0x3b in 'pin-source'" },
		{ "pkcs11:?pin-source=a&b", "attribute without '=' at "
					    "offset 21" },
		{ "pkcs11:pin-value=1", "'pin-value' is refused" },
		{ "pkcs11:?token=x", "'token' belongs in the path" },
		{ "pkcs11:?pin-source=", "pin-source must be a path" },
		{ "pkcs11:?pin-source=|/bin/cat%20pin", "pin-source must be" },
		{ "pkcs11:?pin-source=https://x/pin", "pin-source must be" },
	};

	(void)state;
	PARSE_BAD_TABLE(bad);
}

static void test_reject_escapes(void **state)
{
	static const char *const bad[][2] = {
		{ "pkcs11:token=%2", "bad percent escape in 'token' at "
				     "offset 13" },
		{ "pkcs11:token=%", "bad percent escape" },
		{ "pkcs11:token=%G0", "bad percent escape" },
		{ "pkcs11:token=%0g", "bad percent escape" },
		{ "pkcs11:token=a%%41", "bad percent escape in 'token' at "
					"offset 14" },
		{ "pkcs11:token=%2;model=x", "bad percent escape" },
		{ "pkcs11:id=%1", "bad percent escape in 'id'" },
		{ "pkcs11:?pin-value=%zz", "'pin-value' is refused" },
		{ "pkcs11:?x-vendor=%zz", "bad percent escape in 'x-vendor'" },
		{ "pkcs11:token=a%00b", "'token' decodes to a NUL byte at "
					"offset 14" },
		{ "pkcs11:object=%00", "'object' decodes to a NUL byte" },
		{ "pkcs11:?pin-source=/a%00", "'pin-source' decodes to a NUL" },
	};

	(void)state;
	PARSE_BAD_TABLE(bad);
}

static void test_reject_values(void **state)
{
	static const char *const bad[][2] = {
		{ "pkcs11:token=a;token=a", "duplicate attribute 'token' at "
					    "offset 15" },
		{ "pkcs11:serial=;serial=", "duplicate attribute 'serial'" },
		{ "pkcs11:id=%01;id=%01", "duplicate attribute 'id'" },
		{ "pkcs11:?pin-source=a&pin-source=a", "duplicate attribute "
						       "'pin-source'" },
		{ "pkcs11:?pin-value=1&pin-value=1", "'pin-value' is refused "
						     "(a PIN in a URI" },
		{ "pkcs11:type=secret", "type must be public, private, cert, "
					"secret-key or data at offset 12" },
		{ "pkcs11:type=", "type must be" },
		{ "pkcs11:type=Cert", "type must be" },
		{ "pkcs11:type=secret-key-and-more", "'type' is longer than" },
	};

	(void)state;
	PARSE_BAD_TABLE(bad);
}

/* "pkcs11:NAME=" followed by n copies of unit. */
static void build(char *out, size_t cap, const char *name, const char *unit,
		  size_t n)
{
	size_t used = (size_t)snprintf(out, cap, "pkcs11:%s=", name);

	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s", unit);
}

/* Each cap is the PKCS#11 field size: exactly that many bytes parse, one
 * more does not, whether written raw or percent-encoded. */
static void test_lengths(void **state)
{
	static const struct {
		const char *name;
		size_t max;
	} caps[] = { { "token", 32 }, { "manufacturer", 32 }, { "model", 16 },
		     { "serial", 16 }, { "library-manufacturer", 32 },
		     { "library-description", 32 }, { "object", 255 },
		     { "id", P11_URI_ID_MAX } };
	char uri[1024], part[64];

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		build(uri, sizeof(uri), caps[i].name, "%41", caps[i].max);
		p11_uri_free(parse_ok(uri));
		build(uri, sizeof(uri), caps[i].name, "A", caps[i].max);
		p11_uri_free(parse_ok(uri));
		build(uri, sizeof(uri), caps[i].name, "A", caps[i].max + 1);
		snprintf(part, sizeof(part), "'%s' is longer than %zu bytes",
			 caps[i].name, caps[i].max);
		parse_bad(uri, part);
	}
}

static void test_token_32_exact(void **state)
{
	const char *label = "0123456789abcdef0123456789ABCDEF";
	CK_TOKEN_INFO t = token_info(label, "m", "x", "1");
	struct p11_uri *u;
	char uri[128];

	(void)state;
	snprintf(uri, sizeof(uri), "pkcs11:token=%s", label);
	u = parse_ok(uri);
	assert_int_equal(strlen(u->token), 32);
	assert_true(p11_uri_match_token(u, &t));
	t.label[31] = 'G';
	assert_false(p11_uri_match_token(u, &t));
	p11_uri_free(u);
	parse_bad("pkcs11:token=0123456789abcdef0123456789ABCDEF%20",
		  "'token' is longer than 32 bytes at offset 45");
}

static void test_id_binary(void **state)
{
	struct p11_uri *u;

	(void)state;
	u = parse_ok("pkcs11:id=%00%ff%0a%FFz");
	assert_true(u->has_id);
	assert_int_equal(u->id_len, 5);
	assert_memory_equal(u->id, "\x00\xff\x0a\xffz", 5);
	p11_uri_free(u);
	u = parse_ok("pkcs11:id=");
	assert_true(u->has_id);
	assert_int_equal(u->id_len, 0);
	p11_uri_free(u);
}

/* pin-value is refused in path and query, in any case (an unknown query
 * name would otherwise be skipped, the PIN silently dropped), with one
 * message; no error detail repeats a PIN. */
static void test_pin_value(void **state)
{
	static const char *const leaky[] = {
		"pkcs11:?pin-value=SECRET99&pin-value=again",
		"pkcs11:pin-value=SECRET99",
		"pkcs11:?pin-value=SECRET99&token=x",
		"pkcs11:?pin-value=SECRET99%zz",
		"pkcs11:?PIN-VALUE=SECRET99&bad",
		"xkcs11:?pin-value=SECRET99",
	};
	static const char *const refused[] = {
		"pkcs11:token=Software%20PKCS%2311%20softtoken;"
		"manufacturer=Snake%20Oil,%20Inc.?pin-value=the-pin",
		"pkcs11:token=a?PIN-VALUE=SECRET99",
		"pkcs11:token=a?module-name=m&Pin-Value=SECRET99",
		"pkcs11:token=a?pin-value=",
		"pkcs11:token=a;Pin-Value=SECRET99",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		parse_bad(refused[i], "'pin-value' is refused (a PIN in a URI "
				      "shows in ps and shell history); use "
				      "pin-source=PATH or --pin-source at "
				      "offset");
		if (strstr(err_detail(), "SECRET") ||
		    strstr(err_detail(), "the-pin"))
			fail_msg("PIN in detail: %s", err_detail());
	}
	for (size_t i = 0; i < sizeof(leaky) / sizeof(leaky[0]); i++) {
		parse_bad(leaky[i], "at offset");
		if (strstr(err_detail(), "SECRET"))
			fail_msg("PIN in detail: %s", err_detail());
	}
	parse_bad("pkcs11:?pin-value=SECRET99&pin-value=again",
		  "URI pkcs11:?pin-value=***: 'pin-value' is refused");
	parse_bad("pkcs11:token=a?PIN-VALUE=SECRET99",
		  "URI pkcs11:token=a?PIN-VALUE=***: 'pin-value' is refused");
}

static void test_detail_quote(void **state)
{
	char uri[300];

	(void)state;
	memset(uri, 'a', sizeof(uri) - 1);
	uri[sizeof(uri) - 1] = '\0';
	memcpy(uri, "pkcs11:", 7);
	parse_bad(uri, "aaa...: attribute without '=' at offset 7");
	parse_bad("pkcs11:token=\x1b[2J", "URI pkcs11:token=?[2J: byte 0x1b");
}

static void test_match(void **state)
{
	CK_TOKEN_INFO t = token_info("softhsm", "SoftHSM project",
				     "SoftHSM v2", "4a3f09c1");
	struct p11_uri *u;

	(void)state;
	u = parse_ok("pkcs11:token=softhsm;serial=4a3f09c1;"
		     "manufacturer=SoftHSM%20project;model=SoftHSM%20v2");
	assert_true(p11_uri_match_token(u, &t));
	t.serialNumber[0] = 'b';
	assert_false(p11_uri_match_token(u, &t));
	p11_uri_free(u);

	u = parse_ok("pkcs11:token=sofths");
	assert_false(p11_uri_match_token(u, &t));
	p11_uri_free(u);
	u = parse_ok("pkcs11:token=softhsm%20%20");
	assert_true(p11_uri_match_token(u, &t));
	p11_uri_free(u);
	u = parse_ok("pkcs11:token=SoftHSM");
	assert_false(p11_uri_match_token(u, &t));
	p11_uri_free(u);

	/* NUL padding is padding; a NUL inside is not the end of the label */
	memset(t.label, 0, sizeof(t.label));
	memcpy(t.label, "softhsm", 7);
	u = parse_ok("pkcs11:token=softhsm");
	assert_true(p11_uri_match_token(u, &t));
	t.label[8] = 'x';
	assert_false(p11_uri_match_token(u, &t));
	p11_uri_free(u);

	/* serial= matches a blank serial only */
	u = parse_ok("pkcs11:serial=");
	assert_false(p11_uri_match_token(u, &t));
	set_field(t.serialNumber, sizeof(t.serialNumber), "");
	assert_true(p11_uri_match_token(u, &t));
	p11_uri_free(u);
}

static void test_format_roundtrip(void **state)
{
	CK_TOKEN_INFO t = token_info("My Token/1 \xc3\xbc;%", "SoftHSM project",
				     "SoftHSM v2", "4a3f09c1");
	struct p11_uri *u;
	char out[512];

	(void)state;
	p11_uri_format_token(out, sizeof(out), &t);
	assert_string_equal(out, "pkcs11:model=SoftHSM%20v2;"
			    "manufacturer=SoftHSM%20project;serial=4a3f09c1;"
			    "token=My%20Token%2F1%20%C3%BC%3B%25");
	u = parse_ok(out);
	assert_string_equal(u->token, "My Token/1 \xc3\xbc;%");
	assert_string_equal(u->model, "SoftHSM v2");
	assert_true(p11_uri_match_token(u, &t));
	p11_uri_free(u);

	/* every field full, every byte escaped: the longest token URI */
	memset(t.label, 0xff, sizeof(t.label));
	memset(t.manufacturerID, '/', sizeof(t.manufacturerID));
	memset(t.model, '%', sizeof(t.model));
	memset(t.serialNumber, ':', sizeof(t.serialNumber));
	p11_uri_format_token(out, sizeof(out), &t);
	assert_int_equal(strlen(out),
			 strlen("pkcs11:model=;manufacturer=;serial=;token=") +
				 3 * (32 + 32 + 16 + 16));
	u = parse_ok(out);
	assert_true(p11_uri_match_token(u, &t));
	assert_memory_equal(u->token, t.label, sizeof(t.label));
	p11_uri_free(u);

	/* blank fields give empty values that match blank fields only */
	t = token_info("", "", "", "");
	p11_uri_format_token(out, sizeof(out), &t);
	assert_string_equal(out, "pkcs11:model=;manufacturer=;serial=;token=");
	u = parse_ok(out);
	assert_true(p11_uri_match_token(u, &t));
	p11_uri_free(u);
}

static void test_format_short_buffer(void **state)
{
	CK_TOKEN_INFO t = token_info("a", "b", "c", "d");
	const char *want = "pkcs11:model=c;manufacturer=b;serial=d;token=a";
	char out[64];

	(void)state;
	p11_uri_format_token(out, strlen(want) + 1, &t);
	assert_string_equal(out, want);
	/* one byte short: nothing, not a prefix that names another token */
	memset(out, 'x', sizeof(out));
	p11_uri_format_token(out, strlen(want), &t);
	assert_string_equal(out, "");
	p11_uri_format_token(out, 1, &t);
	assert_string_equal(out, "");
	out[0] = 'x';
	p11_uri_format_token(out, 0, &t);
	assert_int_equal(out[0], 'x');
}

static void test_trim_field(void **state)
{
	unsigned char f[16];
	char out[17];

	(void)state;
	set_field(f, sizeof(f), "abc");
	p11_uri_trim_field(out, f, sizeof(f));
	assert_string_equal(out, "abc");
	set_field(f, sizeof(f), "");
	p11_uri_trim_field(out, f, sizeof(f));
	assert_string_equal(out, "");
	memcpy(f, "0123456789abcdef", 16);
	p11_uri_trim_field(out, f, sizeof(f));
	assert_string_equal(out, "0123456789abcdef");
	set_field(f, sizeof(f), " a b ");
	p11_uri_trim_field(out, f, sizeof(f));
	assert_string_equal(out, " a b");
}

static void test_free_null(void **state)
{
	(void)state;
	p11_uri_free(NULL);
	assert_int_equal(p11_uri_parse(NULL, &(struct p11_uri *){ NULL }),
			 ERR_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_empty),
		cmocka_unit_test(test_rfc_object),
		cmocka_unit_test(test_rfc_full),
		cmocka_unit_test(test_rfc_escapes),
		cmocka_unit_test(test_rfc_query),
		cmocka_unit_test(test_rfc_vendor),
		cmocka_unit_test(test_rfc_unsupported),
		cmocka_unit_test(test_reject_exact_detail),
		cmocka_unit_test(test_reject_syntax),
		cmocka_unit_test(test_reject_escapes),
		cmocka_unit_test(test_reject_values),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_token_32_exact),
		cmocka_unit_test(test_id_binary),
		cmocka_unit_test(test_pin_value),
		cmocka_unit_test(test_detail_quote),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_format_short_buffer),
		cmocka_unit_test(test_trim_field),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests_name("p11_uri", tests, NULL, NULL);
}
