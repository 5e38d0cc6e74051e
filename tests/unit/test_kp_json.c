/* SPDX-License-Identifier: MIT */
/* test_kp_json.c - Key Protect JSON: the hostile-response checklist of
 * docs/robustness.md section 4, error lines, and exact request bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "kp_json.h"
#include "secmem.h"

#define KID "6b0f2c1e-1d2a-4c3b-9a8e-2f4a5b6c7d8e"
#define VID "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
#define META(n)                             \
	"\"metadata\":{\"collectionType\":" \
	"\"application/vnd.ibm.kms.key+json\",\"collectionTotal\":" #n "}"
#define KEY_FIELDS                                         \
	"\"id\":\"" KID "\",\"name\":\"crk\",\"state\":1," \
	"\"extractable\":false"
#define ONE_KEY(extra) "{" META(1) ",\"resources\":[{" KEY_FIELDS extra "}]}"

static enum err key(const char *body)
{
	struct kp_key k;
	enum err r = kp_json_parse_key(body, strlen(body), &k);

	if (r == ERR_OK)
		kp_json_key_clear(&k);
	return r;
}

static void test_key_ok(void **state)
{
	static const char body[] =
	        ONE_KEY(",\"type\":\"application/vnd.ibm.kms.key+json\","
	                "\"aliases\":[\"image-crk\"],\"imported\":true,"
	                "\"keyVersion\":{\"id\":\"" VID "\",\"creationDate\":"
	                "\"2026-03-12T03:37:32Z\"},\"creationDate\":"
	                "\"2026-03-12T03:37:32Z\",\"crn\":\"crn:v1:bluemix:"
	                "public:kms\","
	                "\"somethingNew\":{\"x\":[1,2]},\"description\":null");
	struct kp_key k;

	(void)state;
	assert_int_equal(kp_json_parse_key(body, strlen(body), &k), ERR_OK);
	assert_string_equal(k.id, KID);
	assert_string_equal(k.name, "crk");
	assert_int_equal(k.state, KP_STATE_ACTIVE);
	assert_false(k.extractable);
	assert_true(k.imported);
	assert_int_equal(k.n_aliases, 1);
	assert_string_equal(k.aliases[0], "image-crk");
	assert_string_equal(k.key_version_id, VID);
	assert_string_equal(k.description, "");
	assert_null(k.payload);
	kp_json_key_clear(&k);
}

/* Every line is a response that must be refused with ERR_FORMAT. */
static void test_key_hostile(void **state)
{
	static const struct {
		const char *body, *why;
	} bad[] = {
		{ "", "empty response body" },
		{ "not json", "not valid JSON" },
		{ "null", "not a JSON object" },
		{ "[]", "not a JSON object" },
		{ "{}", "no 'metadata'" },
		{ "\"x\"", "not a JSON object" },
		{ "{\"resources\":[]}", "no 'metadata'" },
		{ "{" META(1) "}", "no 'resources'" },
		{ "{" META(1) ",\"resources\":{}}", "no 'resources'" },
		{ "{" META(0) ",\"resources\":[]}", "expected one key, got 0" },
		{ "{" META(2) ",\"resources\":[{" KEY_FIELDS "}]}",
		  "collectionTotal 2 but 1" },
		{ "{" META(1) ",\"resources\":[1]}",
		  "resources[0] is not an object" },
		{ "{\"metadata\":{\"collectionType\":\"application/vnd.ibm.kms."
		  "error+json\",\"collectionTotal\":1},\"resources\":["
		  "{" KEY_FIELDS "}]}",
		  "error+json collection" },
		{ ONE_KEY(",\"state\":5"), "duplicate JSON key 'state'" },
		{ "{" META(1) ",\"resources\":[{" KEY_FIELDS
		              "}],\"metadata\":1}",
		  "duplicate JSON key 'metadata'" },
		{ ONE_KEY(",\"x\":{\"a\":1,\"a\":2}"),
		  "duplicate JSON key 'a'" },
		{ ONE_KEY(",\"crn\":\"abc\\u0000def\""), "\\u0000" },
		{ ONE_KEY(",\"crn\":\"a\\nb\""), "control character" },
		{ ONE_KEY(",\"crn\":\"\xc3\x28\""), "not valid UTF-8" },
		{ ONE_KEY(",\"crn\":\"\xed\xa0\x80\""), "not valid UTF-8" },
		{ ONE_KEY(",\"crn\":\"\\ud800\""), "not valid JSON" },
		{ ONE_KEY(",\"imported\":\"true\""),
		  "'imported' must be true or false" },
		{ ONE_KEY(",\"keyVersion\":\"" VID "\""),
		  "'keyVersion' must be an object" },
		{ ONE_KEY(",\"keyVersion\":{\"id\":\"v1\"}"),
		  "keyVersion: field 'id' is not a UUID" },
		{ ONE_KEY(",\"aliases\":\"a1\""),
		  "'aliases' must be an array" },
		{ ONE_KEY(",\"aliases\":[\"a b\"]"), "alias is not" },
		{ ONE_KEY(",\"aliases\":[\"a1\",\"a2\",\"a3\",\"a4\",\"a5\","
		          "\"a6\"]"),
		  "'aliases' has more than 5 items" },
		{ ONE_KEY(",\"creationDate\":\"yesterday\""),
		  "not an RFC 3339 date" },
		{ ONE_KEY(",\"type\":\"application/vnd.ibm.kms.policy+json\""),
		  "resource type is not" },
		{ ONE_KEY(",\"payload\":\"Zm9v!A==\""),
		  "'payload' must be standard base64" },
		{ ONE_KEY(",\"payload\":\"Zm9vYg-_\""),
		  "'payload' must be standard base64" },
		{ ONE_KEY(",\"payload\":\"Zm9\""),
		  "'payload' must be standard base64" },
		{ ONE_KEY(",\"payload\":\"Zm9v\\nYmFy\""),
		  "'payload' must be standard base64" },
		{ ONE_KEY(",\"payload\":123"),
		  "'payload' must be a base64 string" },
		{ "{" META(1) ",\"resources\":[{\"id\":\"" KID
		              "\",\"name\":\"n\","
		              "\"state\":\"1\",\"extractable\":false}]}",
		  "'state' must be an integer" },
		{ "{" META(1) ",\"resources\":[{\"id\":\"" KID
		              "\",\"name\":\"n\","
		              "\"state\":4294967297,\"extractable\":false}]}",
		  "'state' must be within 0..5" },
		{ "{" META(1) ",\"resources\":[{\"id\":\"" KID
		              "\",\"name\":\"n\","
		              "\"state\":1e400,\"extractable\":false}]}",
		  "number out of range in field 'state'" },
		{ "{" META(1) ",\"resources\":[{\"id\":\"" KID
		              "\",\"name\":\"n\","
		              "\"state\":1.5,\"extractable\":false}]}",
		  "'state' must be an integer" },
		{ "{" META(1) ",\"resources\":[{\"id\":\"" KID
		              "\",\"name\":\"n\","
		              "\"state\":6,\"extractable\":false}]}",
		  "'state' must be within 0..5" },
		{ "{" META(1) ",\"resources\":[{\"id\":\"" KID
		              "\",\"name\":\"n\","
		              "\"state\":-1,\"extractable\":false}]}",
		  "'state' must be within 0..5" },
		{ "{" META(1) ",\"resources\":[{\"id\":\"" KID
		              "\",\"name\":\"n\","
		              "\"state\":NaN,\"extractable\":false}]}",
		  "not valid JSON" },
		{ "{" META(1) ",\"resources\":[{\"id\":\"" KID
		              "\",\"name\":\"n\","
		              "\"state\":1}]}",
		  "'extractable' is missing" },
		{ "{" META(1) ",\"resources\":[{\"id\":\"not-a-uuid\","
		              "\"name\":\"n\",\"state\":1,\"extractable\":true}"
		              "]}",
		  "'id' is not a UUID" },
		{ "{" META(1) ",\"resources\":[{\"id\":\"" KID "\",\"name\":7,"
		              "\"state\":1,\"extractable\":true}]}",
		  "'name' must be a string" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (key(bad[i].body) != ERR_FORMAT)
			fail_msg("case %zu accepted: %s", i, bad[i].body);
		if (!strstr(err_detail(), bad[i].why))
			fail_msg("case %zu: '%s' lacks '%s'", i, err_detail(),
			         bad[i].why);
	}
}

static void test_raw_bytes(void **state)
{
	static const char nul[] = ONE_KEY(",\"crn\":\"a\0b\"");
	static const char ctl[] = ONE_KEY(",\"crn\":\"a\tb\"");
	struct kp_key k;
	char *big;
	size_t n = JSON_MAX_SIZE + 1;

	(void)state;
	assert_int_equal(kp_json_parse_key(nul, sizeof(nul) - 1, &k),
	                 ERR_FORMAT);
	assert_int_equal(kp_json_parse_key(ctl, sizeof(ctl) - 1, &k),
	                 ERR_FORMAT);
	big = malloc(n);
	assert_non_null(big);
	memset(big, ' ', n);
	big[0] = '{';
	big[n - 1] = '}';
	assert_int_equal(kp_json_parse_key(big, n, &k), ERR_FORMAT);
	assert_int_equal(kp_json_parse_key(big, n - 1, &k), ERR_FORMAT);
	free(big);
}

static void test_nesting(void **state)
{
	char deep[256];
	size_t o = 0;
	struct cJSON *root = NULL;

	(void)state;
	deep[o++] = '{';
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "\"a\":{");
	deep[o++] = '}';
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		deep[o++] = '}';
	deep[o] = '\0';
	assert_int_equal(kp_json_parse_strict(deep, o, &root), ERR_FORMAT);
	/* one level less is fine */
	assert_int_equal(kp_json_parse_strict(deep + 5, o - 6, &root), ERR_OK);
	cJSON_Delete(root);
	/* "\\u0000" is an escaped backslash, not a NUL escape */
	assert_int_equal(
	        kp_json_parse_strict("{\"a\":\"\\\\u0000\"}", 15, &root),
	        ERR_OK);
	cJSON_Delete(root);
}

static void test_list(void **state)
{
	static const char two[] =
	        "{\"metadata\":{\"collectionType\":"
	        "\"application/vnd.ibm.kms.key+json\",\"collectionTotal\":2,"
	        "\"totalCount\":9},\"resources\":[{" KEY_FIELDS
	        "},{\"id\":\"" VID
	        "\",\"name\":\"std\",\"state\":5,\"extractable\":true,"
	        "\"payload\":\"AAECAw==\",\"deleted\":true}]}";
	static const char none[] = "{" META(0) ",\"resources\":[]}";
	struct kp_key *keys = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(kp_json_parse_keys(two, strlen(two), &keys, &n),
	                 ERR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(keys[1].state, KP_STATE_DESTROYED);
	assert_int_equal(keys[1].payload_len, 4);
	assert_int_equal(keys[1].payload[3], 3);
	assert_string_equal(kp_json_state_name(keys[1].state), "destroyed");
	kp_json_keys_free(keys, n);
	assert_int_equal(kp_json_parse_keys(none, strlen(none), &keys, &n),
	                 ERR_OK);
	assert_int_equal(n, 0);
	kp_json_keys_free(keys, n);
	assert_int_equal(key(none), ERR_FORMAT); /* get wants exactly one */
}

static void test_versions(void **state)
{
	static const char body[] =
	        "{\"metadata\":{\"collectionType\":"
	        "\"application/vnd.ibm.kms.key.version+json\","
	        "\"collectionTotal\":2},\"resources\":[{\"id\":\"" VID "\","
	        "\"creationDate\":\"2026-04-01T00:00:00Z\"},{\"id\":\"" KID
	        "\"}]}";
	struct kp_key_version *v = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(kp_json_parse_versions(body, strlen(body), &v, &n),
	                 ERR_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].id, VID);
	assert_string_equal(v[1].id, KID);
	free(v);
	assert_int_equal(kp_json_parse_versions(ONE_KEY(""),
	                                        strlen(ONE_KEY("")), &v, &n),
	                 ERR_FORMAT);
}

static void test_wrap_unwrap(void **state)
{
	static const char wrap[] =
	        "{\"ciphertext\":\"eyJhIjoxfQ==\","
	        "\"keyVersion\":{\"id\":\"" KID "\"},\"plaintext\":"
	        "\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"}";
	static const char unwrap[] =
	        "{\"plaintext\":\"AAEC\",\"keyVersion\":"
	        "{\"id\":\"" KID "\"},\"ciphertext\":\"eyJiIjoyfQ==\","
	        "\"rewrappedKeyVersion\":{\"id\":\"" VID "\"}}";
	static const char rewrap[] =
	        "{\"ciphertext\":\"eyJiIjoyfQ==\","
	        "\"keyVersion\":{\"id\":\"" KID "\"},\"rewrappedKeyVersion\":"
	        "{\"id\":\"" VID "\"}}";
	struct kp_wrapped w;

	(void)state;
	assert_int_equal(kp_json_parse_wrap(wrap, strlen(wrap), &w), ERR_OK);
	assert_string_equal(w.ciphertext, "eyJhIjoxfQ==");
	assert_int_equal(w.plaintext_len, 32);
	assert_int_equal(w.plaintext[31], 0x1f);
	kp_json_wrapped_clear(&w);
	assert_int_equal(kp_json_parse_unwrap(unwrap, strlen(unwrap), &w),
	                 ERR_OK);
	assert_int_equal(w.plaintext_len, 3);
	assert_string_equal(w.rewrapped_key_version_id, VID);
	assert_string_equal(w.ciphertext, "eyJiIjoyfQ==");
	kp_json_wrapped_clear(&w);
	assert_int_equal(kp_json_parse_rewrap(rewrap, strlen(rewrap), &w),
	                 ERR_OK);
	assert_string_equal(w.key_version_id, KID);
	kp_json_wrapped_clear(&w);
}

static void test_wrap_hostile(void **state)
{
	static const char *const bad_wrap[] = {
		"{\"ciphertext\":123,\"keyVersion\":{\"id\":\"" KID "\"}}",
		"{\"ciphertext\":{},\"keyVersion\":{\"id\":\"" KID "\"}}",
		"{\"ciphertext\":[],\"keyVersion\":{\"id\":\"" KID "\"}}",
		"{\"ciphertext\":\"\",\"keyVersion\":{\"id\":\"" KID "\"}}",
		"{\"ciphertext\":\"eyJhIjoxfQ\",\"keyVersion\":{\"id\":\"" KID
		"\"}}",
		"{\"ciphertext\":\"eyJhIjoxfQ==\"}",
		"{\"ciphertext\":\"eyJhIjoxfQ==\",\"keyVersion\":{\"id\":7}}",
		"{\"ciphertext\":\"eyJhIjoxfQ==\",\"keyVersion\":{\"id\":\"" KID
		"\"},\"plaintext\":\"AA-_\"}",
		"{\"ciphertext\":\"eyJhIjoxfQ==\",\"ciphertext\":\"eyJhIjoxfQ"
		"==\",\"keyVersion\":{\"id\":\"" KID "\"}}",
	};
	static const char *const bad_unwrap[] = {
		"{\"keyVersion\":{\"id\":\"" KID "\"}}",
		"{\"plaintext\":\"\",\"keyVersion\":{\"id\":\"" KID "\"}}",
		"{\"plaintext\":\"AAEC\",\"keyVersion\":{\"id\":\"" KID "\"},"
		"\"ciphertext\":\"eyJiIjoyfQ==\"}",
		"{\"plaintext\":\"AAEC\",\"keyVersion\":{\"id\":\"" KID "\"},"
		"\"rewrappedKeyVersion\":{\"id\":\"" VID "\"}}",
		"{\"plaintext\":\"AAEC\",\"plaintext\":\"AAED\",\"keyVersion\":"
		"{\"id\":\"" KID "\"}}",
		"{\"plaintext\":\"AA\\u0000C\",\"keyVersion\":{\"id\":\"" KID
		"\"}}",
	};
	struct kp_wrapped w;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_wrap) / sizeof(bad_wrap[0]); i++)
		if (kp_json_parse_wrap(bad_wrap[i], strlen(bad_wrap[i]), &w) !=
		    ERR_FORMAT)
			fail_msg("wrap case %zu accepted", i);
	for (size_t i = 0; i < sizeof(bad_unwrap) / sizeof(bad_unwrap[0]); i++)
		if (kp_json_parse_unwrap(bad_unwrap[i], strlen(bad_unwrap[i]),
		                         &w) != ERR_FORMAT)
			fail_msg("unwrap case %zu accepted", i);
	assert_int_equal(
	        kp_json_parse_rewrap(bad_unwrap[2], strlen(bad_unwrap[2]), &w),
	        ERR_FORMAT);
}

static void test_import_token(void **state)
{
	static const char got[] =
	        "{\"creationDate\":\"2026-04-08T16:58:29Z\","
	        "\"expirationDate\":\"2026-04-08T17:18:29Z\","
	        "\"maxAllowedRetrievals\":1,\"remainingRetrievals\":0,"
	        "\"payload\":\"LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K\","
	        "\"nonce\":\"8zJE9pKVdXVe/nLb\"}";
	static const char short_nonce[] = "{\"payload\":\"AAAA\","
	                                  "\"nonce\":\"8zJE9pKVdXVe\"}";
	struct kp_import_token t;

	(void)state;
	assert_int_equal(kp_json_parse_import_token(got, strlen(got), true, &t),
	                 ERR_OK);
	assert_true(t.has_material);
	assert_int_equal(t.pubkey_len, 27);
	assert_memory_equal(t.pubkey, "-----BEGIN PUBLIC KEY-----\n", 27);
	assert_int_equal(t.nonce[0], 0xf3);
	assert_int_equal(t.max_retrievals, 1);
	kp_json_import_token_clear(&t);
	assert_int_equal(kp_json_parse_import_token(
	                         short_nonce, strlen(short_nonce), true, &t),
	                 ERR_FORMAT);
	assert_int_equal(kp_json_parse_import_token("{\"maxAllowedRetrievals\":"
	                                            "\"1\"}",
	                                            26, false, &t),
	                 ERR_FORMAT);
}

static void test_error_line(void **state)
{
	static const char body[] =
	        "{\"metadata\":{\"collectionType\":"
	        "\"application/vnd.ibm.kms.error+json\",\"collectionTotal\":1},"
	        "\"resources\":[{\"errorMsg\":\"Conflict: Key is not in active "
	        "state\",\"reasons\":[{\"code\":\"KEY_ACTION_INVALID_STATE_"
	        "ERR\","
	        "\"message\":\"key is \\u001b[31mdisabled\",\"status\":409},"
	        "\"junk\",{\"code\":\"X\"}]}]}";
	static const char plain[] =
	        "{\"metadata\":{\"collectionType\":"
	        "\"application/vnd.ibm.kms.error+json\",\"collectionTotal\":1},"
	        "\"resources\":[{\"errorMsg\":\"Unauthorized: The user does not"
	        " have access to the specified resource\"}]}";
	static const char no_msg[] =
	        "{\"metadata\":{\"collectionType\":"
	        "\"application/vnd.ibm.kms.error+json\",\"collectionTotal\":1},"
	        "\"resources\":[{\"reasons\":[]}]}";
	static const char iam[] =
	        "{\"errorCode\":\"BXNIM0415E\","
	        "\"errorMessage\":\"Provided API key could not be found\","
	        "\"context\":{\"requestId\":\"r1\"}}";
	struct kp_error e;
	char line[512];

	(void)state;
	assert_int_equal(kp_json_parse_error(body, strlen(body), &e), ERR_OK);
	kp_json_error_format(&e, "Key Protect", 409,
	                     "c0ffee00-1111-4222-8333"
	                     "-444455556666",
	                     line, sizeof(line));
	assert_string_equal(line,
	                    "Key Protect: Conflict: Key is not in active"
	                    " state [KEY_ACTION_INVALID_STATE_ERR: key is ?[31m"
	                    "disabled; +1 more] (HTTP 409, correlation-id "
	                    "c0ffee00-1111-4222-8333-444455556666)");
	assert_int_equal(kp_json_parse_error(plain, strlen(plain), &e), ERR_OK);
	kp_json_error_format(&e, "Key Protect", 401, "", line, sizeof(line));
	assert_string_equal(line,
	                    "Key Protect: Unauthorized: The user does "
	                    "not have access to the specified resource (HTTP "
	                    "401)");
	kp_json_error_format(NULL, "Key Protect", 502, "x\ny", line,
	                     sizeof(line));
	assert_string_equal(line,
	                    "Key Protect: unexpected HTTP status without"
	                    " a readable error body (HTTP 502, correlation-id "
	                    "x?y)");
	assert_int_equal(
	        kp_json_parse_error(ONE_KEY(""), strlen(ONE_KEY("")), &e),
	        ERR_FORMAT);
	assert_int_equal(kp_json_parse_error(no_msg, strlen(no_msg), &e),
	                 ERR_FORMAT);
	assert_int_equal(kp_json_parse_iam_error(iam, strlen(iam), &e), ERR_OK);
	kp_json_error_format(&e, "IAM", 400, NULL, line, sizeof(line));
	assert_string_equal(line, "IAM: Provided API key could not be found "
	                          "[BXNIM0415E] (HTTP 400)");
}

static void test_iam(void **state)
{
	static const char ok[] =
	        "{\"access_token\":\"eyJraWQiOi.eyJzdWIi.sig-"
	        "_x\",\"refresh_token\":\"r\",\"token_type\":\"Bearer\","
	        "\"expires_in\":3600,\"expiration\":1767225600,\"scope\":"
	        "\"s\"}";
	static const char *const bad[] = {
		"{\"access_token\":\"a b\",\"expires_in\":3600}",
		"{\"access_token\":\"a\\r\\nX: y\",\"expires_in\":3600}",
		"{\"access_token\":\"\",\"expires_in\":3600}",
		"{\"access_token\":\"abc\"}",
		"{\"access_token\":\"abc\",\"expires_in\":0}",
		"{\"access_token\":\"abc\",\"expires_in\":\"3600\"}",
		"{\"access_token\":\"abc\",\"expires_in\":60,"
		"\"token_type\":\"MAC\"}",
		"{\"access_token\":\"abc\",\"access_token\":\"def\","
		"\"expires_in\":60}",
	};
	struct kp_iam_token t;

	(void)state;
	assert_int_equal(kp_json_parse_iam(ok, strlen(ok), &t), ERR_OK);
	assert_string_equal(t.access_token, "eyJraWQiOi.eyJzdWIi.sig-_x");
	assert_int_equal(t.expires_in, 3600);
	assert_int_equal(t.expiration, 1767225600);
	kp_json_iam_token_clear(&t);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (kp_json_parse_iam(bad[i], strlen(bad[i]), &t) != ERR_FORMAT)
			fail_msg("IAM case %zu accepted", i);
}

static void test_build_key(void **state)
{
	struct kp_key_template t = {
		.name = "crk \"2026\"",
		.description = "root\\key",
		.aliases = { "image-crk" },
		.n_aliases = 1,
		.payload = "cGF5",
		.encrypted_nonce = "bm9u",
		.iv = "aXY=",
		.algorithm = "RSAES_OAEP_SHA_256",
	};
	struct kp_jbuf j;

	(void)state;
	assert_int_equal(kp_json_build_key(&t, &j), ERR_OK);
	assert_string_equal(
	        j.buf,
	        "{\"metadata\":{\"collectionType\":"
	        "\"application/vnd.ibm.kms.key+json\",\"collectionTotal\":1},"
	        "\"resources\":[{\"type\":\"application/vnd.ibm.kms.key+json\","
	        "\"name\":\"crk \\\"2026\\\"\",\"description\":\"root\\\\key"
	        "\",\"aliases\":[\"image-crk\"],\"extractable\":false,"
	        "\"payload\":\"cGF5\",\"encryptedNonce\":\"bm9u\",\"iv\":"
	        "\"aXY=\",\"encryptionAlgorithm\":\"RSAES_OAEP_SHA_256\"}]}");
	kp_jbuf_free(&j);
	t.iv = NULL;
	assert_int_equal(kp_json_build_key(&t, &j), ERR_USAGE);
	t.iv = "aXY=";
	t.aliases[0] = KID;
	assert_int_equal(kp_json_build_key(&t, &j), ERR_USAGE);
	t.aliases[0] = "ok";
	t.name = "x";
	assert_int_equal(kp_json_build_key(&t, &j), ERR_USAGE);
	t.name = "\xc3\x28zz";
	assert_int_equal(kp_json_build_key(&t, &j), ERR_USAGE);
	t.name = "tab\there";
	assert_int_equal(kp_json_build_key(&t, &j), ERR_USAGE);
}

static void test_build_actions(void **state)
{
	static const uint8_t dek[3] = { 1, 2, 3 };
	static const char *const aad[] = { "a", "b\"" };
	struct kp_jbuf j;

	(void)state;
	assert_int_equal(kp_json_build_wrap(dek, 3, aad, 2, &j), ERR_OK);
	assert_string_equal(j.buf, "{\"plaintext\":\"AQID\",\"aad\":[\"a\","
	                           "\"b\\\"\"]}");
	kp_jbuf_free(&j);
	assert_int_equal(kp_json_build_wrap(NULL, 0, NULL, 0, &j), ERR_OK);
	assert_string_equal(j.buf, "{}");
	kp_jbuf_free(&j);
	assert_int_equal(kp_json_build_unwrap("eyJ9", NULL, 0, &j), ERR_OK);
	assert_string_equal(j.buf, "{\"ciphertext\":\"eyJ9\"}");
	kp_jbuf_free(&j);
	assert_int_equal(kp_json_build_import_token(600, 1, &j), ERR_OK);
	assert_string_equal(j.buf, "{\"expiration\":600,"
	                           "\"maxAllowedRetrievals\":1}");
	kp_jbuf_free(&j);
	assert_int_equal(kp_json_build_import_token(60, 1, &j), ERR_USAGE);
	assert_int_equal(kp_json_build_iam_form("a+b/c=d~e_f.g-h%", &j),
	                 ERR_OK);
	assert_string_equal(j.buf,
	                    "grant_type=urn%3Aibm%3Aparams%3Aoauth%3A"
	                    "grant-type%3Aapikey&apikey=a%2Bb%2Fc%3Dd~e_f.g-h"
	                    "%25");
	kp_jbuf_free(&j);
}

static void test_jbuf_overflow(void **state)
{
	struct kp_jbuf j;

	(void)state;
	assert_int_equal(kp_jbuf_init(&j, 8), ERR_OK);
	kp_jbuf_open(&j, NULL, '{');
	kp_jbuf_str(&j, "name", "too long for eight");
	assert_int_equal(kp_jbuf_done(&j, "t"), ERR_FORMAT);
	assert_true(strlen(j.buf) <= 8);
	kp_jbuf_free(&j);
	assert_int_equal(kp_jbuf_init(&j, 64), ERR_OK);
	kp_jbuf_open(&j, NULL, '[');
	kp_jbuf_str(&j, NULL, "a\tb\x7f");
	kp_jbuf_int(&j, NULL, -5);
	kp_jbuf_bool(&j, NULL, true);
	kp_jbuf_close(&j, ']');
	assert_int_equal(kp_jbuf_done(&j, "t"), ERR_OK);
	assert_string_equal(j.buf, "[\"a\\u0009b\\u007f\",-5,true]");
	kp_jbuf_free(&j);
}

static int check_secmem(void **state)
{
	(void)state;
	/* Every secret buffer the tests made was freed (and so wiped). */
	return secmem_used() == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_ok),
		cmocka_unit_test(test_key_hostile),
		cmocka_unit_test(test_raw_bytes),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_wrap_unwrap),
		cmocka_unit_test(test_wrap_hostile),
		cmocka_unit_test(test_import_token),
		cmocka_unit_test(test_error_line),
		cmocka_unit_test(test_iam),
		cmocka_unit_test(test_build_key),
		cmocka_unit_test(test_build_actions),
		cmocka_unit_test(test_jbuf_overflow),
	};

	secmem_init(1u << 22);
	secmem_use_for_json();
	return cmocka_run_group_tests_name("kp_json", tests, NULL,
	                                   check_secmem);
}
