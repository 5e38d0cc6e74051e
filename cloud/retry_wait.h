/* SPDX-License-Identifier: MIT */
/* retry_wait.h - the impure half of the retry policy (kp_retry.h is the
 * pure half): sleeping through signals and jitter from the CSPRNG, shared
 * by the Key Protect, IAM and COS clients. */
#ifndef P11SEAL_RETRY_WAIT_H
#define P11SEAL_RETRY_WAIT_H

#include <stdint.h>

/* Sleep ms milliseconds, resuming after EINTR. */
void retry_sleep_ms(long ms);

/* 32 random bits for jitter (RAND_bytes; the clock if that fails). */
uint32_t retry_rand32(void);

#endif
