/* SPDX-License-Identifier: MIT */
/* test_km_manifest.c - the import manifest's pure parts: object names,
 * CRNs, cos:// URIs, KMS metadata, build/parse round trips, every parse
 * and validation rejection, and what the canonical digest covers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "km_manifest.h"
#include "secmem.h"

#define ACCT  "0123456789abcdef0123456789abcdef"
#define INST  "5d1c3e4f-0000-4000-8000-000000000001"
#define KEYID "9a8b7c6d-1111-4222-8333-444455556666"
#define CRN   "crn:v1:bluemix:public:kms:us-south:a/" ACCT ":" INST ":key:" KEYID
#define HCRN  "crn:v1:bluemix:public:hs-crypto:us-south:a/" ACCT ":" INST \
	      ":key:" KEYID
#define WDEK  "eyJjaXBoZXJ0ZXh0IjoiQUFBQSIsIml2IjoiQkJCQiJ9"
#define URI   "cos://us-south/bucket-1/debian12.vhd-0.vhd"

static void set(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s);
}
#define SET(f, s) set((f), sizeof(f), (s))

static cJSON *meta(const char *wdek, const char *crn, const char *kid,
                   const char *kms)
{
	cJSON *o = cJSON_CreateObject();

	if (wdek)
		cJSON_AddStringToObject(o, "wrapped_dek", wdek);
	if (crn)
		cJSON_AddStringToObject(o, "root_key_crn", crn);
	if (kid)
		cJSON_AddStringToObject(o, "root_key_id", kid);
	if (kms)
		cJSON_AddStringToObject(o, "kms", kms);
	cJSON_AddStringToObject(o, "kind", "dek"); /* others are ignored */
	return o;
}

/* A complete, valid manifest as p11seal writes it. */
static struct km_manifest *good(void)
{
	struct km_manifest *m = calloc(1, sizeof(*m));
	cJSON *j = meta(WDEK, CRN, KEYID, "keyprotect");

	assert_non_null(m);
	SET(m->file, "debian12.vhd");
	m->size = 8401408;
	memset(m->sha256, 0x11, 32);
	m->virtual_size = 8388608;
	m->dek_size = 64;
	memset(m->keyhash, 0x22, 32);
	SET(m->token_serial, "94f56f449928f388");
	SET(m->token_label, "st1");
	SET(m->label, "ibm");
	memcpy(m->id, "\x01\x02\x03", 3);
	m->id_len = 3;
	assert_int_equal(km_manifest_set_kms(m, j), ERR_OK);
	cJSON_Delete(j);
	SET(m->key_version, "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6");
	SET(m->icos.uri, URI);
	SET(m->icos.os, "DEBIAN_12_64");
	SET(m->icos.note, "built by CI");
	km_manifest_stamp(m, 1700000000, "0.1.0");
	assert_int_equal(km_manifest_complete(m), ERR_OK);
	memset(m->binding, 0x33, 32);
	return m;
}

static char *text_of(const struct km_manifest *m)
{
	char *t = NULL;
	size_t len = 0;

	assert_int_equal(km_manifest_build(m, &t, &len), ERR_OK);
	assert_int_equal(strlen(t), len);
	return t;
}

static void test_object_name(void **state)
{
	static const char *const ok[][2] = {
		{ "debian12.vhd", "debian12.vhd-0.vhd" },
		{ "disk.img", "disk.img.vhd-0.vhd" },
		{ "x.vhd-0.vhd", "x.vhd-0.vhd" },
		{ "X.VHD", "X.vhd-0.vhd" },
		{ ".vhd", ".vhd.vhd-0.vhd" },
		{ "rhel 9 (prod).vhd", "rhel 9 (prod).vhd-0.vhd" },
		{ "caf\xc3\xa9.vhd", "caf\xc3\xa9.vhd-0.vhd" },
	};
	static const char *const bad[] = { "", ".", "..", "a/b.vhd",
		"a\nb.vhd", "\xff.vhd", "tab\t.vhd" };
	char out[KM_OBJECT_MAX + 1], stem[KM_FILE_MAX + 1], longname[300];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(km_manifest_object_name(ok[i][0], out),
		                 ERR_OK);
		assert_string_equal(out, ok[i][1]);
		assert_true(km_manifest_object_ok(out));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(km_manifest_object_name(bad[i], out),
		                 ERR_FORMAT);
	memset(longname, 'a', 256);
	longname[256] = '\0';
	assert_int_equal(km_manifest_object_name(longname, out), ERR_FORMAT);
	longname[255] = '\0';
	assert_int_equal(km_manifest_object_name(longname, out), ERR_OK);
	km_manifest_stem("debian12.vhd", stem);
	assert_string_equal(stem, "debian12");
	km_manifest_stem("d.vhd-0.vhd", stem);
	assert_string_equal(stem, "d");
	km_manifest_stem("plain", stem);
	assert_string_equal(stem, "plain");
}

static void test_object_pattern(void **state)
{
	(void)state;
	assert_true(km_manifest_object_ok("a.vhd-0.vhd"));
	assert_true(km_manifest_object_ok("images/a.vhd-0.vhd"));
	assert_false(km_manifest_object_ok(".vhd-0.vhd"));
	assert_false(km_manifest_object_ok("images/.vhd-0.vhd"));
	assert_false(km_manifest_object_ok("a.vhd"));
	assert_false(km_manifest_object_ok("a.vhd-1.vhd"));
	assert_false(km_manifest_object_ok("a.vhd-0.vhd/"));
	assert_false(km_manifest_object_ok("xx123.Rhel_7_encrypted.raw"));
}

static void test_crn(void **state)
{
	static const char *const bad[] = {
		"",
		"crn:v2:bluemix:public:kms:us-south:a/" ACCT ":" INST
		":key:" KEYID,
		"urn:v1:bluemix:public:kms:us-south:a/" ACCT ":" INST
		":key:" KEYID,
		"crn:v1:bluemix:public:cos:us-south:a/" ACCT ":" INST
		":key:" KEYID,
		"crn:v1:bluemix:public:kms:US_SOUTH:a/" ACCT ":" INST
		":key:" KEYID,
		"crn:v1:bluemix:public:kms:us-south:" ACCT ":" INST
		":key:" KEYID,
		"crn:v1:bluemix:public:kms:us-south:a/:" INST ":key:" KEYID,
		"crn:v1:bluemix:public:kms:us-south:a/" ACCT ":not-a-guid"
		":key:" KEYID,
		"crn:v1:bluemix:public:kms:us-south:a/" ACCT ":" INST
		":keyring:" KEYID,
		"crn:v1:bluemix:public:kms:us-south:a/" ACCT ":" INST ":key:42",
		"crn:v1:bluemix:public:kms:us-south:a/" ACCT ":" INST "::",
		"crn:v1:bluemix:public:kms:us-south:a/" ACCT ":" INST
		":key:" KEYID ":extra",
		"crn:v1::public:kms:us-south:a/" ACCT ":" INST ":key:" KEYID,
		"crn:v1:Bluemix:public:kms:us-south:a/" ACCT ":" INST
		":key:" KEYID,
		"crn:v1:bluemix:public:kms:us-south:a/0123:4567::key:89ab",
	};
	struct km_crn c;
	char longcrn[300];

	(void)state;
	assert_int_equal(km_manifest_crn_parse(CRN, &c), ERR_OK);
	assert_string_equal(c.service, "kms");
	assert_string_equal(c.region, "us-south");
	assert_string_equal(c.account, ACCT);
	assert_string_equal(c.instance, INST);
	assert_string_equal(c.key_id, KEYID);
	/* the example of IBM's import-encrypted-image-api.md */
	assert_int_equal(km_manifest_crn_parse(
	                         "crn:v1:bluemix:public:hs-crypto:us-south:a/"
	                         "0d06ba51fa0e430090956d1761da1b7b:5ef6cebe-"
	                         "26d7-4ef3-abdc-fb50f336780f:key:a9640391-"
	                         "aec5-4c86-8942-6e6c47bb40b5",
	                         &c),
	                 ERR_OK);
	assert_string_equal(c.service, "hs-crypto");
	assert_string_equal(c.key_id, "a9640391-aec5-4c86-8942-6e6c47bb40b5");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(km_manifest_crn_parse(bad[i], &c), ERR_FORMAT);
		assert_non_null(strstr(err_detail(), "root key CRN"));
	}
	memset(longcrn, 'a', sizeof(longcrn) - 1);
	longcrn[sizeof(longcrn) - 1] = '\0';
	assert_int_equal(km_manifest_crn_parse(longcrn, &c), ERR_FORMAT);
}

static void test_cos_uri(void **state)
{
	static const char *const bad[] = {
		"s3://us-south/b-1/a.vhd-0.vhd",
		"cos://us-south/b-1",
		"cos://us-south/b-1/",
		"cos://us-south//a.vhd-0.vhd",
		"cos:///b-1/a.vhd-0.vhd",
		"cos://US-SOUTH/b-1/a.vhd-0.vhd",
		"cos://u/b-1/a.vhd-0.vhd",
		"cos://us-south/ab/a.vhd-0.vhd",
		"cos://us-south/My-Bucket/a.vhd-0.vhd",
		"cos://us-south/-b1/a.vhd-0.vhd",
		"cos://us-south/b1-/a.vhd-0.vhd",
		"cos://us-south/b_1/a.vhd-0.vhd",
		"cos://us-south/b-1//a.vhd-0.vhd",
		"cos://us-south/b-1/a\n.vhd-0.vhd",
		"cos://us-south/b-1/\xff.vhd-0.vhd",
	};
	struct km_cos_uri u;
	char buf[1400];

	(void)state;
	assert_int_equal(km_manifest_cos_uri_parse(URI, &u), ERR_OK);
	assert_string_equal(u.region, "us-south");
	assert_string_equal(u.bucket, "bucket-1");
	assert_string_equal(u.object, "debian12.vhd-0.vhd");
	assert_int_equal(km_manifest_cos_uri_parse("cos://eu-de/my.bucket.1/"
	                                           "dir/x.raw",
	                                           &u),
	                 ERR_OK);
	assert_string_equal(u.object, "dir/x.raw");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(km_manifest_cos_uri_parse(bad[i], &u),
		                 ERR_FORMAT);
		assert_non_null(strstr(err_detail(), "COS URI"));
	}
	snprintf(buf, sizeof(buf), "cos://us-south/%064d/a", 0);
	assert_int_equal(km_manifest_cos_uri_parse(buf, &u), ERR_FORMAT);
	snprintf(buf, sizeof(buf), "cos://us-south/b-1/%01100d", 0);
	assert_int_equal(km_manifest_cos_uri_parse(buf, &u), ERR_FORMAT);
}

static void test_names(void **state)
{
	char big[KM_NOTE_MAX + 2];

	(void)state;
	assert_int_equal(km_manifest_check_os("REDHAT_7_64"), ERR_OK);
	assert_int_equal(km_manifest_check_os("WIN_2019-STD_64"), ERR_OK);
	assert_int_equal(km_manifest_check_os(""), ERR_USAGE);
	assert_int_equal(km_manifest_check_os("DEBIAN 12"), ERR_USAGE);
	assert_int_equal(km_manifest_check_os("a/b"), ERR_USAGE);
	assert_int_equal(km_manifest_check_name("my image", "--name", 255),
	                 ERR_OK);
	assert_int_equal(km_manifest_check_name("", "--name", 255), ERR_USAGE);
	assert_int_equal(km_manifest_check_name("a\tb", "--name", 255),
	                 ERR_USAGE);
	assert_int_equal(km_manifest_check_name("\xc3", "--name", 255),
	                 ERR_USAGE);
	memset(big, 'n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(km_manifest_check_name(big, "--note", KM_NOTE_MAX),
	                 ERR_USAGE);
	assert_non_null(strstr(err_detail(), "--note"));
	assert_string_equal(km_manifest_kms_name(KM_KMS_KEYPROTECT),
	                    "keyprotect");
	assert_string_equal(km_manifest_kms_name(KM_KMS_HPCS), "hpcs");
	assert_null(km_manifest_kms_name(KM_KMS_NONE));
}

static enum err kms(const char *wdek, const char *crn, const char *kid,
                    const char *k, struct km_manifest *m)
{
	cJSON *j = meta(wdek, crn, kid, k);
	enum err r = km_manifest_set_kms(m, j);

	cJSON_Delete(j);
	return r;
}

static void test_set_kms(void **state)
{
	struct km_manifest *m = calloc(1, sizeof(*m));
	cJSON *j;

	(void)state;
	assert_int_equal(kms(WDEK, CRN, KEYID, "keyprotect", m), ERR_OK);
	assert_int_equal(m->kms, KM_KMS_KEYPROTECT);
	assert_string_equal(m->wrapped_dek, WDEK);
	assert_int_equal(kms(WDEK, HCRN, NULL, NULL, m), ERR_OK);
	assert_int_equal(m->kms, KM_KMS_HPCS);
	assert_int_equal(kms(NULL, NULL, NULL, NULL, m), ERR_OK);
	assert_int_equal(m->kms, KM_KMS_NONE);
	assert_string_equal(m->wrapped_dek, "");
	assert_int_equal(kms(WDEK, NULL, NULL, NULL, m), ERR_FORMAT);
	assert_non_null(strstr(err_detail(), "without root_key_crn"));
	assert_string_equal(m->wrapped_dek, ""); /* cleared on error */
	assert_int_equal(kms(NULL, CRN, NULL, NULL, m), ERR_FORMAT);
	assert_int_equal(kms(WDEK, CRN, NULL, "hpcs", m), ERR_FORMAT);
	assert_non_null(strstr(err_detail(), "kms 'hpcs'"));
	assert_int_equal(kms(WDEK, HCRN, NULL, "keyprotect", m), ERR_FORMAT);
	assert_int_equal(kms(WDEK, CRN, NULL, "vault", m), ERR_FORMAT);
	assert_int_equal(kms(WDEK, CRN, INST, NULL, m), ERR_FORMAT);
	assert_non_null(strstr(err_detail(), "root_key_id"));
	assert_int_equal(kms("not base64!", CRN, NULL, NULL, m), ERR_FORMAT);
	assert_int_equal(kms("QUJD=", CRN, NULL, NULL, m), ERR_FORMAT);
	assert_int_equal(kms(WDEK, "crn:v1:x", NULL, NULL, m), ERR_FORMAT);
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "wrapped_dek", 1);
	assert_int_equal(km_manifest_set_kms(m, j), ERR_FORMAT);
	cJSON_Delete(j);
	assert_int_equal(km_manifest_set_kms(m, NULL), ERR_OK);
	free(m);
}

static void test_complete(void **state)
{
	struct km_manifest *m = good();

	(void)state;
	assert_string_equal(m->object, "debian12.vhd-0.vhd");
	assert_string_equal(m->xts, "XTS-AES-256");
	assert_string_equal(m->icos.name, "debian12");
	assert_string_equal(m->icos.crk_crn, CRN);
	assert_string_equal(m->icos.wrapped_dek, WDEK);
	assert_true(m->icos.cloud_init);
	assert_true(m->icos.encrypted);
	assert_false(m->icos.byol);
	assert_string_equal(m->icos.boot_mode, "");
	assert_true(m->importable);
	assert_int_equal(m->missing, 0);
	assert_int_equal(m->n_notes, 1);
	assert_non_null(strstr(m->notes[0], "ibmApiKey"));
	assert_string_equal(m->created, "2023-11-14T22:13:20Z");
	/* no uri, no wrapped DEK: not importable, and the notes say why */
	m->icos.uri[0] = '\0';
	assert_int_equal(km_manifest_set_kms(m, NULL), ERR_OK);
	m->dek_size = 32;
	m->icos.name[0] = '\0';
	SET(m->file, "disk.raw");
	assert_int_equal(km_manifest_complete(m), ERR_OK);
	assert_string_equal(m->xts, "XTS-AES-128");
	assert_string_equal(m->icos.name, "disk.raw");
	assert_string_equal(m->object, "disk.raw.vhd-0.vhd");
	assert_false(m->importable);
	assert_int_equal(m->missing,
	                 KM_MISSING_URI | KM_MISSING_WDEK | KM_MISSING_CRK);
	assert_int_equal(m->n_notes, 3);
	assert_non_null(strstr(m->notes[2], "NOT importable"));
	m->dek_size = 48;
	assert_int_equal(km_manifest_complete(m), ERR_FORMAT);
	free(m);
}

static void test_round_trip(void **state)
{
	struct km_manifest *m = good(), *back = calloc(1, sizeof(*back));
	struct km_report rep = { .n = 0 };
	uint8_t d1[32], d2[32];
	char *t1, *t2;

	(void)state;
	t1 = text_of(m);
	assert_null(strstr(t1, "ibmApiKey\":"));
	assert_non_null(strstr(t1, "\"cloudInit\":\ttrue"));
	assert_non_null(strstr(t1, "\"isEncrypted\":\ttrue"));
	assert_non_null(strstr(t1, "\"byol\":\tfalse"));
	assert_null(strstr(t1, "cloud-init"));
	assert_null(strstr(t1, "bootMode"));
	assert_int_equal(t1[strlen(t1) - 1], '\n');
	assert_int_equal(km_manifest_parse(t1, strlen(t1), back), ERR_OK);
	t2 = text_of(back);
	assert_string_equal(t1, t2);
	assert_int_equal(km_manifest_digest(m, d1), ERR_OK);
	assert_int_equal(km_manifest_digest(back, d2), ERR_OK);
	assert_memory_equal(d1, d2, 32);
	assert_int_equal(km_manifest_validate(back, &rep), ERR_OK);
	assert_int_equal(rep.n, 0);
	assert_memory_equal(back->binding, m->binding, 32);
	assert_int_equal(back->kms, KM_KMS_KEYPROTECT);
	assert_int_equal(back->id_len, 3);
	free(t1);
	free(t2);
	/* the unwrapped form round-trips as well */
	assert_int_equal(km_manifest_set_kms(m, NULL), ERR_OK);
	m->icos.uri[0] = m->icos.os[0] = m->icos.note[0] = '\0';
	m->id_len = 0;
	assert_int_equal(km_manifest_complete(m), ERR_OK);
	t1 = text_of(m);
	assert_null(strstr(t1, "\"wrappedDek\":"));
	assert_non_null(strstr(t1, "\"wrappedDek\", \"crkCrn\"]"));
	assert_int_equal(km_manifest_parse(t1, strlen(t1), back), ERR_OK);
	t2 = text_of(back);
	assert_string_equal(t1, t2);
	assert_int_equal(km_manifest_validate(back, &rep), ERR_OK);
	free(t1);
	free(t2);
	free(m);
	free(back);
}

/* Validation of m must report field (a failure unless warning). */
static void expect_issue(const struct km_manifest *m, const char *field,
                         bool warning)
{
	struct km_report rep = { .n = 0 };
	enum err r = km_manifest_validate(m, &rep);
	bool found = false;

	for (size_t i = 0; i < rep.n; i++)
		found |= strcmp(rep.issue[i].field, field) == 0 &&
		         rep.issue[i].warning == warning;
	if (!found)
		fail_msg("no %s for %s (first: %s %s)",
		         warning ? "warning" : "failure", field,
		         rep.n ? rep.issue[0].field : "-",
		         rep.n ? rep.issue[0].detail : "");
	assert_int_equal(r, warning ? ERR_OK : ERR_VERIFY);
}

#define MUTATE(field, warn, stmt)                     \
	do {                                          \
		struct km_manifest *m_ = good();      \
		struct km_manifest *m = m_;           \
		stmt;                                 \
		expect_issue(m_, field, warn);        \
		free(m_);                             \
	} while (0)

static void test_validate_image(void **state)
{
	(void)state;
	MUTATE("image.file", false, SET(m->file, "a/b.vhd"));
	MUTATE("image.object", false, SET(m->object, "other.vhd-0.vhd"));
	MUTATE("image.object", false, SET(m->file, "ubuntu.vhd"));
	MUTATE("image.size", false, m->size = 0);
	MUTATE("image.size", false, m->size = 8401409);
	MUTATE("image.virtual_size", false, m->virtual_size = 0);
	MUTATE("image.virtual_size", false, m->virtual_size = 100);
	MUTATE("encryption.dek_size", false, m->dek_size = 48);
	MUTATE("encryption.xts", false, m->dek_size = 32);
	MUTATE("encryption.xts", false, SET(m->xts, "AES-256-CBC"));
}

static void test_validate_dek(void **state)
{
	(void)state;
	MUTATE("dek.wrapped_dek", false, SET(m->wrapped_dek, "!!!!"));
	MUTATE("dek.root_key_crn", false, SET(m->root_key_crn, "crn:v1:x"));
	MUTATE("dek.root_key_crn", false, m->root_key_crn[0] = '\0');
	MUTATE("dek.wrapped_dek", false, m->wrapped_dek[0] = '\0');
	MUTATE("dek.kms", false, m->kms = KM_KMS_HPCS);
	MUTATE("dek.kms", false, m->kms = KM_KMS_NONE);
	MUTATE("dek.kms", false,
	       (m->root_key_crn[0] = m->wrapped_dek[0] = '\0'));
	MUTATE("dek.root_key_id", false, SET(m->root_key_id, INST));
}

static void test_validate_params(void **state)
{
	(void)state;
	MUTATE("import.parameters.uri", false, SET(m->icos.uri, "cos://x"));
	MUTATE("import.parameters.uri", true,
	       SET(m->icos.uri, "cos://us-south/bucket-1/debian12.raw"));
	MUTATE("import.parameters.uri", true,
	       SET(m->icos.uri, "cos://eu-de/bucket-1/debian12.vhd-0.vhd"));
	MUTATE("import.parameters.name", false, m->icos.name[0] = '\0');
	MUTATE("import.parameters.note", false, SET(m->icos.note, "a\x01"));
	MUTATE("import.parameters.operatingSystemReferenceCode", false,
	       SET(m->icos.os, "DEBIAN 12"));
	MUTATE("import.parameters.cloudInit", false,
	       m->icos.cloud_init = false);
	MUTATE("import.parameters.isEncrypted", false,
	       m->icos.encrypted = false);
	MUTATE("import.parameters.bootMode", false,
	       SET(m->icos.boot_mode, "UEFI"));
	MUTATE("import.parameters.crkCrn", false, SET(m->icos.crk_crn, HCRN));
	MUTATE("import.parameters.crkCrn", false, m->icos.crk_crn[0] = '\0');
	MUTATE("import.parameters.wrappedDek", false,
	       SET(m->icos.wrapped_dek, "QUJD"));
	MUTATE("import.missing", false, m->missing = KM_MISSING_URI);
	MUTATE("import.importable", false, m->importable = false);
	MUTATE("import.notes", false, m->n_notes = 0);
	MUTATE("import.notes", false, SET(m->notes[0], "no API key needed"));
	MUTATE("import.notes", false, m->icos.uri[0] = '\0');
}

/* good()'s text with the first `from` replaced by `to` must not parse. */
static void expect_parse_error(const char *from, const char *to,
                               const char *detail)
{
	struct km_manifest *m = good(), *back = calloc(1, sizeof(*back));
	char *t = text_of(m), *p = strstr(t, from), *mod;
	size_t n = strlen(t) - strlen(from) + strlen(to) + 1;

	if (!p)
		fail_msg("'%s' not in the manifest", from);
	mod = malloc(n);
	snprintf(mod, n, "%.*s%s%s", (int)(p - t), t, to, p + strlen(from));
	assert_int_equal(km_manifest_parse(mod, strlen(mod), back), ERR_FORMAT);
	if (!strstr(err_detail(), detail))
		fail_msg("detail '%s' lacks '%s'", err_detail(), detail);
	free(mod);
	free(t);
	free(m);
	free(back);
}

static void image_not_object(cJSON *root)
{
	cJSON_ReplaceItemInObject(root, "image", cJSON_CreateNumber(1));
}

static void no_binding(cJSON *root)
{
	cJSON_DeleteItemFromObject(root, "binding");
}

static void no_parameters(cJSON *root)
{
	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(root, "import"),
	                           "parameters");
}

/* good()'s JSON edited by fn must not parse. */
static void expect_json_error(void (*fn)(cJSON *), const char *detail)
{
	struct km_manifest *m = good(), *back = calloc(1, sizeof(*back));
	char *t = text_of(m), *mod;
	cJSON *root = cJSON_Parse(t);

	fn(root);
	mod = cJSON_PrintUnformatted(root);
	assert_int_equal(km_manifest_parse(mod, strlen(mod), back), ERR_FORMAT);
	if (!strstr(err_detail(), detail))
		fail_msg("detail '%s' lacks '%s'", err_detail(), detail);
	cJSON_free(mod);
	cJSON_Delete(root);
	free(t);
	free(m);
	free(back);
}

static void test_parse_rejects(void **state)
{
	static const char nul[] = "{\"format\":\"p11seal-manifest/2\"}\0";
	struct km_manifest *m = calloc(1, sizeof(*m));
	char *big;

	(void)state;
	expect_parse_error("{", "[", "not a JSON object");
	expect_parse_error("\"binding\"", "\"binding\":\"00\",\"binding\"",
	                   "duplicate");
	expect_parse_error("\"format\"", "\"extra\":1,\"format\"",
	                   "unknown member 'extra'");
	expect_parse_error("\"file\"", "\"owner\":\"x\",\"file\"", "in image");
	expect_parse_error("\"cloudInit\"",
	                   "\"ibmApiKey\":\"secret\",\"cloudInit\"",
	                   "API key");
	/* the docs page's names, and the 2018 ones, are not what IBM takes */
	expect_parse_error("\"cloudInit\"", "\"cloud-init\":true,\"cloudInit\"",
	                   "unknown member 'cloud-init'");
	expect_parse_error("\"cloudInit\"", "\"rootKeyId\":\"k\",\"cloudInit\"",
	                   "unknown member 'rootKeyId'");
	expect_parse_error("\"byol\":\tfalse", "\"byol\":\t0", "byol");
	expect_parse_error(KM_MANIFEST_FORMAT, "p11seal-manifest/3",
	                   "p11seal-manifest/3");
	expect_parse_error(KM_MANIFEST_FORMAT, KM_MANIFEST_FORMAT_1,
	                   "remake it with `p11seal manifest");
	expect_parse_error("\"size\":\t8401408", "\"size\":\t\"8401408\"",
	                   "size");
	expect_parse_error("\"size\":\t8401408", "\"size\":\t-1", "size");
	expect_parse_error("\"size\":\t8401408", "\"size\":\t1.5", "size");
	expect_parse_error("\"sha256\":\t\"1111", "\"sha256\":\t\"11",
	                   "sha256");
	expect_parse_error("\"keyhash\":\t\"2222", "\"keyhash\":\t\"zz22",
	                   "keyhash");
	expect_parse_error("\"id\":\t\"010203\"", "\"id\":\t\"01020\"", "id");
	expect_parse_error("\"keyprotect\"", "\"vault\"", "kms");
	expect_parse_error("\"missing\":\t[]", "\"missing\":\t[\"bootMode\"]",
	                   "unknown or repeated");
	expect_parse_error("\"missing\":\t[]", "\"missing\":\t[\"uri\",\"uri\"]",
	                   "unknown or repeated");
	expect_parse_error("\"missing\":\t[]", "\"missing\":\t{}", "missing");
	expect_parse_error("\"notes\":\t[", "\"notes\":\t[\"a\",\"b\",\"c\","
	                                    "\"d\",", "notes");
	expect_parse_error("\"2023-11-14T22:13:20Z\"", "\"yesterday\"",
	                   "created");
	expect_parse_error("\"label\":\t\"ibm\"", "\"label\":\t\"\"",
	                   "label");
	expect_parse_error("\"label\":\t\"ibm\"", "\"label\":\t\"a\\nb\"",
	                   "control character");
	expect_parse_error("\"isEncrypted\":\ttrue",
	                   "\"isEncrypted\":\t\"true\"", "isEncrypted");
	expect_parse_error("\"binding\":", "\"bind\":", "unknown member");
	assert_int_equal(km_manifest_parse("", 0, m), ERR_FORMAT);
	assert_int_equal(km_manifest_parse(nul, sizeof(nul) - 1, m),
	                 ERR_FORMAT);
	assert_non_null(strstr(err_detail(), "NUL"));
	expect_json_error(image_not_object, "'image' is missing or not an object");
	expect_json_error(no_binding, "'binding' is missing");
	expect_json_error(no_parameters, "import.parameters is missing");
	big = malloc(KM_MANIFEST_MAX + 2);
	memset(big, ' ', KM_MANIFEST_MAX + 1);
	big[0] = '{';
	big[KM_MANIFEST_MAX] = '}';
	big[KM_MANIFEST_MAX + 1] = '\0';
	assert_int_equal(km_manifest_parse(big, KM_MANIFEST_MAX + 1, m),
	                 ERR_FORMAT);
	assert_non_null(strstr(err_detail(), "larger"));
	free(big);
	free(m);
}

/* Changing any field changes the digest; the binding is not covered. */
static void test_digest(void **state)
{
	struct km_manifest *base = good();
	uint8_t d0[32], d[32];

	(void)state;
	assert_int_equal(km_manifest_digest(base, d0), ERR_OK);
	memset(base->binding, 0x44, 32);
	assert_int_equal(km_manifest_digest(base, d), ERR_OK);
	assert_memory_equal(d0, d, 32);
#define CHANGES(stmt)                                              \
	do {                                                       \
		struct km_manifest *c_ = good();                   \
		struct km_manifest *m = c_;                        \
		stmt;                                              \
		assert_int_equal(km_manifest_digest(c_, d), ERR_OK); \
		assert_memory_not_equal(d0, d, 32);                \
		free(c_);                                          \
	} while (0)
	CHANGES(m->size++);
	CHANGES(m->sha256[31] ^= 1);
	CHANGES(m->keyhash[0] ^= 1);
	CHANGES(m->nonce[5] ^= 1);
	CHANGES(m->virtual_size += 512);
	CHANGES(SET(m->label, "other"));
	CHANGES(SET(m->token_serial, "1"));
	CHANGES(m->id[0] ^= 1);
	CHANGES(m->kms = KM_KMS_HPCS);
	CHANGES(SET(m->icos.uri, "cos://us-south/b-2/debian12.vhd-0.vhd"));
	CHANGES(SET(m->icos.wrapped_dek, "QUJD"));
	CHANGES(SET(m->icos.name, "other"));
	CHANGES(m->icos.cloud_init = false);
	CHANGES(m->icos.encrypted = false);
	CHANGES(m->icos.byol = true);
	CHANGES(SET(m->icos.boot_mode, "HVM"));
	CHANGES(m->importable = false);
	CHANGES(SET(m->created, "2023-11-14T22:13:21Z"));
	/* "name=a" + "note=" must differ from "name=" + ... : no run-on */
	CHANGES((SET(m->icos.name, "built by CI"), m->icos.note[0] = '\0'));
#undef CHANGES
	free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_name),
		cmocka_unit_test(test_object_pattern),
		cmocka_unit_test(test_crn),
		cmocka_unit_test(test_cos_uri),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_set_kms),
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_validate_image),
		cmocka_unit_test(test_validate_dek),
		cmocka_unit_test(test_validate_params),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_digest),
	};

	secmem_init(1u << 22);
	secmem_use_for_json();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
