/* SPDX-License-Identifier: MIT */
/* cli_trust.h - what the two SO trust steps share: `key trust-transport`
 * on a bridge (a station's RSA key, for wrapping) and `key trust-signer`
 * on a station (a bridge's ECDSA key, for bundle signatures). */
#ifndef P11SEAL_CLI_TRUST_H
#define P11SEAL_CLI_TRUST_H

#include "err.h"

struct p11_session;

/* Read the SO PIN from src (NULL: prompt) and log the SO in; the PIN is
 * wiped on every path. */
enum err cli_trust_so_login(struct p11_session *s, const char *src);

/* ERR_USAGE unless hex is 64 hex digits (either case, ':' between bytes
 * allowed), which *out gets in lower case without separators. */
enum err cli_trust_parse_fingerprint(const char *hex, char out[65]);

/* want NULL: ERR_OK. Else ERR_VERIFY naming both unless got equals
 * want, the fingerprint the SO was given over a second channel. */
enum err cli_trust_check_fingerprint(const char *want, const char *got);

#endif
