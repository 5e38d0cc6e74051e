/* SPDX-License-Identifier: MIT */
/* cmd_kp_rotate.c - `p11seal kp rotate --label L`: rotate an imported root
 * key with new material made the way import-root makes it; the token
 * keeps the new version as "L.v<n>" beside the older ones, which go only
 * with --drop-previous. */
#include "cli.h"
#include "cli_kp.h"
#include "cli_opts.h"
#include "commands.h"

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct cli_kp_root_args, o.label), .arg = "L",
	  .required = true,
	  .help = "the imported root key, or one of its versions (required)" },
	{ "drop-previous", CLI_FLAG(struct cli_kp_root_args, o.drop_previous),
	  .help = "destroy the older versions in the token after; default "
	          "kept as L.v<n>" },
	{ NULL },
};

int cmd_kp_rotate(struct cli *c, int argc, char **argv)
{
	return cli_kp_root_main(c, argc, argv, opts,
	                        "--label LABEL is required", km_kproot_rotate,
	                        "key.rotate");
}
