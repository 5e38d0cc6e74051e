/* SPDX-License-Identifier: MIT */
/* cos_conn.h - inside the COS client: one signed request with retries
 * (cos_client.c), used by the S3 calls (cos_calls.c). */
#ifndef P11SEAL_COS_CONN_H
#define P11SEAL_COS_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "cos_client.h"
#include "err.h"

struct cos_req {
	const char *method;
	const char *query; /* canonical (sorted, encoded), "" for none */
	const uint8_t *body;
	size_t body_len;
	const char *md5; /* base64 Content-MD5, or NULL */
};

/* What came back from the final attempt. */
struct cos_answer {
	long status;
	const char *body; /* owned by the connection until its next call */
	size_t len;
	const char *etag; /* ETag header without quotes, "" if none */
	uint64_t length;  /* Content-Length of a HEAD */
};

/* Send rq with retries. ERR_OK for a 2xx; otherwise ERR_NOT_FOUND (404),
 * ERR_AUTH (401/403), ERR_VERIFY (BadDigest, InvalidDigest), ERR_REMOTE
 * (any other S3 error: code, message, status) or ERR_HTTP (transport,
 * retries spent), the answer filled either way when a status came. */
enum err cos_conn_call(struct cos_conn *c, const struct cos_req *rq,
                       struct cos_answer *an);

#endif
