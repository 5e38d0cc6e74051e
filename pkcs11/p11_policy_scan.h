/* SPDX-License-Identifier: MIT */
/* p11_policy_scan.h - read every key object of a token for p11_policy:
 * flags, unwrap template, and whether the token hands out its secret. */
#ifndef P11SEAL_P11_POLICY_SCAN_H
#define P11SEAL_P11_POLICY_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "p11.h"
#include "p11_policy.h"

struct p11_session;

/* Read object h: its info, whether its secret comes back (read into
 * secure memory and wiped at once) and its unwrap template. */
enum err p11_policy_scan_key(struct p11_session *s, CK_OBJECT_HANDLE h,
                             struct p11_policy_key *out);

/* Trials on throw-away session keys: does the token refuse to wrap a key
 * marked CKA_EXTRACTABLE=false, or one marked CKA_WRAP_WITH_TRUSTED,
 * under an untrusted key? A trial that cannot run counts as enforced
 * (nothing shown otherwise). Nothing is stored in the token. */
void p11_policy_scan_token(struct p11_session *s, struct p11_policy_token *tok);

/* Every secret, private and public key object of the token, probed, and
 * the token-wide facts in *tok. *out is malloc'd (free()); *n may be 0. */
enum err p11_policy_scan(struct p11_session *s, struct p11_policy_key **out,
                         size_t *n, struct p11_policy_token *tok);

#endif
