/* SPDX-License-Identifier: MIT */
/* cli_image.h - what `preflight` and the `image` commands share: the
 * manifest read for an import, the Key Protect settings it implies, the
 * SoftLayer URL, and printing an image template. */
#ifndef P11SEAL_CLI_IMAGE_H
#define P11SEAL_CLI_IMAGE_H

#include <stdbool.h>

#include "cli.h"
#include "err.h"
#include "km_manifest.h"
#include "kp_opts.h"
#include "sl_client.h"

#define CLI_IMAGE_KP_NOTE                                                   \
	"Key Protect settings default to the manifest's root key CRN (its " \
	"instance and region)"

/* The --sl-url entry of a command's option table (args type, field). */
#define CLI_IMAGE_SL_URL(type, field)                                        \
	{                                                                    \
		"sl-url", CLI_STR(type, field),                              \
		        .arg = "URL",                                        \
		        .help = "SoftLayer REST API; default $SL_URL, else " \
		                "https://api.softlayer.com/rest/v3.1 "       \
		                "(api.service. with --private)"              \
	}

/* kp_cmd_parse for a command of one MANIFEST argument. */
int cli_image_parse(struct cli *c, int argc, char **argv,
                    const struct cli_opt *opts, void *args,
                    const char **manifest, int (*check)(struct cli *, void *),
                    struct kp_opts *ko);

/* Read MANIFEST for an import: well formed (ERR_FORMAT, format 1 refused
 * with how to remake it), fields consistent (ERR_VERIFY naming the first
 * failure), importable with an OS code (ERR_VERIFY naming what it
 * lacks); *crn parsed
 * from its crkCrn. */
enum err cli_image_manifest(const char *path, struct km_manifest *m,
                            struct km_crn *crn);

/* Key Protect settings the manifest implies where none were given: the
 * instance and region of crn, --hpcs for an hs-crypto CRN. */
void cli_image_kp_defaults(struct kp_opts *ko, const struct km_crn *crn);

/* For commands that use the client's IAM session only (image show,
 * image os-codes): an instance id when none was given, so the client can
 * be made; its Key Protect endpoint is never called. */
void cli_image_kp_unused(struct kp_opts *ko);

/* --sl-url, else $SL_URL, else SoftLayer's public (or --private) API. */
const char *cli_image_sl_url(const char *flag, const struct kp_opts *ko);

/* The createFromIcos configuration of m (borrowing its strings). */
void cli_image_icos(const struct km_manifest *m, struct sl_icos *p);

/* A template: JSON ({"image": SoftLayer's members, "state", "transaction"}),
 * or "name: value" lines. */
enum err cli_image_print(const struct cli *c, const struct sl_image *im);

#endif
