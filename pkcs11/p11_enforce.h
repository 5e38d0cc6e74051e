/* SPDX-License-Identifier: MIT */
/* p11_enforce.h - does the token enforce what the air-gapped handover
 * relies on? Some store CKA_WRAP_WITH_TRUSTED and CKA_UNWRAP_TEMPLATE but
 * ignore them (NSS softoken 3.87, measured), so a real trial on throw-away
 * session keys decides, not the attribute read-back. */
#ifndef P11SEAL_P11_ENFORCE_H
#define P11SEAL_P11_ENFORCE_H

#include "err.h"

struct p11_session;

/* ERR_OK if a key marked CKA_WRAP_WITH_TRUSTED cannot be wrapped under an
 * untrusted key; ERR_UNSUPPORTED naming the token if it can, or if the
 * trial cannot run. Works in user and SO sessions. */
enum err p11_enforce_trusted_wrap(struct p11_session *s);

/* ERR_OK if an unwrapping key's CKA_UNWRAP_TEMPLATE (p11_tmpl_dek_unwrap)
 * stops an unwrap into a readable key, a key that can wrap and decrypt,
 * and a key of another type; ERR_UNSUPPORTED naming the token if it does
 * not, or if the trial cannot run. */
enum err p11_enforce_unwrap_template(struct p11_session *s);

/* ERR_OK if a wrapping key's CKA_WRAP_TEMPLATE (p11_tmpl_station_wrap,
 * less CKA_TOKEN and CKA_WRAP_WITH_TRUSTED) lets a DEK half's profile
 * through and stops a root key's; ERR_UNSUPPORTED naming the token if it
 * does not, or if the trial cannot run. Works in user and SO sessions. */
enum err p11_enforce_wrap_template(struct p11_session *s);

#endif
