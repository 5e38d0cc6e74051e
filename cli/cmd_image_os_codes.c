/* SPDX-License-Identifier: MIT */
/* cmd_image_os_codes.c - `p11seal image os-codes`: the
 * operatingSystemReferenceCode values createFromIcos takes for a VHD
 * (SoftLayer's getVhdImportSoftwareDescriptions). */
#include <stdio.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_image.h"
#include "commands.h"
#include "kp_client.h"

struct os_args {
	const char *sl_url;
};

static const struct cli_opt opts[] = {
	CLI_IMAGE_SL_URL(struct os_args, sl_url),
	{ NULL },
};

static enum err print(const struct cli *c, const struct sl_os *v, size_t n)
{
	cJSON *j, *a;

	if (!c->json) {
		for (size_t i = 0; i < n; i++)
			printf("%-24s %s\n", v[i].code, v[i].name);
		return ERR_OK;
	}
	j = cJSON_CreateObject();
	a = j ? cJSON_AddArrayToObject(j, "os_codes") : NULL;
	for (size_t i = 0; a && i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		if (!o || !cJSON_AddItemToArray(a, o)) {
			cJSON_Delete(o);
			break;
		}
		cJSON_AddStringToObject(o, "referenceCode", v[i].code);
		cJSON_AddStringToObject(o, "name", v[i].name);
	}
	return a ? cli_print_json(j) : (cJSON_Delete(j), ERR_NOMEM);
}

int cmd_image_os_codes(struct cli *c, int argc, char **argv)
{
	struct os_args a = { NULL };
	struct kp_client *kp = NULL;
	struct sl_os *v = NULL;
	struct kp_opts ko;
	size_t n = 0;
	enum err r;
	int rc =
	        kp_cmd_parse(c, argc, argv,
	                     &(struct kp_cmd){ .opts = opts, .args = &a }, &ko);

	if (rc >= 0)
		return rc;
	cli_image_kp_unused(&ko);
	r = kp_opts_connect(&ko, &kp);
	if (r == ERR_OK)
		r = sl_os_codes(kp, cli_image_sl_url(a.sl_url, &ko), &v, &n);
	if (r == ERR_OK)
		r = print(c, v, n);
	free(v);
	kp_client_free(kp);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
