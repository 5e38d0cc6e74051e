/* SPDX-License-Identifier: MIT */
/* vhd_encrypt.h - any input the reader accepts -> encrypted dynamic VHD
 * byte-compatible with `vhd-util copy -k` (IBM Cloud E2E encryption). */
#ifndef P11SEAL_VHD_ENCRYPT_H
#define P11SEAL_VHD_ENCRYPT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "vhd_batmap.h"
#include "vhd_cipher.h"
#include "vhd_pipeline.h"
#include "vhd_reader.h"

/* IBM Cloud classic imports disks up to 100 GB ("Imports are limited to
 * 100 GB disks"). The docs do not say GB or GiB; we warn above the smaller
 * reading, 10^11 bytes: a needless warning costs nothing, a missing one a
 * failed import. */
#define VHD_IMPORT_LIMIT 100000000000ull

/* ERR_FORMAT if in is already encrypted: a blktap batmap holding a
 * keyhash (cookie 1), named in the detail. vhd_encrypt checks it too. */
enum err vhd_encrypt_check_input(const struct vhd_reader *in);

/* True if the encrypted disk for in would exceed IBM's import limit. */
bool vhd_encrypt_over_import_limit(const struct vhd_reader *in);

/* Encrypt in into a new dynamic VHD at out_path. Every sector of a block
 * with any non-zero byte is encrypted (tweak = virtual LBA); all-zero
 * blocks stay unallocated. keyhash = SHA-256(32 zero bytes || DEK); the
 * nonce written is 32 zero bytes, as vhd-util writes it. */
enum err vhd_encrypt(const struct vhd_reader *in, const char *out_path,
                     const struct vhd_cipher *c,
                     const uint8_t keyhash[VHD_KEYHASH_LEN],
                     const struct vhd_job_opts *o);

/* True if the len bytes at p are all zero. */
bool vhd_encrypt_is_zero(const uint8_t *p, size_t len);

#endif
