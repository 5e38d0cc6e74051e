/* SPDX-License-Identifier: MIT */
/* p11_policy.h - which classic key-extraction attacks (Clulow 2003, Tookan
 * 2010; docs/pkcs11-tokens.md §4) each key of a token is open to,
 * judged from what p11_policy_scan read. Any key counts, whatever tool
 * made it. */
#ifndef P11SEAL_P11_POLICY_H
#define P11SEAL_P11_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "p11.h"
#include "p11_obj.h"

enum p11_attack {
	P11A_WRAP_DECRYPT,     /* wrap a key under it, decrypt the blob */
	P11A_UNWRAP_ENCRYPT,   /* encrypt a chosen value, unwrap it as a key */
	P11A_EXTRACTABLE,      /* extractable without wrap_with_trusted */
	P11A_NOT_SENSITIVE,    /* CKA_SENSITIVE false (or not reported) */
	P11A_READABLE,         /* the token returned the secret value */
	P11A_REIMPORT,         /* unwraps into non-sensitive/extractable keys */
	P11A_WEAK_WRAPPER,     /* weaker than a key it could wrap; RSA < 3072 */
	P11A_MUTABLE,          /* usage flags can still be switched on */
	P11A_ROOT_EXTRACTABLE, /* a root key that can leave the token */
	P11A_LOOSE_TRUSTED,    /* trusted key whose wrap template pins little */
	P11A_IMPORT_LEFTOVER,  /* what an interrupted import left: a trusted
	                        * import key, a half-made root key copy */
	P11A_ROOT_ORACLE,      /* a root Key Protect holds that still has a
	                        * usage: its keystream opens the WDEKs */
	P11A_LOOSE_UNWRAP,     /* RSA unwrap key whose template pins only
	                        * sensitive and not extractable */
	P11A_COUNT
};

/* What the audit knows of one key object. */
struct p11_policy_key {
	struct p11_obj_info info;
	bool readable;         /* CKA_VALUE / CKA_PRIVATE_EXPONENT came back */
	bool unwrap_tmpl_safe; /* CKA_UNWRAP_TEMPLATE forces sensitive=true
	                        * and extractable=false or wrap_with_trusted */
	bool wrap_tmpl_pinned; /* CKA_WRAP_TEMPLATE names class, key type,
	                        * mechanisms and wrap_with_trusted=true */
	bool unwrap_tmpl_pinned; /* CKA_UNWRAP_TEMPLATE names class and key
	                          * type and forbids wrap and unwrap */
	bool kp_root;            /* Key Protect holds its material (the caller
	                          * says so from metadata or CKA_ID) */
};

/* What the audit knows of the token as a whole, from trials on session
 * keys. NSS softoken 3.87 fails both (measured). */
struct p11_policy_token {
	bool extractable_enforced;  /* CKA_EXTRACTABLE=false: no C_WrapKey */
	bool trusted_wrap_enforced; /* CKA_WRAP_WITH_TRUSTED: only under a
	                             * CKA_TRUSTED key */
};

struct p11_finding {
	size_t key; /* index into the keys judged */
	enum p11_attack attack;
	char why[200];
};

/* Short fixed name of an attack ("wrap-then-decrypt"); never NULL. */
const char *p11_policy_attack_name(enum p11_attack a);

/* Judge keys[0..n) of token tok as a whole (pure): *out is a malloc'd
 * array of *nf findings (free()), in key order; NULL when there are none. */
enum err p11_policy_check(const struct p11_policy_key *keys, size_t n,
                          const struct p11_policy_token *tok,
                          struct p11_finding **out, size_t *nf);

#endif
