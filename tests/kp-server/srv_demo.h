/* SPDX-License-Identifier: MIT */
/* srv_demo.h - `kp-server --demo DIR`: make (or reuse) everything the
 * server needs in DIR, then say how to point p11seal at it. */
#ifndef P11SEAL_SRV_DEMO_H
#define P11SEAL_SRV_DEMO_H

#include "err.h"

struct srv_config;

/* Token folder and token, CA and server certificate, API key, instance
 * id and state file in dir, filled into c (--module defaults to
 * SoftHSM's). */
enum err srv_demo_setup(const char *dir, struct srv_config *c);

/* After start-up: write DIR/env and print how to use the server at url. */
enum err srv_demo_announce(const char *url);

#endif
