/* SPDX-License-Identifier: MIT */
/* test_vhd_pipeline.c - encrypt/decrypt pipelines with an OpenSSL XTS
 * cipher: the sector vectors of docs/vhd-encryption.md §4 read back from
 * our output, the §2 layout of the file, round trips from raw/fixed/
 * dynamic inputs of odd sizes (sparse and full, both key sizes), identical
 * output for every thread count, and the failure paths (wrong key,
 * existing output, cipher error, cancel) leaving no file behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "bytes.h"
#include "encode.h"
#include "vhd_decrypt.h"
#include "vhd_encrypt.h"
#include "vhd_layout.h"
#include "vhd_checksum.h"
#include "vhd_reader.h"
#include "vhd_verify.h"
#include "vhd_writer.h"

#define MIB (1u << 20)
#define BLK (2u << 20)

static char dir[64];
static uint8_t ibm_key[64], seq_key[32];
static const uint8_t hash_a[32] = { 0xa1, 0xa2 }, hash_b[32] = { 0xb1 };
static const struct vhd_identity fixed_id = { { 0x42, 0x43 }, 700000000 };

/* OpenSSL XTS, one sector per call, tweak LE32(LBA) + 12 zeros. */

struct xts_arg {
	const uint8_t *key;
	size_t len;
	int fail_after; /* > 0: the n-th encrypt call fails */
	int calls;
};

struct xts_ctx {
	EVP_CIPHER_CTX *enc, *dec;
	struct xts_arg *arg;
};

static EVP_CIPHER_CTX *keyed(const struct xts_arg *a, int enc)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	const EVP_CIPHER *alg = a->len == 32 ? EVP_aes_128_xts()
					     : EVP_aes_256_xts();

	if (c && !EVP_CipherInit_ex(c, alg, NULL, a->key, NULL, enc)) {
		EVP_CIPHER_CTX_free(c);
		c = NULL;
	}
	return c;
}

static enum err xts_new(void *arg, void **out)
{
	struct xts_ctx *x = calloc(1, sizeof(*x));

	if (!x)
		return ERR_NOMEM;
	x->arg = arg;
	x->enc = keyed(arg, 1);
	x->dec = keyed(arg, 0);
	*out = x;
	return x->enc && x->dec ? ERR_OK : err_set(ERR_CRYPTO, "xts init");
}

static enum err xts_run(EVP_CIPHER_CTX *c, uint8_t *buf, size_t len,
			uint64_t sector)
{
	for (size_t off = 0; off < len; off += 512, sector++) {
		uint8_t iv[16] = { 0 };
		int n;

		put_le32(iv, (uint32_t)sector);
		if (!EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, -1) ||
		    !EVP_CipherUpdate(c, buf + off, &n, buf + off, 512))
			return err_set(ERR_CRYPTO, "xts sector %llu",
				       (unsigned long long)sector);
	}
	return ERR_OK;
}

static enum err xts_encrypt(void *ctx, uint8_t *buf, size_t len,
			    uint64_t sector)
{
	struct xts_ctx *x = ctx;

	if (x->arg->fail_after &&
	    __atomic_add_fetch(&x->arg->calls, 1, __ATOMIC_SEQ_CST) ==
		    x->arg->fail_after)
		return err_set(ERR_HSM, "token went away at sector %llu",
			       (unsigned long long)sector);
	return xts_run(x->enc, buf, len, sector);
}

static enum err xts_decrypt(void *ctx, uint8_t *buf, size_t len,
			    uint64_t sector)
{
	return xts_run(((struct xts_ctx *)ctx)->dec, buf, len, sector);
}

static void xts_free(void *ctx)
{
	struct xts_ctx *x = ctx;

	if (!x)
		return;
	EVP_CIPHER_CTX_free(x->enc);
	EVP_CIPHER_CTX_free(x->dec);
	free(x);
}

static struct xts_arg arg64 = { ibm_key, 64, 0, 0 };
static struct xts_arg arg32 = { seq_key, 32, 0, 0 };

static struct vhd_cipher cipher(struct xts_arg *a)
{
	struct vhd_cipher c = { xts_new, xts_encrypt, xts_decrypt, xts_free,
				a };
	return c;
}

static const char *at(const char *name)
{
	static char paths[4][320];
	static int i;

	i = (i + 1) % 4;
	snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, name);
	return paths[i];
}

static uint8_t pattern(uint64_t v)
{
	return (uint8_t)((v >> 9) * 13 + v * 5 + 7);
}

/* Sparse raw file of size bytes; blocks whose bit is set in mask hold
 * pattern data (the last one clipped to size). */
static void make_raw(const char *path, uint64_t size, uint64_t mask)
{
	uint8_t *buf = malloc(BLK);
	int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	for (uint64_t k = 0; k * BLK < size; k++) {
		uint64_t len = size - k * BLK < BLK ? size - k * BLK : BLK;

		if (k >= 64 || !(mask >> k & 1))
			continue;
		for (uint32_t j = 0; j < len; j++)
			buf[j] = pattern(k * BLK + j);
		assert_int_equal(pwrite(fd, buf, len, (off_t)(k * BLK)),
				 (ssize_t)len);
	}
	close(fd);
	free(buf);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static struct vhd_reader *open_ok(const char *path)
{
	struct vhd_reader *r = NULL;

	if (vhd_reader_open(&r, path) != ERR_OK)
		fail_msg("%s", err_detail());
	return r;
}

static struct vhd_job_opts opts(unsigned threads)
{
	struct vhd_job_opts o = { .threads = threads, .identity = &fixed_id };

	return o;
}

static void encrypt_ok(const char *in, const char *out, struct xts_arg *a,
		       unsigned threads)
{
	struct vhd_cipher c = cipher(a);
	struct vhd_job_opts o = opts(threads);
	struct vhd_reader *r = open_ok(in);

	o.force = true;
	if (vhd_encrypt(r, out, &c, hash_a, &o) != ERR_OK)
		fail_msg("encrypt: %s", err_detail());
	vhd_reader_free(r);
}

static void decrypt_ok(const char *in, const char *out, enum vhd_plain fmt,
		       struct xts_arg *a)
{
	struct vhd_cipher c = cipher(a);
	struct vhd_job_opts o = opts(3);
	struct vhd_reader *r = open_ok(in);

	o.force = true;
	if (vhd_decrypt(r, out, fmt, &c, hash_a, &o) != ERR_OK)
		fail_msg("decrypt: %s", err_detail());
	vhd_reader_free(r);
}

/* The virtual disks of a and b are equal; b may be longer with zeros. */
static void same_disk(const char *a, const char *b)
{
	struct vhd_reader *ra = open_ok(a), *rb = open_ok(b);
	uint8_t *x = malloc(BLK), *y = malloc(BLK);
	bool any;

	assert_true(vhd_reader_blocks(rb) >= vhd_reader_blocks(ra));
	for (uint32_t k = 0; k < vhd_reader_blocks(rb); k++) {
		memset(x, 0, BLK);
		if (k < vhd_reader_blocks(ra))
			assert_int_equal(vhd_reader_read(ra, k, x, NULL, &any),
					 ERR_OK);
		assert_int_equal(vhd_reader_read(rb, k, y, NULL, &any),
				 ERR_OK);
		if (memcmp(x, y, BLK) != 0)
			fail_msg("%s and %s differ in block %u", a, b, k);
	}
	vhd_reader_free(ra);
	vhd_reader_free(rb);
	free(x);
	free(y);
}

static int setup(void **state)
{
	static const char ibm_b64[] =
		"Nrfen98EpMxF2B+wdgLfagzrqvgUZfMK4vL2T0NsT20ihrsNC9pUUHtizF62"
		"18pze8RLCgQ6kwxuE58IWLzgDA==";
	size_t n;

	(void)state;
	if (decode_base64(ibm_key, sizeof(ibm_key), &n, ibm_b64,
			  strlen(ibm_b64)) != ERR_OK || n != 64)
		return -1;
	for (int i = 0; i < 32; i++)
		seq_key[i] = (uint8_t)i;
	snprintf(dir, sizeof(dir), "/tmp/vhdpipe.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	(void)state;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' || strstr(e->d_name, "p11seal-tmp"))
			unlink(at(e->d_name));
	if (d)
		closedir(d);
	return rmdir(dir);
}

/* No temp file may be left in the directory. */
static void no_temp_left(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (strstr(e->d_name, "p11seal-tmp"))
			fail_msg("temp file %s left behind", e->d_name);
	closedir(d);
}

static void expect_hex16(const uint8_t *p, const char *hex)
{
	char got[33];

	encode_hex(got, p, 16);
	assert_string_equal(got, hex);
}

/* docs/vhd-encryption.md §4: zero sectors at LBA 0, 1, 1000 and the
 * (7i+3) pattern at LBA 4103, encrypted in allocated blocks, read back
 * from the file. */
static void check_vectors(struct xts_arg *a, const char *lba0,
			  const char *lba1, const char *lba1000,
			  const char *lba4103)
{
	uint8_t *buf = calloc(1, 2 * BLK);
	struct vhd_reader *r;
	bool any;
	int fd;

	buf[5 * 512] = 1; /* block 0 must be allocated */
	for (int i = 0; i < 512; i++)
		buf[BLK + 7 * 512 + i] = (uint8_t)((7 * i + 3) % 256);
	fd = open(at("vec.raw"), O_CREAT | O_TRUNC | O_WRONLY, 0600);
	assert_int_equal(write(fd, buf, 2 * BLK), 2 * BLK);
	close(fd);
	encrypt_ok(at("vec.raw"), at("vec.vhd"), a, 2);
	r = open_ok(at("vec.vhd"));
	assert_int_equal(vhd_reader_read(r, 0, buf, NULL, &any), ERR_OK);
	expect_hex16(buf, lba0);
	if (lba1)
		expect_hex16(buf + 512, lba1);
	if (lba1000)
		expect_hex16(buf + 1000 * 512, lba1000);
	assert_int_equal(vhd_reader_read(r, 1, buf, NULL, &any), ERR_OK);
	expect_hex16(buf + 7 * 512, lba4103);
	vhd_reader_free(r);
	free(buf);
}

static void test_vectors(void **state)
{
	(void)state;
	check_vectors(&arg64, "38a19041ef786655c6e2c623f696fc9a",
		      "bd96b92d4d44b99af7f15ebba716704c",
		      "772623c5a1289510c7087b26cb739b11",
		      "3fc7a7b990ab7fd2f2a4c5a4d31b2fda");
	check_vectors(&arg32, "f071a2b402c105ea37024133e24d6ef6", NULL, NULL,
		      "3a4757ee84e866f886a046fdeeb801c0");
}

static void check_metadata(const uint8_t *f, size_t len)
{
	static const uint32_t bat[6] = { 0xffffffff, 7, 0xffffffff, 4111,
					 8215, 0xffffffff };

	assert_int_equal(len, (7 + 2 * 4104 + 4097) * 512 + 512);
	assert_memory_equal(f, f + len - 512, 512); /* footer copy */
	assert_memory_equal(f + 28, "tap\0", 4);
	assert_int_equal(get_be32(f + 32), 0x00010003);
	assert_int_equal(get_be32(f + 36), 0);
	assert_int_equal(get_be64(f + 40), 12 * MIB);
	assert_int_equal(get_be32(f + 56), 361u << 16 | 4 << 8 | 17);
	assert_int_equal(get_be32(f + 60), 3);
	assert_int_equal(get_be32(f + 24), 700000000);
	assert_int_equal(f[68], 0x42);
	assert_memory_equal(f + 512, "cxsparse", 8);
	assert_int_equal(get_be64(f + 512 + 16), 1536);
	assert_int_equal(get_be32(f + 512 + 28), 6);
	assert_int_equal(get_be32(f + 512 + 32), BLK);
	for (int i = 0; i < 6; i++)
		assert_int_equal(get_be32(f + 1536 + 4 * i), bat[i]);
	for (int i = 1560; i < 2048; i++)
		assert_int_equal(f[i], 0); /* BAT padded with zeros */
	assert_memory_equal(f + 2048, "tdbatmap", 8);
	assert_int_equal(get_be64(f + 2048 + 8), 2560);
	assert_int_equal(get_be32(f + 2048 + 16), 1);
	assert_int_equal(get_be32(f + 2048 + 20), 0x00010002);
	assert_int_equal(get_be32(f + 2048 + 24), ~(uint32_t)0x58);
	assert_int_equal(f[2048 + 29], 1);
	for (int i = 0; i < 32; i++)
		assert_int_equal(f[2048 + 30 + i], 0); /* zero nonce */
	assert_memory_equal(f + 2048 + 62, hash_a, 32);
	assert_int_equal(f[2560], 0x58); /* blocks 1, 3, 4 full */
}

static void test_layout(void **state)
{
	size_t len;
	uint8_t *f;

	(void)state;
	make_raw(at("lay.raw"), 12 * MIB, 0x1a);
	encrypt_ok(at("lay.raw"), at("lay.vhd"), &arg64, 2);
	f = slurp(at("lay.vhd"), &len);
	check_metadata(f, len);
	for (int s = 0; s < 3; s++) {
		const uint8_t *b = f + (7 + 4104 * s) * 512ull;

		for (int i = 0; i < 512; i++)
			assert_int_equal(b[i], 0xff); /* full bitmap */
		assert_int_equal(((b + 512) - f) % 4096, 0);
	}
	for (size_t i = 3072; i < 7 * 512; i++)
		assert_int_equal(f[i], 0); /* gap before the first block */
	free(f);
}

static void roundtrip(const char *in, struct xts_arg *a, uint64_t raw_size)
{
	struct stat st;

	encrypt_ok(in, at("rt.vhd"), a, 3);
	decrypt_ok(at("rt.vhd"), at("rt.raw"), VHD_PLAIN_RAW, a);
	same_disk(in, at("rt.raw"));
	assert_int_equal(stat(at("rt.raw"), &st), 0);
	assert_int_equal(st.st_size, raw_size);
	decrypt_ok(at("rt.vhd"), at("rt.plain.vhd"), VHD_PLAIN_VHD, a);
	same_disk(in, at("rt.plain.vhd"));
}

static void test_roundtrip_raw(void **state)
{
	struct vhd_reader *r;

	(void)state;
	/* hole in block 1; the size is kept, not rounded up to 6 MiB */
	make_raw(at("in.raw"), 5 * MIB + 1024, 0x5);
	roundtrip(at("in.raw"), &arg64, 5 * MIB + 1024);
	roundtrip(at("in.raw"), &arg32, 5 * MIB + 1024);
	r = open_ok(at("rt.vhd"));
	assert_int_equal(vhd_reader_allocated(r), 2);
	assert_int_equal(vhd_reader_blocks(r), 3);
	assert_int_equal(vhd_reader_size(r), 5 * MIB + 1024);
	vhd_reader_free(r);
	make_raw(at("in.raw"), 8 * MIB, 0xf); /* full, 2 MiB multiple */
	roundtrip(at("in.raw"), &arg64, 8 * MIB);
	r = open_ok(at("rt.vhd"));
	assert_int_equal(vhd_reader_allocated(r), 4);
	vhd_reader_free(r);
	make_raw(at("in.raw"), 4 * MIB, 0); /* nothing at all */
	roundtrip(at("in.raw"), &arg32, 4 * MIB);
	r = open_ok(at("rt.vhd"));
	assert_int_equal(vhd_reader_allocated(r), 0);
	vhd_reader_free(r);
}

static void test_roundtrip_fixed(void **state)
{
	struct vhd_footer f = {
		.features = VHD_FEATURE_RESERVED,
		.version = VHD_FORMAT_VERSION,
		.data_offset = VHD_NO_OFFSET,
		.orig_size = 3 * MIB,
		.curr_size = 3 * MIB,
		.type = VHD_TYPE_FIXED,
	};
	uint8_t footer[512];
	int fd;

	(void)state;
	make_raw(at("fixed.vhd"), 3 * MIB, 0x3);
	vhd_footer_build(&f, footer);
	fd = open(at("fixed.vhd"), O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, footer, 512), 512);
	close(fd);
	roundtrip(at("fixed.vhd"), &arg64, 3 * MIB);
}

static void test_roundtrip_dynamic(void **state)
{
	struct vhd_writer *w = NULL;
	uint8_t *blk = malloc(BLK);
	int fd;

	(void)state;
	fd = open(at("dyn.vhd"), O_CREAT | O_TRUNC | O_RDWR, 0600);
	assert_int_equal(vhd_writer_new(&w, fd, 5 * MIB, NULL, NULL), ERR_OK);
	for (uint32_t k = 0; k < 3; k += 2) {
		for (uint32_t j = 0; j < BLK; j++)
			blk[j] = pattern(k * BLK + j + 1);
		assert_int_equal(vhd_writer_block(w, k, blk), ERR_OK);
	}
	assert_int_equal(vhd_writer_finish(w), ERR_OK);
	vhd_writer_free(w);
	close(fd);
	roundtrip(at("dyn.vhd"), &arg32, 5 * MIB);
	free(blk);
}

static void test_threads_deterministic(void **state)
{
	static const unsigned threads[] = { 2, 3, 8, 0 };
	size_t len1, len;
	uint8_t *one, *other;

	(void)state;
	make_raw(at("det.raw"), 20 * MIB + 512, 0x6f5);
	encrypt_ok(at("det.raw"), at("det1.vhd"), &arg64, 1);
	one = slurp(at("det1.vhd"), &len1);
	for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		encrypt_ok(at("det.raw"), at("detn.vhd"), &arg64, threads[i]);
		other = slurp(at("detn.vhd"), &len);
		assert_int_equal(len, len1);
		assert_memory_equal(one, other, len);
		free(other);
	}
	free(one);
}

static void test_wrong_key(void **state)
{
	struct vhd_cipher c = cipher(&arg64);
	struct vhd_job_opts o = opts(2);
	struct vhd_reader *r;
	struct stat st;

	(void)state;
	make_raw(at("wk.raw"), 4 * MIB, 0x3);
	encrypt_ok(at("wk.raw"), at("wk.vhd"), &arg64, 2);
	r = open_ok(at("wk.vhd"));
	err_clear();
	assert_int_equal(vhd_decrypt(r, at("wk.out"), VHD_PLAIN_RAW, &c,
				     hash_b, &o), ERR_VERIFY);
	assert_non_null(strstr(err_detail(), "keyhash mismatch"));
	assert_int_equal(stat(at("wk.out"), &st), -1);
	vhd_reader_free(r);
	/* a plain VHD has no keyhash: not an encrypted VHD */
	decrypt_ok(at("wk.vhd"), at("wk.plain.vhd"), VHD_PLAIN_VHD, &arg64);
	r = open_ok(at("wk.plain.vhd"));
	assert_int_equal(vhd_reader_batmap(r)->keyhash.cookie, 0);
	assert_int_equal(vhd_decrypt(r, at("wk.out"), VHD_PLAIN_RAW, &c,
				     hash_a, &o), ERR_FORMAT);
	assert_non_null(strstr(err_detail(), "not an encrypted VHD"));
	vhd_reader_free(r);
	no_temp_left();
}

static void test_existing_output(void **state)
{
	struct vhd_cipher c = cipher(&arg64);
	struct vhd_job_opts o = opts(2);
	struct vhd_reader *r;
	size_t len;
	uint8_t *f;

	(void)state;
	make_raw(at("ex.raw"), 2 * MIB, 0x1);
	make_raw(at("ex.vhd"), 7, 0); /* an existing output: 7 bytes */
	r = open_ok(at("ex.raw"));
	assert_int_equal(vhd_encrypt(r, at("ex.vhd"), &c, hash_a, &o),
			 ERR_EXISTS);
	f = slurp(at("ex.vhd"), &len);
	assert_int_equal(len, 7);
	free(f);
	o.force = true;
	assert_int_equal(vhd_encrypt(r, at("ex.vhd"), &c, hash_a, &o), ERR_OK);
	assert_int_equal(vhd_encrypt(r, at("ex.raw"), &c, hash_a, &o),
			 ERR_USAGE);
	assert_non_null(strstr(err_detail(), "output is the input"));
	vhd_reader_free(r);
	no_temp_left();
}

static void test_cipher_failure(void **state)
{
	struct xts_arg bad = { ibm_key, 64, 3, 0 };
	struct vhd_cipher c = cipher(&bad);
	struct vhd_job_opts o = opts(2);
	struct vhd_reader *r;
	struct stat st;

	(void)state;
	make_raw(at("cf.raw"), 16 * MIB, 0xff);
	r = open_ok(at("cf.raw"));
	err_clear();
	assert_int_equal(vhd_encrypt(r, at("cf.vhd"), &c, hash_a, &o),
			 ERR_HSM);
	assert_non_null(strstr(err_detail(), "token went away"));
	assert_int_equal(stat(at("cf.vhd"), &st), -1);
	vhd_reader_free(r);
	no_temp_left();
}

struct progress {
	uint32_t calls, last, total;
	volatile sig_atomic_t *cancel;
};

static void on_progress(void *arg, uint32_t done, uint32_t total)
{
	struct progress *p = arg;

	assert_int_equal(done, p->last + 1);
	p->calls++;
	p->last = done;
	p->total = total;
	if (p->cancel && done == 2)
		*p->cancel = 1;
}

static void test_progress_cancel(void **state)
{
	struct vhd_cipher c = cipher(&arg32);
	struct vhd_job_opts o = opts(3);
	volatile sig_atomic_t stop = 0;
	struct progress p = { 0 };
	struct vhd_reader *r;
	struct stat st;

	(void)state;
	make_raw(at("pc.raw"), 9 * MIB, 0x15);
	r = open_ok(at("pc.raw"));
	o.progress = on_progress;
	o.progress_arg = &p;
	assert_int_equal(vhd_encrypt(r, at("pc.vhd"), &c, hash_a, &o), ERR_OK);
	/* blocks 0, 2 and 4 hold data: the two holes are not counted */
	assert_int_equal(p.calls, 3);
	assert_int_equal(p.total, 3);
	memset(&p, 0, sizeof(p));
	p.cancel = &stop;
	o.cancel = &stop;
	assert_int_equal(vhd_encrypt(r, at("pc2.vhd"), &c, hash_a, &o),
			 ERR_IO);
	assert_non_null(strstr(err_detail(), "interrupted"));
	assert_int_equal(p.last, 2);
	assert_int_equal(stat(at("pc2.vhd"), &st), -1);
	vhd_reader_free(r);
	no_temp_left();
}

struct sink {
	uint32_t next;
	uint8_t *expect;
};

static enum err check_block(void *arg, uint32_t k, const uint8_t *buf,
                            size_t len)
{
	struct sink *s = arg;

	assert_int_equal(k, s->next);
	assert_int_equal(len, BLK);
	s->next++;
	for (uint32_t j = 0; j < BLK; j++)
		if (buf[j] != (k == 1 ? 0 : pattern(k * BLK + j)))
			return err_set(ERR_VERIFY, "block %u byte %u", k, j);
	return ERR_OK;
}

static void test_decrypt_each(void **state)
{
	struct vhd_cipher c = cipher(&arg64);
	struct vhd_job_opts o = opts(2);
	struct sink s = { 0 };
	struct vhd_reader *r;

	(void)state;
	make_raw(at("each.raw"), 6 * MIB, 0x5);
	encrypt_ok(at("each.raw"), at("each.vhd"), &arg64, 2);
	r = open_ok(at("each.vhd"));
	assert_int_equal(vhd_decrypt_each(r, &c, hash_a, check_block, &s, &o),
			 ERR_OK);
	assert_int_equal(s.next, 3);
	assert_int_equal(vhd_decrypt_each(r, &c, hash_b, check_block, &s, &o),
			 ERR_VERIFY);
	vhd_reader_free(r);
}

static enum err count_bytes(void *arg, uint32_t k, const uint8_t *buf,
                            size_t len)
{
	(void)k;
	(void)buf;
	*(uint64_t *)arg += len;
	return ERR_OK;
}

/* The sink gets exactly the virtual size: a partial last block counts
 * only up to it (verify --data hashes what sha256sum of the source
 * hashes). */
static void test_decrypt_each_partial(void **state)
{
	struct vhd_cipher c = cipher(&arg64);
	struct vhd_job_opts o = opts(2);
	struct vhd_reader *r;
	uint64_t total = 0;

	(void)state;
	make_raw(at("part.raw"), 5 * MIB + 1536, 0x5);
	encrypt_ok(at("part.raw"), at("part.vhd"), &arg64, 2);
	r = open_ok(at("part.vhd"));
	assert_int_equal(vhd_reader_size(r), 5 * MIB + 1536);
	assert_int_equal(vhd_decrypt_each(r, &c, hash_a, count_bytes, &total,
					  &o),
			 ERR_OK);
	assert_int_equal(total, 5 * MIB + 1536);
	vhd_reader_free(r);
}

/* An encrypted image is not encrypted again: the keyhash is named. */
static void test_already_encrypted(void **state)
{
	struct vhd_cipher c = cipher(&arg64);
	struct vhd_job_opts o = opts(1);
	struct vhd_reader *r;
	char hex[65];
	struct stat st;

	(void)state;
	make_raw(at("twice.raw"), 4 * MIB, 0x1);
	encrypt_ok(at("twice.raw"), at("twice.vhd"), &arg64, 1);
	r = open_ok(at("twice.vhd"));
	err_clear();
	assert_int_equal(vhd_encrypt_check_input(r), ERR_FORMAT);
	encode_hex(hex, hash_a, 32);
	assert_non_null(strstr(err_detail(), "already encrypted with keyhash"));
	assert_non_null(strstr(err_detail(), hex));
	assert_int_equal(vhd_encrypt(r, at("twice2.vhd"), &c, hash_a, &o),
			 ERR_FORMAT);
	assert_int_equal(stat(at("twice2.vhd"), &st), -1);
	vhd_reader_free(r);
	r = open_ok(at("twice.raw"));
	assert_int_equal(vhd_encrypt_check_input(r), ERR_OK);
	vhd_reader_free(r);
}

static void test_import_limit(void **state)
{
	struct vhd_reader *r;

	/* The limit is 10^11 bytes of the output's virtual size, which is
	 * the input's: 99,999,999,488 bytes (the last sector below) pass,
	 * although 2 MiB blocks covering them would be 100,001,644,544. */
	(void)state;
	make_raw(at("lim.raw"), 99999999488ull, 0);
	r = open_ok(at("lim.raw"));
	assert_false(vhd_encrypt_over_import_limit(r));
	vhd_reader_free(r);
	make_raw(at("lim.raw"), 100000000512ull, 0);
	r = open_ok(at("lim.raw"));
	assert_true(vhd_encrypt_over_import_limit(r));
	vhd_reader_free(r);
	unlink(at("lim.raw"));
}

/* Write len bytes of val at off of path. */
static void patch(const char *path, size_t off, const void *val, size_t len)
{
	int fd = open(path, O_WRONLY);

	assert_int_equal(pwrite(fd, val, len, (off_t)off), (ssize_t)len);
	close(fd);
}

/* Rewrite both footers of path with len bytes at off, checksums fixed. */
static void patch_footers(const char *path, size_t off, const void *val,
			  size_t len)
{
	size_t n;
	uint8_t *f = slurp(path, &n);
	const size_t where[2] = { 0, n - 512 };

	for (int i = 0; i < 2; i++) {
		uint8_t *p = f + where[i];

		memcpy(p + off, val, len);
		put_be32(p + 64, vhd_checksum(p, 512, 64));
		patch(path, where[i], p, 512);
	}
	free(f);
}

static void verify_expect(const char *path, enum err e, const char *want)
{
	struct vhd_reader *r = open_ok(path);

	err_clear();
	assert_int_equal(vhd_verify_blktap(r), e);
	if (want)
		assert_non_null(strstr(err_detail(), want));
	vhd_reader_free(r);
}

static void test_verify_blktap(void **state)
{
	const uint8_t qem2[4] = { 'q', 'e', 'm', '2' }, big[4] = {
		0xff, 0xff, 16, 255 }, v14[4] = { 0, 1, 0, 4 };

	(void)state;
	make_raw(at("vb.raw"), 6 * MIB, 0x5);
	encrypt_ok(at("vb.raw"), at("vb.vhd"), &arg64, 2);
	verify_expect(at("vb.vhd"), ERR_OK, NULL);
	verify_expect(at("vb.raw"), ERR_VERIFY, "not a dynamic VHD");
	decrypt_ok(at("vb.vhd"), at("vb.plain"), VHD_PLAIN_VHD, &arg64);
	verify_expect(at("vb.plain"), ERR_VERIFY, "no keyhash");
	/* batmap: blocks 0 and 2 full (0xa0); drop block 0, fix checksum */
	patch(at("vb.vhd"), 2560, (const uint8_t[]){ 0x20 }, 1);
	patch(at("vb.vhd"), 2048 + 24, (const uint8_t[]){ 0xff, 0xff, 0xff,
							  0xdf }, 4);
	verify_expect(at("vb.vhd"), ERR_VERIFY, "block 0 is allocated but not");
	patch(at("vb.vhd"), 2560, (const uint8_t[]){ 0xa0 }, 1);
	patch(at("vb.vhd"), 2048 + 24, (const uint8_t[]){ 0xff, 0xff, 0xff,
							  0x5f }, 4);
	verify_expect(at("vb.vhd"), ERR_OK, NULL);
	patch_footers(at("vb.vhd"), 56, big, 4);
	verify_expect(at("vb.vhd"), ERR_VERIFY, "geometry 65535/16/255");
	patch_footers(at("vb.vhd"), 32, v14, 4);
	verify_expect(at("vb.vhd"), ERR_VERIFY, "creator version 0x00010004");
	patch_footers(at("vb.vhd"), 28, qem2, 4);
	verify_expect(at("vb.vhd"), ERR_VERIFY, "creator application");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_roundtrip_raw),
		cmocka_unit_test(test_roundtrip_fixed),
		cmocka_unit_test(test_roundtrip_dynamic),
		cmocka_unit_test(test_threads_deterministic),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_existing_output),
		cmocka_unit_test(test_cipher_failure),
		cmocka_unit_test(test_progress_cancel),
		cmocka_unit_test(test_decrypt_each),
		cmocka_unit_test(test_decrypt_each_partial),
		cmocka_unit_test(test_already_encrypted),
		cmocka_unit_test(test_import_limit),
		cmocka_unit_test(test_verify_blktap),
	};

	return cmocka_run_group_tests_name("vhd_pipeline", tests, setup,
					   teardown);
}
