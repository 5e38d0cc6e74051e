/* SPDX-License-Identifier: MIT */
/* test_kp_root_check.c - the token half of t-kp-flows.sh's independent
 * check of a secure import: encrypt a fixed block with the token's root
 * key (AES-GCM, or AES-CBC-PAD for an HPCS root) and compare it with what
 * the test computed with Python `cryptography` under the key material the
 * test's own Key Protect server decrypted from the import payload. Equal
 * output means the token holds exactly what Key Protect got. Raw PKCS#11
 * calls, not p11seal's nonce code. Run by t-kp-flows.sh; skips alone.
 *
 * Env: P11CHK_MODULE, P11CHK_INIT_ARGS (optional), P11CHK_TOKEN (label,
 * URI-encoded), P11CHK_PIN_FILE, P11CHK_KEY (root key label), P11CHK_MECH
 * (gcm|cbc), P11CHK_IV, P11CHK_DATA and P11CHK_EXPECT (hex). */
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

/* C_Encrypt of data under key with the mechanism the test names. */
static void token_encrypt(struct p11_session *s, CK_OBJECT_HANDLE key,
                          struct hexarg *iv, struct hexarg *data, uint8_t *out,
                          CK_ULONG *len)
{
	CK_GCM_PARAMS gcm = { iv->b, iv->len, 8 * iv->len, NULL, 0, 128 };
	CK_MECHANISM m = { CKM_AES_GCM, &gcm, sizeof(gcm) };
	CK_FUNCTION_LIST *fn = p11_session_fn(s);

	if (strcmp(getenv("P11CHK_MECH"), "cbc") == 0)
		m = (CK_MECHANISM){ CKM_AES_CBC_PAD, iv->b, iv->len };
	assert_int_equal(fn->C_EncryptInit(p11_session_handle(s), &m, key),
	                 CKR_OK);
	assert_int_equal(fn->C_Encrypt(p11_session_handle(s), data->b,
	                               data->len, out, len),
	                 CKR_OK);
}

static void test_root_matches_import(void **state)
{
	struct p11_module *m = NULL;
	struct p11_session *s = NULL;
	struct p11_uri *uri = NULL;
	struct hexarg iv, data, expect;
	CK_OBJECT_HANDLE key;
	char turi[160], pin[64];
	uint8_t out[2 * MAX_BYTES];
	CK_ULONG len = sizeof(out);

	(void)state;
	hex_env("P11CHK_IV", &iv);
	hex_env("P11CHK_DATA", &data);
	hex_env("P11CHK_EXPECT", &expect);
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
	token_encrypt(s, key, &iv, &data, out, &len);
	assert_int_equal(len, expect.len);
	assert_memory_equal(out, expect.b, expect.len);
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
