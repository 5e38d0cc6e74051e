/* SPDX-License-Identifier: MIT */
/* p11_xts.c - AES-XTS over 512-byte sectors with the keys in a PKCS#11
 * token. Invariant: the only key-derived bytes on the host are T0 per
 * sector (E_K2(tweak), 16 B each), kept in secmem and wiped after every
 * window; the T_j sequence is recomputed for each XOR pass, one sector's
 * worth at a time on the stack (wiped), never stored for a window. */
#include "p11_xts.h"

#include <stdlib.h>
#include <string.h>

#include "p11_ckr.h"
#include "p11_dek.h"
#include "p11_int.h"
#include "p11_session.h"
#include "secmem.h"

#define BLOCK             16
#define BLOCKS_PER_SECTOR (P11_XTS_SECTOR / BLOCK)
/* Largest chunk and window accepted: far above the sweep's best, small
 * enough that a window's T0 buffer (window / 32) stays at most 128 KiB of
 * the secure heap. */
#define CHUNK_MAX  (4u * 1024 * 1024)
#define WINDOW_MAX (4u * 1024 * 1024)

struct p11_xts {
	CK_FUNCTION_LIST *fn;
	CK_SESSION_HANDLE sh;
	CK_OBJECT_HANDLE data_key;
	CK_OBJECT_HANDLE tweak_key; /* CK_INVALID_HANDLE: native XTS */
	size_t chunk;               /* bytes per data call */
	size_t per_op;              /* data calls per token operation */
	size_t piece;               /* bytes per C_Decrypt call */
	uint8_t *t0;                /* secmem, 16 B per sector of a window */
	/* Live operations (p11_xts_set_live): the tweak key's ECB encryption
	 * stays open on tsh, the data key's on sh, across windows. Either
	 * use turns off for good if the token holds output back. */
	CK_SESSION_HANDLE tsh;
	bool live_tweak, live_data;
	bool tweak_open, data_open; /* the operation is active now */
};

/* One direction of the data-key operation, so the window code is shared
 * by encryption and decryption. */
struct xts_dir {
	CK_C_EncryptInit init;
	CK_C_Encrypt one;
	CK_C_EncryptUpdate update;
	CK_C_EncryptFinal final;
	const char *init_name, *one_name, *update_name, *final_name;
};

static void xts_dir_get(const CK_FUNCTION_LIST *fn, int decrypt,
                        struct xts_dir *d)
{
	if (decrypt) {
		*d = (struct xts_dir){ fn->C_DecryptInit,   fn->C_Decrypt,
			               fn->C_DecryptUpdate, fn->C_DecryptFinal,
			               "C_DecryptInit",     "C_Decrypt",
			               "C_DecryptUpdate",   "C_DecryptFinal" };
		return;
	}
	*d = (struct xts_dir){ fn->C_EncryptInit,   fn->C_Encrypt,
		               fn->C_EncryptUpdate, fn->C_EncryptFinal,
		               "C_EncryptInit",     "C_Encrypt",
		               "C_EncryptUpdate",   "C_EncryptFinal" };
}

static inline uint64_t xts_load64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline void xts_store64(uint8_t *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, sizeof(v));
}

/* buf ^= T_j for every block of n sectors: T_0 from t0, and
 * T_{j+1} = T_j * alpha in GF(2^128), IEEE 1619 little-endian order
 * (shift the 128-bit LE value left by one, fold bit 127 back as 0x87).
 * Hot path. Expanding a sector's 32 tweaks first and then XORing 64-bit
 * words in a flat loop lets the compiler overlap the two; this ran ~3x
 * faster (14 vs 4.8 GB/s per pass, gcc 12 -O2) than doubling inside the
 * XOR loop. t is a stack copy of key-derived values: wiped before return. */
static void xts_xor_tweaks(uint8_t *buf, const uint8_t *t0, size_t n)
{
	uint64_t t[2 * BLOCKS_PER_SECTOR];

	for (size_t s = 0; s < n; s++, t0 += BLOCK, buf += P11_XTS_SECTOR) {
		uint64_t lo = xts_load64(t0), hi = xts_load64(t0 + 8);

		for (size_t j = 0; j < BLOCKS_PER_SECTOR; j++) {
			uint64_t fold = (0 - (hi >> 63)) & 0x87;

			t[2 * j] = lo;
			t[2 * j + 1] = hi;
			hi = hi << 1 | lo >> 63;
			lo = lo << 1 ^ fold;
		}
		for (size_t w = 0; w < 2 * BLOCKS_PER_SECTOR; w++)
			xts_store64(buf + 8 * w,
			            xts_load64(buf + 8 * w) ^ t[w]);
	}
	secmem_wipe(t, sizeof(t));
}

/* Ends whatever operation a failed call may have left active: a NULL
 * length pointer is CKR_ARGUMENTS_BAD, which terminates the operation. */
static void xts_abort(struct p11_xts *x, const struct xts_dir *d)
{
	(void)d->final(x->sh, NULL, NULL);
	x->data_open = false;
}

/* End a live encryption on session h: C_EncryptFinal with room for a
 * block a token might still hold (none is expected: every window ended
 * with all its output). */
static void xts_end_live(const struct p11_xts *x, CK_SESSION_HANDLE h,
                         bool *open)
{
	uint8_t spare[BLOCK];
	CK_ULONG len = sizeof(spare);

	if (!*open)
		return;
	(void)x->fn->C_EncryptFinal(h, spare, &len);
	secmem_wipe(spare, sizeof(spare));
	*open = false;
}

/* The tweak blocks as one C_EncryptUpdate of the live operation on tsh.
 * A token that returns less than it was given keeps the rest for its
 * final call: take it from there, and use one operation per window from
 * then on. */
static enum err xts_tweaks_live(struct p11_xts *x, CK_ULONG len)
{
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 };
	CK_ULONG out = len, rest;
	CK_RV rv;

	if (!x->tweak_open) {
		rv = x->fn->C_EncryptInit(x->tsh, &ecb, x->tweak_key);
		if (rv != CKR_OK)
			return p11_fail(rv, "C_EncryptInit",
			                "(ECB, tweak key)");
		x->tweak_open = true;
	}
	rv = x->fn->C_EncryptUpdate(x->tsh, x->t0, len, x->t0, &out);
	if (rv != CKR_OK) {
		x->fn->C_EncryptFinal(x->tsh, NULL, NULL);
		x->tweak_open = false;
		return p11_fail(rv, "C_EncryptUpdate", "(ECB, tweak key)");
	}
	if (out == len)
		return ERR_OK;
	rest = out < len ? len - out : 0;
	rv = x->fn->C_EncryptFinal(x->tsh, x->t0 + out, &rest);
	x->tweak_open = false;
	x->live_tweak = false;
	if (rv != CKR_OK)
		return p11_fail(rv, "C_EncryptFinal", "(ECB, tweak key)");
	if (out + rest != len)
		return err_set(ERR_HSM,
		               "C_EncryptUpdate (ECB, tweak key): %lu bytes "
		               "out for %lu in",
		               (unsigned long)(out + rest), (unsigned long)len);
	return ERR_OK;
}

/* T0 for sectors first..first+n-1: one ECB call with the tweak key over
 * all n tweak blocks (LE64 sector number + 8 zero bytes; equal to
 * blktap's LE32 + 12 zeros for every sector below 2^32). */
static enum err xts_tweaks(struct p11_xts *x, uint64_t first, size_t n)
{
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 };
	CK_ULONG len = (CK_ULONG)(n * BLOCK), out = len;
	CK_SESSION_HANDLE h;
	CK_RV rv;

	for (size_t i = 0; i < n; i++) {
		xts_store64(x->t0 + i * BLOCK, first + i);
		xts_store64(x->t0 + i * BLOCK + 8, 0);
	}
	if (x->live_tweak)
		return xts_tweaks_live(x, len);
	/* the tweak session, if any: a live data operation holds sh */
	h = x->tsh != CK_INVALID_HANDLE ? x->tsh : x->sh;
	rv = x->fn->C_EncryptInit(h, &ecb, x->tweak_key);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_EncryptInit", "(ECB, tweak key)");
	rv = x->fn->C_Encrypt(h, x->t0, len, x->t0, &out);
	if (rv != CKR_OK) {
		x->fn->C_EncryptFinal(h, NULL, NULL);
		return p11_fail(rv, "C_Encrypt", "(ECB, tweak key)");
	}
	if (out != len)
		return err_set(ERR_HSM,
		               "C_Encrypt (ECB, tweak key): %lu bytes "
		               "out for %lu in",
		               (unsigned long)out, (unsigned long)len);
	return ERR_OK;
}

static enum err xts_data_init(struct p11_xts *x, const struct xts_dir *d)
{
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 };
	CK_RV rv;

	if (x->data_open)
		return ERR_OK;
	rv = d->init(x->sh, &ecb, x->data_key);
	if (rv != CKR_OK)
		return p11_fail(rv, d->init_name, "(ECB, data key)");
	x->data_open = true;
	return ERR_OK;
}

/* Data key over len bytes in a single C_Encrypt/C_Decrypt; t0 holds the
 * T0 of their sectors. */
static enum err xts_window_one(struct p11_xts *x, const struct xts_dir *d,
                               uint8_t *buf, size_t len, const uint8_t *t0)
{
	CK_ULONG out = (CK_ULONG)len;
	enum err r;
	CK_RV rv;

	r = xts_data_init(x, d);
	if (r != ERR_OK)
		return r;
	xts_xor_tweaks(buf, t0, len / P11_XTS_SECTOR);
	rv = d->one(x->sh, buf, (CK_ULONG)len, buf, &out);
	x->data_open = false; /* a single-part call ends the operation */
	if (rv != CKR_OK) {
		xts_abort(x, d);
		return p11_fail(rv, d->one_name, "(ECB, data key)");
	}
	if (out != len)
		return err_set(ERR_HSM,
		               "%s (ECB, data key): %lu bytes out for "
		               "%zu in",
		               d->one_name, (unsigned long)out, len);
	xts_xor_tweaks(buf, t0, len / P11_XTS_SECTOR);
	return ERR_OK;
}

/* Second XOR pass over the whole sectors produced since *done. Output
 * may lag input if a token buffers ECB blocks, so this follows the
 * produced length rather than the chunk boundaries. */
static void xts_unmask(const struct p11_xts *x, uint8_t *buf, size_t produced,
                       size_t *done)
{
	size_t upto = produced / P11_XTS_SECTOR;

	xts_xor_tweaks(buf + *done * P11_XTS_SECTOR, x->t0 + *done * BLOCK,
	               upto - *done);
	*done = upto;
}

/* Final call of a streamed window: whatever the token still held back. */
static enum err xts_stream_final(struct p11_xts *x, const struct xts_dir *d,
                                 uint8_t *buf, size_t len, size_t *produced)
{
	size_t rem = len - *produced;
	uint8_t spare[BLOCK];
	CK_ULONG out = rem ? (CK_ULONG)rem : sizeof(spare);
	CK_RV rv;

	rv = d->final(x->sh, rem ? buf + *produced : spare, &out);
	secmem_wipe(spare, sizeof(spare));
	x->data_open = false;
	if (rv != CKR_OK) {
		xts_abort(x, d);
		return p11_fail(rv, d->final_name, "(ECB, data key)");
	}
	if (out > rem)
		return err_set(ERR_HSM,
		               "%s (ECB, data key): %lu bytes more "
		               "than were fed",
		               d->final_name, (unsigned long)(out - rem));
	*produced += out;
	return ERR_OK;
}

/* Feed the chunk of n bytes at buf+in; its output lands at buf+*produced
 * (in place, possibly lagging). */
static enum err xts_stream_update(struct p11_xts *x, const struct xts_dir *d,
                                  uint8_t *buf, size_t len, size_t in, size_t n,
                                  size_t *produced)
{
	CK_ULONG out = (CK_ULONG)(len - *produced);
	CK_RV rv;

	rv = d->update(x->sh, buf + in, (CK_ULONG)n, buf + *produced, &out);
	if (rv != CKR_OK) {
		xts_abort(x, d);
		return p11_fail(rv, d->update_name, "(ECB, data key)");
	}
	if (out > in + n - *produced) {
		xts_abort(x, d);
		return err_set(ERR_HSM,
		               "%s (ECB, data key): %lu bytes out, "
		               "more than were fed",
		               d->update_name, (unsigned long)out);
	}
	*produced += out;
	return ERR_OK;
}

/* Data key over one window as one operation fed chunk by chunk with
 * C_EncryptUpdate/C_DecryptUpdate, in place. */
static enum err xts_window_stream(struct p11_xts *x, const struct xts_dir *d,
                                  uint8_t *buf, size_t len)
{
	size_t in = 0, produced = 0, done = 0;
	enum err r;

	r = xts_data_init(x, d);
	if (r != ERR_OK)
		return r;
	while (in < len) {
		size_t n = len - in < x->chunk ? len - in : x->chunk;

		xts_xor_tweaks(buf + in, x->t0 + in / P11_XTS_SECTOR * BLOCK,
		               n / P11_XTS_SECTOR);
		r = xts_stream_update(x, d, buf, len, in, n, &produced);
		if (r != ERR_OK)
			return r;
		in += n;
		xts_unmask(x, buf, produced, &done);
	}
	/* live: the operation stays open for the next window, unless the
	 * token still holds some of this one */
	if (x->live_data && produced == len)
		return ERR_OK;
	x->live_data = false;
	r = xts_stream_final(x, d, buf, len, &produced);
	if (r != ERR_OK)
		return r;
	xts_unmask(x, buf, produced, &done);
	if (produced != len)
		return err_set(ERR_HSM,
		               "%s (ECB, data key): %zu bytes out for "
		               "%zu in",
		               d->final_name, produced, len);
	return ERR_OK;
}

/* Decryption of a window as single C_Decrypt calls of up to x->piece
 * bytes each (default XTS_DECRYPT_PIECE), never streamed: SoftHSM 2.6.1's
 * SymmetricAlgorithm::decryptUpdate appends every input, in every mode, to
 * a buffer kept for GCM (byte by byte into a std::vector with its
 * SecureAllocator, wiped on each growth), so a streamed 2 MiB window costs
 * ~20% more instructions than one-shot pieces, and one-shot pieces of
 * 2 MiB fault fresh pages into that buffer every call (glibc trims them
 * back). 1 MiB pieces measured best (tests/bench/xts_bench, BENCH.md). */
#define XTS_DECRYPT_PIECE (1024u * 1024)

static enum err xts_window_pieces(struct p11_xts *x, const struct xts_dir *d,
                                  uint8_t *buf, size_t len)
{
	enum err r = ERR_OK;

	for (size_t off = 0; off < len && r == ERR_OK; off += x->piece) {
		size_t n = len - off < x->piece ? len - off : x->piece;

		r = xts_window_one(x, d, buf + off, n,
		                   x->t0 + off / P11_XTS_SECTOR * BLOCK);
	}
	return r;
}

/* Two-key path: per window, one tweak-key call for all T0, then the data
 * key over the window (one call, or one operation of several chunks; for
 * decryption, one call per piece). */
static enum err xts_two_key(struct p11_xts *x, const struct xts_dir *d,
                            uint8_t *buf, size_t len, uint64_t first,
                            int decrypt)
{
	size_t window = x->chunk * x->per_op;
	enum err r = ERR_OK;

	for (size_t off = 0; off < len && r == ERR_OK; off += window) {
		size_t n = len - off < window ? len - off : window;

		r = xts_tweaks(x, first + off / P11_XTS_SECTOR,
		               n / P11_XTS_SECTOR);
		if (r == ERR_OK && x->live_data && !decrypt)
			r = xts_window_stream(x, d, buf + off, n);
		else if (r == ERR_OK && n <= x->chunk)
			r = xts_window_one(x, d, buf + off, n, x->t0);
		else if (r == ERR_OK && decrypt)
			r = xts_window_pieces(x, d, buf + off, n);
		else if (r == ERR_OK)
			r = xts_window_stream(x, d, buf + off, n);
		secmem_wipe(x->t0, n / P11_XTS_SECTOR * BLOCK);
	}
	return r;
}

/* Native CKM_AES_XTS. PKCS#11 3.0 passes the tweak as the mechanism
 * parameter and has no way to batch data units with different tweaks,
 * so every 512-byte sector costs its own C_EncryptInit + C_Encrypt:
 * 6-20 us per sector on SoftHSM-class tokens (docs/pkcs11-tokens.md §1),
 * i.e. some 25-80 MB/s, against GB/s for the batched two-key path. */
static enum err xts_native(struct p11_xts *x, const struct xts_dir *d,
                           uint8_t *buf, size_t len, uint64_t first)
{
	uint8_t tweak[BLOCK];
	CK_MECHANISM mech = { CKM_AES_XTS, tweak, sizeof(tweak) };
	CK_RV rv;

	for (size_t off = 0; off < len; off += P11_XTS_SECTOR) {
		CK_ULONG out = P11_XTS_SECTOR;

		xts_store64(tweak, first + off / P11_XTS_SECTOR);
		xts_store64(tweak + 8, 0);
		rv = d->init(x->sh, &mech, x->data_key);
		if (rv != CKR_OK)
			return p11_fail(rv, d->init_name, "(XTS, XTS key)");
		rv = d->one(x->sh, buf + off, P11_XTS_SECTOR, buf + off, &out);
		if (rv != CKR_OK) {
			xts_abort(x, d);
			return p11_fail(rv, d->one_name, "(XTS, XTS key)");
		}
		if (out != P11_XTS_SECTOR)
			return err_set(ERR_HSM,
			               "%s (XTS, XTS key): %lu bytes "
			               "out for one sector",
			               d->one_name, (unsigned long)out);
	}
	return ERR_OK;
}

static enum err xts_run(struct p11_xts *x, uint8_t *buf, size_t len,
                        uint64_t first, int decrypt)
{
	struct xts_dir d;

	if (!x || (!buf && len))
		return err_set(ERR_USAGE, "p11_xts: no engine or no buffer");
	if (len % P11_XTS_SECTOR)
		return err_set(ERR_USAGE,
		               "p11_xts: length %zu is not a "
		               "multiple of %d",
		               len, P11_XTS_SECTOR);
	if (len && first > UINT64_MAX - (len / P11_XTS_SECTOR - 1))
		return err_set(ERR_USAGE, "p11_xts: sectors past 2^64");
	xts_dir_get(x->fn, decrypt, &d);
	/* a live encryption holds the session decryption needs */
	if (decrypt)
		xts_end_live(x, x->sh, &x->data_open);
	if (x->tweak_key == CK_INVALID_HANDLE)
		return xts_native(x, &d, buf, len, first);
	return xts_two_key(x, &d, buf, len, first, decrypt);
}

enum err p11_xts_encrypt(struct p11_xts *x, uint8_t *buf, size_t len,
                         uint64_t first_sector)
{
	return xts_run(x, buf, len, first_sector, 0);
}

enum err p11_xts_decrypt(struct p11_xts *x, uint8_t *buf, size_t len,
                         uint64_t first_sector)
{
	return xts_run(x, buf, len, first_sector, 1);
}

/* Switch to per_op chunks per operation, with a secmem T0 buffer sized
 * for one such window; on failure the engine keeps its old geometry. */
static enum err xts_set_per_op(struct p11_xts *x, size_t per_op)
{
	size_t len = x->chunk * per_op / P11_XTS_SECTOR * BLOCK;
	uint8_t *t0;

	if (x->tweak_key != CK_INVALID_HANDLE) {
		t0 = secmem_alloc(len);
		if (!t0)
			return err_set(ERR_NOMEM,
			               "p11_xts: %zu bytes of "
			               "secure memory for tweaks",
			               len);
		secmem_free(x->t0);
		x->t0 = t0;
	}
	x->per_op = per_op;
	return ERR_OK;
}

static enum err xts_check_geometry(size_t chunk, size_t per_op)
{
	if (chunk == 0 || chunk % P11_XTS_SECTOR || chunk > CHUNK_MAX)
		return err_set(ERR_USAGE,
		               "p11_xts: chunk %zu must be a "
		               "multiple of %d up to %u",
		               chunk, P11_XTS_SECTOR, CHUNK_MAX);
	if (per_op == 0 || per_op > WINDOW_MAX / chunk)
		return err_set(ERR_USAGE,
		               "p11_xts: %zu chunks of %zu bytes "
		               "per operation exceed %u bytes",
		               per_op, chunk, WINDOW_MAX);
	return ERR_OK;
}

enum err p11_xts_new(struct p11_xts **out, CK_FUNCTION_LIST *fn,
                     CK_SESSION_HANDLE sh, CK_OBJECT_HANDLE data_key,
                     CK_OBJECT_HANDLE tweak_key, size_t chunk)
{
	struct p11_xts *x = NULL;
	size_t per_op;
	enum err r;

	if (!out)
		return err_set(ERR_USAGE, "p11_xts_new: no result pointer");
	*out = NULL;
	if (!fn || data_key == CK_INVALID_HANDLE)
		return err_set(ERR_USAGE, "p11_xts_new: no module or no key");
	if (data_key == tweak_key)
		return err_set(ERR_USAGE, "p11_xts_new: data and tweak key "
		                          "are the same object");
	if (chunk == 0)
		chunk = P11_XTS_DEFAULT_CHUNK;
	per_op = chunk < P11_XTS_DEFAULT_WINDOW ? P11_XTS_DEFAULT_WINDOW / chunk
	                                        : 1;
	r = xts_check_geometry(chunk, per_op);
	if (r != ERR_OK)
		return r;
	x = calloc(1, sizeof(*x));
	if (!x)
		return err_set(ERR_NOMEM, "p11_xts_new");
	*x = (struct p11_xts){ .fn = fn,
		               .sh = sh,
		               .data_key = data_key,
		               .tweak_key = tweak_key,
		               .chunk = chunk,
		               .piece = XTS_DECRYPT_PIECE,
		               .tsh = CK_INVALID_HANDLE };
	r = xts_set_per_op(x, per_op);
	if (r != ERR_OK)
		goto out;
	*out = x;
	x = NULL;
out:
	p11_xts_free(x);
	return r;
}

enum err p11_xts_open(struct p11_xts **out, struct p11_session *s,
                      const struct p11_dek *dek, size_t chunk)
{
	if (!s || !dek) {
		if (out)
			*out = NULL;
		return err_set(ERR_USAGE, "p11_xts_open: no session or DEK");
	}
	return p11_xts_new(out, p11_session_fn(s), p11_session_handle(s),
	                   dek->data, dek->tweak, chunk);
}

enum err p11_xts_set_live(struct p11_xts *x, CK_SESSION_HANDLE tweak_session)
{
	if (!x)
		return err_set(ERR_USAGE, "p11_xts_set_live: no engine");
	if (tweak_session == CK_INVALID_HANDLE || tweak_session == x->sh)
		return err_set(ERR_USAGE, "p11_xts_set_live: the tweak key "
		                          "needs a session of its own");
	if (x->tweak_key == CK_INVALID_HANDLE)
		return ERR_OK; /* native XTS: one operation per sector */
	xts_end_live(x, x->sh, &x->data_open);
	xts_end_live(x, x->tsh, &x->tweak_open);
	x->tsh = tweak_session;
	x->live_tweak = x->live_data = true;
	return ERR_OK;
}

enum err p11_xts_set_piece(struct p11_xts *x, size_t piece)
{
	if (!x)
		return err_set(ERR_USAGE, "p11_xts_set_piece: no engine");
	if (piece == 0 || piece % P11_XTS_SECTOR || piece > WINDOW_MAX)
		return err_set(ERR_USAGE,
		               "p11_xts: decryption piece %zu must be a "
		               "multiple of %d up to %u",
		               piece, P11_XTS_SECTOR, WINDOW_MAX);
	x->piece = piece;
	return ERR_OK;
}

enum err p11_xts_live(struct p11_xts *x, struct p11_session *tweak_session)
{
	if (!tweak_session)
		return err_set(ERR_USAGE, "p11_xts_live: no session");
	return p11_xts_set_live(x, p11_session_handle(tweak_session));
}

enum err p11_xts_set_stream(struct p11_xts *x, size_t chunks_per_op)
{
	enum err r;

	if (!x)
		return err_set(ERR_USAGE, "p11_xts_set_stream: no engine");
	r = xts_check_geometry(x->chunk, chunks_per_op);
	if (r != ERR_OK)
		return r;
	return xts_set_per_op(x, chunks_per_op);
}

void p11_xts_free(struct p11_xts *x)
{
	if (!x)
		return;
	xts_end_live(x, x->sh, &x->data_open);
	xts_end_live(x, x->tsh, &x->tweak_open);
	secmem_free(x->t0); /* wipes */
	free(x);
}
