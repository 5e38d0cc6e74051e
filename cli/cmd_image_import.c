/* SPDX-License-Identifier: MIT */
/* cmd_image_import.c - `p11seal image import MANIFEST [--wait]`: an image
 * template from the encrypted VHD in COS (SoftLayer createFromIcos) with
 * the manifest's parameters and the import API key, read from a secret
 * source into locked memory, sent once and never stored. The token's
 * audit log gets the intent before the call and the result after it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_image.h"
#include "cli_token.h"
#include "commands.h"
#include "kp_client.h"
#include "secmem.h"

struct import_args {
	const char *manifest, *sl_url, *key_source;
	unsigned long interval, timeout;
	bool wait;
};

static const struct cli_opt opts[] = {
	{ "import-key-source", CLI_STR(struct import_args, key_source),
	  .arg = "SRC",
	  .help = "the API key createFromIcos gets as ibmApiKey (a service "
	          "ID's, with access to the bucket and the root key): "
	          "file:PATH, env:VAR, fd:N or prompt; default "
	          "env:IBMCLOUD_IMPORT_API_KEY" },
	{ "import-key", CLI_SECRET("import API key"),
	  .help = "refused: an API key on the command line shows in ps and "
	          "shell history" },
	CLI_IMAGE_SL_URL(struct import_args, sl_url),
	{ "wait", CLI_FLAG(struct import_args, wait),
	  .help = "poll until the template is ready or failed; default "
	          "return once SoftLayer accepted it" },
	{ "interval", CLI_ULONG(struct import_args, interval, 1, 3600),
	  .arg = "SECONDS",
	  .help = "--wait: seconds between polls; default 30" },
	{ "timeout", CLI_ULONG(struct import_args, timeout, 1, 86400),
	  .arg = "SECONDS",
	  .help = "--wait: give up after SECONDS; default 3600" },
	{ NULL },
};

static void sleep_s(unsigned long s)
{
	struct timespec ts = { (time_t)s, 0 };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Poll until ready or failed, or the timeout. */
static enum err wait_for(const struct cli *c, struct kp_client *kp,
                         const char *sl, const struct import_args *a,
                         struct sl_image *im)
{
	time_t end = time(NULL) + (time_t)a->timeout;
	long long id = im->id;
	enum err r = ERR_OK;

	while (r == ERR_OK && im->state == SL_PENDING) {
		if (time(NULL) >= end)
			return err_set(ERR_REMOTE,
			               "template %lld still pending after %lu "
			               "s (see `p11seal image show %lld`)",
			               id, a->timeout, id);
		cli_info(c, "template %lld: %s%s%s", id,
		         sl_state_name(im->state), im->status[0] ? ", " : "",
		         im->status);
		sleep_s(a->interval);
		r = sl_image_get(kp, sl, id, im);
	}
	if (r == ERR_OK && im->state == SL_FAILED)
		r = err_set(ERR_REMOTE,
		            "the import of template %lld failed: %s", id,
		            im->status);
	return r;
}

static enum err import(struct cli *c, const struct import_args *a,
                       struct kp_opts *ko)
{
	struct km_manifest *m = calloc(1, sizeof(*m));
	struct cli_audit_rec rec = { .op = "image.import" };
	struct cli_audit_intent in = { 0 };
	struct kp_client *kp = NULL;
	struct cli_token t = { 0 };
	struct sl_image im = { 0 };
	const char *sl = cli_image_sl_url(a->sl_url, ko);
	struct sl_icos p;
	struct km_crn crn;
	char *key = NULL;
	enum err r = m ? cli_image_manifest(a->manifest, m, &crn)
	               : err_set(ERR_NOMEM, "manifest");

	if (r != ERR_OK)
		goto out;
	cli_image_kp_defaults(ko, &crn);
	r = cli_secret_read(a->key_source, "import API key: ", "import API key",
	                    &key);
	if (r == ERR_OK)
		r = kp_opts_connect(ko, &kp);
	if (r == ERR_OK)
		r = cli_token_open(c, CLI_TOKEN_LOGIN, &t);
	if (r != ERR_OK)
		goto out;
	rec = (struct cli_audit_rec){ .op = "image.import",
		                      .label = m->label,
		                      .kind = "dek",
		                      .kp_key_id = crn.key_id,
		                      .image_sha256 = m->sha256,
		                      .image_path = m->icos.uri };
	r = cli_audit_begin(c, t.session, &rec, &in);
	if (r != ERR_OK)
		goto out;
	cli_image_icos(m, &p);
	r = sl_import(kp, sl, &p, key, &im);
	secmem_free(key);
	key = NULL;
	if (r == ERR_OK)
		cli_info(c, "template %lld (globalIdentifier %s) created",
		         im.id, im.global_id);
	if (r == ERR_OK && a->wait)
		r = wait_for(c, kp, sl, a, &im);
	rec.result = r;
	rec.intent = &in;
	r = cli_audit(c, t.session, &rec);
	if (im.id && (r == ERR_OK || im.state == SL_FAILED)) {
		enum err pr = cli_image_print(c, &im);

		r = r == ERR_OK ? pr : r;
	}
out:
	secmem_free(key);
	cli_token_close(&t);
	kp_client_free(kp);
	free(m);
	return r;
}

static int check(struct cli *c, void *args)
{
	const struct import_args *a = args;

	if (!a->wait && (a->interval != 30 || a->timeout != 3600))
		return cli_usage(c, "--interval and --timeout go with --wait");
	return -1;
}

int cmd_image_import(struct cli *c, int argc, char **argv)
{
	struct import_args a = { .key_source = "env:IBMCLOUD_IMPORT_API_KEY",
		                 .interval = 30,
		                 .timeout = 3600 };
	struct kp_opts ko;
	enum err r;
	int rc = cli_image_parse(c, argc, argv, opts, &a, &a.manifest, check,
	                         &ko);

	if (rc >= 0)
		return rc;
	r = import(c, &a, &ko);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
