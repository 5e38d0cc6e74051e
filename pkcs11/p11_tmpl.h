/* SPDX-License-Identifier: MIT */
/* p11_tmpl.h - a fixed-size attribute template built one attribute at a
 * time; values are borrowed (they must outlive the call that uses them),
 * booleans point at static CK_TRUE / CK_FALSE. Also the pinned
 * CKA_WRAP_TEMPLATE and CKA_UNWRAP_TEMPLATE values of the keys that move
 * DEKs between tokens (static values; nothing to free). */
#ifndef P11SEAL_P11_TMPL_H
#define P11SEAL_P11_TMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "p11.h"

#define P11_TMPL_MAX        32
#define P11_TMPL_PINNED_MAX 16

struct p11_tmpl {
	CK_ATTRIBUTE a[P11_TMPL_MAX];
	CK_ULONG n;
	bool full; /* an attribute did not fit: never send this template */
};

/* Append type = v (len bytes); past P11_TMPL_MAX attributes the template
 * is marked full instead. */
void p11_tmpl_add(struct p11_tmpl *t, CK_ATTRIBUTE_TYPE type, const void *v,
                  CK_ULONG len);

/* Append a CK_BBOOL attribute. */
void p11_tmpl_bool(struct p11_tmpl *t, CK_ATTRIBUTE_TYPE type, bool v);

/* A transport key's CKA_UNWRAP_TEMPLATE: an AES secret key with a DEK
 * half's usage at most (no wrap, unwrap, derive, sign, verify),
 * sensitive, not extractable, not modifiable. Returns the count. */
size_t p11_tmpl_dek_unwrap(CK_ATTRIBUTE t[P11_TMPL_PINNED_MAX]);

/* A trusted station key's CKA_WRAP_TEMPLATE: a DEK half made exportable
 * (token AES key, ECB only, extractable with CKA_WRAP_WITH_TRUSTED,
 * sensitive, no wrap, unwrap, derive, sign, verify). */
size_t p11_tmpl_station_wrap(CK_ATTRIBUTE t[P11_TMPL_PINNED_MAX]);

/* A trusted import key's CKA_WRAP_TEMPLATE: the ceremony's session root
 * material (AES-GCM only, or AES-CBC-PAD only when cbc), nothing else. */
size_t p11_tmpl_import_wrap(CK_ATTRIBUTE t[P11_TMPL_PINNED_MAX], bool cbc);

#endif
