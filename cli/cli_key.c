/* SPDX-License-Identifier: MIT */
/* cli_key.c - one token session; the audit intent before the key is made,
 * its result after. */
#include "cli_key.h"

#include <stdint.h>
#include <string.h>

#include "cli_audit.h"
#include "cli_token.h"
#include "encode.h"
#include "km_inventory.h"

enum err cli_key_run(const struct cli *c, const char *op, const char *kind,
                     const char *label, cli_key_fn fn, void *ctx)
{
	struct cli_audit_rec rec = { .op = op, .kind = kind, .label = label };
	struct cli_audit_intent in = { 0 };
	struct cli_token t;
	enum err r;

	r = cli_token_open(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, &t);
	if (r == ERR_OK)
		r = cli_audit_begin(c, t.session, &rec, &in);
	if (r == ERR_OK)
		r = fn(c, t.session, ctx);
	rec.result = r;
	rec.intent = &in;
	/* Without a session (the token did not open) this returns r. */
	r = cli_audit(c, t.session, &rec);
	cli_token_close(&t);
	return r;
}

enum err cli_key_select(struct p11_session *s, const char *label,
                        const char *id_hex, struct km_key *out)
{
	uint8_t id[P11_ID_MAX];
	size_t n = id_hex ? strlen(id_hex) : 0;

	if (id_hex && (n == 0 || n % 2 || n / 2 > sizeof(id) ||
	               decode_hex(id, n / 2, id_hex) != ERR_OK))
		return err_set(ERR_USAGE,
		               "--id: '%.80s' is not a CKA_ID in hex (1..%zu "
		               "bytes, as key list shows it)",
		               id_hex, sizeof(id));
	return km_inventory_find_by(s, label, id_hex ? id : NULL, n / 2, out);
}

/* Without --id the DEK lookup keeps its own messages (which half is
 * missing, which do not pair); with it the key is selected as everywhere
 * else, and must have been recognised as a DEK. */
enum err cli_key_dek(struct p11_session *s, const char *label,
                     const char *id_hex, struct p11_dek *out)
{
	struct km_key k;
	enum err r;

	if (!id_hex)
		return p11_dek_find(s, label, out);
	memset(&k, 0, sizeof(k)); /* bad hex returns before find fills k */
	r = cli_key_select(s, label, id_hex, &k);
	if (r == ERR_OK && !k.is_dek)
		r = err_set(ERR_NOT_FOUND,
		            "key '%s' with CKA_ID %s is not a DEK (kind %s); "
		            "`p11seal key list --json` shows each key's kind "
		            "and id",
		            k.info.label, id_hex, k.kind);
	if (r == ERR_OK)
		*out = k.dek;
	km_inventory_free_one(&k);
	return r;
}

cJSON *cli_key_json(const char *label, const char *kind, size_t size,
                    const char *keyhash, bool extractable)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "label", label);
	cJSON_AddStringToObject(j, "kind", kind);
	cJSON_AddNumberToObject(j, "size", (double)size);
	if (keyhash)
		cJSON_AddStringToObject(j, "keyhash", keyhash);
	cJSON_AddBoolToObject(j, "extractable", extractable);
	return j;
}
