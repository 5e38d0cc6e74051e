/* SPDX-License-Identifier: MIT */
/* kp_crypto.c - secure-import crypto with OpenSSL 3 EVP. Key material is
 * only read here; the caller owns and wipes it. */
#include "kp_crypto.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "encode.h"

#define MAX_RSA_BITS 16384

/* ERR_CRYPTO with OpenSSL's reason for the last failure. */
static enum err ossl_fail(const char *what)
{
	unsigned long e = ERR_get_error();
	const char *why = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return err_set(ERR_CRYPTO, "%s: %s", what, why ? why : "failed");
}

static EVP_PKEY *read_pem(const uint8_t *buf, size_t len)
{
	BIO *bio = BIO_new_mem_buf(buf, (int)len);
	EVP_PKEY *k = NULL;

	if (bio)
		k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	return k;
}

static EVP_PKEY *read_der(const uint8_t *buf, size_t len)
{
	const unsigned char *p = buf;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)len);

	if (k && p != buf + len) { /* trailing bytes: not one SPKI */
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

enum err kp_crypto_pubkey_parse(const uint8_t *buf, size_t len, EVP_PKEY **out)
{
	bool pem = len >= 10 && memcmp(buf, "-----BEGIN", 10) == 0;
	EVP_PKEY *k;
	int bits;

	*out = NULL;
	if (len == 0 || len > 65536)
		return err_set(ERR_FORMAT, "import token key: bad size %zu",
		               len);
	k = pem ? read_pem(buf, len) : read_der(buf, len);
	if (!k) {
		ERR_clear_error();
		return err_set(ERR_FORMAT,
		               "import token key is not a %s "
		               "public key",
		               pem ? "PEM" : "DER");
	}
	bits = EVP_PKEY_get_bits(k);
	if (!EVP_PKEY_is_a(k, "RSA") || bits < KP_CRYPTO_MIN_RSA_BITS ||
	    bits > MAX_RSA_BITS) {
		EVP_PKEY_free(k);
		return err_set(ERR_POLICY,
		               "import token key must be RSA of "
		               "%d..%d bits",
		               KP_CRYPTO_MIN_RSA_BITS, MAX_RSA_BITS);
	}
	*out = k;
	return ERR_OK;
}

enum err kp_crypto_pubkey_info(EVP_PKEY *pub, int *bits, char fingerprint[65])
{
	unsigned char *der = NULL, md[32];
	unsigned int md_len = 0;
	int n = i2d_PUBKEY(pub, &der);

	if (n <= 0)
		return ossl_fail("encode public key");
	if (!EVP_Digest(der, (size_t)n, md, &md_len, EVP_sha256(), NULL)) {
		OPENSSL_free(der);
		return ossl_fail("SHA-256");
	}
	OPENSSL_free(der);
	encode_hex(fingerprint, md, sizeof(md));
	*bits = EVP_PKEY_get_bits(pub);
	return ERR_OK;
}

static enum err oaep_ctx(EVP_PKEY_CTX *ctx, enum kp_oaep_hash h)
{
	const EVP_MD *md = h == KP_OAEP_SHA1 ? EVP_sha1() : EVP_sha256();

	if (EVP_PKEY_encrypt_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) <= 0)
		return ossl_fail("RSA-OAEP setup");
	return ERR_OK;
}

enum err kp_crypto_oaep_encrypt(EVP_PKEY *pub, enum kp_oaep_hash h,
                                const uint8_t *in, size_t len, uint8_t **out,
                                size_t *out_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
	uint8_t *buf = NULL;
	size_t n = 0;
	enum err r;

	*out = NULL;
	if (!ctx)
		return ossl_fail("RSA-OAEP context");
	r = oaep_ctx(ctx, h);
	if (r == ERR_OK && EVP_PKEY_encrypt(ctx, NULL, &n, in, len) <= 0)
		r = ossl_fail("RSA-OAEP size");
	if (r == ERR_OK) {
		buf = malloc(n);
		if (!buf)
			r = err_set(ERR_NOMEM, "no memory for RSA-OAEP output");
	}
	if (r == ERR_OK && EVP_PKEY_encrypt(ctx, buf, &n, in, len) <= 0)
		r = ossl_fail("RSA-OAEP encrypt");
	EVP_PKEY_CTX_free(ctx);
	if (r != ERR_OK) {
		free(buf);
		return r;
	}
	*out = buf;
	*out_len = n;
	return ERR_OK;
}

static const EVP_CIPHER *aes(size_t key_len, bool gcm)
{
	switch (key_len) {
	case 16: return gcm ? EVP_aes_128_gcm() : EVP_aes_128_cbc();
	case 24: return gcm ? EVP_aes_192_gcm() : EVP_aes_192_cbc();
	case 32: return gcm ? EVP_aes_256_gcm() : EVP_aes_256_cbc();
	default: return NULL;
	}
}

enum err kp_crypto_nonce_gcm(const uint8_t *key, size_t key_len,
                             const uint8_t *nonce, size_t nonce_len,
                             const uint8_t iv[KP_CRYPTO_GCM_IV_LEN],
                             uint8_t *out)
{
	const EVP_CIPHER *c = aes(key_len, true);
	EVP_CIPHER_CTX *ctx;
	int n = 0, fin = 0;
	enum err r = ERR_OK;

	if (!c || nonce_len == 0 || nonce_len > 64)
		return err_set(ERR_USAGE, "AES-GCM: key must be 16, 24 or 32 "
		                          "bytes and the nonce 1..64");
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || !EVP_EncryptInit_ex(ctx, c, NULL, NULL, NULL) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN,
	                         KP_CRYPTO_GCM_IV_LEN, NULL) ||
	    !EVP_EncryptInit_ex(ctx, NULL, NULL, key, iv) ||
	    !EVP_EncryptUpdate(ctx, out, &n, nonce, (int)nonce_len) ||
	    !EVP_EncryptFinal_ex(ctx, out + n, &fin) ||
	    !EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, KP_CRYPTO_TAG_LEN,
	                         out + n + fin))
		r = ossl_fail("AES-GCM nonce encryption");
	EVP_CIPHER_CTX_free(ctx); /* wipes the key schedule */
	return r;
}

enum err kp_crypto_nonce_cbc(const uint8_t *key, size_t key_len,
                             const uint8_t *nonce, size_t nonce_len,
                             const uint8_t iv[KP_CRYPTO_CBC_IV_LEN],
                             uint8_t *out, size_t cap, size_t *out_len)
{
	const EVP_CIPHER *c = aes(key_len, false);
	EVP_CIPHER_CTX *ctx;
	int n = 0, fin = 0;
	enum err r = ERR_OK;

	if (!c || nonce_len == 0 || nonce_len > 64 ||
	    cap < (nonce_len / 16 + 1) * 16)
		return err_set(ERR_USAGE, "AES-CBC: key must be 16, 24 or 32 "
		                          "bytes and the nonce 1..64");
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || !EVP_EncryptInit_ex(ctx, c, NULL, key, iv) ||
	    !EVP_EncryptUpdate(ctx, out, &n, nonce, (int)nonce_len) ||
	    !EVP_EncryptFinal_ex(ctx, out + n, &fin))
		r = ossl_fail("AES-CBC nonce encryption");
	EVP_CIPHER_CTX_free(ctx);
	*out_len = (size_t)(n + fin);
	return r;
}

/* The nonce under key, base64 into f (GCM for KP, CBC for HPCS). */
static enum err encrypt_nonce(const uint8_t *key, size_t key_len,
                              const uint8_t *nonce, size_t nonce_len, bool hpcs,
                              const uint8_t *iv, struct kp_import_fields *f)
{
	size_t iv_len = hpcs ? KP_CRYPTO_CBC_IV_LEN : KP_CRYPTO_GCM_IV_LEN;
	uint8_t fresh[KP_CRYPTO_CBC_IV_LEN], enc[64 + KP_CRYPTO_CBC_IV_LEN];
	size_t n = nonce_len + KP_CRYPTO_TAG_LEN;
	enum err r;

	if (nonce_len == 0 || nonce_len > 32)
		return err_set(ERR_USAGE, "nonce must be 1..32 bytes");
	if (!iv) {
		if (RAND_bytes(fresh, (int)iv_len) != 1)
			return ossl_fail("random IV");
		iv = fresh;
	}
	if (hpcs)
		r = kp_crypto_nonce_cbc(key, key_len, nonce, nonce_len, iv, enc,
		                        sizeof(enc), &n);
	else
		r = kp_crypto_nonce_gcm(key, key_len, nonce, nonce_len, iv,
		                        enc);
	if (r != ERR_OK)
		return r;
	encode_base64(f->encrypted_nonce, enc, n);
	encode_base64(f->iv, iv, iv_len);
	return ERR_OK;
}

enum err kp_crypto_import_fields(const uint8_t *key, size_t key_len,
                                 EVP_PKEY *pub, const uint8_t *nonce,
                                 size_t nonce_len, bool hpcs, const uint8_t *iv,
                                 struct kp_import_fields *out)
{
	uint8_t *ct = NULL;
	size_t ct_len = 0;
	enum err r;

	memset(out, 0, sizeof(*out));
	if (key_len != 16 && key_len != 24 && key_len != 32)
		return err_set(ERR_USAGE,
		               "root key material must be 16, 24 "
		               "or 32 bytes, not %zu",
		               key_len);
	r = kp_crypto_oaep_encrypt(pub, hpcs ? KP_OAEP_SHA1 : KP_OAEP_SHA256,
	                           key, key_len, &ct, &ct_len);
	if (r == ERR_OK) {
		out->payload = malloc(encode_base64_len(ct_len) + 1);
		if (!out->payload)
			r = err_set(ERR_NOMEM, "no memory for the payload");
	}
	if (r == ERR_OK) {
		encode_base64(out->payload, ct, ct_len);
		r = encrypt_nonce(key, key_len, nonce, nonce_len, hpcs, iv,
		                  out);
	}
	free(ct);
	if (r != ERR_OK) {
		kp_crypto_import_fields_clear(out);
		return r;
	}
	out->algorithm = hpcs ? "RSAES_OAEP_SHA_1" : "RSAES_OAEP_SHA_256";
	return ERR_OK;
}

void kp_crypto_import_fields_clear(struct kp_import_fields *f)
{
	free(f->payload);
	memset(f, 0, sizeof(*f));
}
