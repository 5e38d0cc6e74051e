/* SPDX-License-Identifier: MIT */
/* cli_kp.h - what the commands that tie a token to Key Protect share
 * (kp import-root, kp rotate, key create dek --kp-root, kp unwrap,
 * kp rewrap): a token session for a ceremony with the PINs it needs, the
 * reports, and WDEK record files. */
#ifndef P11SEAL_CLI_KP_H
#define P11SEAL_CLI_KP_H

#include <stdbool.h>

#include "cli_audit.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "err.h"
#include "km_ceremony.h"
#include "km_kproot.h"

struct cli;
struct kp_client;
struct p11_session;
struct kp_opts;
struct km_kpdek;
struct km_kpdek_record;

/* A user session on the selected token, the ceremony path the token
 * allows, and the PINs that path needs (secmem; only the trusted path
 * keeps the user PIN, to log in again after the SO, and reads the SO PIN
 * from so_pin_source or a prompt). */
struct cli_kp_session {
	struct cli_token t;
	enum km_path path;
	char *user_pin;
	char *so_pin;
};

/* Open, log in, choose the path (km_ceremony_plan), read the SO PIN if
 * the path needs it. Nothing in the token changes. A failure after the
 * login leaves the token open (PINs wiped) for the audit record: close
 * ks with cli_kp_session_close either way. */
enum err cli_kp_session_open(const struct cli *c, const char *so_pin_source,
                             bool hpcs, bool host_assisted,
                             struct cli_kp_session *ks);

/* Wipe the PINs, close the token; safe on a zeroed ks. */
void cli_kp_session_close(struct cli_kp_session *ks);

/* Options of import-root and rotate. */
struct cli_kp_root_args {
	struct cli *c;
	struct km_kproot_opts o;
	const char *so_pin_source;
	bool host_assisted;
};

/* The options both take: --host-assisted, --so-pin-source; --so-pin is
 * refused. A second table beside each command's own. */
extern const struct cli_opt cli_kp_root_opts[];

/* km_kproot_import or km_kproot_rotate. */
typedef enum err (*cli_kp_root_fn)(struct kp_client *kp, struct p11_session *s,
                                   const struct km_kproot_opts *o,
                                   struct km_kproot *out);

/* The whole of import-root and rotate: connect to Key Protect (the API key
 * is checked first, so a bad one changes nothing), open the ceremony
 * session, run fn (path and PINs filled in), report the result, and
 * audit it as op. */
enum err cli_kp_root_run(const struct kp_opts *ko, struct cli_kp_root_args *a,
                         cli_kp_root_fn fn, const char *op);

/* The whole of import-root and rotate after the command's own table
 * (filling a->o) and cli_kp_root_opts: parse (the required options' message:
 * need), connect, run fn as op. */
int cli_kp_root_main(struct cli *c, int argc, char **argv,
                     const struct cli_opt *own, const char *need,
                     cli_kp_root_fn fn, const char *op);

/* Report an import or rotation: JSON, or one member per line. */
enum err cli_kp_print_root(const struct cli *c, const struct km_kproot *r);

/* Report a DEK create, unwrap or rewrap (wdek_file: where the record
 * went, or NULL). */
enum err cli_kp_print_dek(const struct cli *c, const struct km_kpdek *d,
                          const char *wdek_file);

/* cli_audit_begin of a DEK operation op on label (s open and logged in):
 * the intent record, before the token is touched. */
enum err cli_kp_audit_begin(const struct cli *c, struct p11_session *s,
                            const char *op, const char *label,
                            struct cli_audit_intent *in);

/* cli_audit of a DEK operation op on label with result r (the root key
 * id of d as the Key Protect key) after the intent in (or NULL); returns
 * what the command returns. */
enum err cli_kp_audit_dek(const struct cli *c, struct p11_session *s,
                          const char *op, const char *label,
                          const struct km_kpdek *d, struct kp_client *kp,
                          const struct cli_audit_intent *in, enum err r);

/* Read a WDEK file (record JSON or bare base64). */
enum err cli_kp_read_record(const char *path, struct km_kpdek_record *out);

/* Write the record of d (labelled label) to path, never replacing an
 * existing file unless force. */
enum err cli_kp_write_record(const char *path, const struct km_kpdek *d,
                             const char *label, bool force);

/* Where a DEK from Key Protect goes (key create dek --kp-root, kp
 * unwrap): its label, whether it is exportable, and a record file. */
struct cli_kp_dek_dest {
	const char *label;
	const char *wdek_out; /* or NULL */
	bool exportable;
	bool force; /* wdek_out may replace a file */
};

/* Before any Key Protect call: the label is free, the WDEK has a place
 * (metadata or wdek_out), and wdek_out can be written. */
enum err cli_kp_dek_check(struct p11_session *s,
                          const struct cli_kp_dek_dest *to);

/* Store d as DEK to->label (km_kpdek_store) with its record written to
 * to->wdek_out first when given, then report it. The file is removed
 * again if the token cannot take the DEK, so both exist or neither. */
enum err cli_kp_dek_store(const struct cli *c, struct p11_session *s,
                          const struct cli_kp_dek_dest *to, struct km_kpdek *d);

#endif
