/* SPDX-License-Identifier: MIT */
/* cos_sigv4.c - SigV4 (service s3): canonical request, string to sign,
 * HMAC key chain. Signed headers are always host, x-amz-content-sha256
 * and x-amz-date, plus content-md5 when the request carries one. */
#include "cos_sigv4.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "encode.h"
#include "secmem.h"

enum err cos_sigv4_encode(const char *s, size_t len, int keep_slash, char *out,
                          size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		int plain =
		        (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		        (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		        ch == '_' || ch == '~' || (ch == '/' && keep_slash);

		if (o + (plain ? 1 : 3) >= cap)
			return err_set(ERR_USAGE, "URL part too long");
		if (plain) {
			out[o++] = (char)ch;
			continue;
		}
		out[o++] = '%';
		out[o++] = hex[ch >> 4];
		out[o++] = hex[ch & 15];
	}
	if (o >= cap)
		return err_set(ERR_USAGE, "URL part too long");
	out[o] = '\0';
	return ERR_OK;
}

static const char *signed_headers(const struct cos_sigv4_req *rq)
{
	return rq->content_md5 ? "content-md5;host;x-amz-content-sha256;"
	                         "x-amz-date"
	                       : "host;x-amz-content-sha256;x-amz-date";
}

enum err cos_sigv4_canonical(const struct cos_sigv4_req *rq, char *out,
                             size_t cap)
{
	char md5[64] = "";
	int n;

	if (rq->content_md5)
		snprintf(md5, sizeof(md5), "content-md5:%s\n", rq->content_md5);
	n = snprintf(out, cap,
	             "%s\n%s\n%s\n%shost:%s\nx-amz-content-sha256:%s\n"
	             "x-amz-date:%s\n\n%s\n%s",
	             rq->method, rq->path, rq->query, md5, rq->host,
	             rq->payload, rq->amz_date, signed_headers(rq),
	             rq->payload);
	if (n < 0 || (size_t)n >= cap)
		return err_set(ERR_USAGE, "SigV4 canonical request too long");
	return ERR_OK;
}

static void sha256_hex(const char *s, char out[65])
{
	unsigned char d[32];

	EVP_Digest(s, strlen(s), d, NULL, EVP_sha256(), NULL);
	encode_hex(out, d, sizeof(d));
}

enum err cos_sigv4_string_to_sign(const struct cos_sigv4_req *rq, char *out,
                                  size_t cap)
{
	char canon[4096], hash[65];
	enum err r;
	int n;

	if (strlen(rq->amz_date) != 16 || rq->amz_date[8] != 'T')
		return err_set(ERR_USAGE,
		               "x-amz-date must be YYYYMMDDTHHMMSSZ");
	r = cos_sigv4_canonical(rq, canon, sizeof(canon));
	if (r != ERR_OK)
		return r;
	sha256_hex(canon, hash);
	n = snprintf(out, cap,
	             "AWS4-HMAC-SHA256\n%s\n%.8s/%s/s3/aws4_request\n%s",
	             rq->amz_date, rq->amz_date, rq->region, hash);
	if (n < 0 || (size_t)n >= cap)
		return err_set(ERR_USAGE, "SigV4 string to sign too long");
	return ERR_OK;
}

static int hmac(const unsigned char *key, size_t klen, const char *msg,
                unsigned char out[32])
{
	unsigned int len = 32;

	return HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg,
	            strlen(msg), out, &len) != NULL;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), "s3"),
 * "aws4_request"), then the signature over sts. */
static enum err sign(const char *secret, const char *date, const char *region,
                     const char *sts, unsigned char sig[32])
{
	size_t n = strlen(secret) + 4;
	unsigned char *k0 = secmem_alloc(n + 1), k[32];
	char day[9];
	int ok;

	if (!k0)
		return err_set(ERR_NOMEM, "no secure memory for SigV4");
	memcpy(k0, "AWS4", 4);
	memcpy(k0 + 4, secret, n - 4);
	snprintf(day, sizeof(day), "%.8s", date);
	ok = hmac(k0, n, day, k) && hmac(k, 32, region, k) &&
	     hmac(k, 32, "s3", k) && hmac(k, 32, "aws4_request", k) &&
	     hmac(k, 32, sts, sig);
	secmem_free(k0);
	secmem_wipe(k, sizeof(k));
	return ok ? ERR_OK : err_set(ERR_CRYPTO, "HMAC-SHA256 failed");
}

enum err cos_sigv4_authorization(const struct cos_sigv4_req *rq,
                                 const char *access_key, const char *secret_key,
                                 char *out, size_t cap)
{
	unsigned char sig[32];
	char sts[512], hex[65];
	enum err r;
	int n;

	r = cos_sigv4_string_to_sign(rq, sts, sizeof(sts));
	if (r != ERR_OK)
		return r;
	r = sign(secret_key, rq->amz_date, rq->region, sts, sig);
	if (r != ERR_OK)
		return r;
	encode_hex(hex, sig, sizeof(sig));
	n = snprintf(out, cap,
	             "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/s3/aws4_request, "
	             "SignedHeaders=%s, Signature=%s",
	             access_key, rq->amz_date, rq->region, signed_headers(rq),
	             hex);
	if (n < 0 || (size_t)n >= cap)
		return err_set(ERR_USAGE, "SigV4 access key too long");
	return ERR_OK;
}
