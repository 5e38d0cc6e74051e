/* SPDX-License-Identifier: MIT */
/* cmd_vhd_info.c - `p11seal vhd info FILE`: what kind of disk image FILE
 * is, its sizes, allocation, creator and keyhash. Needs no token. */
#include <inttypes.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "cli_opts.h"
#include "commands.h"
#include "encode.h"
#include "vhd_reader.h"

/* Creator app as text: trailing NULs/spaces cut, odd bytes as '?'. */
static void creator_app(const struct vhd_footer *f, char out[5])
{
	int n = 4;

	for (int i = 0; i < 4; i++)
		out[i] = f->creator_app[i] >= 0x20 && f->creator_app[i] < 0x7f
		                 ? (char)f->creator_app[i]
		                 : '?';
	while (n > 0 &&
	       (f->creator_app[n - 1] == 0 || f->creator_app[n - 1] == ' '))
		n--;
	out[n] = '\0';
}

/* Canonical 8-4-4-4-12 form of the footer's unique id. */
static void uuid_text(const uint8_t *u, char out[37])
{
	char hex[33];
	int j = 0;

	encode_hex(hex, u, 16);
	for (int i = 0; i < 32; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			out[j++] = '-';
		out[j++] = hex[i];
	}
	out[j] = '\0';
}

static void add_keyhash(cJSON *o, const struct vhd_batmap *b)
{
	char hex[2 * VHD_KEYHASH_LEN + 1];
	cJSON *k = cJSON_AddObjectToObject(o, "keyhash");

	cJSON_AddBoolToObject(k, "present", b && b->keyhash.cookie == 1);
	if (!b || b->keyhash.cookie != 1)
		return;
	encode_hex(hex, b->keyhash.nonce, VHD_NONCE_LEN);
	cJSON_AddStringToObject(k, "nonce", hex);
	encode_hex(hex, b->keyhash.hash, VHD_KEYHASH_LEN);
	cJSON_AddStringToObject(k, "hash", hex);
}

static void add_vhd(cJSON *o, const struct vhd_reader *r)
{
	const struct vhd_footer *f = vhd_reader_footer(r);
	const struct vhd_header *h = vhd_reader_header(r);
	char app[5], ver[16], uuid[37];
	cJSON *g;

	creator_app(f, app);
	snprintf(ver, sizeof(ver), "%u.%u", f->creator_version >> 16,
	         f->creator_version & 0xffffu);
	uuid_text(f->uuid, uuid);
	cJSON_AddStringToObject(o, "creator_app", app);
	cJSON_AddStringToObject(o, "creator_version", ver);
	cJSON_AddStringToObject(o, "uuid", uuid);
	cJSON_AddNumberToObject(o, "timestamp",
	                        (double)f->timestamp + VHD_UNIX_EPOCH_2000);
	g = cJSON_AddObjectToObject(o, "geometry");
	cJSON_AddNumberToObject(g, "cylinders", f->geometry.cylinders);
	cJSON_AddNumberToObject(g, "heads", f->geometry.heads);
	cJSON_AddNumberToObject(g, "sectors", f->geometry.sectors);
	if (!h)
		return;
	cJSON_AddNumberToObject(o, "block_size", h->block_size);
	cJSON_AddNumberToObject(o, "blocks", h->max_bat);
	cJSON_AddNumberToObject(o, "allocated_blocks", vhd_reader_allocated(r));
	add_keyhash(o, vhd_reader_batmap(r));
}

static cJSON *info_json(const char *path, const struct vhd_reader *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "file", path);
	cJSON_AddStringToObject(o, "type", vhd_reader_input_name(r));
	cJSON_AddNumberToObject(o, "virtual_size", (double)vhd_reader_size(r));
	if (vhd_reader_footer(r))
		add_vhd(o, r);
	return o;
}

static void print_keyhash(const struct vhd_batmap *b)
{
	char hex[2 * VHD_KEYHASH_LEN + 1];

	if (!b || b->keyhash.cookie != 1) {
		printf("keyhash:          none\n");
		return;
	}
	encode_hex(hex, b->keyhash.nonce, VHD_NONCE_LEN);
	printf("keyhash:          present\n  nonce:          %s\n", hex);
	encode_hex(hex, b->keyhash.hash, VHD_KEYHASH_LEN);
	printf("  hash:           %s\n", hex);
}

static void print_text(const char *path, const struct vhd_reader *r)
{
	const struct vhd_footer *f = vhd_reader_footer(r);
	const struct vhd_header *h = vhd_reader_header(r);
	char app[5];

	printf("file:             %s\ntype:             %s\n"
	       "virtual size:     %" PRIu64 " bytes\n",
	       path, vhd_reader_input_name(r), vhd_reader_size(r));
	if (!f)
		return;
	creator_app(f, app);
	printf("creator:          %s %u.%u\ngeometry:         %u/%u/%u\n", app,
	       f->creator_version >> 16, f->creator_version & 0xffffu,
	       f->geometry.cylinders, f->geometry.heads, f->geometry.sectors);
	if (!h)
		return;
	printf("block size:       %" PRIu32 "\nblocks:           %" PRIu32
	       "\nallocated blocks: %" PRIu32 "\n",
	       h->block_size, h->max_bat, vhd_reader_allocated(r));
	print_keyhash(vhd_reader_batmap(r));
}

int cmd_vhd_info(struct cli *c, int argc, char **argv)
{
	const char *file = NULL;
	struct cli_opts o = {
		.args = { &file },
		.min_args = 1,
		.args_usage = "expected one FILE",
	};
	struct vhd_reader *r = NULL;
	enum err e = ERR_OK;
	int rc;

	rc = cli_opts_parse(c, &o, argc, argv);
	if (rc >= 0)
		return rc;
	e = vhd_reader_open(&r, file);
	if (e != ERR_OK)
		goto out;
	if (c->json)
		e = cli_print_json(info_json(file, r));
	else
		print_text(file, r);
out:
	vhd_reader_free(r);
	return e == ERR_OK ? 0 : cli_fail(c, e);
}
