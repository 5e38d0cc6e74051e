/* SPDX-License-Identifier: MIT */
/* p11_tmpl.c - attribute templates without per-attribute bookkeeping in
 * every caller. */
#include "p11_tmpl.h"

static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

void p11_tmpl_add(struct p11_tmpl *t, CK_ATTRIBUTE_TYPE type, const void *v,
                  CK_ULONG len)
{
	if (t->n < P11_TMPL_MAX)
		t->a[t->n++] = (CK_ATTRIBUTE){ type, p11_unconst(v), len };
	else
		t->full = true;
}

void p11_tmpl_bool(struct p11_tmpl *t, CK_ATTRIBUTE_TYPE type, bool v)
{
	p11_tmpl_add(t, type, v ? &yes : &no, sizeof(CK_BBOOL));
}
