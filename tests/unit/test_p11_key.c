/* SPDX-License-Identifier: MIT */
/* test_p11_key.c - the profile check that stands between a token that
 * ignores a template and a key p11seal would trust, plus CKR naming. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "p11_ckr.h"
#include "p11_key.h"

static struct p11_obj_info make(CK_KEY_TYPE type, const char *flags_on)
{
	struct p11_obj_info i;

	memset(&i, 0, sizeof(i));
	i.cls = CKO_SECRET_KEY;
	i.key_type = type;
	strcpy(i.label, "k");
	for (int f = 0; f < P11F_COUNT; f++) {
		char name[40];

		i.known[f] = true;
		snprintf(name, sizeof(name), ",%s,", p11_flag_name(f));
		i.flag[f] = strstr(flags_on, name) != NULL;
	}
	return i;
}

#define DATA_OK ",token,private,sensitive,encrypt,decrypt,"
#define ROOT_OK ",token,private,sensitive,extractable,wrap_with_trusted,encrypt,"

static void test_good_profiles_pass(void **state)
{
	struct p11_obj_info d = make(CKK_AES, DATA_OK);
	struct p11_obj_info r = make(CKK_AES, ROOT_OK);

	(void)state;
	assert_int_equal(p11_key_check_profile(&d, P11P_DEK_DATA), ERR_OK);
	assert_int_equal(p11_key_check_profile(&r, P11P_ROOT), ERR_OK);
}

static void test_bad_profiles_fail(void **state)
{
	struct p11_obj_info i;

	(void)state;
	/* a data half that may also wrap */
	i = make(CKK_AES, DATA_OK "wrap,");
	assert_int_equal(p11_key_check_profile(&i, P11P_DEK_DATA), ERR_POLICY);
	/* a tweak half that may decrypt */
	i = make(CKK_AES, DATA_OK);
	assert_int_equal(p11_key_check_profile(&i, P11P_DEK_TWEAK), ERR_POLICY);
	/* not sensitive */
	i = make(CKK_AES, ",token,private,encrypt,decrypt,");
	assert_int_equal(p11_key_check_profile(&i, P11P_DEK_DATA), ERR_POLICY);
	/* extractable root without trusted wrapping */
	i = make(CKK_AES, ",token,private,sensitive,extractable,encrypt,");
	assert_int_equal(p11_key_check_profile(&i, P11P_ROOT), ERR_POLICY);
	/* root that can decrypt (wrap-then-decrypt attack surface) */
	i = make(CKK_AES, ROOT_OK "decrypt,");
	assert_int_equal(p11_key_check_profile(&i, P11P_ROOT), ERR_POLICY);
	/* wrong key type */
	i = make(CKK_GENERIC_SECRET, DATA_OK);
	assert_int_equal(p11_key_check_profile(&i, P11P_DEK_DATA), ERR_POLICY);
	/* a required flag the token does not report */
	i = make(CKK_AES, DATA_OK);
	i.known[P11F_SENSITIVE] = false;
	assert_int_equal(p11_key_check_profile(&i, P11P_DEK_DATA), ERR_POLICY);
	assert_non_null(strstr(err_detail(), "sensitive"));
}

static void test_ckr_translation(void **state)
{
	(void)state;
	assert_string_equal(p11_ckr_name(CKR_PIN_INCORRECT), "CKR_PIN_INCORRECT");
	assert_string_equal(p11_ckr_name(0x8000abcdUL), "CKR_0x8000abcd");
	assert_int_equal(p11_fail(CKR_PIN_INCORRECT, "login", "t"), ERR_PIN);
	assert_non_null(strstr(err_detail(), "PIN is incorrect"));
	assert_int_equal(p11_fail(CKR_TOKEN_NOT_PRESENT, "open", NULL),
			 ERR_NOT_FOUND);
	assert_int_equal(p11_fail(CKR_MECHANISM_INVALID, "x", NULL),
			 ERR_UNSUPPORTED);
	assert_int_equal(p11_fail(0x8000abcdUL, "x", NULL), ERR_HSM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_profiles_pass),
		cmocka_unit_test(test_bad_profiles_fail),
		cmocka_unit_test(test_ckr_translation),
	};

	return cmocka_run_group_tests_name("p11_key", tests, NULL, NULL);
}
