/* SPDX-License-Identifier: MIT */
/* srv_http.h - kp-server's HTTPS front: libmicrohttpd with GnuTLS, one
 * thread per connection, request limits, correlation ids, fault
 * injection and the request log. */
#ifndef SRV_HTTP_H
#define SRV_HTTP_H

#include <stddef.h>

#include "err.h"
#include "srv.h"

struct srv_http;

/* Listen on srv->cfg.listen (loopback unless allow_remote) with the
 * configured certificate; url gets "https://HOST:PORT". */
enum err srv_http_start(struct srv *srv, struct srv_http **out, char *url,
                        size_t cap);

/* Stop serving (waits for connection threads); NULL is a no-op. */
void srv_http_stop(struct srv_http *h);

#endif
