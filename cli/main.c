/* SPDX-License-Identifier: MIT */
/* main.c - global options (cli_help.c's table), then dispatch "GROUP NAME"
 * through the one command table in commands.c. */
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/opensslv.h>

#include "cli.h"
#include "cli_config.h"
#include "cli_help.h"
#include "commands.h"
#include "secmem.h"

#define SECURE_HEAP (4u << 20)

int cmd_version(struct cli *c, int argc, char **argv)
{
	int rc = argc ? cli_opts_parse(c, &(struct cli_opts){ 0 }, argc, argv)
	              : -1;

	if (rc >= 0)
		return rc;
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "p11seal", P11SEAL_VERSION);
		cJSON_AddStringToObject(j, "openssl", OPENSSL_VERSION_TEXT);
		cJSON_AddStringToObject(j, "p11_kit", P11KIT_BUILD_VERSION);
		cJSON_AddStringToObject(j, "cjson", cJSON_Version());
		return cli_print_json(j) == ERR_OK ? 0 : cli_fail(c, ERR_NOMEM);
	}
	printf("p11seal %s (%s, p11-kit %s, cJSON %s)\n", P11SEAL_VERSION,
	       OPENSSL_VERSION_TEXT, P11KIT_BUILD_VERSION, cJSON_Version());
	return 0;
}

/* Parse global options (up to the command); returns -1 to go on, else
 * an exit code. */
static int parse_globals(struct cli *c, int argc, char **argv)
{
	struct cli_opts o = {
		.sets = { { cli_global_opts, c }, { cli_global_only_opts, c } },
		.in_order = true,
	};
	int rc = cli_opts_parse(c, &o, argc, argv);

	if (rc >= 0)
		return rc;
	if (c->version)
		return cmd_version(c, 0, NULL);
	if (c->help) {
		cli_help_commands(stdout);
		return 0;
	}
	return -1;
}

static int dispatch(struct cli *c, int argc, char **argv)
{
	static char full[64];

	for (size_t i = 0; i < cli_n_commands; i++) {
		const struct cli_command *k = &cli_commands[i];

		if (!k->group && strcmp(argv[0], k->name) == 0) {
			c->cmd = k->name;
			optind = 0; /* glibc: fully reset getopt for the command
			             */
			return cli_command_run(c, k, argc, argv);
		}
		if (k->group && argc > 1 && strcmp(argv[0], k->group) == 0 &&
		    strcmp(argv[1], k->name) == 0) {
			snprintf(full, sizeof(full), "%s %s", k->group,
			         k->name);
			c->cmd = full;
			optind = 0;
			return cli_command_run(c, k, argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "%s: unknown command '%s%s%s'\n", c->prog, argv[0],
	        argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
	fprintf(stderr, "Run '%s help' for the list of commands.\n", c->prog);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	struct cli c = { .prog = "p11seal" };
	enum err r;
	int rc;

	/* A module that talks to its token over a socket (caml-crush, a
	 * network HSM) must see EPIPE and return an error we can report,
	 * not kill us silently with exit 141. */
	signal(SIGPIPE, SIG_IGN);
	secmem_harden_process();
	secmem_init(SECURE_HEAP);
	secmem_use_for_json();
	rc = parse_globals(&c, argc, argv);
	if (rc >= 0)
		return rc;
	r = cli_config_apply(&c);
	if (r != ERR_OK)
		return cli_fail(&c, r);
	if (optind >= argc) {
		cli_help_commands(stderr);
		return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	rc = dispatch(&c, argc, argv);
	cli_warn_omissions(&c);
	/* For tests: every secret buffer must be wiped and freed by now. */
	if (getenv("P11SEAL_SECMEM_REPORT"))
		fprintf(stderr,
		        "p11seal: secure heap in use at exit: %zu "
		        "bytes\n",
		        secmem_used());
	return rc;
}
