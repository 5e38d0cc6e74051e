/* SPDX-License-Identifier: MIT */
/* cli_help.c - a command's help, man page section and completion words,
 * printed from the tables its parser reads. */
#include "cli_help.h"

#include <string.h>

#define WIDTH  80 /* columns of text help */
#define INDENT 25 /* column where an option's help starts */

const struct cli_opt cli_global_opts[] = {
	{ "module", CLI_STR(struct cli, module), .arg = "PATH",
	  .help = "PKCS#11 module; default the p11-kit proxy" },
	{ "module-init-args", CLI_STR(struct cli, module_init_args),
	  .arg = "STR",
	  .help = "C_Initialize pReserved string (NSS); default none" },
	{ "token", CLI_STR(struct cli, token_uri), .arg = "URI",
	  .help = "RFC 7512 token URI, e.g. pkcs11:token=st1; default the one "
	          "token the module offers" },
	{ "pin-source", CLI_STR(struct cli, pin_source), .arg = "SRC",
	  .help = "where the user PIN is read: file:PATH, env:VAR, fd:N; "
	          "default a prompt on the terminal" },
	{ "audit-log", CLI_STR(struct cli, audit_log), .arg = "FILE",
	  .help = "audit log; default $XDG_STATE_HOME/p11seal/audit.log" },
	{ "no-syslog", CLI_FLAG(struct cli, no_syslog),
	  .help = "no syslog copy of audit records (also "
	          "P11SEAL_AUDIT_SYSLOG=0); default a copy" },
	{ "json", CLI_FLAG(struct cli, json),
	  .help = "one JSON document on stdout; default text" },
	{ "quiet", CLI_FLAG(struct cli, quiet), .letter = 'q',
	  .help = "no informational lines on stderr" },
	{ "verbose", CLI_FLAG(struct cli, verbose), .letter = 'v',
	  .help = "more detail on stderr" },
	{ "pin", CLI_SECRET("PIN"),
	  .help = "refused: a PIN on the command line shows in ps and shell "
	          "history; use --pin-source" },
	{ "so-pin", CLI_SECRET("SO PIN"),
	  .help = "refused, as --pin; use the command's --so-pin-source" },
	{ "api-key", CLI_SECRET("API key"),
	  .help = "refused, as --pin; use the kp commands' --api-key-source" },
	{ NULL },
};

const struct cli_opt cli_global_only_opts[] = {
	{ "version", CLI_FLAG(struct cli, version),
	  .help = "print the versions of p11seal and its libraries" },
	{ "help", CLI_FLAG(struct cli, help), .letter = 'h',
	  .help = "print the commands; 'p11seal help COMMAND' for one" },
	{ NULL },
};

const struct cli_exit_doc cli_exit_docs[] = {
	{ 0, "success" },
	{ 1, "the operation failed: token, I/O, crypto" },
	{ 2, "usage: a bad command line" },
	{ 3, "PIN or authentication: wrong or locked PIN, API key refused" },
	{ 4, "not found: token, key, object or file" },
	{ 5, "malformed input: a file or response that is not what it "
	     "should be" },
	{ 6, "verification failed: keyhash, MAC, chain or manifest "
	     "mismatch" },
	{ 7, "refused: exists, unsafe, unsupported" },
	{ 8, "network or Key Protect error" },
	{ 0, NULL },
};

static bool takes_value(const struct cli_opt *e)
{
	return e->kind != CLI_OPT_FLAG && e->kind != CLI_OPT_SET;
}

/* s, its first word at column col (where the caller left the cursor),
 * wrapped at WIDTH with continuation lines indented by indent. */
static void wrap(FILE *f, const char *s, size_t col, size_t indent)
{
	bool first = true;

	while (*s) {
		size_t n = strcspn(s, " ");

		if (!first && col + 1 + n > WIDTH) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", (int)n, s);
		col += n;
		s += n;
		s += strspn(s, " ");
		first = false;
	}
	fputc('\n', f);
}

/* "  -q, --quiet" or "  --key LABEL": the left column of an option. */
static size_t option_head(char *buf, size_t cap, const struct cli_opt *e)
{
	char letter[8] = "";
	bool v = takes_value(e) && e->arg && e->kind != CLI_OPT_SECRET;
	int n;

	if (e->letter)
		snprintf(letter, sizeof(letter), "-%c, ", e->letter);
	n = snprintf(buf, cap, "  %s--%s%s%s", letter, e->name, v ? " " : "",
	             v ? e->arg : "");
	return n < 0 ? 0 : strlen(buf);
}

void cli_help_table(FILE *f, const struct cli_opt *t)
{
	for (const struct cli_opt *e = t; e && e->name; e++) {
		char head[64];
		size_t n = option_head(head, sizeof(head), e);

		fputs(head, f);
		if (n >= INDENT - 1)
			fprintf(f, "\n%*s", INDENT, "");
		else
			fprintf(f, "%*s", (int)(INDENT - n), "");
		wrap(f, e->help ? e->help : "", INDENT, INDENT);
	}
}

void cli_help_man_text(FILE *f, const char *s)
{
	fputs("\\&", f); /* a leading . or ' is text, not a request */
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '-')
			fputs("\\-", f);
		else
			fputc(*s, f);
	}
}

void cli_help_man_table(FILE *f, const struct cli_opt *t)
{
	for (const struct cli_opt *e = t; e && e->name; e++) {
		fputs(".TP\n", f);
		if (e->letter)
			fprintf(f, "\\fB\\-%c\\fR, ", e->letter);
		fputs("\\fB", f);
		cli_help_man_text(f, "--");
		cli_help_man_text(f, e->name);
		fputs("\\fR", f);
		if (takes_value(e) && e->arg && e->kind != CLI_OPT_SECRET) {
			fputs(" \\fI", f);
			cli_help_man_text(f, e->arg);
			fputs("\\fR", f);
		}
		fputc('\n', f);
		cli_help_man_text(f, e->help ? e->help : "");
		fputc('\n', f);
	}
}

void cli_help_words(FILE *f, const struct cli_opt *t)
{
	for (const struct cli_opt *e = t; e && e->name; e++) {
		if (e->kind == CLI_OPT_SECRET)
			continue; /* refused: not offered */
		fprintf(f, " --%s", e->name);
		if (takes_value(e))
			fprintf(f, "=%s", e->arg ? e->arg : "VALUE");
	}
}

/* The row of the current command in cli_commands, or NULL. */
static const struct cli_command *row_of(const struct cli *c)
{
	for (size_t i = 0; c->cmd && i < cli_n_commands; i++) {
		const struct cli_command *k = &cli_commands[i];
		char row[64];

		snprintf(row, sizeof(row), "%s%s%s", k->group ? k->group : "",
		         k->group ? " " : "", k->name);
		if (strcmp(row, c->cmd) == 0)
			return k;
	}
	return NULL;
}

/* The title ("key create dek --kp-root"), synopsis and summary of the
 * current command: its row in cli_commands, or the kind's. */
static void names(const struct cli *c, char *title, size_t cap,
                  const char **usage, const char **summary)
{
	const struct cli_command *k = row_of(c);

	*usage = k && k->usage ? k->usage : "";
	*summary = k ? k->summary : "";
	if (c->kind) {
		*usage = c->kind->usage;
		*summary = c->kind->summary;
	}
	snprintf(title, cap, "%s%s%s%s%s", c->cmd ? c->cmd : "",
	         c->kind ? " " : "", c->kind ? c->kind->kind : "",
	         c->kind && c->kind->flag ? " " : "",
	         c->kind && c->kind->flag ? c->kind->flag : "");
}

/* A verb's kinds (`p11seal help key create`), each once. */
static void help_kinds(const struct cli *c)
{
	const struct cli_command *k = row_of(c);
	const struct cli_subcommand *kinds = k ? cli_command_kinds(k) : NULL;

	if (c->kind || !kinds)
		return;
	fputs("\nKinds:\n", stdout);
	for (const struct cli_subcommand *s = kinds; s->kind; s++) {
		char name[48];

		if (cli_kind_repeats(kinds, s))
			continue;
		snprintf(name, sizeof(name), "%s%s%s", s->kind,
		         s->flag ? " " : "", s->flag ? s->flag : "");
		printf("  %-22s ", name);
		wrap(stdout, s->summary, INDENT, INDENT);
	}
	printf("\nRun '%s help %s KIND' for a kind's options.\n", c->prog,
	       c->cmd);
}

/* Every table of o, the command's own first. */
static void each_table(FILE *f, const struct cli_opts *o,
                       void (*fn)(FILE *, const struct cli_opt *))
{
	for (size_t s = 0; o && s < CLI_OPTS_SETS; s++)
		if (o->sets[s].opts)
			fn(f, o->sets[s].opts);
}

static bool has_options(const struct cli_opts *o)
{
	for (size_t s = 0; o && s < CLI_OPTS_SETS; s++)
		if (o->sets[s].opts && o->sets[s].opts->name)
			return true;
	return false;
}

static void help_text(const struct cli *c, const struct cli_opts *o)
{
	const char *usage, *summary;
	char full[64];
	int col;

	names(c, full, sizeof(full), &usage, &summary);
	col = printf("usage: %s %s%s", c->prog, c->cmd, *usage ? " " : "");
	wrap(stdout, usage, col > 0 ? (size_t)col : 0, 8);
	fputs("  ", stdout);
	wrap(stdout, summary, 2, 2);
	help_kinds(c);
	if (has_options(o)) {
		fputs("\nOptions:\n", stdout);
		each_table(stdout, o, cli_help_table);
	}
	printf("\nGlobal options (--json, --token, ...) go before or after "
	       "the command;\nsee '%s help'.\n",
	       c->prog);
}

static void help_man(const struct cli *c, const struct cli_opts *o)
{
	const char *usage, *summary;
	char full[64];

	names(c, full, sizeof(full), &usage, &summary);
	fputs(".SS \"", stdout);
	cli_help_man_text(stdout, full);
	fputs("\"\n\\fBp11seal ", stdout);
	cli_help_man_text(stdout, c->cmd);
	fputs("\\fR ", stdout);
	cli_help_man_text(stdout, usage);
	fputs("\n.PP\n", stdout);
	cli_help_man_text(stdout, summary);
	fputc('\n', stdout);
	each_table(stdout, o, cli_help_man_table);
}

static void help_words(const struct cli *c, const struct cli_opts *o)
{
	const char *usage, *summary;
	char full[64];

	names(c, full, sizeof(full), &usage, &summary);
	(void)usage;
	(void)summary;
	/* a kind's row with a flag completes as the kind's own */
	printf("%s%s%s\t", c->cmd, c->kind ? " " : "",
	       c->kind ? c->kind->kind : "");
	each_table(stdout, o, cli_help_words);
	fputc('\n', stdout);
}

void cli_help_command(const struct cli *c, const struct cli_opts *o)
{
	switch (c->help_fmt) {
	case CLI_HELP_TEXT: help_text(c, o); break;
	case CLI_HELP_MAN: help_man(c, o); break;
	case CLI_HELP_WORDS: help_words(c, o); break;
	}
}

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

void cli_help_group(FILE *f, const char *g)
{
	for (size_t j = 0; j < cli_n_commands; j++) {
		const struct cli_command *k = &cli_commands[j];
		char full[64];

		if (strcmp(group_of(k), g) != 0)
			continue;
		snprintf(full, sizeof(full), "%s%s%s", g, *g ? " " : "",
		         k->name);
		fprintf(f, "  %-22s ", full);
		wrap(f, k->summary, INDENT, INDENT);
	}
}

void cli_help_commands(FILE *f)
{
	fputs("usage: p11seal [GLOBAL OPTIONS] COMMAND [ARGS]\n\n"
	      "Global options (before the command, or among its own "
	      "options):\n",
	      f);
	cli_help_table(f, cli_global_opts);
	cli_help_table(f, cli_global_only_opts);
	fputs("\nExit codes:\n", f);
	for (const struct cli_exit_doc *d = cli_exit_docs; d->meaning; d++)
		fprintf(f, "  %d  %s\n", d->code, d->meaning);
	for (size_t i = 0; i < cli_n_commands; i++) {
		const char *g = group_of(&cli_commands[i]);

		if (group_seen(g, i))
			continue;
		fputc('\n', f);
		cli_help_group(f, g);
	}
	fputs("\nRun 'p11seal help COMMAND' (or 'p11seal COMMAND --help') "
	      "for a command's\noptions, their meaning and defaults.\n",
	      f);
}
