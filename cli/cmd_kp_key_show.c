/* SPDX-License-Identifier: MIT */
/* cmd_kp_key_show.c - `p11seal kp key-show KEY`: one key's metadata (never
 * its material), as text or --json. */
#include "cli.h"
#include "commands.h"
#include "kp_client.h"
#include "kp_key.h"
#include "kp_opts.h"
#include "kp_print.h"

int cmd_kp_key_show(struct cli *c, int argc, char **argv)
{
	struct kp_client *kp = NULL;
	struct kp_key k = { 0 };
	struct kp_opts o;
	const char *id = NULL;
	enum err r;
	int rc;

	rc = kp_opts_parse(c, argc, argv, NULL, NULL, NULL, NULL, &o);
	if (rc < 0)
		rc = kp_opts_one_id(c, argc, argv, &id);
	if (rc >= 0)
		return rc;
	r = kp_opts_connect(&o, &kp);
	if (r == ERR_OK)
		r = kp_key_get(kp, id, &k);
	if (r == ERR_OK && c->json)
		r = cli_print_json(kp_print_key_json(&k));
	else if (r == ERR_OK)
		kp_print_key_text(&k);
	kp_json_key_clear(&k);
	kp_client_free(kp);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
