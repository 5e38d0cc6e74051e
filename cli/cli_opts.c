/* SPDX-License-Identifier: MIT */
/* cli_opts.c - commands' option tables read over getopt_long. getopt
 * itself still says what it refuses ("unrecognized option '--x'"), so
 * the messages users know stay; every value is checked here, before the
 * command does anything. */
#include "cli_opts.h"

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_help.h"

#define MAX_OPTS  64
#define FIRST_VAL 0x1000 /* getopt values of table entries: above letters */

/* The entries of every set in one row, as getopt_long sees them. */
struct flat {
	struct option all[MAX_OPTS + 1];
	const struct cli_opt *ent[MAX_OPTS];
	void *base[MAX_OPTS];
	char letters[2 * MAX_OPTS + 1];
	size_t n;
};

static void add_letter(struct flat *f, char letter, bool value)
{
	size_t len = strlen(f->letters);

	if (letter && len + 2 < sizeof(f->letters)) {
		f->letters[len++] = letter;
		if (value)
			f->letters[len] = ':';
	}
}

static void add_table(struct flat *f, const struct cli_opt *t, void *base)
{
	for (const struct cli_opt *e = t; e->name && f->n < MAX_OPTS; e++) {
		bool value = e->kind != CLI_OPT_FLAG && e->kind != CLI_OPT_SET;

		f->all[f->n] = (struct option){ e->name,
			                        value ? required_argument
			                              : no_argument,
			                        NULL, FIRST_VAL + (int)f->n };
		f->ent[f->n] = e;
		f->base[f->n++] = base;
		add_letter(f, e->letter, value);
	}
}

/* The command's tables, then the global options (a name the command
 * takes itself is the command's: getopt_long takes the first). */
static void flatten(struct cli *c, const struct cli_opts *o, struct flat *f)
{
	memset(f, 0, sizeof(*f));
	if (o->in_order)
		f->letters[0] = '+'; /* stop at the command */
	for (size_t s = 0; s < CLI_OPTS_SETS && o->sets[s].opts; s++)
		add_table(f, o->sets[s].opts, o->sets[s].base);
	if (!o->in_order)
		add_table(f, cli_global_opts, c);
}

/* The entry getopt returned ch for, or -1. */
static int entry_of(const struct flat *f, int ch)
{
	if (ch >= FIRST_VAL && ch < FIRST_VAL + (int)f->n)
		return ch - FIRST_VAL;
	for (size_t i = 0; i < f->n; i++)
		if (f->ent[i]->letter && f->ent[i]->letter == ch)
			return (int)i;
	return -1;
}

static int bad_value(struct cli *c, const struct cli_opt *e)
{
	return cli_usage(c, "%s", e->bad ? e->bad : err_detail());
}

static int take_ulong(struct cli *c, const struct cli_opt *e, const char *flag,
                      const char *arg, unsigned long *out)
{
	unsigned long v = 0;
	enum err r = cli_parse_ulong(arg, flag, e->min, e->max, &v);

	if (r == ERR_OK && e->step && v % e->step)
		r = err_set(ERR_USAGE, "%s: %lu is not a multiple of %lu", flag,
		            v, e->step);
	if (r != ERR_OK)
		return bad_value(c, e);
	*out = v;
	return -1;
}

static int take_list(struct cli *c, const struct cli_opt *e, void *base,
                     const char *flag, const char *arg)
{
	const char **v = (const char **)((char *)base + e->off);
	size_t *n = (size_t *)((char *)base + e->count_off);

	if (*n >= e->max) {
		err_set(ERR_USAGE, "%s is taken at most %lu times", flag,
		        e->max);
		return bad_value(c, e);
	}
	v[(*n)++] = arg;
	return -1;
}

/* A label is printed, logged and matched by name: a control byte in one
 * (a TAB, an escape) would show as '?' and make two labels look alike.
 * -1 when it is text, else the usage exit code. */
static int take_label(struct cli *c, const char *flag, const char *arg,
                      const char **p)
{
	for (size_t i = 0; arg[i]; i++)
		if ((unsigned char)arg[i] < 0x20 || arg[i] == 0x7f)
			return cli_usage(c,
			                 "%s: byte %zu is a control character "
			                 "(0x%02x); a label is text",
			                 flag, i + 1, (unsigned char)arg[i]);
	*p = arg;
	return -1;
}

/* Store one option's value: -1 to go on, else the exit code. */
static int take(struct cli *c, const struct cli_opt *e, void *base,
                const char *arg)
{
	void *p = (char *)base + e->off;
	char flag[64];

	snprintf(flag, sizeof(flag), "--%s", e->name);
	switch (e->kind) {
	case CLI_OPT_FLAG: *(bool *)p = true; return -1;
	case CLI_OPT_SET: *(int *)p = (int)e->min; return -1;
	case CLI_OPT_STR:
		if (strcmp(e->name, "label") == 0)
			return take_label(c, flag, arg, p);
		*(const char **)p = arg;
		return -1;
	case CLI_OPT_ULONG: return take_ulong(c, e, flag, arg, p);
	case CLI_OPT_LIST: return take_list(c, e, base, flag, arg);
	case CLI_OPT_SECRET:
		return cli_fail(c, cli_refuse_argv_secret(flag, e->arg));
	}
	return cli_usage(c, "unknown option");
}

/* The positional arguments into o->args: -1 to go on, else 2. */
static int take_args(struct cli *c, const struct cli_opts *o, int argc,
                     char **argv)
{
	int n = argc - optind, max = 0;

	if (o->rest)
		return -1;
	while (max < CLI_OPTS_ARGS && o->args[max])
		max++;
	if (n < o->min_args || n > max) {
		if (o->args_usage)
			return cli_usage(c, "%s", o->args_usage);
		if (n > max)
			return cli_usage(c, "unexpected argument '%s'",
			                 argv[optind + max]);
		return cli_usage(c, "missing argument");
	}
	for (int i = 0; i < n; i++)
		*o->args[i] = argv[optind + i];
	return -1;
}

/* Every .required option given: -1 to go on, else 2. */
static int check_required(struct cli *c, const struct cli_opts *o,
                          const struct flat *f)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct cli_opt *e = f->ent[i];
		const char *v;

		if (!e->required || e->kind != CLI_OPT_STR)
			continue;
		v = *(const char **)((char *)f->base[i] + e->off);
		if (v && v[0])
			continue;
		if (o->required_usage)
			return cli_usage(c, "%s", o->required_usage);
		return cli_usage(c, "--%s %s is required", e->name,
		                 e->arg ? e->arg : "VALUE");
	}
	return -1;
}

int cli_opts_parse(struct cli *c, const struct cli_opts *o, int argc,
                   char **argv)
{
	struct flat f;
	int ch, i, rc;

	if (!o->in_order && cli_asks_help(argc, argv)) {
		cli_help_command(c, o);
		return 0;
	}
	flatten(c, o, &f);
	optind = 0; /* glibc: start afresh on this argv */
	while ((ch = getopt_long(argc, argv, f.letters, f.all, NULL)) != -1) {
		if (ch == '?')
			return cli_usage(c, "unknown option");
		i = entry_of(&f, ch);
		rc = i >= 0 ? take(c, f.ent[i], f.base[i], optarg)
		            : cli_usage(c, "unknown option");
		if (rc >= 0)
			return rc;
	}
	cli_apply_globals(c);
	if (o->in_order)
		return -1;
	rc = take_args(c, o, argc, argv);
	return rc >= 0 ? rc : check_required(c, o, &f);
}
