/* SPDX-License-Identifier: MIT */
/* kp_print.h - how the `kp` commands show Key Protect keys: text that
 * cannot drive the terminal, or JSON with the same fields (never key
 * material). In JSON a Key Protect object keeps Key Protect's own member
 * names (keyRingID, creationDate) and sits in a member of p11seal's
 * document ("key", "keys", "import_token"), whose own names are
 * snake_case. */
#ifndef P11SEAL_KP_PRINT_H
#define P11SEAL_KP_PRINT_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "kp_json.h"

struct cli;

/* s on f with control characters (C0, DEL, C1) shown as '?'. */
void kp_print_text(FILE *f, const char *s);

/* One key as a JSON object (NULL on allocation failure). */
cJSON *kp_print_key_json(const struct kp_key *k);

/* One key as "field: value" lines on stdout. */
void kp_print_key_text(const struct kp_key *k);

/* One table row "ID  STATE  KIND  NAME"; header when k is NULL. */
void kp_print_key_row(const struct kp_key *k);

/* {member: kp}: a Key Protect object nested in p11seal's document (kp is
 * freed on failure; NULL then). */
cJSON *kp_print_nest(const char *member, cJSON *kp);

/* One key on stdout: JSON {"key": {...}} with --json, else text. */
enum err kp_print_key(const struct cli *c, const struct kp_key *k);

/* An import token's dates and retrievals as a JSON object (NULL on
 * allocation failure). */
cJSON *kp_print_import_token_json(const struct kp_import_token *t);

#endif
