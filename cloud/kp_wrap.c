/* SPDX-License-Identifier: MIT */
/* kp_wrap.c - wrap, unwrap and rewrap over kp_client. They change nothing
 * on the server, so they are retried like reads. */
#include "kp_wrap.h"

#include <stdio.h>
#include <string.h>

#include "kp_client.h"
#include "kp_key.h"

typedef enum err (*parse_fn)(const char *, size_t, struct kp_wrapped *);

/* POST body to /actions/<name> and parse the answer into out. */
static enum err act(struct kp_client *c, const char *id, const char *name,
                    const struct kp_jbuf *body, parse_fn parse,
                    struct kp_wrapped *out)
{
	struct kp_request rq = {
		"POST", NULL, body->buf, body->len, NULL, true
	};
	struct kp_response rs;
	char path[192];
	enum err r;

	snprintf(path, sizeof(path), "/api/v2/keys/%s/actions/%s", id, name);
	rq.path = path;
	r = kp_client_call(c, &rq, &rs);
	if (r == ERR_OK && parse(rs.body ? rs.body : "", rs.len, out) != ERR_OK)
		r = kp_client_bad_body(c, &rs, name);
	kp_response_clear(&rs);
	return r;
}

static enum err check_id(const char *id)
{
	if (kp_key_id_ok(id))
		return ERR_OK;
	return err_set(ERR_USAGE, "'%.96s' is not a key id or alias",
	               id ? id : "");
}

enum err kp_wrap(struct kp_client *c, const char *id, const uint8_t *plaintext,
                 size_t len, const char *const *aad, size_t n_aad,
                 struct kp_wrapped *out)
{
	struct kp_jbuf body = { 0 };
	enum err r = check_id(id);

	memset(out, 0, sizeof(*out));
	if (r == ERR_OK)
		r = kp_json_build_wrap(plaintext, len, aad, n_aad, &body);
	if (r == ERR_OK)
		r = act(c, id, "wrap", &body, kp_json_parse_wrap, out);
	kp_jbuf_free(&body);
	if (r != ERR_OK)
		return r;
	if (!plaintext && out->plaintext_len != KP_WRAP_DEK_LEN) {
		kp_json_wrapped_clear(out);
		return err_set(ERR_FORMAT,
		               "Key Protect generated no %d-byte "
		               "DEK (correlation-id %s)",
		               KP_WRAP_DEK_LEN, kp_client_correlation_id(c));
	}
	return ERR_OK;
}

/* Unwrap and rewrap send the same body {ciphertext, aad}. */
static enum err ciphertext_act(struct kp_client *c, const char *id,
                               const char *name, const char *ciphertext,
                               const char *const *aad, size_t n_aad,
                               parse_fn parse, struct kp_wrapped *out)
{
	struct kp_jbuf body = { 0 };
	enum err r = check_id(id);

	memset(out, 0, sizeof(*out));
	if (r == ERR_OK)
		r = kp_json_build_unwrap(ciphertext, aad, n_aad, &body);
	if (r == ERR_OK)
		r = act(c, id, name, &body, parse, out);
	kp_jbuf_free(&body);
	return r;
}

enum err kp_unwrap(struct kp_client *c, const char *id, const char *ciphertext,
                   const char *const *aad, size_t n_aad, size_t expect_len,
                   struct kp_wrapped *out)
{
	enum err r = ciphertext_act(c, id, "unwrap", ciphertext, aad, n_aad,
	                            kp_json_parse_unwrap, out);

	if (r == ERR_OK && expect_len && out->plaintext_len != expect_len) {
		size_t got = out->plaintext_len;

		kp_json_wrapped_clear(out);
		r = err_set(ERR_FORMAT,
		            "unwrapped DEK is %zu bytes, expected "
		            "%zu (correlation-id %s)",
		            got, expect_len, kp_client_correlation_id(c));
	}
	return r;
}

enum err kp_rewrap(struct kp_client *c, const char *id, const char *ciphertext,
                   const char *const *aad, size_t n_aad, struct kp_wrapped *out)
{
	return ciphertext_act(c, id, "rewrap", ciphertext, aad, n_aad,
	                      kp_json_parse_rewrap, out);
}
