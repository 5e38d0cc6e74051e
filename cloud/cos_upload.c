/* SPDX-License-Identifier: MIT */
/* cos_upload.c - the multipart engine. Threads take part numbers in
 * order, each reads its part into its own buffer (the pool is threads x
 * part size, whatever the file size), hashes it and sends it; a part the
 * server already holds with our MD5 is not sent again. Only a transport
 * failure keeps the upload for a later resume; anything else aborts it
 * so no orphan parts stay billed. */
#include "cos_upload.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "cos_state.h"
#include "encode.h"

/* What the threads share. */
struct job {
	const struct cos_upload_opts *o;
	int fd;
	uint64_t size, part_size;
	unsigned nparts, next, sent, skipped, retries;
	uint8_t (*md5)[16];
	char (*have)[COS_ETAG_MAX]; /* ETag the server holds, "" if none */
	uint64_t *have_size;
	const char *id;
	bool completed; /* the upload id is spent: nothing to abort */
	uint64_t done;
	pthread_mutex_t lock;
	enum err err;
	char detail[1024];
};

uint64_t cos_part_size(uint64_t size)
{
	uint64_t ps = (size + COS_PARTS_MAX - 1) / COS_PARTS_MAX;

	ps = (ps + (1u << 20) - 1) & ~(uint64_t)((1u << 20) - 1);
	if (ps < COS_PART_DFLT)
		ps = COS_PART_DFLT;
	return ps > COS_PART_MAX ? 0 : ps;
}

void cos_multipart_etag(const uint8_t (*md5)[16], unsigned n, char *out)
{
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	unsigned char d[16];
	char hex[33];

	EVP_DigestInit_ex(x, EVP_md5(), NULL);
	for (unsigned i = 0; i < n; i++)
		EVP_DigestUpdate(x, md5[i], 16);
	EVP_DigestFinal_ex(x, d, NULL);
	EVP_MD_CTX_free(x);
	encode_hex(hex, d, sizeof(d));
	snprintf(out, COS_ETAG_MAX, "%s-%u", hex, n);
}

static void fail(struct job *j, enum err r)
{
	pthread_mutex_lock(&j->lock);
	if (j->err == ERR_OK) {
		j->err = r;
		snprintf(j->detail, sizeof(j->detail), "%s", err_detail());
	}
	pthread_mutex_unlock(&j->lock);
}

static enum err read_part(struct job *j, unsigned n, uint8_t *buf, size_t len)
{
	off_t off = (off_t)((uint64_t)(n - 1) * j->part_size);
	size_t got = 0;

	while (got < len) {
		ssize_t k =
		        pread(j->fd, buf + got, len - got, off + (off_t)got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? err_errno(ERR_IO, j->o->image)
			             : err_set(ERR_IO,
			                       "%s: shorter than when "
			                       "the upload began",
			                       j->o->image);
		got += (size_t)k;
	}
	EVP_Digest(buf, len, j->md5[n - 1], NULL, EVP_md5(), NULL);
	return ERR_OK;
}

/* Send part n; a part stored with other bytes (ETag is not our MD5) is
 * sent again, twice at most. */
static enum err send_part(struct job *j, struct cos_conn *c, unsigned n,
                          uint8_t *buf, size_t len, bool *skipped)
{
	char hex[33];
	enum err r = read_part(j, n, buf, len);

	*skipped = false;
	if (r != ERR_OK)
		return r;
	encode_hex(hex, j->md5[n - 1], 16);
	if (j->have[n - 1][0] && j->have_size[n - 1] == len &&
	    strcasecmp(j->have[n - 1], hex) == 0) {
		*skipped = true;
		return ERR_OK;
	}
	for (int k = 0;; k++) {
		r = cos_put_part(c, j->id, n, buf, len, j->md5[n - 1]);
		if (r != ERR_VERIFY || k == 2)
			return r;
		pthread_mutex_lock(&j->lock);
		j->retries++;
		pthread_mutex_unlock(&j->lock);
	}
}

static void *worker(void *arg)
{
	struct job *j = arg;
	struct cos_conn *c = NULL;
	uint8_t *buf = malloc(j->part_size);
	enum err r = buf ? cos_conn_new(&c, j->o->cfg, j->o->target)
	                 : err_set(ERR_NOMEM, "no memory for a part buffer");

	while (r == ERR_OK) {
		unsigned n;
		size_t len;
		bool skipped;

		pthread_mutex_lock(&j->lock);
		n = j->err == ERR_OK && j->next <= j->nparts ? j->next++ : 0;
		pthread_mutex_unlock(&j->lock);
		if (!n)
			break;
		len = (size_t)(n < j->nparts ? j->part_size
		                             : j->size - (uint64_t)(n - 1) *
		                                                 j->part_size);
		r = send_part(j, c, n, buf, len, &skipped);
		if (r != ERR_OK)
			break;
		pthread_mutex_lock(&j->lock);
		j->done += len;
		*(skipped ? &j->skipped : &j->sent) += 1;
		if (j->o->progress)
			j->o->progress(j->o->ctx, j->done, j->size);
		pthread_mutex_unlock(&j->lock);
	}
	if (r != ERR_OK)
		fail(j, r);
	pthread_mutex_lock(&j->lock);
	j->retries += c ? cos_conn_retries(c) : 0;
	pthread_mutex_unlock(&j->lock);
	cos_conn_free(c);
	free(buf);
	return NULL;
}

/* Run the threads over every part; the first failure, re-raised here. */
static enum err run_parts(struct job *j, unsigned threads)
{
	pthread_t t[COS_THREADS_MAX];
	unsigned started = 0;

	for (; started < threads; started++)
		if (pthread_create(&t[started], NULL, worker, j) != 0)
			break;
	if (!started)
		return err_set(ERR_NOMEM, "cannot start upload threads");
	for (unsigned i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	if (j->err != ERR_OK)
		return err_set(j->err, "%s", j->detail);
	return ERR_OK;
}

static enum err on_part(void *ctx, unsigned n, const char *etag, uint64_t size)
{
	struct job *j = ctx;

	if (n <= j->nparts) {
		snprintf(j->have[n - 1], COS_ETAG_MAX, "%s", etag);
		j->have_size[n - 1] = size;
	}
	return ERR_OK;
}

static enum err open_image(const struct cos_upload_opts *o, uint64_t ps,
                           struct job *j)
{
	struct stat sb;

	j->fd = open(o->image, O_RDONLY | O_CLOEXEC);
	if (j->fd < 0)
		return errno == ENOENT ? err_set(ERR_NOT_FOUND,
		                                 "%s: no such "
		                                 "file",
		                                 o->image)
		                       : err_errno(ERR_IO, o->image);
	if (fstat(j->fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0)
		return err_set(ERR_USAGE, "%s: not a non-empty regular file",
		               o->image);
	j->size = (uint64_t)sb.st_size;
	j->part_size = ps ? ps : cos_part_size(j->size);
	if (j->part_size < COS_PART_MIN || j->part_size > COS_PART_MAX)
		return err_set(ERR_USAGE,
		               "part size %llu is outside COS's "
		               "5 MiB..5 GiB",
		               (unsigned long long)j->part_size);
	j->nparts = (unsigned)((j->size + j->part_size - 1) / j->part_size);
	if ((j->size + j->part_size - 1) / j->part_size > COS_PARTS_MAX)
		return err_set(ERR_USAGE,
		               "%s: %llu-byte parts make more than "
		               "%u parts",
		               o->image, (unsigned long long)j->part_size,
		               COS_PARTS_MAX);
	j->md5 = calloc(j->nparts, 16);
	j->have = calloc(j->nparts, COS_ETAG_MAX);
	j->have_size = calloc(j->nparts, sizeof(uint64_t));
	if (!j->md5 || !j->have || !j->have_size)
		return err_set(ERR_NOMEM, "no memory for the part table");
	return ERR_OK;
}

/* The state file's upload, when it is this file's upload to this object
 * and the server still has it: its parts into j->have. */
static enum err try_resume(const struct cos_upload_opts *o, struct job *j,
                           struct cos_conn *c, struct cos_state *st,
                           struct cos_upload_result *res)
{
	struct cos_state old;
	enum err r = cos_state_read(res->state, &old);

	if (r == ERR_NOT_FOUND)
		return ERR_OK;
	if (r != ERR_OK)
		return r;
	if (strcmp(old.uri, st->uri) != 0 ||
	    strcmp(old.endpoint, st->endpoint) != 0 || old.size != j->size ||
	    (o->part_size && o->part_size != old.part_size)) {
		/* another file or target now: that upload is an orphan */
		if (strcmp(old.endpoint, st->endpoint) == 0 &&
		    strcmp(old.uri, st->uri) == 0)
			cos_abort(c, old.upload_id);
		err_clear();
		return ERR_OK;
	}
	j->part_size = old.part_size;
	j->nparts = (unsigned)((j->size + j->part_size - 1) / j->part_size);
	if (j->nparts > COS_PARTS_MAX)
		return err_set(ERR_FORMAT, "%s: bad part size", res->state);
	r = cos_list_parts(c, old.upload_id, on_part, j);
	if (r == ERR_NOT_FOUND) { /* completed or aborted meanwhile */
		memset(j->have, 0, (size_t)j->nparts * COS_ETAG_MAX);
		err_clear();
		return ERR_OK;
	}
	if (r == ERR_OK) {
		*st = old;
		res->resumed = true;
	}
	return r;
}

static enum err start(const struct cos_upload_opts *o, struct job *j,
                      struct cos_conn *c, struct cos_state *st,
                      struct cos_upload_result *res)
{
	char etag[COS_ETAG_MAX];
	uint64_t size;
	bool exists;
	enum err r = try_resume(o, j, c, st, res);

	if (r == ERR_OK)
		r = cos_head(c, &exists, &size, etag);
	if (r == ERR_OK && exists && !o->force)
		return err_set(ERR_EXISTS,
		               "%s already exists (%llu bytes); "
		               "--force replaces it",
		               o->uri, (unsigned long long)size);
	if (r != ERR_OK || res->resumed)
		return r;
	r = cos_create(c, st->upload_id);
	st->part_size = j->part_size;
	if (r == ERR_OK)
		r = cos_state_write(res->state, st);
	return r;
}

/* Complete, then HEAD: the object must have the file's size and the
 * multipart ETag of its parts' MD5s. */
static enum err finish(const struct cos_upload_opts *o, struct job *j,
                       struct cos_conn *c, struct cos_upload_result *res)
{
	char got[COS_ETAG_MAX];
	uint64_t size;
	bool exists;
	enum err r = cos_complete(c, j->id, (const uint8_t(*)[16])j->md5,
	                          j->nparts, got);

	if (r != ERR_OK)
		return r;
	j->completed = true;
	unlink(res->state);
	cos_multipart_etag((const uint8_t(*)[16])j->md5, j->nparts, res->etag);
	r = cos_head(c, &exists, &size, got);
	if (r != ERR_OK)
		return r;
	if (!exists || size != j->size)
		return err_set(ERR_VERIFY,
		               "%s: the object has %llu bytes, the "
		               "file %llu",
		               o->uri, (unsigned long long)size,
		               (unsigned long long)j->size);
	if (strcasecmp(got, res->etag) != 0)
		return err_set(ERR_VERIFY,
		               "%s: the object's ETag %s is not the "
		               "file's %s",
		               o->uri, got, res->etag);
	return ERR_OK;
}

/* After a failure: keep a resumable upload (transport trouble), abort
 * anything else and drop its state. */
static void cleanup(const char *id, struct cos_conn *c, enum err r,
                    struct cos_upload_result *res)
{
	char keep[1024];

	if (r == ERR_OK || r == ERR_HTTP || !id[0] || !c)
		return;
	snprintf(keep, sizeof(keep), "%s", err_detail());
	if (cos_abort(c, id) == ERR_OK) {
		res->aborted = true;
		unlink(res->state);
	}
	err_set(r, "%s%s", keep,
	        res->aborted ? " (upload aborted)"
	                     : " (abort failed: the parts stay until aborted)");
}

enum err cos_upload(const struct cos_upload_opts *o,
                    struct cos_upload_result *res)
{
	struct job j = { .o = o, .fd = -1, .next = 1 };
	struct cos_state st = { 0 };
	struct cos_conn *c = NULL;
	enum err r;

	memset(res, 0, sizeof(*res));
	pthread_mutex_init(&j.lock, NULL);
	snprintf(res->state, sizeof(res->state), "%s.cos-upload", o->image);
	snprintf(st.uri, sizeof(st.uri), "%s", o->uri);
	r = open_image(o, o->part_size, &j);
	if (r == ERR_OK)
		r = cos_endpoint(o->cfg, o->target, st.endpoint,
		                 sizeof(st.endpoint));
	if (r == ERR_OK)
		r = cos_conn_new(&c, o->cfg, o->target);
	st.size = j.size;
	if (r == ERR_OK)
		r = start(o, &j, c, &st, res);
	j.id = st.upload_id;
	if (r == ERR_OK)
		r = run_parts(&j, o->threads
		                          ? (o->threads < j.nparts ? o->threads
		                                                   : j.nparts)
		                          : (j.nparts < 4 ? j.nparts : 4));
	if (r == ERR_OK)
		r = finish(o, &j, c, res);
	if (r != ERR_EXISTS && !j.completed)
		cleanup(st.upload_id, c, r, res);
	res->size = j.size;
	res->part_size = j.part_size;
	res->parts = j.nparts;
	res->sent = j.sent;
	res->skipped = j.skipped;
	res->retries = j.retries + (c ? cos_conn_retries(c) : 0);
	snprintf(res->upload_id, sizeof(res->upload_id), "%s", st.upload_id);
	cos_conn_free(c);
	if (j.fd >= 0)
		close(j.fd);
	free(j.md5);
	free(j.have);
	free(j.have_size);
	pthread_mutex_destroy(&j.lock);
	return r;
}
