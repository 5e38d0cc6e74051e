/* SPDX-License-Identifier: MIT */
/* cmd_manifest_verify.c - `p11seal manifest verify FILE IMAGE [--key L]`,
 * the check before upload: FILE is a well-formed manifest whose fields
 * agree (CRN, cos:// URI, object name, parameters), IMAGE is the file it
 * describes (size, SHA-256, virtual size, batmap keyhash), and with --key
 * the DEK in the token matches the keyhash and the binding. Exit 0, 5 for
 * a malformed manifest, 6 naming every field that differs or when it is
 * not importable as is (unless --allow-incomplete). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_key.h"
#include "cli_opts.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "km_manifest.h"
#include "p11_dek.h"

struct verify_args {
	const char *key, *id, *file, *image;
	bool allow_incomplete;
};

static const struct cli_opt opts[] = {
	{ "key", CLI_STR(struct verify_args, key), .arg = "LABEL",
	  .help = "also check the DEK in the token: keyhash and binding; "
	          "default the manifest and image only" },
	{ "id", CLI_STR(struct verify_args, id), .arg = "HEX",
	  .help = "with --key: which DEK labelled LABEL, by its CKA_ID as "
	          "key list shows it (for labels that repeat)" },
	{ "allow-incomplete", CLI_FLAG(struct verify_args, allow_incomplete),
	  .help = "exit 0 for a manifest that is right but not importable "
	          "yet (no uri, wrappedDek or crkCrn); default exit 6" },
	{ NULL },
};

/* Keyhash and binding against the DEK labelled key. */
static enum err check_key(const struct cli *c, const struct verify_args *a,
                          const struct km_manifest *m, struct km_report *rep)
{
	struct cli_token t = { 0 };
	struct p11_dek dek;
	enum err r;

	r = cli_token_open(c, CLI_TOKEN_LOGIN, &t);
	if (r == ERR_OK)
		r = cli_key_dek(t.session, a->key, a->id, &dek);
	if (r == ERR_OK)
		r = km_manifest_verify_dek(t.session, &dek, m, rep);
	cli_token_close(&t);
	return r;
}

static void print_json(const char *file, const char *image,
                       const struct km_manifest *m, const struct km_report *rep,
                       const char *key)
{
	cJSON *j = cJSON_CreateObject(), *f, *w;
	char hex[65];

	encode_hex(hex, m->sha256, 32);
	cJSON_AddStringToObject(j, "manifest", file);
	cJSON_AddStringToObject(j, "image", image);
	cJSON_AddBoolToObject(j, "ok", rep->failures == 0);
	cJSON_AddStringToObject(j, "object", m->object);
	cJSON_AddStringToObject(j, "sha256", hex);
	if (key)
		cJSON_AddStringToObject(j, "key", key);
	cJSON_AddBoolToObject(j, "binding_checked", key != NULL);
	cJSON_AddBoolToObject(j, "importable", m->importable);
	f = cJSON_AddArrayToObject(j, "failures");
	w = cJSON_AddArrayToObject(j, "warnings");
	for (size_t i = 0; i < rep->n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "field", rep->issue[i].field);
		cJSON_AddStringToObject(o, "detail", rep->issue[i].detail);
		cJSON_AddItemToArray(rep->issue[i].warning ? w : f, o);
	}
	cli_print_json(j);
}

static void print_text(const char *file, const char *image,
                       const struct km_manifest *m, const char *key)
{
	char hex[65];

	encode_hex(hex, m->keyhash, 32);
	printf("%s: OK for %s: size %llu, sha256, virtual size and keyhash %s "
	       "match\n",
	       file, image, (unsigned long long)m->size, hex);
	if (key)
		printf("binding: matches key '%s'\n", key);
	else
		printf("binding: not checked (give --key LABEL)\n");
	if (m->importable)
		printf("importable: yes, as %s (supply ibmApiKey at import)\n",
		       m->icos.uri);
	else
		printf("importable: NO, missing%s%s%s\n",
		       m->missing & KM_MISSING_URI ? " uri" : "",
		       m->missing & KM_MISSING_WDEK ? " wrappedDek" : "",
		       m->missing & KM_MISSING_CRK ? " crkCrn" : "");
}

/* Every finding on stderr; ERR_VERIFY naming the failed fields. */
static enum err summarize(const struct cli *c, const char *file,
                          const struct km_report *rep)
{
	char fields[256] = "";
	size_t used = 0;

	for (size_t i = 0; i < rep->n; i++) {
		const struct km_issue *is = &rep->issue[i];

		cli_info(c, "%s%s: %s", is->warning ? "warning: " : "",
		         is->field, is->detail);
		if (!is->warning && used < sizeof(fields))
			used += (size_t)snprintf(fields + used,
			                         sizeof(fields) - used, "%s%s",
			                         used ? ", " : "", is->field);
	}
	if (!rep->failures)
		return ERR_OK;
	return err_set(ERR_VERIFY, "%s: %zu check(s) failed: %s", file,
	               rep->failures, fields);
}

int cmd_manifest_verify(struct cli *c, int argc, char **argv)
{
	struct verify_args a = { 0 };
	struct cli_opts o = {
		.sets = { { opts, &a } },
		.args = { &a.file, &a.image },
		.min_args = 2,
		.args_usage = "expected the manifest FILE and the IMAGE",
	};
	struct km_manifest *m = NULL;
	struct km_report rep = { .n = 0 };
	enum err r;
	int rc;

	rc = cli_opts_parse(c, &o, argc, argv);
	if (rc < 0 && a.id && !a.key)
		rc = cli_usage(c, "--id HEX goes with --key LABEL");
	if (rc >= 0)
		return rc;
	m = calloc(1, sizeof(*m));
	if (!m)
		return cli_fail(c, err_set(ERR_NOMEM, "manifest"));
	r = km_manifest_load(a.file, m);
	if (r == ERR_OK) {
		km_manifest_validate(m, &rep);
		r = km_manifest_verify_image(m, a.image, &rep);
	}
	if ((r == ERR_OK || r == ERR_VERIFY) && a.key)
		r = check_key(c, &a, m, &rep);
	if (r == ERR_OK || r == ERR_VERIFY) {
		if (c->json)
			print_json(a.file, a.image, m, &rep, a.key);
		r = summarize(c, a.file, &rep);
	}
	if (r == ERR_OK && !c->json)
		print_text(a.file, a.image, m, a.key);
	/* "OK" with exit 0 reads as "ready to upload": a manifest IBM would
	 * refuse is not, unless the caller says it will be completed. */
	if (r == ERR_OK && !m->importable && !a.allow_incomplete)
		r = err_set(ERR_VERIFY,
		            "%s: not importable as is (missing%s%s%s); "
		            "--allow-incomplete accepts that",
		            a.file, m->missing & KM_MISSING_URI ? " uri" : "",
		            m->missing & KM_MISSING_WDEK ? " wrappedDek" : "",
		            m->missing & KM_MISSING_CRK ? " crkCrn" : "");
	free(m);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
