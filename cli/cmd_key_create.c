/* SPDX-License-Identifier: MIT */
/* cmd_key_create.c - `p11seal key create root|dek --label L ...`: keys
 * generated inside the token from p11seal's profiles. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_token.h"
#include "commands.h"
#include "encode.h"
#include "km_inventory.h"
#include "km_dek_store.h"
#include "km_key_meta.h"
#include "p11_dek.h"
#include "p11_key.h"
#include "p11_session.h"

struct create_opts {
	const char *kind;
	const char *label;
	unsigned long size;
	bool exportable;
	bool never_extractable;
};

static cJSON *meta_now(void)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	cJSON *o = cJSON_CreateObject();

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(o, "created", when);
	return o;
}

static enum err create_root(const struct cli *c, struct p11_session *s,
			    const struct create_opts *o)
{
	struct p11_key_spec spec = {
		.profile = o->never_extractable ? P11P_ROOT_LOCKED : P11P_ROOT,
		.label = o->label, .len = 32,
		.exportable = !o->never_extractable,
	};
	uint8_t id[P11_KEY_ID_LEN];
	CK_OBJECT_HANDLE h;
	cJSON *meta;
	enum err r;

	r = p11_obj_label_free(s, o->label);
	if (r == ERR_OK)
		r = p11_key_new_id(s, id);
	spec.id = id;
	spec.id_len = sizeof(id);
	if (r == ERR_OK)
		r = p11_key_generate(s, &spec, &h);
	if (r != ERR_OK)
		return r;
	meta = meta_now();
	r = cli_token_put_meta(c, s, o->label, "root", meta);
	cJSON_Delete(meta);
	if (r != ERR_OK) {
		p11_obj_discard(s, h);
		return r;
	}
	cli_info(c, "created root key '%s' (AES-256, %s)", o->label,
		 o->never_extractable ? "never extractable" :
		 "exportable only by trusted wrap");
	return ERR_OK;
}

static enum err create_dek(const struct cli *c, struct p11_session *s,
			   const struct create_opts *o)
{
	struct km_dek_stored st;
	char hex[65];
	cJSON *meta = km_key_meta_new();
	enum err r;

	if (meta)
		cJSON_AddNumberToObject(meta, "size", (double)o->size);
	r = km_dek_store_generated(s, o->label, o->size, o->exportable, meta,
				   &st);
	cJSON_Delete(meta);
	if (r != ERR_OK)
		return r;
	if (!st.meta_stored)
		cli_info(c, "note: token '%s' cannot store data objects, so "
			 "p11seal keeps no metadata beside '%s'; its kind "
			 "will be inferred from its attributes",
			 p11_session_token(s)->label, o->label);
	encode_hex(hex, st.keyhash, sizeof(st.keyhash));
	cli_info(c, "created DEK '%s' (%lu bytes, XTS-AES-%d), keyhash %s",
		 o->label, o->size, o->size == 32 ? 128 : 256, hex);
	return ERR_OK;
}

static int parse(struct cli *c, int argc, char **argv, struct create_opts *o)
{
	static const struct option opts[] = {
		{ "label", required_argument, NULL, 'l' },
		{ "size", required_argument, NULL, 's' },
		{ "exportable", no_argument, NULL, 'e' },
		{ "never-extractable", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	enum err r;
	int ch;

	o->size = 64;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l': o->label = optarg; break;
		case 's':
			r = cli_parse_ulong(optarg, "--size", 32, 64, &o->size);
			if (r != ERR_OK || (o->size != 32 && o->size != 64))
				return cli_usage(c, "--size must be 32 or 64");
			break;
		case 'e': o->exportable = true; break;
		case 'n': o->never_extractable = true; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (optind != argc - 1)
		return cli_usage(c, "give the kind: root or dek");
	o->kind = argv[optind];
	if (!o->label || !o->label[0])
		return cli_usage(c, "--label LABEL is required");
	return -1;
}

int cmd_key_create(struct cli *c, int argc, char **argv)
{
	struct create_opts o = { 0 };
	struct cli_token t;
	enum err r;
	int rc;

	if (argc > 1 && strcmp(argv[1], "transport") == 0)
		return cmd_key_create_transport(c, argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "audit") == 0)
		return cmd_key_create_audit(c, argc - 1, argv + 1);
	rc = cmd_key_create_kp(c, argc, argv); /* dek --kp-root ID */
	if (rc >= 0)
		return rc;
	if (cli_wants_help(c, argc, argv))
		return 0;
	/* Allow the kind first: key create dek --label L */
	if (argc > 1 && argv[1][0] != '-') {
		char *kind = argv[1];

		memmove(argv + 1, argv + 2, (size_t)(argc - 2) * sizeof(*argv));
		argv[argc - 1] = kind;
	}
	rc = parse(c, argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (strcmp(o.kind, "root") != 0 && strcmp(o.kind, "dek") != 0)
		return cli_usage(c, "unknown key kind '%s' (root, dek)", o.kind);
	r = cli_token_open(c, CLI_TOKEN_RW | CLI_TOKEN_LOGIN, &t);
	if (r != ERR_OK)
		return cli_fail(c, r);
	if (strcmp(o.kind, "root") == 0)
		r = create_root(c, t.session, &o);
	else
		r = create_dek(c, t.session, &o);
	r = cli_audit(c, t.session, &(struct cli_audit_rec){
		.op = "key.create", .result = r, .label = o.label,
		.kind = o.kind });
	cli_token_close(&t);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
