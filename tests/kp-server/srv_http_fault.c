/* SPDX-License-Identifier: MIT */
/* srv_http_fault.c - hostile responses for client tests. The huge body is
 * generated block by block so a 100 MiB answer costs the server no
 * memory. */
#include "srv_http_fault.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#define HUGE_HEAD                                                  \
	"{\"metadata\":{\"collectionType\":\"application/vnd.ibm." \
	"kms.key+json\",\"collectionTotal\":1},\"resources\":[{"   \
	"\"name\":\""
#define HUGE_TAIL "\"}]}"

struct huge {
	uint64_t size;
};

/* Byte i of the huge body: head, then 'A's, then tail. */
static ssize_t huge_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	const struct huge *h = cls;
	uint64_t head = sizeof(HUGE_HEAD) - 1, tail = sizeof(HUGE_TAIL) - 1;
	size_t n = 0;

	if (pos >= h->size)
		return MHD_CONTENT_READER_END_OF_STREAM;
	while (n < max && pos + n < h->size) {
		uint64_t i = pos + n;

		if (i < head)
			buf[n] = HUGE_HEAD[i];
		else if (i >= h->size - tail)
			buf[n] = HUGE_TAIL[i - (h->size - tail)];
		else
			buf[n] = 'A';
		n++;
	}
	return (ssize_t)n;
}

struct MHD_Response *srv_http_fault_huge(int64_t mib, bool chunked)
{
	struct huge *h = malloc(sizeof(*h));
	struct MHD_Response *resp;

	if (!h)
		return NULL;
	h->size = (uint64_t)mib * 1024 * 1024;
	resp = MHD_create_response_from_callback(chunked ? MHD_SIZE_UNKNOWN
	                                                 : h->size,
	                                         64 * 1024, huge_read, h, free);
	if (!resp)
		free(h);
	return resp;
}

struct cut {
	char *text;
	size_t len, cut;
};

static ssize_t cut_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	const struct cut *c = cls;
	size_t n;

	/* Sending less than Content-Length and then failing makes MHD close
	 * the connection: the client sees a short body. */
	if (pos >= c->cut)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	n = c->cut - (size_t)pos;
	if (n > max)
		n = max;
	memcpy(buf, c->text + pos, n);
	return (ssize_t)n;
}

static void cut_free(void *cls)
{
	struct cut *c = cls;

	cJSON_free(c->text);
	free(c);
}

struct MHD_Response *srv_http_fault_truncated(char *text, size_t len,
                                              int64_t cut)
{
	struct cut *c = malloc(sizeof(*c));
	struct MHD_Response *resp;

	if (!c) {
		cJSON_free(text);
		return NULL;
	}
	c->text = text;
	c->len = len;
	c->cut = cut < 0 || (uint64_t)cut >= len ? len / 2 : (size_t)cut;
	resp = MHD_create_response_from_callback(len, 4096, cut_read, c,
	                                         cut_free);
	if (!resp)
		cut_free(c);
	return resp;
}

struct MHD_Response *srv_http_fault_deep(int64_t depth)
{
	size_t d = (size_t)depth;
	char *buf = malloc(2 * d);
	struct MHD_Response *resp;

	if (!buf)
		return NULL;
	memset(buf, '[', d);
	memset(buf + d, ']', d);
	resp = MHD_create_response_from_buffer_with_free_callback(2 * d, buf,
	                                                          free);
	if (!resp)
		free(buf);
	return resp;
}

struct MHD_Response *srv_http_fault_text(const char *text)
{
	return MHD_create_response_from_buffer(
	        strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_MUST_COPY);
}
