/* SPDX-License-Identifier: MIT */
/* killat.c - TEST-ONLY LD_PRELOAD library for tests/integration/t-crash.sh:
 * with KILLAT_PWRITEV=N in the environment, the N-th pwritev of the whole
 * process (any thread) raises SIGKILL before it writes anything, or, with
 * KILLAT_ERRNO=E too, fails with errno E instead. strace's
 * own inject=...:when=N counts per thread, which stopped meaning "the N-th
 * write of the run" once several writer threads shared the writes. */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/uio.h>

typedef ssize_t pwritev_fn(int, const struct iovec *, int, off_t);

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off);

static unsigned long calls;

ssize_t pwritev(int fd, const struct iovec *iov, int n, off_t off)
{
	static pwritev_fn *real;
	const char *at = getenv("KILLAT_PWRITEV");
	unsigned long mine = __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);

	const char *fail = getenv("KILLAT_ERRNO");

	if (at && strtoul(at, NULL, 10) == mine && fail) {
		errno = atoi(fail);
		return -1;
	}
	if (at && strtoul(at, NULL, 10) == mine)
		raise(SIGKILL);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pwritev");
	return real(fd, iov, n, off);
}
