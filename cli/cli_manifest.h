/* SPDX-License-Identifier: MIT */
/* cli_manifest.h - what `manifest` and `vhd encrypt --manifest` share:
 * the options, and writing the import manifest of an encrypted image
 * while its DEK is open in the token. */
#ifndef P11SEAL_CLI_MANIFEST_H
#define P11SEAL_CLI_MANIFEST_H

#include <stdbool.h>

#include "cli.h"
#include "cli_opts.h"
#include "km_manifest.h"

struct p11_dek;
struct p11_session;

struct cli_manifest_opts {
	const char *out;     /* FILE; NULL = stdout */
	const char *cos_uri; /* cos://REGION/BUCKET/OBJECT */
	const char *name;    /* createFromIcos name [image name] */
	const char *os;      /* operatingSystemReferenceCode */
	const char *note;    /* createFromIcos note */
	const char *boot;    /* bootMode, or NULL to leave it out */
	bool byol;           /* bring your own license */
	const char *wdek;    /* wrapped-DEK JSON file instead of metadata */
	bool allow_unwrapped;
	bool force;
};

/* ERR_USAGE naming the option for a bad --cos-uri, --name, --os,
 * --note or --boot-mode value. */
enum err cli_manifest_check_opts(const struct cli_manifest_opts *o);

/* The options `manifest` and `vhd encrypt --manifest` share, into a
 * struct cli_manifest_opts (a table for cli_opts_parse, beside each
 * command's own --out/--manifest and --force): --cos-uri, --name, --os,
 * --note, --boot-mode, --byol, --wdek and --allow-unwrapped. */
extern const struct cli_opt cli_manifest_options[];

struct cli_manifest;

/* Before any long work: the output can be created (not over image), and
 * the DEK has a wrapped DEK in its metadata (or o->wdek) unless
 * --allow-unwrapped. *out is freed with cli_manifest_free. */
enum err cli_manifest_begin(const struct cli_manifest_opts *o,
                            const char *image, struct p11_session *s,
                            const struct p11_dek *dek,
                            struct cli_manifest **out);

/* Hash and read the encrypted image, check its batmap keyhash against the
 * DEK in the token, bind, write atomically (or to stdout) and report
 * warnings on stderr. */
enum err cli_manifest_finish(const struct cli *c, struct cli_manifest *j,
                             const char *image, struct p11_session *s,
                             const struct p11_dek *dek);

/* The manifest written by cli_manifest_finish. */
const struct km_manifest *cli_manifest_result(const struct cli_manifest *j);

/* NULL is a no-op; an unpublished output is removed. */
void cli_manifest_free(struct cli_manifest *j);

#endif
