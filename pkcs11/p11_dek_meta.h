/* SPDX-License-Identifier: MIT */
/* p11_dek_meta.h - a DEK's size from the p11seal metadata beside it, for
 * tokens that record no CKA_VALUE_LEN for unwrapped keys (SoftHSM 2.6.1
 * leaves it 0 and refuses it in the unwrap template: softhsm/SoftHSMv2
 * issue #628). */
#ifndef P11SEAL_P11_DEK_META_H
#define P11SEAL_P11_DEK_META_H

#include <stddef.h>

#include "err.h"

struct p11_session;

/* The "size" member (32 or 64) of label's metadata. ERR_NOT_FOUND naming
 * the cause when there is no metadata or no valid size in it. */
enum err p11_dek_meta_size(struct p11_session *s, const char *label,
                           size_t *size);

#endif
