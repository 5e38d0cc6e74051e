/* SPDX-License-Identifier: MIT */
/* p11_root.c - session wrap key, session root material, nonce encryption
 * and the never-extractable token copy for a secure import. Every
 * template states each boolean; optional hardening that a token refuses
 * (NSS softoken: CKA_ALLOWED_MECHANISMS, CKA_COPYABLE) is dropped and the
 * read-back decides. */
#include "p11_root.h"

#include <stdio.h>
#include <string.h>

#include "p11_ckr.h"
#include "p11_int.h"
#include "p11_key.h"
#include "p11_obj.h"
#include "p11_rsa.h"
#include "p11_session.h"
#include "p11_tmpl.h"

#define TMPL_MAX 20

struct tmpl {
	CK_ATTRIBUTE a[TMPL_MAX];
	CK_ULONG n;
};

static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static const CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY;
static const CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY;
static const CK_KEY_TYPE rsa_type = CKK_RSA, aes_type = CKK_AES;
static const CK_MECHANISM_TYPE oaep_mech = CKM_RSA_PKCS_OAEP;
static const CK_ULONG aes256_len = 32;

static void add(struct tmpl *t, CK_ATTRIBUTE_TYPE type, const void *v,
                CK_ULONG len)
{
	if (t->n < TMPL_MAX)
		t->a[t->n++] = (CK_ATTRIBUTE){ type, p11_unconst(v), len };
}

static void add_bool(struct tmpl *t, CK_ATTRIBUTE_TYPE type, bool v)
{
	add(t, type, v ? &yes : &no, sizeof(CK_BBOOL));
}

static void wrap_key_tmpl(struct tmpl *t, const uint8_t *n, size_t n_len,
                          const uint8_t *e, size_t e_len, bool hardening)
{
	t->n = 0;
	add(t, CKA_CLASS, &pub_class, sizeof(pub_class));
	add(t, CKA_KEY_TYPE, &rsa_type, sizeof(rsa_type));
	add(t, CKA_MODULUS, n, n_len);
	add(t, CKA_PUBLIC_EXPONENT, e, e_len);
	add_bool(t, CKA_TOKEN, false);
	add_bool(t, CKA_PRIVATE, false);
	add_bool(t, CKA_WRAP, true);
	add_bool(t, CKA_ENCRYPT, false);
	add_bool(t, CKA_VERIFY, false);
	add_bool(t, CKA_VERIFY_RECOVER, false);
	if (hardening)
		add(t, CKA_ALLOWED_MECHANISMS, &oaep_mech, sizeof(oaep_mech));
}

enum err p11_root_wrap_key(struct p11_session *s, struct evp_pkey_st *pub,
                           CK_OBJECT_HANDLE *out)
{
	uint8_t n[P11_RSA_MAX_BITS / 8], e[16];
	size_t n_len = 0, e_len = 0;
	struct tmpl t;
	enum err r;
	CK_RV rv;

	*out = CK_INVALID_HANDLE;
	r = p11_rsa_numbers(pub, n, sizeof(n), &n_len, e, sizeof(e), &e_len);
	if (r != ERR_OK)
		return r;
	wrap_key_tmpl(&t, n, n_len, e, e_len, true);
	rv = p11_session_fn(s)->C_CreateObject(p11_session_handle(s), t.a, t.n,
	                                       out);
	if (p11_tmpl_retry(rv)) {
		wrap_key_tmpl(&t, n, n_len, e, e_len, false);
		rv = p11_session_fn(s)->C_CreateObject(p11_session_handle(s),
		                                       t.a, t.n, out);
	}
	if (rv != CKR_OK) {
		*out = CK_INVALID_HANDLE;
		return p11_fail(rv, "C_CreateObject (import public key)", NULL);
	}
	return ERR_OK;
}

/* No CKA_ALLOWED_MECHANISMS: NSS softoken takes it on a session key but
 * cannot store it in a token key, so the copy would fail with
 * CKR_GENERAL_ERROR (measured, NSS 3.87). The copy can only encrypt. */
static void session_key_tmpl(struct tmpl *t, const char *label)
{
	t->n = 0;
	add(t, CKA_CLASS, &secret_class, sizeof(secret_class));
	add(t, CKA_LABEL, label, strlen(label));
	add(t, CKA_KEY_TYPE, &aes_type, sizeof(aes_type));
	add(t, CKA_VALUE_LEN, &aes256_len, sizeof(aes256_len));
	add_bool(t, CKA_TOKEN, false);
	add_bool(t, CKA_PRIVATE, true);
	add_bool(t, CKA_SENSITIVE, true);
	add_bool(t, CKA_EXTRACTABLE, true);
	add_bool(t, CKA_ENCRYPT, true);
	add_bool(t, CKA_DECRYPT, false);
	add_bool(t, CKA_WRAP, false);
	add_bool(t, CKA_UNWRAP, false);
	add_bool(t, CKA_SIGN, false);
	add_bool(t, CKA_VERIFY, false);
	add_bool(t, CKA_DERIVE, false);
}

enum err p11_root_session_key(struct p11_session *s, const char *label,
                              CK_OBJECT_HANDLE *out)
{
	CK_MECHANISM keygen = { CKM_AES_KEY_GEN, NULL, 0 };
	struct tmpl t;
	CK_RV rv;

	session_key_tmpl(&t, label);
	rv = p11_session_fn(s)->C_GenerateKey(p11_session_handle(s), &keygen,
	                                      t.a, t.n, out);
	if (rv != CKR_OK) {
		*out = CK_INVALID_HANDLE;
		return p11_fail(rv, "C_GenerateKey (session root material)",
		                NULL);
	}
	return ERR_OK;
}

enum err p11_root_nonce_encrypt(struct p11_session *s, CK_OBJECT_HANDLE key,
                                enum p11_root_nonce m, const uint8_t *iv,
                                const uint8_t *nonce, size_t len, uint8_t *out,
                                size_t *out_len)
{
	CK_GCM_PARAMS gcm = { p11_unconst(iv),
		              P11_ROOT_GCM_IV,
		              8 * P11_ROOT_GCM_IV,
		              NULL,
		              0,
		              128 };
	CK_MECHANISM mech = { CKM_AES_GCM, &gcm, sizeof(gcm) };
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	/* No size query: NSS softoken under-reports GCM output and ends the
	 * operation when the buffer is too small (docs/pkcs11-tokens.md §3). */
	CK_ULONG n = P11_ROOT_ENC_MAX;
	CK_RV rv;

	if (len == 0 || len > P11_ROOT_NONCE_MAX)
		return err_set(ERR_USAGE, "nonce must be 1..%d bytes",
		               P11_ROOT_NONCE_MAX);
	if (m == P11_ROOT_CBC)
		mech = (CK_MECHANISM){ CKM_AES_CBC_PAD, p11_unconst(iv),
			               P11_ROOT_CBC_IV };
	rv = fn->C_EncryptInit(p11_session_handle(s), &mech, key);
	if (rv == CKR_OK)
		rv = fn->C_Encrypt(p11_session_handle(s), p11_unconst(nonce),
		                   len, out, &n);
	if (rv != CKR_OK)
		return p11_fail(rv,
		                m == P11_ROOT_GCM
		                        ? "C_Encrypt (AES-GCM nonce)"
		                        : "C_Encrypt (AES-CBC-PAD nonce)",
		                NULL);
	if (n != (m == P11_ROOT_GCM ? len + 16 : (len / 16 + 1) * 16))
		return err_set(ERR_HSM,
		               "the token's encrypted nonce has %lu "
		               "bytes, not what the mechanism gives",
		               (unsigned long)n);
	*out_len = n;
	return ERR_OK;
}

/* level 2: not modifiable, not copyable; 1: not modifiable. */
static void persist_tmpl(struct tmpl *t, const char *label, const uint8_t *id,
                         size_t id_len, int level)
{
	t->n = 0;
	add_bool(t, CKA_TOKEN, true);
	add(t, CKA_LABEL, label, strlen(label));
	add(t, CKA_ID, id, id_len);
	/* no CKA_EXTRACTABLE: the material is not extractable already, and
	 * SoftHSM 2.6.1 then refuses to be told so (CKR_ATTRIBUTE_READ_ONLY) */
	if (level >= 1)
		add_bool(t, CKA_MODIFIABLE, false);
	if (level >= 2)
		add_bool(t, CKA_COPYABLE, false);
}

/* Switch attribute a of the material off if info says it is on. */
static enum err switch_off(struct p11_session *s, CK_OBJECT_HANDLE key,
                           const struct p11_obj_info *info, enum p11_flag f,
                           const char *what)
{
	CK_ATTRIBUTE off = { p11_flag_attr[f], p11_unconst(&no), sizeof(no) };
	CK_RV rv = CKR_OK;

	if (!info->known[f] || info->flag[f])
		rv = p11_session_fn(s)->C_SetAttributeValue(
		        p11_session_handle(s), key, &off, 1);
	return rv == CKR_OK ? ERR_OK : p11_fail(rv, what, info->label);
}

enum err p11_root_persist(struct p11_session *s, CK_OBJECT_HANDLE key,
                          const char *label, const uint8_t *id, size_t id_len,
                          CK_OBJECT_HANDLE *out)
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	char partial[P11_LABEL_MAX + 1];
	struct p11_obj_info info;
	struct tmpl t;
	int level;
	enum err r;
	CK_RV rv;

	/* SoftHSM 2.6.1 stores a copy with the original's attributes before
	 * it applies the template, so a process killed in C_CopyObject left
	 * an extractable token key, and later a modifiable one under the
	 * original's label (t-custody-keys.sh, measured): the material stops
	 * being extractable, and stops encrypting (the kept copy must be no
	 * keystream oracle for the WDEKs, t-custody-keystream.sh), first,
	 * and its label is a p11_root_partial one. */
	r = p11_obj_info(s, key, &info);
	if (r != ERR_OK)
		return r;
	if (!p11_root_partial(&info))
		return err_set(ERR_INTERNAL,
		               "root material '%s' is not "
		               "labelled as partial",
		               info.label);
	r = switch_off(s, key, &info, P11F_EXTRACTABLE,
	               "C_SetAttributeValue (root material not extractable)");
	if (r == ERR_OK)
		r = switch_off(s, key, &info, P11F_ENCRYPT,
		               "C_SetAttributeValue (root material no longer "
		               "encrypts)");
	if (r != ERR_OK)
		return r;
	/* CKA_COPYABLE=false is the one attribute the copy may go without
	 * (SoftHSM 2.6.1 refuses it in a copy: CKR_ATTRIBUTE_READ_ONLY);
	 * CKA_MODIFIABLE=false is custody and never left out. */
	for (level = 2; level >= 1; level--) {
		persist_tmpl(&t, label, id, id_len, level);
		rv = fn->C_CopyObject(p11_session_handle(s), key, t.a, t.n,
		                      out);
		if (!p11_tmpl_retry(rv) && rv != CKR_ATTRIBUTE_READ_ONLY)
			break;
	}
	if (rv != CKR_OK) {
		*out = CK_INVALID_HANDLE;
		return p11_fail(rv, "C_CopyObject (root key into the token)",
		                label);
	}
	snprintf(partial, sizeof(partial), "%s", info.label);
	r = p11_obj_info(s, *out, &info);
	if (r == ERR_OK)
		r = p11_key_check_profile(&info, P11P_ROOT_KEPT);
	if (r == ERR_OK &&
	    !(info.known[P11F_MODIFIABLE] && !info.flag[P11F_MODIFIABLE]))
		r = err_set(ERR_POLICY, "root key '%s' came out modifiable",
		            label);
	/* what the kept key was made without, for the warning and metadata */
	if (r == ERR_OK)
		r = p11_key_omission_copy(partial, label, level < 2);
	if (r != ERR_OK) {
		p11_obj_discard(s, *out);
		*out = CK_INVALID_HANDLE;
		return err_wrap(r, "token did not honour the root key copy");
	}
	return ERR_OK;
}

bool p11_root_partial(const struct p11_obj_info *i)
{
	return i->cls == CKO_SECRET_KEY && i->key_type == CKK_AES &&
	       i->id_len == 0 &&
	       strncmp(i->label, P11_ROOT_PARTIAL_PREFIX,
	               strlen(P11_ROOT_PARTIAL_PREFIX)) == 0;
}

/* A copy SoftHSM left half made still says CKA_TOKEN=false, the
 * original's; this process holds no material yet. */
enum err p11_root_sweep(struct p11_session *s, size_t *removed)
{
	return p11_obj_sweep(s, CKO_SECRET_KEY, p11_root_partial, "root copy",
	                     removed);
}
