/* SPDX-License-Identifier: MIT */
/* cos_upload.h - a file to a COS object as a multipart upload: several
 * parts in flight from a fixed pool of buffers (memory = threads x part
 * size), a state file beside the file for resuming without re-sending
 * confirmed parts, abort when the upload cannot be resumed, and the final
 * object checked by HEAD (size and the S3 multipart ETag computed here). */
#ifndef P11SEAL_COS_UPLOAD_H
#define P11SEAL_COS_UPLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "cos_client.h"
#include "err.h"

#define COS_PART_MIN    (5ull << 20) /* S3: every part but the last */
#define COS_PART_MAX    (5ull << 30)
#define COS_PARTS_MAX   10000u
#define COS_PART_DFLT   (8ull << 20)
#define COS_THREADS_MAX 16u

struct cos_upload_opts {
	const struct cos_config *cfg;
	const struct cos_target *target;
	const char *uri;    /* the cos:// URI as given, kept in the state */
	const char *image;  /* the file */
	uint64_t part_size; /* 0: cos_part_size() */
	unsigned threads;   /* 0: 4 */
	bool force;         /* replace an existing object */
	/* called from upload threads, serialised: bytes confirmed so far */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *ctx;
};

struct cos_upload_result {
	uint64_t size, part_size;
	unsigned parts;   /* in the object */
	unsigned sent;    /* parts sent by this run */
	unsigned skipped; /* parts already on the server (resume) */
	unsigned retries; /* requests repeated */
	bool resumed, aborted;
	char upload_id[COS_UPLOAD_MAX];
	char etag[COS_ETAG_MAX]; /* "<md5 of part md5s>-<parts>" */
	char state[4096];        /* state file path */
};

/* Part size for a file of size bytes: COS_PART_DFLT, or more (whole MiB)
 * so the file fits in COS_PARTS_MAX parts; 0 when it cannot (> 50 TB). */
uint64_t cos_part_size(uint64_t size);

/* S3's multipart ETag of n parts with binary MD5s md5: hex(MD5(md5[0] ||
 * ... || md5[n-1])) "-" n, into out (COS_ETAG_MAX). */
void cos_multipart_etag(const uint8_t (*md5)[16], unsigned n, char *out);

/* Upload. ERR_EXISTS when the object exists and !force; ERR_VERIFY when
 * the object's size or ETag differ from the file's; ERR_HTTP after a
 * transport failure (state kept: run again to resume). Any other failure
 * aborts the upload and removes the state file (res->aborted). */
enum err cos_upload(const struct cos_upload_opts *o,
                    struct cos_upload_result *res);

#endif
