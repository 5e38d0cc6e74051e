/* SPDX-License-Identifier: MIT */
/* srv_keys_json.h - a key as Key Protect shows it (spec 2.3), and the same
 * object plus internal fields as kp-server's state file stores it. */
#ifndef SRV_KEYS_JSON_H
#define SRV_KEYS_JSON_H

#include <cjson/cJSON.h>

#include "err.h"
#include "srv.h"
#include "srv_keys.h"

#define SRV_KEY_TYPE       "application/vnd.ibm.kms.key+json"
#define SRV_RESTORE_WINDOW (30 * 86400L)

/* The key resource as KP returns it (no payload). state: also add the
 * internal fields (versions, import mode, state time). NULL: no memory. */
cJSON *srv_keys_json_build(const struct srv *srv, const struct srv_key *k,
                           bool state);

/* Rebuild a key from a state-file object; ERR_FORMAT names the field. */
enum err srv_keys_json_parse(const cJSON *j, struct srv_key **out);

#endif
