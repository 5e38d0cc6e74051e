/* SPDX-License-Identifier: MIT */
/* km_xts.h - a DEK in the token as the vhd pipeline's sector cipher: each
 * worker thread gets its own session on the token and its own XTS engine
 * (PKCS#11 sessions must not be shared by threads). The pipeline never
 * learns where the key lives. */
#ifndef P11SEAL_KM_XTS_H
#define P11SEAL_KM_XTS_H

#include <stddef.h>

#include "vhd_cipher.h"

struct p11_dek;
struct p11_session;

struct km_xts_key {
	struct p11_session *s;     /* logged in; each worker clones it */
	const struct p11_dek *dek; /* from p11_dek_find on s */
	size_t chunk;              /* bytes per token call; 0 = default */
	unsigned workers;          /* contexts the job makes at once */
};

/* The cipher for k; k, its session and DEK must outlive the job. */
struct vhd_cipher km_xts_cipher(struct km_xts_key *k);

#endif
