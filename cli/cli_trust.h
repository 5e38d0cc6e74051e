/* SPDX-License-Identifier: MIT */
/* cli_trust.h - what the two SO trust steps share: `key trust-transport`
 * on a bridge (a station's RSA key, for wrapping) and `key trust-signer`
 * on a station (a bridge's ECDSA key, for bundle signatures). */
#ifndef P11SEAL_CLI_TRUST_H
#define P11SEAL_CLI_TRUST_H

#include "err.h"

struct cli;
struct cli_audit_rec;
struct cli_token;
struct p11_session;

/* The options both take: --pubkey FILE --label L [--fingerprint HEX]
 * [--so-pin-source SRC]; --so-pin is refused. */
struct cli_trust_args {
	const char *pubkey;
	const char *label;
	const char *so_pin_source;
	const char *fingerprint; /* as given, or NULL */
	const char *want;        /* want_buf once checked; NULL if not given */
	char want_buf[65];
};

/* Parse argv into a (zeroed first), --fingerprint checked and normalised.
 * Returns -1 to go on, else the exit code (0 after --help). */
int cli_trust_parse(struct cli *c, int argc, char **argv,
                    struct cli_trust_args *a);

/* The SO's part of a trust step, run while the SO is logged in. */
typedef enum err (*cli_trust_step)(struct p11_session *s, void *ctx);

/* Run step as the SO on the open token t (RW), audited as rec from a
 * user session: the user (PIN from the token's pin source when the token
 * needs a login) logs in for rec's intent, out for the SO's login (SO PIN
 * from so_pin_src) and step, and in again for the result record.
 * SoftHSM's SO cannot see the audit key (a private object), and a token
 * holds one login at a time. Fail-closed: no intent, no SO login. */
enum err cli_trust_audited(const struct cli *c, struct cli_token *t,
                           const struct cli_audit_rec *rec,
                           const char *so_pin_src, cli_trust_step step,
                           void *ctx);

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
