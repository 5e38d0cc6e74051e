/* SPDX-License-Identifier: MIT */
/* test_p11_rsa.c - transport keys without a token: the role checks that
 * stand between a token that ignored a template and a key p11seal would
 * use, and the station PEM parser and fingerprint (vector from `openssl
 * pkey -pubin -outform DER | sha256sum`). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "p11_rsa.h"

/* clang-format off */
static const char pem3072[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MIIBojANBgkqhkiG9w0BAQEFAAOCAY8AMIIBigKCAYEAodpDuCe7R0+v6qiLgwHk\n"
	"Hs3DFwd4an8d70VmT6se9rKNt4+axAwCySrvV3DPQONArpytHbcFPTtX9+IaE8A0\n"
	"bTA0e26bT21NayfILsj09yGNdJ/3T0eNXq8x55qgoHnT4Eg9H6qgqjYxCjyqzOFg\n"
	"WPiQJZrkIcsS3FRTJulkRwBxm2LYFHdmLpqwNJ6sP7rIlc/Na56bwP4o9uLvHaGK\n"
	"LBxneKKMRysU/P48of6CI9ZHg/fdMlfV9BdsjDeF2FMtTz6mujgto0LeCoxXsqQa\n"
	"rVlr18tXdmVyQ6FvTFV1QGv23XY1jdSbgM9ufDTTcVdp8+dj8nIjo952mirRcGfD\n"
	"G3w7RXnf53ZFdSKo6d//kuv35CsqScdb8OyisMM4D1hilxPeLZo2/x+c8eLKp9uU\n"
	"PNjoTL38Jy74ErBGOkJVGcSGOg8gAA+fY2yW4ri+tUQqON+2DjrGcMlwc/d/UagL\n"
	"DdpRH4zU1RIecJRglLmZKNI5Ue1Ua0mGAfg6TK9sJ1NVAgMBAAE=\n"
	"-----END PUBLIC KEY-----\n";
static const char fp3072[] =
	"7e610602b689bb1bc9be5e773857739afb285d942b26c3007f43a2a233e03922";
static const char pem2048[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAw2KUdRPjav9NjaNHl1tK\n"
	"LR809+Jg1VnF78/8UComXEBHkmXGnFTESNgP6TLn8Ln5ooZkp/xjOU48fczjL4Qz\n"
	"s5nwOl+zRmTD42+C1HwCMyg4Ea4wQimnwOK1XVpotIRwvbk/Skhpu3pCtxo0lZJp\n"
	"9VVoboGTDUO/YRadYDZXTGQnYMex+6W5/2C59sEHJnHhfDCRMl9dwKEg1rXwsvMY\n"
	"zlCDO08b4TSLS+oKOvVQ5flUa3r3isFqSrkE/4qciiNDdAXNQdTv74mmLydbN6xX\n"
	"ZrJgIxvy5V5aVB5LLI59hjpjDaq8F/C8Ht6/iTBG5Z2EnRf9G6d6cTxFF3CkmVBp\n"
	"QwIDAQAB\n"
	"-----END PUBLIC KEY-----\n";
/* the same key as PKCS#1 "RSA PUBLIC KEY" */
static const char pem_pkcs1[] =
	"-----BEGIN RSA PUBLIC KEY-----\n"
	"MIIBigKCAYEAodpDuCe7R0+v6qiLgwHkHs3DFwd4an8d70VmT6se9rKNt4+axAwC\n"
	"ySrvV3DPQONArpytHbcFPTtX9+IaE8A0bTA0e26bT21NayfILsj09yGNdJ/3T0eN\n"
	"Xq8x55qgoHnT4Eg9H6qgqjYxCjyqzOFgWPiQJZrkIcsS3FRTJulkRwBxm2LYFHdm\n"
	"LpqwNJ6sP7rIlc/Na56bwP4o9uLvHaGKLBxneKKMRysU/P48of6CI9ZHg/fdMlfV\n"
	"9BdsjDeF2FMtTz6mujgto0LeCoxXsqQarVlr18tXdmVyQ6FvTFV1QGv23XY1jdSb\n"
	"gM9ufDTTcVdp8+dj8nIjo952mirRcGfDG3w7RXnf53ZFdSKo6d//kuv35CsqScdb\n"
	"8OyisMM4D1hilxPeLZo2/x+c8eLKp9uUPNjoTL38Jy74ErBGOkJVGcSGOg8gAA+f\n"
	"Y2yW4ri+tUQqON+2DjrGcMlwc/d/UagLDdpRH4zU1RIecJRglLmZKNI5Ue1Ua0mG\n"
	"Afg6TK9sJ1NVAgMBAAE=\n"
	"-----END RSA PUBLIC KEY-----\n";
static const char pem_ec[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAErosL9mfuFU2JqO0uuXGJ0rCD/wxl\n"
	"NirDXWNnZVnXPSefXuR/Fsp9IjnB0XESSK8DoBASrAYhTiTNCzD7HFRidQ==\n"
	"-----END PUBLIC KEY-----\n";
/* clang-format on */

static EVP_PKEY *parse(const char *pem, enum err want)
{
	EVP_PKEY *k = NULL;

	assert_int_equal(p11_rsa_pem_parse(pem, strlen(pem), &k), want);
	if (want != ERR_OK)
		assert_null(k);
	return k;
}

static void test_pem_and_fingerprint(void **state)
{
	EVP_PKEY *k = parse(pem3072, ERR_OK);
	char fp[P11_RSA_FP_HEX], *pem = NULL;
	uint8_t n[P11_RSA_MAX_BITS / 8], e[16];
	size_t n_len = 0, e_len = 0, len = 0;

	(void)state;
	assert_int_equal(p11_rsa_bits(k), 3072);
	assert_int_equal(p11_rsa_fingerprint(k, fp), ERR_OK);
	assert_string_equal(fp, fp3072);
	assert_int_equal(p11_rsa_pem(k, &pem, &len), ERR_OK);
	assert_string_equal(pem, pem3072);
	assert_int_equal(len, strlen(pem3072));
	assert_int_equal(
	        p11_rsa_numbers(k, n, sizeof(n), &n_len, e, sizeof(e), &e_len),
	        ERR_OK);
	assert_int_equal(n_len, 384);
	assert_int_equal(e_len, 3);
	assert_memory_equal(e, "\x01\x00\x01", 3);
	assert_int_equal(
	        p11_rsa_numbers(k, n, 100, &n_len, e, sizeof(e), &e_len),
	        ERR_FORMAT);
	free(pem);
	EVP_PKEY_free(k);
}

static void test_pem_refused(void **state)
{
	char buf[2048];

	(void)state;
	parse(pem2048, ERR_POLICY);
	parse(pem_ec, ERR_POLICY);
	parse("", ERR_FORMAT);
	parse("hello", ERR_FORMAT);
	/* PKCS#1 "RSA PUBLIC KEY" is not a SubjectPublicKeyInfo */
	parse(pem_pkcs1, ERR_FORMAT);
	/* truncated body, flipped base64 */
	snprintf(buf, sizeof(buf), "%.200s\n-----END PUBLIC KEY-----\n",
	         pem3072);
	parse(buf, ERR_FORMAT);
	snprintf(buf, sizeof(buf), "%s", pem3072);
	buf[40] = buf[40] == 'A' ? 'B' : 'A';
	parse(buf, ERR_FORMAT);
}

/* Every flag known, the ones named in on set. */
static struct p11_obj_info make(CK_OBJECT_CLASS cls, const char *on)
{
	struct p11_obj_info i;

	memset(&i, 0, sizeof(i));
	i.cls = cls;
	i.key_type = CKK_RSA;
	strcpy(i.label, "T");
	i.has_unwrap_template = true;
	for (int f = 0; f < P11F_COUNT; f++) {
		char name[40];

		i.known[f] = true;
		snprintf(name, sizeof(name), ",%s,", p11_flag_name(f));
		i.flag[f] = strstr(on, name) != NULL;
	}
	return i;
}

#define PRIV_OK  ",token,private,sensitive,unwrap,never_extractable,"
#define PUB_OK   ",token,"
#define TRUST_OK ",token,trusted,wrap,"

static void test_roles(void **state)
{
	struct p11_obj_info i;

	(void)state;
	i = make(CKO_PRIVATE_KEY, PRIV_OK);
	assert_int_equal(p11_rsa_check(&i, P11_RSA_TRANSPORT_PRIVATE), ERR_OK);
	i = make(CKO_PUBLIC_KEY, PUB_OK);
	assert_int_equal(p11_rsa_check(&i, P11_RSA_TRANSPORT_PUBLIC), ERR_OK);
	i = make(CKO_PUBLIC_KEY, TRUST_OK);
	assert_int_equal(p11_rsa_check(&i, P11_RSA_TRUSTED_WRAP), ERR_OK);
}

static void test_roles_refused(void **state)
{
	static const char *const bad_private[] = {
		PRIV_OK "decrypt,",           PRIV_OK "sign,",
		PRIV_OK "extractable,",       PRIV_OK "derive,",
		",token,private,unwrap,",     ",token,private,sensitive,",
		",private,sensitive,unwrap,",
	};
	static const char *const bad_trusted[] = {
		TRUST_OK "encrypt,",
		TRUST_OK "verify,",
		",token,wrap,",
		",token,trusted,",
	};
	struct p11_obj_info i;

	(void)state;
	for (size_t k = 0; k < sizeof(bad_private) / sizeof(*bad_private);
	     k++) {
		i = make(CKO_PRIVATE_KEY, bad_private[k]);
		assert_int_equal(p11_rsa_check(&i, P11_RSA_TRANSPORT_PRIVATE),
		                 ERR_POLICY);
	}
	for (size_t k = 0; k < sizeof(bad_trusted) / sizeof(*bad_trusted);
	     k++) {
		i = make(CKO_PUBLIC_KEY, bad_trusted[k]);
		assert_int_equal(p11_rsa_check(&i, P11_RSA_TRUSTED_WRAP),
		                 ERR_POLICY);
	}
	i = make(CKO_PUBLIC_KEY, PUB_OK "wrap,");
	assert_int_equal(p11_rsa_check(&i, P11_RSA_TRANSPORT_PUBLIC),
	                 ERR_POLICY);
	/* no unwrap template: unwrapped keys could come out readable */
	i = make(CKO_PRIVATE_KEY, PRIV_OK);
	i.has_unwrap_template = false;
	assert_int_equal(p11_rsa_check(&i, P11_RSA_TRANSPORT_PRIVATE),
	                 ERR_POLICY);
	assert_non_null(strstr(err_detail(), "CKA_UNWRAP_TEMPLATE"));
	/* a flag the token does not report */
	i = make(CKO_PRIVATE_KEY, PRIV_OK);
	i.known[P11F_DECRYPT] = false;
	assert_int_equal(p11_rsa_check(&i, P11_RSA_TRANSPORT_PRIVATE),
	                 ERR_POLICY);
	/* wrong class or type */
	i = make(CKO_PUBLIC_KEY, PRIV_OK);
	assert_int_equal(p11_rsa_check(&i, P11_RSA_TRANSPORT_PRIVATE),
	                 ERR_POLICY);
	i = make(CKO_PUBLIC_KEY, TRUST_OK);
	i.key_type = CKK_EC;
	assert_int_equal(p11_rsa_check(&i, P11_RSA_TRUSTED_WRAP), ERR_POLICY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pem_and_fingerprint),
		cmocka_unit_test(test_pem_refused),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_roles_refused),
	};

	return cmocka_run_group_tests_name("p11_rsa", tests, NULL, NULL);
}
