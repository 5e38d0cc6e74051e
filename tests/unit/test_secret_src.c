/* SPDX-License-Identifier: MIT */
/* test_secret_src.c - secrets from files, descriptors and the environment:
 * a NUL byte is refused, a trailing newline is not part of the secret, no
 * error repeats secret bytes, and an environment secret is gone from the
 * environment once read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "secmem.h"
#include "secret_src.h"

extern char **environ;

static char dir[] = "/tmp/p11seal-secret-src.XXXXXX";

/* A 0600 file in dir holding len bytes of data; its path into path. */
static void put_file(char *path, size_t cap, const char *name, const char *data,
                     size_t len)
{
	FILE *f;

	snprintf(path, cap, "%s/%s", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, 0600), 0);
}

static void test_file_nul_refused(void **state)
{
	char path[256], *s = path;

	(void)state;
	put_file(path, sizeof(path), "pin", "1234\0junk\n", 10);
	assert_int_equal(secret_src_file(path, "PIN", &s), ERR_FORMAT);
	assert_null(s);
	assert_non_null(strstr(err_detail(), path));
	assert_non_null(strstr(err_detail(), "NUL byte"));
	assert_null(strstr(err_detail(), "1234"));
	assert_null(strstr(err_detail(), "junk"));
	/* a NUL as the last byte, before the newline, is refused too */
	put_file(path, sizeof(path), "pin2", "1234\0\n", 6);
	assert_int_equal(secret_src_file(path, "PIN", &s), ERR_FORMAT);
}

static void test_file_newline(void **state)
{
	char path[256], *s = NULL;

	(void)state;
	put_file(path, sizeof(path), "ok", "Pin-7777\n", 9);
	assert_int_equal(secret_src_file(path, "PIN", &s), ERR_OK);
	assert_string_equal(s, "Pin-7777");
	secmem_free(s);
	put_file(path, sizeof(path), "bare", "Pin-7777", 8);
	assert_int_equal(secret_src_file(path, "PIN", &s), ERR_OK);
	assert_string_equal(s, "Pin-7777");
	secmem_free(s);
}

static void test_file_missing_not_echoed(void **state)
{
	char *s = NULL;

	(void)state;
	assert_int_equal(secret_src_file("Pin-5150", "PIN", &s), ERR_NOT_FOUND);
	assert_null(strstr(err_detail(), "5150"));
	assert_non_null(strstr(err_detail(), "PIN file not found"));
}

static void test_fd_nul_refused(void **state)
{
	int p[2];
	char *s = NULL;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "ab\0cd", 5), 5);
	close(p[1]);
	assert_int_equal(secret_src_fd(p[0], "API key", "fd 9", &s),
	                 ERR_FORMAT);
	close(p[0]);
	assert_null(s);
	assert_non_null(strstr(err_detail(), "API key from fd 9 holds a NUL"));
}

static bool in_environ(const char *prefix)
{
	for (char **e = environ; *e; e++)
		if (strncmp(*e, prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

static void test_env_cleared(void **state)
{
	char *s = NULL;

	(void)state;
	assert_int_equal(setenv("P11SEAL_T_PIN", "Env-Pin-4242", 1), 0);
	assert_int_equal(secret_src_env("P11SEAL_T_PIN", "PIN", &s), ERR_OK);
	assert_string_equal(s, "Env-Pin-4242");
	secmem_free(s);
	assert_null(getenv("P11SEAL_T_PIN"));
	assert_false(in_environ("P11SEAL_T_PIN="));
	/* read once: a second read finds nothing */
	assert_int_equal(secret_src_env("P11SEAL_T_PIN", "PIN", &s),
	                 ERR_NOT_FOUND);
	assert_non_null(strstr(err_detail(), "P11SEAL_T_PIN is not set"));
}

static void test_env_name_not_echoed(void **state)
{
	char *s = NULL;

	(void)state;
	unsetenv("s3cr3t-api-key-value");
	assert_int_equal(secret_src_env("s3cr3t-api-key-value", "API key", &s),
	                 ERR_NOT_FOUND);
	assert_null(strstr(err_detail(), "s3cr3t"));
	unsetenv("1234");
	assert_int_equal(secret_src_env("1234", "PIN", &s), ERR_NOT_FOUND);
	assert_null(strstr(err_detail(), "1234"));
}

static void test_too_long(void **state)
{
	static char big[SECRET_SRC_MAX + 2];
	char path[256], *s = NULL;

	(void)state;
	memset(big, 'a', sizeof(big));
	put_file(path, sizeof(path), "big", big, sizeof(big));
	assert_int_equal(secret_src_file(path, "PIN", &s), ERR_FORMAT);
	assert_null(s);
}

static int setup(void **state)
{
	(void)state;
	secmem_init(1u << 20);
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	static const char *const names[] = { "pin", "pin2", "ok", "bare",
		                             "big" };
	char path[256];

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	return rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_nul_refused),
		cmocka_unit_test(test_file_newline),
		cmocka_unit_test(test_file_missing_not_echoed),
		cmocka_unit_test(test_fd_nul_refused),
		cmocka_unit_test(test_env_cleared),
		cmocka_unit_test(test_env_name_not_echoed),
		cmocka_unit_test(test_too_long),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
