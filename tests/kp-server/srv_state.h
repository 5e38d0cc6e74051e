/* SPDX-License-Identifier: MIT */
/* srv_state.h - kp-server's state file: keys, versions, aliases, states
 * and import token metadata (never key material), replaced atomically. */
#ifndef SRV_STATE_H
#define SRV_STATE_H

#include "err.h"
#include "srv.h"

/* Write the state file (temp file, fsync, rename, fsync of the folder);
 * a no-op without --state. Caller holds the lock. */
enum err srv_state_save(struct srv *srv);

/* Read the state file into srv->keys and srv->itok at start-up; a missing
 * file is an empty state. ERR_FORMAT if it belongs to another instance
 * or does not parse. */
enum err srv_state_load(struct srv *srv);

#endif
