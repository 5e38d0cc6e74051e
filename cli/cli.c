/* SPDX-License-Identifier: MIT */
/* cli.c - error reporting, exit codes and small argument helpers. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_help.h"
#include "json_out.h"
#include "p11_key.h"

int cli_exit_code(enum err r)
{
	switch (r) {
	case ERR_OK: return EXIT_OK_;
	case ERR_USAGE: return EXIT_USAGE;
	case ERR_PIN:
	case ERR_AUTH: return EXIT_AUTH;
	case ERR_NOT_FOUND: return EXIT_NOTFOUND;
	case ERR_FORMAT: return EXIT_BADINPUT;
	case ERR_VERIFY: return EXIT_VERIFY;
	case ERR_EXISTS:
	case ERR_POLICY:
	case ERR_UNSUPPORTED: return EXIT_REFUSED;
	case ERR_HTTP:
	case ERR_REMOTE: return EXIT_REMOTE;
	default: return EXIT_FAIL;
	}
}

int cli_fail(const struct cli *c, enum err r)
{
	const char *d = err_detail();

	fprintf(stderr, "%s: %s%s%s\n", c->prog, c->cmd ? c->cmd : "",
	        c->cmd ? ": " : "", d[0] ? d : err_str(r));
	return cli_exit_code(r);
}

/* argv (after the kind, up to "--") holds flag or flag=VALUE. */
static bool has_flag(int argc, char **argv, const char *flag)
{
	size_t n = strlen(flag);

	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strncmp(argv[i], flag, n) == 0 &&
		    (argv[i][n] == '\0' || argv[i][n] == '='))
			return true;
	return false;
}

static const struct cli_subcommand *
find_kind(const struct cli_subcommand *kinds, int argc, char **argv)
{
	for (const struct cli_subcommand *s = kinds; s->kind; s++)
		if (strcmp(s->kind, argv[0]) == 0 &&
		    (!s->flag || has_flag(argc, argv, s->flag)))
			return s;
	return NULL;
}

/* "root, dek, transport or audit": each kind once. */
static void kind_names(const struct cli_subcommand *kinds, char *out,
                       size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (const struct cli_subcommand *s = kinds; s->kind; s++) {
		bool seen = false;

		for (const struct cli_subcommand *p = kinds; p < s; p++)
			seen = seen || strcmp(p->kind, s->kind) == 0;
		if (seen || len >= cap)
			continue;
		len += (size_t)snprintf(out + len, cap - len, "%s%s",
		                        len ? ", " : "", s->kind);
	}
}

const struct cli_subcommand *cli_command_kinds(const struct cli_command *k)
{
	for (const struct cli_verb_kinds *v = cli_verb_kinds; v->name; v++)
		if (strcmp(v->group ? v->group : "",
		           k->group ? k->group : "") == 0 &&
		    strcmp(v->name, k->name) == 0)
			return v->kinds;
	return NULL;
}

bool cli_kind_repeats(const struct cli_subcommand *kinds,
                      const struct cli_subcommand *s)
{
	for (const struct cli_subcommand *p = kinds; p < s; p++)
		if (strcmp(p->kind, s->kind) == 0 && p->run == s->run)
			return true;
	return false;
}

int cli_command_run(struct cli *c, const struct cli_command *k, int argc,
                    char **argv)
{
	const struct cli_subcommand *kinds, *s;
	char names[128];

	if (k->run)
		return k->run(c, argc, argv);
	kinds = cli_command_kinds(k);
	if (!kinds)
		return cli_fail(
		        c, err_set(ERR_INTERNAL, "no kinds for '%s'", k->name));
	if (argc > 1 && argv[1][0] != '-') {
		s = find_kind(kinds, argc - 1, argv + 1);
		if (s) {
			c->kind = s;
			return s->run(c, argc - 1, argv + 1);
		}
	}
	if (cli_wants_help(c, argc, argv))
		return 0;
	kind_names(kinds, names, sizeof(names));
	if (argc < 2 || argv[1][0] == '-')
		return cli_usage(c, "give the kind first: %s", names);
	return cli_usage(c, "unknown kind '%s' (%s)", argv[1], names);
}

void cli_apply_globals(struct cli *c)
{
	if (c->quiet || c->verbose)
		c->verbosity = c->quiet ? -1 : 1;
	if (c->no_syslog)
		setenv("P11SEAL_AUDIT_SYSLOG", "0", 1);
}

int cli_usage(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: %s%s", c->prog, c->cmd ? c->cmd : "",
	        c->cmd ? ": " : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see '%s help%s%s')\n", c->prog, c->cmd ? " " : "",
	        c->cmd ? c->cmd : "");
	return EXIT_USAGE;
}

void cli_info(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	if (c->verbosity < 0)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

enum err cli_parse_ulong(const char *s, const char *what, unsigned long min,
                         unsigned long max, unsigned long *out)
{
	char *end = NULL;
	unsigned long v;

	errno = 0;
	if (!s || !*s || *s == '-' || *s == '+')
		return err_set(ERR_USAGE, "%s: '%s' is not a number", what,
		               s ? s : "");
	v = strtoul(s, &end, 10);
	if (errno || *end)
		return err_set(ERR_USAGE, "%s: '%s' is not a number", what, s);
	if (v < min || v > max)
		return err_set(ERR_USAGE, "%s: %lu is outside %lu..%lu", what,
		               v, min, max);
	*out = v;
	return ERR_OK;
}

bool cli_asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

bool cli_wants_help(const struct cli *c, int argc, char **argv)
{
	if (!cli_asks_help(argc, argv))
		return false;
	cli_help_command(c, NULL);
	return true;
}

enum err cli_refuse_argv_secret(const char *flag, const char *what)
{
	return err_set(ERR_USAGE,
	               "%s on the command line is refused (visible in ps and "
	               "shell history); pass the %s with --%s-source "
	               "file:PATH|env:VAR|fd:N or at the prompt",
	               flag, what,
	               strcmp(what, "API key") == 0  ? "api-key"
	               : strcmp(what, "SO PIN") == 0 ? "so-pin"
	                                             : "pin");
}

/* Keys this run made without optional attributes, as
 * "template_warnings": [{"label": L, "omitted_attributes": [...]}]. */
static void add_template_warnings(cJSON *j)
{
	struct p11_key_omission om;
	cJSON *arr = NULL, *w;

	for (size_t i = 0; cJSON_IsObject(j) && p11_key_omission(i, &om); i++) {
		if (!arr)
			arr = cJSON_AddArrayToObject(j, "template_warnings");
		w = cJSON_CreateObject();
		if (!arr || !w) {
			cJSON_Delete(w);
			return;
		}
		cJSON_AddStringToObject(w, "label", om.label);
		cJSON_AddItemToObject(
		        w, "omitted_attributes",
		        cJSON_CreateStringArray(om.attrs, (int)om.n));
		cJSON_AddItemToArray(arr, w);
	}
}

void cli_warn_omissions(const struct cli *c)
{
	struct p11_key_omission om;

	for (size_t i = 0; p11_key_omission(i, &om); i++) {
		fprintf(stderr, "%s: %s: warning: the token refused ", c->prog,
		        c->cmd ? c->cmd : "");
		for (size_t j = 0; j < om.n; j++)
			fprintf(stderr, "%s%s", j ? " and " : "", om.attrs[j]);
		fprintf(stderr,
		        " for key '%s', so it was made without %s; "
		        "every custody attribute is set\n",
		        om.label, om.n == 1 ? "it" : "them");
	}
}

enum err cli_print_json(cJSON *j)
{
	bool ok;

	if (!j)
		return err_set(ERR_NOMEM, "JSON output");
	add_template_warnings(j);
	ok = json_out_print(stdout, j);
	cJSON_Delete(j);
	return ok ? ERR_OK : err_set(ERR_NOMEM, "JSON output");
}

bool cli_confirm(const char *prompt)
{
	char answer[8] = "";
	FILE *tty = fopen("/dev/tty", "r+");
	bool yes;

	if (!tty)
		return false;
	fprintf(tty, "%s [y/N] ", prompt);
	fflush(tty);
	if (!fgets(answer, sizeof(answer), tty))
		answer[0] = '\0';
	fclose(tty);
	yes = strcmp(answer, "y\n") == 0 || strcmp(answer, "yes\n") == 0;
	return yes;
}

long cli_env_ms(const char *name)
{
	const char *v = getenv(name);
	unsigned long ms = 0;

	if (v && cli_parse_ulong(v, name, 1, 600000, &ms) != ERR_OK)
		ms = 0;
	return (long)ms;
}
