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

/* --id HEX into id (*n bytes); NULL hex: no id, *n = 0. */
static enum err parse_id(const char *id_hex, uint8_t id[P11_ID_MAX], size_t *n)
{
	size_t len = id_hex ? strlen(id_hex) : 0;

	*n = len / 2;
	if (id_hex && (len == 0 || len % 2 || len / 2 > P11_ID_MAX ||
	               decode_hex(id, len / 2, id_hex) != ERR_OK))
		return err_set(ERR_USAGE,
		               "--id: '%.80s' is not a CKA_ID in hex (1..%d "
		               "bytes, as key list shows it)",
		               id_hex, P11_ID_MAX);
	return ERR_OK;
}

enum err cli_key_select(struct p11_session *s, const char *label,
                        const char *id_hex, struct km_key *out)
{
	uint8_t id[P11_ID_MAX];
	size_t n;
	enum err r = parse_id(id_hex, id, &n);

	if (r == ERR_OK)
		r = km_inventory_find_by(s, label, id_hex ? id : NULL, n, out);
	return r;
}

enum err cli_key_dek(struct p11_session *s, const char *label,
                     const char *id_hex, struct p11_dek *out)
{
	uint8_t id[P11_ID_MAX];
	size_t n;
	enum err r = parse_id(id_hex, id, &n);

	if (r == ERR_OK)
		r = p11_dek_find_by(s, label, id_hex ? id : NULL, n, out);
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
