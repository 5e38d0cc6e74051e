/* SPDX-License-Identifier: MIT */
/* cmd_kp_key_show.c - `p11seal kp key-show KEY`: one key's metadata (never
 * its material), as text or --json. */
#include "cli.h"
#include "commands.h"
#include "kp_client.h"
#include "kp_key.h"
#include "kp_opts.h"
#include "kp_print.h"

static enum err show(struct cli *c, struct kp_client *kp, void *args)
{
	const char *const *id = args;
	struct kp_key k = { 0 };
	enum err r;

	r = kp_key_get(kp, *id, &k);
	if (r == ERR_OK)
		r = kp_print_key(c, &k);
	kp_json_key_clear(&k);
	return r;
}

int cmd_kp_key_show(struct cli *c, int argc, char **argv)
{
	const char *id = NULL;

	return kp_cmd_run(
	        c, argc, argv,
	        &(struct kp_cmd){ .args = &id, .arg = &id, .call = show });
}
