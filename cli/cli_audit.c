/* SPDX-License-Identifier: MIT */
/* cli_audit.c - the audit hooks of the key commands: who, where and what
 * go into a MAC'd intent record before the operation, and the outcome into
 * its result record after. No intent, no operation; a failed audit never
 * hides the operation's own error, and never passes as success. */
#include "cli_audit.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_opts.h"
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

/* The key member: from rec->key, else (after a success, when lookup)
 * from the token. An intent never looks: the key may not exist yet, and
 * a lookup computes a DEK's keyhash, which uses the key. */
static void describe_key(struct p11_session *s, const struct cli_audit_rec *a,
                         bool lookup, struct km_audit_rec *rec, struct texts *t)
{
	const struct km_key *k = a->key;

	if (!k && a->label && lookup) {
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

/* What one record says: a->result's outcome, or stage (an intent or the
 * audit key's last record) when not NULL. */
struct stage {
	const char *result; /* KM_AUDIT_STARTED, KM_AUDIT_FINAL or NULL */
	const char *detail; /* the operation's error detail */
	uint64_t intent;    /* the intent a result ends; 0: none */
};

static void describe(struct p11_session *s, const struct cli_audit_rec *a,
                     const struct stage *st, struct km_audit_rec *rec,
                     struct texts *t)
{
	who(rec, t);
	rec->op = a->op;
	describe_key(s, a, !st->result && a->result == ERR_OK, rec, t);
	/* "" (no Key Protect exchange yet) leaves the member out */
	rec->kp_key_id = a->kp_key_id && a->kp_key_id[0] ? a->kp_key_id : NULL;
	rec->kp_correlation_id = a->kp_correlation_id && a->kp_correlation_id[0]
	                                 ? a->kp_correlation_id
	                                 : NULL;
	if (a->image_sha256) {
		encode_hex(t->image, a->image_sha256, 32);
		rec->image_sha256 = t->image;
	}
	rec->image_path = a->image_path;
	if (st->result)
		snprintf(t->result, sizeof(t->result), "%s", st->result);
	else if (a->result == ERR_OK)
		snprintf(t->result, sizeof(t->result), "ok");
	else
		snprintf(t->result, sizeof(t->result), "%s: %s",
		         err_str(a->result),
		         st->detail[0] ? st->detail : err_str(a->result));
	rec->result = t->result;
	rec->intent = st->intent;
}

/* Appends; *seq is the record's seq when it is in the log, else 0. */
static enum err write_record(const struct cli *c, struct p11_session *s,
                             const struct km_audit_key *key,
                             const struct cli_audit_rec *a,
                             const struct stage *st, uint64_t *seq)
{
	struct km_audit_rec rec = { 0 };
	struct texts *t = calloc(1, sizeof(*t));
	char path[PATH_LEN];
	enum err r;

	*seq = 0;
	if (!t)
		return err_set(ERR_NOMEM, "audit record");
	r = cli_audit_path(c, path, sizeof(path));
	if (r == ERR_OK) {
		describe(s, a, st, &rec, t);
		r = km_audit_trail_append(s, key, path, &rec);
		*seq = rec.seq;
	}
	if (*seq && c->verbosity > 0)
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
		         "auditing is now off for it; its audit log ends with "
		         "the record of the deletion and can no longer be "
		         "verified",
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
                       struct km_audit_key *key, const struct cli_audit_rec *a,
                       const struct stage *st, uint64_t *seq)
{
	struct p11_session *rw = NULL;
	enum err r;

	*seq = 0;
	/* Moving the chain head writes a token object, which a read-only
	 * session (vhd encrypt/decrypt/verify, key export) cannot. */
	r = p11_session_rw_sibling(s, &rw);
	if (r == ERR_OK && rw)
		r = km_audit_trail_key(rw, key);
	if (r == ERR_OK)
		r = write_record(c, rw ? rw : s, key, a, st, seq);
	p11_session_close(rw);
	return r;
}

/* The one line a fail-closed refusal prints: the log and why. */
static enum err refuse(const struct cli *c, const char *why)
{
	char path[PATH_LEN] = "";

	cli_audit_path(c, path, sizeof(path));
	err_clear();
	if (path[0] && strstr(why, path))
		return err_set(ERR_POLICY,
		               "%s; refused before the operation (nothing "
		               "was done)",
		               why);
	return err_set(ERR_POLICY,
	               "audit log %s: %s; refused before the operation "
	               "(nothing was done)",
	               path, why);
}

/* An intent or final record: written, or the command stops. A log that
 * did not end at the token's head still takes the record (it continues
 * the token's chain), so the operation goes on and its end says so. */
static enum err write_first(const struct cli *c, struct p11_session *s,
                            const struct cli_audit_rec *rec,
                            const struct stage *st, struct cli_audit_intent *in)
{
	struct km_audit_key key;
	char why[900];
	enum err r;

	memset(in, 0, sizeof(*in));
	r = km_audit_trail_key(s, &key);
	if (r == ERR_NOT_FOUND) {
		err_clear();
		return ERR_OK;
	}
	if (r == ERR_OK)
		r = append(c, s, &key, rec, st, &in->seq);
	if (r == ERR_OK || (r == ERR_VERIFY && in->seq)) {
		if (r != ERR_OK)
			snprintf(in->warn, sizeof(in->warn), "%s",
			         err_detail());
		err_clear();
		return ERR_OK;
	}
	in->refused = true;
	in->seq = 0;
	snprintf(why, sizeof(why), "%s", err_detail());
	return refuse(c, why);
}

enum err cli_audit_begin(const struct cli *c, struct p11_session *s,
                         const struct cli_audit_rec *rec,
                         struct cli_audit_intent *in)
{
	struct stage st = { KM_AUDIT_STARTED, "", 0 };

	return write_first(c, s, rec, &st, in);
}

enum err cli_audit_final(const struct cli *c, struct p11_session *s,
                         const struct cli_audit_rec *rec,
                         struct cli_audit_intent *in)
{
	struct stage st = { KM_AUDIT_FINAL, "", in->seq };
	struct cli_audit_intent fin;
	enum err r = write_first(c, s, rec, &st, &fin);

	/* No result record can follow a refusal the log did not take. */
	in->refused = fin.refused;
	if (r == ERR_OK && fin.seq)
		cli_info(c,
		         "audit: record %llu says the audit key is destroyed "
		         "next; it is the last record of its chain",
		         (unsigned long long)fin.seq);
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
	const struct cli_audit_intent *in = rec->intent;
	struct stage st = { NULL, NULL, in ? in->seq : 0 };
	char detail[1024];
	struct km_audit_key key;
	uint64_t seq = 0;
	enum err r;

	if (!s)
		return rec->result;
	snprintf(detail, sizeof(detail), "%s", err_detail());
	/* The refusal is the command's error; the log took no intent, so it
	 * takes no result either. */
	if (in && in->refused)
		return err_set(rec->result, "%s", detail);
	st.detail = detail;
	r = km_audit_trail_key(s, &key);
	if (r == ERR_NOT_FOUND) {
		audit_off(c, s, rec);
		r = ERR_OK;
	} else if (r == ERR_OK) {
		r = append(c, s, &key, rec, &st, &seq);
	}
	if (r == ERR_OK && in && in->warn[0])
		r = err_set(ERR_VERIFY, "%s", in->warn);
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

int cli_audit_parse_log(struct cli *c, int argc, char **argv,
                        const struct cli_opt *opts, void *base,
                        const char **path, char *def)
{
	enum err r;
	int rc;

	*path = NULL;
	rc = cli_opts_parse(
	        c,
	        &(struct cli_opts){ .sets = { { opts, base } },
	                            .args = { path },
	                            .args_usage = "give at most one log file" },
	        argc, argv);
	if (rc >= 0 || *path)
		return rc;
	r = cli_audit_path(c, def, CLI_AUDIT_PATH_MAX);
	if (r != ERR_OK)
		return cli_fail(c, r);
	*path = def;
	return -1;
}
