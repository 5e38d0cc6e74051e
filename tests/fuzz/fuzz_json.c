/* SPDX-License-Identifier: MIT */
/* fuzz_json.c - the strict JSON reader of common/ on hostile bytes. The
 * first byte picks the mode. Even: parse any value, and whatever is
 * accepted must print (cJSON's writer) to a text that is accepted again
 * and prints the same, so the reader takes everything p11seal writes.
 * Odd: parse an object and read every member with every typed getter. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void use(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		sink += b[i];
}

static void round_trip(const char *s, size_t n)
{
	cJSON *root = NULL, *again = NULL;
	char *one, *two;

	if (json_parse(s, n, &root) != ERR_OK)
		return;
	one = cJSON_PrintUnformatted(root);
	if (!one)
		abort();
	/* numbers may print longer than they were written (1e9) */
	if (strlen(one) <= JSON_MAX_SIZE) {
		if (json_parse(one, strlen(one), &again) != ERR_OK)
			abort();
		two = cJSON_PrintUnformatted(again);
		if (!two || strcmp(one, two) != 0)
			abort();
		cJSON_free(two);
	}
	cJSON_Delete(again);
	cJSON_free(one);
	cJSON_Delete(root);
}

static void getters(const cJSON *o, const char *name)
{
	const cJSON *it = NULL;
	uint8_t buf[64], *sec = NULL;
	const char *p = NULL;
	char text[64];
	long long v = 0;
	size_t len = 0;
	bool b = false;

	if (json_get_str(o, name, true, text, sizeof(text)) == ERR_OK) {
		use(text, strlen(text));
		sink += json_is_uuid(text);
	}
	if (json_get_strp(o, name, false, 256, &p) == ERR_OK && p)
		sink += json_utf8_valid(p, strlen(p));
	if (json_get_int(o, name, true, -1000, INT64_MAX, &v) == ERR_OK)
		sink += (size_t)v;
	if (json_get_bool(o, name, true, &b) == ERR_OK)
		sink += b;
	if (json_get_obj(o, name, true, &it) == ERR_OK)
		sink += it != NULL;
	if (json_get_arr(o, name, true, 8, &it, &len) == ERR_OK)
		sink += len;
	if (json_get_hex(o, name, true, 1, 32, buf, &len) == ERR_OK)
		use(buf, len);
	if (json_get_b64(o, name, true, 1, sizeof(buf), buf, &len) == ERR_OK)
		use(buf, len);
	if (json_get_b64_secret(o, name, true, 1, 48, &sec, &len) == ERR_OK) {
		use(sec, len);
		secmem_free(sec);
	}
}

static void read_members(const char *s, size_t n)
{
	cJSON *root = NULL;
	char shown[32];

	if (json_parse_object(s, n, &root) != ERR_OK)
		return;
	for (const cJSON *m = root->child; m; m = m->next) {
		json_sanitize(shown, sizeof(shown), m->string);
		use(shown, strlen(shown));
		getters(root, m->string);
	}
	cJSON_Delete(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const char *s = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;

	if (!ready) {
		secmem_use_for_json();
		ready = 1;
	}
	if (size == 0)
		return 0;
	if (data[0] % 2 == 0)
		round_trip(s, n);
	else
		read_members(s, n);
	return 0;
}
