/* SPDX-License-Identifier: MIT */
/* kp_retry.c - pure retry arithmetic: no clock reads, no sleeping, so the
 * policy is unit-tested exactly. */
#include "kp_retry.h"

#include <ctype.h>
#include <string.h>

bool kp_retry_status(long status)
{
	return status == 429 ||
	       (status >= 500 && status <= 599 && status != 501);
}

static long clamp_ms(long long ms)
{
	if (ms < 0)
		return 0;
	return ms > KP_RETRY_AFTER_MAX_MS ? KP_RETRY_AFTER_MAX_MS : (long)ms;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 IMF-fixdate) only. */
static bool parse_date(const char *v, time_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!end || *end != '\0')
		return false;
	*out = timegm(&tm);
	return *out != (time_t)-1;
}

bool kp_retry_after_parse(const char *value, time_t now, long *delay_ms)
{
	size_t n;
	time_t when;

	if (!value)
		return false;
	while (*value == ' ' || *value == '\t')
		value++;
	n = strlen(value);
	while (n && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		n--;
	if (n == 0)
		return false;
	if (strspn(value, "0123456789") == n) {
		long long s = 0;

		/* more than 9 digits is "forever": clamp rather than overflow
		 */
		for (size_t i = 0; i < n && i < 10; i++)
			s = s * 10 + (value[i] - '0');
		*delay_ms = clamp_ms(n > 9 ? KP_RETRY_AFTER_MAX_MS : s * 1000);
		return true;
	}
	if (n != strlen(value) || !isalpha((unsigned char)value[0]) ||
	    !parse_date(value, &when))
		return false;
	*delay_ms = clamp_ms(((long long)when - (long long)now) * 1000);
	return true;
}

long kp_retry_delay_ms(unsigned attempt, long retry_after_ms, long base_ms,
                       long cap_ms, uint32_t rnd)
{
	long d = base_ms;

	if (retry_after_ms >= 0)
		return clamp_ms(retry_after_ms);
	for (unsigned i = 1; i < attempt && d < cap_ms; i++)
		d *= 2;
	if (d > cap_ms)
		d = cap_ms;
	if (d <= 0)
		return 0;
	return d / 2 + (long)(rnd % (uint32_t)(d / 2 + 1));
}
