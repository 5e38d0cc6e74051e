/* SPDX-License-Identifier: MIT */
/* main.c - global options, then dispatch "GROUP NAME" through the one
 * command table in commands.c. */
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
#include "commands.h"
#include "secmem.h"

#define SECURE_HEAP (4u << 20)

static const char global_usage[] =
        "usage: p11seal [GLOBAL OPTIONS] COMMAND [ARGS]\n"
        "\n"
        "Global options (before the command):\n"
        "  --module PATH           PKCS#11 module (default: p11-kit proxy)\n"
        "  --module-init-args STR  C_Initialize pReserved string (NSS)\n"
        "  --token URI             RFC 7512 token URI, e.g. pkcs11:token=st1\n"
        "  --pin-source SRC        file:PATH | env:VAR | fd:N (default: "
        "prompt)\n"
        "  --audit-log FILE        audit log (default "
        "$XDG_STATE_HOME/p11seal/audit.log)\n"
        "  --no-syslog             no syslog copy of audit records (also "
        "P11SEAL_AUDIT_SYSLOG=0)\n"
        "  --json                  one JSON document on stdout\n"
        "  -q, --quiet / -v, --verbose\n"
        "  --version, --help\n"
        "\n"
        "Exit codes: 0 ok, 1 failed, 2 usage, 3 PIN/authentication, 4 not "
        "found,\n5 malformed input, 6 verification failed, 7 refused, "
        "8 network/Key Protect.\n";

static const char *group_of(const struct cli_command *k)
{
	return k->group ? k->group : "";
}

/* True if group g already appeared before index i (printed with it). */
static bool group_seen(const char *g, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (strcmp(group_of(&cli_commands[j]), g) == 0)
			return true;
	return false;
}

/* Commands grouped in order of each group's first appearance. */
static void print_commands(FILE *f)
{
	fputs(global_usage, f);
	for (size_t i = 0; i < cli_n_commands; i++) {
		const char *g = group_of(&cli_commands[i]);

		if (group_seen(g, i))
			continue;
		fputc('\n', f);
		for (size_t j = i; j < cli_n_commands; j++) {
			const struct cli_command *k = &cli_commands[j];
			char full[64];

			if (strcmp(group_of(k), g) != 0)
				continue;
			snprintf(full, sizeof(full), "%s%s%s", g, *g ? " " : "",
			         k->name);
			fprintf(f, "  %-22s %s\n", full, k->summary);
		}
	}
	fputs("\nRun 'p11seal help COMMAND' for a command's options.\n", f);
}

int cmd_help(struct cli *c, int argc, char **argv)
{
	char want[64];

	(void)c;
	if (argc < 2) {
		print_commands(stdout);
		return 0;
	}
	snprintf(want, sizeof(want), "%s%s%s", argv[1], argc > 2 ? " " : "",
	         argc > 2 ? argv[2] : "");
	for (size_t i = 0; i < cli_n_commands; i++) {
		const struct cli_command *k = &cli_commands[i];
		char full[64];

		snprintf(full, sizeof(full), "%s%s%s", k->group ? k->group : "",
		         k->group ? " " : "", k->name);
		if (strcmp(full, want) == 0 ||
		    (argc == 2 && k->group && strcmp(k->group, argv[1]) == 0)) {
			printf("p11seal %s %s\n  %s\n", full,
			       k->usage ? k->usage : "", k->summary);
			if (argc > 2)
				return 0;
		}
	}
	return 0;
}

int cmd_version(struct cli *c, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (c->json) {
		printf("{\"p11seal\":\"%s\",\"openssl\":\"%s\",\"p11-kit\":"
		       "\"%s\",\"cjson\":\"%s\"}\n",
		       P11SEAL_VERSION, OPENSSL_VERSION_TEXT,
		       P11KIT_BUILD_VERSION, cJSON_Version());
		return 0;
	}
	printf("p11seal %s (%s, p11-kit %s, cJSON %s)\n", P11SEAL_VERSION,
	       OPENSSL_VERSION_TEXT, P11KIT_BUILD_VERSION, cJSON_Version());
	return 0;
}

/* Parse global options; returns -1 to go on, else an exit code. */
static int parse_globals(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "module-init-args", required_argument, NULL, 'I' },
		{ "token", required_argument, NULL, 't' },
		{ "pin-source", required_argument, NULL, 'p' },
		{ "audit-log", required_argument, NULL, 'a' },
		{ "no-syslog", no_argument, NULL, 'L' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "pin", required_argument, NULL, 'P' },
		{ "so-pin", required_argument, NULL, 'S' },
		{ "api-key", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	while ((o = getopt_long(argc, argv, "+qvh", opts, NULL)) != -1) {
		switch (o) {
		case 'm': c->module = optarg; break;
		case 'I': c->module_init_args = optarg; break;
		case 't': c->token_uri = optarg; break;
		case 'p': c->pin_source = optarg; break;
		case 'a': c->audit_log = optarg; break;
		case 'L': setenv("P11SEAL_AUDIT_SYSLOG", "0", 1); break;
		case 'j': c->json = true; break;
		case 'q': c->verbosity = -1; break;
		case 'v': c->verbosity = 1; break;
		case 'V': return cmd_version(c, 0, NULL);
		case 'h': print_commands(stdout); return 0;
		case 'P':
			return cli_fail(c,
			                cli_refuse_argv_secret("--pin", "PIN"));
		case 'S':
			return cli_fail(c, cli_refuse_argv_secret("--so-pin",
			                                          "SO PIN"));
		case 'K':
			return cli_fail(c, cli_refuse_argv_secret("--api-key",
			                                          "API key"));
		default: print_commands(stderr); return EXIT_USAGE;
		}
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
		print_commands(stderr);
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
