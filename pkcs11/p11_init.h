/* SPDX-License-Identifier: MIT */
/* p11_init.h - initialise a token: C_InitToken with the SO PIN and label,
 * then the user PIN set by the SO. */
#ifndef P11SEAL_P11_INIT_H
#define P11SEAL_P11_INIT_H

#include "err.h"
#include "p11_session.h"

struct p11_module;

/* Initialise the token tok (from p11_token_list; its keys are destroyed)
 * as label (1..32 bytes) with so_pin, then log in as SO on it and set
 * user_pin. o gives the login policy (rw is implied). The caller wipes
 * both PINs. */
enum err p11_token_init(struct p11_module *m, const struct p11_token_desc *tok,
                        const char *label, const char *so_pin,
                        const char *user_pin, const struct p11_session_opts *o);

#endif
