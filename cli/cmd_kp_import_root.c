/* SPDX-License-Identifier: MIT */
/* cmd_kp_import_root.c - `p11seal kp import-root --label L --name NAME`:
 * new AES-256 root material imported into Key Protect with an import
 * token and kept in the token as root key L: made in the token where it
 * can (with the security officer where the token enforces trusted
 * wrapping), host-assisted only with --host-assisted. */
#include "cli.h"
#include "cli_kp.h"
#include "cli_opts.h"
#include "commands.h"

static const struct cli_opt opts[] = {
	{ "label", CLI_STR(struct cli_kp_root_args, o.label), .arg = "L",
	  .required = true, .help = "the root key's token label (required)" },
	{ "name", CLI_STR(struct cli_kp_root_args, o.name), .arg = "NAME",
	  .required = true, .help = "the Key Protect key's name (required)" },
	{ "alias", CLI_STR(struct cli_kp_root_args, o.alias), .arg = "ALIAS",
	  .help = "a Key Protect alias of the key; default none" },
	{ NULL },
};

int cmd_kp_import_root(struct cli *c, int argc, char **argv)
{
	return cli_kp_root_main(c, argc, argv, opts,
	                        "--label LABEL and --name NAME are required",
	                        km_kproot_import, "kp.import-root");
}
