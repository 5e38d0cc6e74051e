/* SPDX-License-Identifier: MIT */
/* commands.c - the one table of subcommands, grouped as `p11seal help`
 * prints them. Add a line here and a file cli/cmd_<group>_<name>.c. */
#include "cli.h"
#include "commands.h"

const struct cli_command cli_commands[] = {
	{ NULL, "help", cmd_help, "show commands, or one command's options",
	  "[GROUP [NAME]]" },
	{ NULL, "version", cmd_version, "print versions of p11seal and its "
	  "libraries", "" },
};

const size_t cli_n_commands = sizeof(cli_commands) / sizeof(cli_commands[0]);
