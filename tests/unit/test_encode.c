/* SPDX-License-Identifier: MIT */
/* test_encode.c - hex and base64 known answers and rejects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "encode.h"

static void test_hex_roundtrip(void **state)
{
	const uint8_t in[] = { 0x00, 0x01, 0x9a, 0xff, 0x10 };
	uint8_t back[5];
	char hex[11];

	(void)state;
	encode_hex(hex, in, sizeof(in));
	assert_string_equal(hex, "00019aff10");
	assert_int_equal(decode_hex(back, sizeof(back), "00019AFF10"), ERR_OK);
	assert_memory_equal(back, in, sizeof(in));
}

static void test_hex_rejects(void **state)
{
	uint8_t out[2];

	(void)state;
	assert_int_equal(decode_hex(out, 2, "abc"), ERR_FORMAT);
	assert_int_equal(decode_hex(out, 2, "abcdef"), ERR_FORMAT);
	assert_int_equal(decode_hex(out, 2, "abcg"), ERR_FORMAT);
	assert_int_equal(decode_hex(out, 2, "ab d"), ERR_FORMAT);
}

/* RFC 4648 section 10 test vectors. */
static void test_base64_rfc4648(void **state)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob",
					     "fooba", "foobar" };
	static const char *const enc[] = { "", "Zg==", "Zm8=", "Zm9v",
					   "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	char out[16];
	uint8_t back[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		encode_base64(out, (const uint8_t *)plain[i], strlen(plain[i]));
		assert_string_equal(out, enc[i]);
		assert_int_equal(decode_base64(back, sizeof(back), &n, enc[i],
					       strlen(enc[i])), ERR_OK);
		assert_int_equal(n, strlen(plain[i]));
		assert_memory_equal(back, plain[i], n);
	}
}

static void test_base64_all_bytes(void **state)
{
	uint8_t in[256], back[256];
	char out[400];
	size_t n;

	(void)state;
	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)i;
	encode_base64(out, in, sizeof(in));
	assert_int_equal(strlen(out), encode_base64_len(256));
	assert_int_equal(decode_base64(back, sizeof(back), &n, out,
				       strlen(out)), ERR_OK);
	assert_int_equal(n, 256);
	assert_memory_equal(back, in, 256);
	assert_string_equal(out + 320, "8PHy8/T19vf4+fr7/P3+/w==");
}

static void test_base64_rejects(void **state)
{
	static const char *const bad[] = { "Zg=", "Zm9v!A==", "Z===",
					   "Zh==", "Zm9=", "Zm=v", "Zm9v\nYg==",
					   "Zm9vYg-_" };
	uint8_t out[16];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(decode_base64(out, sizeof(out), &n, bad[i],
					       strlen(bad[i])), ERR_FORMAT);
	/* too long for the output buffer */
	assert_int_equal(decode_base64(out, 2, &n, "Zm9v", 4), ERR_FORMAT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_roundtrip),
		cmocka_unit_test(test_hex_rejects),
		cmocka_unit_test(test_base64_rfc4648),
		cmocka_unit_test(test_base64_all_bytes),
		cmocka_unit_test(test_base64_rejects),
	};

	return cmocka_run_group_tests_name("encode", tests, NULL, NULL);
}
