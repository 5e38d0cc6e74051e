/* SPDX-License-Identifier: MIT */
/* http_tls.h - the transport settings every p11seal HTTPS client shares
 * (Key Protect, IAM, Cloud Object Storage): https only, no redirects,
 * peer and host always verified, TLS >= 1.2, --cacert adding anchors. */
#ifndef P11SEAL_HTTP_TLS_H
#define P11SEAL_HTTP_TLS_H

#include <curl/curl.h>

#include "err.h"

/* Apply the fixed security settings, the timeouts and the user agent to
 * c; cacert (PEM file of extra anchors) may be NULL. ERR_HTTP when
 * libcurl lacks one of them. */
enum err http_tls_setup(CURL *c, const char *cacert, long connect_timeout_ms,
                        long timeout_ms);

/* A hint for the TLS failures users can fix themselves (msg: libcurl's
 * error text); never NULL. */
const char *http_tls_hint(const char *msg);

#endif
