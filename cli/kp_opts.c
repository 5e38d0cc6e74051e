/* SPDX-License-Identifier: MIT */
/* kp_opts.c - shared options and run of the `kp` commands. Settings come
 * from flags, then KP_URL / KP_INSTANCE_ID / IAM_URL; the API key only
 * from file:/env:/fd: or a prompt, never argv. P11SEAL_KP_RETRY_BASE_MS,
 * P11SEAL_KP_RETRY_CAP_MS and P11SEAL_KP_TIMEOUT_MS shorten waits for
 * tests. */
#include "kp_opts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "kp_client.h"
#include "secmem.h"

static const struct cli_opt table[] = {
	{ "kp-url", CLI_STR(struct kp_opts, cfg.kp_url), .arg = "URL",
	  .help = "Key Protect API URL; default $KP_URL, else the public (or "
	          "--private) endpoint of --region (--hpcs: of the "
	          "instance)" },
	{ "instance-id", CLI_STR(struct kp_opts, cfg.instance_id),
	  .arg = "GUID|CRN",
	  .help = "the Key Protect or HPCS instance; default "
	          "$KP_INSTANCE_ID (one of them is required)" },
	{ "iam-url", CLI_STR(struct kp_opts, cfg.iam_url), .arg = "URL",
	  .help = "IAM token URL, or a host for its /identity/token; default "
	          "$IAM_URL, else https://iam.cloud.ibm.com (private. with "
	          "--private)" },
	{ "region", CLI_STR(struct kp_opts, cfg.region), .arg = "R",
	  .help = "region of the endpoints; default the instance CRN's, else "
	          "us-south" },
	{ "private", CLI_FLAG(struct kp_opts, cfg.private_endpoint),
	  .help = "private endpoints (Key Protect and IAM); default public" },
	{ "cacert", CLI_STR(struct kp_opts, cfg.cacert), .arg = "FILE",
	  .help = "PEM file of extra trust anchors; default "
	          "$P11SEAL_CACERT, else $SSL_CERT_FILE, else the system's "
	          "only" },
	{ "hpcs", CLI_FLAG(struct kp_opts, cfg.hpcs),
	  .help = "the instance is Hyper Protect Crypto Services; default "
	          "Key Protect" },
	{ "key-ring", CLI_STR(struct kp_opts, cfg.key_ring), .arg = "ID",
	  .help = "key ring of every request ([A-Za-z0-9_-]); default none" },
	{ "api-key-source", CLI_STR(struct kp_opts, api_key_source),
	  .arg = "SRC",
	  .help = "where the API key is read: file:PATH, env:VAR, fd:N or "
	          "prompt; default env:IBMCLOUD_API_KEY" },
	{ "api-key", CLI_SECRET("API key"),
	  .help = "refused: an API key on the command line shows in ps and "
	          "shell history" },
	{ "json", CLI_FLAG(struct kp_opts, json),
	  .help = "one JSON document on stdout, as the global --json; "
	          "default text" },
	{ NULL },
};

static void defaults(struct kp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->cfg.kp_url = getenv("KP_URL");
	o->cfg.instance_id = getenv("KP_INSTANCE_ID");
	o->cfg.iam_url = getenv("IAM_URL");
	o->cfg.retry_base_ms = cli_env_ms("P11SEAL_KP_RETRY_BASE_MS");
	o->cfg.retry_cap_ms = cli_env_ms("P11SEAL_KP_RETRY_CAP_MS");
	o->cfg.timeout_ms = cli_env_ms("P11SEAL_KP_TIMEOUT_MS");
	o->api_key_source = "env:IBMCLOUD_API_KEY";
}

/* -v: what the client is doing, so an unreachable service is not 13 s of
 * silence. */
static void progress(void *ctx, const char *line)
{
	const struct cli *c = ctx;

	fprintf(stderr, "%s: %s: Key Protect: %s\n", c->prog, c->cmd, line);
}

/* Which of --kp-url, KP_URL and --region names the endpoint: a flag beats
 * the environment (KP_URL is dropped, with a warning, for --region), and
 * two flags that both name it are refused. -1 to go on, else 2. */
static int endpoint(struct cli *c, struct kp_opts *o)
{
	const char *env = getenv("KP_URL");
	bool from_env = o->cfg.kp_url && o->cfg.kp_url == env;

	if (o->cfg.kp_url && !from_env && o->cfg.region)
		return cli_usage(c, "--kp-url and --region both name the Key "
		                    "Protect endpoint; give one");
	if (from_env && o->cfg.region) {
		fprintf(stderr,
		        "%s: %s: warning: KP_URL (%.200s) ignored: --region "
		        "%.64s on the command line wins\n",
		        c->prog, c->cmd, env, o->cfg.region);
		o->cfg.kp_url = NULL;
	}
	if (c->verbosity > 0) {
		o->cfg.progress = progress;
		o->cfg.progress_ctx = c;
	}
	if (o->cfg.kp_url && c->verbosity > 0)
		cli_info(c, "Key Protect at %.200s (%s)", o->cfg.kp_url,
		         from_env ? "KP_URL" : "--kp-url");
	return -1;
}

/* Parse by spec, the Key Protect table added after its own tables. */
static int parse(struct cli *c, int argc, char **argv, struct cli_opts *spec,
                 struct kp_opts *o)
{
	size_t n = 0;
	int rc;

	defaults(o);
	o->cfg.cacert = c->cacert; /* P11SEAL_CACERT, SSL_CERT_FILE */
	while (n + 1 < CLI_OPTS_SETS && spec->sets[n].opts)
		n++; /* after the command's own, in help too */
	spec->sets[n] = (struct cli_opt_set){ table, o };
	rc = cli_opts_parse(c, spec, argc, argv);
	if (o->json)
		c->json = true;
	return rc < 0 ? endpoint(c, o) : rc;
}

int kp_cmd_parse(struct cli *c, int argc, char **argv, const struct kp_cmd *k,
                 struct kp_opts *ko)
{
	struct cli_opts spec = {
		/* the command's own table first, in help too */
		.sets = { { k->opts ? k->opts : k->shared, k->args },
		          { k->opts ? k->shared : NULL, k->args } },
		.args = { k->arg },
		.min_args = k->arg ? 1 : 0,
		.args_usage = !k->arg        ? NULL
		              : k->arg_usage ? k->arg_usage
		                             : "expected one KEY (id or alias)",
		.required_usage = k->required_usage,
	};
	int rc = parse(c, argc, argv, &spec, ko);

	if (rc < 0 && k->check)
		rc = k->check(c, k->args);
	return rc;
}

int kp_cmd_run(struct cli *c, int argc, char **argv, const struct kp_cmd *k)
{
	struct kp_client *kp = NULL;
	struct kp_opts ko;
	enum err r;
	int rc;

	rc = kp_cmd_parse(c, argc, argv, k, &ko);
	if (rc >= 0)
		return rc;
	r = kp_opts_connect(&ko, &kp);
	if (r == ERR_OK)
		r = k->call(c, kp, k->args);
	kp_client_free(kp);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}

/* IBM's own key file (`ibmcloud iam api-key-create NAME --file F`) is a
 * JSON object whose "apikey" member is the key: take that member. The
 * tree lives in secmem (secmem_use_for_json), wiped when deleted. */
static enum err from_key_file(char **key)
{
	struct cJSON *j = NULL;
	const char *v = NULL;
	char *copy;
	enum err r;

	if ((*key)[0] != '{')
		return ERR_OK;
	r = json_parse_object(*key, strlen(*key), &j);
	if (r == ERR_OK)
		r = json_get_strp(j, "apikey", true, 4096, &v);
	if (r != ERR_OK) {
		cJSON_Delete(j);
		return err_set(
		        ERR_FORMAT,
		        "the API key source holds JSON but no \"apikey\" "
		        "string (IBM's apikey.json has one)");
	}
	copy = secmem_strdup(v);
	cJSON_Delete(j);
	if (!copy)
		return err_set(ERR_NOMEM, "no secure memory for the API key");
	secmem_free(*key);
	*key = copy;
	return ERR_OK;
}

enum err kp_opts_connect(const struct kp_opts *o, struct kp_client **out)
{
	char *key = NULL;
	enum err r;

	*out = NULL;
	r = cli_secret_read(o->api_key_source, "IBM Cloud API key: ", "API key",
	                    &key);
	if (r == ERR_OK)
		r = from_key_file(&key);
	if (r == ERR_OK)
		r = kp_client_new(out, &o->cfg, key);
	secmem_free(key);
	return r;
}

struct action {
	const char *id;
	enum err (*fn)(struct kp_client *, const char *);
	const char *verb;
};

/* --json: {"key_id": KEY, "action": "disabled"}. */
static enum err print_action(const struct action *a)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "key_id", a->id);
	cJSON_AddStringToObject(j, "action", a->verb);
	return cli_print_json(j);
}

static enum err act(struct cli *c, struct kp_client *kp, void *args)
{
	const struct action *a = args;
	enum err r = a->fn(kp, a->id);

	if (r == ERR_OK)
		cli_info(c, "%s key %s", a->verb, a->id);
	if (r == ERR_OK && c->json)
		r = print_action(a);
	return r;
}

int kp_opts_run_action(struct cli *c, int argc, char **argv,
                       enum err (*fn)(struct kp_client *, const char *),
                       const char *verb)
{
	struct action a = { NULL, fn, verb };

	return kp_cmd_run(
	        c, argc, argv,
	        &(struct kp_cmd){ .args = &a, .arg = &a.id, .call = act });
}
