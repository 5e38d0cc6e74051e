/* SPDX-License-Identifier: MIT */
/* test_p11_policy.c - the audit rules on hand-made key descriptions: each
 * classic attack is found where it applies and only there, and the
 * attributes of p11seal's own profiles pass; so are the custody rules
 * (extractable root keys, loose trusted keys, import leftovers, root
 * keys Key Protect holds that still have a usage). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "p11_policy.h"

static const struct p11_policy_token strict = { true, true };

/* A key of class cls and type type; flags_on lists the true flags as
 * ",name,name,"; every flag is reported. */
static struct p11_policy_key key(CK_OBJECT_CLASS cls, CK_KEY_TYPE type,
				 CK_ULONG value_len, const char *flags_on)
{
	struct p11_policy_key k;

	memset(&k, 0, sizeof(k));
	k.info.cls = cls;
	k.info.key_type = type;
	k.info.value_len = value_len;
	snprintf(k.info.label, sizeof(k.info.label), "k");
	for (int f = 0; f < P11F_COUNT; f++) {
		char name[40];

		k.info.known[f] = true;
		snprintf(name, sizeof(name), ",%s,", p11_flag_name(f));
		k.info.flag[f] = strstr(flags_on, name) != NULL;
	}
	return k;
}

/* Attacks found on keys[0] (as a bit set) when judged with the others. */
static unsigned attacks_on_first(const struct p11_policy_key *keys, size_t n,
				 const struct p11_policy_token *tok)
{
	struct p11_finding *f = NULL;
	size_t nf = 0;
	unsigned set = 0;

	assert_int_equal(p11_policy_check(keys, n, tok, &f, &nf), ERR_OK);
	for (size_t i = 0; i < nf; i++) {
		assert_true(f[i].why[0] != '\0');
		if (f[i].key == 0)
			set |= 1u << f[i].attack;
	}
	free(f);
	return set;
}

static unsigned attacks(struct p11_policy_key k)
{
	return attacks_on_first(&k, 1, &strict);
}

#define BIT(a) (1u << (a))
#define SAFE ",token,private,sensitive,"
#define LOCKED SAFE "always_sensitive,never_extractable,local,"

static void test_p11seal_profiles_pass(void **state)
{
	(void)state;
	/* root: exportable by trusted wrap only, GCM encrypt */
	assert_int_equal(attacks(key(CKO_SECRET_KEY, CKK_AES, 32, SAFE
				     "extractable,wrap_with_trusted,"
				     "encrypt,")), 0);
	/* DEK data and tweak halves */
	assert_int_equal(attacks(key(CKO_SECRET_KEY, CKK_AES, 32, LOCKED
				     "encrypt,decrypt,")), 0);
	assert_int_equal(attacks(key(CKO_SECRET_KEY, CKK_AES, 16, LOCKED
				     "encrypt,")), 0);
	/* audit HMAC key */
	assert_int_equal(attacks(key(CKO_SECRET_KEY, CKK_GENERIC_SECRET, 32,
				     LOCKED "sign,verify,")), 0);
}

static void test_pkcs11_tool_default_key(void **state)
{
	/* SoftHSM's defaults: every usage, not sensitive, modifiable */
	unsigned a = attacks(key(CKO_SECRET_KEY, CKK_AES, 32,
				 ",token,private,encrypt,decrypt,wrap,unwrap,"
				 "sign,verify,modifiable,copyable,"));

	(void)state;
	assert_true(a & BIT(P11A_WRAP_DECRYPT));
	assert_true(a & BIT(P11A_UNWRAP_ENCRYPT));
	assert_true(a & BIT(P11A_NOT_SENSITIVE));
	assert_true(a & BIT(P11A_REIMPORT));
	/* the dangerous combination is there already, not one step away */
	assert_false(a & BIT(P11A_MUTABLE));
	assert_false(a & BIT(P11A_EXTRACTABLE));
}

static void test_each_rule(void **state)
{
	struct p11_policy_key k;

	(void)state;
	k = key(CKO_SECRET_KEY, CKK_AES, 32, SAFE "extractable,encrypt,");
	assert_int_equal(attacks(k), BIT(P11A_EXTRACTABLE));
	k = key(CKO_SECRET_KEY, CKK_AES, 32, SAFE "encrypt,");
	k.readable = true;
	assert_int_equal(attacks(k), BIT(P11A_READABLE));
	k = key(CKO_SECRET_KEY, CKK_AES, 32, SAFE "encrypt,modifiable,");
	assert_int_equal(attacks(k), BIT(P11A_MUTABLE));
	k.info.known[P11F_MODIFIABLE] = false;
	assert_int_equal(attacks(k), BIT(P11A_MUTABLE));
	k = key(CKO_SECRET_KEY, CKK_AES, 32, ",token,encrypt,");
	k.info.known[P11F_SENSITIVE] = false;
	assert_int_equal(attacks(k), BIT(P11A_NOT_SENSITIVE));
	/* unwrap-only key: safe only with a template forcing sensitivity */
	k = key(CKO_SECRET_KEY, CKK_AES, 32, SAFE "unwrap,");
	assert_int_equal(attacks(k), BIT(P11A_REIMPORT));
	k.unwrap_tmpl_safe = true;
	assert_int_equal(attacks(k), 0);
	k = key(CKO_SECRET_KEY, CKK_AES, 32, SAFE "unwrap,encrypt,");
	k.unwrap_tmpl_safe = true;
	assert_int_equal(attacks(k), BIT(P11A_UNWRAP_ENCRYPT));
}

static void test_rsa_keys(void **state)
{
	struct p11_policy_key k;

	(void)state;
	/* a decrypting private key: anyone can make a wrapping public key */
	k = key(CKO_PRIVATE_KEY, CKK_RSA, 0, SAFE "decrypt,");
	k.info.modulus_bits = 4096;
	assert_int_equal(attacks(k), BIT(P11A_WRAP_DECRYPT));
	/* a transport key: unwrap only, behind a pinned unwrap template */
	k = key(CKO_PRIVATE_KEY, CKK_RSA, 0, SAFE "unwrap,");
	k.info.modulus_bits = 4096;
	k.unwrap_tmpl_safe = true;
	assert_int_equal(attacks(k), BIT(P11A_LOOSE_UNWRAP));
	k.unwrap_tmpl_pinned = true;
	assert_int_equal(attacks(k), 0);
	k.info.flag[P11F_MODIFIABLE] = true;
	assert_int_equal(attacks(k), BIT(P11A_MUTABLE));
	/* wrapping public keys: RSA-2048 is too weak, 3072 is enough */
	k = key(CKO_PUBLIC_KEY, CKK_RSA, 0, ",token,wrap,trusted,");
	k.wrap_tmpl_pinned = true; /* test_custody judges the template */
	k.info.modulus_bits = 2048;
	assert_int_equal(attacks(k), BIT(P11A_WEAK_WRAPPER));
	k.info.modulus_bits = 3072;
	assert_int_equal(attacks(k), 0);
}

static void test_weak_wrapper_needs_a_stronger_target(void **state)
{
	struct p11_policy_key keys[2];

	(void)state;
	keys[0] = key(CKO_SECRET_KEY, CKK_AES, 16, SAFE "wrap,");
	/* AES-256, extractable to anyone: AES-128 is the weak link */
	keys[1] = key(CKO_SECRET_KEY, CKK_AES, 32, SAFE "extractable,");
	assert_int_equal(attacks_on_first(keys, 2, &strict),
			 BIT(P11A_WEAK_WRAPPER));
	/* trusted wrapping only: an untrusted AES-128 key cannot touch it */
	keys[1].info.flag[P11F_WRAP_WITH_TRUSTED] = true;
	assert_int_equal(attacks_on_first(keys, 2, &strict), 0);
	/* ... unless the KEK is trusted */
	keys[0].info.flag[P11F_TRUSTED] = true;
	keys[0].wrap_tmpl_pinned = true; /* test_custody judges that */
	assert_int_equal(attacks_on_first(keys, 2, &strict),
			 BIT(P11A_WEAK_WRAPPER));
	/* never extractable: nothing to wrap */
	keys[0].info.flag[P11F_TRUSTED] = false;
	keys[1].info.flag[P11F_EXTRACTABLE] = false;
	assert_int_equal(attacks_on_first(keys, 2, &strict), 0);
}

/* NSS softoken 3.87: neither CKA_EXTRACTABLE nor CKA_WRAP_WITH_TRUSTED
 * stops C_WrapKey (measured), so every secret key is exposed. */
static void test_token_that_ignores_attributes(void **state)
{
	const struct p11_policy_token lax = { false, false };
	const struct p11_policy_token no_trust = { true, false };
	struct p11_policy_key keys[2];

	(void)state;
	keys[0] = key(CKO_SECRET_KEY, CKK_AES, 32, LOCKED "encrypt,");
	assert_int_equal(attacks_on_first(keys, 1, &lax),
			 BIT(P11A_EXTRACTABLE));
	assert_int_equal(attacks_on_first(keys, 1, &no_trust), 0);
	keys[0] = key(CKO_SECRET_KEY, CKK_AES, 32, SAFE
		      "extractable,wrap_with_trusted,encrypt,");
	assert_int_equal(attacks_on_first(keys, 1, &no_trust),
			 BIT(P11A_EXTRACTABLE));
	/* and a small KEK becomes the weak link for every key */
	keys[0] = key(CKO_SECRET_KEY, CKK_AES, 16, SAFE "wrap,");
	keys[1] = key(CKO_SECRET_KEY, CKK_AES, 32, LOCKED "encrypt,");
	assert_int_equal(attacks_on_first(keys, 2, &strict), 0);
	assert_true(attacks_on_first(keys, 2, &lax) & BIT(P11A_WEAK_WRAPPER));
}

/* A root-profile key (AES, encrypt only, limited to GCM or CBC-PAD). */
static struct p11_policy_key root(CK_MECHANISM_TYPE m, const char *flags)
{
	struct p11_policy_key k = key(CKO_SECRET_KEY, CKK_AES, 32, flags);

	k.info.mechs[0] = m;
	k.info.n_mechs = 1;
	return k;
}

/* A trusted RSA-4096 public wrapping key labelled label. */
static struct p11_policy_key trusted(const char *label, const char *flags,
				     bool pinned)
{
	struct p11_policy_key k = key(CKO_PUBLIC_KEY, CKK_RSA, 0, flags);

	k.info.modulus_bits = 4096;
	k.wrap_tmpl_pinned = pinned;
	snprintf(k.info.label, sizeof(k.info.label), "%s", label);
	return k;
}

static void test_custody(void **state)
{
	struct p11_policy_key half;

	(void)state;
	assert_int_equal(attacks(root(CKM_AES_GCM, SAFE "extractable,"
				      "wrap_with_trusted,encrypt,")),
			 BIT(P11A_ROOT_EXTRACTABLE));
	assert_int_equal(attacks(root(CKM_AES_CBC_PAD, SAFE "extractable,"
				      "wrap_with_trusted,encrypt,")),
			 BIT(P11A_ROOT_EXTRACTABLE));
	assert_int_equal(attacks(root(CKM_AES_GCM, LOCKED "encrypt,")), 0);
	/* an exportable tweak half has a root's flags, but ECB */
	half = root(CKM_AES_ECB, SAFE "extractable,wrap_with_trusted,"
		    "encrypt,");
	assert_int_equal(attacks(half), 0);
	assert_int_equal(attacks(trusted("S", ",token,trusted,wrap,", true)),
			 0);
	assert_int_equal(attacks(trusted("S", ",token,trusted,wrap,", false)),
			 BIT(P11A_LOOSE_TRUSTED));
	assert_int_equal(attacks(trusted("kp-import-0123abcd",
					 ",token,trusted,wrap,", true)),
			 BIT(P11A_IMPORT_LEFTOVER));
	/* a root copy an interrupted import left half made */
	half = key(CKO_SECRET_KEY, CKK_AES, 32, SAFE "encrypt,modifiable,");
	snprintf(half.info.label, sizeof(half.info.label), "kp-part-r");
	assert_int_equal(attacks(half),
			 BIT(P11A_IMPORT_LEFTOVER) | BIT(P11A_MUTABLE));
	/* a session import key is the ceremony's own, not a leftover */
	assert_int_equal(attacks(trusted("kp-import-0123abcd",
					 ",trusted,wrap,", true)), 0);
}

/* A root whose material Key Protect holds: any usage is a keystream
 * oracle for the WDEKs; the kept profile (no usage) passes, and so does
 * an encrypting root Key Protect does not hold (`key create root`). */
static void test_root_oracle(void **state)
{
	static const char *const usage[] = { "encrypt,", "decrypt,", "wrap,",
					     "unwrap,", "sign,", "derive," };
	struct p11_policy_key k;

	(void)state;
	k = key(CKO_SECRET_KEY, CKK_AES, 32, LOCKED);
	k.kp_root = true;
	assert_int_equal(attacks(k), 0);
	for (size_t u = 0; u < sizeof(usage) / sizeof(usage[0]); u++) {
		char flags[128];

		snprintf(flags, sizeof(flags), LOCKED "%s", usage[u]);
		k = key(CKO_SECRET_KEY, CKK_AES, 32, flags);
		k.kp_root = true;
		assert_true(attacks(k) & BIT(P11A_ROOT_ORACLE));
	}
	/* a usage the token does not report counts as on */
	k = key(CKO_SECRET_KEY, CKK_AES, 32, LOCKED);
	k.kp_root = true;
	k.info.known[P11F_ENCRYPT] = false;
	assert_true(attacks(k) & BIT(P11A_ROOT_ORACLE));
	k = root(CKM_AES_GCM, LOCKED "encrypt,");
	assert_int_equal(attacks(k), 0);
	k.kp_root = true;
	assert_int_equal(attacks(k), BIT(P11A_ROOT_ORACLE));
}

static void test_names(void **state)
{
	(void)state;
	for (int a = 0; a < P11A_COUNT; a++)
		assert_string_not_equal(p11_policy_attack_name(a), "?");
	assert_string_equal(p11_policy_attack_name(P11A_WRAP_DECRYPT),
			    "wrap-then-decrypt");
	assert_string_equal(p11_policy_attack_name(P11A_COUNT), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p11seal_profiles_pass),
		cmocka_unit_test(test_pkcs11_tool_default_key),
		cmocka_unit_test(test_each_rule),
		cmocka_unit_test(test_rsa_keys),
		cmocka_unit_test(test_weak_wrapper_needs_a_stronger_target),
		cmocka_unit_test(test_token_that_ignores_attributes),
		cmocka_unit_test(test_custody),
		cmocka_unit_test(test_root_oracle),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("p11_policy", tests, NULL, NULL);
}
