/* SPDX-License-Identifier: MIT */
/* p11_session.h - pick one token by URI, open sessions on it, log in. */
#ifndef P11SEAL_P11_SESSION_H
#define P11SEAL_P11_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "p11.h"

struct p11_module;
struct p11_uri;
struct p11_session;

struct p11_token_desc {
	CK_SLOT_ID slot;
	CK_TOKEN_INFO info;
	char label[33], manufacturer[33], model[17], serial[17];
	char uri[512];
};

/* List every slot with a token present. *out is malloc'd (free()). */
enum err p11_token_list(struct p11_module *m, struct p11_token_desc **out,
                        size_t *n);

/* Find exactly one token matching filter (NULL or no token attributes:
 * there must be exactly one token, or exactly one initialised one when
 * filter is NULL). ERR_NOT_FOUND if none or the one found is not
 * initialised, ERR_USAGE if several match (the detail lists them and says
 * which attribute to add). */
enum err p11_token_find(struct p11_module *m, const struct p11_uri *filter,
                        struct p11_token_desc *out);

/* How a session is opened, and the login policy its logins follow. The
 * policy is the caller's to decide (the CLI reads it from its
 * environment); this layer only applies it. */
struct p11_session_opts {
	bool rw;                  /* read-write session */
	bool allow_final_pin_try; /* log in even on the last PIN try */
};

/* Open a session on the token matching filter; o NULL = read-only,
 * never the final PIN try. */
enum err p11_session_open(struct p11_session **out, struct p11_module *m,
                          const struct p11_uri *filter,
                          const struct p11_session_opts *o);

/* Another session on the same token with the same options (for worker
 * threads); login state is shared by all sessions of the application. */
enum err p11_session_clone(struct p11_session *s, struct p11_session **out);

/* A read-write session on s's token for writing objects when s was
 * opened read-only (logged in already: a login belongs to the
 * application). *out is NULL when s is read-write itself. */
enum err p11_session_rw_sibling(struct p11_session *s,
                                struct p11_session **out);

/* C_Login as user (so=false) or SO. Refuses to spend the final PIN try
 * unless the session was opened with allow_final_pin_try. The caller
 * wipes pin; already logged in is success. */
enum err p11_session_login(struct p11_session *s, const char *pin,
                           size_t pin_len, bool so);

/* C_Logout: ends the SO or user login of the whole application (PKCS#11
 * allows one role at a time); not logged in is success. */
enum err p11_session_logout(struct p11_session *s);

/* True if the token needs a login (CKF_LOGIN_REQUIRED). */
bool p11_session_login_required(const struct p11_session *s);

/* Close the session (logs out when it was the last one); NULL is no-op. */
void p11_session_close(struct p11_session *s);

/* After a failed digest call: end the digest operation the module may
 * have left active (PKCS#11 says a failure ends it; tpm2-pkcs11 1.9.0
 * keeps it, and the session then refuses every other operation). Tries
 * C_DigestFinal into a scratch buffer, else moves s to a fresh session
 * (session objects of s are lost then). May overwrite the error detail:
 * call it before recording the failure. */
void p11_session_end_digest(struct p11_session *s);

/* Fresh random bytes from the token's RNG (C_GenerateRandom). */
enum err p11_session_random(struct p11_session *s, uint8_t *out, size_t len);

/* The token's round trip: the fastest of three C_GetSessionInfo calls,
 * in seconds. A local token answers in about a microsecond; a network
 * HSM costs its link's round trip on every call. */
double p11_session_rtt(struct p11_session *s);

const struct p11_token_desc *p11_session_token(const struct p11_session *s);
struct p11_module *p11_session_module(const struct p11_session *s);

#endif
