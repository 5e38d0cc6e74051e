/* SPDX-License-Identifier: MIT */
/* p11_session.c - find exactly one token by RFC 7512 URI (never by slot
 * number: SoftHSM and the p11-kit proxy renumber slots), open sessions on
 * it and log in without burning a token's last PIN try. */
#include "p11_session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "p11_ckr.h"
#include "p11_int.h"
#include "p11_module.h"
#include "p11_uri.h"
#include "secmem.h"

#define SLOTS_MAX 1024

struct p11_session {
	struct p11_module *m;
	CK_FUNCTION_LIST *fn;
	CK_SESSION_HANDLE h;
	struct p11_token_desc tok;
	struct p11_session_opts o;
};

static void describe(struct p11_token_desc *d)
{
	p11_uri_trim_field(d->label, d->info.label, sizeof(d->info.label));
	p11_uri_trim_field(d->manufacturer, d->info.manufacturerID,
	                   sizeof(d->info.manufacturerID));
	p11_uri_trim_field(d->model, d->info.model, sizeof(d->info.model));
	p11_uri_trim_field(d->serial, d->info.serialNumber,
	                   sizeof(d->info.serialNumber));
	p11_uri_format_token(d->uri, sizeof(d->uri), &d->info);
}

/* Slot IDs with a token; the count may change between the two calls. */
static enum err slot_ids(CK_FUNCTION_LIST *fn, CK_SLOT_ID **out, CK_ULONG *n)
{
	CK_SLOT_ID *ids = NULL;
	CK_RV rv;

	for (int tries = 0; tries < 4; tries++) {
		CK_ULONG count = 0;

		rv = fn->C_GetSlotList(CK_TRUE, NULL, &count);
		if (rv != CKR_OK)
			break;
		if (count > SLOTS_MAX)
			return err_set(ERR_FORMAT, "module reports %lu slots",
			               (unsigned long)count);
		free(ids);
		ids = calloc(count ? count : 1, sizeof(*ids));
		if (!ids)
			return err_set(ERR_NOMEM, "slot list");
		*n = count;
		rv = fn->C_GetSlotList(CK_TRUE, ids, n);
		if (rv == CKR_OK && *n <= count) {
			*out = ids;
			return ERR_OK;
		}
		if (rv != CKR_BUFFER_TOO_SMALL && rv != CKR_OK)
			break;
	}
	free(ids);
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		return err_set(ERR_HSM,
		               "C_GetSlotList: the module reported a "
		               "different slot count on each of 4 tries");
	return p11_fail(rv, "C_GetSlotList", NULL);
}

enum err p11_token_list(struct p11_module *m, struct p11_token_desc **out,
                        size_t *n)
{
	CK_FUNCTION_LIST *fn = p11_module_fn(m);
	struct p11_token_desc *d = NULL;
	CK_SLOT_ID *ids = NULL;
	CK_ULONG count = 0;
	size_t k = 0;
	enum err r;
	CK_RV rv = CKR_OK;

	r = slot_ids(fn, &ids, &count);
	if (r != ERR_OK)
		return r;
	d = calloc(count ? count : 1, sizeof(*d));
	if (!d) {
		r = err_set(ERR_NOMEM, "token list");
		goto out;
	}
	for (CK_ULONG i = 0; i < count; i++) {
		/* A slot whose token vanished meanwhile is skipped. */
		rv = fn->C_GetTokenInfo(ids[i], &d[k].info);
		if (rv != CKR_OK)
			continue;
		d[k].slot = ids[i];
		describe(&d[k]);
		k++;
	}
	/* ...but when every slot fails, say how. */
	if (count && !k) {
		r = p11_fail(rv, "C_GetTokenInfo", "on every slot");
		goto out;
	}
	*out = d;
	*n = k;
	d = NULL;
out:
	free(ids);
	free(d);
	return r;
}

static void list_names(char *buf, size_t cap, const struct p11_token_desc *d,
                       size_t n, const struct p11_uri *f)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < cap; i++) {
		if (f && !p11_uri_match_token(f, &d[i].info))
			continue;
		if (!(d[i].info.flags & CKF_TOKEN_INITIALIZED))
			used += (size_t)snprintf(buf + used, cap - used,
			                         "%san uninitialised token",
			                         used ? ", " : "");
		else
			used += (size_t)snprintf(
			        buf + used, cap - used, "%s'%s' (serial %s)",
			        used ? ", " : "", d[i].label, d[i].serial);
	}
}

/* True, with its index in *hit, if exactly one of d is initialised. */
static bool sole_initialised(const struct p11_token_desc *d, size_t n,
                             size_t *hit)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		if (d[i].info.flags & CKF_TOKEN_INITIALIZED) {
			count++;
			*hit = i;
		}
	return count == 1;
}

enum err p11_token_find(struct p11_module *m, const struct p11_uri *filter,
                        struct p11_token_desc *out)
{
	struct p11_token_desc *d = NULL;
	size_t n = 0, hits = 0, hit = 0;
	char names[512];
	enum err r;

	r = p11_token_list(m, &d, &n);
	if (r != ERR_OK)
		return r;
	for (size_t i = 0; i < n; i++)
		if (!filter || p11_uri_match_token(filter, &d[i].info)) {
			hits++;
			hit = i;
		}
	/* SoftHSM always offers a free slot beside its tokens: with no
	 * filter, the one initialised token is the one meant. */
	if (!filter && hits > 1 && sole_initialised(d, n, &hit))
		hits = 1;
	if (hits == 1 && !(d[hit].info.flags & CKF_TOKEN_INITIALIZED)) {
		r = err_set(ERR_NOT_FOUND,
		            "the token in slot %lu of %s is not initialised "
		            "(no label yet); initialise it first with "
		            "`p11seal token init --label LABEL`",
		            (unsigned long)d[hit].slot, p11_module_name(m));
	} else if (hits == 1) {
		*out = d[hit];
	} else if (hits == 0) {
		list_names(names, sizeof(names), d, n, NULL);
		r = err_set(ERR_NOT_FOUND,
		            "no token matches%s%s in %s; "
		            "tokens present: %s",
		            filter ? " the --token URI" : "", "",
		            p11_module_name(m), n ? names : "none");
	} else {
		list_names(names, sizeof(names), d, n, filter);
		r = err_set(ERR_USAGE,
		            "%zu tokens match: %s; select one with "
		            "--token pkcs11:token=LABEL;serial=SERIAL",
		            hits, names);
	}
	free(d);
	return r;
}

static enum err open_on(struct p11_session *s)
{
	CK_FLAGS flags = CKF_SERIAL_SESSION | (s->o.rw ? CKF_RW_SESSION : 0);
	CK_RV rv;

	rv = s->fn->C_OpenSession(s->tok.slot, flags, NULL, NULL, &s->h);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_OpenSession on token", s->tok.label);
	return ERR_OK;
}

enum err p11_session_open(struct p11_session **out, struct p11_module *m,
                          const struct p11_uri *filter,
                          const struct p11_session_opts *o)
{
	struct p11_session *s;
	enum err r;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(ERR_NOMEM, "session");
	s->m = m;
	s->fn = p11_module_fn(m);
	if (o)
		s->o = *o;
	r = p11_token_find(m, filter, &s->tok);
	if (r != ERR_OK)
		goto out;
	r = open_on(s);
	if (r != ERR_OK)
		goto out;
	*out = s;
	s = NULL;
out:
	free(s);
	return r;
}

static enum err clone_as(struct p11_session *s, bool rw,
                         struct p11_session **out)
{
	struct p11_session *c;
	enum err r;

	*out = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return err_set(ERR_NOMEM, "session");
	*c = *s;
	c->o.rw = rw;
	r = open_on(c);
	if (r != ERR_OK) {
		free(c);
		return r;
	}
	*out = c;
	return ERR_OK;
}

enum err p11_session_clone(struct p11_session *s, struct p11_session **out)
{
	return clone_as(s, s->o.rw, out);
}

enum err p11_session_rw_sibling(struct p11_session *s, struct p11_session **out)
{
	*out = NULL;
	/* Opened read-write: PKCS#11 keeps a session in the mode it was
	 * opened in, so there is nothing to ask the token. */
	if (s->o.rw)
		return ERR_OK;
	return clone_as(s, true, out);
}

/* Refresh token flags and refuse a login that could lock the PIN. */
static enum err check_pin_state(struct p11_session *s, bool so)
{
	CK_FLAGS locked = so ? CKF_SO_PIN_LOCKED : CKF_USER_PIN_LOCKED;
	CK_FLAGS final = so ? CKF_SO_PIN_FINAL_TRY : CKF_USER_PIN_FINAL_TRY;
	const char *who = so ? "SO PIN" : "user PIN";
	CK_RV rv;

	rv = s->fn->C_GetTokenInfo(s->tok.slot, &s->tok.info);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_GetTokenInfo of", s->tok.label);
	if (s->tok.info.flags & locked)
		return err_set(ERR_PIN,
		               "the %s of token '%s' is locked; the "
		               "security officer must reset it",
		               who, s->tok.label);
	if ((s->tok.info.flags & final) && !s->o.allow_final_pin_try)
		return err_set(ERR_PIN,
		               "token '%s' has one %s try left; "
		               "refusing to risk locking it (set "
		               "P11SEAL_ALLOW_FINAL_PIN_TRY=1 to try anyway)",
		               s->tok.label, who);
	return ERR_OK;
}

enum err p11_session_login(struct p11_session *s, const char *pin,
                           size_t pin_len, bool so)
{
	CK_RV rv;
	enum err r;

	r = check_pin_state(s, so);
	if (r != ERR_OK)
		return r;
	rv = s->fn->C_Login(s->h, so ? CKU_SO : CKU_USER,
	                    (CK_UTF8CHAR *)p11_unconst(pin), pin_len);
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return ERR_OK;
	/* NSS softoken has no security officer: a missing capability, not
	 * a failure of the token (exit 7, as for its other refusals). */
	if (so && rv == CKR_USER_TYPE_INVALID)
		return err_set(ERR_UNSUPPORTED,
		               "token '%s' has no security officer (C_Login as "
		               "SO: CKR_USER_TYPE_INVALID); this step needs a "
		               "token with one (SoftHSM, an HSM)",
		               s->tok.label);
	r = p11_fail(rv, so ? "C_Login (SO) to token" : "C_Login to token",
	             s->tok.label);
	if (rv == CKR_PIN_INCORRECT &&
	    s->fn->C_GetTokenInfo(s->tok.slot, &s->tok.info) == CKR_OK &&
	    (s->tok.info.flags &
	     (CKF_USER_PIN_FINAL_TRY | CKF_SO_PIN_FINAL_TRY)))
		r = err_wrap(r, "last try left");
	return r;
}

enum err p11_session_logout(struct p11_session *s)
{
	CK_RV rv = s->fn->C_Logout(s->h);

	if (rv != CKR_OK && rv != CKR_USER_NOT_LOGGED_IN)
		return p11_fail(rv, "C_Logout from token", s->tok.label);
	return ERR_OK;
}

bool p11_session_login_required(const struct p11_session *s)
{
	return (s->tok.info.flags & CKF_LOGIN_REQUIRED) != 0;
}

void p11_session_close(struct p11_session *s)
{
	if (!s)
		return;
	s->fn->C_CloseSession(s->h);
	free(s);
}

/* The session's token objects outlive it and the login belongs to the
 * application, so a fresh session is the same session to every caller
 * but the operation state. */
static void reopen(struct p11_session *s)
{
	CK_SESSION_HANDLE old = s->h;

	if (open_on(s) != ERR_OK) {
		s->h = old;
		return;
	}
	s->fn->C_CloseSession(old);
}

void p11_session_end_digest(struct p11_session *s)
{
	/* Room for any digest: a short buffer would keep it active. */
	CK_BYTE scratch[256];
	CK_ULONG len = sizeof(scratch);
	CK_RV rv;

	rv = s->fn->C_DigestFinal(s->h, scratch, &len);
	secmem_wipe(scratch, sizeof(scratch));
	if (rv != CKR_OK && rv != CKR_OPERATION_NOT_INITIALIZED)
		reopen(s);
}

CK_FUNCTION_LIST *p11_session_fn(const struct p11_session *s)
{
	return s->fn;
}

CK_SESSION_HANDLE p11_session_handle(const struct p11_session *s)
{
	return s->h;
}

const struct p11_token_desc *p11_session_token(const struct p11_session *s)
{
	return &s->tok;
}

struct p11_module *p11_session_module(const struct p11_session *s)
{
	return s->m;
}

double p11_session_rtt(struct p11_session *s)
{
	double best = 0;

	for (int i = 0; i < 3; i++) {
		struct timespec t0, t1;
		CK_SESSION_INFO info;
		double d;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		(void)s->fn->C_GetSessionInfo(s->h, &info);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		d = (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		if (i == 0 || d < best)
			best = d;
	}
	return best;
}

enum err p11_session_random(struct p11_session *s, uint8_t *out, size_t len)
{
	CK_RV rv = s->fn->C_GenerateRandom(s->h, out, len);

	if (rv != CKR_OK)
		return p11_fail(rv, "C_GenerateRandom on token", s->tok.label);
	return ERR_OK;
}
