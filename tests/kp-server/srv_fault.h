/* SPDX-License-Identifier: MIT */
/* srv_fault.h - fault injection and the request log behind kp-server's
 * /admin endpoints (only with --faults, only from loopback). A rule
 * matches requests by path prefix (and method), lets `after` of them
 * through, then affects `count` of them. Callers hold the server lock. */
#ifndef SRV_FAULT_H
#define SRV_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "srv.h"

enum srv_fault_kind {
	SRV_FAULT_NONE,
	SRV_FAULT_STATUS,    /* any status, optional Retry-After and body */
	SRV_FAULT_DELAY,     /* stall delay_ms, then answer normally */
	SRV_FAULT_DROP,      /* close the connection without a response */
	SRV_FAULT_TRUNCATE,  /* Content-Length says more than is sent */
	SRV_FAULT_GARBAGE,   /* a non-JSON body */
	SRV_FAULT_HUGE,      /* a body of mib MiB, streamed */
	SRV_FAULT_DEEP_JSON, /* depth levels of nested arrays */
	SRV_FAULT_DUP_KEYS,  /* the reply with member `key` twice */
	SRV_FAULT_COUNT
};

#define SRV_FAULT_BODY_MAX 4096

struct srv_fault_rule {
	uint64_t id;
	enum srv_fault_kind kind;
	char prefix[SRV_PARAM_MAX];
	char method[12];               /* "" = any */
	int status;                    /* reply status (default per kind) */
	char retry_after[64];          /* "" = no Retry-After header */
	char body[SRV_FAULT_BODY_MAX]; /* status: "" = KP error envelope */
	int64_t delay_ms;              /* stall before answering (any kind) */
	int64_t count;                 /* requests still to affect; < 0 = all */
	int64_t after;       /* matching requests still to let through */
	bool process;        /* run the real handler as well */
	int64_t mib;         /* huge: size */
	bool chunked;        /* huge: no Content-Length */
	int64_t depth;       /* deep_json: nesting */
	char key[64];        /* dup_keys: member to repeat */
	int64_t truncate_at; /* truncate: bytes sent; < 0 = half */
};

struct srv_fault;

enum err srv_fault_new(struct srv_fault **out);
void srv_fault_free(struct srv_fault *f);

/* The rule that applies to this request, if any (consumes one use). */
bool srv_fault_take(struct srv_fault *f, const char *method, const char *path,
                    struct srv_fault_rule *out);

/* Append to the request log (status 0: dropped). */
void srv_fault_log(struct srv_fault *f, int64_t now, const char *method,
                   const char *path, const char *query, int status,
                   const char *corr_id, enum srv_fault_kind kind);

/* Name of a kind ("status", "drop", ...). */
const char *srv_fault_kind_name(enum srv_fault_kind k);

/* Put a decoy copy of member key first in body (or its resources[0]). */
void srv_fault_dup_keys(cJSON *body, const char *key);

/* /admin handlers: POST/GET/DELETE faults, GET/DELETE log, POST clock. */
enum err srv_fault_admin(struct srv_req *req, struct srv_reply *rep);

#endif
