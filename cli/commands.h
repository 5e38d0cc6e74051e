/* SPDX-License-Identifier: MIT */
/* commands.h - one declaration per subcommand; each lives in its own file
 * (cli/cmd_<group>_<name>.c) and is listed once in commands.c. */
#ifndef P11SEAL_COMMANDS_H
#define P11SEAL_COMMANDS_H

struct cli;

int cmd_help(struct cli *c, int argc, char **argv);
int cmd_version(struct cli *c, int argc, char **argv);

#endif
