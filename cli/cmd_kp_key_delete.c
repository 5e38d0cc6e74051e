/* SPDX-License-Identifier: MIT */
/* cmd_kp_key_delete.c - `p11seal kp key-delete KEY [--force] [--yes]`:
 * delete a Key Protect key after confirmation. Data wrapped by a deleted
 * root key cannot be unwrapped (KP can restore it for 30 days). */
#include <stdio.h>

#include "cli.h"
#include "commands.h"
#include "kp_client.h"
#include "kp_key.h"
#include "kp_opts.h"
#include "kp_print.h"

struct delete_args {
	const char *id;
	bool force, yes;
};

static const struct cli_opt opts[] = {
	{ "force", CLI_FLAG(struct delete_args, force), .letter = 'f',
	  .help = "delete even a key with registrations; default refused" },
	{ "yes", CLI_FLAG(struct delete_args, yes), .letter = 'y',
	  .help = "do not ask; default ask on the terminal (none: refused)" },
	{ NULL },
};

/* --json: Key Protect's key as it was before, and that it is gone. */
static enum err print_deleted(const struct kp_key *k)
{
	cJSON *j = kp_print_nest("key", kp_print_key_json(k));

	if (j)
		cJSON_AddBoolToObject(j, "deleted", true);
	return cli_print_json(j);
}

static enum err delete_key(struct cli *c, struct kp_client *kp, void *args)
{
	const struct delete_args *a = args;
	char prompt[256];
	struct kp_key k;
	enum err r = kp_key_get(kp, a->id, &k);

	if (r != ERR_OK)
		return r;
	snprintf(prompt, sizeof(prompt),
	         "Delete Key Protect %s key '%.90s' "
	         "(%s)? Everything it wraps becomes unreadable.",
	         k.extractable ? "standard" : "root", k.name, k.id);
	if (!a->yes && !cli_confirm(prompt))
		r = err_set(ERR_USAGE, "not confirmed; nothing deleted (use "
		                       "--yes when there is no terminal)");
	if (r == ERR_OK)
		r = kp_key_delete(kp, k.id, a->force);
	if (r == ERR_OK)
		cli_info(c, "deleted key %s", k.id);
	if (r == ERR_OK && c->json)
		r = print_deleted(&k);
	kp_json_key_clear(&k);
	return r;
}

int cmd_kp_key_delete(struct cli *c, int argc, char **argv)
{
	struct delete_args a = { NULL, false, false };

	return kp_cmd_run(c, argc, argv,
	                  &(struct kp_cmd){ .opts = opts,
	                                    .args = &a,
	                                    .arg = &a.id,
	                                    .call = delete_key });
}
