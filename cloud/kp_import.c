/* SPDX-License-Identifier: MIT */
/* kp_import.c - import token calls. Creating again only replaces the
 * token, so a retry is harmless; a GET spends a retrieval either way. */
#include "kp_import.h"

#include <string.h>

#include "kp_client.h"

enum err kp_import_token_create(struct kp_client *c, long long expiration_s,
                                long long max_retrievals,
                                struct kp_import_token *out)
{
	struct kp_request rq = { "POST", "/api/v2/import_token", NULL, 0, NULL,
		                 true };
	struct kp_jbuf body = { 0 };
	struct kp_response rs = { 0 };
	enum err r;

	memset(out, 0, sizeof(*out));
	r = kp_json_build_import_token(expiration_s, max_retrievals, &body);
	if (r != ERR_OK)
		return r;
	rq.body = body.buf;
	rq.body_len = body.len;
	r = kp_client_call(c, &rq, &rs);
	if (r == ERR_OK &&
	    kp_json_parse_import_token(rs.body ? rs.body : "", rs.len, false,
	                               out) != ERR_OK)
		r = kp_client_bad_body(c, &rs, "create import token");
	kp_response_clear(&rs);
	kp_jbuf_free(&body);
	return r;
}

enum err kp_import_token_get(struct kp_client *c, struct kp_import_token *out)
{
	struct kp_request rq = { "GET", "/api/v2/import_token", NULL, 0, NULL,
		                 true };
	struct kp_response rs;
	enum err r;

	memset(out, 0, sizeof(*out));
	r = kp_client_call(c, &rq, &rs);
	if (r == ERR_OK &&
	    kp_json_parse_import_token(rs.body ? rs.body : "", rs.len, true,
	                               out) != ERR_OK)
		r = kp_client_bad_body(c, &rs, "get import token");
	kp_response_clear(&rs);
	return r;
}
