/* SPDX-License-Identifier: MIT */
/* test_km_kp.c - the pure parts of the token/Key Protect modules: the
 * root version label scheme and CKA_ID, and the WDEK record parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "km_kpdek.h"
#include "km_rootver.h"
#include "secmem.h"

#define KEY_ID "6b0f2c1e-1d2a-4c3b-9a8e-2f4a5b6c7d8e"
#define VER_ID "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
#define WDEK   "eyJjaXBoZXJ0ZXh0IjoiYWJjIn0="

static void test_version_of(void **state)
{
	(void)state;
	assert_int_equal(km_rootver_of("crk", "crk"), 1);
	assert_int_equal(km_rootver_of("crk.v2", "crk"), 2);
	assert_int_equal(km_rootver_of("crk.v10", "crk"), 10);
	assert_int_equal(km_rootver_of("crk.v1", "crk"), 0);
	assert_int_equal(km_rootver_of("crk.v02", "crk"), 0);
	assert_int_equal(km_rootver_of("crk.v2x", "crk"), 0);
	assert_int_equal(km_rootver_of("crk.v", "crk"), 0);
	assert_int_equal(km_rootver_of("crk.tweak", "crk"), 0);
	assert_int_equal(km_rootver_of("crkx.v2", "crk"), 0);
	assert_int_equal(km_rootver_of("crk.v999999", "crk"), 0);
	assert_int_equal(km_rootver_of("cr", "crk"), 0);
}

static void test_base(void **state)
{
	char b[16];

	(void)state;
	km_rootver_base("crk.v3", b, sizeof(b));
	assert_string_equal(b, "crk");
	km_rootver_base("crk", b, sizeof(b));
	assert_string_equal(b, "crk");
	km_rootver_base("a.b.v2", b, sizeof(b));
	assert_string_equal(b, "a.b");
	km_rootver_base("crk.v1", b, sizeof(b));
	assert_string_equal(b, "crk.v1");
	km_rootver_base(".v2", b, sizeof(b));
	assert_string_equal(b, ".v2");
}

static void test_id(void **state)
{
	static const uint8_t want[KM_ROOTVER_ID_LEN] = {
		0x6b, 0x0f, 0x2c, 0x1e, 0x1d, 0x2a, 0x4c, 0x3b,
		0x9a, 0x8e, 0x2f, 0x4a, 0x5b, 0x6c, 0x7d, 0x8e,
		0x0d, 0x1e, 0x2f, 0x3a, 0x4b, 0x5c, 0x4d, 0x6e,
		0x8f, 0x70, 0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6,
	};
	uint8_t id[KM_ROOTVER_ID_LEN];

	(void)state;
	assert_int_equal(km_rootver_id(KEY_ID, VER_ID, id), ERR_OK);
	assert_memory_equal(id, want, sizeof(want));
	assert_int_equal(km_rootver_id("crk-alias", VER_ID, id), ERR_FORMAT);
	assert_int_equal(km_rootver_id(KEY_ID, "", id), ERR_FORMAT);
}

static void parse_ok(const char *text, const char *root)
{
	struct km_kpdek_record r;

	assert_int_equal(km_kpdek_record_parse(text, strlen(text), &r), ERR_OK);
	assert_string_equal(r.wrapped_dek, WDEK);
	assert_string_equal(r.root_key_id, root);
	km_kpdek_record_clear(&r);
}

static void parse_bad(const char *text, enum err want)
{
	struct km_kpdek_record r;

	assert_int_equal(km_kpdek_record_parse(text, strlen(text), &r), want);
	assert_null(r.wrapped_dek);
}

static void test_record(void **state)
{
	(void)state;
	parse_ok(WDEK, "");
	parse_ok(WDEK "\n", "");
	parse_ok("{\"wrapped_dek\":\"" WDEK "\"}", "");
	parse_ok("{\"label\":\"d1\",\"wrapped_dek\":\"" WDEK "\","
	         "\"root_key_crn\":\"crn:v1:x\",\"root_key_id\":\"" KEY_ID "\","
	         "\"key_version\":\"" VER_ID "\",\"kms\":\"keyprotect\","
	         "\"size\":64}\n",
	         KEY_ID);
	parse_bad("", ERR_FORMAT);
	parse_bad("not base64!", ERR_FORMAT);
	parse_bad("abc", ERR_FORMAT);
	parse_bad("{}", ERR_FORMAT);
	parse_bad("{\"wrapped_dek\":42}", ERR_FORMAT);
	parse_bad("{\"wrapped_dek\":\"a b\"}", ERR_FORMAT);
	parse_bad("{\"wrapped_dek\":\"" WDEK "\",\"root_key_id\":\"../x\"}",
	          ERR_FORMAT);
	parse_bad("{\"wrapped_dek\":\"" WDEK "\",\"wrapped_dek\":\"" WDEK "\"}",
	          ERR_FORMAT);
	parse_bad("[\"" WDEK "\"]", ERR_FORMAT);
	parse_bad("{\"wrapped_dek\":\"" WDEK "\"", ERR_FORMAT);
}

static void test_record_json(void **state)
{
	struct km_kpdek_record r = { 0 };
	cJSON *j;

	(void)state;
	r.wrapped_dek = strdup(WDEK);
	snprintf(r.root_key_id, sizeof(r.root_key_id), "%s", KEY_ID);
	snprintf(r.kms, sizeof(r.kms), "hpcs");
	j = km_kpdek_record_json(&r, "d1");
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "wrapped_dek")->valuestring,
	                    WDEK);
	assert_string_equal(cJSON_GetObjectItem(j, "root_key_id")->valuestring,
	                    KEY_ID);
	assert_string_equal(cJSON_GetObjectItem(j, "label")->valuestring, "d1");
	assert_non_null(cJSON_GetObjectItem(j, "root_key_crn"));
	assert_non_null(cJSON_GetObjectItem(j, "key_version"));
	cJSON_Delete(j);
	km_kpdek_record_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_of),
		cmocka_unit_test(test_base),
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_record_json),
	};

	secmem_init(1u << 20);
	secmem_use_for_json();
	return cmocka_run_group_tests_name("km_kp", tests, NULL, NULL);
}
