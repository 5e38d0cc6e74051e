/* SPDX-License-Identifier: MIT */
/* vhd_verify.h - would blktap (tapdisk, vhd-util check) take this image as
 * an encrypted VHD? The properties IBM's importer can rely on. */
#ifndef P11SEAL_VHD_VERIFY_H
#define P11SEAL_VHD_VERIFY_H

#include "err.h"
#include "vhd_reader.h"

/* ERR_OK, or ERR_VERIFY naming the first property blktap would reject:
 * dynamic type, creator "tap" 1.2..1.3 (so the batmap is read), 2 MiB
 * blocks, keyhash present, geometry within CHS(size), every allocated
 * block marked full in the batmap (its sectors all present). */
enum err vhd_verify_blktap(const struct vhd_reader *r);

#endif
