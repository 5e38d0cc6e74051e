/* SPDX-License-Identifier: MIT */
/* km_airgap.h - the DEK handover to an air-gapped station. The bridge
 * wraps a DEK for one SO-trusted station key into a bundle bound to the
 * DEK and signed by the bridge's signer key; the station checks the
 * signature against a signer its SO pinned before anything is unwrapped,
 * then keyhash and binding inside its token before anything is stored,
 * and keeps the DEK sensitive and never extractable. Neither side ever
 * holds the DEK in process memory. */
#ifndef P11SEAL_KM_AIRGAP_H
#define P11SEAL_KM_AIRGAP_H

#include <stdbool.h>

#include "err.h"
#include "km_bundle.h"
#include "p11_dek.h"

struct p11_session;
struct evp_pkey_st;

enum km_airgap_hash {
	KM_AIRGAP_HASH_BEST,   /* SHA-256 if the token can, else SHA-1 */
	KM_AIRGAP_HASH_SHA1,   /* for a station that can only do SHA-1 */
	KM_AIRGAP_HASH_SHA256, /* refuse rather than use SHA-1 */
};

/* Bridge (user session): fill *b for the DEK labelled label, wrapped under
 * the SO-trusted key that holds station, with keyhash, the Key Protect
 * fields of the DEK's metadata, created = now, the binding computed in
 * the token and the signature of the bundle signer key labelled sign_with
 * (NULL: the token's only one). ERR_NOT_FOUND / ERR_POLICY when station
 * is not trusted, ERR_POLICY when the DEK is not exportable,
 * ERR_NOT_FOUND without a signer key, ERR_USAGE when several are there
 * and sign_with is NULL. */
enum err km_airgap_export(struct p11_session *s, const char *label,
                          struct evp_pkey_st *station, enum km_airgap_hash want,
                          const char *sign_with, struct km_bundle *b);

/* Station (user session, read-write): verify b's signature in the token
 * under the pinned signer it names, before anything is unwrapped; then
 * check b against the transport key labelled unwrap_with and create the
 * DEK labelled label (NULL: b's label) with its metadata (size, origin,
 * bridge label, bundle time, transport and signer fingerprints, the Key
 * Protect fields); *meta_kept is false on a token that keeps no data
 * objects (NSS). ERR_POLICY for an unknown signer or a bundle made for
 * another station key, ERR_VERIFY for a tampered one (signature, keyhash
 * or binding mismatch, halves that do not unwrap), ERR_EXISTS if the
 * label or the same DEK is there. On any error the token is as before. */
enum err km_airgap_import(struct p11_session *s, const struct km_bundle *b,
                          const char *unwrap_with, const char *label,
                          struct p11_dek *out, bool *meta_kept);

#endif
