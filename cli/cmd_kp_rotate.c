/* SPDX-License-Identifier: MIT */
/* cmd_kp_rotate.c - `p11seal kp rotate --label L`: rotate an imported root
 * key with new material made the way import-root makes it; the token
 * keeps the new version as "L.v<n>" beside the older ones, which go only
 * with --drop-previous. */
#include "cli.h"
#include "cli_kp.h"
#include "commands.h"
#include "kp_opts.h"

/* The options cli_kp_root_opt takes, for help, man page and
 * completion. */
static const struct cli_opt described[] = {
	{ "label", .kind = CLI_OPT_STR, .arg = "L",
	  .help = "the imported root key (required)" },
	{ "host-assisted", .kind = CLI_OPT_FLAG,
	  .help = "allow the key material to be made on the host when the "
	          "token cannot wrap it for Key Protect itself; default "
	          "refused" },
	{ "drop-previous", .kind = CLI_OPT_FLAG,
	  .help = "destroy the older versions in the token; default kept as "
	          "L.v<n>" },
	CLI_DESCRIBE_SO_PIN(" (tokens that make the key with the "
	                    "security officer)"),
	{ NULL },
};

int cmd_kp_rotate(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "host-assisted", no_argument, NULL, 'H' },
		{ "drop-previous", no_argument, NULL, 'd' },
		{ "so-pin-source", required_argument, NULL, 's' },
		{ "so-pin", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli_kp_root_args a = { .c = c };
	struct kp_opts ko;
	enum err r;
	int rc;

	rc = kp_opts_parse(c, argc, argv, opts, "", cli_kp_root_opt, &a,
	                   described, &ko);
	if (rc < 0 && optind < argc)
		rc = cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (rc < 0 && (!a.o.label || !a.o.label[0]))
		rc = cli_usage(c, "--label LABEL is required");
	if (rc >= 0)
		return rc;
	r = cli_kp_root_run(&ko, &a, km_kproot_rotate, "key.rotate");
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
