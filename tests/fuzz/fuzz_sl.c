/* SPDX-License-Identifier: MIT */
/* fuzz_sl.c - the parsers of what SoftLayer, IAM's policies API and COS
 * answer during an image import, on hostile bytes. The first byte picks
 * the parser: 0 an image template (getObject), 1 the OS codes, 2 IAM
 * policies, 3 a bucket location. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "secmem.h"
#include "sl_client.h"
#include "sl_preflight.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void image(const char *s, size_t n)
{
	struct sl_image im;

	if (sl_parse_image(s, n, &im) != ERR_OK)
		return;
	/* every string the parser fills is terminated */
	if (strlen(im.name) >= sizeof(im.name) ||
	    strlen(im.global_id) >= sizeof(im.global_id) ||
	    strlen(im.status) >= sizeof(im.status) || im.id < 1)
		abort();
	sink += (size_t)im.state + strlen(sl_state_name(im.state));
}

static void os_codes(const char *s, size_t n)
{
	struct sl_os *v = NULL;
	size_t k = 0;

	if (sl_parse_os_codes(s, n, &v, &k) != ERR_OK)
		return;
	for (size_t i = 0; i < k; i++)
		if (!v[i].code[0] || strlen(v[i].code) >= sizeof(v[i].code))
			abort();
	sink += k;
	free(v);
}

static void policies(const char *s, size_t n)
{
	bool found = false;

	if (sl_policies_match(s, n, "kms",
	                      "5d1c3e4f-0000-4000-8000-000000000001",
	                      &found) == ERR_OK)
		sink += found;
}

static void location(const char *s, size_t n)
{
	char loc[80];

	if (sl_parse_location(s, n, loc, sizeof(loc)) != ERR_OK)
		return;
	for (const char *p = loc; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			abort();
	sink += sl_location_regional(loc, "us-south");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char *s;
	size_t n;

	if (!ready) {
		secmem_use_for_json();
		ready = 1;
	}
	if (size == 0)
		return 0;
	n = size - 1;
	s = malloc(n + 1);
	if (!s)
		return 0;
	memcpy(s, data + 1, n);
	s[n] = '\0';
	switch (data[0] % 4) {
	case 0: image(s, n); break;
	case 1: os_codes(s, n); break;
	case 2: policies(s, n); break;
	default: location(s, n); break;
	}
	free(s);
	return 0;
}
