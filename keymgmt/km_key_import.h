/* SPDX-License-Identifier: MIT */
/* km_key_import.h - a DEK from an IBM vhd-util key file (exactly 32 or 64
 * raw bytes) into the token as a sensitive, never extractable DEK. The
 * bytes sit only in secure memory and are wiped on every path. (DEK
 * bundles from a bridge token: km_airgap.h.) */
#ifndef P11SEAL_KM_KEY_IMPORT_H
#define P11SEAL_KM_KEY_IMPORT_H

#include "err.h"
#include "km_dek_store.h"

struct p11_session;

/* Import the key file at path as DEK label (km_dek_store); out->dek.size
 * is the file's length. The file itself is left alone: the caller tells
 * the user it is still a plaintext copy. */
enum err km_key_import_raw(struct p11_session *s, const char *label,
                           const char *path, struct km_dek_stored *out);

#endif
