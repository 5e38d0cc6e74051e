/* SPDX-License-Identifier: MIT */
/* srv_hsm.c - the one file of kp-server that talks PKCS#11. Module loading,
 * token choice and login come from the project's token layer; the key
 * template is our own because no p11seal profile is a KMS root key
 * (encrypt AND decrypt under GCM, never extractable). */
#include "srv_hsm.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "p11.h"
#include "p11_ckr.h"
#include "p11_int.h" /* a stand-in HSM: raw calls of its own */
#include "p11_module.h"
#include "p11_obj.h"
#include "p11_session.h"
#include "p11_uri.h"
#include "secmem.h"
#include "srv_file.h"

#define APPLICATION "kp-server"
#define PIN_MAX     256
#define BLOB_MAX    (16u * 1024)
#define FIND_MAX    8

struct srv_hsm {
	struct p11_module *mod;
	struct p11_session *s;
	CK_FUNCTION_LIST *fn;
	CK_SESSION_HANDLE sh;
};

/* The PIN from "file:PATH" (a private file of ours) or "env:VAR". */
static enum err read_pin(const char *src, char **out)
{
	size_t len = 0;
	const char *v;
	enum err r;

	*out = NULL;
	if (strncmp(src, "env:", 4) == 0) {
		v = getenv(src + 4);
		if (!v)
			return err_set(ERR_PIN, "PIN variable %s not set",
			               src + 4);
		*out = secmem_strdup(v);
		return *out ? ERR_OK : err_set(ERR_NOMEM, "PIN");
	}
	if (strncmp(src, "file:", 5) != 0)
		return err_set(ERR_USAGE, "--pin-source must be file:PATH or "
		                          "env:VAR");
	r = srv_file_read(src + 5, true, PIN_MAX, out, &len);
	while (r == ERR_OK && len &&
	       ((*out)[len - 1] == '\n' || (*out)[len - 1] == '\r'))
		(*out)[--len] = '\0';
	return r;
}

static enum err login(struct srv_hsm *h, const char *pin_source)
{
	char *pin = NULL;
	enum err r;

	r = read_pin(pin_source, &pin);
	if (r == ERR_OK)
		r = p11_session_login(h->s, pin, strlen(pin), false);
	secmem_free(pin);
	return r;
}

enum err srv_hsm_open(struct srv_hsm **out, const char *module,
                      const char *token_uri, const char *pin_source)
{
	struct srv_hsm *h = calloc(1, sizeof(*h));
	struct p11_uri *uri = NULL;
	enum err r;

	*out = NULL;
	if (!h)
		return err_set(ERR_NOMEM, "hsm");
	r = p11_uri_parse(token_uri, &uri);
	if (r == ERR_OK)
		r = p11_module_load(&h->mod, module, NULL);
	if (r == ERR_OK)
		r = p11_session_open(&h->s, h->mod, uri,
		                     &(struct p11_session_opts){ .rw = true });
	if (r == ERR_OK)
		r = login(h, pin_source);
	p11_uri_free(uri);
	if (r != ERR_OK) {
		srv_hsm_close(h);
		return r;
	}
	h->fn = p11_session_fn(h->s);
	h->sh = p11_session_handle(h->s);
	*out = h;
	return ERR_OK;
}

void srv_hsm_close(struct srv_hsm *h)
{
	if (!h)
		return;
	if (h->s)
		p11_session_fn(h->s)->C_Logout(p11_session_handle(h->s));
	p11_session_close(h->s);
	p11_module_free(h->mod);
	free(h);
}

/* Read the new key back: refuse it unless the token kept our policy. */
static enum err check_key(struct srv_hsm *h, CK_OBJECT_HANDLE k,
                          const char *label)
{
	struct p11_obj_info info;
	enum err r;

	r = p11_obj_info(h->s, k, &info);
	if (r != ERR_OK)
		return r;
	if (!info.flag[P11F_SENSITIVE] || info.flag[P11F_EXTRACTABLE] ||
	    !info.flag[P11F_ENCRYPT] || !info.flag[P11F_DECRYPT] ||
	    info.flag[P11F_WRAP] || info.flag[P11F_UNWRAP] ||
	    info.n_mechs != 1 || info.mechs[0] != CKM_AES_GCM)
		return err_set(ERR_POLICY,
		               "token did not keep the template "
		               "of key '%s'",
		               label);
	return ERR_OK;
}

static enum err make_key(struct srv_hsm *h, const char *label,
                         const uint8_t *value, size_t len)
{
	static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_AES;
	CK_ULONG vlen = len;
	CK_MECHANISM_TYPE gcm = CKM_AES_GCM;
	CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_LABEL, p11_unconst(label), strlen(label) },
		{ CKA_TOKEN, p11_unconst(&yes), 1 },
		{ CKA_PRIVATE, p11_unconst(&yes), 1 },
		{ CKA_SENSITIVE, p11_unconst(&yes), 1 },
		{ CKA_EXTRACTABLE, p11_unconst(&no), 1 },
		{ CKA_ENCRYPT, p11_unconst(&yes), 1 },
		{ CKA_DECRYPT, p11_unconst(&yes), 1 },
		{ CKA_WRAP, p11_unconst(&no), 1 },
		{ CKA_UNWRAP, p11_unconst(&no), 1 },
		{ CKA_SIGN, p11_unconst(&no), 1 },
		{ CKA_VERIFY, p11_unconst(&no), 1 },
		{ CKA_DERIVE, p11_unconst(&no), 1 },
		{ CKA_ALLOWED_MECHANISMS, &gcm, sizeof(gcm) },
		{ value ? CKA_VALUE : CKA_VALUE_LEN,
		  value ? p11_unconst(value) : &vlen,
		  value ? len : sizeof(vlen) },
	};
	CK_ULONG n = sizeof(t) / sizeof(t[0]);
	CK_OBJECT_HANDLE k = CK_INVALID_HANDLE;
	enum err r;
	CK_RV rv;

	if (len != 16 && len != 24 && len != 32)
		return err_set(ERR_USAGE, "AES key of %zu bytes", len);
	rv = value ? h->fn->C_CreateObject(h->sh, t, n, &k)
	           : h->fn->C_GenerateKey(h->sh, &gen, t, n, &k);
	if (rv != CKR_OK)
		return p11_fail(rv, value ? "C_CreateObject" : "C_GenerateKey",
		                label);
	r = check_key(h, k, label);
	if (r != ERR_OK)
		h->fn->C_DestroyObject(h->sh, k);
	return r;
}

enum err srv_hsm_key_generate(struct srv_hsm *h, const char *label, size_t len)
{
	return make_key(h, label, NULL, len);
}

enum err srv_hsm_key_import(struct srv_hsm *h, const char *label,
                            const uint8_t *key, size_t len)
{
	return make_key(h, label, key, len);
}

static enum err gcm_init(struct srv_hsm *h, const char *label, bool enc,
                         CK_GCM_PARAMS *p)
{
	CK_MECHANISM m = { CKM_AES_GCM, p, sizeof(*p) };
	CK_OBJECT_HANDLE k;
	enum err r;
	CK_RV rv;

	r = p11_obj_find_one(h->s, CKO_SECRET_KEY, label, NULL, 0, &k);
	if (r != ERR_OK)
		return r;
	rv = enc ? h->fn->C_EncryptInit(h->sh, &m, k)
	         : h->fn->C_DecryptInit(h->sh, &m, k);
	if (rv != CKR_OK)
		return p11_fail(rv, enc ? "C_EncryptInit" : "C_DecryptInit",
		                label);
	return ERR_OK;
}

enum err srv_hsm_seal(struct srv_hsm *h, const char *label, const uint8_t *aad,
                      size_t aad_len, const uint8_t *in, size_t len,
                      uint8_t iv[SRV_HSM_IV_LEN], uint8_t *out)
{
	/* The 3.0 layout with ulIvBits; SoftHSM rejects the short one. */
	CK_GCM_PARAMS p = { iv,
		            SRV_HSM_IV_LEN,
		            SRV_HSM_IV_LEN * 8,
		            p11_unconst(aad),
		            aad_len,
		            SRV_HSM_TAG_LEN * 8 };
	CK_ULONG olen = len + SRV_HSM_TAG_LEN;
	enum err r;
	CK_RV rv;

	r = srv_hsm_random(h, iv, SRV_HSM_IV_LEN);
	if (r == ERR_OK)
		r = gcm_init(h, label, true, &p);
	if (r != ERR_OK)
		return r;
	rv = h->fn->C_Encrypt(h->sh, p11_unconst(in), len, out, &olen);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_Encrypt (GCM) with", label);
	if (olen != len + SRV_HSM_TAG_LEN)
		return err_set(ERR_HSM, "GCM output of %lu bytes", olen);
	return ERR_OK;
}

enum err srv_hsm_unseal(struct srv_hsm *h, const char *label,
                        const uint8_t *aad, size_t aad_len,
                        const uint8_t iv[SRV_HSM_IV_LEN], const uint8_t *in,
                        size_t len, uint8_t *out)
{
	CK_GCM_PARAMS p = {
		p11_unconst(iv),  SRV_HSM_IV_LEN, SRV_HSM_IV_LEN * 8,
		p11_unconst(aad), aad_len,        SRV_HSM_TAG_LEN * 8
	};
	CK_ULONG olen = len;
	enum err r;
	CK_RV rv;

	if (len < SRV_HSM_TAG_LEN)
		return err_set(ERR_VERIFY, "ciphertext shorter than a tag");
	r = gcm_init(h, label, false, &p);
	if (r != ERR_OK)
		return r;
	rv = h->fn->C_Decrypt(h->sh, p11_unconst(in), len, out, &olen);
	/* SoftHSM 2.6 reports a bad tag as CKR_GENERAL_ERROR, 2.7 and the
	 * standard as CKR_ENCRYPTED_DATA_INVALID. */
	if (rv == CKR_ENCRYPTED_DATA_INVALID || rv == CKR_GENERAL_ERROR)
		return err_set(ERR_VERIFY, "GCM tag mismatch under %s", label);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_Decrypt (GCM) with", label);
	if (olen != len - SRV_HSM_TAG_LEN)
		return err_set(ERR_HSM, "GCM output of %lu bytes", olen);
	return ERR_OK;
}

enum err srv_hsm_random(struct srv_hsm *h, uint8_t *out, size_t len)
{
	return p11_session_random(h->s, out, len);
}

static enum err find_blobs(struct srv_hsm *h, const char *label,
                           CK_OBJECT_HANDLE *out, CK_ULONG *n)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_APPLICATION, p11_unconst(APPLICATION),
		  strlen(APPLICATION) },
		{ CKA_LABEL, p11_unconst(label), strlen(label) },
	};
	CK_RV rv;

	*n = 0;
	rv = h->fn->C_FindObjectsInit(h->sh, t, 3);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_FindObjectsInit (payload)", label);
	rv = h->fn->C_FindObjects(h->sh, out, FIND_MAX, n);
	h->fn->C_FindObjectsFinal(h->sh);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_FindObjects (payload)", label);
	if (*n > FIND_MAX)
		return err_set(ERR_HSM, "module returned too many objects");
	return ERR_OK;
}

enum err srv_hsm_blob_put(struct srv_hsm *h, const char *label,
                          const uint8_t *v, size_t len)
{
	static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_TOKEN, p11_unconst(&yes), 1 },
		{ CKA_PRIVATE, p11_unconst(&yes), 1 },
		{ CKA_MODIFIABLE, p11_unconst(&no), 1 },
		{ CKA_APPLICATION, p11_unconst(APPLICATION),
		  strlen(APPLICATION) },
		{ CKA_LABEL, p11_unconst(label), strlen(label) },
		{ CKA_VALUE, p11_unconst(v), len },
	};
	CK_OBJECT_HANDLE o;
	enum err r;
	CK_RV rv;

	if (len > BLOB_MAX)
		return err_set(ERR_USAGE, "payload of %zu bytes", len);
	r = srv_hsm_remove(h, label);
	if (r != ERR_OK)
		return r;
	rv = h->fn->C_CreateObject(h->sh, t, sizeof(t) / sizeof(t[0]), &o);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_CreateObject (payload)", label);
	return ERR_OK;
}

enum err srv_hsm_blob_get(struct srv_hsm *h, const char *label, uint8_t **out,
                          size_t *len)
{
	CK_OBJECT_HANDLE o[FIND_MAX];
	CK_ATTRIBUTE a = { CKA_VALUE, NULL, 0 };
	CK_ULONG n = 0;
	enum err r;
	CK_RV rv;

	*out = NULL;
	r = find_blobs(h, label, o, &n);
	if (r != ERR_OK)
		return r;
	if (n != 1)
		return err_set(n ? ERR_HSM : ERR_NOT_FOUND,
		               "%lu payload objects for '%s'", n, label);
	rv = h->fn->C_GetAttributeValue(h->sh, o[0], &a, 1);
	if (rv != CKR_OK || a.ulValueLen > BLOB_MAX)
		return p11_fail(rv != CKR_OK ? rv : CKR_GENERAL_ERROR,
		                "C_GetAttributeValue (payload)", label);
	a.pValue = secmem_alloc(a.ulValueLen + 1);
	if (!a.pValue)
		return err_set(ERR_NOMEM, "payload");
	rv = h->fn->C_GetAttributeValue(h->sh, o[0], &a, 1);
	if (rv != CKR_OK) {
		secmem_free(a.pValue);
		return p11_fail(rv, "C_GetAttributeValue (payload)", label);
	}
	*out = a.pValue;
	*len = a.ulValueLen;
	return ERR_OK;
}

enum err srv_hsm_remove(struct srv_hsm *h, const char *label)
{
	CK_OBJECT_HANDLE o[FIND_MAX];
	CK_ULONG n = 0;
	size_t nk = 0;
	enum err r;
	CK_RV rv;

	r = find_blobs(h, label, o, &n);
	if (r == ERR_OK)
		r = p11_obj_find(h->s, CKO_SECRET_KEY, label, NULL, 0, o + n,
		                 FIND_MAX - n, &nk);
	for (CK_ULONG i = 0; r == ERR_OK && i < n + nk; i++) {
		rv = h->fn->C_DestroyObject(h->sh, o[i]);
		if (rv != CKR_OK)
			r = p11_fail(rv, "C_DestroyObject", label);
	}
	return r;
}
