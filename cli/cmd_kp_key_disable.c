/* SPDX-License-Identifier: MIT */
/* cmd_kp_key_disable.c - `p11seal kp key-disable KEY`: suspend a root key
 * (state 2); wrap and unwrap with it fail until it is enabled again. */
#include "commands.h"
#include "kp_key.h"
#include "kp_opts.h"

int cmd_kp_key_disable(struct cli *c, int argc, char **argv)
{
	return kp_opts_run_action(c, argc, argv, kp_key_disable, "disabled");
}
