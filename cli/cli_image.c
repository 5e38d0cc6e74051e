/* SPDX-License-Identifier: MIT */
/* cli_image.c - shared parts of `preflight` and `image ...`
 * (cli_image.h). */
#include "cli_image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

static const char *const missing_names[] = { "uri", "wrappedDek", "crkCrn" };

enum err cli_image_manifest(const char *path, struct km_manifest *m,
                            struct km_crn *crn)
{
	struct km_report rep = { .n = 0 };
	char lacks[64] = "";
	enum err r = km_manifest_load(path, m);

	if (r != ERR_OK)
		return r;
	r = km_manifest_validate(m, &rep);
	if (r != ERR_OK)
		return err_wrap(r, "%s", path);
	for (unsigned i = 0; i < 3; i++)
		if (m->missing & (1u << i))
			snprintf(lacks + strlen(lacks),
			         sizeof(lacks) - strlen(lacks), "%s%s",
			         lacks[0] ? ", " : "", missing_names[i]);
	if (!m->importable)
		return err_set(ERR_VERIFY,
		               "%s: not importable, it lacks %s (make it again "
		               "with --cos-uri and a DEK wrapped by Key "
		               "Protect)",
		               path, lacks);
	if (!m->icos.os[0])
		return err_set(
		        ERR_VERIFY,
		        "%s: import.parameters."
		        "operatingSystemReferenceCode is not set, and "
		        "createFromIcos needs it (make the manifest again "
		        "with --os CODE; `p11seal image os-codes` lists "
		        "them)",
		        path);
	r = km_manifest_crn_parse(m->icos.crk_crn, crn);
	return r == ERR_OK ? ERR_OK
	                   : err_wrap(r, "%s: import.parameters.crkCrn", path);
}

int cli_image_parse(struct cli *c, int argc, char **argv,
                    const struct cli_opt *opts, void *args,
                    const char **manifest, int (*check)(struct cli *, void *),
                    struct kp_opts *ko)
{
	const struct kp_cmd k = { .opts = opts,
		                  .args = args,
		                  .arg = manifest,
		                  .arg_usage = "expected one MANIFEST",
		                  .check = check };

	return kp_cmd_parse(c, argc, argv, &k, ko);
}

void cli_image_kp_defaults(struct kp_opts *ko, const struct km_crn *crn)
{
	if (!ko->cfg.instance_id)
		ko->cfg.instance_id = crn->instance;
	if (!ko->cfg.region)
		ko->cfg.region = crn->region;
	if (strcmp(crn->service, "hs-crypto") == 0)
		ko->cfg.hpcs = true;
}

void cli_image_kp_unused(struct kp_opts *ko)
{
	if (!ko->cfg.instance_id)
		ko->cfg.instance_id = "00000000-0000-4000-8000-000000000000";
}

const char *cli_image_sl_url(const char *flag, const struct kp_opts *ko)
{
	const char *env = getenv("SL_URL");

	if (flag)
		return flag;
	if (env && env[0])
		return env;
	return ko->cfg.private_endpoint ? SL_API_URL_PRIVATE : SL_API_URL;
}

void cli_image_icos(const struct km_manifest *m, struct sl_icos *p)
{
	const struct km_icos *q = &m->icos;

	*p = (struct sl_icos){
		.name = q->name,
		.note = q->note,
		.os = q->os,
		.uri = q->uri,
		.crk_crn = q->crk_crn,
		.wrapped_dek = q->wrapped_dek,
		.boot_mode = q->boot_mode,
		.cloud_init = q->cloud_init,
		.is_encrypted = q->encrypted,
		.byol = q->byol,
	};
}

enum err cli_image_print(const struct cli *c, const struct sl_image *im)
{
	cJSON *j, *t;

	if (!c->json) {
		printf("id: %lld\nglobalIdentifier: %s\nname: %s\n"
		       "createDate: %s\nstate: %s\n",
		       im->id, im->global_id, im->name, im->create_date,
		       sl_state_name(im->state));
		if (im->status[0])
			printf("transaction: %s\n", im->status);
		return ERR_OK;
	}
	/* SoftLayer's members under "image" with SoftLayer's names; what
	 * p11seal makes of them beside it, in its own */
	j = cJSON_CreateObject();
	t = j ? cJSON_AddObjectToObject(j, "image") : NULL;
	if (!t) {
		cJSON_Delete(j);
		return err_set(ERR_NOMEM, "JSON");
	}
	cJSON_AddNumberToObject(t, "id", (double)im->id);
	cJSON_AddStringToObject(t, "globalIdentifier", im->global_id);
	cJSON_AddStringToObject(t, "name", im->name);
	cJSON_AddStringToObject(t, "createDate", im->create_date);
	cJSON_AddStringToObject(j, "state", sl_state_name(im->state));
	cJSON_AddStringToObject(j, "transaction", im->status);
	return cli_print_json(j);
}
