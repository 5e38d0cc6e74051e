/* SPDX-License-Identifier: MIT */
/* secmem.c - thin layer over OPENSSL_secure_*. A size header in front of
 * each block lets secmem_free() wipe without being told the length, which
 * is what cJSON's free hook needs. */
#include "secmem.h"

#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cjson/cJSON.h>
#include <openssl/crypto.h>

#define HEADER 16 /* keeps the user pointer 16-byte aligned */

/* Bytes handed out by secmem_alloc and not yet freed. OpenSSL itself also
 * draws on the secure heap (its DRBG state, also for in-process tokens
 * like SoftHSM), so CRYPTO_secure_used() cannot tell p11seal's secrets
 * apart; this count can. */
static size_t live_bytes;

int secmem_init(size_t heap_size)
{
	if (CRYPTO_secure_malloc_initialized())
		return 1;
	return CRYPTO_secure_malloc_init(heap_size, 32);
}

void *secmem_alloc(size_t len)
{
	unsigned char *p;

	if (len > SIZE_MAX - HEADER)
		return NULL;
	p = OPENSSL_secure_zalloc(HEADER + len);
	if (!p)
		return NULL;
	memcpy(p, &len, sizeof(len));
	__atomic_add_fetch(&live_bytes, len, __ATOMIC_RELAXED);
	return p + HEADER;
}

void secmem_free(void *ptr)
{
	unsigned char *p = ptr;
	size_t len;

	if (!p)
		return;
	p -= HEADER;
	memcpy(&len, p, sizeof(len));
	__atomic_sub_fetch(&live_bytes, len, __ATOMIC_RELAXED);
	OPENSSL_secure_clear_free(p, HEADER + len);
}

char *secmem_strdup(const char *s)
{
	return secmem_memdup(s, strlen(s));
}

void *secmem_memdup(const void *p, size_t len)
{
	unsigned char *q;

	if (len == SIZE_MAX)
		return NULL;
	q = secmem_alloc(len + 1);
	if (q && len)
		memcpy(q, p, len);
	return q;
}

void secmem_wipe(void *p, size_t len)
{
	if (p && len)
		OPENSSL_cleanse(p, len);
}

bool secmem_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

size_t secmem_used(void)
{
	return __atomic_load_n(&live_bytes, __ATOMIC_RELAXED);
}

static void *json_alloc(size_t len)
{
	return secmem_alloc(len);
}

void secmem_use_for_json(void)
{
	cJSON_Hooks hooks = { json_alloc, secmem_free };

	cJSON_InitHooks(&hooks);
}

void secmem_harden_process(void)
{
	struct rlimit no_core = { 0, 0 };

	setrlimit(RLIMIT_CORE, &no_core);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
