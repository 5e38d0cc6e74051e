/* SPDX-License-Identifier: MIT */
/* cmd_kp_key_versions.c - `p11seal kp key-versions KEY`: a root key's
 * versions, newest first (one per rotation). */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "commands.h"
#include "kp_client.h"
#include "kp_key.h"
#include "kp_opts.h"
#include "kp_print.h"

static enum err print(const struct cli *c, const struct kp_key_version *v,
                      size_t n)
{
	cJSON *arr;

	if (!c->json) {
		printf("%-36s  %s\n", "VERSION", "CREATED");
		for (size_t i = 0; i < n; i++)
			printf("%-36s  %s\n", v[i].id, v[i].creation_date);
		return ERR_OK;
	}
	arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", v[i].id);
		if (v[i].creation_date[0])
			cJSON_AddStringToObject(o, "creationDate",
			                        v[i].creation_date);
		cJSON_AddItemToArray(arr, o);
	}
	return cli_print_json(kp_print_nest("versions", arr));
}

static enum err versions(struct cli *c, struct kp_client *kp, void *args)
{
	const char *const *id = args;
	struct kp_key_version *v = NULL;
	size_t n = 0;
	enum err r;

	r = kp_key_versions(kp, *id, &v, &n);
	if (r == ERR_OK)
		r = print(c, v, n);
	free(v);
	return r;
}

int cmd_kp_key_versions(struct cli *c, int argc, char **argv)
{
	const char *id = NULL;

	return kp_cmd_run(
	        c, argc, argv,
	        &(struct kp_cmd){ .args = &id, .arg = &id, .call = versions });
}
