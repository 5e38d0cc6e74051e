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

struct delete_args {
	struct cli *c;
	bool force, yes;
};

static int on_opt(void *ctx, int ch, const char *arg)
{
	struct delete_args *a = ctx;

	(void)arg;
	switch (ch) {
	case 'f': a->force = true; return 0;
	case 'y': a->yes = true; return 0;
	default: return cli_usage(a->c, "unknown option");
	}
}

static enum err delete_key(struct kp_client *kp, const char *id,
                           const struct delete_args *a)
{
	char prompt[256];
	struct kp_key k;
	enum err r = kp_key_get(kp, id, &k);

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
		cli_info(a->c, "deleted key %s", k.id);
	kp_json_key_clear(&k);
	return r;
}

int cmd_kp_key_delete(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "yes", no_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 },
	};
	struct delete_args a = { c, false, false };
	struct kp_client *kp = NULL;
	struct kp_opts o;
	const char *id = NULL;
	enum err r;
	int rc;

	rc = kp_opts_parse(c, argc, argv, opts, "fy", on_opt, &a, &o);
	if (rc < 0)
		rc = kp_opts_one_id(c, argc, argv, &id);
	if (rc >= 0)
		return rc;
	r = kp_opts_connect(&o, &kp);
	if (r == ERR_OK)
		r = delete_key(kp, id, &a);
	kp_client_free(kp);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
