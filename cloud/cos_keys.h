/* SPDX-License-Identifier: MIT */
/* cos_keys.h - COS HMAC keys from the text of a secret source: IBM's
 * service credential JSON ({"cos_hmac_keys": {"access_key_id": ...,
 * "secret_access_key": ...}}, or those two members at the top), or one
 * line "ACCESS_KEY_ID:SECRET_ACCESS_KEY". */
#ifndef P11SEAL_COS_KEYS_H
#define P11SEAL_COS_KEYS_H

#include "err.h"

/* Both keys into new secmem strings (free with secmem_free; both NULL
 * on failure). ERR_FORMAT, never quoting the text, when neither form. */
enum err cos_keys_parse(const char *text, char **access, char **secret);

#endif
