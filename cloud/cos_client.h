/* SPDX-License-Identifier: MIT */
/* cos_client.h - the S3 calls of a COS multipart upload on one libcurl
 * handle (one per upload thread): HEAD, create, upload part (Content-MD5
 * and x-amz-content-sha256 always), ListParts, complete, abort. Each call
 * retries transport failures, 429, 5xx and SlowDown with backoff, and a
 * refused IAM token once with a new one. TLS is always verified. */
#ifndef P11SEAL_COS_CLIENT_H
#define P11SEAL_COS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct iam_token;
struct cos_conn;

#define COS_ETAG_MAX   80
#define COS_UPLOAD_MAX 256
#define COS_OBJECT_MAX 1024

/* cos://REGION/BUCKET/OBJECT */
struct cos_target {
	char region[32];
	char bucket[64];
	char object[COS_OBJECT_MAX];
};

enum cos_endpoint_kind { COS_PUBLIC, COS_PRIVATE, COS_DIRECT };

struct cos_config {
	const char *endpoint; /* https://host[:port] override, or NULL */
	enum cos_endpoint_kind kind;
	const char *cacert;                  /* extra trust anchors, or NULL */
	long timeout_ms;                     /* per attempt [300 s] */
	long retry_base_ms;                  /* [1 s] */
	long retry_cap_ms;                   /* [20 s] */
	unsigned max_attempts;               /* [6] */
	struct iam_token *iam;               /* bearer auth, or NULL: HMAC */
	const char *access_key, *secret_key; /* HMAC keys (secmem) */
};

/* Parse a cos:// URI: known region syntax ([a-z0-9-]), bucket 3..63 of
 * [a-z0-9.-], object non-empty without control bytes. ERR_USAGE naming
 * the part that is wrong. */
enum err cos_target_parse(const char *uri, struct cos_target *t);

/* The endpoint base URL for t and cfg into out: cfg->endpoint, else
 * https://s3[.private|.direct].REGION.cloud-object-storage.appdomain.cloud */
enum err cos_endpoint(const struct cos_config *cfg, const struct cos_target *t,
                      char *out, size_t cap);

enum err cos_conn_new(struct cos_conn **out, const struct cos_config *cfg,
                      const struct cos_target *t);
void cos_conn_free(struct cos_conn *c);

/* Retries this connection made since it was opened (for reports). */
unsigned cos_conn_retries(const struct cos_conn *c);

/* HEAD the object: *exists, and when it does its size and ETag (quotes
 * removed). */
enum err cos_head(struct cos_conn *c, bool *exists, uint64_t *size,
                  char etag[COS_ETAG_MAX]);

/* Start a multipart upload; its id into id. */
enum err cos_create(struct cos_conn *c, char id[COS_UPLOAD_MAX]);

/* Upload part n (1..10000) of len bytes; md5 is the part's binary MD5.
 * ERR_VERIFY when the server's ETag is not that MD5 (stored bytes differ
 * from the ones sent) or it answers BadDigest. */
enum err cos_put_part(struct cos_conn *c, const char *id, unsigned n,
                      const uint8_t *buf, size_t len, const uint8_t md5[16]);

/* Each part the server holds for upload id: fn(ctx, n, etag, size);
 * a non-OK return stops the listing. ERR_NOT_FOUND: no such upload. */
typedef enum err (*cos_part_fn)(void *ctx, unsigned n, const char *etag,
                                uint64_t size);
enum err cos_list_parts(struct cos_conn *c, const char *id, cos_part_fn fn,
                        void *ctx);

/* Complete upload id from parts 1..n whose MD5s are md5[0..n-1]; the
 * answer's ETag into etag. */
enum err cos_complete(struct cos_conn *c, const char *id,
                      const uint8_t (*md5)[16], unsigned n,
                      char etag[COS_ETAG_MAX]);

/* Abort upload id (its parts are deleted); a missing upload is fine. */
enum err cos_abort(struct cos_conn *c, const char *id);

#endif
