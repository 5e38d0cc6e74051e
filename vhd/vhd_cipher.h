/* SPDX-License-Identifier: MIT */
/* vhd_cipher.h - how the pipeline gets its sector cipher without knowing
 * where the key lives: a factory for per-thread contexts plus in-place
 * encrypt/decrypt of whole sectors, tweak = virtual LBA (blktap
 * "aes-xts-plain"). The CLI wires the token's XTS engine in; tests wire
 * OpenSSL. */
#ifndef P11SEAL_VHD_CIPHER_H
#define P11SEAL_VHD_CIPHER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct vhd_cipher {
	/* A context for one worker thread (never shared between threads). */
	enum err (*ctx_new)(void *arg, void **ctx);
	/* In place; len is a multiple of 512 and the first 512 bytes are
	 * sector first_sector, the next first_sector + 1, ... */
	enum err (*encrypt)(void *ctx, uint8_t *buf, size_t len,
	                    uint64_t first_sector);
	enum err (*decrypt)(void *ctx, uint8_t *buf, size_t len,
	                    uint64_t first_sector);
	/* Wipe and free a context; NULL is a no-op. */
	void (*ctx_free)(void *ctx);
	void *arg;
};

#endif
