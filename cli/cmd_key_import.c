/* SPDX-License-Identifier: MIT */
/* cmd_key_import.c - `p11seal key import dek --label L --raw-file F`:
 * migrate an IBM vhd-util key file (exactly 32 or 64 raw bytes) into the
 * token as a sensitive, non-extractable DEK. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "km_inventory.h"
#include "km_dek_store.h"
#include "p11_session.h"
#include "secmem.h"

struct import_opts {
	const char *label;
	const char *raw_file;
};

/* Read the whole key file (32 or 64 bytes) into secure memory. */
static enum err read_key_file(const char *path, uint8_t **key, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	ssize_t got;
	enum err r = ERR_OK;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(errno == ENOENT ? ERR_NOT_FOUND : ERR_IO,
			       "key file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		r = err_set(ERR_FORMAT, "key file %s is not a regular file",
			    path);
	else if (st.st_size != 32 && st.st_size != 64)
		r = err_set(ERR_FORMAT, "key file %s holds %lld bytes; a DEK "
			    "is exactly 32 or 64 raw bytes (no newline, not "
			    "base64)", path, (long long)st.st_size);
	if (r == ERR_OK && !(buf = secmem_alloc(65)))
		r = err_set(ERR_NOMEM, "no secure memory for the key");
	if (r == ERR_OK) {
		got = read(fd, buf, 65);
		if (got != st.st_size)
			r = err_set(ERR_IO, "key file %s changed while read",
				    path);
	}
	close(fd);
	if (r != ERR_OK) {
		secmem_free(buf);
		return r;
	}
	*key = buf;
	*len = (size_t)st.st_size;
	return ERR_OK;
}

static enum err import_raw(const struct cli *c, struct p11_session *s,
			   const struct import_opts *o)
{
	struct km_dek_stored st;
	uint8_t *key = NULL;
	size_t len = 0;
	char hex[65];
	cJSON *meta = cJSON_CreateObject();
	enum err r;

	r = read_key_file(o->raw_file, &key, &len);
	if (r == ERR_OK && meta) {
		cJSON_AddNumberToObject(meta, "size", (double)len);
		cJSON_AddStringToObject(meta, "origin",
					"imported raw key file");
	}
	if (r == ERR_OK)
		r = km_dek_store_value(s, o->label, key, len, false, meta, &st);
	secmem_free(key);
	cJSON_Delete(meta);
	if (r != ERR_OK)
		return r;
	if (!st.meta_stored)
		cli_info(c, "note: token '%s' cannot store data objects, so "
			 "p11seal keeps no metadata beside '%s'; its kind "
			 "will be inferred from its attributes",
			 p11_session_token(s)->label, o->label);
	encode_hex(hex, st.keyhash, sizeof(st.keyhash));
	cli_info(c, "imported DEK '%s' (%zu bytes) as sensitive and "
		 "non-extractable, keyhash %s", o->label, len, hex);
	cli_info(c, "warning: %s is still a plaintext copy of the DEK; "
		 "destroy it (shred -u %s) once the import is checked",
		 o->raw_file, o->raw_file);
	return ERR_OK;
}

int cmd_key_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "raw-file", required_argument, NULL, 'r' },
		{ "bundle", required_argument, NULL, 'b' },
		{ "unwrap-with", required_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_opts o = { 0 };
	struct cli_token t;
	const char *kind = NULL, *bundle = NULL, *unwrap_with = NULL;
	enum err r;
	int ch;

	if (cli_wants_help(c, argc, argv))
		return 0;
	if (argc > 1 && argv[1][0] != '-') {
		kind = argv[1];
		argc--;
		argv++;
	}
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': o.label = optarg; break;
		case 'r': o.raw_file = optarg; break;
		case 'b': bundle = optarg; break;
		case 'u': unwrap_with = optarg; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (!kind || strcmp(kind, "dek") != 0)
		return cli_usage(c, "only 'key import dek' is supported");
	if (bundle || unwrap_with) {
		if (!bundle || !unwrap_with || o.raw_file || optind < argc)
			return cli_usage(c, "--bundle FILE needs --unwrap-with "
					 "KEY (and no --raw-file)");
		return cmd_key_import_bundle(c, bundle, unwrap_with, o.label);
	}
	if (!o.label || !o.raw_file || optind < argc)
		return cli_usage(c, "--label LABEL and --raw-file FILE are "
				 "required");
	r = cli_token_open(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, &t);
	if (r == ERR_OK)
		r = import_raw(c, t.session, &o);
	r = cli_audit(c, t.session, &(struct cli_audit_rec){
		.op = "key.import", .result = r, .label = o.label,
		.kind = "dek" });
	cli_token_close(&t);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
