/* SPDX-License-Identifier: MIT */
/* cli_config.h - defaults for the global options from the environment
 * and the user's config file; a flag always wins (flag > environment >
 * file). */
#ifndef P11SEAL_CLI_CONFIG_H
#define P11SEAL_CLI_CONFIG_H

#include <stddef.h>

#include "err.h"

struct cli;

/* $XDG_CONFIG_HOME/p11seal/config, else ~/.config/p11seal/config. */
enum err cli_config_path(char *out, size_t cap);

/* Fill the module, its init args, the token URI, the PIN source and the
 * CA file that no flag set: P11SEAL_* in the environment, else the same
 * keys in the config file; the CA file last from SSL_CERT_FILE.
 * ERR_USAGE names the file and line of a bad entry, ERR_POLICY a file
 * others can write. */
enum err cli_config_apply(struct cli *c);

#endif
