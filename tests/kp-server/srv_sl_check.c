/* SPDX-License-Identifier: MIT */
/* srv_sl_check.c - createFromIcos as strictly as IBM's SDKs and docs
 * allow: the member names and types softlayer-python, softlayer-go and
 * `ibmcloud sl image import` send today, the cos:// object, the root key
 * in this Key Protect and the WDEK opening with it; then, when the import
 * runs, the image itself: its keyhash and its first allocated sectors
 * decrypted with that DEK, so a wrong image or a wrong key fails here as
 * it would fail to boot in the cloud. */
#include "srv_sl.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "secmem.h"
#include "srv_iam.h"
#include "srv_keys.h"
#include "srv_wrap.h"
#include "vhd_decrypt.h"
#include "vhd_reader.h"

#define EXC "SoftLayer_Exception_Public"
#define CFG "SoftLayer_Container_Virtual_Guest_Block_Device_Template_Configuration"
#define PLAIN_BYTES   4096 /* the first 8 allocated sectors */
#define ENTROPY_LIMIT 7.0  /* bits/byte: XTS output of 4 KiB is ~7.95 */

static const char *const strings[] = { "name",       "note",
	                               "operatingSystemReferenceCode",
	                               "uri",        "ibmApiKey",
	                               "crkCrn",     "wrappedDek",
	                               "bootMode" };
static const char *const bools[] = { "cloudInit", "byol", "isEncrypted" };

#define N_STR  (sizeof(strings) / sizeof(strings[0]))
#define N_BOOL (sizeof(bools) / sizeof(bools[0]))

static bool in(const char *name, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(name, set[i]) == 0)
			return true;
	return false;
}

/* Every member is a property of the configuration type, of its type. */
static enum err shape(const cJSON *cfg, struct srv_reply *rep)
{
	for (const cJSON *m = cfg->child; m; m = m->next) {
		bool s = in(m->string, strings, N_STR);
		bool b = in(m->string, bools, N_BOOL);

		if (!s && !b)
			return srv_sl_fail(rep, 400, EXC,
			                   "Property '%.64s' not valid for "
			                   "'" CFG "'.",
			                   m->string);
		if ((s && !cJSON_IsString(m)) || (b && !cJSON_IsBool(m)))
			return srv_sl_fail(rep, 400, EXC,
			                   "Property '%.64s' of '" CFG "' must "
			                   "be a %s.",
			                   m->string, s ? "string" : "boolean");
	}
	return ERR_OK;
}

static const char *str(const cJSON *cfg, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(cfg, name);

	return m && cJSON_IsString(m) ? m->valuestring : NULL;
}

static bool flag(const cJSON *cfg, const char *name)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cfg, name));
}

/* cos://REGION/BUCKET/OBJECT naming an object in --cos-dir, in our
 * region. */
static enum err check_uri(struct srv *srv, const char *uri,
                          struct srv_reply *rep, struct srv_sl_import *out)
{
	char region[64], path[4200];
	const char *p = uri + 6, *s1, *s2;

	if (strncmp(uri, "cos://", 6) != 0 || !(s1 = strchr(p, '/')) ||
	    !(s2 = strchr(s1 + 1, '/')) || s1 == p ||
	    (size_t)(s1 - p) >= sizeof(region) ||
	    (size_t)(s2 - s1 - 1) >= sizeof(out->bucket) ||
	    strlen(s2 + 1) >= sizeof(out->object))
		return srv_sl_fail(rep, 400, EXC,
		                   "uri '%.80s' is not "
		                   "cos://REGION/BUCKET/OBJECT",
		                   uri);
	snprintf(region, sizeof(region), "%.*s", (int)(s1 - p), p);
	snprintf(out->bucket, sizeof(out->bucket), "%.*s", (int)(s2 - s1 - 1),
	         s1 + 1);
	snprintf(out->object, sizeof(out->object), "%s", s2 + 1);
	if (strcmp(region, srv->cfg.region) != 0)
		return srv_sl_fail(rep, 400, EXC,
		                   "uri region '%s' is not the key's region "
		                   "'%s'",
		                   region, srv->cfg.region);
	if (!srv_sl_object_path(srv, out->bucket, out->object, path,
	                        sizeof(path)))
		return srv_sl_fail(rep, 400, EXC,
		                   "The object '%.200s' does not exist in "
		                   "bucket '%s'.",
		                   out->object, out->bucket);
	return ERR_OK;
}

/* crkCrn: crn:v1:bluemix:public:kms:REGION:a/ACCOUNT:INSTANCE:key:ID of
 * an active root key here. */
static enum err check_crn(struct srv *srv, const char *crn,
                          struct srv_reply *rep, struct srv_key **key)
{
	char want[256];
	const char *id = strrchr(crn, ':');
	struct srv_key *k;

	snprintf(want, sizeof(want),
	         "crn:v1:bluemix:public:kms:%s:a/%s:%s:key:", srv->cfg.region,
	         srv->cfg.account, srv->cfg.instance_id);
	if (!id || strncmp(crn, want, strlen(want)) != 0 ||
	    (size_t)(id + 1 - crn) != strlen(want) || !srv_uuid_valid(id + 1))
		return srv_sl_fail(rep, 400, EXC,
		                   "crkCrn '%.200s' does not name a key of "
		                   "Key Protect instance %s",
		                   crn, srv->cfg.instance_id);
	k = srv_keys_find(srv->keys, id + 1);
	if (k)
		srv_key_refresh(k, srv_now(srv));
	if (!k || k->extractable || k->state != SRV_STATE_ACTIVE)
		return srv_sl_fail(rep, 400, EXC,
		                   "crkCrn: key %s is not an active root key",
		                   id + 1);
	*key = k;
	return ERR_OK;
}

/* Open wdek with k: the DEK (secmem) and its length, 32 or 64. */
static enum err open_wdek(struct srv *srv, const struct srv_key *k,
                          const char *wdek, uint8_t **dek, size_t *len)
{
	const struct srv_version *used = NULL;
	enum err r = srv_wrap_open(srv->hsm, k, NULL, 0, wdek, dek, len, &used);

	if (r == ERR_OK && *len != 32 && *len != 64) {
		secmem_free(*dek);
		*dek = NULL;
		r = err_set(ERR_VERIFY, "a %zu-byte DEK is not an XTS key",
		            *len);
	}
	return r;
}

static enum err check_values(struct srv_req *req, const cJSON *cfg,
                             struct srv_reply *rep, struct srv_key **key)
{
	static const char *const need[] = { "name", "uri",
		                            "operatingSystemReferenceCode",
		                            "ibmApiKey" };
	const char *boot = str(cfg, "bootMode");

	for (size_t i = 0; i < 4; i++)
		if (!str(cfg, need[i]) || !str(cfg, need[i])[0])
			return srv_sl_fail(rep, 400, EXC,
			                   "Property '%s' is required.",
			                   need[i]);
	if (strlen(str(cfg, "name")) > 255)
		return srv_sl_fail(rep, 400, EXC, "name is too long");
	if (!srv_sl_os_known(str(cfg, "operatingSystemReferenceCode")))
		return srv_sl_fail(rep, 400, EXC,
		                   "Invalid operating system reference code "
		                   "'%.64s'",
		                   str(cfg, "operatingSystemReferenceCode"));
	if (boot && strcmp(boot, "HVM") != 0 && strcmp(boot, "PV") != 0)
		return srv_sl_fail(rep, 400, EXC, "bootMode '%.16s' is not HVM "
		                                  "or PV", boot);
	if (!srv_iam_key_known(req->srv->iam, str(cfg, "ibmApiKey")))
		return srv_sl_fail(rep, 400, EXC,
		                   "ibmApiKey is not a valid API key");
	if (!flag(cfg, "isEncrypted"))
		return srv_sl_fail(rep, 400, EXC,
		                   "this stand-in imports encrypted images "
		                   "only: isEncrypted must be true");
	if (!flag(cfg, "cloudInit"))
		return srv_sl_fail(rep, 400, EXC,
		                   "An encrypted image must be cloud-init "
		                   "enabled: cloudInit must be true");
	if (!str(cfg, "crkCrn") || !str(cfg, "wrappedDek"))
		return srv_sl_fail(rep, 400, EXC,
		                   "An encrypted image needs crkCrn and "
		                   "wrappedDek");
	return check_crn(req->srv, str(cfg, "crkCrn"), rep, key);
}

enum err srv_sl_check(struct srv_req *req, struct srv_reply *rep,
                      const cJSON *body, struct srv_sl_import *out)
{
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(body,
	                                                       "parameters");
	const cJSON *cfg = cJSON_IsArray(params) ? params->child : NULL;
	struct srv_key *key = NULL;
	uint8_t *dek = NULL;
	size_t len = 0;
	enum err r;

	if (!cJSON_IsObject(body) || !cfg || cfg->next ||
	    !cJSON_IsObject(cfg) || cJSON_GetArraySize(body) != 1)
		return srv_sl_fail(rep, 400, EXC,
		                   "The body must be {\"parameters\":[" CFG
		                   "]}");
	r = shape(cfg, rep);
	if (r == ERR_OK)
		r = check_values(req, cfg, rep, &key);
	if (r == ERR_OK)
		r = check_uri(req->srv, str(cfg, "uri"), rep, out);
	if (r == ERR_OK &&
	    open_wdek(req->srv, key, str(cfg, "wrappedDek"), &dek, &len) !=
	            ERR_OK)
		r = srv_sl_fail(rep, 400, EXC,
		                "wrappedDek does not unwrap with crkCrn: %s",
		                err_detail());
	secmem_free(dek);
	if (r != ERR_OK)
		return r;
	snprintf(out->name, sizeof(out->name), "%s", str(cfg, "name"));
	snprintf(out->note, sizeof(out->note), "%s",
	         str(cfg, "note") ? str(cfg, "note") : "");
	snprintf(out->os, sizeof(out->os), "%s",
	         str(cfg, "operatingSystemReferenceCode"));
	snprintf(out->key_id, sizeof(out->key_id), "%s", key->id);
	out->wdek = strdup(str(cfg, "wrappedDek"));
	return out->wdek ? ERR_OK : err_set(ERR_NOMEM, "template");
}

/* Shannon entropy of buf in bits per byte. */
static double entropy(const uint8_t *buf, size_t len)
{
	size_t count[256] = { 0 };
	double h = 0;

	for (size_t i = 0; i < len; i++)
		count[buf[i]]++;
	for (size_t i = 0; i < 256; i++) {
		double p = (double)count[i] / (double)len;

		if (count[i])
			h -= p * log2(p);
	}
	return h;
}

/* Decrypt n sectors in place, tweak LE32(first + i) + 12 zeros. */
static bool xts_decrypt(const uint8_t *dek, size_t dek_len, uint8_t *buf,
                        size_t n, uint64_t first)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	bool ok = c != NULL;

	for (size_t i = 0; ok && i < n; i++) {
		uint8_t iv[16] = { 0 };
		uint64_t s = first + i;
		int out = 0;

		for (int b = 0; b < 4; b++)
			iv[b] = (uint8_t)(s >> (8 * b));
		ok = EVP_DecryptInit_ex(c,
		                        dek_len == 32 ? EVP_aes_128_xts()
		                                      : EVP_aes_256_xts(),
		                        NULL, dek, iv) &&
		     EVP_DecryptUpdate(c, buf + 512 * i, &out, buf + 512 * i,
		                       512);
	}
	EVP_CIPHER_CTX_free(c);
	return ok;
}

/* The first allocated block's first sectors, decrypted, must not look
 * random. */
static enum err check_sectors(const char *path, const struct vhd_reader *vr,
                              const uint8_t *dek, size_t dek_len, char *why,
                              size_t cap)
{
	uint8_t buf[PLAIN_BYTES];
	uint32_t k = 0, bat = 0xFFFFFFFFu;
	double h;
	int fd;

	for (; k < vhd_reader_blocks(vr); k++)
		if ((bat = vhd_reader_bat(vr, k)) != 0xFFFFFFFFu)
			break;
	if (bat == 0xFFFFFFFFu)
		return ERR_OK; /* an empty disk has nothing to decrypt */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, buf, sizeof(buf), ((off_t)bat + 1) * 512) !=
	                      (ssize_t)sizeof(buf)) {
		if (fd >= 0)
			close(fd);
		snprintf(why, cap, "cannot read block %u of the object", k);
		return err_set(ERR_VERIFY, "%s", why);
	}
	close(fd);
	if (!xts_decrypt(dek, dek_len, buf, sizeof(buf) / 512,
	                 (uint64_t)k * 4096)) {
		snprintf(why, cap, "XTS failed");
		return err_set(ERR_VERIFY, "%s", why);
	}
	h = entropy(buf, sizeof(buf));
	secmem_wipe(buf, sizeof(buf));
	if (h < ENTROPY_LIMIT)
		return ERR_OK;
	snprintf(why, cap,
	         "block %u does not decrypt with the DEK (%.2f bits/byte): "
	         "wrong image or wrong key",
	         k, h);
	return err_set(ERR_VERIFY, "%s", why);
}

static enum err check_keyhash(const struct vhd_reader *vr, const uint8_t *dek,
                              size_t dek_len, char *why, size_t cap)
{
	const struct vhd_keyhash *kh = NULL;
	uint8_t hash[32];
	unsigned n = 0;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);

	if (vhd_decrypt_keyhash(vr, &kh) != ERR_OK) {
		EVP_MD_CTX_free(md);
		snprintf(why, cap, "the object is not an encrypted VHD: %s",
		         err_detail());
		return err_set(ERR_VERIFY, "%s", why);
	}
	ok = ok && EVP_DigestUpdate(md, kh->nonce, sizeof(kh->nonce)) &&
	     EVP_DigestUpdate(md, dek, dek_len) &&
	     EVP_DigestFinal_ex(md, hash, &n);
	EVP_MD_CTX_free(md);
	if (ok && memcmp(hash, kh->hash, 32) == 0)
		return ERR_OK;
	snprintf(why, cap, "the image's keyhash is not the DEK's: wrong "
	                   "image or wrong key");
	return err_set(ERR_VERIFY, "%s", why);
}

enum err srv_sl_check_image(struct srv *srv, const struct srv_sl_import *im,
                            char *why, size_t cap)
{
	struct srv_key *k = srv_keys_find(srv->keys, im->key_id);
	struct vhd_reader *vr = NULL;
	char path[4200];
	uint8_t *dek = NULL;
	size_t len = 0;
	enum err r;

	if (!k || !srv_sl_object_path(srv, im->bucket, im->object, path,
	                              sizeof(path))) {
		snprintf(why, cap, "the key or the object is gone");
		return err_set(ERR_VERIFY, "%s", why);
	}
	r = open_wdek(srv, k, im->wdek, &dek, &len);
	if (r != ERR_OK) {
		snprintf(why, cap, "wrappedDek no longer unwraps");
		return r;
	}
	r = vhd_reader_open(&vr, path);
	if (r != ERR_OK)
		snprintf(why, cap, "the object is not a VHD: %s", err_detail());
	if (r == ERR_OK)
		r = check_keyhash(vr, dek, len, why, cap);
	if (r == ERR_OK)
		r = check_sectors(path, vr, dek, len, why, cap);
	vhd_reader_free(vr);
	secmem_free(dek);
	return r;
}
