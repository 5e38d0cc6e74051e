/* SPDX-License-Identifier: MIT */
/* cli_audit.h - the audit hooks of every key-handling command: before
 * the operation an intent record, after it the result record, both
 * appended to the audit log (--audit-log, else
 * $XDG_STATE_HOME/p11seal/audit.log, else ~/.local/state/p11seal/audit.log)
 * when the token has an audit key.
 *
 * Fail-closed: the intent is written before the command touches a key or
 * writes data; if the log cannot be opened, locked or appended to, the
 * command does nothing and exits 7 with one line naming the log.
 *
 *	struct cli_audit_intent in;
 *	r = cli_audit_begin(c, t.session, &rec, &in); (token open, logged in)
 *	if (r == ERR_OK)
 *		r = do_the_work(...);
 *	rec.result = r;
 *	rec.intent = &in;
 *	r = cli_audit(c, t.session, &rec);
 *	cli_token_close(&t);
 *	return r == ERR_OK ? 0 : cli_fail(c, r);
 *
 * A read-only session (the vhd commands, key export) is fine: the record
 * is written through a read-write session opened beside it.
 *
 * Ops in use or reserved: key.create, key.import, key.delete, key.export,
 * key.trust-transport, key.rotate (kp rotate), vhd.encrypt, vhd.decrypt,
 * vhd.verify, kp.import-root, kp.wrap, kp.unwrap, kp.rewrap, image.import.
 * Not recorded: key export-public (reads a public key, uses none), and
 * token init (the token has no audit key yet).
 *
 * Never pass secrets: labels, key ids, keyhashes, Key Protect key and
 * correlation ids, image hashes and paths only (no PIN, key bytes, API
 * key or WDEK). */
#ifndef P11SEAL_CLI_AUDIT_H
#define P11SEAL_CLI_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct cli;
struct cli_opt;
struct km_key;
struct p11_session;

/* What cli_audit_begin did, for the result record. */
struct cli_audit_intent {
	bool refused;   /* the intent could not be written: nothing was done */
	uint64_t seq;   /* the intent record's seq; 0: none (no audit key) */
	char warn[512]; /* the log was not at the token's head (written) */
};

struct cli_audit_rec {
	const char *op;    /* "key.create", ... (required) */
	enum err result;   /* the operation's outcome; its detail is the
	                      current err_detail() */
	const char *label; /* the key's label, or NULL */
	const char *kind;  /* "dek", "root", ... when the command knows it */
	/* The key as it was found before the operation (key.delete), or
	 * NULL: then, after a success, the key is looked up by label for
	 * its CKA_ID, kind and keyhash. */
	const struct km_key *key;
	const char *kp_key_id, *kp_correlation_id; /* Key Protect, or NULL */
	const uint8_t *image_sha256;               /* 32 bytes, or NULL */
	const char *image_path;
	/* From cli_audit_begin, or NULL (the token never got that far). */
	const struct cli_audit_intent *intent;
};

/* Before the operation (s open and logged in): append rec's intent record
 * (result "started"; rec->result is ignored). ERR_OK with in->seq = 0 when
 * the token has no audit key. If the log cannot be opened, locked or
 * appended to: ERR_POLICY with one detail naming the log and why; the
 * command must then do nothing more, and cli_audit writes nothing. */
enum err cli_audit_begin(const struct cli *c, struct p11_session *s,
                         const struct cli_audit_rec *rec,
                         struct cli_audit_intent *in);

/* Deleting the token's audit key (rec->key): append the last record of
 * its chain (result "final": the key is destroyed next; "intent" =
 * in->seq) while the key can still MAC it. ERR_POLICY naming the log if
 * that fails: the key must then stay, and in is marked refused. */
enum err cli_audit_final(const struct cli *c, struct p11_session *s,
                         const struct cli_audit_rec *rec,
                         struct cli_audit_intent *in);

/* Append the result record for rec (its intent's seq in "intent"), MAC'd
 * in the token's audit key. Without an audit key nothing is written (-v
 * says auditing is off); after a refused intent nothing is written and
 * rec->result is returned. Returns what the command should return:
 * rec->result (with its detail) if the operation failed, else ERR_OK, or
 * the audit failure with a detail saying the operation itself is done. */
enum err cli_audit(const struct cli *c, struct p11_session *s,
                   const struct cli_audit_rec *rec);

/* True if the token has an audit key, so cli_audit will write: for work
 * only a record needs (hashing an output file). Clears the error. */
bool cli_audit_enabled(struct p11_session *s);

/* The log path: --audit-log, else the XDG default ($HOME/.local/state
 * when XDG_STATE_HOME is unset or not absolute). */
enum err cli_audit_path(const struct cli *c, char *out, size_t cap);

/* The command line of a command that reads the log (audit show, audit
 * verify): the options of opts into base, then at most one FILE into
 * *path, else cli_audit_path's into def (CLI_AUDIT_PATH_MAX bytes).
 * Returns -1 to go on, else the exit code. */
#define CLI_AUDIT_PATH_MAX 4096
int cli_audit_parse_log(struct cli *c, int argc, char **argv,
                        const struct cli_opt *opts, void *base,
                        const char **path, char *def);

#endif
