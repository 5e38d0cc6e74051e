/* SPDX-License-Identifier: MIT */
/* cos_sigv4.h - AWS Signature Version 4 for COS HMAC keys, done here over
 * OpenSSL rather than by libcurl 7.88's CURLOPT_AWS_SIGV4 (which signs the
 * query unsorted, hashes only POSTFIELDS bodies and does not encode keys).
 * Pure functions: the caller sends exactly the headers that were signed. */
#ifndef P11SEAL_COS_SIGV4_H
#define P11SEAL_COS_SIGV4_H

#include <stddef.h>

#include "err.h"

#define COS_SIGV4_AUTH_MAX 512

/* One request as signed. Every string is given as sent on the wire. */
struct cos_sigv4_req {
	const char *method;      /* "PUT", ... */
	const char *host;        /* Host header value: host[:port] */
	const char *path;        /* canonical URI, already encoded */
	const char *query;       /* canonical query (sorted, encoded) or "" */
	const char *content_md5; /* base64, or NULL: not sent */
	const char *payload;     /* x-amz-content-sha256 value */
	const char *amz_date;    /* x-amz-date, YYYYMMDDTHHMMSSZ */
	const char *region;      /* signing region, e.g. "us-south" */
};

/* S3's URI encoding of len bytes of s into out (cap bytes, NUL-ended):
 * everything but A-Z a-z 0-9 - . _ ~ as %XX, and '/' too unless
 * keep_slash. ERR_USAGE if it does not fit. */
enum err cos_sigv4_encode(const char *s, size_t len, int keep_slash, char *out,
                          size_t cap);

/* The canonical request into out (secmem not needed: no secret in it). */
enum err cos_sigv4_canonical(const struct cos_sigv4_req *rq, char *out,
                             size_t cap);

/* The string to sign for rq. */
enum err cos_sigv4_string_to_sign(const struct cos_sigv4_req *rq, char *out,
                                  size_t cap);

/* The Authorization header value ("AWS4-HMAC-SHA256 Credential=...,
 * SignedHeaders=..., Signature=...") into out (COS_SIGV4_AUTH_MAX). The
 * derived signing key lives only on the stack and is wiped. */
enum err cos_sigv4_authorization(const struct cos_sigv4_req *rq,
                                 const char *access_key, const char *secret_key,
                                 char *out, size_t cap);

#endif
