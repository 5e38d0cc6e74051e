/* SPDX-License-Identifier: MIT */
/* cmd_vhd_encrypt.c - `p11seal vhd encrypt --key L IN OUT`: raw, fixed or
 * dynamic image -> encrypted dynamic VHD as vhd-util copy -k writes it,
 * with the DEK never leaving the token. The result is re-read and checked
 * before success is reported. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_manifest.h"
#include "cli_vhd.h"
#include "commands.h"
#include "encode.h"
#include "vhd_decrypt.h"
#include "vhd_encrypt.h"
#include "vhd_verify.h"

/* Re-open the new file: structure, blktap rules and our keyhash. */
static enum err check_output(const char *path, const uint8_t *hash,
                             uint32_t *allocated)
{
	struct vhd_reader *r = NULL;
	enum err e;

	e = vhd_reader_open(&r, path);
	if (e == ERR_OK)
		e = vhd_verify_blktap(r);
	if (e == ERR_OK)
		e = vhd_decrypt_check(r, hash);
	if (e == ERR_OK)
		*allocated = vhd_reader_allocated(r);
	vhd_reader_free(r);
	return e == ERR_OK ? e : err_wrap(e, "%s: written but invalid", path);
}

static void report(const struct cli *c, const struct cli_vhd_args *a,
                   const struct vhd_reader *in, const uint8_t *hash,
                   uint32_t allocated)
{
	char hex[65];
	cJSON *o;

	encode_hex(hex, hash, 32);
	if (!c->json) {
		printf("%s: encrypted VHD, %u of %u blocks allocated, "
		       "keyhash %s\n",
		       a->out, allocated, vhd_reader_blocks(in), hex);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "input", a->in);
	cJSON_AddStringToObject(o, "input_type", vhd_reader_input_name(in));
	cJSON_AddStringToObject(o, "output", a->out);
	cJSON_AddNumberToObject(o, "virtual_size", (double)vhd_reader_size(in));
	cJSON_AddNumberToObject(o, "blocks", vhd_reader_blocks(in));
	cJSON_AddNumberToObject(o, "allocated_blocks", allocated);
	cJSON_AddStringToObject(o, "keyhash", hex);
	cli_print_json(o);
}

/* SHA-256 of the encrypted output for the audit record into sum: the
 * manifest's when one was written, else read here, but only when the
 * token audits. NULL if neither (a failed read is a warning). */
static const uint8_t *output_sha256(const struct cli *c,
                                    const struct cli_manifest *man,
                                    const char *out, struct p11_session *s,
                                    uint8_t sum[32])
{
	struct km_manifest *m;
	enum err e;

	if (man)
		return cli_manifest_result(man)->sha256;
	if (!cli_audit_enabled(s))
		return NULL;
	m = calloc(1, sizeof(*m));
	e = m ? km_manifest_scan_image(out, m)
	      : err_set(ERR_NOMEM, "SHA-256 of %s", out);
	if (e == ERR_OK)
		memcpy(sum, m->sha256, 32);
	else
		cli_info(c, "warning: audit: no SHA-256 of the output: %s",
		         err_detail());
	free(m);
	err_clear();
	return e == ERR_OK ? sum : NULL;
}

/* The keyhash computed in the token, then the pipeline with the DEK as
 * its cipher. */
static enum err encrypt(const struct cli *c, const struct cli_vhd_args *a,
                        const struct vhd_reader *in, struct cli_vhd_key *k,
                        uint8_t hash[32])
{
	static const uint8_t zero_nonce[32];
	struct cli_vhd_job job;
	struct vhd_cipher ci;
	enum err e;

	e = cli_vhd_key_hash(k, zero_nonce, hash);
	if (e != ERR_OK)
		return e;
	ci = cli_vhd_cipher(k);
	cli_vhd_job_begin(c, a, "encrypting", &job);
	e = vhd_encrypt(in, a->out, &ci, hash, &job.opts);
	cli_vhd_job_end(&job);
	return e;
}

/* Before the token is opened: nothing to log in for. */
static enum err check_input(const struct cli *c, const struct cli_vhd_args *a,
                            const struct vhd_reader *in)
{
	if (vhd_encrypt_check_input(in) != ERR_OK)
		return err_wrap(ERR_FORMAT, "%s", a->in);
	if (vhd_encrypt_over_import_limit(in))
		cli_info(c,
		         "warning: %s: %.1f GB (%.1f GiB) exceeds IBM Cloud's "
		         "100 GB import limit",
		         a->in, (double)vhd_reader_size(in) / 1e9,
		         (double)vhd_reader_size(in) / (1u << 30));
	return ERR_OK;
}

/* arg: the --manifest options (no manifest without --manifest FILE). */
static enum err run(const struct cli *c, const struct cli_vhd_args *a,
                    const struct vhd_reader *in, void *arg)
{
	const struct cli_manifest_opts *mo = arg;
	struct cli_manifest *man = NULL;
	struct cli_vhd_key k;
	uint8_t hash[32], sum[32];
	const uint8_t *image_sha = NULL;
	uint32_t allocated = 0;
	enum err e;

	e = check_input(c, a, in);
	if (e != ERR_OK)
		return e;
	e = cli_vhd_key_open(c, a,
	                     &(struct cli_audit_rec){ .op = "vhd.encrypt",
	                                              .label = a->key,
	                                              .image_path = a->out },
	                     &k);
	if (e != ERR_OK)
		goto out;
	if (mo->out) {
		e = cli_manifest_begin(mo, a->out, k.t.session, &k.dek, &man);
		if (e != ERR_OK)
			goto out;
	}
	e = encrypt(c, a, in, &k, hash);
	if (e != ERR_OK)
		goto out;
	e = check_output(a->out, hash, &allocated);
	if (e != ERR_OK)
		goto out;
	if (man) {
		e = cli_manifest_finish(c, man, a->out, k.t.session, &k.dek);
		if (e != ERR_OK)
			goto out;
	}
	report(c, a, in, hash, allocated);
	image_sha = output_sha256(c, man, a->out, k.t.session, sum);
out:
	/* success or not, the token's audit log records the attempt */
	e = cli_audit(c, k.t.session,
	              &(struct cli_audit_rec){ .op = "vhd.encrypt",
	                                       .result = e,
	                                       .label = a->key,
	                                       .image_sha256 = image_sha,
	                                       .image_path = a->out,
	                                       .intent = &k.audit });
	cli_vhd_key_close(&k);
	cli_manifest_free(man);
	return e;
}

int cmd_vhd_encrypt(struct cli *c, int argc, char **argv)
{
	struct cli_manifest_opts mo;
	struct cli_vhd_args a;
	int rc;

	rc = cli_vhd_parse(c, argc, argv, CLI_VHD_OUTPUT | CLI_VHD_INPUT, &a,
	                   &mo);
	if (rc >= 0)
		return rc;
	return cli_vhd_run(c, &a, run, &mo);
}
