/* SPDX-License-Identifier: MIT */
/* test_kp_crypto.c - secure-import crypto: the docs/keyprotect-api.md §3
 * vectors, OAEP parameters proven by decrypting with explicit OpenSSL
 * settings, and the import token key parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "encode.h"
#include "kp_crypto.h"
#include "secmem.h"

static EVP_PKEY *rsa2048, *rsa1024;

static void seq(uint8_t *p, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

static void nonce(uint8_t n[12])
{
	size_t len = 0;

	assert_int_equal(decode_base64(n, 12, &len, "8zJE9pKVdXVe/nLb", 16),
	                 ERR_OK);
	assert_int_equal(len, 12);
}

static void test_gcm_vector(void **state)
{
	uint8_t k[32], iv[12], n[12], out[28];
	char b64[48];

	(void)state;
	seq(k, 32, 0x00);
	seq(iv, 12, 0xa0);
	nonce(n);
	assert_int_equal(kp_crypto_nonce_gcm(k, 32, n, 12, iv, out), ERR_OK);
	encode_base64(b64, out, sizeof(out));
	assert_string_equal(b64, "FSo429ded8o8m/UI8d8qfiDrax8KfKrlKqeVOA==");
	assert_int_equal(kp_crypto_nonce_gcm(k, 31, n, 12, iv, out), ERR_USAGE);
}

static void test_cbc_vector(void **state)
{
	uint8_t k[32], iv[16], n[12], out[32];
	size_t len = 0;
	char b64[48];

	(void)state;
	seq(k, 32, 0x00);
	seq(iv, 16, 0xb0);
	nonce(n);
	assert_int_equal(
	        kp_crypto_nonce_cbc(k, 32, n, 12, iv, out, sizeof(out), &len),
	        ERR_OK);
	assert_int_equal(len, 16);
	encode_base64(b64, out, len);
	assert_string_equal(b64, "vQ0xsHUzA2RK7E7I5zWMBQ==");
}

/* Decrypt with explicit OAEP digest and MGF1 digest; -1 on failure. */
static int oaep_decrypt(const EVP_MD *md, const EVP_MD *mgf1, const uint8_t *ct,
                        size_t ct_len, uint8_t *out, size_t *out_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, rsa2048, NULL);
	int ok =
	        ctx && EVP_PKEY_decrypt_init(ctx) > 0 &&
	        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) > 0 &&
	        EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) > 0 &&
	        EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, mgf1) > 0 &&
	        EVP_PKEY_decrypt(ctx, out, out_len, ct, ct_len) > 0;

	EVP_PKEY_CTX_free(ctx);
	return ok ? 0 : -1;
}

static void test_oaep_params(void **state)
{
	uint8_t k[32], back[256], *ct = NULL;
	size_t ct_len = 0, n;

	(void)state;
	seq(k, 32, 0x00);
	assert_int_equal(kp_crypto_oaep_encrypt(rsa2048, KP_OAEP_SHA256, k, 32,
	                                        &ct, &ct_len),
	                 ERR_OK);
	assert_int_equal(ct_len, 256);
	n = sizeof(back);
	assert_int_equal(
	        oaep_decrypt(EVP_sha256(), EVP_sha256(), ct, ct_len, back, &n),
	        0);
	assert_int_equal(n, 32);
	assert_memory_equal(back, k, 32);
	n = sizeof(back);
	assert_int_equal(
	        oaep_decrypt(EVP_sha1(), EVP_sha1(), ct, ct_len, back, &n), -1);
	n = sizeof(back);
	assert_int_equal(
	        oaep_decrypt(EVP_sha256(), EVP_sha1(), ct, ct_len, back, &n),
	        -1);
	free(ct);
	/* HPCS: SHA-1 for both */
	assert_int_equal(kp_crypto_oaep_encrypt(rsa2048, KP_OAEP_SHA1, k, 32,
	                                        &ct, &ct_len),
	                 ERR_OK);
	n = sizeof(back);
	assert_int_equal(
	        oaep_decrypt(EVP_sha1(), EVP_sha1(), ct, ct_len, back, &n), 0);
	assert_memory_equal(back, k, 32);
	n = sizeof(back);
	assert_int_equal(
	        oaep_decrypt(EVP_sha256(), EVP_sha256(), ct, ct_len, back, &n),
	        -1);
	free(ct);
}

/* Public key of key as PEM text or DER bytes (malloc'd). */
static uint8_t *export_pub(EVP_PKEY *key, int pem, size_t *len)
{
	uint8_t *out = NULL;

	if (pem) {
		BIO *bio = BIO_new(BIO_s_mem());
		char *data = NULL;
		long n;

		assert_int_equal(PEM_write_bio_PUBKEY(bio, key), 1);
		n = BIO_get_mem_data(bio, &data);
		out = malloc((size_t)n);
		memcpy(out, data, (size_t)n);
		*len = (size_t)n;
		BIO_free(bio);
	} else {
		unsigned char *der = NULL;
		int n = i2d_PUBKEY(key, &der);

		out = malloc((size_t)n);
		memcpy(out, der, (size_t)n);
		*len = (size_t)n;
		OPENSSL_free(der);
	}
	return out;
}

static void test_pubkey_parse(void **state)
{
	char fp_pem[65], fp_der[65];
	EVP_PKEY *k = NULL;
	uint8_t *pem, *der;
	size_t pem_len, der_len;
	int bits = 0;

	(void)state;
	pem = export_pub(rsa2048, 1, &pem_len);
	der = export_pub(rsa2048, 0, &der_len);
	assert_int_equal(kp_crypto_pubkey_parse(pem, pem_len, &k), ERR_OK);
	assert_int_equal(kp_crypto_pubkey_info(k, &bits, fp_pem), ERR_OK);
	assert_int_equal(bits, 2048);
	EVP_PKEY_free(k);
	assert_int_equal(kp_crypto_pubkey_parse(der, der_len, &k), ERR_OK);
	assert_int_equal(kp_crypto_pubkey_info(k, &bits, fp_der), ERR_OK);
	assert_string_equal(fp_pem, fp_der);
	assert_int_equal(strlen(fp_der), 64);
	EVP_PKEY_free(k);
	/* truncated DER, DER with trailing junk, garbage PEM */
	assert_int_equal(kp_crypto_pubkey_parse(der, der_len - 1, &k),
	                 ERR_FORMAT);
	pem[30] = '!';
	assert_int_equal(kp_crypto_pubkey_parse(pem, pem_len, &k), ERR_FORMAT);
	assert_int_equal(kp_crypto_pubkey_parse((const uint8_t *)"x", 1, &k),
	                 ERR_FORMAT);
	free(pem);
	free(der);
	der = export_pub(rsa1024, 0, &der_len);
	assert_int_equal(kp_crypto_pubkey_parse(der, der_len, &k), ERR_POLICY);
	assert_null(k);
	free(der);
}

static void test_pubkey_not_rsa(void **state)
{
	EVP_PKEY *ec = EVP_EC_gen("P-256"), *k = NULL;
	uint8_t *der, *junk;
	size_t len;

	(void)state;
	assert_non_null(ec);
	der = export_pub(ec, 0, &len);
	assert_int_equal(kp_crypto_pubkey_parse(der, len, &k), ERR_POLICY);
	free(der);
	EVP_PKEY_free(ec);
	der = export_pub(rsa2048, 0, &len);
	junk = malloc(len + 1);
	memcpy(junk, der, len);
	junk[len] = 0;
	assert_int_equal(kp_crypto_pubkey_parse(junk, len + 1, &k), ERR_FORMAT);
	free(junk);
	free(der);
}

static void test_import_fields(void **state)
{
	struct kp_import_fields f, g;
	uint8_t k[32], iv[12], n[12], ct[512], back[256];
	size_t ct_len = 0, m = sizeof(back);

	(void)state;
	seq(k, 32, 0x00);
	seq(iv, 12, 0xa0);
	nonce(n);
	assert_int_equal(
	        kp_crypto_import_fields(k, 32, rsa2048, n, 12, false, iv, &f),
	        ERR_OK);
	assert_string_equal(f.encrypted_nonce,
	                    "FSo429ded8o8m/UI8d8qfiDrax8KfKrlKqeVOA==");
	assert_string_equal(f.iv, "oKGio6Slpqeoqaqr");
	assert_string_equal(f.algorithm, "RSAES_OAEP_SHA_256");
	assert_int_equal(decode_base64(ct, sizeof(ct), &ct_len, f.payload,
	                               strlen(f.payload)),
	                 ERR_OK);
	assert_int_equal(
	        oaep_decrypt(EVP_sha256(), EVP_sha256(), ct, ct_len, back, &m),
	        0);
	assert_int_equal(m, 32);
	assert_memory_equal(back, k, 32);
	/* random IVs differ between calls */
	assert_int_equal(
	        kp_crypto_import_fields(k, 32, rsa2048, n, 12, false, NULL, &g),
	        ERR_OK);
	assert_int_equal(strlen(g.iv), 16);
	assert_string_not_equal(f.iv, g.iv);
	kp_crypto_import_fields_clear(&g);
	kp_crypto_import_fields_clear(&f);
	seq(iv, 12, 0xb0);
	assert_int_equal(
	        kp_crypto_import_fields(k, 32, rsa2048, n, 12, true, NULL, &f),
	        ERR_OK);
	assert_string_equal(f.algorithm, "RSAES_OAEP_SHA_1");
	assert_int_equal(strlen(f.iv), 24);
	assert_int_equal(strlen(f.encrypted_nonce), 24);
	kp_crypto_import_fields_clear(&f);
	assert_int_equal(
	        kp_crypto_import_fields(k, 20, rsa2048, n, 12, false, NULL, &f),
	        ERR_USAGE);
	assert_null(f.payload);
}

static int setup(void **state)
{
	(void)state;
	rsa2048 = EVP_RSA_gen(2048);
	rsa1024 = EVP_RSA_gen(1024);
	return rsa2048 && rsa1024 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(rsa2048);
	EVP_PKEY_free(rsa1024);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gcm_vector),
		cmocka_unit_test(test_cbc_vector),
		cmocka_unit_test(test_oaep_params),
		cmocka_unit_test(test_pubkey_parse),
		cmocka_unit_test(test_pubkey_not_rsa),
		cmocka_unit_test(test_import_fields),
	};

	secmem_init(1u << 20);
	return cmocka_run_group_tests_name("kp_crypto", tests, setup, teardown);
}
