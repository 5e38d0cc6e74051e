/* SPDX-License-Identifier: MIT */
/* secmem.h - memory for secrets: OpenSSL's locked secure heap, wiped on free.
 * PINs, API keys, bearer tokens, DEK bytes in transit and XTS tweak buffers
 * live here and nowhere else. */
#ifndef P11SEAL_SECMEM_H
#define P11SEAL_SECMEM_H

#include <stdbool.h>
#include <stddef.h>

/* Set up the secure heap once (size bytes). Returns 1 if locked, 2 if the
 * heap exists but could not be locked, 0 if there is none (fallback heap). */
int secmem_init(size_t heap_size);

/* Zeroed secret buffer of len bytes, or NULL. Free with secmem_free. */
void *secmem_alloc(size_t len);

/* Wipe and free a secmem_alloc() block; NULL is a no-op. */
void secmem_free(void *ptr);

/* Copy of the NUL-terminated s in secret memory, or NULL. */
char *secmem_strdup(const char *s);

/* Copy of len bytes in secret memory (plus a NUL), or NULL. */
void *secmem_memdup(const void *p, size_t len);

/* Wipe len bytes at p in a way the compiler cannot remove. */
void secmem_wipe(void *p, size_t len);

/* Constant-time comparison of len bytes: true if equal. */
bool secmem_equal(const void *a, const void *b, size_t len);

/* Bytes of p11seal's secret buffers not yet freed (0 when every secret
 * was wiped and freed). */
size_t secmem_used(void);

/* Route cJSON allocations through the secure heap so parsed JSON that
 * carries secrets is wiped on cJSON_Delete. */
void secmem_use_for_json(void);

/* Disable core dumps and ptrace attach for this process. */
void secmem_harden_process(void);

#endif
