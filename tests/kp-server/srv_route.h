/* SPDX-License-Identifier: MIT */
/* srv_route.h - map a request to its kp-server handler: the route table,
 * the IAM and Bluemix-Instance gate in front of /api/v2, and the /admin
 * gate (--faults, loopback only). */
#ifndef SRV_ROUTE_H
#define SRV_ROUTE_H

#include <stdbool.h>

#include "err.h"
#include "srv.h"

/* Run the handler for req (taking the server lock as the route needs)
 * and fill rep: ERR_OK or ERR_REMOTE with rep set; other errors mean the
 * server failed (the caller answers 500). */
enum err srv_route_dispatch(struct srv_req *req, struct srv_reply *rep);

/* True for /admin/ paths: never faulted, never logged. */
bool srv_route_is_admin(const char *path);

#endif
