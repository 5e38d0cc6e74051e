/* SPDX-License-Identifier: MIT */
/* cmd_audit_show.c - `p11seal audit show [FILE] [--last N]`: the audit
 * log's records, one per line (or as a JSON array), without checking them;
 * `audit verify` is what checks. An intent's result is "started"; a
 * result names its intent. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_opts.h"
#include "commands.h"
#include "km_audit.h"
#include "km_audit_log.h"

struct show {
	const struct cli *c;
	unsigned long long line, from; /* print lines numbered from on */
	cJSON *all;                    /* --json: the array being built */
};

static enum err count_line(void *arg, const char *line, size_t len,
                           bool complete)
{
	struct show *sh = arg;

	(void)line;
	(void)len;
	(void)complete;
	sh->line++;
	return ERR_OK;
}

/* Print s with control bytes as '?': a label is no terminal command. */
static void put_text(const char *s)
{
	for (; *s; s++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

/* prefix, s and suffix when s is there. */
static void put_opt(const char *prefix, const char *s, const char *suffix)
{
	if (!s)
		return;
	fputs(prefix, stdout);
	put_text(s);
	fputs(suffix, stdout);
}

static void print_rec(const struct km_audit_rec *r)
{
	printf("%6llu  %s  ", (unsigned long long)r->seq, r->time);
	put_opt("", r->user, "@");
	put_opt("", r->host, "");
	printf("  %-12s", r->op);
	put_opt("  ", r->key_label, "");
	put_opt(" (", r->key_kind, ")");
	put_opt("  kp:", r->kp_key_id, "");
	put_opt("  ", r->image_path, "");
	put_opt("  ", r->result, "");
	if (r->intent)
		printf(" (intent %llu)", (unsigned long long)r->intent);
	putchar('\n');
}

static cJSON *bad_json(unsigned long long line)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "line", (double)line);
	cJSON_AddStringToObject(o, "error", err_detail());
	return o;
}

static enum err show_line(void *arg, const char *line, size_t len,
                          bool complete)
{
	struct show *sh = arg;
	struct km_audit_rec r = { 0 };
	enum km_audit_bad bad;
	enum err e;

	if (++sh->line < sh->from)
		return ERR_OK;
	e = complete ? km_audit_parse(line, len, &r, &bad)
	             : err_set(ERR_FORMAT, "incomplete (the file ends inside "
	                                   "it)");
	if (e != ERR_OK && !sh->all)
		printf("line %llu: %s\n", sh->line, err_detail());
	else if (e != ERR_OK)
		cJSON_AddItemToArray(sh->all, bad_json(sh->line));
	else if (!sh->all)
		print_rec(&r);
	else
		cJSON_AddItemToArray(sh->all, cJSON_Duplicate(r.json, 1));
	km_audit_rec_clear(&r);
	err_clear();
	return ERR_OK;
}

static enum err show(struct cli *c, const char *path, unsigned long last)
{
	struct show sh = { .c = c, .from = 1 };
	enum err r = ERR_OK;

	if (last) {
		r = km_audit_log_each(path, count_line, &sh);
		sh.from = sh.line > last ? sh.line - last + 1 : 1;
		sh.line = 0;
	}
	if (r == ERR_OK && c->json)
		sh.all = cJSON_CreateArray();
	if (r == ERR_OK)
		r = km_audit_log_each(path, show_line, &sh);
	if (r == ERR_OK && c->json)
		return cli_print_json(sh.all);
	cJSON_Delete(sh.all);
	if (r == ERR_OK)
		cli_info(c, "(not verified: 'p11seal audit verify' checks MACs "
		            "and the chain)");
	return r;
}

/* The options the getopt loop below takes, for help, man page and
 * completion. */
static const struct cli_opt described[] = {
	{ "last", .kind = CLI_OPT_STR, .arg = "N",
	  .help = "only the last N records; default all" },
	{ NULL },
};

int cmd_audit_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "last", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' }, /* the global, after */
		{ NULL, 0, NULL, 0 },
	};
	unsigned long last = 0;
	const char *path = NULL;
	char def[4096];
	enum err r = ERR_OK;
	int ch;

	if (cli_wants_help(c, argc, argv, described))
		return 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'j') {
			c->json = true;
			continue;
		}
		if (ch != 'n')
			return cli_usage(c, "unknown option");
		if (cli_parse_ulong(optarg, "--last", 1, 1000000, &last) !=
		    ERR_OK)
			return cli_usage(c, "%s", err_detail());
	}
	if (argc - optind > 1)
		return cli_usage(c, "give at most one log file");
	if (optind < argc)
		path = argv[optind];
	else
		r = cli_audit_path(c, def, sizeof(def));
	if (r == ERR_OK)
		r = show(c, path ? path : def, last);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
