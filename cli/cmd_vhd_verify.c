/* SPDX-License-Identifier: MIT */
/* cmd_vhd_verify.c - `p11seal vhd verify --key L FILE [--data]`: FILE is an
 * encrypted VHD blktap accepts and the key is the one that encrypted it;
 * --data also decrypts every block and prints the SHA-256 of the whole
 * plaintext disk, exactly its virtual size (sha256sum of a raw source). */
#include <stdio.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_vhd.h"
#include "commands.h"
#include "encode.h"
#include "vhd_decrypt.h"
#include "vhd_verify.h"

static enum err hash_block(void *arg, uint32_t k, const uint8_t *buf,
                           size_t len)
{
	(void)k;
	if (!EVP_DigestUpdate(arg, buf, len))
		return err_set(ERR_CRYPTO, "SHA-256 of the plaintext");
	return ERR_OK;
}

/* Decrypt every block into a SHA-256; hex digest into out[65]. */
static enum err digest(const struct cli *c, const struct cli_vhd_args *a,
                       const struct vhd_reader *in, struct cli_vhd_key *k,
                       const uint8_t *hash, char *out)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct vhd_cipher ci = cli_vhd_cipher(k);
	struct cli_vhd_job job;
	uint8_t sum[32];
	enum err e;

	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		EVP_MD_CTX_free(md);
		return err_set(ERR_CRYPTO, "SHA-256");
	}
	cli_vhd_job_begin(c, a, "verifying", &job);
	e = vhd_decrypt_each(in, &ci, hash, hash_block, md, &job.opts);
	cli_vhd_job_end(&job);
	if (e == ERR_OK && !EVP_DigestFinal_ex(md, sum, NULL))
		e = err_set(ERR_CRYPTO, "SHA-256");
	if (e == ERR_OK)
		encode_hex(out, sum, sizeof(sum));
	EVP_MD_CTX_free(md);
	return e;
}

static void report(const struct cli *c, const struct cli_vhd_args *a,
                   const struct vhd_reader *in, const char *sha)
{
	cJSON *o;

	if (!c->json) {
		printf("%s: encrypted VHD OK (blktap layout, keyhash matches "
		       "key '%s')\n",
		       a->in, a->key);
		if (sha[0])
			printf("plaintext sha256: %s\n", sha);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "file", a->in);
	cJSON_AddBoolToObject(o, "blktap", true);
	cJSON_AddBoolToObject(o, "keyhash_matches", true);
	cJSON_AddNumberToObject(o, "virtual_size", (double)vhd_reader_size(in));
	cJSON_AddNumberToObject(o, "allocated_blocks",
	                        vhd_reader_allocated(in));
	if (sha[0])
		cJSON_AddStringToObject(o, "plaintext_sha256", sha);
	cli_print_json(o);
}

static enum err run(const struct cli *c, const struct cli_vhd_args *a,
                    const struct vhd_reader *in, void *arg)
{
	struct cli_vhd_key k;
	uint8_t hash[32];
	char sha[65] = "";
	enum err e;

	(void)arg;
	e = vhd_verify_blktap(in);
	if (e != ERR_OK)
		return err_wrap(e, "%s", a->in);
	e = cli_vhd_key_check(c, a, in,
	                      &(struct cli_audit_rec){ .op = "vhd.verify",
	                                               .label = a->key,
	                                               .image_path = a->in },
	                      &k, hash);
	if (e != ERR_OK)
		goto out;
	if (a->data) {
		e = digest(c, a, in, &k, hash, sha);
		if (e != ERR_OK)
			goto out;
	}
	report(c, a, in, sha);
out:
	/* image.sha256 is a file's own hash: not the --data plaintext's:
	 * none is recorded */
	return cli_vhd_key_done(c, a, "vhd.verify", &k, e);
}

int cmd_vhd_verify(struct cli *c, int argc, char **argv)
{
	return cli_vhd_main(c, argc, argv, CLI_VHD_DATA, run, NULL);
}
