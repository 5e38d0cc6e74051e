/* SPDX-License-Identifier: MIT */
/* p11_tmpl.h - a fixed-size attribute template built one attribute at a
 * time; values are borrowed (they must outlive the call that uses them),
 * booleans point at static CK_TRUE / CK_FALSE. */
#ifndef P11SEAL_P11_TMPL_H
#define P11SEAL_P11_TMPL_H

#include <stdbool.h>

#include "p11.h"

#define P11_TMPL_MAX 32

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

#endif
