/* SPDX-License-Identifier: MIT */
/* test_cos_client.c - the pure parts of the COS client: cos:// URIs,
 * endpoints by kind, part sizes within S3's limits, the multipart ETag,
 * the S3 XML reader, HMAC key texts and the resume state file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "cos_client.h"
#include "cos_keys.h"
#include "cos_state.h"
#include "cos_upload.h"
#include "cos_xml.h"
#include "secmem.h"

static void test_target(void **state)
{
	struct cos_target t;

	(void)state;
	assert_int_equal(cos_target_parse("cos://us-south/my-bkt/a/b c-0.vhd",
	                                  &t),
	                 ERR_OK);
	assert_string_equal(t.region, "us-south");
	assert_string_equal(t.bucket, "my-bkt");
	assert_string_equal(t.object, "a/b c-0.vhd");
	assert_int_equal(cos_target_parse("s3://us-south/b/o", &t), ERR_USAGE);
	assert_int_equal(cos_target_parse("cos://us-south/bkt/", &t),
	                 ERR_USAGE);
	assert_int_equal(cos_target_parse("cos://us-south/bkt", &t), ERR_USAGE);
	assert_int_equal(cos_target_parse("cos://US/bkt/o", &t), ERR_USAGE);
	assert_int_equal(cos_target_parse("cos://us-south/Bkt/o", &t),
	                 ERR_USAGE);
	assert_int_equal(cos_target_parse("cos://us-south/ab/o", &t),
	                 ERR_USAGE);
	assert_int_equal(cos_target_parse("cos://us-south/bkt/a\nb", &t),
	                 ERR_USAGE);
}

static void test_endpoint(void **state)
{
	struct cos_config cfg = { 0 };
	struct cos_target t;
	char out[256];

	(void)state;
	cos_target_parse("cos://eu-de/bkt/o", &t);
	assert_int_equal(cos_endpoint(&cfg, &t, out, sizeof(out)), ERR_OK);
	assert_string_equal(out, "https://s3.eu-de.cloud-object-storage."
	                         "appdomain.cloud");
	cfg.kind = COS_PRIVATE;
	cos_endpoint(&cfg, &t, out, sizeof(out));
	assert_string_equal(out, "https://s3.private.eu-de.cloud-object-"
	                         "storage.appdomain.cloud");
	cfg.kind = COS_DIRECT;
	cos_endpoint(&cfg, &t, out, sizeof(out));
	assert_string_equal(out, "https://s3.direct.eu-de.cloud-object-"
	                         "storage.appdomain.cloud");
	cfg.endpoint = "https://127.0.0.1:8443/";
	assert_int_equal(cos_endpoint(&cfg, &t, out, sizeof(out)), ERR_OK);
	assert_string_equal(out, "https://127.0.0.1:8443");
	cfg.endpoint = "http://127.0.0.1:8443";
	assert_int_equal(cos_endpoint(&cfg, &t, out, sizeof(out)), ERR_USAGE);
	cfg.endpoint = "https://h/path";
	assert_int_equal(cos_endpoint(&cfg, &t, out, sizeof(out)), ERR_USAGE);
}

static void test_part_size(void **state)
{
	const uint64_t mib = 1u << 20, gb = 1000000000ull;

	(void)state;
	assert_int_equal(cos_part_size(1), 8 * mib);
	assert_int_equal(cos_part_size(2ull << 30), 8 * mib);
	/* 100 GB (IBM's import limit) needs 9.54 MiB parts to fit in
	 * 10,000: rounded up to whole MiB */
	assert_int_equal(cos_part_size(100 * gb), 10 * mib);
	assert_true((100 * gb + cos_part_size(100 * gb) - 1) /
	                    cos_part_size(100 * gb) <=
	            COS_PARTS_MAX);
	/* 10 TB objects still fit, parts stay <= 5 GiB */
	assert_true(cos_part_size(10000 * gb) <= COS_PART_MAX);
	assert_int_equal(cos_part_size(60000 * gb), 0);
}

static void test_multipart_etag(void **state)
{
	/* two parts with MD5("a") and MD5("b"); S3 form "md5(concat)-2",
	 * the value also computed with Python hashlib */
	const uint8_t md5[2][16] = {
		{ 0x0c, 0xc1, 0x75, 0xb9, 0xc0, 0xf1, 0xb6, 0xa8, 0x31, 0xc3,
		  0x99, 0xe2, 0x69, 0x77, 0x26, 0x61 },
		{ 0x92, 0xeb, 0x5f, 0xfe, 0xe6, 0xae, 0x2f, 0xec, 0x3a, 0xd7,
		  0x1c, 0x77, 0x75, 0x31, 0x57, 0x8f },
	};
	char out[COS_ETAG_MAX];

	(void)state;
	cos_multipart_etag(md5, 2, out);
	assert_string_equal(out, "96e024ba2074fe77e8e965ba43a704be-2");
}

static void test_xml(void **state)
{
	const char *x = "<ListPartsResult><IsTruncated>true</IsTruncated>"
	                "<Part><PartNumber>1</PartNumber><ETag>&quot;ab&quot;"
	                "</ETag></Part><Part><PartNumber>2</PartNumber></Part>"
	                "</ListPartsResult>";
	size_t pos = 0, at, len, n = 0;
	char out[8];

	(void)state;
	assert_int_equal(cos_xml_text(x, strlen(x), "ETag", out, sizeof(out)),
	                 ERR_OK);
	assert_string_equal(out, "\"ab\"");
	assert_int_equal(cos_xml_text(x, strlen(x), "Nope", out, sizeof(out)),
	                 ERR_NOT_FOUND);
	assert_int_equal(cos_xml_text(x, strlen(x), "ListPartsResult", out,
	                              sizeof(out)),
	                 ERR_FORMAT);
	while (cos_xml_next(x, strlen(x), "Part", &pos, &at, &len))
		n++;
	assert_int_equal(n, 2);
}

static void test_keys(void **state)
{
	char *a = NULL, *s = NULL;

	(void)state;
	assert_int_equal(cos_keys_parse("AK1:sec/ret+\n", &a, &s), ERR_OK);
	assert_string_equal(a, "AK1");
	assert_string_equal(s, "sec/ret+");
	secmem_free(a);
	secmem_free(s);
	assert_int_equal(cos_keys_parse("{\"apikey\":\"x\",\"cos_hmac_keys\":"
	                                "{\"access_key_id\":\"AK2\","
	                                "\"secret_access_key\":\"S2\"}}",
	                                &a, &s),
	                 ERR_OK);
	assert_string_equal(a, "AK2");
	assert_string_equal(s, "S2");
	secmem_free(a);
	secmem_free(s);
	assert_int_equal(cos_keys_parse("only-one-part", &a, &s), ERR_FORMAT);
	assert_null(a);
	assert_int_equal(cos_keys_parse("{\"access_key_id\":\"A\"}", &a, &s),
	                 ERR_FORMAT);
	assert_int_equal(cos_keys_parse("A B:C", &a, &s), ERR_FORMAT);
}

static void test_state(void **state)
{
	struct cos_state st = { 0 }, back;
	char path[] = "/tmp/p11seal-cos-state.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	snprintf(st.uri, sizeof(st.uri), "cos://us-south/b/o-0.vhd");
	snprintf(st.endpoint, sizeof(st.endpoint), "https://h:1");
	snprintf(st.upload_id, sizeof(st.upload_id), "id/with=odd");
	st.part_size = 8u << 20;
	st.size = 123456789012ull;
	assert_int_equal(cos_state_write(path, &st), ERR_OK);
	assert_int_equal(cos_state_read(path, &back), ERR_OK);
	assert_string_equal(back.upload_id, st.upload_id);
	assert_string_equal(back.uri, st.uri);
	assert_true(back.size == st.size && back.part_size == st.part_size);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(write(fd, "{\"version\":1}", 13) == 13);
	close(fd);
	assert_int_equal(cos_state_read(path, &back), ERR_FORMAT);
	unlink(path);
	assert_int_equal(cos_state_read(path, &back), ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_endpoint),
		cmocka_unit_test(test_part_size),
		cmocka_unit_test(test_multipart_etag),
		cmocka_unit_test(test_xml),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_state),
	};

	secmem_init(1 << 20);
	return cmocka_run_group_tests_name("cos_client", tests, NULL, NULL);
}
