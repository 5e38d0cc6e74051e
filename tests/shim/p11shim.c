/* SPDX-License-Identifier: MIT */
/* p11shim.c - TEST-ONLY PKCS#11 MODULE. NEVER INSTALL OR LOAD IT OUTSIDE
 * THE TEST SUITE: it keeps AES-XTS KEY VALUES IN ITS OWN PLAIN MEMORY.
 *
 * It forwards every call to the module named by $P11SHIM_TARGET (SoftHSM
 * in tests) and adds what no Debian token has, CKM_AES_XTS and
 * CKM_AES_XTS_KEY_GEN, emulated with OpenSSL, so p11seal's native-XTS
 * path can be tested. An XTS key is stored in the target as a generic
 * secret (which the target never uses); the shim remembers its value by
 * handle and reports CKA_KEY_TYPE = CKK_AES_XTS. Emulated XTS is
 * single-part only (C_EncryptUpdate on it is CKR_FUNCTION_NOT_SUPPORTED).
 *
 * Faults for paths SoftHSM never takes:
 * - p11shim_fail_update(n) makes the n-th next forwarded C_EncryptUpdate
 *   or C_DecryptUpdate end the target's operation, return CKR_DEVICE_ERROR;
 * - p11shim_lag_updates(1) makes forwarded updates hold back the last 16
 *   bytes of output until the next update or the final call, as a token
 *   that buffers blocks may (one session at a time).
 * Hostile module behaviours chosen by environment variables, for the CLI
 * tests, live in p11shim_hostile.c; a network HSM's round trip
 * (P11SHIM_LATENCY_US) in p11shim_latency.c.
 *
 * OpenSSL symbols resolve from the process that loads the shim (the test
 * programs link libcrypto). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "p11shim.h"

#define MAX_KEYS 256
#define MAX_SESSIONS 64
#define XTS_TWEAK 16

struct shim_key {
	CK_OBJECT_HANDLE handle; /* CK_INVALID_HANDLE: free slot */
	size_t len;
	unsigned char value[64];
};

struct shim_op {
	CK_SESSION_HANDLE session; /* CK_INVALID_HANDLE: free slot */
	int decrypt;
	size_t key;                /* index into keys */
	unsigned char tweak[XTS_TWEAK];
};

static CK_FUNCTION_LIST shim_list, *target;
static struct shim_key keys[MAX_KEYS];
static struct shim_op ops[MAX_SESSIONS];
static unsigned long fail_countdown;
static int lag_on;
static struct {
	CK_SESSION_HANDLE session;
	CK_ULONG have;
	unsigned char held[16];
} lag;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void p11shim_fail_update(unsigned long n);
void p11shim_lag_updates(int on);
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list);

void p11shim_fail_update(unsigned long n)
{
	pthread_mutex_lock(&lock);
	fail_countdown = n;
	pthread_mutex_unlock(&lock);
}

void p11shim_lag_updates(int on)
{
	pthread_mutex_lock(&lock);
	lag_on = on;
	memset(&lag, 0, sizeof(lag));
	pthread_mutex_unlock(&lock);
}

/* Index of the emulated key with handle h, or MAX_KEYS. Lock held. */
static size_t key_find(CK_OBJECT_HANDLE h)
{
	for (size_t i = 0; i < MAX_KEYS; i++)
		if (h != CK_INVALID_HANDLE && keys[i].handle == h)
			return i;
	return MAX_KEYS;
}

/* The emulated operation of session s, or NULL. Lock held. */
static struct shim_op *op_find(CK_SESSION_HANDLE s)
{
	for (size_t i = 0; i < MAX_SESSIONS; i++)
		if (ops[i].session == s && s != CK_INVALID_HANDLE)
			return &ops[i];
	return NULL;
}

static void op_end(struct shim_op *op)
{
	if (op)
		memset(op, 0, sizeof(*op));
}

static const CK_ATTRIBUTE *attr_find(const CK_ATTRIBUTE *t, CK_ULONG n,
				     CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; i < n; i++)
		if (t[i].type == type)
			return &t[i];
	return NULL;
}

static int is_xts_template(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	const CK_ATTRIBUTE *kt = attr_find(t, n, CKA_KEY_TYPE);

	return kt && kt->ulValueLen == sizeof(CK_KEY_TYPE) &&
	       *(const CK_KEY_TYPE *)kt->pValue == CKK_AES_XTS;
}

static CK_RV shim_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list,
				   CK_ULONG_PTR count)
{
	CK_ULONG n = 0, cap = count ? *count : 0;
	CK_RV rv;

	if (!count)
		return CKR_ARGUMENTS_BAD;
	rv = target->C_GetMechanismList(slot, NULL, &n);
	if (rv != CKR_OK)
		return rv;
	*count = n + 2;
	if (!list)
		return CKR_OK;
	if (cap < n + 2)
		return CKR_BUFFER_TOO_SMALL;
	rv = target->C_GetMechanismList(slot, list, &n);
	if (rv != CKR_OK)
		return rv;
	list[n] = CKM_AES_XTS;
	list[n + 1] = CKM_AES_XTS_KEY_GEN;
	*count = n + 2;
	return CKR_OK;
}

static CK_RV shim_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type,
				   CK_MECHANISM_INFO_PTR info)
{
	if (type != CKM_AES_XTS && type != CKM_AES_XTS_KEY_GEN)
		return target->C_GetMechanismInfo(slot, type, info);
	if (!info)
		return CKR_ARGUMENTS_BAD;
	info->ulMinKeySize = 32;
	info->ulMaxKeySize = 64;
	info->flags = type == CKM_AES_XTS ? CKF_ENCRYPT | CKF_DECRYPT
					  : CKF_GENERATE;
	return CKR_OK;
}

/* Create the target's generic secret for an XTS template and remember
 * the value. */
static CK_RV shim_CreateObject(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t,
			       CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	CK_KEY_TYPE generic = CKK_GENERIC_SECRET;
	const CK_ATTRIBUTE *v = attr_find(t, n, CKA_VALUE);
	CK_ATTRIBUTE copy[64];
	CK_ULONG m = 0;
	size_t slot;
	CK_RV rv;

	if (!is_xts_template(t, n))
		return target->C_CreateObject(s, t, n, out);
	if (!v || (v->ulValueLen != 32 && v->ulValueLen != 64) || n > 64 ||
	    CRYPTO_memcmp(v->pValue, (const char *)v->pValue +
			  v->ulValueLen / 2, v->ulValueLen / 2) == 0)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	for (CK_ULONG i = 0; i < n; i++) {
		if (t[i].type == CKA_ALLOWED_MECHANISMS)
			continue;
		copy[m] = t[i];
		if (t[i].type == CKA_KEY_TYPE)
			copy[m] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &generic,
						  sizeof(generic) };
		m++;
	}
	pthread_mutex_lock(&lock);
	for (slot = 0; slot < MAX_KEYS && keys[slot].handle; slot++)
		;
	rv = slot < MAX_KEYS ? target->C_CreateObject(s, copy, m, out)
			     : CKR_DEVICE_MEMORY;
	if (rv == CKR_OK) {
		keys[slot].handle = *out;
		keys[slot].len = v->ulValueLen;
		memcpy(keys[slot].value, v->pValue, v->ulValueLen);
	}
	pthread_mutex_unlock(&lock);
	return rv;
}

static CK_RV shim_GenerateKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech,
			      CK_ATTRIBUTE_PTR t, CK_ULONG n,
			      CK_OBJECT_HANDLE_PTR out)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_AES_XTS;
	const CK_ATTRIBUTE *vl = attr_find(t, n, CKA_VALUE_LEN);
	unsigned char value[64];
	CK_ATTRIBUTE copy[64];
	CK_ULONG m = 0, len;
	CK_RV rv;

	if (!mech || mech->mechanism != CKM_AES_XTS_KEY_GEN)
		return target->C_GenerateKey(s, mech, t, n, out);
	if (!vl || vl->ulValueLen != sizeof(CK_ULONG) || n > 60)
		return CKR_TEMPLATE_INCOMPLETE;
	len = *(const CK_ULONG *)vl->pValue;
	if (len != 32 && len != 64)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	do
		if (RAND_bytes(value, (int)len) != 1)
			return CKR_FUNCTION_FAILED;
	while (CRYPTO_memcmp(value, value + len / 2, len / 2) == 0);
	for (CK_ULONG i = 0; i < n; i++)
		if (t[i].type != CKA_VALUE_LEN && t[i].type != CKA_CLASS &&
		    t[i].type != CKA_KEY_TYPE)
			copy[m++] = t[i];
	copy[m++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	copy[m++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &type, sizeof(type) };
	copy[m++] = (CK_ATTRIBUTE){ CKA_VALUE, value, len };
	rv = shim_CreateObject(s, copy, m, out);
	OPENSSL_cleanse(value, sizeof(value));
	return rv;
}

static CK_RV shim_DestroyObject(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h)
{
	CK_RV rv = target->C_DestroyObject(s, h);
	size_t i;

	pthread_mutex_lock(&lock);
	i = key_find(h);
	if (rv == CKR_OK && i < MAX_KEYS)
		OPENSSL_cleanse(&keys[i], sizeof(keys[i]));
	pthread_mutex_unlock(&lock);
	return rv;
}

static CK_RV shim_GetAttributeValue(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
				    CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	CK_RV rv = target->C_GetAttributeValue(s, h, t, n);
	size_t i;

	pthread_mutex_lock(&lock);
	i = key_find(h);
	pthread_mutex_unlock(&lock);
	for (CK_ULONG a = 0; i < MAX_KEYS && a < n; a++)
		if (t[a].type == CKA_KEY_TYPE && t[a].pValue &&
		    t[a].ulValueLen == sizeof(CK_KEY_TYPE))
			*(CK_KEY_TYPE *)t[a].pValue = CKK_AES_XTS;
	return rv;
}

/* Start emulated XTS on session s once the target confirms the key may
 * be used this way (CKA_ENCRYPT or CKA_DECRYPT). */
static CK_RV xts_init(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech,
		      CK_OBJECT_HANDLE h, int decrypt)
{
	CK_BBOOL allowed = CK_FALSE;
	CK_ATTRIBUTE a = { decrypt ? CKA_DECRYPT : CKA_ENCRYPT, &allowed,
			   sizeof(allowed) };
	struct shim_op *op = NULL;
	size_t k;
	CK_RV rv;

	if (!mech->pParameter || mech->ulParameterLen != XTS_TWEAK)
		return CKR_MECHANISM_PARAM_INVALID;
	rv = target->C_GetAttributeValue(s, h, &a, 1);
	if (rv == CKR_OBJECT_HANDLE_INVALID)
		return CKR_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		return rv;
	if (!allowed)
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	pthread_mutex_lock(&lock);
	k = key_find(h);
	for (size_t i = 0; i < MAX_SESSIONS && !op; i++)
		if (ops[i].session == CK_INVALID_HANDLE)
			op = &ops[i];
	if (k == MAX_KEYS)
		rv = CKR_KEY_TYPE_INCONSISTENT;
	else if (op_find(s))
		rv = CKR_OPERATION_ACTIVE;
	else if (!op)
		rv = CKR_SESSION_COUNT;
	else
		*op = (struct shim_op){ s, decrypt, k, { 0 } };
	if (rv == CKR_OK)
		memcpy(op->tweak, mech->pParameter, XTS_TWEAK);
	pthread_mutex_unlock(&lock);
	return rv;
}

/* One data unit with OpenSSL XTS; ends the operation unless this was a
 * length query or the buffer was too small. Lock held. */
static CK_RV xts_run(struct shim_op *op, CK_BYTE_PTR in, CK_ULONG len,
		     CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	const struct shim_key *k = &keys[op->key];
	EVP_CIPHER_CTX *ctx;
	int n = 0, ok;

	if (!in || !out_len || len < 16 || len > 0x7fffffff) {
		op_end(op);
		return out_len && in ? CKR_DATA_LEN_RANGE : CKR_ARGUMENTS_BAD;
	}
	if (!out || *out_len < len) {
		*out_len = len;
		return out ? CKR_BUFFER_TOO_SMALL : CKR_OK;
	}
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx && EVP_CipherInit_ex(ctx, k->len == 32 ? EVP_aes_128_xts()
					   : EVP_aes_256_xts(), NULL, k->value,
				      op->tweak, !op->decrypt) == 1 &&
	     EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1;
	EVP_CIPHER_CTX_free(ctx);
	op_end(op);
	*out_len = (CK_ULONG)n;
	return ok ? CKR_OK : CKR_FUNCTION_FAILED;
}

/* The emulated operation of s in direction decrypt, or NULL. */
static struct shim_op *op_lock(CK_SESSION_HANDLE s, int decrypt)
{
	struct shim_op *op;

	pthread_mutex_lock(&lock);
	op = op_find(s);
	if (op && op->decrypt == decrypt)
		return op;
	pthread_mutex_unlock(&lock);
	return NULL;
}

static int fault_now(void)
{
	int hit;

	pthread_mutex_lock(&lock);
	hit = fail_countdown && --fail_countdown == 0;
	pthread_mutex_unlock(&lock);
	return hit;
}

static CK_RV any_init(CK_SESSION_HANDLE s, CK_MECHANISM_PTR mech,
		      CK_OBJECT_HANDLE h, int decrypt)
{
	struct shim_op *op;

	if (mech && mech->mechanism == CKM_AES_XTS)
		return xts_init(s, mech, h, decrypt);
	pthread_mutex_lock(&lock);
	op = op_find(s);
	pthread_mutex_unlock(&lock);
	if (op)
		return CKR_OPERATION_ACTIVE;
	return decrypt ? target->C_DecryptInit(s, mech, h)
		       : target->C_EncryptInit(s, mech, h);
}

static CK_RV any_one(CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG len,
		     CK_BYTE_PTR out, CK_ULONG_PTR out_len, int decrypt)
{
	struct shim_op *op = op_lock(s, decrypt);
	CK_RV rv;

	if (!op)
		return decrypt ? target->C_Decrypt(s, in, len, out, out_len)
			       : target->C_Encrypt(s, in, len, out, out_len);
	rv = xts_run(op, in, len, out, out_len);
	pthread_mutex_unlock(&lock);
	return rv;
}

/* Forwarded update that keeps the last 16 bytes of output back. Lock held. */
static CK_RV lag_update(CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG len,
			CK_BYTE_PTR out, CK_ULONG_PTR out_len, int decrypt)
{
	CK_ULONG have = lag.session == s ? lag.have : 0, n = len, total, keep;
	unsigned char *tmp;
	CK_RV rv;

	if (!in || !out || !out_len)
		return CKR_ARGUMENTS_BAD;
	if (*out_len + 16 < have + len) {
		*out_len = have + len - 16;
		return CKR_BUFFER_TOO_SMALL;
	}
	tmp = malloc(have + len);
	if (!tmp)
		return CKR_HOST_MEMORY;
	memcpy(tmp, lag.held, have);
	rv = decrypt ? target->C_DecryptUpdate(s, in, len, tmp + have, &n)
		     : target->C_EncryptUpdate(s, in, len, tmp + have, &n);
	if (rv == CKR_OK) {
		total = have + n;
		keep = total < 16 ? total : 16;
		memcpy(out, tmp, total - keep);
		*out_len = total - keep;
		memcpy(lag.held, tmp + total - keep, keep);
		lag.have = keep;
		lag.session = s;
	}
	OPENSSL_cleanse(tmp, have + len);
	free(tmp);
	return rv;
}

/* Final call after lag_update: the held bytes, then the target's. */
static CK_RV lag_final(CK_SESSION_HANDLE s, CK_BYTE_PTR out,
		       CK_ULONG_PTR out_len, int decrypt)
{
	CK_ULONG have = lag.session == s ? lag.have : 0, n;
	CK_RV rv;

	if (out_len && out && *out_len < have) {
		*out_len = have;
		return CKR_BUFFER_TOO_SMALL;
	}
	n = out_len ? *out_len - have : 0;
	rv = decrypt ? target->C_DecryptFinal(s, out ? out + have : NULL,
					      out_len ? &n : NULL)
		     : target->C_EncryptFinal(s, out ? out + have : NULL,
					      out_len ? &n : NULL);
	if (rv == CKR_OK && out)
		memcpy(out, lag.held, have);
	if (rv == CKR_OK)
		*out_len = have + n;
	if (rv == CKR_OK || !out_len)
		memset(&lag, 0, sizeof(lag));
	return rv;
}

static CK_RV any_update(CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG len,
			CK_BYTE_PTR out, CK_ULONG_PTR out_len, int decrypt)
{
	struct shim_op *op = op_lock(s, decrypt);

	if (op) {
		op_end(op);
		pthread_mutex_unlock(&lock);
		return CKR_FUNCTION_NOT_SUPPORTED;
	}
	if (fault_now()) {
		if (decrypt)
			target->C_DecryptFinal(s, NULL, NULL);
		else
			target->C_EncryptFinal(s, NULL, NULL);
		return CKR_DEVICE_ERROR;
	}
	pthread_mutex_lock(&lock);
	if (lag_on) {
		CK_RV rv = lag_update(s, in, len, out, out_len, decrypt);

		pthread_mutex_unlock(&lock);
		return rv;
	}
	pthread_mutex_unlock(&lock);
	return decrypt ? target->C_DecryptUpdate(s, in, len, out, out_len)
		       : target->C_EncryptUpdate(s, in, len, out, out_len);
}

static CK_RV any_final(CK_SESSION_HANDLE s, CK_BYTE_PTR out,
		       CK_ULONG_PTR out_len, int decrypt)
{
	struct shim_op *op = op_lock(s, decrypt);

	if (op) {
		op_end(op);
		pthread_mutex_unlock(&lock);
		return out_len ? CKR_FUNCTION_NOT_SUPPORTED : CKR_ARGUMENTS_BAD;
	}
	pthread_mutex_lock(&lock);
	if (lag_on) {
		CK_RV rv = lag_final(s, out, out_len, decrypt);

		pthread_mutex_unlock(&lock);
		return rv;
	}
	pthread_mutex_unlock(&lock);
	return decrypt ? target->C_DecryptFinal(s, out, out_len)
		       : target->C_EncryptFinal(s, out, out_len);
}

static CK_RV shim_EncryptInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,
			      CK_OBJECT_HANDLE h)
{
	return any_init(s, m, h, 0);
}

static CK_RV shim_DecryptInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,
			      CK_OBJECT_HANDLE h)
{
	return any_init(s, m, h, 1);
}

static CK_RV shim_Encrypt(CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG len,
			  CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return any_one(s, in, len, out, out_len, 0);
}

static CK_RV shim_Decrypt(CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG len,
			  CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	return any_one(s, in, len, out, out_len, 1);
}

static CK_RV shim_EncryptUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR in,
				CK_ULONG len, CK_BYTE_PTR out,
				CK_ULONG_PTR out_len)
{
	return any_update(s, in, len, out, out_len, 0);
}

static CK_RV shim_DecryptUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR in,
				CK_ULONG len, CK_BYTE_PTR out,
				CK_ULONG_PTR out_len)
{
	return any_update(s, in, len, out, out_len, 1);
}

static CK_RV shim_EncryptFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR out,
			       CK_ULONG_PTR out_len)
{
	return any_final(s, out, out_len, 0);
}

static CK_RV shim_DecryptFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR out,
			       CK_ULONG_PTR out_len)
{
	return any_final(s, out, out_len, 1);
}

static CK_RV shim_CloseSession(CK_SESSION_HANDLE s)
{
	pthread_mutex_lock(&lock);
	op_end(op_find(s));
	pthread_mutex_unlock(&lock);
	return target->C_CloseSession(s);
}

static CK_RV shim_CloseAllSessions(CK_SLOT_ID slot)
{
	pthread_mutex_lock(&lock);
	memset(ops, 0, sizeof(ops));
	pthread_mutex_unlock(&lock);
	return target->C_CloseAllSessions(slot);
}

static CK_RV shim_Finalize(CK_VOID_PTR reserved)
{
	pthread_mutex_lock(&lock);
	OPENSSL_cleanse(keys, sizeof(keys));
	memset(ops, 0, sizeof(ops));
	fail_countdown = 0;
	lag_on = 0;
	memset(&lag, 0, sizeof(lag));
	pthread_mutex_unlock(&lock);
	return target->C_Finalize(reserved);
}

static void shim_override(void)
{
	shim_list = *target;
	shim_list.C_GetFunctionList = C_GetFunctionList;
	shim_list.C_Finalize = shim_Finalize;
	shim_list.C_GetMechanismList = shim_GetMechanismList;
	shim_list.C_GetMechanismInfo = shim_GetMechanismInfo;
	shim_list.C_CloseSession = shim_CloseSession;
	shim_list.C_CloseAllSessions = shim_CloseAllSessions;
	shim_list.C_CreateObject = shim_CreateObject;
	shim_list.C_GenerateKey = shim_GenerateKey;
	shim_list.C_DestroyObject = shim_DestroyObject;
	shim_list.C_GetAttributeValue = shim_GetAttributeValue;
	shim_list.C_EncryptInit = shim_EncryptInit;
	shim_list.C_Encrypt = shim_Encrypt;
	shim_list.C_EncryptUpdate = shim_EncryptUpdate;
	shim_list.C_EncryptFinal = shim_EncryptFinal;
	shim_list.C_DecryptInit = shim_DecryptInit;
	shim_list.C_Decrypt = shim_Decrypt;
	shim_list.C_DecryptUpdate = shim_DecryptUpdate;
	shim_list.C_DecryptFinal = shim_DecryptFinal;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	const char *path = getenv("P11SHIM_TARGET");
	CK_C_GetFunctionList get = NULL;
	CK_RV rv = CKR_OK;
	void *dl;

	if (!list)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&lock);
	if (!target) {
		dl = path ? dlopen(path, RTLD_NOW | RTLD_LOCAL) : NULL;
		if (dl)
			*(void **)&get = dlsym(dl, "C_GetFunctionList");
		rv = get ? get(&target) : CKR_GENERAL_ERROR;
		if (rv == CKR_OK) {
			shim_override();
			p11shim_hostile_install(&shim_list);
			p11shim_latency_install(&shim_list);
		} else {
			target = NULL;
		}
	}
	pthread_mutex_unlock(&lock);
	if (rv == CKR_OK)
		*list = &shim_list;
	return rv;
}
