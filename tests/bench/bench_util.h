/* SPDX-License-Identifier: MIT */
/* bench_util.h - clocks and run statistics shared by the tests/bench
 * programs (header-only: bench.mk builds one source per program). Every
 * figure is the median of R timed runs after one untimed warm-up, printed
 * with the min and max of the same runs. */
#ifndef P11SEAL_BENCH_UTIL_H
#define P11SEAL_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#define BENCH_MAX_RUNS 31

struct bench_stat {
	double med, min, max;
};

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User + system CPU seconds of the whole process (all threads). */
static inline double bench_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static inline int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median (upper median for even n), min and max of v[0..n-1]; sorts v. */
static inline struct bench_stat bench_stats(double *v, int n)
{
	struct bench_stat s = { 0, 0, 0 };

	if (n < 1)
		return s;
	qsort(v, (size_t)n, sizeof(v[0]), bench_cmp);
	s.med = v[n / 2];
	s.min = v[0];
	s.max = v[n - 1];
	return s;
}

/* "median (min-max)" with the given printf precision. */
static inline void bench_print_stat(struct bench_stat s, int prec)
{
	printf("%.*f (%.*f–%.*f)", prec, s.med, prec, s.min, prec, s.max);
}

#endif
