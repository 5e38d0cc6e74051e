/* SPDX-License-Identifier: MIT */
/* cmd_vhd_encrypt.c - `p11seal vhd encrypt --key L IN OUT`: raw, fixed or
 * dynamic image -> encrypted dynamic VHD as vhd-util copy -k writes it,
 * with the DEK never leaving the token. The result is re-read and checked
 * before success is reported. */
#include <stdio.h>

#include <cjson/cJSON.h>

#include "cli.h"
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
	cJSON_AddNumberToObject(o, "virtual_size",
	                        2097152.0 * vhd_reader_blocks(in));
	cJSON_AddNumberToObject(o, "blocks", vhd_reader_blocks(in));
	cJSON_AddNumberToObject(o, "allocated_blocks", allocated);
	cJSON_AddStringToObject(o, "keyhash", hex);
	cli_print_json(o);
}

/* --manifest and its options, taken out of argv before cli_vhd_main,
 * whose run() has no parameter for them. */
static struct cli_manifest_opts manifest_opts;

static enum err run(const struct cli *c, const struct cli_vhd_args *a,
                    const struct vhd_reader *in)
{
	static const uint8_t zero_nonce[32];
	struct cli_manifest *man = NULL;
	struct cli_vhd_key k;
	struct vhd_job_opts o;
	struct vhd_cipher ci;
	uint8_t hash[32];
	uint32_t allocated = 0;
	enum err e;

	if (vhd_encrypt_over_import_limit(in))
		cli_info(c,
		         "warning: %s: %.1f GB (%.1f GiB) exceeds IBM Cloud's "
		         "100 GB import limit",
		         a->in, (double)vhd_reader_size(in) / 1e9,
		         (double)vhd_reader_size(in) / (1u << 30));
	e = cli_vhd_key_open(c, a, &k);
	if (e != ERR_OK)
		return e;
	if (manifest_opts.out)
		e = cli_manifest_begin(&manifest_opts, a->out, k.t.session,
		                       &k.dek, &man);
	if (e == ERR_OK)
		e = cli_vhd_key_hash(&k, zero_nonce, hash);
	if (e == ERR_OK) {
		ci = cli_vhd_cipher(&k);
		cli_vhd_job_begin(c, a, "encrypting", &o);
		e = vhd_encrypt(in, a->out, &ci, hash, &o);
		cli_vhd_job_end();
	}
	if (e == ERR_OK)
		e = check_output(a->out, hash, &allocated);
	if (e == ERR_OK && man)
		e = cli_manifest_finish(c, man, a->out, k.t.session, &k.dek);
	cli_vhd_key_close(&k);
	cli_manifest_free(man);
	if (e == ERR_OK)
		report(c, a, in, hash, allocated);
	return e;
}

int cmd_vhd_encrypt(struct cli *c, int argc, char **argv)
{
	int rc = cli_manifest_take_opts(c, &argc, argv, &manifest_opts);

	return rc >= 0 ? rc : cli_vhd_main(c, argc, argv, CLI_VHD_OUTPUT, run);
}
