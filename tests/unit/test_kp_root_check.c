/* SPDX-License-Identifier: MIT */
/* test_kp_root_check.c - the token half of t-kp-flows-import-check.sh's
 * independent check of a secure import: the token's kept root key
 * refuses to encrypt (AES-GCM, or AES-CBC-PAD for an HPCS root: it is no
 * keystream oracle for the WDEKs, issue 11), and its CKA_CHECK_VALUE
 * equals what the test computed with Python `cryptography` under the key
 * material the test's own Key Protect server decrypted from the import
 * payload: the token holds what Key Protect got. Raw PKCS#11 calls, not
 * p11seal's code. Run by t-kp-flows-import-check.sh; skips alone.
 *
 * Env: P11CHK_MODULE, P11CHK_INIT_ARGS (optional), P11CHK_TOKEN (label,
 * URI-encoded), P11CHK_PIN_FILE, P11CHK_KEY (root key label), P11CHK_MECH
 * (gcm|cbc), P11CHK_IV and P11CHK_EXPECT (the check value, hex; "none"
 * for a token that keeps none, NSS softoken 3.87: then only the refusal
 * is checked). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "encode.h"
#include "err.h"
#include "p11_int.h"
#include "p11_module.h"
#include "p11_obj.h"
#include "p11_session.h"
#include "p11_uri.h"
#include "secmem.h"

#define MAX_BYTES 64

struct hexarg {
	uint8_t b[MAX_BYTES];
	size_t len;
};

static void hex_env(const char *name, struct hexarg *out)
{
	const char *v = getenv(name);

	assert_non_null(v);
	out->len = strlen(v) / 2;
	assert_true(out->len > 0 && out->len <= MAX_BYTES);
	assert_int_equal(decode_hex(out->b, out->len, v), ERR_OK);
}

static void read_pin(char *pin, size_t cap)
{
	FILE *f = fopen(getenv("P11CHK_PIN_FILE"), "r");
	size_t n;

	assert_non_null(f);
	n = fread(pin, 1, cap - 1, f);
	fclose(f);
	pin[n] = '\0';
	pin[strcspn(pin, "\r\n")] = '\0';
}

/* The key's CKA_CHECK_VALUE: AES-ECB of a zero block, first 3 bytes
 * (PKCS#11 3.0), computed by the token when it made the material. */
static void token_kcv(struct p11_session *s, CK_OBJECT_HANDLE key,
                      uint8_t out[3])
{
	CK_ATTRIBUTE a = { CKA_CHECK_VALUE, out, 3 };

	assert_int_equal(p11_session_fn(s)->C_GetAttributeValue(
	                         p11_session_handle(s), key, &a, 1),
	                 CKR_OK);
	assert_int_equal(a.ulValueLen, 3);
}

/* The key no longer encrypts: with the mechanism its material used for
 * the nonce, under the test's IV, the token says no (NSS softoken 3.87
 * answers a missing usage flag with CKR_KEY_TYPE_INCONSISTENT, measured). */
static void token_refuses(struct p11_session *s, CK_OBJECT_HANDLE key,
                          struct hexarg *iv)
{
	CK_GCM_PARAMS gcm = { iv->b, iv->len, 8 * iv->len, NULL, 0, 128 };
	CK_MECHANISM m = { CKM_AES_GCM, &gcm, sizeof(gcm) };
	CK_RV rv;

	if (strcmp(getenv("P11CHK_MECH"), "cbc") == 0)
		m = (CK_MECHANISM){ CKM_AES_CBC_PAD, iv->b, iv->len };
	rv = p11_session_fn(s)->C_EncryptInit(p11_session_handle(s), &m, key);
	assert_true(rv == CKR_KEY_FUNCTION_NOT_PERMITTED ||
	            rv == CKR_KEY_TYPE_INCONSISTENT);
}

static void test_root_matches_import(void **state)
{
	struct p11_module *m = NULL;
	struct p11_session *s = NULL;
	struct p11_uri *uri = NULL;
	struct hexarg iv, expect;
	CK_OBJECT_HANDLE key;
	char turi[160], pin[64];
	uint8_t kcv[3];

	(void)state;
	hex_env("P11CHK_IV", &iv);
	if (strcmp(getenv("P11CHK_EXPECT"), "none") != 0) {
		hex_env("P11CHK_EXPECT", &expect);
		assert_int_equal(expect.len, sizeof(kcv));
	} else {
		expect.len = 0;
	}
	snprintf(turi, sizeof(turi), "pkcs11:token=%s", getenv("P11CHK_TOKEN"));
	assert_int_equal(p11_uri_parse(turi, &uri), ERR_OK);
	assert_int_equal(p11_module_load(&m, getenv("P11CHK_MODULE"),
	                                 getenv("P11CHK_INIT_ARGS")),
	                 ERR_OK);
	assert_int_equal(p11_session_open(&s, m, uri, NULL), ERR_OK);
	read_pin(pin, sizeof(pin));
	assert_int_equal(p11_session_login(s, pin, strlen(pin), false), ERR_OK);
	secmem_wipe(pin, sizeof(pin));
	assert_int_equal(p11_obj_find_one(s, CKO_SECRET_KEY,
	                                  getenv("P11CHK_KEY"), NULL, 0, &key),
	                 ERR_OK);
	token_refuses(s, key, &iv);
	if (expect.len) {
		token_kcv(s, key, kcv);
		assert_memory_equal(kcv, expect.b, sizeof(kcv));
	}
	p11_session_close(s);
	p11_module_free(m);
	p11_uri_free(uri);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_matches_import),
	};

	if (!getenv("P11CHK_MODULE") || !getenv("P11CHK_KEY") ||
	    !getenv("P11CHK_MECH") || !getenv("P11CHK_PIN_FILE")) {
		printf("1..0 # SKIP P11CHK_* not set (run by t-kp-flows.sh)\n");
		return 0;
	}
	return cmocka_run_group_tests_name("kp_root_check", tests, NULL, NULL);
}
