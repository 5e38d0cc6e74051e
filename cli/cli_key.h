/* SPDX-License-Identifier: MIT */
/* cli_key.h - the run every command that makes a key shares: open the
 * selected token read-write and logged in, append the audit intent (no
 * key is made if it cannot be written), make the key, append the result
 * record (whatever the outcome), close. */
#ifndef P11SEAL_CLI_KEY_H
#define P11SEAL_CLI_KEY_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "err.h"

struct cli;
struct p11_session;

/* Makes the key in s (ctx: the command's own). */
typedef enum err (*cli_key_fn)(const struct cli *c, struct p11_session *s,
                               void *ctx);

/* Open, intent, fn, result record {op, kind, label, result}, close; what
 * the command reports (fn's result, or the audit's trouble) is returned. */
enum err cli_key_run(const struct cli *c, const char *op, const char *kind,
                     const char *label, cli_key_fn fn, void *ctx);

struct km_key;

/* The key named by --label and/or --id HEX (a CKA_ID as key list shows
 * it): ERR_USAGE for bad hex, else km_inventory_find_by's answer. */
enum err cli_key_select(struct p11_session *s, const char *label,
                        const char *id_hex, struct km_key *out);
struct p11_dek;

/* The DEK named by --key LABEL and, where the label repeats, --id HEX (its
 * data half's CKA_ID as key list shows it), selected with --id through
 * cli_key_select; ERR_NOT_FOUND if that key is no DEK. */
enum err cli_key_dek(struct p11_session *s, const char *label,
                     const char *id_hex, struct p11_dek *out);

/* What --json prints for a key just made or imported: {"label", "kind",
 * "size" (bytes), "keyhash" (a DEK's, NULL: none), "extractable"}. */
cJSON *cli_key_json(const char *label, const char *kind, size_t size,
                    const char *keyhash, bool extractable);

#endif
