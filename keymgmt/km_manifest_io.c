/* SPDX-License-Identifier: MIT */
/* km_manifest_io.c - what the manifest says about the world, read from
 * it: the encrypted image (hashed in constant memory, one descriptor for
 * hash and structure) and the DEK in the token (keyhash and binding
 * computed there, so the key never leaves it). */
#include "km_manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "encode.h"
#include "json.h"
#include "p11_data.h"
#include "p11_dek.h"
#include "p11_obj.h"
#include "p11_session.h"
#include "secmem.h"
#include "vhd_decrypt.h"
#include "vhd_verify.h"

#define HASH_CHUNK (1u << 20)

static enum err open_ro(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return err_errno(errno == ENOENT ? ERR_NOT_FOUND : ERR_IO,
		                 path);
	return ERR_OK;
}

/* The regular file at path (at most max bytes) into *buf (malloc'd). */
static enum err read_small(const char *path, size_t max, char **buf,
                           size_t *len)
{
	struct stat st;
	ssize_t got = 0;
	enum err r;
	int fd;

	*buf = NULL;
	r = open_ro(path, &fd);
	if (r != ERR_OK)
		return r;
	if (fstat(fd, &st) != 0)
		r = err_errno(ERR_IO, path);
	else if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max)
		r = err_set(ERR_FORMAT,
		            "%s: not a regular file of at most %zu "
		            "bytes",
		            path, max);
	if (r == ERR_OK)
		*buf = malloc((size_t)st.st_size + 1);
	if (r == ERR_OK && !*buf)
		r = err_set(ERR_NOMEM, "%s", path);
	if (r == ERR_OK)
		got = pread(fd, *buf, (size_t)st.st_size + 1, 0);
	if (r == ERR_OK && got < 0)
		r = err_errno(ERR_IO, path);
	else if (r == ERR_OK && got != st.st_size)
		r = err_set(ERR_IO, "%s: changed while being read", path);
	close(fd);
	if (r != ERR_OK) {
		free(*buf);
		*buf = NULL;
		return r;
	}
	*len = (size_t)got;
	return ERR_OK;
}

enum err km_manifest_load(const char *path, struct km_manifest *m)
{
	char *buf = NULL;
	size_t len = 0;
	enum err r;

	memset(m, 0, sizeof(*m));
	r = read_small(path, KM_MANIFEST_MAX, &buf, &len);
	if (r == ERR_OK)
		r = km_manifest_parse(buf, len, m);
	if (r == ERR_FORMAT && buf)
		r = err_wrap(r, "%s", path);
	free(buf);
	return r;
}

enum err km_manifest_read_wdek(const char *path, cJSON **out)
{
	char *buf = NULL;
	size_t len = 0;
	enum err r;

	*out = NULL;
	r = read_small(path, KM_MANIFEST_MAX, &buf, &len);
	if (r == ERR_OK && json_parse_object(buf, len, out) != ERR_OK)
		r = err_wrap(ERR_FORMAT, "%s", path);
	free(buf);
	return r;
}

/* Size and streamed SHA-256 of the whole file at fd. */
static enum err hash_fd(int fd, const char *name, uint64_t *size,
                        uint8_t sha[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t *buf = malloc(HASH_CHUNK);
	uint64_t off = 0;
	struct stat st;
	enum err r = ERR_OK;
	ssize_t n = 1;

	if (!md || !buf || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
		r = err_set(ERR_CRYPTO, "SHA-256 of %s", name);
	if (r == ERR_OK && fstat(fd, &st) != 0)
		r = err_errno(ERR_IO, name);
	else if (r == ERR_OK && !S_ISREG(st.st_mode))
		r = err_set(ERR_FORMAT, "%s: not a regular file", name);
	while (r == ERR_OK && n > 0) {
		n = pread(fd, buf, HASH_CHUNK, (off_t)off);
		if (n < 0 && errno != EINTR)
			r = err_errno(ERR_IO, name);
		else if (n > 0 && !EVP_DigestUpdate(md, buf, (size_t)n))
			r = err_set(ERR_CRYPTO, "SHA-256 of %s", name);
		off += n > 0 ? (uint64_t)n : 0;
		n = n < 0 ? 1 : n;
	}
	if (r == ERR_OK && off != (uint64_t)st.st_size)
		r = err_set(ERR_IO, "%s: changed while being read", name);
	if (r == ERR_OK && !EVP_DigestFinal_ex(md, sha, NULL))
		r = err_set(ERR_CRYPTO, "SHA-256 of %s", name);
	*size = off;
	EVP_MD_CTX_free(md);
	free(buf);
	return r;
}

/* Virtual size, nonce and keyhash of the encrypted VHD at fd. */
static enum err image_fd(int fd, const char *name, uint64_t *vsize,
                         uint8_t nonce[32], uint8_t keyhash[32])
{
	const struct vhd_keyhash *kh = NULL;
	struct vhd_reader *rd = NULL;
	enum err r;

	r = vhd_reader_open_fd(&rd, fd, name);
	if (r == ERR_OK)
		r = vhd_decrypt_keyhash(rd, &kh);
	if (r == ERR_OK)
		r = vhd_verify_blktap(rd);
	if (r == ERR_OK) {
		*vsize = vhd_reader_size(rd);
		memcpy(nonce, kh->nonce, 32);
		memcpy(keyhash, kh->hash, 32);
	}
	vhd_reader_free(rd);
	return r == ERR_OK ? r : err_wrap(r, "%s", name);
}

static const char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

enum err km_manifest_scan_image(const char *path, struct km_manifest *m)
{
	const char *base = base_name(path);
	enum err r;
	int fd;

	if (strlen(base) > KM_FILE_MAX)
		return err_set(ERR_USAGE, "%s: file name longer than %d bytes",
		               path, KM_FILE_MAX);
	snprintf(m->file, sizeof(m->file), "%s", base);
	r = open_ro(path, &fd);
	if (r != ERR_OK)
		return r;
	r = hash_fd(fd, path, &m->size, m->sha256);
	if (r == ERR_OK)
		r = image_fd(fd, path, &m->virtual_size, m->nonce, m->keyhash);
	close(fd);
	return r;
}

static void hex32(char out[65], const uint8_t *b)
{
	encode_hex(out, b, 32);
}

static void compare_image(const struct km_manifest *m, const char *path, int fd,
                          struct km_report *r)
{
	uint8_t nonce[32], kh[32];
	uint64_t vsize = 0;
	char a[65], b[65];

	if (image_fd(fd, path, &vsize, nonce, kh) != ERR_OK) {
		km_report_add(r, false, "image", "%s", err_detail());
		return;
	}
	if (vsize != m->virtual_size)
		km_report_add(r, false, "image.virtual_size",
		              "the image says %llu bytes, the manifest %llu",
		              (unsigned long long)vsize,
		              (unsigned long long)m->virtual_size);
	if (memcmp(nonce, m->nonce, 32) != 0)
		km_report_add(r, false, "encryption.keyhash_nonce",
		              "the image's batmap holds another nonce");
	hex32(a, kh);
	hex32(b, m->keyhash);
	if (memcmp(kh, m->keyhash, 32) != 0)
		km_report_add(r, false, "encryption.keyhash",
		              "the image's batmap holds %s, the manifest %s", a,
		              b);
}

enum err km_manifest_verify_image(const struct km_manifest *m, const char *path,
                                  struct km_report *r)
{
	size_t failures = r->failures;
	uint8_t sha[32];
	uint64_t size = 0;
	char a[65], b[65];
	enum err e;
	int fd;

	e = open_ro(path, &fd);
	if (e == ERR_OK)
		e = hash_fd(fd, path, &size, sha);
	if (e != ERR_OK) {
		if (fd >= 0)
			close(fd);
		return e;
	}
	if (size != m->size)
		km_report_add(r, false, "image.size",
		              "%s has %llu bytes, the manifest says %llu", path,
		              (unsigned long long)size,
		              (unsigned long long)m->size);
	hex32(a, sha);
	hex32(b, m->sha256);
	if (memcmp(sha, m->sha256, 32) != 0)
		km_report_add(r, false, "image.sha256",
		              "the image's SHA-256 is %s, the manifest says %s",
		              a, b);
	compare_image(m, path, fd, r);
	close(fd);
	if (strcmp(base_name(path), m->file) != 0)
		km_report_add(r, true, "image.file",
		              "checked '%.80s'; the manifest was written for "
		              "'%.80s'",
		              base_name(path), m->file);
	if (r->failures == failures)
		return ERR_OK;
	return err_set(ERR_VERIFY, "%s does not match the manifest", path);
}

enum err km_manifest_set_dek(struct km_manifest *m, struct p11_session *s,
                             const struct p11_dek *dek)
{
	const struct p11_token_desc *t = p11_session_token(s);
	struct p11_obj_info info;
	enum err r;

	r = p11_obj_info(s, dek->data, &info);
	if (r != ERR_OK)
		return r;
	snprintf(m->label, sizeof(m->label), "%s", dek->label);
	m->id_len = info.id_len < KM_ID_MAX ? info.id_len : KM_ID_MAX;
	memcpy(m->id, info.id, m->id_len);
	m->dek_size = (unsigned)dek->size;
	snprintf(m->token_serial, sizeof(m->token_serial), "%s", t->serial);
	snprintf(m->token_label, sizeof(m->token_label), "%s", t->label);
	return ERR_OK;
}

enum err km_manifest_token_meta(struct p11_session *s, const char *label,
                                cJSON **out)
{
	char *v = NULL;
	size_t len = 0;
	enum err r;

	*out = NULL;
	r = p11_data_get(s, label, &v, &len);
	if (r == ERR_NOT_FOUND || r == ERR_UNSUPPORTED) {
		err_clear(); /* a local DEK, or a token without data objects */
		return ERR_OK;
	}
	if (r != ERR_OK)
		return r;
	r = json_parse_object(v, len, out);
	free(v);
	if (r != ERR_OK)
		return err_wrap(r, "metadata of '%s'", label);
	return ERR_OK;
}

enum err km_manifest_check_key(struct p11_session *s, const struct p11_dek *dek,
                               const struct km_manifest *m)
{
	uint8_t h[32];
	char hex[65];
	enum err r = p11_dek_keyhash(s, dek, m->nonce, h);

	if (r != ERR_OK)
		return r;
	if (memcmp(h, m->keyhash, 32) == 0)
		return ERR_OK;
	hex32(hex, m->keyhash);
	return err_set(ERR_VERIFY,
	               "key '%s' does not match the keyhash %s in "
	               "the batmap of %s: another key encrypted "
	               "it",
	               dek->label, hex, m->file);
}

enum err km_manifest_bind(struct p11_session *s, const struct p11_dek *dek,
                          struct km_manifest *m)
{
	uint8_t d[32];
	enum err r = km_manifest_digest(m, d);

	if (r == ERR_OK)
		r = p11_dek_keyhash(s, dek, d, m->binding);
	return r;
}

enum err km_manifest_verify_dek(struct p11_session *s,
                                const struct p11_dek *dek,
                                const struct km_manifest *m,
                                struct km_report *r)
{
	size_t failures = r->failures;
	uint8_t h[32], d[32], bind[32];
	char hex[65];
	enum err e;

	if (dek->size != m->dek_size)
		km_report_add(r, false, "encryption.dek_size",
		              "key '%s' has %zu bytes, the manifest says %u",
		              dek->label, dek->size, m->dek_size);
	e = p11_dek_keyhash(s, dek, m->nonce, h);
	if (e == ERR_OK && memcmp(h, m->keyhash, 32) != 0) {
		hex32(hex, h);
		km_report_add(r, false, "encryption.keyhash",
		              "key '%s' does not match it (its keyhash is %s)",
		              dek->label, hex);
	}
	if (e == ERR_OK)
		e = km_manifest_digest(m, d);
	if (e == ERR_OK)
		e = p11_dek_keyhash(s, dek, d, bind);
	if (e == ERR_OK && !secmem_equal(bind, m->binding, 32))
		km_report_add(
		        r, false, "binding",
		        "does not match key '%s': the manifest was changed "
		        "after p11seal wrote it, or written for another key",
		        dek->label);
	if (e != ERR_OK)
		return e;
	return r->failures == failures ? ERR_OK
	                               : err_set(ERR_VERIFY,
	                                         "key '%s' does not match the "
	                                         "manifest",
	                                         dek->label);
}
