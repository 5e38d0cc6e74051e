/* SPDX-License-Identifier: MIT */
/* p11shim_hostile.c - TEST-ONLY: a PKCS#11 module that misbehaves on
 * purpose, as docs/robustness.md §2 lists, so the CLI tests can check
 * that p11seal never crashes, names the failing call and leaves no half-
 * made key behind. Chained on the forwarding layer of p11shim.c; off
 * unless an environment variable asks for it:
 *
 * P11SHIM_HOSTILE=B[,B...] with B one of
 *   attr-len0      CKA_LABEL and CKA_ID come back with ulValueLen 0
 *   attr-len1      ... as one byte 'x'
 *   attr-huge      ... as 64 KiB
 *   attr-unavail   ... as CK_UNAVAILABLE_INFORMATION with CKR_OK
 *   attr-grow      ... and a data object's CKA_VALUE: the second call
 *                  reports 100 bytes more than the buffer it was given
 *   attr-binary    ... as bytes with NUL, 0xff, ESC and newline
 *   find-extra     C_FindObjects reports 3 more handles than asked for
 *   find-dup       C_FindObjects returns every handle twice
 *   slots-grow     each C_GetSlotList call reports one slot more
 *   slots-grow-once  the slot count grows once, after the first call
 *   mech-garbage   C_GetMechanismInfo: CKR_OK and 0xa5 bytes, any type
 *   mech-nowrite   C_GetMechanismInfo: CKR_OK, output left untouched,
 *                  for mechanisms the token does not have
 *   encrypt-short  C_Encrypt/C_Decrypt(Update) report 16 bytes less
 *   encrypt-long   ... 16 bytes more than they wrote
 *   sensitive-value  a sensitive secret key's CKA_VALUE comes back
 *                  (32 bytes of 0x5a) with CKR_OK
 *   no-xts         hide the emulated CKM_AES_XTS, so DEKs are two keys
 *   digest-stuck   C_DigestKey fails (CKR_FUNCTION_FAILED) and leaves the
 *                  digest active below, as tpm2-pkcs11 1.9.0 does; SoftHSM
 *                  then refuses every other operation on the session
 *   no-secret-keys C_GenerateKey is CKR_FUNCTION_NOT_SUPPORTED and
 *                  C_CreateObject of a secret key CKR_ATTRIBUTE_VALUE_INVALID,
 *                  as tpm2-pkcs11 1.9.0 answers (issue 12)
 *   no-gcm         CKM_AES_GCM absent: C_GetMechanismInfo and C_EncryptInit
 *                  answer CKR_MECHANISM_INVALID (opencryptoki 3.8.1)
 *   hmac-keytype   generic secret keys read as CKK_SHA256_HMAC, and a
 *                  search finds them only by that type (tpm2-pkcs11)
 *   pin-final-try  C_GetTokenInfo sets CKF_USER_PIN_FINAL_TRY, as a token
 *                  with one user PIN try left does
 * P11SHIM_FAIL=FUNCTION:N:RV  the N-th call of C_FUNCTION and every later
 *   one return RV (a CKR_ name or 0x hex) without reaching the token.
 * P11SHIM_DIE=FUNCTION:N:RV  the module dies at the N-th call of
 *   C_FUNCTION: that call and every later call of any function return RV,
 *   and the first one writes into a pipe whose reader is gone, as the
 *   client of a PKCS#11 proxy whose server crashed does (caml-crush): the
 *   process gets SIGPIPE unless it ignores it.
 * P11SHIM_REFUSE=CKA_NAME[,CKA_NAME...]  C_GenerateKey, C_CreateObject and
 *   C_UnwrapKey answer a template that holds any of these attributes (a
 *   name in attr_names[] or 0x hex) with CKR_ATTRIBUTE_TYPE_INVALID, as
 *   opencryptoki 3.8.1's soft token answers CKA_COPYABLE (measured).
 * P11SHIM_LOG=FILE  append the name of every call this layer sees (those
 *   installed below, C_UnwrapKey among them) to FILE, one a line, so a
 *   test can show a call never happened. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p11shim.h"

enum {
	H_LEN0 = 1 << 0,
	H_LEN1 = 1 << 1,
	H_HUGE = 1 << 2,
	H_UNAVAIL = 1 << 3,
	H_GROW = 1 << 4,
	H_BINARY = 1 << 5,
	H_FIND_EXTRA = 1 << 6,
	H_FIND_DUP = 1 << 7,
	H_SLOTS_GROW = 1 << 8,
	H_SLOTS_ONCE = 1 << 9,
	H_MECH_GARBAGE = 1 << 10,
	H_MECH_NOWRITE = 1 << 11,
	H_ENC_SHORT = 1 << 12,
	H_ENC_LONG = 1 << 13,
	H_SENSITIVE_VALUE = 1 << 14,
	H_NO_XTS = 1 << 15,
	H_DIGEST_STUCK = 1 << 16,
	H_NO_SECRET_KEYS = 1 << 17,
	H_NO_GCM = 1 << 18,
	H_HMAC_KEYTYPE = 1 << 19,
	H_PIN_FINAL_TRY = 1 << 20,
};

/* A key type no token has: a search for it finds nothing. */
#define NO_SUCH_KEY_TYPE 0x7ffffff0UL

#define ATTR_ANY (H_LEN0 | H_LEN1 | H_HUGE | H_UNAVAIL | H_GROW | H_BINARY)
#define HUGE_LEN (64u * 1024)
#define FAKE_SLOT 0xdead0000UL

static const struct {
	const char *name;
	unsigned bit;
} behaviours[] = {
	{ "attr-len0", H_LEN0 },	    { "attr-len1", H_LEN1 },
	{ "attr-huge", H_HUGE },	    { "attr-unavail", H_UNAVAIL },
	{ "attr-grow", H_GROW },	    { "attr-binary", H_BINARY },
	{ "find-extra", H_FIND_EXTRA },	    { "find-dup", H_FIND_DUP },
	{ "slots-grow", H_SLOTS_GROW },	    { "slots-grow-once", H_SLOTS_ONCE },
	{ "mech-garbage", H_MECH_GARBAGE }, { "mech-nowrite", H_MECH_NOWRITE },
	{ "encrypt-short", H_ENC_SHORT },   { "encrypt-long", H_ENC_LONG },
	{ "sensitive-value", H_SENSITIVE_VALUE }, { "no-xts", H_NO_XTS },
	{ "digest-stuck", H_DIGEST_STUCK }, { "no-secret-keys", H_NO_SECRET_KEYS },
	{ "no-gcm", H_NO_GCM }, { "hmac-keytype", H_HMAC_KEYTYPE },
	{ "pin-final-try", H_PIN_FINAL_TRY },
};

#define N_BEHAVIOURS (sizeof(behaviours) / sizeof(behaviours[0]))

static const struct {
	const char *name;
	CK_RV rv;
} rv_names[] = {
	{ "CKR_DEVICE_REMOVED", CKR_DEVICE_REMOVED },
	{ "CKR_SESSION_HANDLE_INVALID", CKR_SESSION_HANDLE_INVALID },
	{ "CKR_DEVICE_ERROR", CKR_DEVICE_ERROR },
	{ "CKR_TOKEN_NOT_PRESENT", CKR_TOKEN_NOT_PRESENT },
	{ "CKR_GENERAL_ERROR", CKR_GENERAL_ERROR },
	{ "CKR_DEVICE_MEMORY", CKR_DEVICE_MEMORY },
	{ "CKR_SESSION_CLOSED", CKR_SESSION_CLOSED },
	{ "CKR_CRYPTOKI_NOT_INITIALIZED", CKR_CRYPTOKI_NOT_INITIALIZED },
	{ "CKR_RANDOM_NO_RNG", CKR_RANDOM_NO_RNG },
	{ "CKR_FUNCTION_NOT_SUPPORTED", CKR_FUNCTION_NOT_SUPPORTED },
	{ "CKR_FUNCTION_FAILED", CKR_FUNCTION_FAILED },
};

static const struct {
	const char *name;
	CK_ATTRIBUTE_TYPE type;
} attr_names[] = {
	{ "CKA_TOKEN", CKA_TOKEN },
	{ "CKA_SENSITIVE", CKA_SENSITIVE },
	{ "CKA_EXTRACTABLE", CKA_EXTRACTABLE },
	{ "CKA_MODIFIABLE", CKA_MODIFIABLE },
	{ "CKA_COPYABLE", CKA_COPYABLE },
	{ "CKA_ALLOWED_MECHANISMS", CKA_ALLOWED_MECHANISMS },
	{ "CKA_WRAP_WITH_TRUSTED", CKA_WRAP_WITH_TRUSTED },
};

#define REFUSE_MAX 8

static const unsigned char binary_value[] = "\x1b[31mX\xff\n\xc3(ab\0cd";

static CK_FUNCTION_LIST inner; /* the layer below, as it was */
static unsigned hostile;
static struct {
	char fn[48];
	unsigned long n, calls;
	CK_RV rv;
} fail;
static struct {
	char fn[48];
	unsigned long n, calls;
	CK_RV rv;
	int dead;
} die;
static CK_ATTRIBUTE_TYPE refuse[REFUSE_MAX];
static size_t n_refuse;
static unsigned long slot_calls;
static char log_path[512];
static pthread_mutex_t hlock = PTHREAD_MUTEX_INITIALIZER;

/* What a proxy client does when its server is gone: write to the
 * socket, and get EPIPE, or SIGPIPE when the process does not ignore it. */
static void write_to_dead_peer(void)
{
	int p[2];
	ssize_t n;

	if (pipe(p) != 0)
		return;
	close(p[0]);
	/* EPIPE is the point: the module turns it into an error code. */
	n = write(p[1], "x", 1);
	(void)n;
	close(p[1]);
}

/* True (with *rv) once the module has died (P11SHIM_DIE). */
static int dead(const char *fn, CK_RV *rv)
{
	int now = 0, is_dead;

	if (!die.n)
		return 0;
	pthread_mutex_lock(&hlock);
	if (!die.dead && strcmp(fn, die.fn) == 0 && ++die.calls >= die.n)
		now = die.dead = 1;
	is_dead = die.dead;
	pthread_mutex_unlock(&hlock);
	if (now)
		write_to_dead_peer();
	if (is_dead)
		*rv = die.rv;
	return is_dead;
}

/* True (with *rv) when the module has died, or fn is the function
 * P11SHIM_FAIL names and its N-th call has come. */
static int fault(const char *fn, CK_RV *rv)
{
	FILE *f;
	int hit;

	if (log_path[0]) {
		pthread_mutex_lock(&hlock);
		f = fopen(log_path, "a");
		if (f) {
			fprintf(f, "%s\n", fn);
			fclose(f);
		}
		pthread_mutex_unlock(&hlock);
	}
	if (dead(fn, rv))
		return 1;
	if (!fail.n || strcmp(fn, fail.fn) != 0)
		return 0;
	pthread_mutex_lock(&hlock);
	hit = ++fail.calls >= fail.n;
	pthread_mutex_unlock(&hlock);
	if (hit)
		*rv = fail.rv;
	return hit;
}

#define FAULT(fn)                                                      \
	do {                                                           \
		CK_RV frv_;                                            \
		if (fault(#fn, &frv_))                                 \
			return frv_;                                   \
	} while (0)

/* A name from rv_names or 0x hex; anything else is a test bug, said
 * loudly rather than read as hex ("CKR_..." would give 0xc). */
static unsigned long rv_parse(const char *s)
{
	for (size_t i = 0; i < sizeof(rv_names) / sizeof(rv_names[0]); i++)
		if (strcmp(s, rv_names[i].name) == 0)
			return rv_names[i].rv;
	if (strncmp(s, "0x", 2) != 0) {
		fprintf(stderr, "p11shim: unknown CK_RV name '%s'\n", s);
		abort();
	}
	return strtoul(s, NULL, 16);
}

/* "C_FindObjects:2:CKR_DEVICE_REMOVED" into fn, *n and *rv; *n stays 0
 * for a malformed spec. */
static void spec_parse(const char *spec, char fn[48], unsigned long *n,
		       CK_RV *rv)
{
	char buf[128], *cnt, *r;

	snprintf(buf, sizeof(buf), "%s", spec);
	cnt = strchr(buf, ':');
	r = cnt ? strchr(cnt + 1, ':') : NULL;
	if (!cnt || !r)
		return;
	*cnt++ = '\0';
	*r++ = '\0';
	snprintf(fn, 48, "%.47s", buf);
	*n = strtoul(cnt, NULL, 10);
	*rv = rv_parse(r);
}

static unsigned hostile_parse(const char *list)
{
	char buf[256], *tok, *save = NULL;
	unsigned bits = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < N_BEHAVIOURS; i++)
			if (strcmp(tok, behaviours[i].name) == 0)
				bits |= behaviours[i].bit;
	return bits;
}

/* "CKA_COPYABLE,CKA_ALLOWED_MECHANISMS" */
static void refuse_parse(const char *list)
{
	char buf[256], *tok, *save = NULL;

	n_refuse = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok && n_refuse < REFUSE_MAX;
	     tok = strtok_r(NULL, ",", &save)) {
		CK_ATTRIBUTE_TYPE type = strtoul(tok, NULL, 16);

		for (size_t i = 0; i < sizeof(attr_names) / sizeof(attr_names[0]);
		     i++)
			if (strcmp(tok, attr_names[i].name) == 0)
				type = attr_names[i].type;
		refuse[n_refuse++] = type;
	}
}

/* True when a key template holds an attribute P11SHIM_REFUSE names. */
static int refuses(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++)
		for (size_t j = 0; j < n_refuse; j++)
			if (t[i].type == refuse[j])
				return 1;
	return 0;
}

/* Replace a CKA_LABEL or CKA_ID answer; cap = caller's buffer size. */
static CK_RV bad_label(CK_ATTRIBUTE *a, CK_ULONG cap, CK_RV rv)
{
	const unsigned char *fill = NULL;
	CK_ULONG len = 0;

	if (hostile & H_LEN1) {
		len = 1;
		fill = (const unsigned char *)"x";
	} else if (hostile & H_HUGE) {
		len = HUGE_LEN;
	} else if (hostile & H_BINARY) {
		len = sizeof(binary_value) - 1;
		fill = binary_value;
	}
	if (hostile & H_UNAVAIL) {
		a->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_OK;
	}
	if (hostile & H_GROW) {
		if (rv == CKR_OK && a->pValue)
			a->ulValueLen = cap + 100;
		return rv;
	}
	if (a->pValue && cap < len) {
		a->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		return CKR_BUFFER_TOO_SMALL;
	}
	if (a->pValue && fill)
		memcpy(a->pValue, fill, len);
	else if (a->pValue)
		memset(a->pValue, 'H', len);
	a->ulValueLen = len;
	return CKR_OK;
}

static CK_OBJECT_CLASS class_of(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	CK_OBJECT_CLASS c = (CK_OBJECT_CLASS)-1;
	CK_ATTRIBUTE a = { CKA_CLASS, &c, sizeof(c) };

	inner.C_GetAttributeValue(s, o, &a, 1);
	return c;
}

/* CKA_VALUE: a sensitive secret key that answers anyway, or a data
 * object whose length grows between the two calls. */
static CK_RV bad_value(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
		       CK_ATTRIBUTE *a, CK_ULONG cap, CK_RV rv)
{
	CK_OBJECT_CLASS c = class_of(s, o);

	if ((hostile & H_SENSITIVE_VALUE) && c == CKO_SECRET_KEY &&
	    rv == CKR_ATTRIBUTE_SENSITIVE) {
		if (a->pValue && cap < 32)
			return CKR_BUFFER_TOO_SMALL;
		if (a->pValue)
			memset(a->pValue, 0x5a, 32);
		a->ulValueLen = 32;
		return CKR_OK;
	}
	if ((hostile & H_GROW) && c == CKO_DATA && rv == CKR_OK && a->pValue)
		a->ulValueLen = cap + 100;
	return rv;
}

static CK_RV h_GetAttributeValue(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o,
				 CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	CK_ULONG caps[64];
	CK_RV rv;

	FAULT(C_GetAttributeValue);
	for (CK_ULONG i = 0; i < n && i < 64; i++)
		caps[i] = t[i].ulValueLen;
	rv = inner.C_GetAttributeValue(s, o, t, n);
	for (CK_ULONG i = 0; (hostile & H_HMAC_KEYTYPE) && i < n; i++)
		if (t[i].type == CKA_KEY_TYPE && t[i].pValue &&
		    t[i].ulValueLen == sizeof(CK_KEY_TYPE) &&
		    *(CK_KEY_TYPE *)t[i].pValue == CKK_GENERIC_SECRET)
			*(CK_KEY_TYPE *)t[i].pValue = CKK_SHA256_HMAC;
	/* One attribute per call is what p11seal asks; keep it simple. */
	if (n != 1)
		return rv;
	if ((t[0].type == CKA_LABEL || t[0].type == CKA_ID) &&
	    (hostile & ATTR_ANY))
		return bad_label(&t[0], caps[0], rv);
	if (t[0].type == CKA_VALUE)
		return bad_value(s, o, &t[0], caps[0], rv);
	return rv;
}

static CK_RV h_FindObjects(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE_PTR out,
			   CK_ULONG max, CK_ULONG_PTR n)
{
	CK_ULONG half = (max + 1) / 2;
	CK_RV rv;

	FAULT(C_FindObjects);
	if (!(hostile & H_FIND_DUP) || !out || !n || max < 2)
		rv = inner.C_FindObjects(s, out, max, n);
	else
		rv = inner.C_FindObjects(s, out, half, n);
	if (rv != CKR_OK || !n)
		return rv;
	/* From the end, so out[i] is still unread when copied. */
	if ((hostile & H_FIND_DUP) && max >= 2) {
		for (CK_ULONG i = *n; i-- > 0;) {
			out[2 * i] = out[i];
			if (2 * i + 1 < max)
				out[2 * i + 1] = out[i];
		}
		*n = 2 * *n > max ? max : 2 * *n;
	}
	if ((hostile & H_FIND_EXTRA) && *n > 0)
		*n = max + 3;
	return rv;
}

static CK_RV h_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list,
			   CK_ULONG_PTR count)
{
	CK_ULONG real = 0, extra, cap = count ? *count : 0;
	CK_RV rv;

	FAULT(C_GetSlotList);
	if (!(hostile & (H_SLOTS_GROW | H_SLOTS_ONCE)) || !count)
		return inner.C_GetSlotList(present, list, count);
	pthread_mutex_lock(&hlock);
	extra = (hostile & H_SLOTS_GROW) ? ++slot_calls : slot_calls++ ? 1 : 0;
	pthread_mutex_unlock(&hlock);
	rv = inner.C_GetSlotList(present, NULL, &real);
	if (rv != CKR_OK)
		return rv;
	*count = real + extra;
	if (!list)
		return CKR_OK;
	if (cap < real + extra)
		return CKR_BUFFER_TOO_SMALL;
	rv = inner.C_GetSlotList(present, list, &real);
	for (CK_ULONG i = 0; rv == CKR_OK && i < extra; i++)
		list[real + i] = FAKE_SLOT + i;
	*count = real + extra;
	return rv;
}

static CK_RV h_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type,
				CK_MECHANISM_INFO_PTR info)
{
	CK_MECHANISM_INFO mine;
	CK_RV rv;

	FAULT(C_GetMechanismInfo);
	if ((hostile & H_NO_XTS) &&
	    (type == CKM_AES_XTS || type == CKM_AES_XTS_KEY_GEN))
		return CKR_MECHANISM_INVALID;
	if ((hostile & H_NO_GCM) && type == CKM_AES_GCM)
		return CKR_MECHANISM_INVALID;
	if ((hostile & H_MECH_GARBAGE) && info) {
		memset(info, 0xa5, sizeof(*info));
		return CKR_OK;
	}
	if (!(hostile & H_MECH_NOWRITE) || !info)
		return inner.C_GetMechanismInfo(slot, type, info);
	/* The token below may clear *info even when it fails: ask into a
	 * copy (of the caller's buffer, so that what the token leaves alone
	 * stays as the caller had it). */
	mine = *info;
	rv = inner.C_GetMechanismInfo(slot, type, &mine);
	if (rv == CKR_OK)
		*info = mine;
	return rv == CKR_MECHANISM_INVALID ? CKR_OK : rv;
}

/* The emulated XTS mechanisms come last in the layer below's list. */
static CK_RV h_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list,
				CK_ULONG_PTR n)
{
	CK_MECHANISM_TYPE *all;
	CK_ULONG m;
	CK_RV rv;

	FAULT(C_GetMechanismList);
	if (!(hostile & H_NO_XTS) || !n)
		return inner.C_GetMechanismList(slot, list, n);
	m = *n + 2;
	all = list ? calloc(m, sizeof(*all)) : NULL;
	if (list && !all)
		return CKR_HOST_MEMORY;
	rv = inner.C_GetMechanismList(slot, all, &m);
	if ((rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL) && m >= 2) {
		if (rv == CKR_OK && list)
			memcpy(list, all, (m - 2) * sizeof(*all));
		*n = m - 2;
	}
	free(all);
	return rv;
}

/* Encrypt/decrypt answers whose length is not what was written. */
static CK_RV bad_length(CK_RV rv, CK_BYTE_PTR out, CK_ULONG_PTR len)
{
	if (rv != CKR_OK || !out || !len)
		return rv;
	if ((hostile & H_ENC_SHORT) && *len >= 16)
		*len -= 16;
	if (hostile & H_ENC_LONG)
		*len += 16;
	return rv;
}

static CK_RV h_Encrypt(CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG len,
		       CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	FAULT(C_Encrypt);
	return bad_length(inner.C_Encrypt(s, in, len, out, out_len), out,
			  out_len);
}

static CK_RV h_Decrypt(CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG len,
		       CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	FAULT(C_Decrypt);
	return bad_length(inner.C_Decrypt(s, in, len, out, out_len), out,
			  out_len);
}

static CK_RV h_EncryptUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR in,
			     CK_ULONG len, CK_BYTE_PTR out,
			     CK_ULONG_PTR out_len)
{
	FAULT(C_EncryptUpdate);
	return bad_length(inner.C_EncryptUpdate(s, in, len, out, out_len),
			  out, out_len);
}

static CK_RV h_DecryptUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR in,
			     CK_ULONG len, CK_BYTE_PTR out,
			     CK_ULONG_PTR out_len)
{
	FAULT(C_DecryptUpdate);
	return bad_length(inner.C_DecryptUpdate(s, in, len, out, out_len),
			  out, out_len);
}

/* The other calls p11seal makes: only P11SHIM_FAIL applies. */
#define PASS(fn, params, args)                                         \
	static CK_RV h_##fn params                                     \
	{                                                              \
		FAULT(C_##fn);                                         \
		return inner.C_##fn args;                              \
	}

static CK_RV h_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	CK_RV rv;

	FAULT(C_GetTokenInfo);
	rv = inner.C_GetTokenInfo(slot, info);
	if (rv == CKR_OK && (hostile & H_PIN_FINAL_TRY))
		info->flags |= CKF_USER_PIN_FINAL_TRY;
	return rv;
}

PASS(OpenSession,
     (CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
      CK_SESSION_HANDLE_PTR s),
     (slot, flags, app, notify, s))
PASS(Login,
     (CK_SESSION_HANDLE s, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin,
      CK_ULONG len),
     (s, user, pin, len))
PASS(Logout, (CK_SESSION_HANDLE s), (s))
PASS(WrapKey,
     (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE w,
      CK_OBJECT_HANDLE k, CK_BYTE_PTR out, CK_ULONG_PTR len),
     (s, m, w, k, out, len))
PASS(DigestUpdate, (CK_SESSION_HANDLE s, CK_BYTE_PTR p, CK_ULONG n),
     (s, p, n))
PASS(SignInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k),
     (s, m, k))
PASS(Sign,
     (CK_SESSION_HANDLE s, CK_BYTE_PTR p, CK_ULONG n, CK_BYTE_PTR sig,
      CK_ULONG_PTR len),
     (s, p, n, sig, len))
PASS(VerifyInit,
     (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k),
     (s, m, k))
PASS(Verify,
     (CK_SESSION_HANDLE s, CK_BYTE_PTR p, CK_ULONG n, CK_BYTE_PTR sig,
      CK_ULONG len),
     (s, p, n, sig, len))

/* hmac-keytype: a search by CKK_SHA256_HMAC finds the generic secrets
 * below, one by CKK_GENERIC_SECRET nothing. */
static CK_RV h_FindObjectsInit(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t,
			       CK_ULONG n)
{
	CK_KEY_TYPE generic = CKK_GENERIC_SECRET, none = NO_SUCH_KEY_TYPE;
	CK_ATTRIBUTE copy[32];

	FAULT(C_FindObjectsInit);
	if (!(hostile & H_HMAC_KEYTYPE) || !t || n > 32)
		return inner.C_FindObjectsInit(s, t, n);
	for (CK_ULONG i = 0; i < n; i++) {
		copy[i] = t[i];
		if (t[i].type != CKA_KEY_TYPE || !t[i].pValue ||
		    t[i].ulValueLen != sizeof(CK_KEY_TYPE))
			continue;
		if (*(CK_KEY_TYPE *)t[i].pValue == CKK_SHA256_HMAC)
			copy[i].pValue = &generic;
		else if (*(CK_KEY_TYPE *)t[i].pValue == CKK_GENERIC_SECRET)
			copy[i].pValue = &none;
	}
	return inner.C_FindObjectsInit(s, copy, n);
}
PASS(FindObjectsFinal, (CK_SESSION_HANDLE s), (s))

static int is_secret_key(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++)
		if (t[i].type == CKA_CLASS && t[i].pValue &&
		    t[i].ulValueLen == sizeof(CK_OBJECT_CLASS) &&
		    *(const CK_OBJECT_CLASS *)t[i].pValue == CKO_SECRET_KEY)
			return 1;
	return 0;
}

/* Key templates: P11SHIM_REFUSE, then P11SHIM_FAIL. */
static CK_RV h_GenerateKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,
			   CK_ATTRIBUTE_PTR t, CK_ULONG n,
			   CK_OBJECT_HANDLE_PTR h)
{
	if (refuses(t, n))
		return CKR_ATTRIBUTE_TYPE_INVALID;
	FAULT(C_GenerateKey);
	if (hostile & H_NO_SECRET_KEYS)
		return CKR_FUNCTION_NOT_SUPPORTED;
	return inner.C_GenerateKey(s, m, t, n, h);
}

static CK_RV h_CreateObject(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t,
			    CK_ULONG n, CK_OBJECT_HANDLE_PTR h)
{
	if (refuses(t, n))
		return CKR_ATTRIBUTE_TYPE_INVALID;
	FAULT(C_CreateObject);
	if ((hostile & H_NO_SECRET_KEYS) && is_secret_key(t, n))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	return inner.C_CreateObject(s, t, n, h);
}

static CK_RV h_UnwrapKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,
			 CK_OBJECT_HANDLE k, CK_BYTE_PTR blob, CK_ULONG len,
			 CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR h)
{
	if (refuses(t, n))
		return CKR_ATTRIBUTE_TYPE_INVALID;
	FAULT(C_UnwrapKey);
	return inner.C_UnwrapKey(s, m, k, blob, len, t, n, h);
}

PASS(DestroyObject, (CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h), (s, h))
PASS(GenerateRandom, (CK_SESSION_HANDLE s, CK_BYTE_PTR p, CK_ULONG n),
     (s, p, n))
PASS(DigestInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m), (s, m))

/* digest-stuck: fails, and the digest below stays active. */
static CK_RV h_DigestKey(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h)
{
	FAULT(C_DigestKey);
	if (hostile & H_DIGEST_STUCK)
		return CKR_FUNCTION_FAILED;
	return inner.C_DigestKey(s, h);
}

PASS(DigestFinal, (CK_SESSION_HANDLE s, CK_BYTE_PTR p, CK_ULONG_PTR n),
     (s, p, n))
static CK_RV h_EncryptInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,
			   CK_OBJECT_HANDLE h)
{
	FAULT(C_EncryptInit);
	if ((hostile & H_NO_GCM) && m && m->mechanism == CKM_AES_GCM)
		return CKR_MECHANISM_INVALID;
	return inner.C_EncryptInit(s, m, h);
}

PASS(DecryptInit, (CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,
		   CK_OBJECT_HANDLE h), (s, m, h))

void p11shim_hostile_install(CK_FUNCTION_LIST *list)
{
	const char *h = getenv("P11SHIM_HOSTILE");
	const char *f = getenv("P11SHIM_FAIL");
	const char *rf = getenv("P11SHIM_REFUSE");
	const char *d = getenv("P11SHIM_DIE");
	const char *l = getenv("P11SHIM_LOG");

	hostile = h ? hostile_parse(h) : 0;
	memset(&fail, 0, sizeof(fail));
	if (f)
		spec_parse(f, fail.fn, &fail.n, &fail.rv);
	memset(&die, 0, sizeof(die));
	if (d)
		spec_parse(d, die.fn, &die.n, &die.rv);
	n_refuse = 0;
	if (rf)
		refuse_parse(rf);
	snprintf(log_path, sizeof(log_path), "%s", l ? l : "");
	if (!hostile && !fail.n && !n_refuse && !die.n && !log_path[0])
		return;
	inner = *list;
	list->C_GetSlotList = h_GetSlotList;
	list->C_GetTokenInfo = h_GetTokenInfo;
	list->C_GetMechanismList = h_GetMechanismList;
	list->C_GetMechanismInfo = h_GetMechanismInfo;
	list->C_OpenSession = h_OpenSession;
	list->C_Login = h_Login;
	list->C_FindObjectsInit = h_FindObjectsInit;
	list->C_FindObjects = h_FindObjects;
	list->C_FindObjectsFinal = h_FindObjectsFinal;
	list->C_GetAttributeValue = h_GetAttributeValue;
	list->C_GenerateKey = h_GenerateKey;
	list->C_CreateObject = h_CreateObject;
	list->C_UnwrapKey = h_UnwrapKey;
	list->C_DestroyObject = h_DestroyObject;
	list->C_GenerateRandom = h_GenerateRandom;
	list->C_DigestInit = h_DigestInit;
	list->C_DigestKey = h_DigestKey;
	list->C_DigestFinal = h_DigestFinal;
	list->C_EncryptInit = h_EncryptInit;
	list->C_Encrypt = h_Encrypt;
	list->C_EncryptUpdate = h_EncryptUpdate;
	list->C_DecryptInit = h_DecryptInit;
	list->C_Decrypt = h_Decrypt;
	list->C_DecryptUpdate = h_DecryptUpdate;
	list->C_WrapKey = h_WrapKey;
	list->C_DigestUpdate = h_DigestUpdate;
	list->C_SignInit = h_SignInit;
	list->C_Sign = h_Sign;
	list->C_VerifyInit = h_VerifyInit;
	list->C_Verify = h_Verify;
	list->C_Logout = h_Logout;
}
