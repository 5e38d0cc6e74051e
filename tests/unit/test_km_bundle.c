/* SPDX-License-Identifier: MIT */
/* test_km_bundle.c - DEK bundles: the exact canonical forms and their
 * SHA-256 (vectors computed with Python from the literals below), round
 * trips, what the binding and the signature do and do not cover, an
 * unsigned format-1 bundle, and hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "encode.h"
#include "km_bundle.h"
#include "secmem.h"

/* clang-format off */
#define B64_384(q) q q q q q q q q q q q q q q q q /* 16 x 32 chars */
#define HEX16(h) h h h h h h h h h h h h h h h h
#define HEX32(h) HEX16(h) HEX16(h)
/* base64 of 384 bytes 0x11 is "ERER" x 128, of 0x22 "IiIi" x 128 */
#define DATA B64_384("ERERERERERERERERERERERERERERERER")
#define TWEAK B64_384("IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIi")

static const char canonical_vector[] =
	"{\"created\":\"2026-01-02T03:04:05Z\",\"data_half\":\"" DATA "\","
	"\"dek_size\":64,\"format\":\"p11seal-dek-bundle/2\",\"keyhash\":\""
	HEX32("33") "\",\"label\":\"disk-1\",\"recipient_fingerprint\":\""
	HEX32("ab") "\",\"root_key_crn\":\"crn:v1:x\",\"signer_fingerprint\":\""
	HEX32("cd") "\",\"tweak_half\":\""
	TWEAK "\",\"wrap\":{\"alg\":\"RSA-OAEP\",\"hash\":\"SHA-1\","
	"\"mgf\":\"MGF1-SHA-1\"},\"wrapped_dek\":\"d2Rlaw==\"}";
static const char digest_vector[] =
	"4bad9e4bf62205767e15dc5ee679adb8f581f78fb3ded528a1e7f5478f3927a0";
/* The signed form: the bound form with the binding first. */
static const char signed_digest_vector[] =
	"9ee881b436af5ff1a8e6824dbd3779699c2dd27086ad817b3b20f2d1b5780daf";
/* clang-format on */

static struct km_bundle *vector_bundle(void)
{
	struct km_bundle *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	strcpy(b->label, "disk-1");
	b->dek_size = 64;
	b->hash = P11_OAEP_SHA1;
	memset(b->recipient, 0, sizeof(b->recipient));
	for (int i = 0; i < 32; i++)
		memcpy(b->recipient + 2 * i, "ab", 2);
	memset(b->data_half, 0x11, 384);
	memset(b->tweak_half, 0x22, 384);
	b->data_len = b->tweak_len = 384;
	memset(b->keyhash, 0x33, 32);
	memset(b->binding, 0x44, 32);
	for (int i = 0; i < 32; i++)
		memcpy(b->signer + 2 * i, "cd", 2);
	memset(b->signature, 0x55, sizeof(b->signature));
	strcpy(b->wrapped_dek, "d2Rlaw==");
	strcpy(b->root_key_crn, "crn:v1:x");
	strcpy(b->created, "2026-01-02T03:04:05Z");
	return b;
}

/* The bundle file of b, parsed as cJSON for editing. */
static cJSON *as_json(const struct km_bundle *b)
{
	char *text = NULL;
	size_t len = 0;
	cJSON *o;

	assert_int_equal(km_bundle_build(b, &text, &len), ERR_OK);
	o = cJSON_ParseWithLength(text, len);
	free(text);
	assert_non_null(o);
	return o;
}

static enum err parse_json(const cJSON *o)
{
	struct km_bundle *b = calloc(1, sizeof(*b));
	char *text = cJSON_PrintUnformatted(o);
	enum err r;

	assert_non_null(b);
	assert_non_null(text);
	r = km_bundle_parse(text, strlen(text), b);
	cJSON_free(text);
	free(b);
	return r;
}

static enum err parse_text(const char *text, size_t len)
{
	struct km_bundle *b = calloc(1, sizeof(*b));
	enum err r;

	assert_non_null(b);
	r = km_bundle_parse(text, len, b);
	free(b);
	return r;
}

static void test_canonical_vector(void **state)
{
	struct km_bundle *b = vector_bundle();
	uint8_t md[32];
	char *c = NULL, hex[65];
	size_t len = 0;

	(void)state;
	assert_int_equal(km_bundle_canonical(b, &c, &len), ERR_OK);
	assert_string_equal(c, canonical_vector);
	assert_int_equal(len, strlen(canonical_vector));
	assert_int_equal(km_bundle_digest(b, md), ERR_OK);
	encode_hex(hex, md, sizeof(md));
	assert_string_equal(hex, digest_vector);
	free(c);
	assert_int_equal(km_bundle_canonical_signed(b, &c, &len), ERR_OK);
	assert_int_equal(strncmp(c, "{\"binding\":\"" HEX32("44") "\",", 78),
	                 0);
	assert_string_equal(c + 78, canonical_vector + 1);
	assert_int_equal(km_bundle_signed_digest(b, md), ERR_OK);
	encode_hex(hex, md, sizeof(md));
	assert_string_equal(hex, signed_digest_vector);
	free(c);
	free(b);
}

/* Member names of each object of the canonical form are sorted. */
static void assert_sorted(const cJSON *o)
{
	for (const cJSON *m = o->child; m; m = m->next) {
		if (m->next)
			assert_true(strcmp(m->string, m->next->string) < 0);
		if (cJSON_IsObject(m))
			assert_sorted(m);
	}
}

static void test_canonical_sorted_and_escaped(void **state)
{
	struct km_bundle *b = vector_bundle();
	char *c = NULL;
	size_t len = 0;
	cJSON *o;

	(void)state;
	strcpy(b->label, "a\"b\\c \xc3\xa9");
	strcpy(b->root_key_id, "k");
	strcpy(b->key_version, "v");
	assert_int_equal(km_bundle_canonical(b, &c, &len), ERR_OK);
	assert_non_null(strstr(c, "\"label\":\"a\\\"b\\\\c \xc3\xa9\","));
	o = cJSON_Parse(c);
	assert_non_null(o);
	assert_int_equal(cJSON_GetArraySize(o), 14);
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "binding"));
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "signature"));
	assert_sorted(o);
	cJSON_Delete(o);
	free(c);
	assert_int_equal(km_bundle_canonical_signed(b, &c, &len), ERR_OK);
	o = cJSON_Parse(c);
	assert_non_null(o);
	assert_int_equal(cJSON_GetArraySize(o), 15);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(o, "binding"));
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "signature"));
	assert_sorted(o);
	cJSON_Delete(o);
	free(c);
	free(b);
}

static void test_round_trip(void **state)
{
	struct km_bundle *b = vector_bundle(), *back = calloc(1, sizeof(*b));
	char *text = NULL, *c1 = NULL, *c2 = NULL;
	size_t len = 0, l1 = 0, l2 = 0;

	(void)state;
	assert_non_null(back);
	b->hash = P11_OAEP_SHA256;
	strcpy(b->label, "Schl\xc3\xbcssel \xce\xb1 \"q\" \\");
	assert_int_equal(km_bundle_build(b, &text, &len), ERR_OK);
	assert_int_equal(text[len - 1], '\n');
	assert_int_equal(km_bundle_parse(text, len, back), ERR_OK);
	assert_string_equal(back->label, b->label);
	assert_int_equal(back->hash, P11_OAEP_SHA256);
	assert_int_equal(back->dek_size, 64);
	assert_memory_equal(back->data_half, b->data_half, 384);
	assert_memory_equal(back->tweak_half, b->tweak_half, 384);
	assert_memory_equal(back->binding, b->binding, 32);
	assert_string_equal(back->signer, b->signer);
	assert_memory_equal(back->signature, b->signature, P11_EC_SIG_LEN);
	assert_string_equal(back->wrapped_dek, "d2Rlaw==");
	assert_string_equal(back->root_key_id, "");
	assert_int_equal(km_bundle_canonical(b, &c1, &l1), ERR_OK);
	assert_int_equal(km_bundle_canonical(back, &c2, &l2), ERR_OK);
	assert_string_equal(c1, c2);
	free(c1);
	free(c2);
	free(text);
	free(back);
	free(b);
}

/* Field i of m changed (0..13); 14: the binding, 15: the signature. */
static void change_field(struct km_bundle *m, int field)
{
	switch (field) {
	case 0: m->label[0] = 'D'; break;
	case 1: m->dek_size = 32; break;
	case 2: m->hash = P11_OAEP_SHA256; break;
	case 3: m->recipient[63] = 'c'; break;
	case 4: m->data_half[100] ^= 1; break;
	case 5: m->tweak_half[100] ^= 1; break;
	case 6: m->keyhash[0] ^= 1; break;
	case 7: m->wrapped_dek[0] = 'e'; break;
	case 8: m->root_key_crn[0] = 'C'; break;
	case 9: strcpy(m->root_key_id, "id"); break;
	case 10: strcpy(m->key_version, "2"); break;
	case 11: m->created[3] = '7'; break;
	case 12: m->signer[63] = 'e'; break;
	case 13: /* swapped halves */
		memset(m->data_half, 0x22, 384);
		memset(m->tweak_half, 0x11, 384);
		break;
	case 14: m->binding[0] ^= 1; break;
	default: m->signature[0] ^= 1;
	}
}

/* Every field but binding and signature changes the bound digest. */
static void test_binding_covers_every_field(void **state)
{
	struct km_bundle *b = vector_bundle();
	uint8_t base[32], md[32];

	(void)state;
	assert_int_equal(km_bundle_digest(b, base), ERR_OK);
	for (int field = 0; field < 16; field++) {
		struct km_bundle *m = vector_bundle();

		change_field(m, field);
		assert_int_equal(km_bundle_digest(m, md), ERR_OK);
		if (field < 14)
			assert_memory_not_equal(md, base, 32);
		else
			assert_memory_equal(md, base, 32);
		free(m);
	}
	free(b);
}

/* Every field, the binding included, changes what is signed; only the
 * signature itself does not. */
static void test_signature_covers_every_field(void **state)
{
	struct km_bundle *b = vector_bundle();
	uint8_t base[32], md[32];

	(void)state;
	assert_int_equal(km_bundle_signed_digest(b, base), ERR_OK);
	for (int field = 0; field < 16; field++) {
		struct km_bundle *m = vector_bundle();

		change_field(m, field);
		assert_int_equal(km_bundle_signed_digest(m, md), ERR_OK);
		if (field < 15)
			assert_memory_not_equal(md, base, 32);
		else
			assert_memory_equal(md, base, 32);
		free(m);
	}
	free(b);
}

/* A format-1 bundle (no signer, no signature) is refused as unsigned,
 * saying how to get a signed one; an unknown version is unsupported. */
static void test_unsigned_v1(void **state)
{
	struct km_bundle *b = vector_bundle();
	cJSON *o = as_json(b);

	(void)state;
	cJSON_DeleteItemFromObjectCaseSensitive(o, "signer_fingerprint");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "signature");
	cJSON_ReplaceItemInObjectCaseSensitive(
	        o, "format", cJSON_CreateString("p11seal-dek-bundle/1"));
	assert_int_equal(parse_json(o), ERR_POLICY);
	assert_non_null(strstr(err_detail(), "unsigned"));
	assert_non_null(strstr(err_detail(), "key export dek"));
	cJSON_Delete(o);
	free(b);
}

/* JSON null for an optional member is the member absent. */
static void test_null_is_absent(void **state)
{
	struct km_bundle *b = vector_bundle();
	cJSON *o = as_json(b);

	(void)state;
	cJSON_ReplaceItemInObjectCaseSensitive(o, "wrapped_dek",
	                                       cJSON_CreateNull());
	assert_int_equal(parse_json(o), ERR_OK);
	cJSON_Delete(o);
	free(b);
}

struct hostile {
	const char *member; /* NULL: delete the member */
	const char *json;   /* replacement value, or NULL to delete */
	enum err want;
};

static void test_hostile_members(void **state)
{
	static const struct hostile cases[] = {
		{ "format", NULL, ERR_FORMAT },
		{ "format", "\"p11seal-dek-bundle/3\"", ERR_UNSUPPORTED },
		{ "format", "\"p11seal-dek-bundle/1\"", ERR_POLICY },
		{ "format", "\"P11SEAL-DEK-BUNDLE/1\"", ERR_FORMAT },
		{ "label", NULL, ERR_FORMAT },
		{ "label", "\"\"", ERR_FORMAT },
		{ "label", "7", ERR_FORMAT },
		{ "label", "\"a\\u0001b\"", ERR_FORMAT },
		{ "label", "\"a\\u007fb\"", ERR_FORMAT },
		{ "dek_size", NULL, ERR_FORMAT },
		{ "dek_size", "48", ERR_FORMAT },
		{ "dek_size", "64.5", ERR_FORMAT },
		{ "dek_size", "-64", ERR_FORMAT },
		{ "dek_size", "\"64\"", ERR_FORMAT },
		{ "dek_size", "1e400", ERR_FORMAT },
		{ "wrap", NULL, ERR_FORMAT },
		{ "wrap", "\"RSA-OAEP\"", ERR_FORMAT },
		{ "wrap", "{\"alg\":\"RSA-OAEP\",\"hash\":\"SHA-1\"}",
		  ERR_FORMAT },
		{ "wrap",
		  "{\"alg\":\"RSA-OAEP\",\"hash\":\"SHA-1\",\"mgf\":"
		  "\"MGF1-SHA-1\",\"label\":\"x\"}",
		  ERR_FORMAT },
		{ "wrap",
		  "{\"alg\":\"RSA-PKCS\",\"hash\":\"SHA-1\",\"mgf\":"
		  "\"MGF1-SHA-1\"}",
		  ERR_FORMAT },
		{ "wrap",
		  "{\"alg\":\"RSA-OAEP\",\"hash\":\"sha-1\",\"mgf\":"
		  "\"MGF1-SHA-1\"}",
		  ERR_FORMAT },
		{ "wrap",
		  "{\"alg\":\"RSA-OAEP\",\"hash\":\"SHA-1\",\"mgf\":"
		  "\"MGF1-SHA-256\"}",
		  ERR_FORMAT },
		{ "wrap",
		  "{\"alg\":\"RSA-OAEP\",\"hash\":\"MD5\",\"mgf\":"
		  "\"MGF1-MD5\"}",
		  ERR_FORMAT },
		{ "recipient_fingerprint", NULL, ERR_FORMAT },
		{ "recipient_fingerprint", "\"" HEX32("AB") "\"", ERR_FORMAT },
		{ "recipient_fingerprint", "\"abc\"", ERR_FORMAT },
		{ "recipient_fingerprint", "\"" HEX32("ab") "ab\"",
		  ERR_FORMAT },
		{ "data_half", NULL, ERR_FORMAT },
		{ "data_half", "\"ERER\"", ERR_FORMAT },
		{ "data_half", "\"ERE=\"", ERR_FORMAT },
		{ "data_half", "\"" DATA "\\n\"", ERR_FORMAT },
		{ "data_half", "\"" DATA "ERER\"", ERR_FORMAT },
		{ "data_half", "\"ERER ERER\"", ERR_FORMAT },
		{ "data_half", "384", ERR_FORMAT },
		{ "tweak_half", NULL, ERR_FORMAT },
		{ "keyhash", NULL, ERR_FORMAT },
		{ "keyhash", "\"" HEX32("3g") "\"", ERR_FORMAT },
		{ "keyhash", "\"" HEX32("3") "\"", ERR_FORMAT },
		{ "wrapped_dek", "\"\"", ERR_FORMAT },
		{ "wrapped_dek", "[]", ERR_FORMAT },
		{ "root_key_crn", "\"a\\tb\"", ERR_FORMAT },
		{ "created", NULL, ERR_FORMAT },
		{ "created", "\"2026-01-02 03:04:05Z\"", ERR_FORMAT },
		{ "created", "\"2026-01-02T03:04:05+00:00\"", ERR_FORMAT },
		{ "binding", NULL, ERR_FORMAT },
		{ "binding", "null", ERR_FORMAT },
		{ "signer_fingerprint", NULL, ERR_FORMAT },
		{ "signer_fingerprint", "null", ERR_FORMAT },
		{ "signer_fingerprint", "\"" HEX32("CD") "\"", ERR_FORMAT },
		{ "signer_fingerprint", "\"cdcd\"", ERR_FORMAT },
		{ "signature", NULL, ERR_FORMAT },
		{ "signature", "null", ERR_FORMAT },
		{ "signature", "\"\"", ERR_FORMAT },
		/* 63 and 65 bytes, and DER rather than raw r || s */
		{ "signature", "\"" HEX16("VVVV") "VVVVVVVVVVVVVVVVVVVV\"",
		  ERR_FORMAT },
		{ "signature", "\"" HEX16("VVVV") "VVVVVVVVVVVVVVVVVVVVVVU=\"",
		  ERR_FORMAT },
		{ "signature", "\"MEQCIFVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVAiBVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVQ==\"",
		  ERR_FORMAT },
		{ "extra", "1", ERR_FORMAT },
		{ "Label", "\"x\"", ERR_FORMAT },
		{ "\\u001b[2J", "1", ERR_FORMAT },
	};
	struct km_bundle *b = vector_bundle();

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cJSON *o = as_json(b), *v = NULL;
		char name[64] = "";

		snprintf(name, sizeof(name), "%s", cases[i].member);
		if (strcmp(name, "\\u001b[2J") == 0)
			snprintf(name, sizeof(name), "\x1b[2J");
		cJSON_DeleteItemFromObjectCaseSensitive(o, name);
		if (cases[i].json) {
			v = cJSON_Parse(cases[i].json);
			if (!v)
				fail_msg("case %zu: bad test JSON", i);
			cJSON_AddItemToObject(o, name, v);
		}
		if (parse_json(o) != cases[i].want)
			fail_msg("case %zu (%s = %s): %s", i, cases[i].member,
			         cases[i].json ? cases[i].json : "deleted",
			         err_detail());
		/* A hostile name is never echoed raw to a terminal. */
		assert_null(strchr(err_detail(), '\x1b'));
		cJSON_Delete(o);
	}
	free(b);
}

/* Input cJSON would accept but a bundle must not. */
static void test_hostile_text(void **state)
{
	struct km_bundle *b = vector_bundle();
	char *text = NULL, *big = NULL;
	size_t len = 0;
	char *p;

	(void)state;
	assert_int_equal(km_bundle_build(b, &text, &len), ERR_OK);
	assert_int_equal(parse_text(text, len), ERR_OK);
	assert_int_equal(parse_text(text, 0), ERR_FORMAT);
	assert_int_equal(parse_text(text, len / 2), ERR_FORMAT);
	assert_int_equal(parse_text("[]", 2), ERR_FORMAT);
	assert_int_equal(parse_text("null", 4), ERR_FORMAT);
	/* a duplicate member: "label" given twice */
	p = strstr(text, "\"label\":");
	assert_non_null(p);
	big = malloc(len + 32);
	assert_non_null(big);
	memcpy(big, text, (size_t)(p - text));
	strcpy(big + (p - text), "\"label\":\"evil\",");
	strcat(big, p);
	assert_int_equal(parse_text(big, strlen(big)), ERR_FORMAT);
	/* trailing garbage, a NUL inside, bad UTF-8 */
	memcpy(big, text, len);
	memcpy(big + len, "{}", 2);
	assert_int_equal(parse_text(big, len + 2), ERR_FORMAT);
	memcpy(big, text, len);
	big[len / 3] = '\0';
	assert_int_equal(parse_text(big, len), ERR_FORMAT);
	memcpy(big, text, len);
	p = strstr(big, "disk-1");
	p[0] = (char)0xc3;
	p[1] = (char)0x28;
	assert_int_equal(parse_text(big, len), ERR_FORMAT);
	/* \u0000 would cut the label short in a C string */
	memcpy(big, text, len);
	p = strstr(big, "disk-1");
	memcpy(p, "\\u0000", 6);
	assert_int_equal(parse_text(big, len), ERR_FORMAT);
	/* a lone surrogate is not a character */
	memcpy(big, text, len);
	p = strstr(big, "disk-1");
	memcpy(p, "\\ud800", 6);
	assert_int_equal(parse_text(big, len), ERR_FORMAT);
	free(big);
	/* larger than any bundle */
	big = calloc(1, KM_BUNDLE_FILE_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', KM_BUNDLE_FILE_MAX + 1);
	memcpy(big, text, len);
	assert_int_equal(parse_text(big, KM_BUNDLE_FILE_MAX + 1), ERR_FORMAT);
	free(big);
	free(text);
	free(b);
}

static void test_nesting(void **state)
{
	char deep[256];
	size_t n = 0;

	(void)state;
	n += (size_t)snprintf(deep + n, sizeof(deep) - n, "{\"wrap\":");
	for (int i = 0; i < 40; i++)
		deep[n++] = '[';
	for (int i = 0; i < 40; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	assert_int_equal(parse_text(deep, n), ERR_FORMAT);
}

/* build and canonical apply the same rules as parse. */
static void test_build_refuses_invalid(void **state)
{
	char *text = NULL;
	size_t len = 0;

	(void)state;
	for (int i = 0; i < 9; i++) {
		struct km_bundle *b = vector_bundle();

		switch (i) {
		case 0: b->dek_size = 48; break;
		case 1: b->label[0] = '\0'; break;
		case 2: b->label[1] = '\n'; break;
		case 3: b->hash = (enum p11_oaep_hash)7; break;
		case 4: b->tweak_len = 383; break;
		case 5:
			b->data_len = b->tweak_len = KM_BUNDLE_BLOB_MIN - 1;
			break;
		case 6: b->recipient[0] = 'A'; break;
		case 7: b->signer[0] = 'C'; break;
		default: b->created[10] = ' ';
		}
		assert_int_equal(km_bundle_build(b, &text, &len), ERR_FORMAT);
		assert_null(text);
		assert_int_equal(km_bundle_canonical(b, &text, &len),
		                 ERR_FORMAT);
		assert_null(text);
		free(b);
	}
}

static int check_secmem(void **state)
{
	(void)state;
	return secmem_used() == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canonical_vector),
		cmocka_unit_test(test_canonical_sorted_and_escaped),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_binding_covers_every_field),
		cmocka_unit_test(test_signature_covers_every_field),
		cmocka_unit_test(test_unsigned_v1),
		cmocka_unit_test(test_null_is_absent),
		cmocka_unit_test(test_hostile_members),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_build_refuses_invalid),
	};

	secmem_init(1u << 22);
	secmem_use_for_json();
	return cmocka_run_group_tests_name("km_bundle", tests, NULL,
	                                   check_secmem);
}
