/* SPDX-License-Identifier: MIT */
/* test_km_audit_copy.c - the syslog copy of the audit trail: the message
 * of a record, found again behind any syslog prefix, and a local log
 * compared with a copy: clean, a record missing from either side, a
 * record rewritten, a second record after the same predecessor, another
 * token's and another chain's lines ignored. Records get a made-up MAC:
 * the comparison never checks MACs (audit verify does, in the token). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "km_audit.h"
#include "km_audit_copy.h"
#include "km_audit_syslog.h"

#define SERIAL "b5f6bd3ec0b02d83"
#define N_RECS 5
#define CAP    (KM_AUDIT_LINE_MAX + 2)

static char lines[N_RECS + 1][CAP]; /* [0] unused; [N_RECS] may be forged */
static size_t lens[N_RECS + 1];
static uint8_t genesis[KM_AUDIT_HASH_LEN];

/* Record seq after prev, with label making it distinct. */
static void make(char *out, size_t *len, uint64_t seq,
                 const uint8_t prev[KM_AUDIT_HASH_LEN], const char *label)
{
	struct km_audit_rec r = { .seq = seq,
		                  .time = "2025-01-31T12:00:00Z",
		                  .user = "alice",
		                  .uid = 1000,
		                  .host = "station-1",
		                  .token_label = "st1",
		                  .token_serial = SERIAL,
		                  .op = "key.create",
		                  .key_label = label,
		                  .result = "ok" };

	memcpy(r.prev, prev, KM_AUDIT_HASH_LEN);
	memset(r.mac, (int)seq, sizeof(r.mac));
	assert_int_equal(km_audit_build(&r, true, out, CAP, len), ERR_OK);
}

/* A chain of N_RECS records from genesis, labels k1.. */
static void make_chain(const uint8_t start[KM_AUDIT_HASH_LEN], char (*out)[CAP],
                       size_t *out_len)
{
	uint8_t prev[KM_AUDIT_HASH_LEN];
	char label[8];

	memcpy(prev, start, sizeof(prev));
	for (uint64_t i = 1; i <= N_RECS; i++) {
		snprintf(label, sizeof(label), "k%u", (unsigned)i);
		make(out[i], &out_len[i], i, prev, label);
		assert_int_equal(km_audit_hash(out[i], out_len[i], prev),
		                 ERR_OK);
	}
}

/* The syslog line of record i, behind an rsyslog prefix. */
static void copy_line(struct km_audit_copy *cp, const char *line, size_t len)
{
	char msg[KM_AUDIT_SYSLOG_MAX], full[KM_AUDIT_SYSLOG_MAX + 80];
	int n;

	assert_int_equal(km_audit_syslog_format(line, len, msg, sizeof(msg)),
	                 ERR_OK);
	n = snprintf(full, sizeof(full),
	             "2026-12-06T09:14:00+00:00 vm p11seal[42]: %s", msg);
	assert_int_equal(km_audit_copy_add(cp, full, (size_t)n), ERR_OK);
}

/* Compare local records from..to (0..0: none) with cp. */
static enum err compare(struct km_audit_copy *cp, char (*local)[CAP],
                        size_t *local_len, int from, int to,
                        struct km_audit_copy_check *k)
{
	km_audit_copy_check_init(k, cp, genesis);
	for (int i = from; from && i <= to; i++)
		assert_int_equal(
		        km_audit_copy_check_line(k, local[i], local_len[i]),
		        ERR_OK);
	return km_audit_copy_check_end(k);
}

static struct km_audit_copy *full_copy(void)
{
	struct km_audit_copy *cp = NULL;

	assert_int_equal(km_audit_copy_new(&cp, SERIAL), ERR_OK);
	for (int i = 1; i <= N_RECS; i++)
		copy_line(cp, lines[i], lens[i]);
	return cp;
}

static void test_format_parse(void **state)
{
	static const char *const prefixes[] = {
		"",
		"Dec 06 09:14:00 vm p11seal[42]: ",
		"2026-12-06T09:14:00.236447+00:00 vm authpriv.notice "
		"p11seal[7]: ",
		"MESSAGE=",
		"{\"MESSAGE\":\"",
	};
	char msg[KM_AUDIT_SYSLOG_MAX], full[KM_AUDIT_SYSLOG_MAX + 80];
	struct km_audit_syslog_rec rec;
	uint8_t hash[KM_AUDIT_HASH_LEN];

	(void)state;
	assert_int_equal(
	        km_audit_syslog_format(lines[2], lens[2], msg, sizeof(msg)),
	        ERR_OK);
	assert_non_null(strstr(msg, "p11seal-audit/1 seq=2 hash="));
	assert_non_null(strstr(msg, " serial=" SERIAL " op=key.create"));
	assert_null(strstr(msg, "alice"));
	assert_null(strstr(msg, "k2"));
	assert_int_equal(km_audit_hash(lines[2], lens[2], hash), ERR_OK);
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		int n = snprintf(
		        full, sizeof(full), "%s%s%s", prefixes[i], msg,
		        prefixes[i][0] == '{' ? "\",\"PRIORITY\":\"5\"}" : "");

		assert_int_equal(km_audit_syslog_parse(full, (size_t)n, &rec),
		                 ERR_OK);
		assert_int_equal(rec.seq, 2);
		assert_memory_equal(rec.hash, hash, sizeof(hash));
		assert_string_equal(rec.serial, SERIAL);
		assert_string_equal(rec.op, "key.create");
	}
	assert_int_equal(km_audit_syslog_parse("sshd[1]: hello", 14, &rec),
	                 ERR_NOT_FOUND);
	assert_int_equal(km_audit_syslog_parse(msg, 40, &rec), ERR_FORMAT);
	assert_int_equal(
	        km_audit_syslog_parse("xp11seal-audit/1 seq=1", 22, &rec),
	        ERR_NOT_FOUND);
	assert_int_equal(
	        km_audit_syslog_format("not a record", 12, msg, sizeof(msg)),
	        ERR_FORMAT);
}

static void test_clean(void **state)
{
	struct km_audit_copy *cp = full_copy();
	struct km_audit_copy_check k;

	(void)state;
	/* noise: other programs, another token, a broken p11seal line */
	assert_int_equal(km_audit_copy_add(cp, "sshd[1]: Accepted", 17),
	                 ERR_OK);
	assert_int_equal(km_audit_copy_add(cp, "p11seal-audit/1 seq=9", 21),
	                 ERR_OK);
	assert_int_equal(compare(cp, lines, lens, 1, N_RECS, &k), ERR_OK);
	assert_int_equal(k.matched, N_RECS);
	assert_int_equal(km_audit_copy_records(cp), N_RECS);
	assert_int_equal(km_audit_copy_broken(cp), 1);
	/* a record delivered twice by syslog is still one record */
	copy_line(cp, lines[3], lens[3]);
	assert_int_equal(compare(cp, lines, lens, 1, N_RECS, &k), ERR_OK);
	km_audit_copy_free(cp);
}

static void test_other_token_ignored(void **state)
{
	struct km_audit_copy *cp = NULL;
	struct km_audit_copy_check k;

	(void)state;
	assert_int_equal(km_audit_copy_new(&cp, "another-serial"), ERR_OK);
	for (int i = 1; i <= N_RECS; i++)
		copy_line(cp, lines[i], lens[i]);
	assert_int_equal(km_audit_copy_records(cp), 0);
	assert_int_equal(compare(cp, lines, lens, 1, N_RECS, &k), ERR_VERIFY);
	assert_int_equal(k.problem, KM_AUDIT_COPY_MISSING);
	assert_int_equal(k.at_seq, 1);
	km_audit_copy_free(cp);
}

static void test_missing_in_copy(void **state)
{
	struct km_audit_copy *cp = NULL;
	struct km_audit_copy_check k;

	(void)state;
	assert_int_equal(km_audit_copy_new(&cp, SERIAL), ERR_OK);
	for (int i = 1; i <= N_RECS; i++)
		if (i != 3)
			copy_line(cp, lines[i], lens[i]);
	assert_int_equal(compare(cp, lines, lens, 1, N_RECS, &k), ERR_VERIFY);
	assert_int_equal(k.problem, KM_AUDIT_COPY_MISSING);
	assert_int_equal(k.at_seq, 3);
	assert_int_equal(k.matched, 2);
	assert_non_null(strstr(k.msg, "record 3 is missing from the syslog "
	                              "copy"));
	km_audit_copy_free(cp);
}

static void test_missing_in_log(void **state)
{
	struct km_audit_copy *cp = full_copy();
	struct km_audit_copy_check k;

	(void)state;
	assert_int_equal(compare(cp, lines, lens, 1, 3, &k), ERR_VERIFY);
	assert_int_equal(k.problem, KM_AUDIT_COPY_TRUNCATED);
	assert_int_equal(k.at_seq, 4);
	assert_non_null(strstr(k.msg, "record 4 is missing from the local "
	                              "log: the syslog copy holds it after "
	                              "the log's last record 3"));
	assert_string_equal(km_audit_copy_problem_name(k.problem),
	                    "missing-in-log");
	assert_int_equal(compare(cp, lines, lens, 0, 0, &k), ERR_VERIFY);
	assert_int_equal(k.at_seq, 1);
	assert_non_null(strstr(k.msg, "the log holds no record"));
	km_audit_copy_free(cp);
}

/* The PIN holder rewrites record 4 (valid MAC, by the token) and chains
 * record 5 to it: the copy still holds the first record 4. */
static void test_rewritten(void **state)
{
	static char local[N_RECS + 1][CAP];
	static size_t local_len[N_RECS + 1];
	struct km_audit_copy *cp = full_copy();
	struct km_audit_copy_check k;
	uint8_t prev[KM_AUDIT_HASH_LEN];

	(void)state;
	memcpy(local, lines, sizeof(local));
	memcpy(local_len, lens, sizeof(local_len));
	assert_int_equal(km_audit_hash(lines[3], lens[3], prev), ERR_OK);
	make(local[4], &local_len[4], 4, prev, "forged");
	assert_int_equal(km_audit_hash(local[4], local_len[4], prev), ERR_OK);
	make(local[5], &local_len[5], 5, prev, "k5");
	assert_int_equal(compare(cp, local, local_len, 1, N_RECS, &k),
	                 ERR_VERIFY);
	assert_int_equal(k.problem, KM_AUDIT_COPY_DIFFERS);
	assert_int_equal(k.at_seq, 4);
	assert_non_null(strstr(k.msg, "record 4 differs from its syslog copy"));
	/* ... and when the rewrite reached syslog too, the copy forks */
	copy_line(cp, local[4], local_len[4]);
	copy_line(cp, local[5], local_len[5]);
	assert_int_equal(compare(cp, local, local_len, 1, N_RECS, &k),
	                 ERR_VERIFY);
	assert_int_equal(k.at_seq, 4);
	assert_non_null(strstr(k.msg, "also holds another record 4"));
	km_audit_copy_free(cp);
}

/* A new audit key's chain on the same token: the old chain's lines do
 * not follow this chain's records, so they are not in the way. */
static void test_other_chain_ignored(void **state)
{
	static char old[N_RECS + 1][CAP];
	static size_t old_len[N_RECS + 1];
	struct km_audit_copy *cp = full_copy();
	struct km_audit_copy_check k;
	uint8_t other[KM_AUDIT_HASH_LEN];

	(void)state;
	assert_int_equal(km_audit_genesis(SERIAL, "00ff", other), ERR_OK);
	make_chain(other, old, old_len);
	for (int i = 1; i <= N_RECS; i++)
		copy_line(cp, old[i], old_len[i]);
	assert_int_equal(compare(cp, lines, lens, 1, N_RECS, &k), ERR_OK);
	assert_int_equal(k.matched, N_RECS);
	km_audit_copy_free(cp);
}

static int setup(void **state)
{
	(void)state;
	if (km_audit_genesis(SERIAL, "696771ef4810dba590f885b172c0be3d",
	                     genesis) != ERR_OK)
		return -1;
	make_chain(genesis, lines, lens);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_other_token_ignored),
		cmocka_unit_test(test_missing_in_copy),
		cmocka_unit_test(test_missing_in_log),
		cmocka_unit_test(test_rewritten),
		cmocka_unit_test(test_other_chain_ignored),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
