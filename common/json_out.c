/* SPDX-License-Identifier: MIT */
/* json_out.c - a small printer instead of cJSON_Print, whose layout is
 * tabs, "name":<TAB>value and "[{" for arrays of objects. Scalars and
 * names are still written by cJSON, so escaping stays cJSON's. */
#include "json_out.h"

#include <cjson/cJSON.h>

/* One scalar (or a name, as a string) exactly as cJSON writes it. */
static bool scalar(FILE *f, const cJSON *j)
{
	char *text = cJSON_PrintUnformatted(j);

	if (!text)
		return false;
	fputs(text, f);
	cJSON_free(text);
	return true;
}

static bool name(FILE *f, const char *s)
{
	cJSON *n = cJSON_CreateStringReference(s);
	bool ok = n && scalar(f, n);

	cJSON_Delete(n);
	return ok;
}

static bool value(FILE *f, const cJSON *j, int depth)
{
	bool obj = cJSON_IsObject(j), ok = true;
	const cJSON *e;

	if (!obj && !cJSON_IsArray(j))
		return scalar(f, j);
	if (!j->child) {
		fputs(obj ? "{}" : "[]", f);
		return true;
	}
	fputs(obj ? "{\n" : "[\n", f);
	for (e = j->child; e && ok; e = e->next) {
		fprintf(f, "%*s", 2 * (depth + 1), "");
		if (obj) {
			ok = name(f, e->string ? e->string : "");
			fputs(": ", f);
		}
		ok = ok && value(f, e, depth + 1);
		fputs(e->next ? ",\n" : "\n", f);
	}
	fprintf(f, "%*s%c", 2 * depth, "", obj ? '}' : ']');
	return ok;
}

bool json_out_print(FILE *f, const struct cJSON *j)
{
	bool ok = value(f, j, 0);

	fputc('\n', f);
	return ok;
}
