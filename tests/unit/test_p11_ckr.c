/* SPDX-License-Identifier: MIT */
/* test_p11_ckr.c - which answers of a module mean "the token refused" and
 * which mean "the module or its connection failed" (issue 12), and the
 * error detail p11_fail records for each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "p11_ckr.h"

/* What a capability trial reads as "no" and goes on. */
static void test_refusals_are_answers(void **state)
{
	static const CK_RV no[] = {
		CKR_MECHANISM_INVALID,
		CKR_MECHANISM_PARAM_INVALID,
		CKR_FUNCTION_NOT_SUPPORTED,
		CKR_ATTRIBUTE_TYPE_INVALID,
		CKR_ATTRIBUTE_VALUE_INVALID,
		CKR_ATTRIBUTE_READ_ONLY,
		CKR_TEMPLATE_INCONSISTENT,
		CKR_TEMPLATE_INCOMPLETE,
		CKR_KEY_INDIGESTIBLE,
		CKR_KEY_TYPE_INCONSISTENT,
		CKR_ARGUMENTS_BAD,
		CKR_FUNCTION_FAILED,
		CKR_RANDOM_NO_RNG,
		CKR_SESSION_READ_ONLY,
		0x00000140UL, /* CKR_CURVE_NOT_SUPPORTED: not in the table */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (p11_ckr_module_failed(no[i]))
			fail_msg("%s read as a failed module",
			         p11_ckr_name(no[i]));
}

/* What stops a probe: the token gave no answer at all. */
static void test_failures_stop(void **state)
{
	static const CK_RV dead[] = {
		CKR_DEVICE_ERROR,      CKR_GENERAL_ERROR,
		CKR_DEVICE_REMOVED,    CKR_SESSION_HANDLE_INVALID,
		CKR_SESSION_CLOSED,    CKR_CRYPTOKI_NOT_INITIALIZED,
		CKR_TOKEN_NOT_PRESENT, CKR_HOST_MEMORY,
		CKR_VENDOR_DEFINED,    (CK_RV)-1,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(dead) / sizeof(dead[0]); i++)
		if (!p11_ckr_module_failed(dead[i]))
			fail_msg("%s read as a refusal", p11_ckr_name(dead[i]));
}

/* A dead proxy's code is shown as it came, the call is named. */
static void test_vendor_detail(void **state)
{
	(void)state;
	assert_int_equal(
	        p11_fail((CK_RV)-1, "C_EncryptInit", "in the GCM trial"),
	        ERR_HSM);
	assert_string_equal(err_detail(),
	                    "C_EncryptInit in the GCM trial: "
	                    "vendor-specific error (CKR_0xffffffffffffffff)");
}

/* CKR_ATTRIBUTE_VALUE_INVALID is no guess at a key size: tpm2-pkcs11
 * answers it for every secret key. */
static void test_no_key_size_guess(void **state)
{
	(void)state;
	p11_fail(CKR_ATTRIBUTE_VALUE_INVALID, "C_CreateObject for", "d");
	assert_null(strstr(err_detail(), "key size"));
	assert_non_null(strstr(err_detail(), "(CKR_ATTRIBUTE_VALUE_INVALID)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusals_are_answers),
		cmocka_unit_test(test_failures_stop),
		cmocka_unit_test(test_vendor_detail),
		cmocka_unit_test(test_no_key_size_guess),
	};

	return cmocka_run_group_tests_name("p11_ckr", tests, NULL, NULL);
}
