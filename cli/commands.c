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
	{ "token", "list", cmd_token_list, "list the tokens the module offers",
	  "" },
	{ "token", "info", cmd_token_info, "show the selected token", "" },
	{ "token", "mechanisms", cmd_token_mechanisms, "what the token can do "
	  "for p11seal, with a verdict per feature", "[--no-trials]" },
	{ "token", "init", cmd_token_init, "initialise a token (SO PIN, then "
	  "user PIN)", "--label L [--so-pin-source SRC] [--force]" },
	{ "key", "list", cmd_key_list, "list keys (a DEK's halves as one)",
	  "" },
	{ "key", "show", cmd_key_show, "show one key with every security "
	  "attribute", "--label L" },
	{ "key", "create", cmd_key_create, "generate a root key (AES-256) or "
	  "a DEK (32|64 bytes) in the token",
	  "root|dek --label L [--size 32|64] [--exportable] "
	  "[--never-extractable]" },
	{ "key", "import", cmd_key_import, "import an IBM vhd-util key file as "
	  "a non-extractable DEK", "dek --label L --raw-file FILE" },
	{ "key", "delete", cmd_key_delete, "destroy a key and its metadata",
	  "--label L [--yes]" },
	{ "vhd", "info", cmd_vhd_info, "show a disk image: kind, sizes, "
	  "allocation, creator, keyhash", "FILE" },
};

const size_t cli_n_commands = sizeof(cli_commands) / sizeof(cli_commands[0]);
