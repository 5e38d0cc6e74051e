/* SPDX-License-Identifier: MIT */
/* cmd_cos_put.c - `p11seal cos put IMAGE [cos://REGION/BUCKET/OBJECT]
 * [--manifest M]`: upload an encrypted image to Cloud Object Storage as a
 * multipart upload that resumes after a crash (cos_upload), audited in
 * the token like the other commands (op cos.put, the image and its
 * cos:// target). With --manifest the image is checked against it first
 * and the target defaults to the manifest's uri. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_cos.h"
#include "cli_token.h"
#include "commands.h"
#include "cos_upload.h"
#include "km_manifest.h"

struct put_args {
	const char *image, *uri, *manifest;
	unsigned long threads, part_mib;
	bool force, no_progress, json;
};

static const struct cli_opt opts[] = {
	{ "manifest", CLI_STR(struct put_args, manifest), .arg = "FILE",
	  .help = "check IMAGE against this import manifest first (exit 6 on "
	          "a mismatch); its uri is the default target" },
	{ "force", CLI_FLAG(struct put_args, force),
	  .help = "replace an existing object; default refused (exit 7)" },
	{ "threads", CLI_ULONG(struct put_args, threads, 1, COS_THREADS_MAX),
	  .arg = "N", .help = "parts in flight; default 4" },
	{ "part-size", CLI_ULONG(struct put_args, part_mib, 5, 5120),
	  .arg = "MIB",
	  .help = "part size in MiB (5..5120); default 8, more when the image "
	          "needs over 10000 parts" },
	{ "no-progress", CLI_FLAG(struct put_args, no_progress),
	  .help = "no progress line on stderr" },
	{ "json", CLI_FLAG(struct put_args, json),
	  .help = "one JSON document on stdout, as the global --json" },
	{ NULL },
};

/* The image against the manifest, and the target from it. */
static enum err check_manifest(struct put_args *a, struct km_manifest *m)
{
	struct km_report rep = { .n = 0 };
	enum err r = km_manifest_load(a->manifest, m);

	if (r == ERR_OK)
		r = km_manifest_verify_image(m, a->image, &rep);
	if (r == ERR_OK && rep.failures)
		r = err_set(ERR_VERIFY, "%s does not match %s: %s: %s",
		            a->image, a->manifest, rep.issue[0].field,
		            rep.issue[0].detail);
	if (r != ERR_OK)
		return r;
	if (!a->uri)
		a->uri = m->icos.uri[0] ? m->icos.uri : NULL;
	else if (m->icos.uri[0] && strcmp(a->uri, m->icos.uri) != 0)
		return err_set(ERR_VERIFY, "%s is not the manifest's uri %s",
		               a->uri, m->icos.uri);
	if (!a->uri)
		return err_set(ERR_USAGE,
		               "%s has no uri: give the cos:// "
		               "target",
		               a->manifest);
	return ERR_OK;
}

static void print(const struct cli *c, const struct put_args *a,
                  const struct cos_upload_result *res)
{
	cJSON *j;

	if (!c->json) {
		printf("uploaded %s to %s: %llu bytes, %u parts of %llu "
		       "(%u sent, %u already there), ETag %s\n",
		       a->image, a->uri, (unsigned long long)res->size,
		       res->parts, (unsigned long long)res->part_size,
		       res->sent, res->skipped, res->etag);
		return;
	}
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "image", a->image);
	cJSON_AddStringToObject(j, "uri", a->uri);
	cJSON_AddNumberToObject(j, "size", (double)res->size);
	cJSON_AddNumberToObject(j, "part_size", (double)res->part_size);
	cJSON_AddNumberToObject(j, "parts", res->parts);
	cJSON_AddNumberToObject(j, "parts_sent", res->sent);
	cJSON_AddNumberToObject(j, "parts_resumed", res->skipped);
	cJSON_AddNumberToObject(j, "retries", res->retries);
	cJSON_AddBoolToObject(j, "resumed", res->resumed);
	cJSON_AddStringToObject(j, "etag", res->etag);
	cli_print_json(j);
}

/* Upload with the audit records around it. */
static enum err upload(struct cli *c, const struct put_args *a,
                       const struct cos_upload_opts *uo,
                       struct cos_upload_result *res)
{
	struct cli_audit_rec rec = { .op = "cos.put",
		                     .image_path = a->image,
		                     .image_target = a->uri };
	struct cli_audit_intent in = { 0 };
	struct cli_token t = { 0 };
	enum err r = cli_token_open(c, CLI_TOKEN_LOGIN, &t);

	if (r == ERR_OK)
		r = cli_audit_begin(c, t.session, &rec, &in);
	if (r == ERR_OK)
		r = cos_upload(uo, res);
	if (r == ERR_HTTP && !res->aborted && res->upload_id[0]) {
		char d[1024];

		snprintf(d, sizeof(d), "%s", err_detail());
		r = err_set(r,
		            "%s; the parts sent are kept: run the same "
		            "command again to resume (%s)",
		            d, res->state);
	}
	if (t.session) {
		rec.result = r;
		rec.intent = &in;
		r = cli_audit(c, t.session, &rec);
	}
	cli_token_close(&t);
	return r;
}

int cmd_cos_put(struct cli *c, int argc, char **argv)
{
	struct put_args a = { 0 };
	struct cli_cos_opts co;
	struct cli_opts o = {
		.sets = { { opts, &a }, { cli_cos_table, &co } },
		.args = { &a.image, &a.uri },
		.min_args = 1,
		.args_usage = "expected IMAGE and cos://REGION/BUCKET/OBJECT",
	};
	struct cli_cos_progress pr = { .c = c };
	struct cos_upload_result res = { 0 };
	struct cos_config cfg = { 0 };
	struct km_manifest *m = NULL;
	struct cos_target t;
	enum err r = ERR_OK;
	int rc;

	cli_cos_defaults(c, &co);
	rc = cli_opts_parse(c, &o, argc, argv);
	if (a.json)
		c->json = true;
	if (rc >= 0)
		return rc;
	if (!a.uri && !a.manifest)
		return cli_usage(c, "the cos:// target is required without "
		                    "--manifest");
	if (a.manifest) {
		m = calloc(1, sizeof(*m));
		r = m ? check_manifest(&a, m)
		      : err_set(ERR_NOMEM, "no memory for the manifest");
	}
	if (r == ERR_OK)
		r = cos_target_parse(a.uri, &t);
	if (r == ERR_OK)
		r = cli_cos_open(&co, &cfg);
	pr.on = !a.no_progress && !c->json && c->verbosity >= 0;
	pr.tty = isatty(STDERR_FILENO);
	if (r == ERR_OK) {
		struct cos_upload_opts uo = { &cfg,
			                      &t,
			                      a.uri,
			                      a.image,
			                      a.part_mib << 20,
			                      (unsigned)a.threads,
			                      a.force,
			                      cli_cos_progress,
			                      &pr };

		r = upload(c, &a, &uo, &res);
	}
	if (r == ERR_OK)
		print(c, &a, &res);
	cli_cos_close(&cfg);
	free(m);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
