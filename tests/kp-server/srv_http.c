/* SPDX-License-Identifier: MIT */
/* srv_http.c - libmicrohttpd glue: HTTPS only, loopback by default,
 * bounded headers (MHD memory limit -> 431), bodies counted here (over
 * max_body -> 413), every reply tagged with a correlation-id and logged.
 * Request bodies live in secure memory: they carry DEKs. */
#include "srv_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "secmem.h"
#include "srv_fault.h"
#include "srv_file.h"
#include "srv_http_fault.h"
#include "srv_route.h"

#define PEM_MAX         (64u * 1024)
#define HEADER_MEMORY   (128u * 1024)
#define CONNECTIONS_MAX 64u
#define IDLE_TIMEOUT_S  60u
#define TLS_PRIORITIES  "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

struct srv_http {
	struct srv *srv;
	struct MHD_Daemon *d;
	char *cert; /* malloc */
	char *key;  /* secmem */
};

struct conn {
	char *body; /* secmem, NUL-terminated */
	size_t len, cap;
	bool too_big, nomem;
};

const char *srv_req_header(const struct srv_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *srv_req_arg(const struct srv_req *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	                                   name);
}

static bool addr_is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)
		                      ->sin_addr.s_addr) >>
		        24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(
		        &((const struct sockaddr_in6 *)(const void *)sa)
		                 ->sin6_addr);
	return false;
}

bool srv_req_is_loopback(const struct srv_req *req)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(
	        req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	return ci && ci->client_addr && addr_is_loopback(ci->client_addr);
}

/* Append upload bytes; past max the body is dropped and 413 follows. */
static void take_upload(struct conn *cn, const char *data, size_t n, size_t max)
{
	char *nb;
	size_t cap;

	if (cn->too_big || cn->nomem)
		return;
	if (n > max - cn->len) {
		cn->too_big = true;
		secmem_free(cn->body);
		cn->body = NULL;
		cn->len = cn->cap = 0;
		return;
	}
	if (cn->len + n + 1 > cn->cap) {
		cap = cn->cap ? cn->cap * 2 : 4096;
		if (cap < cn->len + n + 1)
			cap = cn->len + n + 1;
		if (cap > max + 1)
			cap = max + 1;
		nb = secmem_alloc(cap);
		if (!nb) {
			cn->nomem = true;
			return;
		}
		if (cn->len)
			memcpy(nb, cn->body, cn->len);
		secmem_free(cn->body);
		cn->body = nb;
		cn->cap = cap;
	}
	memcpy(cn->body + cn->len, data, n);
	cn->len += n;
	cn->body[cn->len] = '\0';
}

static bool declared_too_big(struct MHD_Connection *c, size_t max)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                             "Content-Length");
	char *end = NULL;
	unsigned long long v;

	if (!cl)
		return false;
	v = strtoull(cl, &end, 10);
	return end != cl && v > max;
}

/* Echo a sane Correlation-Id (or X-Correlation-Id), else make one. */
static void correlation_id(struct MHD_Connection *c, char *out, size_t cap)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                            "Correlation-Id");
	size_t n;

	if (!v)
		v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		                                "X-Correlation-Id");
	n = v ? strlen(v) : 0;
	if (n && n < cap && n <= 64 &&
	    strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	              "0123456789._-") == n) {
		memcpy(out, v, n + 1);
		return;
	}
	srv_uuid_new(out);
}

/* Run the handler; server failures become a generic 500. */
static void handle(struct srv *srv, struct srv_req *req, struct srv_reply *rep,
                   const struct conn *cn)
{
	enum err r;

	if (cn->too_big) {
		srv_fail(rep, 413, NULL, NULL,
		         "The request body is larger "
		         "than %zu bytes",
		         srv->cfg.max_body);
		return;
	}
	r = cn->nomem ? err_set(ERR_NOMEM, "request body")
	              : srv_route_dispatch(req, rep);
	if (r == ERR_OK || r == ERR_REMOTE)
		return;
	fprintf(stderr, "kp-server: %s %s: %s: %s\n", req->method, req->path,
	        err_str(r), err_detail());
	rep->what = NULL;
	srv_fail(rep, 500, NULL, NULL,
	         "IBM Key Protect is currently "
	         "unavailable. Please try again later.");
}

static struct MHD_Response *reply_response(struct srv_reply *rep, int *status)
{
	struct MHD_Response *resp;
	char *text;

	*status = rep->status ? rep->status : 500;
	if (rep->text) {
		resp = MHD_create_response_from_buffer_with_free_callback(
		        strlen(rep->text), rep->text, free);
		if (resp) {
			rep->text = NULL;
			MHD_add_response_header(resp, "Content-Type",
			                        rep->text_type);
		}
		return resp;
	}
	if (!rep->body)
		return MHD_create_response_from_buffer(0, NULL,
		                                       MHD_RESPMEM_PERSISTENT);
	text = cJSON_PrintUnformatted(rep->body);
	if (!text)
		return NULL;
	resp = MHD_create_response_from_buffer_with_free_callback(
	        strlen(text), text, cJSON_free);
	if (!resp)
		cJSON_free(text);
	else
		MHD_add_response_header(resp, "Content-Type",
		                        "application/json");
	return resp;
}

/* The canned answer of a status fault: its body or a KP error. */
static struct MHD_Response *status_response(const struct srv_fault_rule *f,
                                            struct srv_reply *rep, int *status)
{
	const char *msg = f->status == 429
	                          ? "Please wait a few minutes and try again."
	                  : f->status >= 500
	                          ? "IBM Key Protect is currently unavailable. "
	                            "Please try again later."
	                          : "Injected fault";

	if (f->body[0]) {
		*status = f->status;
		return srv_http_fault_text(f->body);
	}
	rep->what = NULL;
	srv_fail(rep, f->status, NULL, NULL, "%s", msg);
	return reply_response(rep, status);
}

/* A body for faults that reshape a reply the handler did not make. */
static void canned(struct srv_reply *rep, int status)
{
	cJSON *j = cJSON_CreateObject();

	if (j) {
		cJSON_AddStringToObject(j, "ciphertext", "AAAA");
		cJSON_AddStringToObject(j, "plaintext", "AAAA");
	}
	srv_reply_json(rep, status, j);
}

static struct MHD_Response *
truncated(struct srv_reply *rep, const struct srv_fault_rule *f, int *status)
{
	char *text;

	if (!rep->body)
		canned(rep, f->status);
	*status = rep->status;
	text = rep->body ? cJSON_PrintUnformatted(rep->body) : NULL;
	return text ? srv_http_fault_truncated(text, strlen(text),
	                                       f->truncate_at)
	            : NULL;
}

static struct MHD_Response *fault_response(const struct srv_fault_rule *f,
                                           struct srv_reply *rep, int *status)
{
	*status = f->status;
	switch (f->kind) {
	case SRV_FAULT_STATUS: return status_response(f, rep, status);
	case SRV_FAULT_GARBAGE:
		return srv_http_fault_text("<html><body><h1>502 Bad Gateway"
		                           "</h1></body></html>\n");
	case SRV_FAULT_HUGE: return srv_http_fault_huge(f->mib, f->chunked);
	case SRV_FAULT_DEEP_JSON: return srv_http_fault_deep(f->depth);
	case SRV_FAULT_TRUNCATE: return truncated(rep, f, status);
	case SRV_FAULT_DUP_KEYS:
		if (!rep->body)
			canned(rep, f->status);
		srv_fault_dup_keys(rep->body, f->key);
		return reply_response(rep, status);
	default: return reply_response(rep, status);
	}
}

/* Stall an injected delay in 50 ms steps, so shutdown need not wait. */
static void sleep_ms(const struct srv *srv, int64_t ms)
{
	struct timespec step = { 0, 50 * 1000000L };

	for (; ms > 0 && !atomic_load(&srv->stopping); ms -= 50)
		nanosleep(&step, NULL);
}

struct query_buf {
	char s[SRV_PARAM_MAX];
	size_t n;
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind,
                               const char *key, const char *value)
{
	struct query_buf *q = cls;
	int w;

	(void)kind;
	w = snprintf(q->s + q->n, sizeof(q->s) - q->n, "%s%s=%s",
	             q->n ? "&" : "", key, value ? value : "");
	if (w > 0 && (size_t)w < sizeof(q->s) - q->n)
		q->n += (size_t)w;
	return MHD_YES;
}

static void log_request(struct srv *srv, struct MHD_Connection *c,
                        const char *method, const char *url, int status,
                        const char *corr, enum srv_fault_kind kind)
{
	struct query_buf q = { "", 0 };

	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &q);
	pthread_mutex_lock(&srv->lock);
	srv_fault_log(srv->fault, srv_now(srv), method, url, q.s, status, corr,
	              kind);
	pthread_mutex_unlock(&srv->lock);
	if (srv->cfg.verbose)
		fprintf(stderr, "kp-server: %s %s%s%s -> %d%s%s\n", method, url,
		        q.n ? "?" : "", q.s, status, kind ? " fault " : "",
		        kind ? srv_fault_kind_name(kind) : "");
}

static enum MHD_Result send_reply(struct MHD_Connection *c,
                                  struct srv_reply *rep,
                                  const struct srv_fault_rule *f,
                                  const char *corr, int *status)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = f ? fault_response(f, rep, status) : reply_response(rep, status);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "correlation-id", corr);
	for (size_t i = 0; i < rep->n_hdr; i++)
		MHD_add_response_header(resp, rep->hdr[i].name,
		                        rep->hdr[i].value);
	if (f && f->retry_after[0])
		MHD_add_response_header(resp, "Retry-After", f->retry_after);
	ret = MHD_queue_response(c, (unsigned)*status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result answer(struct srv_http *h, struct MHD_Connection *c,
                              const char *url, const char *method,
                              const struct conn *cn)
{
	struct srv *srv = h->srv;
	struct srv_req req = { .srv = srv,
		               .conn = c,
		               .method = method,
		               .path = url,
		               .body = cn->body ? cn->body : "",
		               .body_len = cn->len };
	struct srv_reply rep = { 0 };
	struct srv_fault_rule f;
	bool admin = srv_route_is_admin(url), faulted = false;
	char corr[80];
	int status = 0;
	enum MHD_Result ret = MHD_NO;

	correlation_id(c, corr, sizeof(corr));
	if (!admin) {
		pthread_mutex_lock(&srv->lock);
		faulted = srv_fault_take(srv->fault, method, url, &f);
		pthread_mutex_unlock(&srv->lock);
	}
	if (!faulted || f.process)
		handle(srv, &req, &rep, cn);
	if (faulted && f.delay_ms)
		sleep_ms(srv, f.delay_ms); /* own thread: others go on */
	if (!faulted || f.kind != SRV_FAULT_DROP)
		ret = send_reply(c, &rep, faulted ? &f : NULL, corr, &status);
	if (!admin)
		log_request(srv, c, method, url, ret == MHD_YES ? status : 0,
		            corr, faulted ? f.kind : SRV_FAULT_NONE);
	cJSON_Delete(rep.body);
	free(rep.text);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	struct srv_http *h = cls;
	struct conn *cn = *con_cls;

	(void)version;
	if (!cn) {
		cn = calloc(1, sizeof(*cn));
		if (!cn)
			return MHD_NO;
		cn->too_big = declared_too_big(c, h->srv->cfg.max_body);
		*con_cls = cn;
		return MHD_YES;
	}
	if (*upload_size) {
		take_upload(cn, upload, *upload_size, h->srv->cfg.max_body);
		*upload_size = 0;
		return MHD_YES;
	}
	return answer(h, c, url, method, cn);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (!cn)
		return;
	secmem_free(cn->body);
	free(cn);
	*con_cls = NULL;
}

/* "127.0.0.1:0" or "[::1]:0" into ss; host gets the address text. */
static enum err parse_listen(const char *spec, struct sockaddr_storage *ss,
                             char *host, size_t cap)
{
	const char *colon = strrchr(spec, ':');
	char *end = NULL;
	unsigned long port;
	size_t n;
	bool v6 = spec[0] == '[';

	memset(ss, 0, sizeof(*ss));
	if (!colon)
		return err_set(ERR_USAGE, "--listen wants ADDRESS:PORT");
	n = (size_t)(colon - spec) - (v6 ? 2 : 0);
	if (n == 0 || n >= cap || (v6 && colon[-1] != ']'))
		return err_set(ERR_USAGE, "--listen: bad address in %s", spec);
	memcpy(host, spec + v6, n);
	host[n] = '\0';
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || port > 65535)
		return err_set(ERR_USAGE, "--listen: bad port in %s", spec);
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host, &a->sin6_addr) == 1
		               ? ERR_OK
		               : err_set(ERR_USAGE,
		                         "--listen: bad IPv6 address");
	}
	struct sockaddr_in *a = (struct sockaddr_in *)ss;

	a->sin_family = AF_INET;
	a->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &a->sin_addr) == 1
	               ? ERR_OK
	               : err_set(ERR_USAGE,
	                         "--listen: bad IPv4 address (numeric only)");
}

static enum err start_daemon(struct srv_http *h, struct sockaddr_storage *ss)
{
	unsigned flags = MHD_USE_TLS | MHD_USE_THREAD_PER_CONNECTION |
	                 MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->d = MHD_start_daemon(
	        flags, 0, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
	        (struct sockaddr *)ss, MHD_OPTION_HTTPS_MEM_KEY, h->key,
	        MHD_OPTION_HTTPS_MEM_CERT, h->cert, MHD_OPTION_HTTPS_PRIORITIES,
	        TLS_PRIORITIES, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	        (size_t)HEADER_MEMORY, MHD_OPTION_CONNECTION_LIMIT,
	        CONNECTIONS_MAX, MHD_OPTION_CONNECTION_TIMEOUT, IDLE_TIMEOUT_S,
	        MHD_OPTION_NOTIFY_COMPLETED, on_done, h, MHD_OPTION_END);
	return h->d ? ERR_OK
	            : err_set(ERR_IO, "libmicrohttpd did not start "
	                              "(address in use, or bad certificate)");
}

enum err srv_http_start(struct srv *srv, struct srv_http **out, char *url,
                        size_t cap)
{
	struct srv_http *h = calloc(1, sizeof(*h));
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *di;
	char host[64];
	size_t len;
	enum err r;

	*out = NULL;
	if (!h)
		return err_set(ERR_NOMEM, "http");
	h->srv = srv;
	r = parse_listen(srv->cfg.listen, &ss, host, sizeof(host));
	if (r == ERR_OK && !srv->cfg.allow_remote &&
	    !addr_is_loopback((struct sockaddr *)&ss))
		r = err_set(ERR_POLICY,
		            "refusing to listen on %s: not a "
		            "loopback address (--allow-remote to force)",
		            host);
	if (r == ERR_OK && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
		r = err_set(ERR_UNSUPPORTED, "libmicrohttpd lacks TLS");
	if (r == ERR_OK)
		r = srv_file_read(srv->cfg.cert_file, false, PEM_MAX, &h->cert,
		                  &len);
	if (r == ERR_OK)
		r = srv_file_read(srv->cfg.key_file, true, PEM_MAX, &h->key,
		                  &len);
	if (r == ERR_OK)
		r = start_daemon(h, &ss);
	di = r == ERR_OK ? MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT)
	                 : NULL;
	if (r == ERR_OK && !di)
		r = err_set(ERR_IO, "no bound port");
	if (r != ERR_OK) {
		srv_http_stop(h);
		return r;
	}
	snprintf(url, cap,
	         ss.ss_family == AF_INET6 ? "https://[%s]:%u" : "https://%s:%u",
	         host, (unsigned)di->port);
	*out = h;
	return ERR_OK;
}

void srv_http_stop(struct srv_http *h)
{
	if (!h)
		return;
	atomic_store(&h->srv->stopping, true);
	if (h->d)
		MHD_stop_daemon(h->d);
	free(h->cert);
	secmem_free(h->key);
	free(h);
}
