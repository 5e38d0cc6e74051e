/* SPDX-License-Identifier: MIT */
/* cli_cos.c - COS options and credentials for the cos commands. The API
 * key or HMAC keys are read into secure memory and wiped when the
 * command ends; only the IAM token source keeps a copy (locked too). */
#include "cli_cos.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cos_keys.h"
#include "iam_token.h"
#include "secmem.h"

const struct cli_opt cli_cos_table[] = {
	{ "cos-endpoint", CLI_STR(struct cli_cos_opts, endpoint), .arg = "URL",
	  .help = "https://HOST[:PORT] of the S3 API; default $COS_ENDPOINT, "
	          "else the region's public endpoint" },
	{ "private", CLI_FLAG(struct cli_cos_opts, private_ep),
	  .help = "the region's private endpoint (s3.private.REGION...) and "
	          "private IAM" },
	{ "direct", CLI_FLAG(struct cli_cos_opts, direct_ep),
	  .help = "the region's direct endpoint (s3.direct.REGION..., from "
	          "VPC)" },
	{ "cacert", CLI_STR(struct cli_cos_opts, cacert), .arg = "FILE",
	  .help = "PEM file of extra trust anchors; default "
	          "$P11SEAL_CACERT, else $SSL_CERT_FILE, else the system's "
	          "only" },
	{ "iam-url", CLI_STR(struct cli_cos_opts, iam_url), .arg = "URL",
	  .help = "IAM token URL, or a host for its /identity/token; default "
	          "$IAM_URL, else https://iam.cloud.ibm.com" },
	{ "api-key-source", CLI_STR(struct cli_cos_opts, api_key_source),
	  .arg = "SRC",
	  .help = "IAM auth (default): the API key from file:PATH, env:VAR, "
	          "fd:N or prompt; default env:IBMCLOUD_API_KEY" },
	{ "hmac-source", CLI_STR(struct cli_cos_opts, hmac_source),
	  .arg = "SRC",
	  .help = "HMAC auth instead: keys (credential JSON or ID:SECRET) "
	          "from file:PATH, env:VAR or fd:N" },
	{ "api-key", CLI_SECRET("API key"),
	  .help = "refused: an API key on the command line shows in ps and "
	          "shell history" },
	{ "hmac-key", CLI_SECRET("HMAC key"),
	  .help = "refused: use --hmac-source" },
	{ NULL },
};

void cli_cos_defaults(const struct cli *c, struct cli_cos_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cacert = c->cacert; /* P11SEAL_CACERT, SSL_CERT_FILE */
	o->endpoint = getenv("COS_ENDPOINT");
	o->iam_url = getenv("IAM_URL");
	o->api_key_source = "env:IBMCLOUD_API_KEY";
}

enum err cli_cos_open(const struct cli_cos_opts *o, struct cos_config *cfg)
{
	char *secret = NULL, *access = NULL, *key = NULL;
	enum err r;

	memset(cfg, 0, sizeof(*cfg));
	if (o->private_ep && o->direct_ep)
		return err_set(ERR_USAGE, "--private and --direct exclude "
		                          "each other");
	cfg->endpoint = o->endpoint;
	cfg->kind = o->private_ep ? COS_PRIVATE
	                          : (o->direct_ep ? COS_DIRECT : COS_PUBLIC);
	cfg->cacert = o->cacert;
	cfg->retry_base_ms = cli_env_ms("P11SEAL_COS_RETRY_BASE_MS");
	cfg->retry_cap_ms = cli_env_ms("P11SEAL_COS_RETRY_CAP_MS");
	cfg->timeout_ms = cli_env_ms("P11SEAL_COS_TIMEOUT_MS");
	if (o->hmac_source) {
		if (strcmp(o->hmac_source, "prompt") == 0)
			return err_set(ERR_USAGE, "--hmac-source: file:, env: "
			                          "or fd:, not a prompt");
		r = cli_secret_read(o->hmac_source, "", "HMAC keys", &secret);
		if (r == ERR_OK)
			r = cos_keys_parse(secret, &access, &key);
		secmem_free(secret);
		cfg->access_key = access;
		cfg->secret_key = key;
		return r;
	}
	r = cli_secret_read(o->api_key_source, "IBM Cloud API key: ", "API key",
	                    &key);
	if (r == ERR_OK)
		r = iam_token_new(&cfg->iam,
		                  o->iam_url ? o->iam_url
		                  : o->private_ep
		                          ? "https://private.iam.cloud.ibm.com"
		                          : NULL,
		                  o->cacert, key);
	secmem_free(key);
	return r;
}

void cli_cos_close(struct cos_config *cfg)
{
	iam_token_free(cfg->iam);
	secmem_free((void *)(uintptr_t)cfg->access_key);
	secmem_free((void *)(uintptr_t)cfg->secret_key);
	memset(cfg, 0, sizeof(*cfg));
}

static double secs(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	       (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void cli_cos_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct cli_cos_progress *p = ctx;
	struct timespec now;
	double el, rate, mib = 1024.0 * 1024.0;

	if (!p->on)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!p->seen) {
		p->seen = true;
		p->t0 = now;
		p->last = now;
	}
	if (done < total && secs(&p->last, &now) < 1.0)
		return;
	p->last = now;
	el = secs(&p->t0, &now);
	rate = el > 0 ? (double)done / el : 0;
	fprintf(stderr, "%s%s: %.1f / %.1f MiB (%d%%), %.1f MiB/s, ETA %.0fs%s",
	        p->tty ? "\r" : "", p->c->cmd, (double)done / mib,
	        (double)total / mib,
	        (int)(100.0 * (double)done / (double)total), rate / mib,
	        rate > 0 ? (double)(total - done) / rate : 0.0,
	        p->tty && done < total ? "" : "\n");
}
