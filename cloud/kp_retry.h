/* SPDX-License-Identifier: MIT */
/* kp_retry.h - retry policy of the Key Protect client as pure functions
 * (the Go client's rules: connection errors, 429 and 5xx but 501; backoff
 * base*2^n with jitter, capped; Retry-After wins when sane). */
#ifndef P11SEAL_KP_RETRY_H
#define P11SEAL_KP_RETRY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define KP_RETRY_AFTER_MAX_MS 120000L /* clamp for Retry-After */

/* True for statuses worth another attempt: 429 and 5xx except 501. */
bool kp_retry_status(long status);

/* Parse a Retry-After value: delta-seconds or an IMF-fixdate, relative to
 * now. *delay_ms is clamped to 0..KP_RETRY_AFTER_MAX_MS. False (and
 * *delay_ms untouched) for anything else (negative, garbage, empty). */
bool kp_retry_after_parse(const char *value, time_t now, long *delay_ms);

/* Delay after attempt number attempt (1 = the first attempt failed):
 * retry_after_ms >= 0 wins (clamped to KP_RETRY_AFTER_MAX_MS); else
 * d = min(cap_ms, base_ms * 2^(attempt-1)) and the result is d/2 + rnd %
 * (d/2 + 1): jittered, but never below d/2. */
long kp_retry_delay_ms(unsigned attempt, long retry_after_ms, long base_ms,
                       long cap_ms, uint32_t rnd);

#endif
