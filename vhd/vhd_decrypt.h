/* SPDX-License-Identifier: MIT */
/* vhd_decrypt.h - encrypted dynamic VHD (vhd-util copy -k, or ours) ->
 * sparse raw image, plain dynamic VHD, or a caller's sink. The key is
 * checked against the stored keyhash before anything is written. */
#ifndef P11SEAL_VHD_DECRYPT_H
#define P11SEAL_VHD_DECRYPT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "vhd_batmap.h"
#include "vhd_cipher.h"
#include "vhd_pipeline.h"
#include "vhd_reader.h"

enum vhd_plain {
	VHD_PLAIN_RAW, /* unallocated blocks become holes */
	VHD_PLAIN_VHD, /* dynamic VHD, same layout, keyhash cookie 0 */
};

/* The stored keyhash of in, or ERR_FORMAT naming the file when in is not
 * an encrypted VHD (no batmap or keyhash cookie 0). */
enum err vhd_decrypt_keyhash(const struct vhd_reader *in,
                             const struct vhd_keyhash **out);

/* ERR_VERIFY unless hash (SHA-256(stored nonce || DEK), computed by the
 * caller) equals the stored hash. */
enum err vhd_decrypt_check(const struct vhd_reader *in,
                           const uint8_t hash[VHD_KEYHASH_LEN]);

/* Check the key, then decrypt in into out_path as fmt. Only sectors the
 * VHD stores are decrypted; the rest read as zeros. */
enum err vhd_decrypt(const struct vhd_reader *in, const char *out_path,
                     enum vhd_plain fmt, const struct vhd_cipher *c,
                     const uint8_t hash[VHD_KEYHASH_LEN],
                     const struct vhd_job_opts *o);

/* Receives block k's plaintext: len bytes, 2 MiB except for a last block
 * that the virtual size ends inside. */
typedef enum err vhd_decrypt_sink(void *arg, uint32_t k, const uint8_t *buf,
                                  size_t len);

/* Check the key, then hand every block's plaintext (zeros where nothing
 * is stored) to sink in ascending k: exactly the virtual size in all. */
enum err vhd_decrypt_each(const struct vhd_reader *in,
                          const struct vhd_cipher *c,
                          const uint8_t hash[VHD_KEYHASH_LEN],
                          vhd_decrypt_sink *sink, void *arg,
                          const struct vhd_job_opts *o);

#endif
