/* SPDX-License-Identifier: MIT */
/* test_sl.c - what the image import reads from SoftLayer, IAM and COS:
 * a template's state (IBM's sample's rule: ready once children[0] has no
 * transactionId), the OS codes, which IAM policy authorizes Cloud Block
 * Storage, a bucket's LocationConstraint and whether it is Regional in
 * the Key Protect region, and the IAM API base. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sl_client.h"
#include "sl_preflight.h"

#define INST "5d1c3e4f-0000-4000-8000-000000000001"

static enum err image(const char *s, struct sl_image *im)
{
	return sl_parse_image(s, strlen(s), im);
}

static void test_image(void **state)
{
	struct sl_image im;

	(void)state;
	assert_int_equal(image("{\"id\":3000001,\"name\":\"disk\","
	                       "\"globalIdentifier\":\"g-1\",\"createDate\":"
	                       "\"2026-12-06T19:57:47Z\",\"children\":[{\"id\":"
	                       "2,\"transactionId\":null}]}",
	                       &im),
	                 ERR_OK);
	assert_int_equal(im.id, 3000001);
	assert_string_equal(im.name, "disk");
	assert_string_equal(im.global_id, "g-1");
	assert_int_equal(im.state, SL_READY);
	/* no transactionId member at all is ready too */
	assert_int_equal(image("{\"id\":1,\"children\":[{\"id\":2}]}", &im),
	                 ERR_OK);
	assert_int_equal(im.state, SL_READY);
	/* no child yet: still being set up */
	assert_int_equal(image("{\"id\":1,\"children\":[]}", &im), ERR_OK);
	assert_int_equal(im.state, SL_PENDING);
	assert_int_equal(image("{\"id\":1}", &im), ERR_OK);
	assert_int_equal(im.state, SL_PENDING);
	assert_int_equal(image("{\"id\":1,\"children\":[{\"transactionId\":9,"
	                       "\"transaction\":{\"transactionStatus\":{\"name\":"
	                       "\"CLOUD_IMPORT_FROM_ICOS\"}}}]}",
	                       &im),
	                 ERR_OK);
	assert_int_equal(im.state, SL_PENDING);
	assert_string_equal(im.status, "CLOUD_IMPORT_FROM_ICOS");
	assert_int_equal(image("{\"id\":1,\"children\":[{\"transactionId\":9,"
	                       "\"transaction\":{\"transactionStatus\":{\"name\":"
	                       "\"FAILED\",\"friendlyName\":\"bad key\"}}}]}",
	                       &im),
	                 ERR_OK);
	assert_int_equal(im.state, SL_FAILED);
	assert_string_equal(im.status, "FAILED: bad key");
	assert_string_equal(sl_state_name(SL_FAILED), "failed");
	assert_int_equal(image("{\"id\":\"1\"}", &im), ERR_FORMAT);
	assert_int_equal(image("{\"id\":0}", &im), ERR_FORMAT);
	assert_int_equal(image("{\"name\":\"x\"}", &im), ERR_FORMAT);
	assert_int_equal(image("[]", &im), ERR_FORMAT);
	assert_int_equal(image("{\"id\":1,\"name\":\"a\\u001bb\"}", &im),
	                 ERR_FORMAT);
}

static void test_os_codes(void **state)
{
	static const char ok[] = "[{\"id\":1,\"name\":\"Debian 12\","
	                         "\"referenceCode\":\"DEBIAN_12_64\"},"
	                         "{\"referenceCode\":\"REDHAT_7_64\"}]";
	struct sl_os *v = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(sl_parse_os_codes(ok, strlen(ok), &v, &n), ERR_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].code, "DEBIAN_12_64");
	assert_string_equal(v[0].name, "Debian 12");
	assert_string_equal(v[1].name, "");
	free(v);
	assert_int_equal(sl_parse_os_codes("[]", 2, &v, &n), ERR_OK);
	assert_int_equal(n, 0);
	free(v);
	assert_int_equal(sl_parse_os_codes("{}", 2, &v, &n), ERR_FORMAT);
	assert_null(v);
	assert_int_equal(sl_parse_os_codes("[{\"name\":\"x\"}]", 15, &v, &n),
	                 ERR_FORMAT);
	assert_int_equal(sl_parse_os_codes("[1]", 3, &v, &n), ERR_FORMAT);
	/* found by fuzz_sl: an empty code is no code */
	assert_int_equal(sl_parse_os_codes("[{\"referenceCode\":\"\"}]", 22,
	                                   &v, &n),
	                 ERR_FORMAT);
}

/* A policy with the given parts, "" leaving a part out. */
static bool match(const char *subject, const char *service,
                  const char *instance, const char *role, const char *type)
{
	char buf[2048];
	bool found = true;

	snprintf(buf, sizeof(buf),
	         "{\"policies\":[{\"type\":\"%s\",\"state\":\"active\","
	         "\"subjects\":[{\"attributes\":[{\"name\":\"serviceName\","
	         "\"value\":\"%s\"}]}],\"roles\":[{\"role_id\":"
	         "\"crn:v1:bluemix:public:iam::::serviceRole:%s\"}],"
	         "\"resources\":[{\"attributes\":[{\"name\":\"serviceName\","
	         "\"value\":\"%s\"}%s%s%s]}]}]}",
	         type, subject, role, service,
	         instance[0] ? ",{\"name\":\"serviceInstance\",\"value\":\"" : "",
	         instance, instance[0] ? "\"}" : "");
	assert_int_equal(sl_policies_match(buf, strlen(buf), "kms", INST,
	                                   &found),
	                 ERR_OK);
	return found;
}

static void test_policies(void **state)
{
	bool found = true;

	(void)state;
	assert_true(match("server-protect", "kms", INST, "Reader",
	                  "authorization"));
	assert_true(match("server-protect", "kms", "", "Reader",
	                  "authorization"));
	assert_false(match("server-protect", "kms", INST, "Viewer",
	                   "authorization"));
	assert_false(match("is", "kms", INST, "Reader", "authorization"));
	assert_false(match("server-protect", "hs-crypto", INST, "Reader",
	                   "authorization"));
	assert_false(match("server-protect", "kms",
	                   "11111111-2222-4333-8444-555555555555", "Reader",
	                   "authorization"));
	assert_false(match("server-protect", "kms", INST, "Reader", "access"));
	assert_int_equal(sl_policies_match("{\"policies\":[]}", 15, "kms",
	                                   INST, &found),
	                 ERR_OK);
	assert_false(found);
	assert_int_equal(sl_policies_match("{}", 2, "kms", INST, &found),
	                 ERR_FORMAT);
	assert_int_equal(sl_policies_match("{\"policies\":[7,{\"roles\":{}}]}",
	                                   29, "kms", INST, &found),
	                 ERR_OK);
	assert_false(found);
}

static void test_location(void **state)
{
	static const char aws[] =
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint "
	        "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
	        "us-south-standard</LocationConstraint>";
	char loc[80], base[128];

	(void)state;
	assert_int_equal(sl_parse_location(aws, strlen(aws), loc, sizeof(loc)),
	                 ERR_OK);
	assert_string_equal(loc, "us-south-standard");
	assert_int_equal(sl_parse_location("<LocationConstraint>a\033b"
	                                   "</LocationConstraint>",
	                                   41, loc, sizeof(loc)),
	                 ERR_OK);
	assert_string_equal(loc, "a?b");
	assert_int_equal(sl_parse_location("<Error/>", 8, loc, sizeof(loc)),
	                 ERR_FORMAT);
	assert_int_equal(sl_parse_location("<LocationConstraint>x", 21, loc,
	                                   sizeof(loc)),
	                 ERR_FORMAT);
	assert_true(sl_location_regional("us-south-standard", "us-south"));
	assert_true(sl_location_regional("us-south-smart", "us-south"));
	assert_false(sl_location_regional("us-standard", "us-south"));
	assert_false(sl_location_regional("eu-de-standard", "us-south"));
	assert_false(sl_location_regional("ams03-standard", "us-south"));
	assert_false(sl_location_regional("us-south", "us-south"));
	assert_false(sl_location_regional("us-south-", "us-south"));
	assert_false(sl_location_regional("", "us-south"));
	sl_iam_base("https://iam.cloud.ibm.com/identity/token", base,
	            sizeof(base));
	assert_string_equal(base, "https://iam.cloud.ibm.com");
	sl_iam_base("https://127.0.0.1:8443", base, sizeof(base));
	assert_string_equal(base, "https://127.0.0.1:8443");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image),
		cmocka_unit_test(test_os_codes),
		cmocka_unit_test(test_policies),
		cmocka_unit_test(test_location),
	};

	return cmocka_run_group_tests_name("sl", tests, NULL, NULL);
}
