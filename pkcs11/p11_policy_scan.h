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

/* A trusted key's CKA_WRAP_TEMPLATE names the class, the key type and the
 * mechanism list of what it may carry and wrap_with_trusted=true
 * (p11_tmpl_station_wrap); {AES, wrap_with_trusted} alone, as p11seal
 * made it before issue 11, let a root key leave with the DEK halves. */
bool p11_policy_wrap_pinned(struct p11_session *s, CK_OBJECT_HANDLE h);

/* A transport key's CKA_UNWRAP_TEMPLATE names the class and key type and
 * forces no wrap, no unwrap, sensitive and not extractable
 * (p11_tmpl_dek_unwrap); {sensitive, not extractable} alone, as p11seal
 * made it before issue 11, takes a chosen blob as a key that wraps and
 * decrypts, or as another key type. */
bool p11_policy_unwrap_pinned(struct p11_session *s, CK_OBJECT_HANDLE h);

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
