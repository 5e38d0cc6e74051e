/* SPDX-License-Identifier: MIT */
/* test_attacks_transport.c - the classic attacks against the RSA transport
 * key pair p11seal makes for air-gapped stations (p11_rsa), run with raw
 * PKCS#11 by an attacker who knows the user PIN, on a throw-away SoftHSM
 * token: read the private exponent, wrap the private key out, switch
 * decrypt on, copy it, decrypt with it (Clulow through a public key object
 * made from its modulus), and unwrap a value of the attacker's choosing
 * as a readable key (re-import). The same attacks succeed against a key
 * pair made with the token's defaults, and `token audit` flags that pair
 * and not p11seal's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "p11_ckr.h"
#include "p11_module.h"
#include "p11_policy.h"
#include "p11_policy_scan.h"
#include "p11_rsa.h"
#include "p11_session.h"
#include "p11_uri.h"
#include "secmem.h"

/* One object per test program: the helpers are compiled in here. */
#include "p11test_token.c"
#include "p11attack.c"

struct env {
	struct p11test_token tok; /* the attacker's session */
	enum p11test_status st;
	struct p11_module *m;
	struct p11_session *s;    /* p11seal's */
	CK_OBJECT_HANDLE pub, priv;           /* p11seal's transport pair */
	CK_OBJECT_HANDLE tool_pub, tool_priv; /* made with the defaults */
};

static struct env env;

static void need(enum err r, const char *what)
{
	if (r != ERR_OK)
		fail_msg("%s: %s: %s", what, err_str(r), err_detail());
}

static int setup(void **state)
{
	static const uint8_t id[4] = { 't', 'r', 'n', 's' };
	struct env *e = &env;
	struct p11_uri *u = NULL;

	assert_int_not_equal(secmem_init(1u << 20), 0);
	*state = e;
	e->st = p11test_token_open(&e->tok, "transport", NULL);
	if (e->st != P11TEST_OK)
		return 0;
	need(p11_module_load(&e->m, p11test_softhsm_path(), NULL),
	     "p11_module_load");
	need(p11_uri_parse("pkcs11:token=transport", &u), "p11_uri_parse");
	need(p11_session_open(&e->s, e->m, u,
	                      &(struct p11_session_opts){ .rw = true }),
	     "p11_session_open");
	p11_uri_free(u);
	need(p11_rsa_generate_transport(e->s, "transport", id, sizeof(id),
					P11_RSA_MIN_BITS, &e->pub, &e->priv),
	     "p11_rsa_generate_transport");
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	p11_session_close(e->s);
	p11_module_free(e->m);
	p11test_token_close(&e->tok);
	return 0;
}

static struct env *env_of(void **state)
{
	struct env *e = *state;

	if (e->st == P11TEST_SKIP) {
		print_message("# SKIP: %s\n", e->tok.reason);
		skip();
	}
	if (e->st != P11TEST_OK)
		fail_msg("token setup: %s", e->tok.reason);
	return e;
}

/* A session public key object with ENCRYPT and WRAP holding the modulus
 * and exponent of RSA key h: what anyone can make from public values. */
static CK_OBJECT_HANDLE public_copy(struct env *e, CK_OBJECT_HANDLE h)
{
	static const CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	static const CK_KEY_TYPE type = CKK_RSA;
	uint8_t n[1024], x[16];
	CK_ATTRIBUTE get[] = {
		{ CKA_MODULUS, n, sizeof(n) },
		{ CKA_PUBLIC_EXPONENT, x, sizeof(x) },
	};
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, p11_unconst(&cls), sizeof(cls) },
		{ CKA_KEY_TYPE, p11_unconst(&type), sizeof(type) },
		{ CKA_TOKEN, p11_unconst(&no), 1 },
		{ CKA_ENCRYPT, p11_unconst(&yes), 1 },
		{ CKA_WRAP, p11_unconst(&yes), 1 },
		{ CKA_MODULUS, n, 0 },
		{ CKA_PUBLIC_EXPONENT, x, 0 },
	};
	CK_OBJECT_HANDLE out = CK_INVALID_HANDLE;

	assert_int_equal(e->tok.fn->C_GetAttributeValue(e->tok.sh, h, get, 2),
			 CKR_OK);
	t[5].ulValueLen = get[0].ulValueLen;
	t[6].ulValueLen = get[1].ulValueLen;
	assert_int_equal(e->tok.fn->C_CreateObject(e->tok.sh, t, 7, &out),
			 CKR_OK);
	return out;
}

static CK_MECHANISM oaep(CK_RSA_PKCS_OAEP_PARAMS *p)
{
	*p = (CK_RSA_PKCS_OAEP_PARAMS){ CKM_SHA_1, CKG_MGF1_SHA1,
					CKZ_DATA_SPECIFIED, NULL, 0 };
	return (CK_MECHANISM){ CKM_RSA_PKCS_OAEP, p, sizeof(*p) };
}

/* Encrypt p11attack_user_value under priv's public half (a copy the
 * attacker made), then C_UnwrapKey it with priv as an AES key, readable
 * (sensitive false, extractable true) or as the unwrap template wants.
 * CKR_OK with readable: *value is the key's CKA_VALUE. */
/* Unwrap a value of the attacker's choice with priv as a session AES key:
 * as a DEK half (every attribute the unwrap template pins, modifiable
 * last for SoftHSM), or readable, or able to wrap and decrypt. */
static CK_RV unwrap_chosen(struct env *e, CK_OBJECT_HANDLE priv,
			   bool readable, bool wrapper, uint8_t value[32])
{
	static const CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	static const CK_KEY_TYPE type = CKK_AES;
	struct p11test_token *a = &e->tok;
	CK_OBJECT_HANDLE pub = public_copy(e, priv), got = CK_INVALID_HANDLE;
	CK_RSA_PKCS_OAEP_PARAMS p;
	CK_MECHANISM m = oaep(&p);
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, p11_unconst(&cls), sizeof(cls) },
		{ CKA_KEY_TYPE, p11_unconst(&type), sizeof(type) },
		{ CKA_TOKEN, p11_unconst(&no), 1 },
		{ CKA_SENSITIVE, p11_unconst(readable ? &no : &yes), 1 },
		{ CKA_EXTRACTABLE, p11_unconst(readable ? &yes : &no), 1 },
		{ CKA_ENCRYPT, p11_unconst(&yes), 1 },
		{ CKA_DECRYPT, p11_unconst(&yes), 1 },
		{ CKA_WRAP, p11_unconst(wrapper ? &yes : &no), 1 },
		{ CKA_UNWRAP, p11_unconst(&no), 1 },
		{ CKA_DERIVE, p11_unconst(&no), 1 },
		{ CKA_SIGN, p11_unconst(&no), 1 },
		{ CKA_VERIFY, p11_unconst(&no), 1 },
		{ CKA_MODIFIABLE, p11_unconst(&no), 1 },
	};
	CK_ATTRIBUTE v = { CKA_VALUE, value, 32 };
	uint8_t blob[1024];
	CK_ULONG n = sizeof(blob);
	CK_RV rv;

	rv = a->fn->C_EncryptInit(a->sh, &m, pub);
	if (rv == CKR_OK)
		rv = a->fn->C_Encrypt(a->sh, p11_unconst(p11attack_user_value),
				      32, blob, &n);
	if (rv == CKR_OK)
		rv = a->fn->C_UnwrapKey(a->sh, &m, priv, blob, n, t,
					sizeof(t) / sizeof(t[0]), &got);
	if (rv == CKR_OK && readable)
		rv = a->fn->C_GetAttributeValue(a->sh, got, &v, 1);
	if (got != CK_INVALID_HANDLE)
		a->fn->C_DestroyObject(a->sh, got);
	a->fn->C_DestroyObject(a->sh, pub);
	return rv;
}

/* Clulow with an RSA key: wrap a victim under a public key made from the
 * modulus, C_Decrypt the blob with the private key. */
static CK_RV wrap_then_decrypt(struct env *e, CK_OBJECT_HANDLE priv,
			       CK_OBJECT_HANDLE victim, uint8_t *out,
			       CK_ULONG *len)
{
	struct p11test_token *a = &e->tok;
	CK_OBJECT_HANDLE pub = public_copy(e, priv);
	CK_RSA_PKCS_OAEP_PARAMS p;
	CK_MECHANISM m = oaep(&p);
	uint8_t blob[1024];
	CK_ULONG n = sizeof(blob);
	CK_RV rv;

	rv = a->fn->C_WrapKey(a->sh, &m, pub, victim, blob, &n);
	if (rv == CKR_OK)
		rv = a->fn->C_DecryptInit(a->sh, &m, priv);
	if (rv == CKR_OK)
		rv = a->fn->C_Decrypt(a->sh, blob, n, out, len);
	a->fn->C_DestroyObject(a->sh, pub);
	return rv;
}

static void test_private_key_stays_in(void **state)
{
	struct env *e = env_of(state);
	struct p11test_token *a = &e->tok;
	CK_OBJECT_HANDLE kek = p11attack_key(a, false), copy;
	uint8_t buf[4096];
	CK_ATTRIBUTE d = { CKA_PRIVATE_EXPONENT, buf, sizeof(buf) };
	CK_ATTRIBUTE w = { CKA_EXTRACTABLE, p11_unconst(&yes), 1 };
	CK_ULONG n = sizeof(buf);
	bool readable = true;
	CK_RV rv;

	assert_int_not_equal(kek, CK_INVALID_HANDLE);
	assert_int_equal(a->fn->C_GetAttributeValue(a->sh, e->priv, &d, 1),
			 CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(p11_obj_secret_readable(e->s, e->priv,
						 CKO_PRIVATE_KEY, &readable),
			 ERR_OK);
	assert_false(readable);
	assert_int_equal(p11attack_wrap(a, CKM_AES_KEY_WRAP_PAD, kek, e->priv,
					buf, &n),
			 CKR_KEY_UNEXTRACTABLE);
	rv = p11attack_set_bool(a, e->priv, CKA_DECRYPT, true);
	assert_true(p11attack_refused(rv));
	rv = p11attack_set_bool(a, e->priv, CKA_EXTRACTABLE, true);
	assert_true(p11attack_refused(rv));
	rv = a->fn->C_CopyObject(a->sh, e->priv, &w, 1, &copy);
	assert_true(p11attack_refused(rv));
	a->fn->C_DestroyObject(a->sh, kek);
}

static void test_no_decrypt_no_readable_unwrap(void **state)
{
	struct env *e = env_of(state);
	CK_OBJECT_HANDLE victim = p11attack_user_key(&e->tok);
	uint8_t out[1024], value[32];
	CK_ULONG n = sizeof(out);

	assert_int_not_equal(victim, CK_INVALID_HANDLE);
	assert_int_equal(wrap_then_decrypt(e, e->priv, victim, out, &n),
			 CKR_KEY_FUNCTION_NOT_PERMITTED);
	/* The unwrap template refuses a readable key and a key that could
	 * wrap (and so carry a key on), but unwraps one that obeys it: the
	 * refusal is the template's doing. */
	assert_int_equal(unwrap_chosen(e, e->priv, true, false, value),
			 CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(unwrap_chosen(e, e->priv, false, true, value),
			 CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(unwrap_chosen(e, e->priv, false, false, value),
			 CKR_OK);
	e->tok.fn->C_DestroyObject(e->tok.sh, victim);
}

/* What `pkcs11-tool --keypairgen --key-type rsa:2048` sends. */
static void tool_key_pair(struct env *e)
{
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	CK_ATTRIBUTE pub[] = {
		{ CKA_TOKEN, p11_unconst(&yes), 1 },
		{ CKA_MODULUS_BITS, &bits, sizeof(bits) },
		{ CKA_LABEL, p11_unconst("tool-rsa"), 8 },
	};
	CK_ATTRIBUTE priv[] = {
		{ CKA_TOKEN, p11_unconst(&yes), 1 },
		{ CKA_PRIVATE, p11_unconst(&yes), 1 },
		{ CKA_SENSITIVE, p11_unconst(&yes), 1 },
		{ CKA_LABEL, p11_unconst("tool-rsa"), 8 },
	};

	assert_int_equal(e->tok.fn->C_GenerateKeyPair(e->tok.sh, &gen, pub, 3,
						      priv, 4, &e->tool_pub,
						      &e->tool_priv),
			 CKR_OK);
}

static void test_attacks_work_on_a_tool_key_pair(void **state)
{
	struct env *e = env_of(state);
	CK_OBJECT_HANDLE victim = p11attack_user_key(&e->tok);
	uint8_t out[1024], value[32];
	CK_ULONG n = sizeof(out);

	tool_key_pair(e);
	assert_int_equal(wrap_then_decrypt(e, e->tool_priv, victim, out, &n),
			 CKR_OK);
	assert_int_equal(n, 32);
	assert_memory_equal(out, p11attack_user_value, 32);
	assert_int_equal(unwrap_chosen(e, e->tool_priv, true, false, value),
			 CKR_OK);
	assert_memory_equal(value, p11attack_user_value, 32);
}

static bool flagged(const struct p11_finding *f, size_t nf,
		    const struct p11_policy_key *keys, CK_OBJECT_HANDLE h,
		    enum p11_attack a)
{
	for (size_t i = 0; i < nf; i++)
		if (keys[f[i].key].info.handle == h &&
		    (a == P11A_COUNT || f[i].attack == a))
			return true;
	return false;
}

static void test_audit(void **state)
{
	struct env *e = env_of(state);
	struct p11_policy_key *keys = NULL;
	struct p11_policy_token tok;
	struct p11_finding *f = NULL;
	size_t n = 0, nf = 0;

	need(p11_policy_scan(e->s, &keys, &n, &tok), "p11_policy_scan");
	need(p11_policy_check(keys, n, &tok, &f, &nf), "p11_policy_check");
	assert_false(flagged(f, nf, keys, e->priv, P11A_COUNT));
	assert_false(flagged(f, nf, keys, e->pub, P11A_COUNT));
	assert_true(flagged(f, nf, keys, e->tool_priv, P11A_WRAP_DECRYPT));
	assert_true(flagged(f, nf, keys, e->tool_priv, P11A_REIMPORT));
	assert_true(flagged(f, nf, keys, e->tool_pub, P11A_WEAK_WRAPPER));
	free(f);
	free(keys);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private_key_stays_in),
		cmocka_unit_test(test_no_decrypt_no_readable_unwrap),
		cmocka_unit_test(test_attacks_work_on_a_tool_key_pair),
		cmocka_unit_test(test_audit),
	};

	return cmocka_run_group_tests_name("attacks on the transport key",
					   tests, setup, teardown);
}
