/* SPDX-License-Identifier: MIT */
/* fuzz_manifest.c - libFuzzer target for the import manifest's parsers.
 * The input's start picks one: '{' a manifest (one that parses must
 * validate without crashing and build into text that parses back to the
 * same digest and text), "crn:" a root key CRN, "cos:" a COS URI, anything
 * else an image file name (its object name must follow IBM's pattern). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "km_manifest.h"
#include "secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void manifest(const char *s, size_t n)
{
	struct km_manifest *m = calloc(1, sizeof(*m));
	struct km_manifest *back = calloc(1, sizeof(*back));
	struct km_report rep = { .n = 0 };
	char *t1 = NULL, *t2 = NULL;
	uint8_t d1[32], d2[32];
	size_t l1 = 0, l2 = 0, bad = 0;

	if (!m || !back || km_manifest_parse(s, n, m) != ERR_OK)
		goto out;
	if ((km_manifest_validate(m, &rep) == ERR_OK) != (rep.failures == 0))
		abort();
	for (size_t i = 0; i < rep.n; i++)
		bad += !rep.issue[i].warning;
	if (rep.n > KM_ISSUES_MAX || (rep.n < KM_ISSUES_MAX && bad != rep.failures))
		abort();
	if (km_manifest_build(m, &t1, &l1) != ERR_OK)
		goto out;
	if (km_manifest_parse(t1, l1, back) != ERR_OK ||
	    km_manifest_build(back, &t2, &l2) != ERR_OK || l1 != l2 ||
	    memcmp(t1, t2, l1) != 0)
		abort();
	if (km_manifest_digest(m, d1) != ERR_OK ||
	    km_manifest_digest(back, d2) != ERR_OK || memcmp(d1, d2, 32) != 0)
		abort();
out:
	free(t1);
	free(t2);
	free(m);
	free(back);
}

static void crn(const char *s)
{
	struct km_crn c;

	if (km_manifest_crn_parse(s, &c) != ERR_OK)
		return;
	if (strcmp(c.service, "kms") != 0 && strcmp(c.service, "hs-crypto"))
		abort();
	if (strlen(c.instance) != 36 || strlen(c.key_id) != 36 ||
	    !strstr(s, c.key_id) || !c.account[0] || !c.region[0])
		abort();
}

/* A URI that parses is rebuilt exactly from its parts. */
static void cos_uri(const char *s)
{
	char again[KM_URI_MAX + 200];
	struct km_cos_uri u;

	if (km_manifest_cos_uri_parse(s, &u) != ERR_OK)
		return;
	snprintf(again, sizeof(again), "cos://%s/%s/%s", u.region, u.bucket,
	         u.object);
	if (strcmp(again, s) != 0)
		abort();
}

static void object_name(const char *s)
{
	char obj[KM_OBJECT_MAX + 1], obj2[KM_OBJECT_MAX + 1];

	if (km_manifest_object_name(s, obj) != ERR_OK)
		return;
	if (!km_manifest_object_ok(obj) || strlen(obj) > KM_FILE_MAX + 10)
		abort();
	/* deriving again from a derived name changes nothing */
	if (strlen(obj) <= KM_FILE_MAX &&
	    (km_manifest_object_name(obj, obj2) != ERR_OK ||
	     strcmp(obj, obj2) != 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	char *s;

	if (!ready) {
		secmem_init(1u << 22);
		secmem_use_for_json();
		ready = 1;
	}
	if (size > 2 * KM_MANIFEST_MAX)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (size && s[0] == '{')
		manifest(s, size);
	else if (strncmp(s, "crn:", 4) == 0)
		crn(s);
	else if (strncmp(s, "cos:", 4) == 0)
		cos_uri(s);
	else
		object_name(s);
	free(s);
	return 0;
}
