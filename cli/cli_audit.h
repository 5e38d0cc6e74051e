/* SPDX-License-Identifier: MIT */
/* cli_audit.h - the audit hook every key-handling command calls once, at
 * the end of its work, with its result: one record is appended to the
 * audit log (--audit-log, else $XDG_STATE_HOME/p11seal/audit.log, else
 * ~/.local/state/p11seal/audit.log) when the token has an audit key.
 *
 * How a command uses it (success and failure alike, after the work and
 * before closing the session; s may be NULL if the token never opened):
 *
 *	r = do_the_work(...);
 *	r = cli_audit(c, t.session, &(struct cli_audit_rec){
 *		.op = "vhd.encrypt", .result = r, .label = key_label,
 *		.image_sha256 = sum, .image_path = out_path });
 *	cli_token_close(&t);
 *	return r == ERR_OK ? 0 : cli_fail(c, r);
 *
 * A read-only session (the vhd commands, key export) is fine: the record
 * is written through a read-write session opened beside it.
 *
 * Ops in use or reserved: key.create, key.import, key.delete, key.export,
 * key.rotate (kp rotate), vhd.encrypt, vhd.decrypt, vhd.verify,
 * kp.import-root, kp.wrap, kp.unwrap, kp.rewrap.
 * Not recorded: key export-public (reads a public key, uses none), and
 * key trust-transport, whose SO session cannot see or use the audit key
 * (a private object): the SO's ceremony leaves no record.
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
struct km_key;
struct p11_session;

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
};

/* Append the record for rec to the audit log, MAC'd in the token's audit
 * key. Without an audit key nothing is written (-v says auditing is off).
 * Returns what the command should return: rec->result (with its detail)
 * if the operation failed, else ERR_OK, or the audit failure with a detail
 * saying the operation itself is done. */
enum err cli_audit(const struct cli *c, struct p11_session *s,
                   const struct cli_audit_rec *rec);

/* True if the token has an audit key, so cli_audit will write: for work
 * only a record needs (hashing an output file). Clears the error. */
bool cli_audit_enabled(struct p11_session *s);

/* The log path: --audit-log, else the XDG default ($HOME/.local/state
 * when XDG_STATE_HOME is unset or not absolute). */
enum err cli_audit_path(const struct cli *c, char *out, size_t cap);

#endif
