/* SPDX-License-Identifier: MIT */
/* cmd_kp_key_enable.c - `p11seal kp key-enable KEY`: make a suspended key
 * active again (KP wants 30 s between disable and enable). */
#include "commands.h"
#include "kp_key.h"
#include "kp_opts.h"

int cmd_kp_key_enable(struct cli *c, int argc, char **argv)
{
	return kp_opts_run_action(c, argc, argv, kp_key_enable, "enabled");
}
