/* SPDX-License-Identifier: MIT */
/* cmd_image_show.c - `p11seal image show ID`: an image template and
 * whether its import is still running, done or failed (SoftLayer's
 * getObject). */
#include "cli.h"
#include "cli_image.h"
#include "commands.h"
#include "kp_client.h"

struct show_args {
	const char *id, *sl_url;
};

static const struct cli_opt opts[] = {
	CLI_IMAGE_SL_URL(struct show_args, sl_url),
	{ NULL },
};

int cmd_image_show(struct cli *c, int argc, char **argv)
{
	struct show_args a = { NULL, NULL };
	struct kp_client *kp = NULL;
	struct sl_image im;
	unsigned long id = 0;
	struct kp_opts ko;
	enum err r;
	int rc = kp_cmd_parse(c, argc, argv,
	                      &(struct kp_cmd){ .opts = opts,
	                                        .args = &a,
	                                        .arg = &a.id,
	                                        .arg_usage = "expected one "
	                                                     "template ID" },
	                      &ko);

	if (rc >= 0)
		return rc;
	if (cli_parse_ulong(a.id, "template ID", 1, (1ul << 53), &id) != ERR_OK)
		return cli_usage(c, "%s", err_detail());
	cli_image_kp_unused(&ko);
	r = kp_opts_connect(&ko, &kp);
	if (r == ERR_OK)
		r = sl_image_get(kp, cli_image_sl_url(a.sl_url, &ko),
		                 (long long)id, &im);
	if (r == ERR_OK)
		r = cli_image_print(c, &im);
	kp_client_free(kp);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
