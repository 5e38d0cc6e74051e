/* SPDX-License-Identifier: MIT */
/* cli_manifest.c - write the import manifest of an encrypted image with
 * its DEK open in the token. The written text is parsed back and must
 * give the same digest before it is published. */
#include "cli_manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "p11_dek.h"
#include "vhd_outfile.h"

struct cli_manifest {
	const struct cli_manifest_opts *o;
	struct vhd_outfile *out;
	struct km_report rep;
	struct km_manifest m;
};

enum err cli_manifest_check_opts(const struct cli_manifest_opts *o)
{
	struct km_cos_uri u;

	if (o->cos_uri && km_manifest_cos_uri_parse(o->cos_uri, &u) != ERR_OK)
		return err_wrap(ERR_USAGE, "--cos-uri");
	if (o->name &&
	    km_manifest_check_name(o->name, "--name", KM_NAME_MAX) != ERR_OK)
		return ERR_USAGE;
	if (o->note &&
	    km_manifest_check_name(o->note, "--note", KM_NOTE_MAX) != ERR_OK)
		return ERR_USAGE;
	if (o->os && km_manifest_check_os(o->os) != ERR_OK)
		return err_wrap(ERR_USAGE, "--os");
	if (o->boot && km_manifest_check_boot(o->boot) != ERR_OK)
		return err_wrap(ERR_USAGE, "--boot-mode");
	return ERR_OK;
}

const struct cli_opt cli_manifest_options[] = {
	{ "cos-uri", CLI_STR(struct cli_manifest_opts, cos_uri),
	  .arg = "cos://REGION/BUCKET/OBJECT",
	  .help = "where the image will be uploaded; default none (the "
	          "manifest is not importable until it is set)" },
	{ "name", CLI_STR(struct cli_manifest_opts, name), .arg = "NAME",
	  .help = "the image name for createFromIcos; default the image "
	          "file's name without its extension" },
	{ "os", CLI_STR(struct cli_manifest_opts, os), .arg = "CODE",
	  .help = "operatingSystemReferenceCode for createFromIcos; default "
	          "none" },
	{ "note", CLI_STR(struct cli_manifest_opts, note), .arg = "TEXT",
	  .help = "createFromIcos note; default none" },
	{ "boot-mode", CLI_STR(struct cli_manifest_opts, boot), .arg = "MODE",
	  .help = "createFromIcos bootMode, HVM or PV; default left out" },
	{ "byol", CLI_FLAG(struct cli_manifest_opts, byol),
	  .help = "byol true: you bring the OS license; default false" },
	{ "wdek", CLI_STR(struct cli_manifest_opts, wdek), .arg = "FILE",
	  .help = "the wrapped DEK's record file; default the metadata "
	          "beside the key" },
	{ "allow-unwrapped",
	  CLI_FLAG(struct cli_manifest_opts, allow_unwrapped),
	  .help = "write a manifest even without a wrapped DEK (not "
	          "importable); default refused" },
	{ NULL },
};

/* The KMS fields from --wdek FILE, which must agree with any wrapped DEK
 * the token keeps beside the key. */
static enum err kms_from_file(struct km_manifest *m, const char *path,
                              const cJSON *token_meta)
{
	const cJSON *mine =
	        cJSON_GetObjectItemCaseSensitive(token_meta, "wrapped_dek");
	cJSON *meta = NULL;
	enum err r;

	r = km_manifest_read_wdek(path, &meta);
	if (r == ERR_OK)
		r = km_manifest_set_kms(m, meta);
	if (r == ERR_FORMAT)
		r = err_wrap(r, "--wdek %s", path);
	if (r == ERR_OK && cJSON_IsString(mine) &&
	    strcmp(mine->valuestring, m->wrapped_dek) != 0)
		r = err_set(ERR_VERIFY,
		            "--wdek %s and the metadata of '%s' "
		            "hold different wrapped DEKs",
		            path, m->label);
	cJSON_Delete(meta);
	return r;
}

static enum err load_kms(const struct cli_manifest_opts *o,
                         struct km_manifest *m, struct p11_session *s)
{
	cJSON *meta = NULL;
	enum err r = km_manifest_token_meta(s, m->label, &meta);

	if (r == ERR_OK && o->wdek)
		r = kms_from_file(m, o->wdek, meta);
	else if (r == ERR_OK && km_manifest_set_kms(m, meta) != ERR_OK)
		r = err_wrap(ERR_FORMAT, "'%s'", m->label);
	cJSON_Delete(meta);
	if (r == ERR_OK && !m->wrapped_dek[0] && !o->allow_unwrapped)
		r = err_set(
		        ERR_POLICY,
		        "DEK '%s' has no wrapped DEK: it was never wrapped "
		        "by Key Protect or HPCS, so IBM Cloud cannot import "
		        "the image; give --wdek FILE if the token keeps no "
		        "metadata, or --allow-unwrapped to write a manifest "
		        "that says so",
		        m->label);
	return r;
}

static void copy_opt(char *dst, size_t cap, const char *src)
{
	if (src)
		snprintf(dst, cap, "%s", src);
}

/* The output file, created before any long work: not over image. */
static enum err open_output(struct cli_manifest *j, const char *image)
{
	const struct cli_manifest_opts *o = j->o;
	struct stat st = { 0 };

	if (!o->out)
		return ERR_OK;
	if (strcmp(o->out, image) == 0)
		return err_set(ERR_USAGE,
		               "%s: the manifest cannot be the image", o->out);
	if (stat(image, &st) != 0)
		st.st_dev = st.st_ino = 0;
	return vhd_outfile_open(&j->out, o->out, o->force, (uint64_t)st.st_dev,
	                        (uint64_t)st.st_ino);
}

enum err cli_manifest_begin(const struct cli_manifest_opts *o,
                            const char *image, struct p11_session *s,
                            const struct p11_dek *dek,
                            struct cli_manifest **out)
{
	struct cli_manifest *j = calloc(1, sizeof(*j));
	enum err r;

	*out = NULL;
	if (!j)
		return err_set(ERR_NOMEM, "manifest");
	j->o = o;
	r = open_output(j, image);
	if (r != ERR_OK)
		goto out;
	r = km_manifest_set_dek(&j->m, s, dek);
	if (r != ERR_OK)
		goto out;
	r = load_kms(o, &j->m, s);
	if (r != ERR_OK)
		goto out;
	copy_opt(j->m.icos.name, sizeof(j->m.icos.name), o->name);
	copy_opt(j->m.icos.note, sizeof(j->m.icos.note), o->note);
	copy_opt(j->m.icos.os, sizeof(j->m.icos.os), o->os);
	copy_opt(j->m.icos.uri, sizeof(j->m.icos.uri), o->cos_uri);
	copy_opt(j->m.icos.boot_mode, sizeof(j->m.icos.boot_mode), o->boot);
	j->m.icos.byol = o->byol;
	*out = j;
	j = NULL;
out:
	cli_manifest_free(j);
	return r;
}

/* JSON text for m, parsed back: it must read as the same manifest. */
static enum err render(const struct km_manifest *m, char **text, size_t *len)
{
	struct km_manifest *back = calloc(1, sizeof(*back));
	struct km_report rep = { .n = 0 };
	uint8_t a[32], b[32];
	enum err r;

	if (!back)
		return err_set(ERR_NOMEM, "manifest");
	r = km_manifest_build(m, text, len);
	if (r == ERR_OK)
		r = km_manifest_parse(*text, *len, back);
	if (r == ERR_OK)
		r = km_manifest_validate(back, &rep);
	if (r == ERR_OK)
		r = km_manifest_digest(m, a);
	if (r == ERR_OK)
		r = km_manifest_digest(back, b);
	if (r == ERR_OK && memcmp(a, b, 32) != 0)
		r = err_set(ERR_INTERNAL, "manifest does not read back as "
		                          "written");
	free(back);
	if (r != ERR_OK) {
		free(*text);
		*text = NULL;
	}
	return r;
}

static enum err publish(struct cli_manifest *j, const char *image,
                        const char *text, size_t len)
{
	struct stat a, b;
	int fd;
	enum err r;

	if (!j->out) {
		if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0)
			return err_errno(ERR_IO, "stdout");
		return ERR_OK;
	}
	/* vhd encrypt wrote the image after begin: it must not be replaced */
	if (stat(j->o->out, &a) == 0 && stat(image, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return err_set(ERR_USAGE,
		               "%s: the manifest cannot be the image",
		               j->o->out);
	fd = vhd_outfile_fd(j->out);
	if (fchmod(fd, 0644) != 0) /* a public record, unlike the temp file */
		return err_errno(ERR_IO, vhd_outfile_tmp_path(j->out));
	r = vhd_outfile_pwrite(fd, text, len, 0);
	if (r == ERR_OK)
		r = vhd_outfile_commit(j->out);
	return r;
}

static void report(const struct cli *c, const struct cli_manifest *j)
{
	const struct km_manifest *m = &j->m;

	for (size_t i = 0; i < j->rep.n; i++)
		cli_info(c, "warning: %s: %s", j->rep.issue[i].field,
		         j->rep.issue[i].detail);
	if (!m->importable && !m->wrapped_dek[0])
		cli_info(c, "warning: %s", m->notes[m->n_notes - 1]);
	if (c->json || !j->out)
		return;
	cli_info(c,
	         "%s: manifest for %s (object %s, sha256 of %llu bytes), "
	         "%s",
	         j->o->out, m->file, m->object, (unsigned long long)m->size,
	         m->importable       ? "importable (supply ibmApiKey at import)"
	         : m->wrapped_dek[0] ? "importable once uri is set"
	                             : "NOT importable as is");
}

enum err cli_manifest_finish(const struct cli *c, struct cli_manifest *j,
                             const char *image, struct p11_session *s,
                             const struct p11_dek *dek)
{
	struct km_manifest *m = &j->m;
	char *text = NULL;
	size_t len = 0;
	enum err r;

	r = km_manifest_scan_image(image, m);
	if (r == ERR_OK)
		r = km_manifest_check_key(s, dek, m);
	if (r == ERR_OK) {
		km_manifest_stamp(m, (long long)time(NULL), P11SEAL_VERSION);
		r = km_manifest_complete(m);
	}
	if (r == ERR_OK)
		r = km_manifest_validate(m, &j->rep);
	for (size_t i = 0; r == ERR_VERIFY && i < j->rep.n; i++)
		if (!j->rep.issue[i].warning)
			cli_info(c, "%s: %s", j->rep.issue[i].field,
			         j->rep.issue[i].detail);
	if (r == ERR_OK)
		r = km_manifest_bind(s, dek, m);
	if (r == ERR_OK)
		r = render(m, &text, &len);
	if (r == ERR_OK)
		r = publish(j, image, text, len);
	free(text);
	if (r == ERR_OK)
		report(c, j);
	return r;
}

const struct km_manifest *cli_manifest_result(const struct cli_manifest *j)
{
	return &j->m;
}

void cli_manifest_free(struct cli_manifest *j)
{
	if (!j)
		return;
	vhd_outfile_free(j->out);
	free(j);
}
