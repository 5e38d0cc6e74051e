/* SPDX-License-Identifier: MIT */
/* cli_audit.c - the audit hook of the key commands: who, where, what and
 * the outcome go into one MAC'd record; a failed audit never hides the
 * operation's own error, and never passes as success. */
#include "cli_audit.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "encode.h"
#include "km_audit.h"
#include "km_audit_trail.h"
#include "km_inventory.h"
#include "p11_key.h"
#include "p11_session.h"

#define PATH_LEN 4096

/* Texts the record points at while it is built and written. */
struct texts {
	char user[256], host[256];
	char id[KM_AUDIT_ID_HEX_MAX + 1], keyhash[65], image[65];
	char result[1200];
	struct km_key found;
	bool have_found;
};

static const char *home_dir(char *buf, size_t cap)
{
	const char *home = getenv("HOME");
	struct passwd pw, *res = NULL;

	if (home && home[0] == '/')
		return home;
	if (getpwuid_r(getuid(), &pw, buf, cap, &res) != 0 || !res)
		return NULL;
	return res->pw_dir;
}

enum err cli_audit_path(const struct cli *c, char *out, size_t cap)
{
	const char *state = getenv("XDG_STATE_HOME");
	char pwbuf[1024];
	const char *home;
	int n;

	if (c->audit_log) {
		n = snprintf(out, cap, "%s", c->audit_log);
	} else if (state && state[0] == '/') {
		n = snprintf(out, cap, "%s/p11seal/audit.log", state);
	} else {
		home = home_dir(pwbuf, sizeof(pwbuf));
		if (!home)
			return err_set(ERR_USAGE,
			               "no home directory for the "
			               "audit log; pass --audit-log FILE");
		n = snprintf(out, cap, "%s/.local/state/p11seal/audit.log",
		             home);
	}
	if (n <= 0 || (size_t)n >= cap)
		return err_set(ERR_USAGE,
		               "audit log path is empty or too long");
	return ERR_OK;
}

static void who(struct km_audit_rec *rec, struct texts *t)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	uid_t uid = getuid();

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(t->user, sizeof(t->user), "%s", res->pw_name);
	if (gethostname(t->host, sizeof(t->host) - 1) != 0)
		t->host[0] = '\0';
	t->host[sizeof(t->host) - 1] = '\0';
	rec->user = t->user;
	rec->uid = uid;
	rec->host = t->host;
}

/* The key member: from rec->key, else (after a success) from the token. */
static void describe_key(struct p11_session *s, const struct cli_audit_rec *a,
                         struct km_audit_rec *rec, struct texts *t)
{
	const struct km_key *k = a->key;

	if (!k && a->label && a->result == ERR_OK) {
		t->have_found =
		        km_inventory_find(s, a->label, &t->found) == ERR_OK;
		k = t->have_found ? &t->found : NULL;
		err_clear();
	}
	if (!k || !k->info.label[0]) {
		rec->key_label = a->label;
		rec->key_kind = a->kind;
		return;
	}
	encode_hex(t->id, k->info.id, k->info.id_len);
	rec->key_label = k->info.label;
	rec->key_id = t->id;
	rec->key_kind = k->kind[0] ? k->kind : a->kind;
	if (k->has_keyhash) {
		encode_hex(t->keyhash, k->keyhash, sizeof(k->keyhash));
		rec->key_keyhash = t->keyhash;
	}
}

static void describe(struct p11_session *s, const struct cli_audit_rec *a,
                     const char *detail, struct km_audit_rec *rec,
                     struct texts *t)
{
	who(rec, t);
	rec->op = a->op;
	describe_key(s, a, rec, t);
	/* "" (no Key Protect exchange yet) leaves the member out */
	rec->kp_key_id = a->kp_key_id && a->kp_key_id[0] ? a->kp_key_id : NULL;
	rec->kp_correlation_id =
	        a->kp_correlation_id && a->kp_correlation_id[0]
	                ? a->kp_correlation_id
	                : NULL;
	if (a->image_sha256) {
		encode_hex(t->image, a->image_sha256, 32);
		rec->image_sha256 = t->image;
	}
	rec->image_path = a->image_path;
	if (a->result == ERR_OK)
		snprintf(t->result, sizeof(t->result), "ok");
	else
		snprintf(t->result, sizeof(t->result), "%s: %s",
		         err_str(a->result),
		         detail[0] ? detail : err_str(a->result));
	rec->result = t->result;
}

static enum err write_record(const struct cli *c, struct p11_session *s,
                             const struct km_audit_key *key,
                             const struct cli_audit_rec *a, const char *detail)
{
	struct km_audit_rec rec = { 0 };
	struct texts *t = calloc(1, sizeof(*t));
	char path[PATH_LEN];
	enum err r;

	if (!t)
		return err_set(ERR_NOMEM, "audit record");
	r = cli_audit_path(c, path, sizeof(path));
	if (r == ERR_OK) {
		describe(s, a, detail, &rec, t);
		r = km_audit_trail_append(s, key, path, &rec);
	}
	if (r == ERR_OK && c->verbosity > 0)
		cli_info(c, "audit: record %llu appended to %s",
		         (unsigned long long)rec.seq, path);
	if (t->have_found)
		km_inventory_free_one(&t->found);
	free(t);
	return r;
}

static void audit_off(const struct cli *c, struct p11_session *s,
                      const struct cli_audit_rec *a)
{
	const char *tok = p11_session_token(s)->label;

	if (a->result == ERR_OK && a->key &&
	    p11_key_check_profile(&a->key->info, P11P_AUDIT) == ERR_OK)
		cli_info(c,
		         "note: that was the audit key of token '%s': "
		         "auditing is now off for it, and its audit log can no "
		         "longer be verified",
		         tok);
	else if (c->verbosity > 0)
		cli_info(c,
		         "audit: token '%s' has no audit key, so auditing "
		         "is off ('p11seal key create audit' turns it on)",
		         tok);
	err_clear();
}

/* key was found in s; a read-write sibling looks it up again. */
static enum err append(const struct cli *c, struct p11_session *s,
                       struct km_audit_key *key,
                       const struct cli_audit_rec *rec, const char *detail)
{
	struct p11_session *rw = NULL;
	enum err r;

	/* Moving the chain head writes a token object, which a read-only
	 * session (vhd encrypt/decrypt/verify, key export) cannot. */
	r = p11_session_rw_sibling(s, &rw);
	if (r == ERR_OK && rw)
		r = km_audit_trail_key(rw, key);
	if (r == ERR_OK)
		r = write_record(c, rw ? rw : s, key, rec, detail);
	p11_session_close(rw);
	return r;
}

bool cli_audit_enabled(struct p11_session *s)
{
	struct km_audit_key key;
	bool on = s && km_audit_trail_key(s, &key) == ERR_OK;

	err_clear();
	return on;
}

enum err cli_audit(const struct cli *c, struct p11_session *s,
                   const struct cli_audit_rec *rec)
{
	char detail[1024];
	struct km_audit_key key;
	enum err r;

	if (!s)
		return rec->result;
	snprintf(detail, sizeof(detail), "%s", err_detail());
	r = km_audit_trail_key(s, &key);
	if (r == ERR_NOT_FOUND) {
		audit_off(c, s, rec);
		r = ERR_OK;
	} else if (r == ERR_OK) {
		r = append(c, s, &key, rec, detail);
	}
	if (rec->result != ERR_OK) {
		if (r != ERR_OK)
			fprintf(stderr, "%s: %s: audit: %s\n", c->prog,
			        c->cmd ? c->cmd : "", err_detail());
		return err_set(rec->result, "%s", detail);
	}
	if (r != ERR_OK)
		return err_wrap(r, "the operation itself is done, but its "
		                   "audit record has a problem");
	return ERR_OK;
}
