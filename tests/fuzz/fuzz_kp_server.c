/* SPDX-License-Identifier: MIT */
/* fuzz_kp_server.c - libFuzzer target over kp-server's request parsing:
 * the strict JSON parser every request body goes through, the admin
 * endpoints that take a body (fault rules, clock), the state-file readers
 * (keys and import token), and the base64, RFC 3339 and alias checks the
 * key handlers apply to body fields. Byte 0 picks the target; the rest is
 * the body. Accepted input must round-trip:
 *  - strict parse -> print -> strict parse gives an equal tree, no deeper
 *    than SRV_JSON_MAX_DEPTH, and a strict parse never accepts a NUL;
 *  - a state-file key rebuilds into an object that parses back to the
 *    same JSON;
 *  - decoded base64 re-encodes to bytes that decode the same;
 *  - a parsed date prints and parses back to the same second.
 * The HTTP layer (srv_http.c) is replaced by the three accessors below, so
 * no socket or libmicrohttpd connection is involved. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "encode.h"
#include "srv.h"
#include "srv_fault.h"
#include "srv_import.h"
#include "srv_json.h"
#include "srv_keys.h"
#include "srv_keys_json.h"

#define MAX_BODY (64u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct srv server;
static bool ready;
static const char *fuzz_method = "POST", *fuzz_path = "/admin/faults";

const char *srv_req_header(const struct srv_req *req, const char *name)
{
	(void)req;
	(void)name;
	return NULL;
}

const char *srv_req_arg(const struct srv_req *req, const char *name)
{
	(void)req;
	(void)name;
	return NULL;
}

bool srv_req_is_loopback(const struct srv_req *req)
{
	(void)req;
	return true;
}

static void setup(void)
{
	if (ready)
		return;
	server.cfg.instance_id = "5b5a8b6e-2f8c-4a3e-9d4b-0c1e2f3a4b5c";
	server.cfg.region = "us-south";
	server.cfg.account = "fuzz";
	server.cfg.max_body = MAX_BODY;
	server.cfg.faults = true;
	server.cfg.purge_wait = 4 * 3600;
	pthread_mutex_init(&server.lock, NULL);
	if (srv_fault_new(&server.fault) != ERR_OK)
		abort();
	ready = true;
}

static int depth(const cJSON *j)
{
	int d = 0;

	for (const cJSON *c = j->child; c; c = c->next) {
		int e = depth(c);

		if (e > d)
			d = e;
	}
	return d + (cJSON_IsArray(j) || cJSON_IsObject(j));
}

/* Strict parse; on success print and parse again: same tree. */
static void body(const char *text, size_t len)
{
	cJSON *j = NULL, *again = NULL;
	char *printed;

	if (srv_json_parse(text, len, &j) != ERR_OK)
		return;
	if (memchr(text, '\0', len) || depth(j) > SRV_JSON_MAX_DEPTH)
		abort();
	printed = cJSON_PrintUnformatted(j);
	if (!printed)
		abort();
	/* cJSON prints non-finite numbers as null, and our prescan refuses
	 * nothing it prints: the reprint must parse and compare equal */
	if (srv_json_parse(printed, strlen(printed), &again) != ERR_OK ||
	    !cJSON_Compare(j, again, 1))
		abort();
	cJSON_free(printed);
	cJSON_Delete(again);
	cJSON_Delete(j);
}

/* One admin request with this body, then a reset so inputs stay
 * independent of each other. */
static void admin(const char *path, const char *text, size_t len)
{
	struct srv_req req = { 0 };
	struct srv_reply rep = { 0 };

	req.srv = &server;
	req.method = fuzz_method;
	req.path = path;
	req.body = text;
	req.body_len = len;
	(void)srv_fault_admin(&req, &rep);
	if (rep.status < 100 || rep.status > 599)
		abort();
	cJSON_Delete(rep.body);
	memset(&rep, 0, sizeof(rep));
	req.method = "DELETE";
	req.path = fuzz_path;
	req.body = NULL;
	req.body_len = 0;
	(void)srv_fault_admin(&req, &rep);
	cJSON_Delete(rep.body);
	server.clock_offset = 0;
}

/* A state-file key: parse, build, parse the build: same JSON. */
static void state_key(const char *text, size_t len)
{
	struct srv_key *k = NULL, *k2 = NULL;
	struct srv_itok *t = NULL;
	cJSON *j = NULL, *b1 = NULL, *b2 = NULL;

	if (srv_json_parse(text, len, &j) != ERR_OK)
		return;
	if (srv_import_json_parse(j, &t) == ERR_OK)
		srv_import_free(t);
	if (srv_keys_json_parse(j, &k) != ERR_OK)
		goto out;
	b1 = srv_keys_json_build(&server, k, true);
	if (!b1 || srv_keys_json_parse(b1, &k2) != ERR_OK)
		abort();
	b2 = srv_keys_json_build(&server, k2, true);
	if (!b2 || !cJSON_Compare(b1, b2, 1))
		abort();
out:
	srv_key_free(k);
	srv_key_free(k2);
	cJSON_Delete(b1);
	cJSON_Delete(b2);
	cJSON_Delete(j);
}

static void b64(const char *text)
{
	size_t cap = strlen(text) / 4 * 3 + 3, len = 0, len2 = 0, bad = 0;
	uint8_t *out = malloc(cap), *back = malloc(cap);
	char *enc = NULL;

	if (!out || !back)
		goto out;
	if (srv_json_b64(text, out, cap, &len, &bad) != ERR_OK) {
		if (bad > strlen(text))
			abort();
		goto out;
	}
	enc = malloc(encode_base64_len(len) + 1);
	if (!enc)
		goto out;
	encode_base64(enc, out, len);
	if (srv_json_b64(enc, back, cap, &len2, &bad) != ERR_OK ||
	    len2 != len || memcmp(out, back, len) != 0)
		abort();
out:
	free(enc);
	free(out);
	free(back);
}

static void date(const char *text)
{
	int64_t t, t2;
	char buf[64];

	if (srv_json_time_parse(text, &t) != ERR_OK)
		return;
	if (t < SRV_JSON_TIME_MIN || t > SRV_JSON_TIME_MAX)
		abort();
	srv_json_time_fmt(buf, sizeof(buf), t);
	if (srv_json_time_parse(buf, &t2) != ERR_OK || t2 != t)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;
	size_t len;

	if (size < 1 || size > MAX_BODY)
		return 0;
	setup();
	len = size - 1;
	text = malloc(len + 1);
	if (!text)
		return 0;
	memcpy(text, data + 1, len);
	text[len] = '\0';
	switch (data[0] % 7) {
	case 0: body(text, len); break;
	case 1: admin("/admin/faults", text, len); break;
	case 2: admin("/admin/clock", text, len); break;
	case 3: state_key(text, len); break;
	case 4: b64(text); break;
	case 5: date(text); break;
	default: (void)srv_key_alias_problem(text); break;
	}
	free(text);
	return 0;
}
