/* SPDX-License-Identifier: MIT */
/* cmd_audit_show.c - `p11seal audit show [FILE] [--last N] [--op OP]
 * [--label L] [--image TEXT]`: the audit log's records, one per line (or
 * as a JSON array), without checking them; `audit verify` is what checks.
 * An intent's result is "started"; a result names its intent. The
 * default log is the selected token's. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "km_audit.h"
#include "km_audit_log.h"

struct show_opts {
	unsigned long last;
	const char *op, *label, *image, *file;
};

static const struct cli_opt opts[] = {
	{ "last", CLI_ULONG(struct show_opts, last, 1, 1000000), .arg = "N",
	  .help = "only the last N records (of those the filters keep); "
	          "default all" },
	{ "op", CLI_STR(struct show_opts, op), .arg = "OP",
	  .help = "only records of this operation (key.create, vhd.encrypt, "
	          "...); default all" },
	{ "label", CLI_STR(struct show_opts, label), .arg = "L",
	  .help = "only records about the key labelled L; default all" },
	{ "image", CLI_STR(struct show_opts, image), .arg = "TEXT",
	  .help = "only records whose image path contains TEXT; default all" },
	{ NULL },
};

struct show {
	const struct cli *c;
	const struct show_opts *o;
	unsigned long long n, from; /* print kept records numbered from on */
	bool counting;              /* first pass of --last: count only */
	cJSON *all;                 /* --json: the array being built */
};

static bool same(const char *want, const char *have)
{
	return !want || (have && strcmp(want, have) == 0);
}

/* A record the filters keep; a line that is no record only when there
 * are none (it matches nothing in particular). */
static bool kept(const struct show_opts *o, const struct km_audit_rec *r,
                 bool parsed)
{
	if (!parsed)
		return !o->op && !o->label && !o->image;
	return same(o->op, r->op) && same(o->label, r->key_label) &&
	       (!o->image ||
	        (r->image_path && strstr(r->image_path, o->image)));
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

	e = complete ? km_audit_parse(line, len, &r, &bad)
	             : err_set(ERR_FORMAT, "incomplete (the file ends inside "
	                                   "it)");
	if (!kept(sh->o, &r, e == ERR_OK) || ++sh->n < sh->from || sh->counting)
		;
	else if (e != ERR_OK && !sh->all)
		printf("line %llu: %s\n", sh->n, err_detail());
	else if (e != ERR_OK)
		cJSON_AddItemToArray(sh->all, bad_json(sh->n));
	else if (!sh->all)
		print_rec(&r);
	else
		cJSON_AddItemToArray(sh->all, cJSON_Duplicate(r.json, 1));
	km_audit_rec_clear(&r);
	err_clear();
	return ERR_OK;
}

static enum err show(struct cli *c, const char *path, const struct show_opts *o)
{
	struct show sh = { .c = c, .o = o, .from = 1 };
	enum err r = ERR_OK;

	if (o->last) {
		sh.counting = true;
		r = km_audit_log_each(path, show_line, &sh);
		sh.from = sh.n > o->last ? sh.n - o->last + 1 : 1;
		sh.n = 0;
		sh.counting = false;
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

/* The selected token's default log (its serial is in the name). */
static enum err default_path(const struct cli *c, char *out, size_t cap)
{
	struct cli_token t;
	enum err r;

	if (c->audit_log)
		return cli_audit_path(c, NULL, out, cap);
	r = cli_token_open(c, 0, &t);
	if (r == ERR_OK)
		r = cli_audit_path(c, t.session, out, cap);
	cli_token_close(&t);
	return r;
}

int cmd_audit_show(struct cli *c, int argc, char **argv)
{
	struct show_opts o = { 0 };
	char def[CLI_AUDIT_PATH_MAX];
	enum err r = ERR_OK;
	int rc;

	rc = cli_audit_parse_log(c, argc, argv, opts, &o, &o.file, def);
	if (rc >= 0)
		return rc;
	if (!o.file) {
		r = default_path(c, def, CLI_AUDIT_PATH_MAX);
		o.file = def;
	}
	if (r == ERR_OK)
		r = show(c, o.file, &o);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
