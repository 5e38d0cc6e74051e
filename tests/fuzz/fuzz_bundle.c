/* SPDX-License-Identifier: MIT */
/* fuzz_bundle.c - libFuzzer target: parse any bytes as a DEK bundle. A
 * bundle that parses must pass the shared check, build into a file that
 * parses back to the same canonical forms and signature, and have
 * canonical forms that are themselves strict JSON; an error detail never
 * carries a control character (bundles come from other machines). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "km_bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_form(const struct km_bundle *a, const struct km_bundle *b,
                      bool with_binding)
{
	char *ca = NULL, *cb = NULL;
	size_t la = 0, lb = 0;
	cJSON *strict = NULL;
	enum err (*form)(const struct km_bundle *, char **, size_t *) =
	        with_binding ? km_bundle_canonical_signed : km_bundle_canonical;

	if (form(a, &ca, &la) != ERR_OK || form(b, &cb, &lb) != ERR_OK)
		abort();
	if (la != lb || memcmp(ca, cb, la) != 0)
		abort();
	if (json_parse_object(ca, la, &strict) != ERR_OK)
		abort();
	cJSON_Delete(strict);
	free(ca);
	free(cb);
}

static void same_canonical(const struct km_bundle *a, const struct km_bundle *b)
{
	same_form(a, b, false);
	same_form(a, b, true);
	if (memcmp(a->binding, b->binding, sizeof(a->binding)) != 0 ||
	    memcmp(a->signature, b->signature, sizeof(a->signature)) != 0)
		abort();
}

static void round_trip(const struct km_bundle *b)
{
	struct km_bundle *back = calloc(1, sizeof(*back));
	char *text = NULL;
	size_t len = 0;

	if (!back)
		return;
	if (km_bundle_check(b) != ERR_OK ||
	    km_bundle_build(b, &text, &len) != ERR_OK ||
	    km_bundle_parse(text, len, back) != ERR_OK)
		abort();
	same_canonical(b, back);
	free(text);
	free(back);
}

static void clean_detail(void)
{
	for (const char *d = err_detail(); *d; d++)
		if ((unsigned char)*d < 0x20 || *d == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct km_bundle *b = calloc(1, sizeof(*b));

	if (!b)
		return 0;
	if (km_bundle_parse((const char *)data, size, b) == ERR_OK)
		round_trip(b);
	else
		clean_detail();
	free(b);
	return 0;
}
