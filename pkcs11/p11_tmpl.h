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

/* The head of a key object's template: CKA_CLASS *cls, CKA_KEY_TYPE
 * *type, CKA_LABEL label, CKA_ID id (id_len bytes). */
void p11_tmpl_key_head(struct p11_tmpl *t, const CK_OBJECT_CLASS *cls,
                       const CK_KEY_TYPE *type, const char *label,
                       const void *id, size_t id_len);

/* A public key's usage: not private, verifies only if verify, wraps only
 * if wrap, and never encrypts, recovers or derives. */
void p11_tmpl_public_use(struct p11_tmpl *t, bool verify, bool wrap);

/* Hardening a token may refuse, by level: 1 and up CKA_MODIFIABLE false
 * (opencryptoki 3.8.1 takes only this), 2 also CKA_ALLOWED_MECHANISMS
 * {*only} and CKA_COPYABLE false; 0 none. */
void p11_tmpl_harden(struct p11_tmpl *t, int level,
                     const CK_MECHANISM_TYPE *only);

/* True if a token may have refused a template only for one of its
 * optional (hardening) attributes: worth trying again with fewer. */
bool p11_tmpl_retry(CK_RV rv);

struct p11_session;

/* Fill t for a hardening level (2: every hardening attribute, 0: none). */
typedef void (*p11_tmpl_build_fn)(struct p11_tmpl *t, int level, void *ctx);

/* C_CreateObject with build's template at level 2, then 1, then 0 while
 * the token refuses it as p11_tmpl_retry says. Returns the last CK_RV. */
CK_RV p11_tmpl_create(struct p11_session *s, p11_tmpl_build_fn build, void *ctx,
                      CK_OBJECT_HANDLE *out);

/* C_GenerateKeyPair by mech with the two templates (a full template is
 * never sent: CKR_TEMPLATE_INCOMPLETE). */
CK_RV p11_tmpl_generate_pair(struct p11_session *s, CK_MECHANISM_TYPE mech,
                             const struct p11_tmpl *pub,
                             const struct p11_tmpl *priv,
                             CK_OBJECT_HANDLE *hpub, CK_OBJECT_HANDLE *hpriv);

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
