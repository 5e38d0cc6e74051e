/* SPDX-License-Identifier: MIT */
/* kp_opts.c - shared option parsing for the `kp` commands. Settings come
 * from flags, then KP_URL / KP_INSTANCE_ID / IAM_URL; the API key only
 * from file:/env:/fd: or a prompt, never argv. P11SEAL_KP_RETRY_BASE_MS,
 * P11SEAL_KP_RETRY_CAP_MS and P11SEAL_KP_TIMEOUT_MS shorten waits for
 * tests. */
#include "kp_opts.h"

#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "kp_client.h"
#include "secmem.h"

enum {
	OPT_KP_URL = 0x1000,
	OPT_INSTANCE,
	OPT_IAM_URL,
	OPT_REGION,
	OPT_PRIVATE,
	OPT_CACERT,
	OPT_HPCS,
	OPT_KEY_RING,
	OPT_KEY_SOURCE,
	OPT_API_KEY,
	OPT_JSON,
};

#define MAX_OPTS 40

static const struct option common[] = {
	{ "kp-url", required_argument, NULL, OPT_KP_URL },
	{ "instance-id", required_argument, NULL, OPT_INSTANCE },
	{ "iam-url", required_argument, NULL, OPT_IAM_URL },
	{ "region", required_argument, NULL, OPT_REGION },
	{ "private", no_argument, NULL, OPT_PRIVATE },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "hpcs", no_argument, NULL, OPT_HPCS },
	{ "key-ring", required_argument, NULL, OPT_KEY_RING },
	{ "api-key-source", required_argument, NULL, OPT_KEY_SOURCE },
	{ "api-key", required_argument, NULL, OPT_API_KEY },
	{ "json", no_argument, NULL, OPT_JSON },
};

/* Whole milliseconds from a test-tuning variable, or 0 (default). */
static long env_ms(const char *name)
{
	const char *v = getenv(name);
	unsigned long ms = 0;

	if (v && cli_parse_ulong(v, name, 1, 600000, &ms) != ERR_OK)
		ms = 0;
	return (long)ms;
}

static void defaults(struct kp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cfg.kp_url = getenv("KP_URL");
	o->cfg.instance_id = getenv("KP_INSTANCE_ID");
	o->cfg.iam_url = getenv("IAM_URL");
	o->cfg.retry_base_ms = env_ms("P11SEAL_KP_RETRY_BASE_MS");
	o->cfg.retry_cap_ms = env_ms("P11SEAL_KP_RETRY_CAP_MS");
	o->cfg.timeout_ms = env_ms("P11SEAL_KP_TIMEOUT_MS");
	o->api_key_source = "env:IBMCLOUD_API_KEY";
}

/* A shared option: 0 if handled, 1 if not ours, else an exit code. */
static int shared(struct cli *c, int ch, struct kp_opts *o)
{
	switch (ch) {
	case OPT_KP_URL: o->cfg.kp_url = optarg; return 0;
	case OPT_INSTANCE: o->cfg.instance_id = optarg; return 0;
	case OPT_IAM_URL: o->cfg.iam_url = optarg; return 0;
	case OPT_REGION: o->cfg.region = optarg; return 0;
	case OPT_PRIVATE: o->cfg.private_endpoint = true; return 0;
	case OPT_CACERT: o->cfg.cacert = optarg; return 0;
	case OPT_HPCS: o->cfg.hpcs = true; return 0;
	case OPT_KEY_RING: o->cfg.key_ring = optarg; return 0;
	case OPT_KEY_SOURCE: o->api_key_source = optarg; return 0;
	case OPT_JSON: c->json = true; return 0;
	case OPT_API_KEY:
		return cli_fail(c,
		                cli_refuse_argv_secret("--api-key", "API key"));
	default: return 1;
	}
}

int kp_opts_parse(struct cli *c, int argc, char **argv,
                  const struct option *extra, const char *shortopts,
                  kp_opts_fn fn, void *ctx, struct kp_opts *o)
{
	struct option all[MAX_OPTS];
	size_t n = sizeof(common) / sizeof(common[0]), m = 0;
	int ch;

	defaults(o);
	if (cli_wants_help(c, argc, argv))
		return EXIT_OK_;
	memcpy(all, common, sizeof(common));
	while (extra && extra[m].name && n + m < MAX_OPTS - 1) {
		all[n + m] = extra[m];
		m++;
	}
	memset(&all[n + m], 0, sizeof(all[0]));
	while ((ch = getopt_long(argc, argv, shortopts ? shortopts : "", all,
	                         NULL)) != -1) {
		int rc = shared(c, ch, o);

		if (rc == 1)
			rc = fn && ch != '?' ? fn(ctx, ch, optarg)
			                     : cli_usage(c, "unknown option");
		if (rc != 0)
			return rc;
	}
	return -1;
}

enum err kp_opts_connect(const struct kp_opts *o, struct kp_client **out)
{
	char *key = NULL;
	enum err r;

	*out = NULL;
	r = cli_secret_read(o->api_key_source, "IBM Cloud API key: ", "API key",
	                    &key);
	if (r == ERR_OK)
		r = kp_client_new(out, &o->cfg, key);
	secmem_free(key);
	return r;
}

int kp_opts_one_id(struct cli *c, int argc, char **argv, const char **id)
{
	if (optind != argc - 1)
		return cli_usage(c, "expected one KEY (id or alias)");
	*id = argv[optind];
	return -1;
}

int kp_opts_run_action(struct cli *c, int argc, char **argv,
                       enum err (*fn)(struct kp_client *, const char *),
                       const char *verb)
{
	struct kp_client *kp = NULL;
	struct kp_opts o;
	const char *id = NULL;
	enum err r;
	int rc;

	rc = kp_opts_parse(c, argc, argv, NULL, NULL, NULL, NULL, &o);
	if (rc < 0)
		rc = kp_opts_one_id(c, argc, argv, &id);
	if (rc >= 0)
		return rc;
	r = kp_opts_connect(&o, &kp);
	if (r == ERR_OK)
		r = fn(kp, id);
	if (r == ERR_OK)
		cli_info(c, "%s key %s", verb, id);
	kp_client_free(kp);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
