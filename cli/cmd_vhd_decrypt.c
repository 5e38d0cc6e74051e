/* SPDX-License-Identifier: MIT */
/* cmd_vhd_decrypt.c - `p11seal vhd decrypt --key L IN OUT`: encrypted VHD
 * -> sparse raw image (default) or plain dynamic VHD. A wrong key fails
 * on the keyhash before the output exists. */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_vhd.h"
#include "commands.h"
#include "vhd_decrypt.h"

static void report(const struct cli *c, const struct cli_vhd_args *a,
                   const struct vhd_reader *in)
{
	cJSON *o;

	if (!c->json) {
		printf("%s: decrypted %s image, %llu bytes\n", a->out,
		       a->format ? a->format : "raw",
		       (unsigned long long)vhd_reader_size(in));
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "input", a->in);
	cJSON_AddStringToObject(o, "output", a->out);
	cJSON_AddStringToObject(o, "format", a->format ? a->format : "raw");
	cJSON_AddNumberToObject(o, "virtual_size", (double)vhd_reader_size(in));
	cJSON_AddNumberToObject(o, "allocated_blocks",
	                        vhd_reader_allocated(in));
	cli_print_json(o);
}

static enum err run(const struct cli *c, const struct cli_vhd_args *a,
                    const struct vhd_reader *in, void *arg)
{
	enum vhd_plain fmt = VHD_PLAIN_RAW;
	struct cli_vhd_key k;
	struct cli_vhd_job job;
	struct vhd_cipher ci;
	uint8_t hash[32];
	enum err e;

	(void)arg;
	if (a->format && strcmp(a->format, "vhd") == 0)
		fmt = VHD_PLAIN_VHD;
	else if (a->format && strcmp(a->format, "raw") != 0)
		return err_set(ERR_USAGE, "--format: '%s' is not raw or vhd",
		               a->format);
	e = cli_vhd_key_check(c, a, in,
	                      &(struct cli_audit_rec){ .op = "vhd.decrypt",
	                                               .label = a->key,
	                                               .image_path = a->in },
	                      &k, hash);
	if (e != ERR_OK)
		goto out;
	ci = cli_vhd_cipher(&k);
	cli_vhd_job_begin(c, a, "decrypting", &job);
	e = vhd_decrypt(in, a->out, fmt, &ci, hash, &job.opts);
	cli_vhd_job_end(&job);
	if (e != ERR_OK)
		goto out;
	report(c, a, in);
out:
	return cli_vhd_key_done(c, a, "vhd.decrypt", &k, e);
}

int cmd_vhd_decrypt(struct cli *c, int argc, char **argv)
{
	return cli_vhd_main(c, argc, argv, CLI_VHD_OUTPUT | CLI_VHD_FORMAT, run,
	                    NULL);
}
