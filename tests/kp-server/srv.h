/* SPDX-License-Identifier: MIT */
/* srv.h - kp-server's shared types: configuration, the server context, one
 * request and its reply, and the small helpers every handler uses (clock,
 * UUIDs, error envelopes). The server state is guarded by one mutex. */
#ifndef SRV_H
#define SRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "err.h"

#define SRV_UUID_LEN  36
#define SRV_HDR_MAX   4
#define SRV_PARAM_MAX 256

struct srv_config {
	const char *listen; /* "127.0.0.1:0" */
	bool allow_remote;  /* bind a non-loopback address anyway */
	const char *cert_file, *key_file;
	const char *instance_id;
	const char *api_keys_file;
	const char *state_file; /* NULL: keep state in memory only */
	const char *module, *token_uri, *pin_source;
	const char *port_file;
	const char *region, *account;
	long token_ttl;       /* IAM token lifetime, seconds */
	long rotate_interval; /* minimum seconds between rotations */
	long enable_wait;     /* enable after disable, restore after delete */
	long purge_wait;      /* purge allowed this long after delete */
	long min_token_expiration; /* lower bound of import token lifetime */
	size_t max_body;           /* bigger uploads get 413 */
	bool faults;               /* serve the /admin endpoints (loopback) */
	bool hpcs;                 /* accept RSAES_OAEP_SHA_1 + AES-CBC nonce */
	bool verbose;              /* one line per request on stderr */
	/* the SoftLayer/IAM/COS stand-in (srv_sl.c) */
	const char *cos_dir;       /* objects at DIR/BUCKET/OBJECT */
	const char *policies_file; /* IAM authorization policies */
	long import_delay;         /* seconds until an import finishes */
};

struct srv_keys;
struct srv_itok;
struct srv_hsm;
struct srv_iam;
struct srv_fault;
struct srv_sl;

struct srv {
	struct srv_config cfg;
	pthread_mutex_t lock; /* guards everything below */
	struct srv_keys *keys;
	struct srv_itok *itok;
	struct srv_hsm *hsm;
	struct srv_iam *iam;
	struct srv_fault *fault;
	struct srv_sl *sl;
	int64_t clock_offset; /* seconds added to the wall clock (tests) */
	atomic_bool stopping; /* set at shutdown: injected delays end */
};

struct srv_req {
	struct srv *srv;
	void *conn; /* struct MHD_Connection, only srv_http.c looks inside */
	const char *method, *path;
	const char *body; /* NUL-terminated; secret memory */
	size_t body_len;
	char subject[128];            /* IAM subject once authenticated */
	char param[2][SRV_PARAM_MAX]; /* the '*' segments of the route */
};

struct srv_reply {
	int status;
	cJSON *body;      /* NULL: no body */
	char *text;       /* malloc'd non-JSON body (XML), or NULL */
	const char *text_type; /* its Content-Type */
	const char *what; /* summary for error envelopes; NULL: none */
	struct {
		char name[32];
		char value[128];
	} hdr[SRV_HDR_MAX];
	size_t n_hdr;
};

/* A request header (case-insensitive name) or NULL. */
const char *srv_req_header(const struct srv_req *req, const char *name);

/* A query argument or NULL. */
const char *srv_req_arg(const struct srv_req *req, const char *name);

/* True if the client connected from a loopback address. */
bool srv_req_is_loopback(const struct srv_req *req);

/* Wall clock plus the test offset, in Unix seconds. */
int64_t srv_now(const struct srv *srv);

/* A fresh random UUID v4 (lower case) into out[SRV_UUID_LEN + 1]. */
void srv_uuid_new(char *out);

/* True if s is a UUID in 8-4-4-4-12 hex form. */
bool srv_uuid_valid(const char *s);

/* Add a response header (silently dropped beyond SRV_HDR_MAX). */
void srv_reply_header(struct srv_reply *rep, const char *name,
                      const char *value);

/* Set a JSON reply; takes ownership of body (NULL: no memory -> 500). */
enum err srv_reply_json(struct srv_reply *rep, int status, cJSON *body);

/* Fill rep with the Key Protect error envelope (spec 7.1) and return
 * ERR_REMOTE. code NULL: no reasons. target "field:name",
 * "query_param:name" or "header:name", or NULL. errorMsg is
 * "<phrase>: <rep->what>: Please see `reasons` ... (<code>)" when both
 * what and code are set, else "<phrase>: <message>". */
enum err srv_fail(struct srv_reply *rep, int status, const char *code,
                  const char *target, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

/* 400 "The <type> `<name>` must be: <must>" with INVALID_FIELD_ERR for
 * type "field", INVALID_QUERY_PARAM_ERR for "query_param". */
enum err srv_fail_must(struct srv_reply *rep, const char *type,
                       const char *name, const char *must);

/* HTTP reason phrase ("Bad Request"); "Error" if unknown. */
const char *srv_status_phrase(int status);

/* The envelope {"metadata":{collectionType, collectionTotal},
 * "resources":items}; takes ownership of items (an array). */
cJSON *srv_envelope(const char *type, cJSON *items);

/* Parse the request body strictly. ABSENT body: *out NULL and ERR_OK
 * unless required (400 NO_BODY_ERR). Bad JSON: 400 BAD_BODY_ERR. */
enum err srv_req_json(const struct srv_req *req, struct srv_reply *rep,
                      bool required, cJSON **out);

#endif
