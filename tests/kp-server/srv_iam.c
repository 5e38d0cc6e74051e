/* SPDX-License-Identifier: MIT */
/* srv_iam.c - API key -> bearer token exchange and token checks. API keys,
 * tokens and the signing secret stay in secure memory; comparisons are
 * constant-time. */
#include "srv_iam.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "encode.h"
#include "secmem.h"
#include "srv_file.h"
#include "srv_json.h"

#define KEYS_FILE_MAX (256u * 1024)
#define APIKEY_MAX    512
#define TOKEN_MAX     2048
#define SECRET_LEN    32
#define APIKEY_GRANT  "urn:ibm:params:oauth:grant-type:apikey"

struct srv_apikey {
	char *key; /* secmem */
	char subject[128];
};

struct srv_iam {
	struct srv_apikey *keys;
	size_t n;
	uint8_t *secret; /* secmem, HMAC-SHA256 key */
};

void srv_iam_free(struct srv_iam *iam)
{
	if (!iam)
		return;
	for (size_t i = 0; i < iam->n; i++)
		secmem_free(iam->keys[i].key);
	free(iam->keys);
	secmem_free(iam->secret);
	free(iam);
}

/* One "apikey subject" line (blank lines and '#' comments skipped). */
static enum err add_line(struct srv_iam *iam, char *line)
{
	char *key = line + strspn(line, " \t\r"), *sub, *end;
	struct srv_apikey *v;

	if (!*key || *key == '#')
		return ERR_OK;
	end = key + strcspn(key, " \t\r");
	sub = end + strspn(end, " \t\r");
	sub[strcspn(sub, " \t\r")] = '\0';
	*end = '\0';
	if (!*sub || strlen(sub) >= sizeof(v->subject) ||
	    strlen(key) > APIKEY_MAX)
		return err_set(ERR_FORMAT, "API key file: each line must be "
		                           "\"apikey subject\"");
	v = realloc(iam->keys, (iam->n + 1) * sizeof(*v));
	if (!v)
		return err_set(ERR_NOMEM, "API keys");
	iam->keys = v;
	v[iam->n].key = secmem_strdup(key);
	if (!v[iam->n].key)
		return err_set(ERR_NOMEM, "API keys");
	snprintf(v[iam->n].subject, sizeof(v->subject), "%s", sub);
	iam->n++;
	return ERR_OK;
}

enum err srv_iam_new(struct srv_iam **out, const char *api_keys_file)
{
	struct srv_iam *iam = calloc(1, sizeof(*iam));
	char *text = NULL, *line, *next;
	size_t len = 0;
	enum err r;

	*out = NULL;
	if (!iam)
		return err_set(ERR_NOMEM, "iam");
	iam->secret = secmem_alloc(SECRET_LEN);
	r = iam->secret && RAND_bytes(iam->secret, SECRET_LEN) == 1
	            ? srv_file_read(api_keys_file, true, KEYS_FILE_MAX, &text,
	                            &len)
	            : err_set(ERR_CRYPTO, "token signing secret");
	for (line = text; r == ERR_OK && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		r = add_line(iam, line);
	}
	if (r == ERR_OK && iam->n == 0)
		r = err_set(ERR_FORMAT, "API key file %s lists no key",
		            api_keys_file);
	secmem_free(text);
	if (r != ERR_OK) {
		srv_iam_free(iam);
		return r;
	}
	*out = iam;
	return ERR_OK;
}

/* URL-decoded value of name in an x-www-form-urlencoded body, into out
 * (cap bytes). false if absent, malformed or too long. */
static bool form_value(const char *body, const char *name, char *out,
                       size_t cap)
{
	size_t nl = strlen(name), o = 0;
	const char *p = body;

	while (p && (strncmp(p, name, nl) != 0 || p[nl] != '=')) {
		p = strchr(p, '&');
		p = p ? p + 1 : NULL;
	}
	if (!p)
		return false;
	for (p += nl + 1; *p && *p != '&'; p++) {
		int c = (unsigned char)*p;

		if (c == '%') {
			char hx[3] = { p[1], p[1] ? p[2] : '\0', '\0' };
			uint8_t b;

			if (decode_hex(&b, 1, hx) != ERR_OK)
				return false;
			c = b;
			p += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (o + 1 >= cap || c == 0)
			return false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}

static void b64url(char *s)
{
	char *w = s;

	for (char *p = s; *p; p++) {
		if (*p == '=')
			continue;
		*w++ = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	}
	*w = '\0';
}

/* Append base64url(len bytes) to out at *o (cap bytes in total). */
static bool put_b64url(char *out, size_t cap, size_t *o, const void *in,
                       size_t len)
{
	if (encode_base64_len(len) + 1 > cap - *o)
		return false;
	encode_base64(out + *o, in, len);
	b64url(out + *o);
	*o += strlen(out + *o);
	return true;
}

static bool sign(const struct srv_iam *iam, const char *msg, size_t len,
                 uint8_t mac[32])
{
	unsigned n = 0;

	return HMAC(EVP_sha256(), iam->secret, SECRET_LEN,
	            (const unsigned char *)msg, len, mac, &n) &&
	       n == 32;
}

/* header.payload.signature into out (TOKEN_MAX bytes, secmem). */
static enum err make_token(const struct srv_iam *iam, const char *sub,
                           const char *account, int64_t now, long ttl,
                           char *out)
{
	static const char hdr[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":"
	                          "\"kp-server\"}";
	cJSON *p = cJSON_CreateObject(), *acct;
	char jti[SRV_UUID_LEN + 1], iam_id[160], *text = NULL;
	uint8_t mac[32];
	size_t o = 0;
	bool ok;

	srv_uuid_new(jti);
	snprintf(iam_id, sizeof(iam_id), "iam-%s", sub);
	ok = p && cJSON_AddStringToObject(p, "iam_id", iam_id) &&
	     cJSON_AddStringToObject(p, "sub", sub) &&
	     cJSON_AddNumberToObject(p, "iat", (double)now) &&
	     cJSON_AddNumberToObject(p, "exp", (double)(now + ttl)) &&
	     cJSON_AddStringToObject(p, "iss", "kp-server") &&
	     cJSON_AddStringToObject(p, "grant_type", APIKEY_GRANT) &&
	     cJSON_AddStringToObject(p, "jti", jti) &&
	     (acct = cJSON_AddObjectToObject(p, "account")) &&
	     cJSON_AddStringToObject(acct, "bss", account);
	text = ok ? cJSON_PrintUnformatted(p) : NULL;
	ok = text && put_b64url(out, TOKEN_MAX, &o, hdr, strlen(hdr));
	if (ok)
		out[o++] = '.';
	ok = ok && put_b64url(out, TOKEN_MAX, &o, text, strlen(text)) &&
	     sign(iam, out, o, mac) && o + 1 < TOKEN_MAX;
	if (ok)
		out[o++] = '.';
	ok = ok && put_b64url(out, TOKEN_MAX, &o, mac, sizeof(mac));
	cJSON_free(text);
	cJSON_Delete(p);
	return ok ? ERR_OK : err_set(ERR_NOMEM, "token");
}

static enum err iam_fail(struct srv_reply *rep, const char *code,
                         const char *msg)
{
	cJSON *j = cJSON_CreateObject(), *ctx;
	char rid[SRV_UUID_LEN + 1];

	srv_uuid_new(rid);
	if (j) {
		cJSON_AddStringToObject(j, "errorCode", code);
		cJSON_AddStringToObject(j, "errorMessage", msg);
		ctx = cJSON_AddObjectToObject(j, "context");
		if (ctx)
			cJSON_AddStringToObject(ctx, "requestId", rid);
	}
	srv_reply_json(rep, 400, j);
	return err_set(ERR_REMOTE, "IAM %s: %s", code, msg);
}

static const struct srv_apikey *find_key(const struct srv_iam *iam,
                                         const char *key)
{
	const struct srv_apikey *hit = NULL;
	size_t n = strlen(key);

	/* Look at every entry so the time does not say which one matched. */
	for (size_t i = 0; i < iam->n; i++)
		if (strlen(iam->keys[i].key) == n &&
		    secmem_equal(iam->keys[i].key, key, n))
			hit = &iam->keys[i];
	return hit;
}

static cJSON *token_reply(const char *tok, int64_t now, long ttl)
{
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "access_token", tok);
	cJSON_AddStringToObject(j, "refresh_token", "not_supported");
	cJSON_AddStringToObject(j, "token_type", "Bearer");
	cJSON_AddNumberToObject(j, "expires_in", (double)ttl);
	cJSON_AddNumberToObject(j, "expiration", (double)(now + ttl));
	cJSON_AddStringToObject(j, "scope", "ibm openid");
	return j;
}

enum err srv_iam_token(struct srv_req *req, struct srv_reply *rep)
{
	const struct srv_iam *iam = req->srv->iam;
	char grant[64], *key = secmem_alloc(APIKEY_MAX + 2);
	char *tok = secmem_alloc(TOKEN_MAX);
	const struct srv_apikey *hit;
	int64_t now = srv_now(req->srv);
	long ttl = req->srv->cfg.token_ttl;
	enum err r;

	if (!key || !tok)
		r = err_set(ERR_NOMEM, "IAM");
	else if (!req->body_len ||
	         !form_value(req->body, "grant_type", grant, sizeof(grant)))
		r = iam_fail(rep, "BXNIM0109E",
		             "Property missing or empty: grant_type");
	else if (strcmp(grant, APIKEY_GRANT) != 0)
		r = iam_fail(rep, "BXNIM0103E", "Unsupported grant type");
	else if (!form_value(req->body, "apikey", key, APIKEY_MAX + 2) ||
	         !key[0])
		r = iam_fail(rep, "BXNIM0109E",
		             "Property missing or empty: apikey");
	else if (!(hit = find_key(iam, key)))
		r = iam_fail(rep, "BXNIM0415E",
		             "Provided API key could not be found");
	else
		r = make_token(iam, hit->subject, req->srv->cfg.account, now,
		               ttl, tok);
	if (r == ERR_OK)
		r = srv_reply_json(rep, 200, token_reply(tok, now, ttl));
	secmem_free(key);
	secmem_free(tok);
	return r;
}

/* Decode one base64url part (no padding) into out. */
static bool b64url_decode(const char *s, size_t n, uint8_t *out, size_t cap,
                          size_t *len)
{
	char buf[TOKEN_MAX + 4];
	size_t m = 0;
	bool ok;

	if (n == 0 || n > TOKEN_MAX || n % 4 == 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		           (c >= '0' && c <= '9')))
			return false;
		buf[m++] = c;
	}
	while (m % 4)
		buf[m++] = '=';
	ok = decode_base64(out, cap, len, buf, m) == ERR_OK;
	secmem_wipe(buf, m);
	return ok;
}

/* The subject of a well-formed token; false if it is not a JWT. */
static bool token_subject(const char *tok, const char *dot1, const char *dot2,
                          char *sub, size_t cap, int64_t *exp)
{
	uint8_t buf[TOKEN_MAX];
	const char *s = NULL;
	cJSON *j = NULL;
	size_t len = 0;
	bool ok;

	ok = b64url_decode(tok, (size_t)(dot1 - tok), buf, sizeof(buf) - 1,
	                   &len) &&
	     b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), buf,
	                   sizeof(buf) - 1, &len);
	if (ok) {
		buf[len] = '\0';
		ok = srv_json_parse((const char *)buf, len, &j) == ERR_OK &&
		     srv_json_get_str(j, "sub", &s) == SRV_JSON_OK && s[0] &&
		     strlen(s) < cap &&
		     srv_json_get_int(j, "exp", 0, INT64_MAX / 2, exp) ==
		             SRV_JSON_OK;
	}
	if (ok)
		snprintf(sub, cap, "%s", s);
	cJSON_Delete(j);
	return ok;
}

static bool signature_ok(const struct srv_iam *iam, const char *tok,
                         const char *dot2)
{
	uint8_t want[32], got[64];
	size_t len = 0;

	return sign(iam, tok, (size_t)(dot2 - tok), want) &&
	       b64url_decode(dot2 + 1, strlen(dot2 + 1), got, sizeof(got),
	                     &len) &&
	       len == 32 && secmem_equal(want, got, 32);
}

enum err srv_iam_check(struct srv_req *req, struct srv_reply *rep)
{
	const char *h = srv_req_header(req, "Authorization"), *tok;
	const char *dot1 = NULL, *dot2 = NULL;
	char sub[sizeof(req->subject)];
	int64_t exp = 0;

	rep->what = "The user does not have access to the specified resource";
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return srv_fail(rep, 401, "UNAUTHORIZED_ERR",
		                "header:"
		                "Authorization",
		                "A bearer token is required");
	tok = h + 7 + strspn(h + 7, " ");
	dot1 = strchr(tok, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (!dot2 || strchr(dot2 + 1, '.') ||
	    !token_subject(tok, dot1, dot2, sub, sizeof(sub), &exp)) {
		rep->what = "Bearer token could not be parsed";
		return srv_fail(rep, 400, "BEARER_SUB_EXTRACTION_ERR",
		                "header:Authorization",
		                "The bearer token is not a valid IAM token");
	}
	if (!signature_ok(req->srv->iam, tok, dot2))
		return srv_fail(rep, 401, "UNAUTHORIZED_ERR",
		                "header:Authorization",
		                "The bearer token was not issued by this IAM");
	if (exp <= srv_now(req->srv))
		return srv_fail(rep, 401, "UNAUTHORIZED_ERR",
		                "header:Authorization",
		                "The bearer token has expired");
	memcpy(req->subject, sub, sizeof(sub));
	return ERR_OK;
}

bool srv_iam_key_known(const struct srv_iam *iam, const char *key)
{
	return find_key(iam, key) != NULL;
}
