/* SPDX-License-Identifier: MIT */
/* km_xts.c - vhd_cipher over p11_xts: per worker one engine on a cloned
 * session, with live operations on a second one (p11_xts_set_live), all
 * closed (the engine's key-derived buffers wiped) when the worker ends. */
#include "km_xts.h"

#include <stdlib.h>

#include "p11_session.h"
#include "p11_xts.h"

struct worker {
	struct p11_session *s, *ts;
	struct p11_xts *x;
};

static void worker_free(void *ctx)
{
	struct worker *w = ctx;

	if (!w)
		return;
	p11_xts_free(w->x);
	p11_session_close(w->ts);
	p11_session_close(w->s);
	free(w);
}

/* All sessions' decryption calls together: SoftHSM holds about 3.5 x a
 * call's bytes per session while it decrypts (input copy, its growing
 * GCM buffer, output), so 8 workers of 1 MiB calls took the process to
 * 72 MiB. With 4 MiB in all, up to 4 workers keep the fastest 1 MiB
 * calls and more get smaller ones (64 KiB at the least). */
#define DECRYPT_BUDGET (4u << 20)
#define PIECE_MIN      (64u << 10)
#define PIECE_MAX      (1u << 20)

static size_t decrypt_piece(unsigned workers)
{
	size_t piece = DECRYPT_BUDGET / (workers ? workers : 1);

	if (piece > PIECE_MAX)
		return PIECE_MAX;
	if (piece < PIECE_MIN)
		return PIECE_MIN;
	return piece / PIECE_MIN * PIECE_MIN;
}

static enum err worker_new(void *arg, void **out)
{
	struct km_xts_key *k = arg;
	struct worker *w = calloc(1, sizeof(*w));
	enum err r;

	*out = NULL;
	if (!w)
		return err_set(ERR_NOMEM, "worker");
	r = p11_session_clone(k->s, &w->s);
	if (r != ERR_OK)
		goto out;
	r = p11_xts_open(&w->x, w->s, k->dek, k->chunk);
	if (r == ERR_OK)
		r = p11_xts_set_piece(w->x, decrypt_piece(k->workers));
	if (r != ERR_OK)
		goto out;
	r = p11_session_clone(k->s, &w->ts);
	if (r != ERR_OK)
		goto out;
	r = p11_xts_live(w->x, w->ts);
	if (r != ERR_OK)
		goto out;
	*out = w;
	w = NULL;
out:
	worker_free(w);
	return r;
}

static enum err worker_encrypt(void *ctx, uint8_t *buf, size_t len,
                               uint64_t sector)
{
	return p11_xts_encrypt(((struct worker *)ctx)->x, buf, len, sector);
}

static enum err worker_decrypt(void *ctx, uint8_t *buf, size_t len,
                               uint64_t sector)
{
	return p11_xts_decrypt(((struct worker *)ctx)->x, buf, len, sector);
}

struct vhd_cipher km_xts_cipher(struct km_xts_key *k)
{
	struct vhd_cipher v = { worker_new, worker_encrypt, worker_decrypt,
		                worker_free, k };

	return v;
}
