/* SPDX-License-Identifier: MIT */
/* test_km_audit.c - audit records (canonical build, strict parse, round
 * trip, escaping, rejects), chain head form, genesis known answer, and the
 * chain check on in-memory logs with every kind of tampering; an OpenSSL
 * HMAC stands in for the token's audit key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/hmac.h>

#include "km_audit.h"
#include "km_audit_chain.h"

#define SERIAL  "b5f6bd3ec0b02d83"
#define KEY_ID  "696771ef4810dba590f885b172c0be3d"
#define N_LINES 8

static const uint8_t mac_key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

/* A log as the file reader would deliver it. */
struct log {
	char *line[2 * N_LINES];
	size_t n;
	bool last_complete;
};

static struct km_audit_rec sample(uint64_t seq)
{
	struct km_audit_rec r = { .seq = seq,
		                  .time = "2025-01-31T12:00:00Z",
		                  .user = "alice",
		                  .uid = 1000,
		                  .host = "station-1",
		                  .token_label = "st1",
		                  .token_serial = SERIAL,
		                  .op = "key.create",
		                  .key_label = "dek1",
		                  .key_id =
		                          "00112233445566778899aabbccddeeff00",
		                  .key_kind = "dek",
		                  .result = "ok" };

	r.key_keyhash = "21681bba94f04b33b112f5f90a0faa885a6d1dbf1bd68ed1"
	                "6c5b995143088eda";
	return r;
}

static void soft_mac(const char *body, size_t len, uint8_t mac[32])
{
	unsigned int n = 0;

	assert_non_null(HMAC(EVP_sha256(), mac_key, sizeof(mac_key),
	                     (const unsigned char *)body, len, mac, &n));
	assert_int_equal(n, 32);
}

static enum err soft_verify(void *arg, const char *body, size_t len,
                            const uint8_t mac[KM_AUDIT_MAC_LEN])
{
	uint8_t want[32];

	(void)arg;
	soft_mac(body, len, want);
	return memcmp(want, mac, 32) == 0 ? ERR_OK : ERR_VERIFY;
}

static enum err token_gone(void *arg, const char *body, size_t len,
                           const uint8_t mac[KM_AUDIT_MAC_LEN])
{
	(void)arg;
	(void)body;
	(void)len;
	(void)mac;
	return err_set(ERR_HSM, "token removed");
}

/* Seal r as the appender does: MAC over the line without mac. */
static char *seal(struct km_audit_rec *r)
{
	char *line = malloc(KM_AUDIT_LINE_MAX + 2);
	size_t len = 0;

	assert_non_null(line);
	assert_int_equal(
	        km_audit_build(r, false, line, KM_AUDIT_LINE_MAX + 2, &len),
	        ERR_OK);
	soft_mac(line, len, r->mac);
	assert_int_equal(
	        km_audit_build(r, true, line, KM_AUDIT_LINE_MAX + 2, &len),
	        ERR_OK);
	return line;
}

static void make_log(struct log *l, size_t n)
{
	uint8_t prev[32];

	memset(l, 0, sizeof(*l));
	assert_int_equal(km_audit_genesis(SERIAL, KEY_ID, prev), ERR_OK);
	for (size_t i = 0; i < n; i++) {
		struct km_audit_rec r = sample(i + 1);

		memcpy(r.prev, prev, 32);
		l->line[i] = seal(&r);
		assert_int_equal(
		        km_audit_hash(l->line[i], strlen(l->line[i]), prev),
		        ERR_OK);
	}
	l->n = n;
	l->last_complete = true;
}

static void free_log(struct log *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->line[i]);
	l->n = 0;
}

static struct km_audit_head head_of(const struct log *l, size_t i)
{
	struct km_audit_head h = { .seq = i };

	snprintf(h.key_id, sizeof(h.key_id), "%s", KEY_ID);
	if (i == 0)
		assert_int_equal(km_audit_genesis(SERIAL, KEY_ID, h.hash),
		                 ERR_OK);
	else
		assert_int_equal(km_audit_hash(l->line[i - 1],
		                               strlen(l->line[i - 1]), h.hash),
		                 ERR_OK);
	return h;
}

/* Check l against head (NULL: none); returns the check's result. */
static enum err run(const struct log *l, const struct km_audit_head *head,
                    bool can_keep, struct km_audit_check *c)
{
	uint8_t genesis[32];

	assert_int_equal(km_audit_genesis(SERIAL, KEY_ID, genesis), ERR_OK);
	km_audit_check_init(c, genesis, SERIAL, soft_verify, NULL);
	for (size_t i = 0; i < l->n; i++)
		assert_int_equal(
		        km_audit_check_line(c, l->line[i], strlen(l->line[i]),
		                            i + 1 < l->n || l->last_complete),
		        ERR_OK);
	return km_audit_check_end(c, head, can_keep, KEY_ID);
}

/* Expect problem p with a message containing want. */
static void expect(const struct log *l, const struct km_audit_head *head,
                   enum km_audit_problem p, const char *want)
{
	struct km_audit_check c;

	assert_int_equal(run(l, head, true, &c), ERR_VERIFY);
	if (c.problem != p || !strstr(c.msg, want))
		fail_msg("got %s '%s', wanted %s '%s'",
		         km_audit_problem_name(c.problem), c.msg,
		         km_audit_problem_name(p), want);
	assert_string_equal(err_detail(), c.msg);
}

static void drop(struct log *l, size_t i)
{
	free(l->line[i]);
	memmove(l->line + i, l->line + i + 1, (l->n - i - 1) * sizeof(char *));
	l->n--;
}

static void swap(struct log *l, size_t i, size_t j)
{
	char *t = l->line[i];

	l->line[i] = l->line[j];
	l->line[j] = t;
}

/* Replace the first `from` after `after` in line i with `to` (same size). */
static void edit(struct log *l, size_t i, const char *after, const char *from,
                 const char *to)
{
	char *p = strstr(l->line[i], after);

	assert_non_null(p);
	p = strstr(p + strlen(after), from);
	assert_non_null(p);
	assert_int_equal(strlen(from), strlen(to));
	memcpy(p, to, strlen(to));
}

/* Change the first hex digit of a field to another hex digit. */
static void flip_hex(struct log *l, size_t i, const char *field)
{
	char *p = strstr(l->line[i], field);

	assert_non_null(p);
	p += strlen(field);
	*p = *p == '0' ? '1' : '0';
}

static void test_round_trip(void **state)
{
	struct km_audit_rec r = sample(42), back;
	enum km_audit_bad bad;
	char *line;
	char again[KM_AUDIT_LINE_MAX + 2];
	size_t len = 0;

	(void)state;
	r.kp_key_id = "12e8c9c2-a162-472d-b7d6-8b9a86b815a6";
	r.kp_correlation_id = "7bf8a2fe-f6fa-4e42-bd1f-f6d4bd3b3b2f";
	r.image_sha256 = r.key_keyhash;
	r.image_path = "/srv/img/d\"isk \\ \x01\x7f caf\xc3\xa9.vhd";
	memset(r.prev, 0xab, 32);
	line = seal(&r);
	assert_int_equal(km_audit_parse(line, strlen(line), &back, &bad),
	                 ERR_OK);
	assert_int_equal(bad, KM_AUDIT_BAD_NONE);
	assert_int_equal(back.seq, 42);
	assert_string_equal(back.time, r.time);
	assert_string_equal(back.user, "alice");
	assert_int_equal(back.uid, 1000);
	assert_string_equal(back.kp_correlation_id, r.kp_correlation_id);
	assert_string_equal(back.image_path, r.image_path);
	assert_memory_equal(back.prev, r.prev, 32);
	assert_memory_equal(back.mac, r.mac, 32);
	assert_int_equal(
	        km_audit_build(&back, true, again, sizeof(again), &len),
	        ERR_OK);
	assert_int_equal(len, strlen(line));
	assert_memory_equal(again, line, len);
	km_audit_rec_clear(&back);
	free(line);
}

static void test_exact_form(void **state)
{
	struct km_audit_rec r = { .seq = 1,
		                  .time = "2025-01-31T12:00:00Z",
		                  .user = "",
		                  .host = "h",
		                  .token_label = "t",
		                  .token_serial = "s",
		                  .op = "key.delete",
		                  .result = "ok" };
	char line[1024];
	size_t len = 0;

	(void)state;
	r.key_label = "a\"b\\c\nd\x7f"
	              "e\xc3\xa9"
	              "f\xff"
	              "g";
	assert_int_equal(km_audit_build(&r, false, line, sizeof(line), &len),
	                 ERR_OK);
	assert_string_equal(
	        line,
	        "{\"v\":1,\"seq\":1,\"time\":\"2025-01-31T12:00:00Z\","
	        "\"user\":{\"name\":\"\",\"uid\":0},\"host\":\"h\","
	        "\"token\":{\"label\":\"t\",\"serial\":\"s\"},"
	        "\"op\":\"key.delete\",\"key\":{\"label\":"
	        "\"a\\\"b\\\\c\\u000ad\\u007fe\xc3\xa9"
	        "f\xef\xbf\xbd"
	        "g\"},"
	        "\"result\":\"ok\",\"prev\":\"0000000000000000000000000000"
	        "000000000000000000000000000000000000\"}");
	assert_int_equal(len, strlen(line));
	/* No room: refused, never cut. */
	assert_int_equal(km_audit_build(&r, true, line, 100, &len), ERR_FORMAT);
	assert_int_equal(len, 0);
}

static void test_build_rejects(void **state)
{
	struct km_audit_rec r = sample(1);
	char line[2048];
	size_t len;

	(void)state;
	r.key_id = "ABCD";
	assert_int_equal(km_audit_build(&r, true, line, sizeof(line), &len),
	                 ERR_FORMAT);
	r = sample(0);
	assert_int_equal(km_audit_build(&r, true, line, sizeof(line), &len),
	                 ERR_FORMAT);
	r = sample(1);
	r.key_keyhash = "abcd";
	assert_int_equal(km_audit_build(&r, true, line, sizeof(line), &len),
	                 ERR_FORMAT);
	r = sample(1);
	r.op = "Key Create";
	assert_int_equal(km_audit_build(&r, true, line, sizeof(line), &len),
	                 ERR_FORMAT);
	r = sample(1);
	r.host = NULL;
	assert_int_equal(km_audit_build(&r, true, line, sizeof(line), &len),
	                 ERR_FORMAT);
	r = sample(1);
	memcpy(r.time, "2025-01-31 12:00:00Z", KM_AUDIT_TIME_LEN);
	assert_int_equal(km_audit_build(&r, true, line, sizeof(line), &len),
	                 ERR_FORMAT);
}

/* line = a good line with `from` replaced by `to`; must fail as bad. */
static void reject(const char *good, const char *from, const char *to,
                   enum km_audit_bad want)
{
	char line[4096];
	const char *p = strstr(good, from);
	struct km_audit_rec r;
	enum km_audit_bad bad;
	int n;

	assert_non_null(p);
	n = snprintf(line, sizeof(line), "%.*s%s%s", (int)(p - good), good, to,
	             p + strlen(from));
	assert_true(n > 0 && (size_t)n < sizeof(line));
	assert_int_equal(km_audit_parse(line, strlen(line), &r, &bad),
	                 ERR_FORMAT);
	if (bad != want)
		fail_msg("'%s' -> '%s': bad %d, wanted %d (%s)", from, to, bad,
		         want, err_detail());
	assert_null(r.json);
	km_audit_rec_clear(&r);
}

static void test_parse_rejects(void **state)
{
	struct km_audit_rec s = sample(7), r;
	enum km_audit_bad bad;
	char *good = seal(&s);

	(void)state;
	assert_int_equal(km_audit_parse("", 0, &r, &bad), ERR_FORMAT);
	assert_int_equal(bad, KM_AUDIT_BAD_JSON);
	assert_int_equal(km_audit_parse("[1]", 3, &r, &bad), ERR_FORMAT);
	assert_int_equal(bad, KM_AUDIT_BAD_RECORD);
	reject(good, "{\"v\":1,", "{", KM_AUDIT_BAD_RECORD);
	reject(good, "\"v\":1", "\"v\":2", KM_AUDIT_BAD_VERSION);
	reject(good, "\"seq\":7", "\"seq\":0", KM_AUDIT_BAD_RECORD);
	reject(good, "\"seq\":7", "\"seq\":7.5", KM_AUDIT_BAD_RECORD);
	reject(good, "\"seq\":7", "\"seq\":\"7\"", KM_AUDIT_BAD_RECORD);
	reject(good, "\"seq\":7", "\"seq\":7.0", KM_AUDIT_BAD_CANONICAL);
	reject(good, "\"seq\":7", "\"seq\":7e0", KM_AUDIT_BAD_CANONICAL);
	reject(good, "\"seq\":7", "\"seq\": 7", KM_AUDIT_BAD_CANONICAL);
	reject(good, "T12:", "t12:", KM_AUDIT_BAD_RECORD);
	reject(good, "\"uid\":1000", "\"uid\":-1", KM_AUDIT_BAD_RECORD);
	reject(good, "\"uid\":1000", "\"uid\":4294967296", KM_AUDIT_BAD_RECORD);
	reject(good, "\"kind\":\"dek\"", "\"kind\":\"d\\u0065k\"",
	       KM_AUDIT_BAD_CANONICAL);
	reject(good, "\"kind\":\"dek\"", "\"kind\":\"dek\",\"x\":1",
	       KM_AUDIT_BAD_CANONICAL);
	reject(good, "\"kind\":\"dek\"", "\"kind\":\"dek\",\"kind\":\"dek\"",
	       KM_AUDIT_BAD_CANONICAL);
	reject(good, "\"host\":\"station-1\",", "", KM_AUDIT_BAD_RECORD);
	reject(good, "\"op\":\"key.create\",\"key\"",
	       "\"key\":{},\"op\":\"key.create\",\"key\"",
	       KM_AUDIT_BAD_CANONICAL);
	reject(good, "\"result\":\"ok\",", "\"result\":\"ok\",\"kp\":{},",
	       KM_AUDIT_BAD_CANONICAL);
	reject(good, "\"keyhash\":\"2168", "\"keyhash\":\"216",
	       KM_AUDIT_BAD_RECORD);
	reject(good, "\"mac\":\"", "\"mac\":\"0", KM_AUDIT_BAD_RECORD);
	reject(good, "\"result\":\"ok\"", "\"result\":1", KM_AUDIT_BAD_RECORD);
	reject(good, "\"user\":{", "\"user\":{\"uid\":1,",
	       KM_AUDIT_BAD_CANONICAL);
	reject(good, "\"}", "\"} x", KM_AUDIT_BAD_JSON);
	reject(good, "{\"v\"", " {\"v\"", KM_AUDIT_BAD_CANONICAL);
	free(good);
}

static void test_parse_uppercase_hex(void **state)
{
	struct km_audit_rec s = sample(3), r;
	enum km_audit_bad bad;
	char *line = seal(&s);
	char *m = strstr(line, "\"mac\":\"") + 7;

	(void)state;
	for (size_t i = 0; i < 64; i++)
		if (m[i] >= 'a' && m[i] <= 'f')
			m[i] = (char)(m[i] - 'a' + 'A');
	assert_int_equal(km_audit_parse(line, strlen(line), &r, &bad),
	                 ERR_FORMAT);
	assert_int_equal(bad, KM_AUDIT_BAD_CANONICAL);
	free(line);
}

/* Known answer, cross-checked with
 * printf 'p11seal audit genesis SERIAL KEY_ID' | sha256sum */
static void test_genesis(void **state)
{
	uint8_t g[32];
	char hex[65];

	(void)state;
	assert_int_equal(km_audit_genesis(SERIAL, KEY_ID, g), ERR_OK);
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", g[i]);
	assert_string_equal(hex, "5fb531b4bc282136162112d056a91ad2792b194c33b"
	                         "c4dfed1ccf531501cc4be");
}

static void test_head(void **state)
{
	struct km_audit_head h = { .seq = 12 }, back;
	char text[512];
	size_t len = 0;

	(void)state;
	memset(h.hash, 0x5a, 32);
	snprintf(h.key_id, sizeof(h.key_id), "%s", KEY_ID);
	assert_int_equal(km_audit_head_build(&h, text, sizeof(text), &len),
	                 ERR_OK);
	assert_string_equal(text,
	                    "{\"v\":1,\"key_id\":\"" KEY_ID "\",\"seq\":"
	                    "12,\"hash\":\"5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
	                    "5a5a5a5a5a5a5a5a5a5a5a5a5a5a\"}");
	assert_int_equal(km_audit_head_parse(text, len, &back), ERR_OK);
	assert_int_equal(back.seq, 12);
	assert_memory_equal(back.hash, h.hash, 32);
	assert_string_equal(back.key_id, KEY_ID);
	text[len - 3] = 'Z';
	assert_int_equal(km_audit_head_parse(text, len, &back), ERR_FORMAT);
	assert_int_equal(km_audit_head_parse("{\"v\":1}", 7, &back),
	                 ERR_FORMAT);
	assert_int_equal(km_audit_head_parse("not json", 8, &back), ERR_FORMAT);
}

static void test_chain_intact(void **state)
{
	struct km_audit_check c;
	struct km_audit_head h, h0;
	struct log l, empty = { .last_complete = true };

	(void)state;
	make_log(&l, N_LINES);
	h = head_of(&l, N_LINES);
	assert_int_equal(run(&l, &h, true, &c), ERR_OK);
	assert_int_equal(c.problem, KM_AUDIT_INTACT);
	assert_int_equal(c.records, N_LINES);
	assert_true(c.head_checked);
	assert_false(c.head_lags);
	/* A fresh chain: head 0 with the genesis hash, empty log. */
	h0 = head_of(&l, 0);
	assert_int_equal(run(&empty, &h0, true, &c), ERR_OK);
	assert_int_equal(c.records, 0);
	/* Token keeps no head (NSS): records checked, end not. */
	assert_int_equal(run(&l, NULL, false, &c), ERR_OK);
	assert_false(c.head_checked);
	/* Head one behind: the last run wrote but did not move it. */
	h = head_of(&l, N_LINES - 1);
	assert_int_equal(run(&l, &h, true, &c), ERR_OK);
	assert_true(c.head_lags);
	free_log(&l);
}

static void test_chain_edits(void **state)
{
	struct km_audit_head h;
	struct log l;

	(void)state;
	make_log(&l, N_LINES);
	h = head_of(&l, N_LINES);
	edit(&l, 2, "\"label\":\"", "dek1", "dek2");
	expect(&l, &h, KM_AUDIT_P_MAC, "record 3 (line 3): MAC mismatch");
	free_log(&l);
	make_log(&l, N_LINES);
	flip_hex(&l, 3, "\"mac\":\"");
	expect(&l, &h, KM_AUDIT_P_MAC, "record 4 (line 4): MAC mismatch");
	free_log(&l);
	make_log(&l, N_LINES);
	flip_hex(&l, 4, "\"prev\":\"");
	expect(&l, &h, KM_AUDIT_P_MAC, "record 5 (line 5): MAC mismatch");
	free_log(&l);
	make_log(&l, N_LINES);
	edit(&l, 5, "\"v\":1,", "\"seq\":6", "\"seq\":9");
	expect(&l, &h, KM_AUDIT_P_MAC, "record 9 (line 6): MAC mismatch");
	free_log(&l);
	make_log(&l, N_LINES);
	edit(&l, 2, "", "{\"v\":1", "[\"v\",1");
	expect(&l, &h, KM_AUDIT_P_JSON, "line 3 is not valid JSON");
	free_log(&l);
	make_log(&l, N_LINES);
	edit(&l, 1, "", "\"seq\":2,", "\"seq\": 2");
	expect(&l, &h, KM_AUDIT_P_JSON, "line 2 is not valid JSON");
	free_log(&l);
	make_log(&l, N_LINES);
	edit(&l, 1, "", "\"v\":1,\"seq\":2", "\"seq\":2,\"v\":1");
	expect(&l, &h, KM_AUDIT_P_CANONICAL,
	       "line 2 is a record but not in "
	       "canonical form (edited)");
	free_log(&l);
}

static void test_chain_removed_and_moved(void **state)
{
	struct km_audit_head h;
	struct log l;

	(void)state;
	make_log(&l, N_LINES);
	h = head_of(&l, N_LINES);
	drop(&l, 0);
	expect(&l, &h, KM_AUDIT_P_REMOVED,
	       "record 2 (line 1): prev hash "
	       "mismatch (a record was removed or reordered before it: "
	       "record 1 is missing)");
	free_log(&l);
	make_log(&l, N_LINES);
	drop(&l, 4);
	drop(&l, 4);
	expect(&l, &h, KM_AUDIT_P_REMOVED,
	       "record 7 (line 5): prev hash "
	       "mismatch (a record was removed or reordered before it: "
	       "records 5-6 are missing)");
	free_log(&l);
	make_log(&l, N_LINES);
	swap(&l, 3, 4);
	expect(&l, &h, KM_AUDIT_P_SWAPPED,
	       "records out of sequence: 4 "
	       "(line 5) follows 5 (line 4) (swapped)");
	free_log(&l);
	make_log(&l, N_LINES);
	swap(&l, 3, 5);
	expect(&l, &h, KM_AUDIT_P_SWAPPED,
	       "records out of sequence: 4 "
	       "(line 6) follows 6 (line 4) (swapped)");
	free_log(&l);
	make_log(&l, N_LINES);
	l.line[l.n] = strdup(l.line[l.n - 1]);
	l.n++;
	expect(&l, &h, KM_AUDIT_P_DUPLICATE,
	       "record 8 appears twice "
	       "(lines 8 and 9: duplicated)");
	free_log(&l);
	make_log(&l, N_LINES);
	l.line[l.n] = strdup(l.line[1]);
	l.n++;
	expect(&l, &h, KM_AUDIT_P_SWAPPED,
	       "records out of sequence: 2 "
	       "(line 9) follows 8 (line 8) (moved or repeated)");
	free_log(&l);
}

static void test_chain_truncated(void **state)
{
	struct km_audit_head h;
	struct log l;

	(void)state;
	make_log(&l, N_LINES);
	h = head_of(&l, N_LINES);
	drop(&l, N_LINES - 1);
	expect(&l, &h, KM_AUDIT_P_TRUNCATED,
	       "log ends at record 7 (line 7) "
	       "but the token's chain head is record 8 (truncated");
	drop(&l, N_LINES - 2);
	expect(&l, &h, KM_AUDIT_P_TRUNCATED,
	       "log ends at record 6 (line 6) "
	       "but the token's chain head is record 8");
	l.line[l.n - 1][strlen(l.line[l.n - 1]) / 2] = '\0';
	l.last_complete = false;
	expect(&l, &h, KM_AUDIT_P_INCOMPLETE,
	       "line 6 is incomplete: the file "
	       "ends inside it (truncated)");
	while (l.n)
		drop(&l, l.n - 1);
	l.last_complete = true;
	expect(&l, &h, KM_AUDIT_P_TRUNCATED,
	       "the log is empty but the "
	       "token's chain head is record 8");
	free_log(&l);
}

/* A line with a made-up MAC appended after a real log. */
static void test_chain_forged(void **state)
{
	struct km_audit_rec r = sample(N_LINES + 1);
	struct km_audit_head h;
	struct log l;
	size_t len = 0;

	(void)state;
	make_log(&l, N_LINES);
	h = head_of(&l, N_LINES);
	memcpy(r.prev, h.hash, 32);
	memset(r.mac, 0x42, 32);
	l.line[l.n] = malloc(KM_AUDIT_LINE_MAX + 2);
	assert_int_equal(km_audit_build(&r, true, l.line[l.n],
	                                KM_AUDIT_LINE_MAX + 2, &len),
	                 ERR_OK);
	l.n++;
	expect(&l, &h, KM_AUDIT_P_MAC,
	       "record 9 (line 9): MAC mismatch "
	       "(edited or forged)");
	free_log(&l);
}

static void test_chain_heads(void **state)
{
	struct km_audit_head h, other;
	struct km_audit_check c;
	struct log l, older;

	(void)state;
	make_log(&l, N_LINES);
	make_log(&older, 5);
	h = head_of(&l, N_LINES);
	expect(&older, &h, KM_AUDIT_P_TRUNCATED,
	       "log ends at record 5 (line "
	       "5) but the token's chain head is record 8 (truncated, or an "
	       "older copy of the file)");
	other = h;
	other.hash[0] ^= 1;
	expect(&l, &other, KM_AUDIT_P_DIVERGED,
	       "log head is record 8 but the "
	       "token's chain head is record 8 with a different hash");
	other = head_of(&l, 5);
	expect(&l, &other, KM_AUDIT_P_DIVERGED,
	       "log head is record 8 but the "
	       "token's chain head is record 5");
	other = h;
	snprintf(other.key_id, sizeof(other.key_id), "00");
	expect(&l, &other, KM_AUDIT_P_HEAD_KEY, "belongs to another audit key");
	expect(&l, NULL, KM_AUDIT_P_NO_HEAD, "has none");
	assert_int_equal(run(&older, NULL, false, &c), ERR_OK);
	free_log(&l);
	free_log(&older);
}

static void test_chain_other_chain(void **state)
{
	struct km_audit_check c;
	struct log l;
	uint8_t wrong[32] = { 0 };

	(void)state;
	make_log(&l, 3);
	km_audit_check_init(&c, wrong, SERIAL, soft_verify, NULL);
	for (size_t i = 0; i < l.n; i++)
		assert_int_equal(km_audit_check_line(&c, l.line[i],
		                                     strlen(l.line[i]), true),
		                 ERR_OK);
	assert_int_equal(km_audit_check_end(&c, NULL, false, KEY_ID),
	                 ERR_VERIFY);
	assert_int_equal(c.problem, KM_AUDIT_P_PREV);
	assert_non_null(strstr(c.msg, "record 1 (line 1) does not start"));
	/* Another token's log: the MAC fails and the message says why. */
	km_audit_check_init(&c, wrong, "other-serial", soft_verify, NULL);
	c.mac = token_gone;
	assert_int_equal(
	        km_audit_check_line(&c, l.line[0], strlen(l.line[0]), true),
	        ERR_HSM);
	free_log(&l);
}

static enum err never_ok(void *arg, const char *body, size_t len,
                         const uint8_t mac[KM_AUDIT_MAC_LEN])
{
	(void)arg;
	(void)body;
	(void)len;
	(void)mac;
	return ERR_VERIFY;
}

static void test_chain_serial_hint(void **state)
{
	struct km_audit_check c;
	struct log l;
	uint8_t g[32];

	(void)state;
	make_log(&l, 1);
	assert_int_equal(km_audit_genesis(SERIAL, KEY_ID, g), ERR_OK);
	km_audit_check_init(&c, g, "0000000000000000", never_ok, NULL);
	assert_int_equal(
	        km_audit_check_line(&c, l.line[0], strlen(l.line[0]), true),
	        ERR_OK);
	assert_int_equal(c.problem, KM_AUDIT_P_MAC);
	assert_non_null(strstr(c.msg, "written for token serial '" SERIAL
	                              "', not this token"));
	free_log(&l);
}

static void test_chain_long_line(void **state)
{
	struct km_audit_check c;
	uint8_t g[32] = { 0 };
	char *big = malloc(KM_AUDIT_LINE_MAX + 1);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', KM_AUDIT_LINE_MAX + 1);
	km_audit_check_init(&c, g, SERIAL, soft_verify, NULL);
	assert_int_equal(
	        km_audit_check_line(&c, big, KM_AUDIT_LINE_MAX + 1, true),
	        ERR_OK);
	assert_int_equal(c.problem, KM_AUDIT_P_RECORD);
	assert_non_null(strstr(c.msg, "longer than"));
	free(big);
}

/* An intent and its result: "intent" sits between result and prev, round
 * trips, and is refused on an intent or pointing forward. */
static void test_intent_form(void **state)
{
	struct km_audit_rec r = sample(5), back;
	enum km_audit_bad bad;
	char *line;

	(void)state;
	r.result = KM_AUDIT_STARTED;
	line = seal(&r);
	assert_null(strstr(line, "\"intent\""));
	assert_int_equal(km_audit_parse(line, strlen(line), &back, &bad),
	                 ERR_OK);
	assert_true(km_audit_is_intent(&back));
	assert_false(km_audit_is_final(&back));
	km_audit_rec_clear(&back);
	free(line);

	r = sample(6);
	r.intent = 5;
	line = seal(&r);
	assert_non_null(strstr(line, "\"result\":\"ok\",\"intent\":5,"
	                             "\"prev\":"));
	assert_int_equal(km_audit_parse(line, strlen(line), &back, &bad),
	                 ERR_OK);
	assert_int_equal(back.intent, 5);
	assert_false(km_audit_is_intent(&back));
	km_audit_rec_clear(&back);
	free(line);

	r = sample(6);
	r.intent = 6; /* not an earlier record */
	line = malloc(KM_AUDIT_LINE_MAX + 2);
	assert_non_null(line);
	{
		size_t len = 0;

		assert_int_equal(km_audit_build(&r, false, line,
		                                KM_AUDIT_LINE_MAX + 2, &len),
		                 ERR_FORMAT);
		r.intent = 2;
		r.result = KM_AUDIT_STARTED; /* an intent ends nothing */
		assert_int_equal(km_audit_build(&r, false, line,
		                                KM_AUDIT_LINE_MAX + 2, &len),
		                 ERR_FORMAT);
	}
	free(line);
}

/* A log of records 1..n where rec[i] says result (and intent). */
static void make_log_of(struct log *l, size_t n, const char *const *result,
                        const uint64_t *intent)
{
	uint8_t prev[32];

	memset(l, 0, sizeof(*l));
	assert_int_equal(km_audit_genesis(SERIAL, KEY_ID, prev), ERR_OK);
	for (size_t i = 0; i < n; i++) {
		struct km_audit_rec r = sample(i + 1);

		r.result = result[i];
		r.intent = intent[i];
		memcpy(r.prev, prev, 32);
		l->line[i] = seal(&r);
		assert_int_equal(
		        km_audit_hash(l->line[i], strlen(l->line[i]), prev),
		        ERR_OK);
	}
	l->n = n;
	l->last_complete = true;
}

/* Interleaved runs pair up; an intent with no result is a warning
 * naming its seq, never a problem; the audit key's last record shows. */
static void test_chain_intents(void **state)
{
	static const char *const res[] = { "ok",
		                           KM_AUDIT_STARTED,
		                           KM_AUDIT_STARTED,
		                           "ok",
		                           KM_AUDIT_STARTED,
		                           "not found: x",
		                           KM_AUDIT_STARTED,
		                           KM_AUDIT_FINAL };
	static const uint64_t in[] = { 0, 0, 0, 2, 0, 5, 0, 7 };
	struct km_audit_check c;
	struct km_audit_head h;
	struct log l;

	(void)state;
	make_log_of(&l, 8, res, in);
	h = head_of(&l, 8);
	assert_int_equal(run(&l, &h, true, &c), ERR_OK);
	assert_int_equal(c.problem, KM_AUDIT_INTACT);
	assert_int_equal(c.records, 8);
	assert_int_equal(c.n_unfinished, 1);
	assert_int_equal(c.unfinished[0], 3);
	assert_true(c.ends_final);
	free_log(&l);

	make_log_of(&l, 4, res, in);
	h = head_of(&l, 4);
	assert_int_equal(run(&l, &h, true, &c), ERR_OK);
	assert_int_equal(c.n_unfinished, 1); /* 3; 2 has its result */
	assert_false(c.ends_final);
	free_log(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_exact_form),
		cmocka_unit_test(test_build_rejects),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_uppercase_hex),
		cmocka_unit_test(test_genesis),
		cmocka_unit_test(test_head),
		cmocka_unit_test(test_chain_intact),
		cmocka_unit_test(test_chain_edits),
		cmocka_unit_test(test_chain_removed_and_moved),
		cmocka_unit_test(test_chain_truncated),
		cmocka_unit_test(test_chain_forged),
		cmocka_unit_test(test_chain_heads),
		cmocka_unit_test(test_chain_other_chain),
		cmocka_unit_test(test_chain_serial_hint),
		cmocka_unit_test(test_chain_long_line),
		cmocka_unit_test(test_intent_form),
		cmocka_unit_test(test_chain_intents),
	};

	return cmocka_run_group_tests_name("km_audit", tests, NULL, NULL);
}
