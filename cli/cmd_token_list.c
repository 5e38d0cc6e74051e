/* SPDX-License-Identifier: MIT */
/* cmd_token_list.c - `p11seal token list`: every token the module shows. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "p11_module.h"
#include "p11_session.h"
#include "p11_uri.h"

static cJSON *token_json(const struct p11_token_desc *d)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "label", d->label);
	cJSON_AddStringToObject(o, "manufacturer", d->manufacturer);
	cJSON_AddStringToObject(o, "model", d->model);
	cJSON_AddStringToObject(o, "serial", d->serial);
	cJSON_AddStringToObject(o, "uri", d->uri);
	cJSON_AddBoolToObject(o, "initialized",
	                      (d->info.flags & CKF_TOKEN_INITIALIZED) != 0);
	cJSON_AddBoolToObject(o, "login_required",
	                      (d->info.flags & CKF_LOGIN_REQUIRED) != 0);
	return o;
}

static enum err print(const struct cli *c, const struct p11_token_desc *d,
                      size_t n)
{
	cJSON *arr;

	if (c->json) {
		arr = cJSON_CreateArray();
		for (size_t i = 0; arr && i < n; i++)
			cJSON_AddItemToArray(arr, token_json(&d[i]));
		return cli_print_json(arr);
	}
	for (size_t i = 0; i < n; i++)
		printf("%-32s serial %-16s %s%s\n  %s\n", d[i].label,
		       d[i].serial, d[i].manufacturer,
		       (d[i].info.flags & CKF_TOKEN_INITIALIZED)
		               ? ""
		               : " (not initialized)",
		       d[i].uri);
	if (n == 0)
		printf("no tokens\n");
	return ERR_OK;
}

int cmd_token_list(struct cli *c, int argc, char **argv)
{
	struct p11_module *m = NULL;
	struct p11_token_desc *d = NULL;
	struct p11_uri *uri = NULL;
	size_t n = 0, k = 0;
	enum err r;
	int rc;

	rc = cli_opts_parse(c, &(struct cli_opts){ 0 }, argc, argv);
	if (rc >= 0)
		return rc;
	r = cli_token_uri(c, &uri);
	if (r == ERR_OK)
		r = cli_token_module(c, uri, &m);
	if (r == ERR_OK)
		r = p11_token_list(m, &d, &n);
	if (r == ERR_OK) {
		for (size_t i = 0; i < n; i++)
			if (!uri || p11_uri_match_token(uri, &d[i].info))
				d[k++] = d[i];
		r = print(c, d, k);
	}
	free(d);
	p11_module_free(m);
	p11_uri_free(uri);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
