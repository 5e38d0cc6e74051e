/* SPDX-License-Identifier: MIT */
/* test_attacks.c - the classic PKCS#11 key-extraction attacks, run with
 * raw PKCS#11 calls in an attacker's own session (who knows the user PIN)
 * against every kind of key p11seal makes: root (exportable and locked),
 * generated DEKs of 32 and 64 bytes (plain and exportable), an imported
 * DEK and the audit log's HMAC key, on a throw-away SoftHSM token and on
 * NSS softoken. The same attacks
 * must succeed against keys made with the token's defaults, so the test
 * can fail; `token audit` (p11_policy) must flag those keys and not
 * p11seal's. On NSS, what gets through without exposing a key is printed
 * as a measured finding ("# NSS: ..."); exposing a key fails everywhere. */
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
#include "p11_dek.h"
#include "p11_key.h"
#include "p11_module.h"
#include "p11_policy.h"
#include "p11_policy_scan.h"
#include "p11_session.h"
#include "p11_uri.h"
#include "secmem.h"

/* The Makefile links one object per test program; the token helper is
 * shared with test_p11_xts and tests/bench, so it is compiled in here,
 * and so is the attacker's toolbox. */
#include "p11test_token.c"
#include "p11attack.c"

#define VICTIMS_MAX 16

struct victim {
	const char *what;
	CK_OBJECT_HANDLE h;
	enum p11_profile profile;
	bool exportable; /* extractable, with wrap_with_trusted */
	bool mutable_seen; /* the token let a usage flag change */
};

struct env {
	struct p11test_token tok; /* the attacker's session: tok.fn, tok.sh */
	enum p11test_status st;
	bool nss;
	struct p11_module *m;
	struct p11_session *s; /* p11seal's session, for its library calls */
	struct victim v[VICTIMS_MAX];
	size_t nv;
	struct p11_policy_token tok_facts; /* what the token enforces */
	/* Keys made the way other tools make them (the control group). */
	CK_OBJECT_HANDLE tool, user, kek128;
};

static const uint8_t imported_value[64] = {
	0x36, 0xb7, 0xde, 0x9f, 0xdf, 0x04, 0xa4, 0xcc, 0x45, 0xd8, 0x1f,
	0xb0, 0x76, 0x02, 0xdf, 0x6a, 0x0c, 0xeb, 0xaa, 0xf8, 0x14, 0x65,
	0xf3, 0x0a, 0xe2, 0xf2, 0xf6, 0x4f, 0x43, 0x6c, 0x4f, 0x6d, 0x22,
	0x2b, 0x6b, 0x0d, 0x0b, 0xda, 0x54, 0x50, 0x7b, 0x62, 0xcc, 0x5e,
	0xb6, 0xd7, 0xca, 0x73, 0x7b, 0xc4, 0x4b, 0x0a, 0x04, 0x3a, 0x93,
	0x0c, 0x6e, 0x13, 0x9f, 0x08, 0x58, 0xbc, 0xe0, 0x0c,
};

static struct env env_softhsm, env_nss;

/* Setup makes p11seal's keys through p11seal's own library. */
static void need(enum err r, const char *what)
{
	if (r != ERR_OK)
		fail_msg("%s: %s: %s", what, err_str(r), err_detail());
}

static void add_victim(struct env *e, const char *what, CK_OBJECT_HANDLE h,
		       enum p11_profile p, bool exportable)
{
	assert_true(e->nv < VICTIMS_MAX);
	e->v[e->nv++] = (struct victim){ what, h, p, exportable, false };
}

/* A root key (exportable or locked) or the audit log's HMAC key. */
static void make_root(struct env *e, const char *label, enum p11_profile p)
{
	uint8_t id[16];
	struct p11_key_spec spec = { .profile = p, .label = label, .id = id,
				     .id_len = sizeof(id), .len = 32,
				     .exportable = p == P11P_ROOT };
	CK_OBJECT_HANDLE h;

	need(p11_session_random(e->s, id, sizeof(id)), "random id");
	need(p11_key_generate(e->s, &spec, &h), label);
	add_victim(e, label, h, p, p == P11P_ROOT);
}

static void add_dek(struct env *e, const struct p11_dek *d, const char *what,
		    const char *tweak_what, bool exportable)
{
	add_victim(e, what, d->data, P11P_DEK_DATA, exportable);
	add_victim(e, tweak_what, d->tweak, P11P_DEK_TWEAK, exportable);
}

static void make_victims(struct env *e)
{
	struct p11_dek d;

	make_root(e, "root (exportable)", P11P_ROOT);
	make_root(e, "root (never extractable)", P11P_ROOT_LOCKED);
	need(p11_dek_generate(e->s, "dek32", 32, false, &d), "dek32");
	add_dek(e, &d, "DEK-32 data half", "DEK-32 tweak half", false);
	need(p11_dek_generate(e->s, "dek64", 64, false, &d), "dek64");
	add_dek(e, &d, "DEK-64 data half", "DEK-64 tweak half", false);
	need(p11_dek_generate(e->s, "dek64x", 64, true, &d), "dek64x");
	add_dek(e, &d, "exportable DEK data half", "exportable DEK tweak half",
		true);
	need(p11_dek_import(e->s, "imported", imported_value,
			    sizeof(imported_value), false, &d), "imported");
	add_dek(e, &d, "imported DEK data half", "imported DEK tweak half",
		false);
	make_root(e, "audit key", P11P_AUDIT);
}

/* p11seal's own module handle and session on the token the attacker's
 * session is logged in to (the login is shared by the application). */
static void open_p11seal(struct env *e, const char *module, const char *uri)
{
	struct p11_uri *u = NULL;

	need(p11_module_load(&e->m, module,
			     e->tok.init_args[0] ? e->tok.init_args : NULL),
	     "p11_module_load");
	need(p11_uri_parse(uri, &u), "p11_uri_parse");
	need(p11_session_open(&e->s, e->m, u,
	                      &(struct p11_session_opts){ .rw = true }),
	     "p11_session_open");
	p11_uri_free(u);
	need(p11_session_login(e->s, P11TEST_PIN, strlen(P11TEST_PIN), false),
	     "p11_session_login");
	p11_policy_scan_token(e->s, &e->tok_facts);
	make_victims(e);
}

static int softhsm_setup(void **state)
{
	struct env *e = &env_softhsm;

	assert_int_not_equal(secmem_init(1u << 20), 0);
	e->st = p11test_token_open(&e->tok, "attacks", NULL);
	if (e->st == P11TEST_OK)
		open_p11seal(e, p11test_softhsm_path(), "pkcs11:token=attacks");
	*state = e;
	return 0;
}

static int nss_setup(void **state)
{
	struct env *e = &env_nss;

	e->nss = true;
	e->st = p11test_nss_open(&e->tok);
	if (e->st == P11TEST_OK)
		open_p11seal(e, P11TEST_NSS_MODULE,
			     "pkcs11:token=NSS%20Certificate%20DB");
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	/* p11seal's C_Finalize ends the attacker's session too. */
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


static void read_info(struct env *e, CK_OBJECT_HANDLE h,
		      struct p11_obj_info *i)
{
	need(p11_obj_info(e->s, h, i), "p11_obj_info");
}

/* The attacker's own wrapping key, known value, every usage flag on. */
static CK_OBJECT_HANDLE attacker_kek(struct env *e)
{
	CK_OBJECT_HANDLE kek = p11attack_key(&e->tok, false);

	assert_int_not_equal(kek, CK_INVALID_HANDLE);
	return kek;
}

static void destroy(struct env *e, CK_OBJECT_HANDLE h)
{
	if (h != CK_INVALID_HANDLE)
		e->tok.fn->C_DestroyObject(e->tok.sh, h);
}

/* A finding on NSS: printed, not failed (README documents them). */
static void nss_note(const struct victim *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void nss_note(const struct victim *v, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	print_message("# NSS: %s: %s\n", v->what, what);
}

/* Where the token lets a key out, prove it is the real key: the imported
 * DEK's data half, unwrapped offline, is the value p11seal imported. */
static void prove_exposure(const struct victim *v, const uint8_t *blob,
			   CK_ULONG n)
{
	uint8_t plain[64];
	int len = 0;

	if (strcmp(v->what, "imported DEK data half") != 0)
		return;
	assert_true(p11attack_offline_unwrap(blob, n, plain, &len));
	assert_int_equal(len, 32);
	assert_memory_equal(plain, imported_value, 32);
	nss_note(v, "unwrapped offline with the attacker's key: it is the "
		 "imported key value");
}

/* On a token that ignores CKA_EXTRACTABLE (or, for exportable keys,
 * CKA_WRAP_WITH_TRUSTED) on C_WrapKey anyone with the PIN can wrap the
 * key out: a documented limit of that token (`token audit` flags such
 * keys), not something p11seal can prevent. */
static bool token_exposes(const struct env *e, const struct victim *v)
{
	return !e->tok_facts.extractable_enforced ||
	       (v->exportable && !e->tok_facts.trusted_wrap_enforced);
}

/* The refusal SoftHSM gives for wrapping this victim under any key the
 * attacker holds. */
static CK_RV wrap_refusal(const struct victim *v)
{
	return v->exportable ? CKR_KEY_NOT_WRAPPABLE : CKR_KEY_UNEXTRACTABLE;
}

static void test_value_unreadable(void **state)
{
	struct env *e = env_of(state);
	struct p11test_token *a = &e->tok;

	for (size_t i = 0; i < e->nv; i++) {
		CK_RV rv = p11attack_read_value(a, e->v[i].h);

		if (rv == CKR_OK)
			fail_msg("CKA_VALUE of %s came back", e->v[i].what);
		if (!e->nss)
			assert_int_equal(rv, CKR_ATTRIBUTE_SENSITIVE);
		bool readable = true;

		assert_int_equal(p11_obj_secret_readable(e->s, e->v[i].h,
							 CKO_SECRET_KEY,
							 &readable),
				 ERR_OK);
		assert_false(readable);
	}
}

/* Wrap each key under a key the attacker knows, with every AES wrapping
 * mechanism; then the Clulow and re-import chains. */
static void test_wrap_under_attacker_key(void **state)
{
	static const CK_MECHANISM_TYPE mechs[] = { CKM_AES_KEY_WRAP,
		CKM_AES_KEY_WRAP_PAD, CKM_AES_CBC, CKM_AES_CBC_PAD,
		CKM_AES_ECB };
	const size_t nmechs = sizeof(mechs) / sizeof(mechs[0]);
	struct env *e = env_of(state);
	struct p11test_token *a = &e->tok;
	CK_OBJECT_HANDLE kek = attacker_kek(e);

	for (size_t i = 0; i < e->nv; i++) {
		const struct victim *v = &e->v[i];
		size_t wrapped = 0;
		uint8_t out[256];
		CK_ULONG n;
		CK_RV rv;

		for (size_t m = 0; m < nmechs; m++) {
			n = sizeof(out);
			rv = p11attack_wrap(a, mechs[m], kek, v->h, out, &n);
			if (rv == CKR_OK && !token_exposes(e, v))
				fail_msg("%s wrapped under the attacker's key "
					 "with mechanism 0x%lx", v->what,
					 (unsigned long)mechs[m]);
			if (rv == CKR_OK && mechs[m] == CKM_AES_KEY_WRAP)
				prove_exposure(v, out, n);
			wrapped += rv == CKR_OK;
			if (!e->nss && m < 2)
				assert_int_equal(rv, wrap_refusal(v));
		}
		if (wrapped)
			nss_note(v, "wrapped under the attacker's untrusted "
				 "key with %zu of %zu mechanisms", wrapped,
				 nmechs);
		if (token_exposes(e, v))
			continue;
		n = sizeof(out);
		assert_int_not_equal(p11attack_wrap_then_decrypt(a, kek, v->h,
								 out, &n),
				     CKR_OK);
		n = sizeof(out);
		assert_int_not_equal(p11attack_reimport(a, kek, v->h, out, &n),
				     CKR_OK);
	}
	destroy(e, kek);
}

/* p11seal's keys as the attacker's tools: none wraps, unwraps or
 * derives, so none can carry another key out. */
static void test_victims_are_no_tools(void **state)
{
	struct env *e = env_of(state);
	struct p11test_token *a = &e->tok;
	CK_OBJECT_HANDLE target = p11attack_key(a, true), got;
	CK_MECHANISM kw = { CKM_AES_KEY_WRAP, NULL, 0 };
	CK_MECHANISM derive = { CKM_AES_ECB_ENCRYPT_DATA, NULL, 0 };
	CK_KEY_DERIVATION_STRING_DATA data = { p11_unconst(p11attack_iv), 16 };
	uint8_t blob[40] = { 0 }, out[256];

	derive.pParameter = &data;
	derive.ulParameterLen = sizeof(data);
	assert_int_not_equal(target, CK_INVALID_HANDLE);
	for (size_t i = 0; i < e->nv; i++) {
		CK_OBJECT_HANDLE h = e->v[i].h;
		CK_ULONG n = sizeof(out);
		CK_RV rv;

		got = CK_INVALID_HANDLE;
		rv = a->fn->C_WrapKey(a->sh, &kw, h, target, out, &n);
		assert_int_not_equal(rv, CKR_OK);
		rv = a->fn->C_UnwrapKey(a->sh, &kw, h, blob, sizeof(blob), NULL,
					0, &got);
		assert_int_not_equal(rv, CKR_OK);
		rv = a->fn->C_DeriveKey(a->sh, &derive, h, NULL, 0, &got);
		assert_int_not_equal(rv, CKR_OK);
	}
	destroy(e, target);
}

static const enum p11_flag flips[] = {
	P11F_EXTRACTABLE, P11F_SENSITIVE, P11F_WRAP_WITH_TRUSTED,
	P11F_DECRYPT, P11F_ENCRYPT, P11F_WRAP, P11F_UNWRAP, P11F_SIGN,
	P11F_VERIFY, P11F_DERIVE, P11F_MODIFIABLE, P11F_COPYABLE,
	P11F_PRIVATE,
};

/* The protection flags: changed the attacker's way (extractable on,
 * sensitive or wrap_with_trusted off) they expose the key itself, so
 * every token must refuse. The other way round is harmless and skipped. */
static bool protection(enum p11_flag f, bool *want)
{
	*want = f == P11F_EXTRACTABLE;
	return f == P11F_EXTRACTABLE || f == P11F_SENSITIVE ||
	       f == P11F_WRAP_WITH_TRUSTED;
}

/* On NSS a usage flag may change: then try to use the changed key to
 * carry the exportable root out (it must still refuse: trusted wrap). */
static void nss_flip_chain(struct env *e, const struct victim *v,
			   enum p11_flag f)
{
	uint8_t out[256];
	CK_ULONG n = sizeof(out);

	if (f != P11F_WRAP)
		return;
	assert_int_not_equal(p11attack_wrap_then_decrypt(&e->tok, v->h,
							 e->v[0].h, out, &n),
			     CKR_OK);
}

static void flip_one(struct env *e, struct victim *v,
		     const struct p11_obj_info *before, enum p11_flag f)
{
	CK_ATTRIBUTE_TYPE t = p11_flag_attr[f];
	bool now = before->flag[f], want = !now, guard;
	CK_RV rv;

	guard = protection(f, &want);
	if (!before->known[f] || now == want)
		return;
	rv = p11attack_set_bool(&e->tok, v->h, t, want);
	if (rv != CKR_OK && !e->nss && !p11attack_refused(rv))
		fail_msg("CKA_%s of %s: %s", p11_flag_name(f), v->what,
			 p11_ckr_name(rv));
	if (rv != CKR_OK)
		return;
	if (!e->nss || guard)
		fail_msg("CKA_%s of %s changed to %s", p11_flag_name(f),
			 v->what, want ? "true" : "false");
	nss_note(v, "CKA_%s set to %s", p11_flag_name(f),
		 want ? "true" : "false");
	if (f != P11F_MODIFIABLE && f != P11F_COPYABLE && f != P11F_PRIVATE)
		v->mutable_seen = true;
	nss_flip_chain(e, v, f);
	assert_int_equal(p11attack_set_bool(&e->tok, v->h, t, now), CKR_OK);
}

static void test_flip_attributes(void **state)
{
	struct env *e = env_of(state);
	struct p11test_token *a = &e->tok;
	CK_MECHANISM_TYPE cbc = CKM_AES_CBC;
	CK_ATTRIBUTE mechs = { CKA_ALLOWED_MECHANISMS, &cbc, sizeof(cbc) };

	for (size_t i = 0; i < e->nv; i++) {
		CK_ATTRIBUTE label = { CKA_LABEL, p11_unconst("renamed"), 7 };
		struct victim *v = &e->v[i];
		struct p11_obj_info before, after;
		CK_RV rv;

		read_info(e, v->h, &before);
		for (size_t k = 0; k < sizeof(flips) / sizeof(flips[0]); k++)
			flip_one(e, v, &before, flips[k]);
		rv = a->fn->C_SetAttributeValue(a->sh, v->h, &mechs, 1);
		if (!e->nss)
			assert_true(p11attack_refused(rv));
		else if (rv == CKR_OK)
			nss_note(v, "CKA_ALLOWED_MECHANISMS set to {AES-CBC}");
		rv = a->fn->C_SetAttributeValue(a->sh, v->h, &label, 1);
		if (!e->nss)
			assert_true(p11attack_refused(rv));
		label.pValue = before.label;
		label.ulValueLen = strlen(before.label);
		if (rv == CKR_OK)
			a->fn->C_SetAttributeValue(a->sh, v->h, &label, 1);
		read_info(e, v->h, &after);
		assert_memory_equal(before.flag, after.flag,
				    sizeof(before.flag));
		assert_string_equal(before.label, after.label);
	}
}

struct weaker {
	CK_ATTRIBUTE_TYPE t;
	bool v;
};

/* One C_CopyObject of v with one weaker attribute: false when refused.
 * A copy the attacker could read or wrap would be the key itself. */
static bool copy_one(struct env *e, const struct victim *v,
		     const struct weaker *w, CK_OBJECT_HANDLE kek,
		     size_t *in_place)
{
	CK_ATTRIBUTE weak = { w->t, p11_unconst(w->v ? &yes : &no), 1 };
	struct p11test_token *a = &e->tok;
	CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
	uint8_t out[256];
	CK_ULONG n = sizeof(out);
	CK_RV rv = a->fn->C_CopyObject(a->sh, v->h, &weak, 1, &copy);

	if (rv != CKR_OK && !e->nss && !p11attack_refused(rv))
		fail_msg("copy of %s: %s", v->what, p11_ckr_name(rv));
	if (rv != CKR_OK)
		return false;
	if (!e->nss)
		fail_msg("%s copied with attribute 0x%lx=%d", v->what,
			 (unsigned long)w->t, w->v);
	/* NSS merges token keys that share a CKA_ID: the "copy" is the key
	 * itself, changed in place. */
	*in_place += copy == v->h;
	if (!token_exposes(e, v)) {
		assert_int_not_equal(p11attack_read_value(a, copy), CKR_OK);
		assert_int_not_equal(p11attack_wrap(a, CKM_AES_KEY_WRAP, kek,
						    copy, out, &n), CKR_OK);
	}
	if (copy != v->h)
		destroy(e, copy);
	return true;
}

/* Copies with weaker attributes than the original (none at all on
 * SoftHSM: the keys are CKA_COPYABLE=false). */
static void test_copy_weaker(void **state)
{
	static const struct weaker weaker[] = {
		{ CKA_TOKEN, false },	   { CKA_SENSITIVE, false },
		{ CKA_EXTRACTABLE, true }, { CKA_WRAP_WITH_TRUSTED, false },
		{ CKA_DECRYPT, true },	   { CKA_WRAP, true },
		{ CKA_MODIFIABLE, true },
	};
	const size_t nw = sizeof(weaker) / sizeof(weaker[0]);
	struct env *e = env_of(state);
	struct p11test_token *a = &e->tok;
	CK_OBJECT_HANDLE kek = attacker_kek(e);

	for (size_t i = 0; i < e->nv; i++) {
		const struct victim *v = &e->v[i];
		size_t made = 0, in_place = 0;

		for (size_t k = 0; k < nw; k++)
			made += copy_one(e, v, &weaker[k], kek, &in_place);
		if (made)
			nss_note(v, "%zu of %zu weaker copies made, %zu of "
				 "them changed the key itself; CKA_VALUE now "
				 "%s", made, nw, in_place,
				 p11attack_read_value(a, v->h) == CKR_OK ?
					 "readable" : "still refused");
	}
	destroy(e, kek);
}

/* The audit key MACs and does nothing else. */
static void audit_key_roles(struct env *e, const struct victim *v)
{
	CK_MECHANISM hmac = { CKM_SHA256_HMAC, NULL, 0 };
	struct p11test_token *a = &e->tok;
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 };
	uint8_t mac[32];
	CK_ULONG n = sizeof(mac);

	assert_int_equal(a->fn->C_SignInit(a->sh, &hmac, v->h), CKR_OK);
	assert_int_equal(a->fn->C_Sign(a->sh, mac, 16, mac, &n), CKR_OK);
	assert_int_not_equal(p11attack_use(a, v->h, &ecb, false), CKR_OK);
	assert_int_not_equal(p11attack_use(a, v->h, &ecb, true), CKR_OK);
}

/* One key with its own mode (own) and three others: it still works, it
 * decrypts only if it is a DEK's data half, and no other mode runs. */
static void key_roles(struct env *e, const struct victim *v,
		      CK_MECHANISM *own, CK_MECHANISM *const *others)
{
	struct p11test_token *a = &e->tok;
	size_t ran = 0;
	CK_RV rv;

	assert_int_equal(p11attack_use(a, v->h, own, false), CKR_OK);
	rv = p11attack_use(a, v->h, own, true);
	if (v->profile == P11P_DEK_DATA)
		assert_int_equal(rv, CKR_OK);
	else if (rv == CKR_OK || !e->nss)
		assert_int_equal(rv, CKR_KEY_FUNCTION_NOT_PERMITTED);
	for (size_t m = 0; m < 3; m++) {
		rv = p11attack_use(a, v->h, others[m], false);
		if (!e->nss)
			assert_int_equal(rv, CKR_MECHANISM_INVALID);
		ran += rv == CKR_OK;
	}
	if (ran)
		nss_note(v, "encrypted with %zu of 3 modes outside its one "
			 "allowed mechanism", ran);
}

/* The tweak half never decrypts, the root key never decrypts or uses a
 * mode other than GCM, DEK halves only ECB. */
static void test_roles_and_mechanisms(void **state)
{
	uint8_t gcm_iv[12] = { 0 };
	CK_GCM_PARAMS gp = { gcm_iv, 12, 96, NULL, 0, 128 };
	CK_AES_CTR_PARAMS cp = { 128, { 0 } };
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 };
	CK_MECHANISM cbc = { CKM_AES_CBC, p11_unconst(p11attack_iv), 16 };
	CK_MECHANISM gcm = { CKM_AES_GCM, &gp, sizeof(gp) };
	CK_MECHANISM ctr = { CKM_AES_CTR, &cp, sizeof(cp) };
	CK_MECHANISM *const not_dek[] = { &cbc, &gcm, &ctr };
	CK_MECHANISM *const not_root[] = { &cbc, &ecb, &ctr };
	struct env *e = env_of(state);

	for (size_t i = 0; i < e->nv; i++) {
		const struct victim *v = &e->v[i];

		if (v->profile == P11P_AUDIT)
			audit_key_roles(e, v);
		else if (v->profile == P11P_ROOT ||
			 v->profile == P11P_ROOT_LOCKED)
			key_roles(e, v, &gcm, not_root);
		else
			key_roles(e, v, &ecb, not_dek);
	}
}


static void expect_secret(CK_RV rv, const uint8_t *got, CK_ULONG n,
			 const char *attack)
{
	if (rv != CKR_OK)
		fail_msg("%s failed against a tool-made key: %s", attack,
			 p11_ckr_name(rv));
	assert_true(n >= 32);
	assert_memory_equal(got, p11attack_user_value, 32);
}

/* The same attacks against keys made with the token's defaults: they
 * work, so the refusals above are p11seal's doing. */
static void test_attacks_work_on_tool_keys(void **state)
{
	struct env *e = env_of(state);
	struct p11test_token *a = &e->tok;
	struct p11_obj_info d;
	uint8_t out[256];
	CK_ULONG n = sizeof(out);
	CK_RV rv;

	e->tool = p11attack_tool_default_key(a);
	e->user = p11attack_user_key(a);
	e->kek128 = p11attack_kek128(a);
	assert_int_not_equal(e->tool, CK_INVALID_HANDLE);
	assert_int_not_equal(e->user, CK_INVALID_HANDLE);
	assert_int_not_equal(e->kek128, CK_INVALID_HANDLE);
	read_info(e, e->tool, &d);
	print_message("# %s defaults: wrap=%d decrypt=%d unwrap=%d "
		      "encrypt=%d sensitive=%d modifiable=%d\n",
		      e->nss ? "NSS" : "SoftHSM", d.flag[P11F_WRAP],
		      d.flag[P11F_DECRYPT], d.flag[P11F_UNWRAP],
		      d.flag[P11F_ENCRYPT], d.flag[P11F_SENSITIVE],
		      d.flag[P11F_MODIFIABLE]);
	assert_true(d.flag[P11F_WRAP] && d.flag[P11F_DECRYPT]);
	rv = p11attack_read_value(a, e->user);
	assert_int_equal(rv, CKR_ATTRIBUTE_SENSITIVE);
	rv = p11attack_wrap_then_decrypt(a, e->tool, e->user, out, &n);
	expect_secret(rv, out, n, "wrap-then-decrypt");
	n = sizeof(out);
	rv = p11attack_reimport(a, e->tool, e->user, out, &n);
	expect_secret(rv, out, n, "re-import");
	rv = p11attack_set_bool(a, e->tool, CKA_DECRYPT, false);
	assert_int_equal(rv, CKR_OK);
	rv = p11attack_set_bool(a, e->tool, CKA_DECRYPT, true);
	assert_int_equal(rv, CKR_OK);
	n = sizeof(out);
	rv = p11attack_wrap(a, CKM_AES_KEY_WRAP, e->kek128, e->user, out, &n);
	assert_int_equal(rv, CKR_OK);
}

static bool found(const struct p11_finding *f, size_t nf,
		  const struct p11_policy_key *keys, CK_OBJECT_HANDLE h,
		  enum p11_attack a)
{
	for (size_t i = 0; i < nf; i++)
		if (keys[f[i].key].info.handle == h && f[i].attack == a)
			return true;
	return false;
}

static const struct victim *victim_of(const struct env *e, CK_OBJECT_HANDLE h)
{
	for (size_t i = 0; i < e->nv; i++)
		if (e->v[i].h == h)
			return &e->v[i];
	return NULL;
}

/* May the audit flag victim v with attack a? Only for what the token
 * itself lets through, as measured above. */
static bool excused(const struct env *e, const struct victim *v,
		    enum p11_attack a)
{
	return (a == P11A_MUTABLE && v->mutable_seen) ||
	       (a == P11A_EXTRACTABLE && token_exposes(e, v)) ||
	       (a == P11A_ROOT_EXTRACTABLE && v->profile == P11P_ROOT);
}

/* `token audit` flags the tool-made keys and none of p11seal's, except
 * where the token does not keep its promises (measured above), and the
 * exportable root profile: an import ceremony's material, which is never
 * to stay in a token (flagged by design). */
static void test_audit(void **state)
{
	struct env *e = env_of(state);
	struct p11_policy_key *keys = NULL;
	struct p11_policy_token tok;
	struct p11_finding *f = NULL;
	size_t n = 0, nf = 0;

	need(p11_policy_scan(e->s, &keys, &n, &tok), "p11_policy_scan");
	need(p11_policy_check(keys, n, &tok, &f, &nf), "p11_policy_check");
	for (size_t i = 0; i < nf; i++) {
		CK_OBJECT_HANDLE h = keys[f[i].key].info.handle;
		const struct victim *v = victim_of(e, h);

		if (v && !excused(e, v, f[i].attack))
			fail_msg("audit flags %s: %s: %s", v->what,
				 p11_policy_attack_name(f[i].attack), f[i].why);
	}
	for (size_t i = 0; i < e->nv; i++) {
		assert_int_equal(found(f, nf, keys, e->v[i].h, P11A_MUTABLE),
				 e->v[i].mutable_seen);
		assert_int_equal(found(f, nf, keys, e->v[i].h,
				       P11A_EXTRACTABLE),
				 token_exposes(e, &e->v[i]));
		/* NSS keeps no CKA_ALLOWED_MECHANISMS: no key looks like a
		 * root there (every secret key is flagged anyway) */
		if (!e->nss)
			assert_int_equal(found(f, nf, keys, e->v[i].h,
					       P11A_ROOT_EXTRACTABLE),
					 e->v[i].profile == P11P_ROOT);
	}
	assert_true(found(f, nf, keys, e->tool, P11A_WRAP_DECRYPT));
	assert_true(found(f, nf, keys, e->tool, P11A_REIMPORT));
	assert_true(found(f, nf, keys, e->user, P11A_EXTRACTABLE));
	assert_true(found(f, nf, keys, e->kek128, P11A_WEAK_WRAPPER));
	assert_false(found(f, nf, keys, e->kek128, P11A_WRAP_DECRYPT));
	free(f);
	free(keys);
}

#define ATTACK_TESTS                                                   \
	cmocka_unit_test(test_value_unreadable),                       \
	cmocka_unit_test(test_wrap_under_attacker_key),                \
	cmocka_unit_test(test_victims_are_no_tools),                   \
	cmocka_unit_test(test_flip_attributes),                        \
	cmocka_unit_test(test_roles_and_mechanisms),                   \
	cmocka_unit_test(test_attacks_work_on_tool_keys),              \
	cmocka_unit_test(test_audit),                                  \
	/* last: on NSS a copy may change the key itself */            \
	cmocka_unit_test(test_copy_weaker)

int main(void)
{
	const struct CMUnitTest tests[] = { ATTACK_TESTS };
	int failed;

	failed = cmocka_run_group_tests_name("attacks on SoftHSM", tests,
					     softhsm_setup, teardown);
	failed += cmocka_run_group_tests_name("attacks on NSS softoken", tests,
					      nss_setup, teardown);
	return failed;
}
