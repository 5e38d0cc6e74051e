/* SPDX-License-Identifier: MIT */
/* test_kp_live.c - the Key Protect library end to end against a server:
 * secure import (our OAEP + GCM checked by the server's own crypto),
 * wrap/unwrap with AAD, rotation with new material, rewrap. Skips unless
 * KP_URL is set; tests/integration/t-kp-live.sh runs it with kp-server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "kp_client.h"
#include "kp_crypto.h"
#include "kp_import.h"
#include "kp_key.h"
#include "kp_wrap.h"
#include "secmem.h"

static struct kp_client *kp;
static struct kp_key root; /* the imported root key */
static uint8_t material[32];

/* Import token + fields for material k (nonce optionally spoiled). */
static void import_fields(const uint8_t *k, bool spoil,
                          struct kp_import_fields *f)
{
	struct kp_import_token tok;
	EVP_PKEY *pub = NULL;

	assert_int_equal(kp_import_token_create(kp, 600, 1, &tok), ERR_OK);
	kp_json_import_token_clear(&tok);
	assert_int_equal(kp_import_token_get(kp, &tok), ERR_OK);
	assert_true(tok.has_material);
	assert_int_equal(
	        kp_crypto_pubkey_parse(tok.pubkey, tok.pubkey_len, &pub),
	        ERR_OK);
	if (spoil)
		tok.nonce[0] ^= 1;
	assert_int_equal(kp_crypto_import_fields(k, 32, pub, tok.nonce,
	                                         KP_NONCE_LEN, false, NULL, f),
	                 ERR_OK);
	EVP_PKEY_free(pub);
	kp_json_import_token_clear(&tok);
}

static void template(struct kp_key_template *t, const char *name,
                     const struct kp_import_fields *f)
{
	memset(t, 0, sizeof(*t));
	t->name = name;
	t->payload = f->payload;
	t->encrypted_nonce = f->encrypted_nonce;
	t->iv = f->iv;
	t->algorithm = f->algorithm;
}

static void test_secure_import(void **state)
{
	struct kp_import_fields f;
	struct kp_key_template t;
	bool recovered = true;

	(void)state;
	assert_int_equal(RAND_bytes(material, sizeof(material)), 1);
	import_fields(material, false, &f);
	template(&t, "live-imported", &f);
	assert_int_equal(kp_key_create(kp, &t, &root, &recovered), ERR_OK);
	assert_false(recovered);
	assert_true(root.imported);
	assert_false(root.extractable);
	assert_int_equal(root.state, KP_STATE_ACTIVE);
	kp_crypto_import_fields_clear(&f);
	/* a nonce that is not the token's is refused by the server */
	import_fields(material, true, &f);
	template(&t, "live-bad-nonce", &f);
	assert_int_equal(
	        kp_key_create(kp, &t, &(struct kp_key){ 0 }, &recovered),
	        ERR_REMOTE);
	assert_non_null(strstr(err_detail(), "INCORRECT_NONCE"));
	kp_crypto_import_fields_clear(&f);
}

static void test_wrap_unwrap(void **state)
{
	static const char *const aad[] = { "disk-1", "vpc" };
	static const char *const wrong[] = { "disk-2", "vpc" };
	struct kp_wrapped w, u, g, gu;
	uint8_t dek[32];

	(void)state;
	assert_int_equal(RAND_bytes(dek, sizeof(dek)), 1);
	assert_int_equal(kp_wrap(kp, root.id, dek, 32, aad, 2, &w), ERR_OK);
	assert_string_equal(w.key_version_id, root.id);
	assert_int_equal(kp_unwrap(kp, root.id, w.ciphertext, aad, 2, 32, &u),
	                 ERR_OK);
	assert_memory_equal(u.plaintext, dek, 32);
	assert_null(u.ciphertext);
	kp_json_wrapped_clear(&u);
	assert_int_equal(kp_unwrap(kp, root.id, w.ciphertext, wrong, 2, 32, &u),
	                 ERR_REMOTE);
	assert_int_equal(kp_unwrap(kp, root.id, w.ciphertext, aad, 2, 16, &u),
	                 ERR_FORMAT);
	kp_json_wrapped_clear(&w);
	/* KP-generated DEK */
	assert_int_equal(kp_wrap(kp, root.id, NULL, 0, NULL, 0, &g), ERR_OK);
	assert_int_equal(g.plaintext_len, KP_WRAP_DEK_LEN);
	assert_int_equal(kp_unwrap(kp, root.id, g.ciphertext, NULL, 0, 32, &gu),
	                 ERR_OK);
	assert_memory_equal(gu.plaintext, g.plaintext, 32);
	kp_json_wrapped_clear(&g);
	kp_json_wrapped_clear(&gu);
	secmem_wipe(dek, sizeof(dek));
}

static void test_rotate_rewrap(void **state)
{
	struct kp_wrapped w, u, rw, ru;
	struct kp_import_fields f;
	struct kp_key_template t;
	struct kp_key_version *v = NULL;
	uint8_t dek[32], fresh[32];
	size_t n = 0;

	(void)state;
	assert_int_equal(RAND_bytes(dek, sizeof(dek)), 1);
	assert_int_equal(kp_wrap(kp, root.id, dek, 32, NULL, 0, &w), ERR_OK);
	assert_int_equal(RAND_bytes(fresh, sizeof(fresh)), 1);
	import_fields(fresh, false, &f);
	template(&t, "unused", &f);
	assert_int_equal(kp_key_rotate(kp, root.id, &t), ERR_OK);
	kp_crypto_import_fields_clear(&f);
	assert_int_equal(kp_key_versions(kp, root.id, &v, &n), ERR_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[1].id, root.id);
	/* old ciphertext: unwrap also rewraps under the new version */
	assert_int_equal(kp_unwrap(kp, root.id, w.ciphertext, NULL, 0, 32, &u),
	                 ERR_OK);
	assert_memory_equal(u.plaintext, dek, 32);
	assert_non_null(u.ciphertext);
	assert_string_equal(u.rewrapped_key_version_id, v[0].id);
	assert_int_equal(kp_rewrap(kp, root.id, w.ciphertext, NULL, 0, &rw),
	                 ERR_OK);
	assert_string_equal(rw.key_version_id, root.id);
	assert_string_equal(rw.rewrapped_key_version_id, v[0].id);
	assert_int_equal(
	        kp_unwrap(kp, root.id, rw.ciphertext, NULL, 0, 32, &ru),
	        ERR_OK);
	assert_memory_equal(ru.plaintext, dek, 32);
	assert_string_equal(ru.key_version_id, v[0].id);
	free(v);
	kp_json_wrapped_clear(&w);
	kp_json_wrapped_clear(&u);
	kp_json_wrapped_clear(&rw);
	kp_json_wrapped_clear(&ru);
	secmem_wipe(dek, sizeof(dek));
	secmem_wipe(fresh, sizeof(fresh));
}

static int setup(void **state)
{
	struct kp_config cfg = { 0 };

	(void)state;
	cfg.kp_url = getenv("KP_URL");
	cfg.iam_url = getenv("IAM_URL");
	cfg.cacert = getenv("KP_CACERT");
	cfg.instance_id = getenv("KP_INSTANCE_ID");
	return kp_client_new(&kp, &cfg, getenv("IBMCLOUD_API_KEY")) == ERR_OK
	               ? 0
	               : -1;
}

static int teardown(void **state)
{
	(void)state;
	kp_json_key_clear(&root);
	kp_client_free(kp);
	secmem_wipe(material, sizeof(material));
	return secmem_used() == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secure_import),
		cmocka_unit_test(test_wrap_unwrap),
		cmocka_unit_test(test_rotate_rewrap),
	};

	if (!getenv("KP_URL") || !getenv("IBMCLOUD_API_KEY")) {
		printf("1..0 # SKIP KP_URL not set (run by t-kp-live.sh)\n");
		return 0;
	}
	secmem_init(1u << 22);
	secmem_use_for_json();
	return cmocka_run_group_tests_name("kp_live", tests, setup, teardown);
}
