/* SPDX-License-Identifier: MIT */
/* test_kp_config.c - endpoint URLs from region/private/HPCS, explicit
 * URLs (https only), instance GUIDs and CRNs, token refresh timing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kp_client.h"
#include "kp_config.h"
#include "secmem.h"

#define GUID "5d1c3e4f-0000-4000-8000-000000000001"
#define CRN  "crn:v1:bluemix:public:kms:eu-de:a/0123456789abcdef:" GUID "::"

static void test_defaults(void **state)
{
	struct kp_config cfg = { .instance_id = GUID };
	struct kp_endpoints ep;

	(void)state;
	assert_int_equal(kp_config_resolve(&cfg, &ep), ERR_OK);
	assert_string_equal(ep.kp_base, "https://us-south.kms.cloud.ibm.com");
	assert_string_equal(ep.iam_token,
	                    "https://iam.cloud.ibm.com/identity/token");
	assert_string_equal(ep.instance, GUID);
	cfg.region = "jp-tok";
	cfg.private_endpoint = true;
	assert_int_equal(kp_config_resolve(&cfg, &ep), ERR_OK);
	assert_string_equal(ep.kp_base,
	                    "https://private.jp-tok.kms.cloud.ibm.com");
	assert_string_equal(ep.iam_token,
	                    "https://private.iam.cloud.ibm.com/identity/token");
	cfg.hpcs = true;
	assert_int_equal(kp_config_resolve(&cfg, &ep), ERR_OK);
	assert_string_equal(ep.kp_base, "https://" GUID ".api.private.jp-tok."
	                                "hs-crypto.appdomain.cloud");
}

static void test_crn(void **state)
{
	struct kp_config cfg = { .instance_id = CRN };
	struct kp_endpoints ep;
	char guid[KP_GUID_SIZE], region[64];

	(void)state;
	assert_int_equal(kp_config_resolve(&cfg, &ep), ERR_OK);
	assert_string_equal(ep.instance, GUID);
	assert_string_equal(ep.kp_base, "https://eu-de.kms.cloud.ibm.com");
	cfg.region = "us-east"; /* explicit region wins */
	assert_int_equal(kp_config_resolve(&cfg, &ep), ERR_OK);
	assert_string_equal(ep.kp_base, "https://us-east.kms.cloud.ibm.com");
	assert_int_equal(kp_config_instance("crn:v1:bluemix:public:"
	                                    "hs-crypto:us-south:a/1:" GUID "::",
	                                    guid, region),
	                 ERR_OK);
	assert_string_equal(region, "us-south");
	assert_int_equal(kp_config_instance("crn:v1:bluemix:public:cos:"
	                                    "us-south:a/1:" GUID "::",
	                                    guid, region),
	                 ERR_USAGE);
	assert_int_equal(kp_config_instance("crn:v1:bluemix:public:kms:"
	                                    "us-south:a/1:notaguid::",
	                                    guid, region),
	                 ERR_USAGE);
	assert_int_equal(kp_config_instance("crn:v1", guid, region), ERR_USAGE);
	assert_int_equal(kp_config_instance("5d1c3e4f", guid, region),
	                 ERR_USAGE);
	assert_int_equal(kp_config_instance(NULL, guid, region), ERR_USAGE);
	assert_int_equal(kp_config_instance("", guid, region), ERR_USAGE);
}

static void test_urls(void **state)
{
	struct kp_config cfg = { .instance_id = GUID };
	struct kp_endpoints ep;

	(void)state;
	cfg.kp_url = "https://127.0.0.1:8443/api/v2/";
	cfg.iam_url = "https://127.0.0.1:8443";
	assert_int_equal(kp_config_resolve(&cfg, &ep), ERR_OK);
	assert_string_equal(ep.kp_base, "https://127.0.0.1:8443");
	assert_string_equal(ep.iam_token,
	                    "https://127.0.0.1:8443/identity/token");
	cfg.iam_url = "https://iam.example/oidc/token";
	assert_int_equal(kp_config_resolve(&cfg, &ep), ERR_OK);
	assert_string_equal(ep.iam_token, "https://iam.example/oidc/token");
	cfg.kp_url = "http://127.0.0.1:8080";
	assert_int_equal(kp_config_resolve(&cfg, &ep), ERR_USAGE);
	cfg.kp_url = "https://a b";
	assert_int_equal(kp_config_resolve(&cfg, &ep), ERR_USAGE);
	cfg.kp_url = "https://";
	assert_int_equal(kp_config_resolve(&cfg, &ep), ERR_USAGE);
	cfg.kp_url = "HTTPS://kp.example";
	cfg.iam_url = "ftp://iam.example";
	assert_int_equal(kp_config_resolve(&cfg, &ep), ERR_USAGE);
	cfg.iam_url = NULL;
	cfg.region = "us-south/../x";
	cfg.kp_url = NULL;
	assert_int_equal(kp_config_resolve(&cfg, &ep), ERR_USAGE);
}

static void test_token_stale(void **state)
{
	(void)state;
	/* 3600 s token: refresh 720 s (20 %) before expiry */
	assert_false(kp_client_token_stale(10000, 13600, 3600));
	assert_false(kp_client_token_stale(12879, 13600, 3600));
	assert_true(kp_client_token_stale(12880, 13600, 3600));
	/* short token: at least 60 s margin */
	assert_false(kp_client_token_stale(1000, 1200, 200));
	assert_true(kp_client_token_stale(1140, 1200, 200));
	assert_true(kp_client_token_stale(1000, 1030, 30));
	assert_true(kp_client_token_stale(2000, 1000, 3600));
}

static void test_client_new(void **state)
{
	struct kp_config cfg = { .instance_id = GUID,
		                 .kp_url = "https://127.0.0.1:1" };
	struct kp_client *c = NULL;

	(void)state;
	assert_int_equal(kp_client_new(&c, &cfg, ""), ERR_USAGE);
	assert_null(c);
	cfg.key_ring = "bad ring";
	assert_int_equal(kp_client_new(&c, &cfg, "k"), ERR_USAGE);
	cfg.key_ring = "ring-1";
	assert_int_equal(kp_client_new(&c, &cfg, "api-key"), ERR_OK);
	assert_string_equal(kp_client_endpoints(c)->kp_base,
	                    "https://127.0.0.1:1");
	assert_string_equal(kp_client_correlation_id(c), "");
	assert_false(kp_client_hpcs(c));
	kp_client_free(c);
	cfg.hpcs = true;
	assert_int_equal(kp_client_new(&c, &cfg, "api-key"), ERR_OK);
	assert_true(kp_client_hpcs(c));
	kp_client_free(c);
	kp_client_free(NULL);
	assert_int_equal(secmem_used(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_crn),
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_token_stale),
		cmocka_unit_test(test_client_new),
	};

	secmem_init(1u << 20);
	secmem_use_for_json();
	return cmocka_run_group_tests_name("kp_config", tests, NULL, NULL);
}
