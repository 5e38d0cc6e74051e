/* SPDX-License-Identifier: MIT */
/* p11_xts.h - AES-XTS over 512-byte sectors through a PKCS#11 token.
 * Native CKM_AES_XTS when the DEK is one XTS key (one token call per
 * sector: PKCS#11 cannot batch tweaks); otherwise the two-key construction:
 * per window of sectors, one ECB call (tweak key) for all sector tweaks and
 * one ECB operation (data key) over the data, fed chunk by chunk
 * (decryption: one C_Decrypt per 1 MiB piece, see p11_xts.c).
 * Tweak = sector number as LE64 + 8 zero bytes, which equals blktap's
 * "aes-xts-plain" (LE32 + 12 zeros) for every sector below 2^32, i.e.
 * every sector a VHD can have. */
#ifndef P11SEAL_P11_XTS_H
#define P11SEAL_P11_XTS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "p11.h"

#define P11_XTS_SECTOR        512
#define P11_XTS_DEFAULT_CHUNK (64u * 1024) /* from the chunk-size sweep */
/* Data per token operation by default: chunks are streamed through one
 * operation with C_EncryptUpdate up to this much (p11_xts_set_stream).
 * 2 MiB = one VHD block, and its tweaks (64 KiB) fill one ECB call of the
 * size SoftHSM handles best. Measured with tests/bench/xts_bench. */
#define P11_XTS_DEFAULT_WINDOW (2048u * 1024)

struct p11_dek;
struct p11_session;
struct p11_xts;

/* Engine for dek (from p11_dek_find) on session s: native XTS or the
 * two-key construction, as the DEK is made. chunk = bytes per data call
 * of the two-key path (multiple of 512 up to 4 MiB; 0 = default; the
 * native path always makes one call per sector). s and dek must outlive
 * the engine; one engine per session, with no other operation active on
 * it while the engine runs. */
enum err p11_xts_open(struct p11_xts **out, struct p11_session *s,
                      const struct p11_dek *dek, size_t chunk);

/* Encrypt/decrypt len bytes in place (len a multiple of 512); the first
 * 512 bytes are sector first_sector, the next first_sector+1, ...
 * ERR_USAGE for a bad length or a sector range past 2^64; a token failure
 * is reported as p11_fail() classes it, naming the call and the key. On
 * any failure buf holds neither plaintext nor ciphertext: discard it. */
enum err p11_xts_encrypt(struct p11_xts *x, uint8_t *buf, size_t len,
                         uint64_t first_sector);
enum err p11_xts_decrypt(struct p11_xts *x, uint8_t *buf, size_t len,
                         uint64_t first_sector);

/* Chunks per token operation: 1 = C_EncryptInit + C_Encrypt per chunk
 * (and one tweak call per chunk); n > 1 = one tweak call for n chunks, one
 * C_EncryptInit and n C_EncryptUpdate calls. Default: as many chunks as fit
 * P11_XTS_DEFAULT_WINDOW. ERR_USAGE if n is 0 or n chunks exceed 4 MiB. */
enum err p11_xts_set_stream(struct p11_xts *x, size_t chunks_per_op);

/* Live operations: the tweak key's ECB encryption stays open on
 * tweak_session (another session of the same token, used by nothing else
 * while the engine lives) and, for encryption, the data key's on the
 * engine's session, from one window to the next. A 2 MiB window then
 * costs one tweak call and 2 MiB / chunk data calls, with no
 * C_EncryptInit or final call: fewer round trips to a network HSM, and
 * SoftHSM re-reads a key's object file on every init. Decryption keeps
 * one operation per piece (SoftHSM 2.6 keeps every decrypt input of an
 * operation until its final call). A token that holds ECB output back
 * gets its own final call and one operation per window from then on.
 * Native XTS: no change. ERR_USAGE without a second session. */
enum err p11_xts_set_live(struct p11_xts *x, CK_SESSION_HANDLE tweak_session);
enum err p11_xts_live(struct p11_xts *x, struct p11_session *tweak_session);

/* Bytes per C_Decrypt call of the two-key path (a multiple of 512 up to
 * 4 MiB; default 1 MiB, the fastest on SoftHSM). A token that copies
 * its input holds a few times this per session during the call: smaller
 * pieces bound that memory when many sessions decrypt at once. */
enum err p11_xts_set_piece(struct p11_xts *x, size_t piece);

/* End live operations, wipe key-derived buffers and free; NULL is a
 * no-op. */
void p11_xts_free(struct p11_xts *x);

#endif
