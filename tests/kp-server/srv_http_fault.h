/* SPDX-License-Identifier: MIT */
/* srv_http_fault.h - the libmicrohttpd responses behind the fault kinds
 * that cannot be expressed as a normal reply: streamed huge bodies, lying
 * Content-Length, deep nesting, non-JSON. */
#ifndef SRV_HTTP_FAULT_H
#define SRV_HTTP_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "srv_fault.h"

/* A JSON-looking body of mib MiB made on the fly (nothing allocated);
 * chunked: no Content-Length. */
struct MHD_Response *srv_http_fault_huge(int64_t mib, bool chunked);

/* Content-Length len, but only cut bytes of text (cJSON-allocated, taken
 * over) are sent before the connection is closed. cut < 0: half. */
struct MHD_Response *srv_http_fault_truncated(char *text, size_t len,
                                              int64_t cut);

/* depth nested JSON arrays. */
struct MHD_Response *srv_http_fault_deep(int64_t depth);

/* A copy of text as the body. */
struct MHD_Response *srv_http_fault_text(const char *text);

#endif
