/* SPDX-License-Identifier: MIT */
/* test_kp_retry.c - retry policy: which statuses retry, backoff growth,
 * cap and jitter bounds, Retry-After seconds/HTTP-date/garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kp_retry.h"

static void test_statuses(void **state)
{
	(void)state;
	assert_true(kp_retry_status(429));
	assert_true(kp_retry_status(500));
	assert_true(kp_retry_status(502));
	assert_true(kp_retry_status(503));
	assert_true(kp_retry_status(504));
	assert_false(kp_retry_status(501));
	assert_false(kp_retry_status(400));
	assert_false(kp_retry_status(401));
	assert_false(kp_retry_status(404));
	assert_false(kp_retry_status(409));
	assert_false(kp_retry_status(200));
	assert_false(kp_retry_status(600));
}

static void test_backoff(void **state)
{
	(void)state;
	/* rnd 0: lower bound d/2; rnd huge: within d/2..d */
	assert_int_equal(kp_retry_delay_ms(1, -1, 1000, 30000, 0), 500);
	assert_int_equal(kp_retry_delay_ms(2, -1, 1000, 30000, 0), 1000);
	assert_int_equal(kp_retry_delay_ms(3, -1, 1000, 30000, 0), 2000);
	assert_int_equal(kp_retry_delay_ms(4, -1, 1000, 30000, 0), 4000);
	assert_int_equal(kp_retry_delay_ms(1, -1, 1000, 30000, 500), 1000);
	assert_int_equal(kp_retry_delay_ms(1, -1, 1000, 30000, 501), 500);
	/* cap, also for huge attempt numbers (no overflow) */
	assert_int_equal(kp_retry_delay_ms(6, -1, 1000, 30000, 15000), 30000);
	assert_int_equal(kp_retry_delay_ms(200, -1, 1000, 30000, 0), 15000);
	assert_int_equal(kp_retry_delay_ms(4000000000u, -1, 1000, 30000, 7),
	                 15007);
	for (uint32_t r = 0; r < 100000; r += 997) {
		long d = kp_retry_delay_ms(3, -1, 1000, 30000, r);

		assert_in_range(d, 2000, 4000);
	}
	/* Retry-After wins, clamped */
	assert_int_equal(kp_retry_delay_ms(1, 3000, 1000, 30000, 99), 3000);
	assert_int_equal(kp_retry_delay_ms(1, 0, 1000, 30000, 99), 0);
	assert_int_equal(kp_retry_delay_ms(1, 999999999, 1000, 30000, 0),
	                 KP_RETRY_AFTER_MAX_MS);
	/* test settings: tiny base */
	assert_int_equal(kp_retry_delay_ms(2, -1, 10, 50, 0), 10);
	assert_int_equal(kp_retry_delay_ms(1, -1, 0, 50, 0), 0);
}

static void test_retry_after(void **state)
{
	time_t now = 784111777; /* Sun, 06 Nov 1994 08:49:37 GMT */
	long ms = -7;

	(void)state;
	assert_true(kp_retry_after_parse("1", now, &ms));
	assert_int_equal(ms, 1000);
	assert_true(kp_retry_after_parse(" 120 ", now, &ms));
	assert_int_equal(ms, 120000);
	assert_true(kp_retry_after_parse("999999", now, &ms));
	assert_int_equal(ms, KP_RETRY_AFTER_MAX_MS);
	assert_true(kp_retry_after_parse("99999999999999999999999", now, &ms));
	assert_int_equal(ms, KP_RETRY_AFTER_MAX_MS);
	assert_true(kp_retry_after_parse("0", now, &ms));
	assert_int_equal(ms, 0);
	assert_true(kp_retry_after_parse("Sun, 06 Nov 1994 08:49:42 GMT", now,
	                                 &ms));
	assert_int_equal(ms, 5000);
	assert_true(kp_retry_after_parse("Sun, 06 Nov 1994 08:00:00 GMT", now,
	                                 &ms));
	assert_int_equal(ms, 0); /* in the past: now */
	ms = -7;
	assert_false(kp_retry_after_parse("-1", now, &ms));
	assert_false(kp_retry_after_parse("", now, &ms));
	assert_false(kp_retry_after_parse(NULL, now, &ms));
	assert_false(kp_retry_after_parse("1.5", now, &ms));
	assert_false(kp_retry_after_parse("soon", now, &ms));
	assert_false(kp_retry_after_parse("0x10", now, &ms));
	assert_false(kp_retry_after_parse("Sunday, 06-Nov-94 08:49:37 GMT", now,
	                                  &ms));
	assert_false(kp_retry_after_parse("Sun, 06 Nov 1994 08:49:37 GMT x",
	                                  now, &ms));
	assert_int_equal(ms, -7); /* untouched on failure */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statuses),
		cmocka_unit_test(test_backoff),
		cmocka_unit_test(test_retry_after),
	};

	return cmocka_run_group_tests_name("kp_retry", tests, NULL, NULL);
}
