/* SPDX-License-Identifier: MIT */
/* retry_wait.c - sleep and jitter for the clients' retry loops. */
#include "retry_wait.h"

#include <errno.h>
#include <time.h>

#include <openssl/rand.h>

void retry_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

uint32_t retry_rand32(void)
{
	uint32_t v = 0;

	if (RAND_bytes((unsigned char *)&v, sizeof(v)) != 1)
		v = (uint32_t)time(NULL);
	return v;
}
