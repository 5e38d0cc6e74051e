/* SPDX-License-Identifier: MIT */
/* p11_pubkey.c - a public key file is input from elsewhere: refused
 * unless it is one PEM public key that passes its kind's check. */
#include "p11_pubkey.h"

#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>

enum err p11_ossl_fail(const char *what)
{
	unsigned long e = ERR_get_error();
	const char *why = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return err_set(ERR_CRYPTO, "%s: %s", what, why ? why : "failed");
}

enum err p11_pubkey_pem_parse(const char *text, size_t len, size_t max,
                              enum err (*check)(EVP_PKEY *k), EVP_PKEY **out)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----";
	BIO *bio = NULL;
	EVP_PKEY *k = NULL;
	enum err r;

	*out = NULL;
	if (len == 0 || len > max ||
	    !memmem(text, len, begin, sizeof(begin) - 1))
		return err_set(ERR_FORMAT,
		               "not a PEM public key (no '%s' line)", begin);
	bio = BIO_new_mem_buf(text, (int)len);
	if (bio)
		k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (!k)
		return err_set(ERR_FORMAT, "not a valid PEM public key "
		                           "(SubjectPublicKeyInfo)");
	r = check(k);
	if (r != ERR_OK) {
		EVP_PKEY_free(k);
		return r;
	}
	*out = k;
	return ERR_OK;
}
