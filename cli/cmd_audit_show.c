/* SPDX-License-Identifier: MIT */
/* cmd_audit_show.c - `p11seal audit show [FILE] [--last N]`: the audit
 * log's records, one per line (or as a JSON array), without checking them;
 * `audit verify` is what checks. An intent's result is "started"; a
 * result names its intent. */
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

struct show_opts {
	unsigned long last;
	const char *path;
};

static const struct cli_opt opts[] = {
	{ "last", CLI_ULONG(struct show_opts, last, 1, 1000000), .arg = "N",
	  .help = "only the last N records (1..1000000); default all" },
	{ NULL },
};

int cmd_audit_show(struct cli *c, int argc, char **argv)
{
	struct show_opts o = { 0 };
	char def[CLI_AUDIT_PATH_MAX];
	enum err r;
	int rc;

	rc = cli_audit_parse_log(c, argc, argv, opts, &o, &o.path, def);
	if (rc >= 0)
		return rc;
	r = show(c, o.path, o.last);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
