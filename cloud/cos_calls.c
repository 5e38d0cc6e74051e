/* SPDX-License-Identifier: MIT */
/* cos_calls.c - the S3 multipart calls over cos_conn_call: their queries
 * (sorted and encoded as SigV4 wants them), bodies and answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "cos_client.h"
#include "cos_conn.h"
#include "cos_sigv4.h"
#include "cos_xml.h"
#include "encode.h"

enum err cos_head(struct cos_conn *c, bool *exists, uint64_t *size,
                  char etag[COS_ETAG_MAX])
{
	struct cos_req rq = { "HEAD", "", NULL, 0, NULL };
	struct cos_answer an;
	enum err r = cos_conn_call(c, &rq, &an);

	*exists = false;
	*size = 0;
	etag[0] = '\0';
	if (r == ERR_NOT_FOUND) {
		err_clear();
		return ERR_OK;
	}
	if (r != ERR_OK)
		return r;
	*exists = true;
	*size = an.length;
	snprintf(etag, COS_ETAG_MAX, "%s", an.etag);
	return ERR_OK;
}

enum err cos_create(struct cos_conn *c, char id[COS_UPLOAD_MAX])
{
	/* "uploads=", not "uploads": the signed form S3 servers expect */
	struct cos_req rq = { "POST", "uploads=", NULL, 0, NULL };
	struct cos_answer an;
	enum err r = cos_conn_call(c, &rq, &an);

	if (r != ERR_OK)
		return r;
	r = cos_xml_text(an.body, an.len, "UploadId", id, COS_UPLOAD_MAX);
	if (r != ERR_OK || !id[0])
		return err_set(ERR_FORMAT, "COS create multipart upload: no "
		                           "UploadId in the answer");
	return ERR_OK;
}

static enum err query(char *out, size_t cap, const char *fmt_before, unsigned n,
                      const char *id)
{
	char eid[3 * COS_UPLOAD_MAX + 1];
	enum err r = cos_sigv4_encode(id, strlen(id), 0, eid, sizeof(eid));

	if (r != ERR_OK)
		return r;
	if (fmt_before && n)
		snprintf(out, cap, "%s=%u&uploadId=%s", fmt_before, n, eid);
	else
		snprintf(out, cap, "uploadId=%s", eid);
	return ERR_OK;
}

enum err cos_put_part(struct cos_conn *c, const char *id, unsigned n,
                      const uint8_t *buf, size_t len, const uint8_t md5[16])
{
	struct cos_req rq = { "PUT", NULL, buf, len, NULL };
	char q[1024], b64[32], hex[33];
	struct cos_answer an;
	enum err r = query(q, sizeof(q), "partNumber", n, id);

	if (r != ERR_OK)
		return r;
	encode_base64(b64, md5, 16);
	encode_hex(hex, md5, 16);
	rq.query = q;
	rq.md5 = b64;
	r = cos_conn_call(c, &rq, &an);
	if (r != ERR_OK)
		return err_wrap(r, "part %u", n);
	if (strcasecmp(an.etag, hex) != 0)
		return err_set(ERR_VERIFY,
		               "part %u: the server's ETag '%s' is not the MD5 "
		               "of the bytes sent (%s): stored data differ",
		               n, an.etag, hex);
	return ERR_OK;
}

/* One page of ListParts: each <Part> to fn; *next the marker, 0: done. */
static enum err parts_page(const struct cos_answer *an, cos_part_fn fn,
                           void *ctx, unsigned *next)
{
	size_t pos = 0, at, len;
	char num[16], etag[COS_ETAG_MAX + 8], size[24], trunc[8] = "";
	enum err r = ERR_OK;

	while (r == ERR_OK &&
	       cos_xml_next(an->body, an->len, "Part", &pos, &at, &len)) {
		const char *p = an->body + at;
		char *e1, *e2, *q;
		unsigned long pn;
		unsigned long long sz;

		r = cos_xml_text(p, len, "PartNumber", num, sizeof(num));
		if (r == ERR_OK)
			r = cos_xml_text(p, len, "ETag", etag, sizeof(etag));
		if (r == ERR_OK)
			r = cos_xml_text(p, len, "Size", size, sizeof(size));
		if (r != ERR_OK)
			return err_set(ERR_FORMAT, "COS ListParts: a <Part> "
			                           "without number, ETag or "
			                           "size");
		pn = strtoul(num, &e1, 10);
		sz = strtoull(size, &e2, 10);
		if (*e1 || *e2 || pn < 1 || pn > 10000)
			return err_set(ERR_FORMAT, "COS ListParts: bad part "
			                           "number or size");
		q = etag[0] == '"' ? etag + 1 : etag;
		q[strcspn(q, "\"")] = '\0';
		r = fn(ctx, (unsigned)pn, q, sz);
	}
	*next = 0;
	cos_xml_text(an->body, an->len, "IsTruncated", trunc, sizeof(trunc));
	if (r == ERR_OK && strcmp(trunc, "true") == 0 &&
	    cos_xml_text(an->body, an->len, "NextPartNumberMarker", num,
	                 sizeof(num)) == ERR_OK)
		*next = (unsigned)strtoul(num, NULL, 10);
	err_clear();
	return r;
}

enum err cos_list_parts(struct cos_conn *c, const char *id, cos_part_fn fn,
                        void *ctx)
{
	unsigned marker = 0, guard = 0;
	enum err r;

	do {
		struct cos_req rq = { "GET", NULL, NULL, 0, NULL };
		struct cos_answer an;
		char q[1024];

		r = query(q, sizeof(q), "part-number-marker", marker, id);
		rq.query = q;
		if (r == ERR_OK)
			r = cos_conn_call(c, &rq, &an);
		if (r == ERR_OK)
			r = parts_page(&an, fn, ctx, &marker);
	} while (r == ERR_OK && marker && ++guard < 20);
	return r;
}

enum err cos_complete(struct cos_conn *c, const char *id,
                      const uint8_t (*md5)[16], unsigned n,
                      char etag[COS_ETAG_MAX])
{
	size_t cap = 64 + (size_t)n * 96, o;
	char *body = malloc(cap), q[1024], hex[33], tag[COS_ETAG_MAX];
	struct cos_req rq = { "POST", q, NULL, 0, NULL };
	struct cos_answer an;
	enum err r;

	if (!body)
		return err_set(ERR_NOMEM, "no memory for the part list");
	o = (size_t)snprintf(body, cap, "<CompleteMultipartUpload>");
	for (unsigned i = 0; i < n; i++) {
		encode_hex(hex, md5[i], 16);
		o += (size_t)snprintf(body + o, cap - o,
		                      "<Part><PartNumber>%u</PartNumber>"
		                      "<ETag>\"%s\"</ETag></Part>",
		                      i + 1, hex);
	}
	o += (size_t)snprintf(body + o, cap - o, "</CompleteMultipartUpload>");
	rq.body = (const uint8_t *)body;
	rq.body_len = o;
	r = query(q, sizeof(q), NULL, 0, id);
	if (r == ERR_OK)
		r = cos_conn_call(c, &rq, &an);
	/* S3 may answer 200 with an <Error> body once it has started. */
	if (r == ERR_OK && memmem(an.body, an.len, "<Error>", 7))
		r = err_set(ERR_REMOTE, "COS complete multipart upload: the "
		                        "server answered an error");
	if (r == ERR_OK &&
	    cos_xml_text(an.body, an.len, "ETag", tag, sizeof(tag)) == ERR_OK) {
		tag[strcspn(tag + 1, "\"") + 1] = '\0';
		snprintf(etag, COS_ETAG_MAX, "%s",
		         tag[0] == '"' ? tag + 1 : tag);
	} else if (r == ERR_OK) {
		etag[0] = '\0';
		err_clear();
	}
	free(body);
	return r;
}

enum err cos_abort(struct cos_conn *c, const char *id)
{
	struct cos_req rq = { "DELETE", NULL, NULL, 0, NULL };
	struct cos_answer an;
	char q[1024];
	enum err r = query(q, sizeof(q), NULL, 0, id);

	rq.query = q;
	if (r == ERR_OK)
		r = cos_conn_call(c, &rq, &an);
	if (r == ERR_NOT_FOUND) {
		err_clear();
		return ERR_OK;
	}
	return r;
}
