/* SPDX-License-Identifier: MIT */
/* test_p11_xts.c - the token XTS engine against IEEE 1619 and VHD known
 * answers and against OpenSSL XTS, on a throw-away SoftHSM token; the
 * native CKM_AES_XTS path through the test shim (tests/shim). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "encode.h"
#include "err.h"
#include "p11_int.h"
#include "p11_xts.h"
#include "secmem.h"

/* The Makefile links one object per test program; the token helper is
 * shared with tests/bench, so it is compiled in here. */
#include "p11test_token.c"

#define SECTOR P11_XTS_SECTOR

struct fixture {
	struct p11test_token tok;
	enum p11test_status st;
	bool native; /* token is the shim: keys are CKK_AES_XTS */
};

static struct fixture *fixture_of(void **state)
{
	struct fixture *f = *state;

	if (f->st == P11TEST_SKIP) {
		print_message("# SKIP: %s\n", f->tok.reason);
		skip();
	}
	if (f->st != P11TEST_OK)
		fail_msg("token setup: %s", f->tok.reason);
	return f;
}

static struct fixture fixture;

static int group_setup(void **state, const char *label, const char *module)
{
	assert_int_not_equal(secmem_init(1u << 20), 0);
	fixture.st = p11test_token_open(&fixture.tok, label, module);
	fixture.native = module != NULL;
	*state = &fixture;
	return 0;
}

static int softhsm_setup(void **state)
{
	return group_setup(state, "xts", NULL);
}

/* The shim (tests/shim) adds CKM_AES_XTS to SoftHSM; tests/run.sh says
 * where it was built. */
static int shim_setup(void **state)
{
	const char *shim = getenv("P11SHIM");

	if (shim && access(shim, R_OK) == 0)
		return group_setup(state, "xtsnative", shim);
	memset(&fixture, 0, sizeof(fixture));
	fixture.st = P11TEST_SKIP;
	snprintf(fixture.tok.reason, sizeof(fixture.tok.reason),
		 "test shim not built (P11SHIM unset or missing)");
	*state = &fixture;
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *f = *state;

	p11test_token_close(&f->tok);
	return 0;
}

static void hex(uint8_t *out, size_t len, const char *h)
{
	assert_int_equal(decode_hex(out, len, h), ERR_OK);
}

static void assert_hex(const uint8_t *got, const char *want)
{
	uint8_t w[64];
	size_t n = strlen(want) / 2;

	hex(w, n, want);
	assert_memory_equal(got, w, n);
}

static void assert_sha256(const uint8_t *p, size_t len, const char *want)
{
	uint8_t md[32];
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(p, len, md, &n, EVP_sha256(), NULL), 1);
	assert_hex(md, want);
}

/* Token keys for an XTS key of len bytes: two ECB halves, or (shim) one
 * native CKK_AES_XTS key with tweak = CK_INVALID_HANDLE. */
static void make_key(struct fixture *f, const uint8_t *key, size_t len,
		     CK_OBJECT_HANDLE *data, CK_OBJECT_HANDLE *tweak)
{
	if (f->native) {
		*tweak = CK_INVALID_HANDLE;
		*data = p11test_aes_key(&f->tok, key, len, P11TEST_XTS, false);
		if (*data == CK_INVALID_HANDLE)
			fail_msg("%s", f->tok.reason);
		return;
	}
	if (!p11test_xts_halves(&f->tok, key, len, false, data, tweak))
		fail_msg("%s", f->tok.reason);
}

static struct p11_xts *engine(struct fixture *f, const uint8_t *key,
			      size_t len, size_t chunk)
{
	CK_OBJECT_HANDLE data, tweak;
	struct p11_xts *x = NULL;

	make_key(f, key, len, &data, &tweak);
	if (p11_xts_new(&x, f->tok.fn, f->tok.sh, data, tweak, chunk) !=
	    ERR_OK)
		fail_msg("p11_xts_new: %s", err_detail());
	return x;
}

static void xts_ok(enum err r)
{
	if (r != ERR_OK)
		fail_msg("%s: %s", err_str(r), err_detail());
}

/* OpenSSL reference: per-sector XTS, IV = LE64(sector) || 0^8. */
static void ref_xts(const uint8_t *key, size_t keylen, uint8_t *buf,
		    size_t len, uint64_t first, int enc)
{
	const EVP_CIPHER *c = keylen == 32 ? EVP_aes_128_xts()
					   : EVP_aes_256_xts();
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t iv[16] = { 0 };
	int n;

	assert_non_null(ctx);
	assert_int_equal(EVP_CipherInit_ex(ctx, c, NULL, key, NULL, enc), 1);
	for (size_t off = 0; off < len; off += SECTOR) {
		uint64_t s = first + off / SECTOR;

		for (int i = 0; i < 8; i++)
			iv[i] = (uint8_t)(s >> (8 * i));
		assert_int_equal(EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv,
						   -1), 1);
		assert_int_equal(EVP_CipherUpdate(ctx, buf + off, &n,
						  buf + off, SECTOR), 1);
		assert_int_equal(n, SECTOR);
	}
	EVP_CIPHER_CTX_free(ctx);
}

static void random_key(uint8_t *key, size_t len)
{
	do
		assert_int_equal(RAND_bytes(key, (int)len), 1);
	while (memcmp(key, key + len / 2, len / 2) == 0);
}

/* IEEE 1619 Annex B, 512-byte data units (docs/robustness.md §6). */
static void ieee_pt(uint8_t *pt)
{
	for (int i = 0; i < SECTOR; i++)
		pt[i] = (uint8_t)i;
}

static void test_ieee_v4_v5(void **state)
{
	struct fixture *f = fixture_of(state);
	uint8_t key[32], buf[SECTOR], pt[SECTOR];
	struct p11_xts *x;

	hex(key, 32, "27182818284590452353602874713526"
		     "31415926535897932384626433832795");
	x = engine(f, key, sizeof(key), 0);
	ieee_pt(pt);
	memcpy(buf, pt, SECTOR);
	xts_ok(p11_xts_encrypt(x, buf, SECTOR, 0));
	assert_hex(buf, "27a7479befa1d476489f308cd4cfa6e2");
	assert_hex(buf + 496, "0a282df920147beabe421ee5319d0568");
	assert_sha256(buf, SECTOR, "ebee4d64dd2395bb2d6a2d37a0a48ecb"
				   "2bf4913cfc99d27c2214f2f4144715ea");
	xts_ok(p11_xts_encrypt(x, buf, SECTOR, 1)); /* V5: pt = ct of V4 */
	assert_hex(buf, "264d3ca8512194fec312c8c9891f279f");
	assert_hex(buf + 496, "fd2a89ccb45e001a03a867b187f225dd");
	assert_sha256(buf, SECTOR, "bed1b9d9bf8ce83a2ae1981fbd5f2b0c"
				   "40e21bba5d57df2ea16ecd0975f25215");
	xts_ok(p11_xts_decrypt(x, buf, SECTOR, 1));
	xts_ok(p11_xts_decrypt(x, buf, SECTOR, 0));
	assert_memory_equal(buf, pt, SECTOR);
	p11_xts_free(x);
}

static void test_ieee_v10(void **state)
{
	struct fixture *f = fixture_of(state);
	uint8_t key[64], buf[SECTOR];
	struct p11_xts *x;

	hex(key, 64, "2718281828459045235360287471352662497757247093699959574966967627"
		     "3141592653589793238462643383279502884197169399375105820974944592");
	x = engine(f, key, sizeof(key), 0);
	ieee_pt(buf);
	xts_ok(p11_xts_encrypt(x, buf, SECTOR, 0xff));
	assert_hex(buf, "1c3b3a102f770386e4836c99e370cf9b");
	assert_hex(buf + 496, "c4f36ffda9fcea70b9c6e693e148c151");
	assert_sha256(buf, SECTOR, "e97e974fa393af794f7a4684395814cf"
				   "820de60a01eaec677d87b452e316b364");
	p11_xts_free(x);
}

/* vhd-util known answers (docs/vhd-encryption.md §4): IBM docs example key. */
static const char ibm_key_b64[] =
	"Nrfen98EpMxF2B+wdgLfagzrqvgUZfMK4vL2T0NsT20ihrsNC9pUUHtizF6218pze8RL"
	"CgQ6kwxuE58IWLzgDA==";

/* Sectors 0 and 1 of zeros in one call, then 1000 and the patterned
 * 4103 (block 1, sector 7: byte i = 7i+3) alone. */
static void check_vhd_key(struct fixture *f, const uint8_t *key, size_t len,
			  const char *lba0, const char *lba1,
			  const char *lba1000, const char *lba4103)
{
	uint8_t buf[2 * SECTOR] = { 0 };
	struct p11_xts *x = engine(f, key, len, 0);

	xts_ok(p11_xts_encrypt(x, buf, sizeof(buf), 0));
	assert_hex(buf, lba0);
	if (lba1)
		assert_hex(buf + SECTOR, lba1);
	if (lba1000) {
		memset(buf, 0, SECTOR);
		xts_ok(p11_xts_encrypt(x, buf, SECTOR, 1000));
		assert_hex(buf, lba1000);
	}
	for (int i = 0; i < SECTOR; i++)
		buf[i] = (uint8_t)(7 * i + 3);
	xts_ok(p11_xts_encrypt(x, buf, SECTOR, 4103));
	assert_hex(buf, lba4103);
	p11_xts_free(x);
}

static void test_vhd_vectors(void **state)
{
	struct fixture *f = fixture_of(state);
	uint8_t ibm[64], k32[32];
	size_t n;

	assert_int_equal(decode_base64(ibm, sizeof(ibm), &n, ibm_key_b64,
				       strlen(ibm_key_b64)), ERR_OK);
	assert_int_equal(n, 64);
	check_vhd_key(f, ibm, 64, "38a19041ef786655c6e2c623f696fc9a",
		      "bd96b92d4d44b99af7f15ebba716704c",
		      "772623c5a1289510c7087b26cb739b11",
		      "3fc7a7b990ab7fd2f2a4c5a4d31b2fda");
	for (int i = 0; i < 32; i++)
		k32[i] = (uint8_t)i;
	check_vhd_key(f, k32, 32, "f071a2b402c105ea37024133e24d6ef6", NULL,
		      NULL, "3a4757ee84e866f886a046fdeeb801c0");
}

#define DIFF_SECTORS 301

struct diff_case {
	size_t chunk;  /* 0 = default */
	size_t per_op; /* 0 = default */
	uint64_t first;
};

static const struct diff_case diff_cases[] = {
	{ 512, 1, 0 },
	{ 4096, 1, 7 },
	{ 1536, 1, 100 }, /* 3 sectors: 301 % 3 != 0 */
	{ 3584, 3, 0xffffffffu - 20 }, /* crosses 2^32 */
	{ 0, 0, 0xffffffffu }, /* default geometry: streamed */
	{ 8192, 2, UINT64_MAX - (DIFF_SECTORS - 1) }, /* last: 2^64-1 */
	{ 2048, 5, 12345 },
	{ 65536, 1, 4096 },
	{ 5120, 4, 1 }, /* window of 40 sectors, 301 % 40 != 0 */
};

static void diff_one(struct fixture *f, size_t keylen,
		     const struct diff_case *c)
{
	static uint8_t pt[DIFF_SECTORS * SECTOR], got[sizeof(pt)],
		want[sizeof(pt)];
	uint8_t key[64];
	struct p11_xts *x;

	random_key(key, keylen);
	assert_int_equal(RAND_bytes(pt, sizeof(pt)), 1);
	x = engine(f, key, keylen, c->chunk);
	if (c->per_op)
		xts_ok(p11_xts_set_stream(x, c->per_op));
	memcpy(got, pt, sizeof(pt));
	memcpy(want, pt, sizeof(pt));
	xts_ok(p11_xts_encrypt(x, got, sizeof(got), c->first));
	ref_xts(key, keylen, want, sizeof(want), c->first, 1);
	assert_memory_equal(got, want, sizeof(got));
	xts_ok(p11_xts_decrypt(x, got, sizeof(got), c->first));
	assert_memory_equal(got, pt, sizeof(got));
	p11_xts_free(x);
}

static void test_differential(void **state)
{
	struct fixture *f = fixture_of(state);

	for (size_t i = 0; i < sizeof(diff_cases) / sizeof(diff_cases[0]);
	     i++) {
		diff_one(f, 32, &diff_cases[i]);
		diff_one(f, 64, &diff_cases[i]);
	}
}

static void test_usage_errors(void **state)
{
	struct fixture *f = fixture_of(state);
	uint8_t key[64], buf[2 * SECTOR] = { 0 };
	CK_OBJECT_HANDLE data, tweak;
	struct p11_xts *x = NULL;

	random_key(key, sizeof(key));
	make_key(f, key, sizeof(key), &data, &tweak);
	assert_int_equal(p11_xts_new(&x, f->tok.fn, f->tok.sh, data, tweak,
				     1000), ERR_USAGE);
	assert_null(x);
	assert_int_equal(p11_xts_new(&x, f->tok.fn, f->tok.sh, data, data,
				     0), ERR_USAGE);
	assert_int_equal(p11_xts_new(&x, f->tok.fn, f->tok.sh,
				     CK_INVALID_HANDLE, tweak, 0), ERR_USAGE);
	xts_ok(p11_xts_new(&x, f->tok.fn, f->tok.sh, data, tweak, 0));
	assert_int_equal(p11_xts_encrypt(x, buf, 100, 0), ERR_USAGE);
	assert_int_equal(p11_xts_encrypt(x, buf, 513, 0), ERR_USAGE);
	assert_int_equal(p11_xts_decrypt(x, buf, 1000, 0), ERR_USAGE);
	assert_int_equal(p11_xts_encrypt(x, buf, 2 * SECTOR, UINT64_MAX),
			 ERR_USAGE);
	assert_int_equal(p11_xts_encrypt(x, NULL, SECTOR, 0), ERR_USAGE);
	assert_int_equal(p11_xts_set_stream(x, 0), ERR_USAGE);
	assert_int_equal(p11_xts_set_stream(x, 1000), ERR_USAGE);
	assert_int_equal(p11_xts_set_piece(x, 0), ERR_USAGE);
	assert_int_equal(p11_xts_set_piece(x, 1000), ERR_USAGE);
	assert_int_equal(p11_xts_set_piece(x, 8u << 20), ERR_USAGE);
	xts_ok(p11_xts_encrypt(x, buf, 0, 0));
	xts_ok(p11_xts_encrypt(x, buf, SECTOR, UINT64_MAX));
	p11_xts_free(x);
	p11_xts_free(NULL);
}

/* The secure heap holds the T0 buffer while the engine lives, and gets
 * all of it back on free. */
static void test_secmem_released(void **state)
{
	struct fixture *f = fixture_of(state);
	uint8_t key[64], buf[8 * SECTOR] = { 0 };
	size_t before = secmem_used();
	struct p11_xts *x;

	random_key(key, sizeof(key));
	x = engine(f, key, sizeof(key), 4096);
	if (!f->native)
		assert_true(secmem_used() > before);
	xts_ok(p11_xts_encrypt(x, buf, sizeof(buf), 3));
	xts_ok(p11_xts_set_stream(x, 7));
	xts_ok(p11_xts_decrypt(x, buf, sizeof(buf), 3));
	p11_xts_free(x);
	assert_int_equal(secmem_used(), before);
}

static bool detail_has(const char *what)
{
	if (strstr(err_detail(), what))
		return true;
	print_message("# detail: %s\n", err_detail());
	return false;
}

/* A two-key engine on the shim's token (whose fault and lag hooks work
 * on any key) for a fresh random key of len bytes. */
static struct p11_xts *shim_engine(struct fixture *f, uint8_t *key,
				   size_t len, size_t chunk)
{
	CK_OBJECT_HANDLE data, tweak;
	struct p11_xts *x = NULL;

	random_key(key, len);
	if (!p11test_xts_halves(&f->tok, key, len, false, &data, &tweak))
		fail_msg("%s", f->tok.reason);
	xts_ok(p11_xts_new(&x, f->tok.fn, f->tok.sh, data, tweak, chunk));
	return x;
}

/* A failed call names the call and the key, and leaves no operation
 * active: the same session works right after. */
static void test_token_errors(void **state)
{
	struct fixture *f = fixture_of(state);
	uint8_t key[64], buf[4 * SECTOR] = { 0 }, want[sizeof(buf)] = { 0 };
	CK_OBJECT_HANDLE data, tweak, bogus = 0x7ffffff0;
	struct p11_xts *x = NULL;

	random_key(key, sizeof(key));
	make_key(f, key, sizeof(key), &data, &tweak);
	if (!f->native) {
		/* data key = the encrypt-only tweak half: no C_DecryptInit */
		xts_ok(p11_xts_new(&x, f->tok.fn, f->tok.sh, tweak, data, 0));
		assert_int_equal(p11_xts_decrypt(x, buf, sizeof(buf), 0),
				 ERR_POLICY);
		assert_true(detail_has("C_DecryptInit (ECB, data key)"));
		p11_xts_free(x);
		x = NULL;
	}
	xts_ok(p11_xts_new(&x, f->tok.fn, f->tok.sh, f->native ? bogus : data,
			   f->native ? CK_INVALID_HANDLE : bogus, 0));
	assert_int_equal(p11_xts_encrypt(x, buf, sizeof(buf), 0),
			 ERR_NOT_FOUND);
	assert_true(detail_has(f->native ? "C_EncryptInit (XTS, XTS key)"
					 : "C_EncryptInit (ECB, tweak key)"));
	p11_xts_free(x);
	x = NULL;
	xts_ok(p11_xts_new(&x, f->tok.fn, f->tok.sh, data, tweak, 0));
	memset(buf, 0, sizeof(buf));
	xts_ok(p11_xts_encrypt(x, buf, sizeof(buf), 9));
	ref_xts(key, sizeof(key), want, sizeof(want), 9, 1);
	assert_memory_equal(buf, want, sizeof(buf));
	p11_xts_free(x);
}

/* A token failure in the middle of a streamed window (injected by the
 * shim: SoftHSM never fails there) is reported with the call's name and
 * ends the operation, so the next call on the session works. */
static void test_fault_mid_stream(void **state)
{
	struct fixture *f = fixture_of(state);
	uint8_t key[64], buf[16 * SECTOR], want[sizeof(buf)];
	void (*fail_update)(unsigned long);
	struct p11_xts *x;

	*(void **)&fail_update = dlsym(f->tok.dl, "p11shim_fail_update");
	assert_non_null(fail_update);
	x = shim_engine(f, key, sizeof(key), 2048);
	fail_update(3); /* the third of four C_EncryptUpdate calls */
	assert_int_equal(p11_xts_encrypt(x, buf, sizeof(buf), 0), ERR_HSM);
	assert_true(detail_has("C_EncryptUpdate (ECB, data key)"));
	/* decryption is one C_Decrypt per piece, never streamed (SoftHSM
	 * copies every C_DecryptUpdate into a growing buffer): no update */
	fail_update(1);
	xts_ok(p11_xts_decrypt(x, buf, sizeof(buf), 0));
	fail_update(0);
	assert_int_equal(RAND_bytes(buf, sizeof(buf)), 1);
	memcpy(want, buf, sizeof(buf));
	xts_ok(p11_xts_encrypt(x, buf, sizeof(buf), 77));
	ref_xts(key, sizeof(key), want, sizeof(want), 77, 1);
	assert_memory_equal(buf, want, sizeof(buf));
	p11_xts_free(x);
}

/* A token that holds output back across updates (the shim keeps the last
 * block of every C_EncryptUpdate until the next call or the final one):
 * the second XOR pass must follow what was produced, not what was fed. */
static void test_lagging_token(void **state)
{
	struct fixture *f = fixture_of(state);
	static uint8_t buf[37 * SECTOR], pt[sizeof(buf)], want[sizeof(buf)];
	void (*lag_updates)(int);
	struct p11_xts *x;
	uint8_t key[32];

	*(void **)&lag_updates = dlsym(f->tok.dl, "p11shim_lag_updates");
	assert_non_null(lag_updates);
	x = shim_engine(f, key, sizeof(key), 3 * SECTOR);
	assert_int_equal(RAND_bytes(pt, sizeof(pt)), 1);
	memcpy(buf, pt, sizeof(pt));
	memcpy(want, pt, sizeof(pt));
	lag_updates(1);
	xts_ok(p11_xts_encrypt(x, buf, sizeof(buf), 4000));
	ref_xts(key, sizeof(key), want, sizeof(want), 4000, 1);
	assert_memory_equal(buf, want, sizeof(buf));
	xts_ok(p11_xts_decrypt(x, buf, sizeof(buf), 4000));
	lag_updates(0);
	assert_memory_equal(buf, pt, sizeof(buf));
	p11_xts_free(x);
}

/* A second session of the test token, for the tweak key's live
 * operation. */
static CK_SESSION_HANDLE second_session(struct fixture *f)
{
	CK_SESSION_INFO info;
	CK_SESSION_HANDLE h = CK_INVALID_HANDLE;

	assert_int_equal(f->tok.fn->C_GetSessionInfo(f->tok.sh, &info), CKR_OK);
	assert_int_equal(f->tok.fn->C_OpenSession(info.slotID,
						  CKF_SERIAL_SESSION |
							  CKF_RW_SESSION,
						  NULL, NULL, &h),
			 CKR_OK);
	return h;
}

/* Live operations: several calls on one engine (not contiguous, so the
 * open operations must not carry state from one call to the next), then
 * a decryption (which ends the live encryption on the engine's session)
 * and encryption again; every result equal to OpenSSL's. */
static void live_one(struct fixture *f, CK_SESSION_HANDLE ts, size_t keylen,
		     const struct diff_case *c)
{
	static uint8_t pt[DIFF_SECTORS * SECTOR], got[sizeof(pt)],
		want[sizeof(pt)];
	const uint64_t firsts[3] = { c->first, 5, c->first / 2 };
	uint8_t key[64];
	struct p11_xts *x;

	random_key(key, keylen);
	x = engine(f, key, keylen, c->chunk);
	if (c->per_op)
		xts_ok(p11_xts_set_stream(x, c->per_op));
	xts_ok(p11_xts_set_live(x, ts));
	/* decryption in pieces of 3 sectors: 301 % 3 != 0 */
	xts_ok(p11_xts_set_piece(x, 3 * SECTOR));
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 3; i++) {
			assert_int_equal(RAND_bytes(pt, sizeof(pt)), 1);
			memcpy(got, pt, sizeof(pt));
			memcpy(want, pt, sizeof(pt));
			xts_ok(p11_xts_encrypt(x, got, sizeof(got), firsts[i]));
			ref_xts(key, keylen, want, sizeof(want), firsts[i], 1);
			assert_memory_equal(got, want, sizeof(got));
			if (round == 1 || i == 2) {
				xts_ok(p11_xts_decrypt(x, got, sizeof(got),
						       firsts[i]));
				assert_memory_equal(got, pt, sizeof(got));
			}
		}
	p11_xts_free(x);
}

static void test_live(void **state)
{
	struct fixture *f = fixture_of(state);
	CK_SESSION_HANDLE ts = second_session(f);
	uint8_t key[64];
	struct p11_xts *x;

	for (size_t i = 0; i < sizeof(diff_cases) / sizeof(diff_cases[0]);
	     i++) {
		live_one(f, ts, 32, &diff_cases[i]);
		live_one(f, ts, 64, &diff_cases[i]);
	}
	/* engines freed: no operation left on either session */
	random_key(key, sizeof(key));
	x = engine(f, key, sizeof(key), 0);
	assert_int_equal(p11_xts_set_live(x, CK_INVALID_HANDLE), ERR_USAGE);
	assert_int_equal(p11_xts_set_live(x, f->tok.sh), ERR_USAGE);
	xts_ok(p11_xts_set_live(x, ts));
	p11_xts_free(x);
	assert_int_equal(f->tok.fn->C_CloseSession(ts), CKR_OK);
}

/* A failure in the middle of a live operation ends it (the next call
 * opens a new one); a token that holds output back takes its final call
 * and the engine goes on with one operation per window, correctly. */
static void test_live_faults(void **state)
{
	struct fixture *f = fixture_of(state);
	static uint8_t buf[37 * SECTOR], pt[sizeof(buf)], want[sizeof(buf)];
	CK_SESSION_HANDLE ts = second_session(f);
	void (*fail_update)(unsigned long);
	void (*lag_updates)(int);
	struct p11_xts *x;
	uint8_t key[64];

	*(void **)&fail_update = dlsym(f->tok.dl, "p11shim_fail_update");
	*(void **)&lag_updates = dlsym(f->tok.dl, "p11shim_lag_updates");
	assert_non_null(fail_update);
	assert_non_null(lag_updates);
	x = shim_engine(f, key, sizeof(key), 2048);
	xts_ok(p11_xts_set_live(x, ts));
	xts_ok(p11_xts_encrypt(x, buf, 8 * SECTOR, 0));
	fail_update(2); /* the second update after this: a data call */
	assert_int_equal(p11_xts_encrypt(x, buf, 16 * SECTOR, 0), ERR_HSM);
	assert_true(detail_has("C_EncryptUpdate (ECB, data key)"));
	fail_update(0);
	for (int lag = 1; lag >= 0; lag--) {
		lag_updates(lag);
		for (uint64_t first = 900; first < 903; first++) {
			assert_int_equal(RAND_bytes(pt, sizeof(pt)), 1);
			memcpy(buf, pt, sizeof(pt));
			memcpy(want, pt, sizeof(pt));
			xts_ok(p11_xts_encrypt(x, buf, sizeof(buf), first));
			ref_xts(key, sizeof(key), want, sizeof(want), first, 1);
			assert_memory_equal(buf, want, sizeof(buf));
			xts_ok(p11_xts_decrypt(x, buf, sizeof(buf), first));
			assert_memory_equal(buf, pt, sizeof(buf));
		}
	}
	p11_xts_free(x);
	assert_int_equal(f->tok.fn->C_CloseSession(ts), CKR_OK);
}

#define COMMON_TESTS                                  \
	cmocka_unit_test(test_ieee_v4_v5),            \
	cmocka_unit_test(test_ieee_v10),              \
	cmocka_unit_test(test_vhd_vectors),           \
	cmocka_unit_test(test_differential),          \
	cmocka_unit_test(test_usage_errors),          \
	cmocka_unit_test(test_secmem_released),       \
	cmocka_unit_test(test_token_errors),          \
	cmocka_unit_test(test_live)

int main(void)
{
	const struct CMUnitTest two_key[] = { COMMON_TESTS };
	const struct CMUnitTest native[] = {
		COMMON_TESTS,
		cmocka_unit_test(test_fault_mid_stream),
		cmocka_unit_test(test_lagging_token),
		cmocka_unit_test(test_live_faults),
	};
	int failed;

	failed = cmocka_run_group_tests_name("p11_xts two-key (SoftHSM)",
					     two_key, softhsm_setup,
					     group_teardown);
	failed += cmocka_run_group_tests_name("p11_xts native (shim)", native,
					      shim_setup, group_teardown);
	return failed ? 1 : 0;
}
