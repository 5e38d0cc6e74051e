/* SPDX-License-Identifier: MIT */
/* cmd_preflight.c - `p11seal preflight MANIFEST`: before uploading 100 GB
 * or importing, one line per check of what the import needs, and exit 6
 * if any fails: the IAM authorization Cloud Block Storage needs, the
 * bucket's region and resiliency, the root key, the WDEK opening with it
 * to the image's DEK (a Key Protect unwrap; the DEK is hashed in locked
 * memory and wiped), and the image itself. Nothing is written. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_image.h"
#include "commands.h"
#include "kp_client.h"
#include "sl_preflight.h"

#define IMAGE_MAX (100ull << 30) /* IBM's limit for an encrypted image */

struct pf_args {
	const char *manifest, *image, *cos_endpoint;
};

static const struct cli_opt opts[] = {
	{ "image", CLI_STR(struct pf_args, image), .arg = "FILE",
	  .help = "the encrypted VHD; default image.file beside the "
	          "manifest" },
	{ "cos-endpoint", CLI_STR(struct pf_args, cos_endpoint), .arg = "URL",
	  .help = "COS S3 endpoint for the bucket; default $COS_ENDPOINT, "
	          "else https://s3.REGION.cloud-object-storage.appdomain.cloud "
	          "(s3.private. with --private) for the uri's region" },
	{ NULL },
};

struct checklist {
	const struct cli *c;
	cJSON *json; /* array of checks, or NULL in text mode */
	unsigned failed;
};

/* Record one check: r ERR_OK passes, else err_detail() says why. */
static void report(struct checklist *l, const char *name, enum err r,
                   const char *ok_detail)
{
	const char *d = r == ERR_OK ? ok_detail : err_detail();

	l->failed += r != ERR_OK;
	if (!l->json) {
		printf("%-4s %s: %s\n", r == ERR_OK ? "ok" : "FAIL", name, d);
		return;
	}
	cJSON *o = cJSON_CreateObject();

	if (o && cJSON_AddItemToArray(l->json, o)) {
		cJSON_AddStringToObject(o, "check", name);
		cJSON_AddBoolToObject(o, "ok", r == ERR_OK);
		cJSON_AddStringToObject(o, "detail", d);
	} else {
		cJSON_Delete(o);
	}
}

static void check_auth(struct checklist *l, struct kp_client *kp,
                       const struct km_crn *crn)
{
	char base[KP_URL_MAX], d[256];
	enum err r;

	sl_iam_base(kp_client_endpoints(kp)->iam_token, base, sizeof(base));
	r = sl_check_authorization(kp, base, crn->service, crn->instance);
	snprintf(d, sizeof(d), "server-protect -> %s, Reader, instance %s",
	         crn->service, crn->instance);
	report(l, "service authorization", r, d);
}

static void check_bucket(struct checklist *l, struct kp_client *kp,
                         const struct pf_args *a, const struct kp_opts *ko,
                         const struct km_crn *crn, const char *uri)
{
	char ep[512], loc[80] = "", d[256];
	const char *env = getenv("COS_ENDPOINT");
	struct km_cos_uri u;
	enum err r = km_manifest_cos_uri_parse(uri, &u);

	if (a->cos_endpoint || (env && env[0]))
		snprintf(ep, sizeof(ep), "%s",
		         a->cos_endpoint ? a->cos_endpoint : env);
	else
		snprintf(ep, sizeof(ep),
		         "https://s3.%s%s.cloud-object-storage.appdomain.cloud",
		         ko->cfg.private_endpoint ? "private." : "", u.region);
	if (r == ERR_OK)
		r = sl_bucket_location(kp, ep, u.bucket, loc, sizeof(loc));
	if (r == ERR_OK && !sl_location_regional(loc, crn->region))
		r = err_set(ERR_VERIFY,
		            "bucket '%s' is '%s', not a Regional bucket in "
		            "the Key Protect region %s",
		            u.bucket, loc, crn->region);
	else if (r == ERR_OK && strcmp(u.region, crn->region) != 0)
		r = err_set(ERR_VERIFY,
		            "the uri names region %s, the bucket "
		            "is in %s",
		            u.region, crn->region);
	snprintf(d, sizeof(d), "'%s' is %s (Regional, in %s)", u.bucket, loc,
	         crn->region);
	report(l, "bucket location", r, d);
}

static void check_key(struct checklist *l, struct kp_client *kp,
                      const struct km_manifest *m, const struct km_crn *crn)
{
	char d[128];
	enum err r = sl_check_root_key(kp, crn->key_id, m->icos.crk_crn);

	snprintf(d, sizeof(d), "%s exists, Active, CRN as in the manifest",
	         crn->key_id);
	report(l, "root key", r, d);
	r = sl_check_unwrap(kp, crn->key_id, m->icos.wrapped_dek, m->dek_size,
	                    m->nonce, m->keyhash);
	report(l, "wrapped DEK", r,
	       "unwraps with the root key to the image's DEK (keyhash)");
}

/* image.file beside the manifest, unless --image. */
static void image_path(const struct pf_args *a, const struct km_manifest *m,
                       char *out, size_t cap)
{
	char dir[4096];

	if (a->image) {
		snprintf(out, cap, "%s", a->image);
		return;
	}
	snprintf(dir, sizeof(dir), "%s", a->manifest);
	snprintf(out, cap, "%s/%s", dirname(dir), m->file);
}

/* The fields of rep's failures, comma separated, into out. */
static const char *fields(const struct km_report *rep, char *out, size_t cap)
{
	out[0] = '\0';
	for (size_t i = 0; i < rep->n; i++)
		if (!rep->issue[i].warning)
			snprintf(out + strlen(out), cap - strlen(out), "%s%s",
			         out[0] ? ", " : "", rep->issue[i].field);
	return out;
}

static void check_image(struct checklist *l, const struct pf_args *a,
                        const struct km_manifest *m)
{
	struct km_report rep = { .n = 0 };
	struct km_cos_uri u;
	char path[4200], d[400];
	enum err r = ERR_OK;

	image_path(a, m, path, sizeof(path));
	if (m->virtual_size > IMAGE_MAX)
		r = err_set(ERR_VERIFY,
		            "virtual size %llu is over IBM's 100 GB",
		            (unsigned long long)m->virtual_size);
	else if (km_manifest_cos_uri_parse(m->icos.uri, &u) != ERR_OK ||
	         !km_manifest_object_ok(u.object))
		r = err_set(ERR_VERIFY,
		            "object name in %.200s does not end in "
		            "-0.vhd (IBM: NAME.vhd-0.vhd)",
		            m->icos.uri);
	else if (access(path, R_OK) != 0)
		r = err_set(ERR_NOT_FOUND, "%s: not found (give --image FILE)",
		            path);
	else
		r = km_manifest_verify_image(m, path, &rep);
	if (r == ERR_VERIFY && rep.n)
		r = err_set(ERR_VERIFY, "%.200s: %s differ (%s %s)", path,
		            fields(&rep, d, sizeof(d)), rep.issue[0].field,
		            rep.issue[0].detail);
	snprintf(d, sizeof(d),
	         "%.120s: encrypted VHD, %llu bytes virtual (<= 100 GB), size, "
	         "SHA-256 and keyhash as in the manifest",
	         path, (unsigned long long)m->virtual_size);
	report(l, "image", r, d);
}

static enum err preflight(struct cli *c, const struct pf_args *a,
                          struct kp_opts *ko)
{
	struct km_manifest *m = calloc(1, sizeof(*m));
	struct checklist l = { c, NULL, 0 };
	struct kp_client *kp = NULL;
	struct km_crn crn;
	enum err r = m ? cli_image_manifest(a->manifest, m, &crn)
	               : err_set(ERR_NOMEM, "manifest");

	if (r == ERR_OK) {
		cli_image_kp_defaults(ko, &crn);
		r = kp_opts_connect(ko, &kp);
	}
	if (r == ERR_OK)
		r = kp_iam_token(kp); /* a refused API key stops here, exit 3 */
	if (r == ERR_OK && c->json && !(l.json = cJSON_CreateArray()))
		r = err_set(ERR_NOMEM, "JSON");
	if (r == ERR_OK) {
		check_auth(&l, kp, &crn);
		check_bucket(&l, kp, a, ko, &crn, m->icos.uri);
		check_key(&l, kp, m, &crn);
		check_image(&l, a, m);
		r = l.failed ? err_set(ERR_VERIFY,
		                       "preflight: %u of 5 checks "
		                       "failed",
		                       l.failed)
		             : ERR_OK;
	}
	if (l.json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddBoolToObject(j, "ok", l.failed == 0);
		cJSON_AddItemToObject(j, "checks", l.json);
		cli_print_json(j);
	}
	kp_client_free(kp);
	free(m);
	return r;
}

int cmd_preflight(struct cli *c, int argc, char **argv)
{
	struct pf_args a = { NULL, NULL, NULL };
	struct kp_opts ko;
	enum err r;
	int rc = cli_image_parse(c, argc, argv, opts, &a, &a.manifest, NULL,
	                         &ko);

	if (rc >= 0)
		return rc;
	r = preflight(c, &a, &ko);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
