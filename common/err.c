/* SPDX-License-Identifier: MIT */
/* err.c - error names and the per-thread last-error detail. */
#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERR_DETAIL_MAX 1024

static _Thread_local char detail[ERR_DETAIL_MAX];

static const char *const names[ERR_COUNT] = {
	[ERR_OK] = "success",
	[ERR_NOMEM] = "out of memory",
	[ERR_USAGE] = "usage error",
	[ERR_IO] = "I/O error",
	[ERR_FORMAT] = "malformed input",
	[ERR_HSM] = "token error",
	[ERR_PIN] = "PIN error",
	[ERR_NOT_FOUND] = "not found",
	[ERR_EXISTS] = "already exists",
	[ERR_CRYPTO] = "crypto error",
	[ERR_VERIFY] = "verification failed",
	[ERR_POLICY] = "refused by policy",
	[ERR_HTTP] = "network error",
	[ERR_AUTH] = "authentication failed",
	[ERR_REMOTE] = "Key Protect error",
	[ERR_UNSUPPORTED] = "not supported",
	[ERR_INTERNAL] = "internal error",
};

const char *err_str(enum err e)
{
	if ((unsigned)e >= ERR_COUNT || !names[e])
		return "unknown error";
	return names[e];
}

enum err err_set(enum err e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return e;
}

enum err err_wrap(enum err e, const char *fmt, ...)
{
	char prefix[ERR_DETAIL_MAX], old[ERR_DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	snprintf(old, sizeof(old), "%s", detail);
	if (old[0])
		snprintf(detail, sizeof(detail), "%.400s: %.600s", prefix, old);
	else
		snprintf(detail, sizeof(detail), "%s", prefix);
	return e;
}

const char *err_detail(void)
{
	return detail;
}

void err_clear(void)
{
	detail[0] = '\0';
}

enum err err_errno(enum err e, const char *what)
{
	int saved = errno;

	return err_set(e, "%s: %s", what, strerror(saved));
}
