/* SPDX-License-Identifier: MIT */
/* p11shim.h - TEST-ONLY: the hostile layer of the test shim, chained on
 * top of the forwarding and XTS-emulating layer in p11shim.c. */
#ifndef P11SEAL_P11SHIM_H
#define P11SEAL_P11SHIM_H

#include "../../pkcs11/p11.h"

/* Read P11SHIM_HOSTILE, P11SHIM_FAIL and P11SHIM_REFUSE (see
 * p11shim_hostile.c); when any is set, route list's functions through the hostile layer, which
 * forwards to a copy of list as it was. Called once, lock held. */
void p11shim_hostile_install(CK_FUNCTION_LIST *list);

/* Read P11SHIM_LATENCY_US (p11shim_latency.c); when set, delay every call
 * of list by that many microseconds, forwarding to a copy of list as it
 * was. Called once, lock held, after p11shim_hostile_install. */
void p11shim_latency_install(CK_FUNCTION_LIST *list);

#endif
