/* SPDX-License-Identifier: MIT */
/* cmd_kp_import_root.c - `p11seal kp import-root --label L --name NAME`:
 * new AES-256 root material imported into Key Protect with an import
 * token and kept in the token as root key L: made in the token where it
 * can (with the security officer where the token enforces trusted
 * wrapping), host-assisted only with --host-assisted. */
#include "cli.h"
#include "cli_kp.h"
#include "commands.h"
#include "kp_opts.h"

/* The options cli_kp_root_opt takes, for help, man page and
 * completion. */
static const struct cli_opt described[] = {
	{ "label", .kind = CLI_OPT_STR, .arg = "L",
	  .help = "the root key's label in the token (required)" },
	{ "name", .kind = CLI_OPT_STR, .arg = "NAME",
	  .help = "the key's name in Key Protect (required)" },
	{ "alias", .kind = CLI_OPT_STR, .arg = "A",
	  .help = "an alias of the key in Key Protect; default none" },
	{ "host-assisted", .kind = CLI_OPT_FLAG,
	  .help = "allow the key material to be made on the host when the "
	          "token cannot wrap it for Key Protect itself; default "
	          "refused" },
	CLI_DESCRIBE_SO_PIN(" (tokens that make the key with the "
	                    "security officer)"),
	{ NULL },
};

int cmd_kp_import_root(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'n' },
		{ "alias", required_argument, NULL, 'a' },
		{ "host-assisted", no_argument, NULL, 'H' },
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
	if (rc < 0 && (!a.o.label || !a.o.label[0] || !a.o.name))
		rc = cli_usage(c, "--label LABEL and --name NAME are required");
	if (rc >= 0)
		return rc;
	r = cli_kp_root_run(&ko, &a, km_kproot_import, "kp.import-root");
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
