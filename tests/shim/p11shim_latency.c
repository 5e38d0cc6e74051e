/* SPDX-License-Identifier: MIT */
/* p11shim_latency.c - TEST-ONLY: P11SHIM_LATENCY_US=N delays every token
 * call p11seal makes by N microseconds before forwarding it, as a network
 * HSM's round trip would (C_Initialize, C_Finalize and C_GetFunctionList,
 * which a network module answers locally, are not delayed). The delay is a
 * sleep, not CPU: calls on different sessions overlap, as they would on
 * the wire. Chained outermost, on top of the hostile layer. */
#include <stdlib.h>
#include <time.h>

#include "p11shim.h"

static CK_FUNCTION_LIST inner;
static struct timespec delay;

static void wait_rtt(void)
{
	struct timespec left = delay;

	while (nanosleep(&left, &left) != 0)
		;
}

#define LAT(fn, params, args)                                          \
	static CK_RV l_##fn params                                     \
	{                                                              \
		wait_rtt();                                            \
		return inner.C_##fn args;                              \
	}

#define S CK_SESSION_HANDLE s
#define M CK_MECHANISM_PTR m
#define K CK_OBJECT_HANDLE k
#define T CK_ATTRIBUTE_PTR t, CK_ULONG nt
#define IO CK_BYTE_PTR in, CK_ULONG len, CK_BYTE_PTR out, CK_ULONG_PTR olen
#define TAIL CK_BYTE_PTR out, CK_ULONG_PTR olen

LAT(GetInfo, (CK_INFO_PTR i), (i))
LAT(GetSlotList, (CK_BBOOL p, CK_SLOT_ID_PTR l, CK_ULONG_PTR n), (p, l, n))
LAT(GetSlotInfo, (CK_SLOT_ID id, CK_SLOT_INFO_PTR i), (id, i))
LAT(GetTokenInfo, (CK_SLOT_ID id, CK_TOKEN_INFO_PTR i), (id, i))
LAT(GetMechanismList,
    (CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR l, CK_ULONG_PTR n), (id, l, n))
LAT(GetMechanismInfo,
    (CK_SLOT_ID id, CK_MECHANISM_TYPE ty, CK_MECHANISM_INFO_PTR i),
    (id, ty, i))
LAT(InitToken,
    (CK_SLOT_ID id, CK_UTF8CHAR_PTR p, CK_ULONG n, CK_UTF8CHAR_PTR l),
    (id, p, n, l))
LAT(InitPIN, (S, CK_UTF8CHAR_PTR p, CK_ULONG n), (s, p, n))
LAT(OpenSession,
    (CK_SLOT_ID id, CK_FLAGS f, CK_VOID_PTR a, CK_NOTIFY cb,
     CK_SESSION_HANDLE_PTR out),
    (id, f, a, cb, out))
LAT(CloseSession, (S), (s))
LAT(GetSessionInfo, (S, CK_SESSION_INFO_PTR i), (s, i))
LAT(Login, (S, CK_USER_TYPE u, CK_UTF8CHAR_PTR p, CK_ULONG n), (s, u, p, n))
LAT(Logout, (S), (s))
LAT(CreateObject, (S, T, CK_OBJECT_HANDLE_PTR h), (s, t, nt, h))
LAT(CopyObject, (S, K, T, CK_OBJECT_HANDLE_PTR h), (s, k, t, nt, h))
LAT(DestroyObject, (S, K), (s, k))
LAT(GetAttributeValue, (S, K, T), (s, k, t, nt))
LAT(SetAttributeValue, (S, K, T), (s, k, t, nt))
LAT(FindObjectsInit, (S, T), (s, t, nt))
LAT(FindObjects, (S, CK_OBJECT_HANDLE_PTR h, CK_ULONG max, CK_ULONG_PTR n),
    (s, h, max, n))
LAT(FindObjectsFinal, (S), (s))
LAT(EncryptInit, (S, M, K), (s, m, k))
LAT(Encrypt, (S, IO), (s, in, len, out, olen))
LAT(EncryptUpdate, (S, IO), (s, in, len, out, olen))
LAT(EncryptFinal, (S, TAIL), (s, out, olen))
LAT(DecryptInit, (S, M, K), (s, m, k))
LAT(Decrypt, (S, IO), (s, in, len, out, olen))
LAT(DecryptUpdate, (S, IO), (s, in, len, out, olen))
LAT(DecryptFinal, (S, TAIL), (s, out, olen))
LAT(DigestInit, (S, M), (s, m))
LAT(Digest, (S, IO), (s, in, len, out, olen))
LAT(DigestUpdate, (S, CK_BYTE_PTR in, CK_ULONG len), (s, in, len))
LAT(DigestKey, (S, K), (s, k))
LAT(DigestFinal, (S, TAIL), (s, out, olen))
LAT(SignInit, (S, M, K), (s, m, k))
LAT(Sign, (S, IO), (s, in, len, out, olen))
LAT(VerifyInit, (S, M, K), (s, m, k))
LAT(Verify, (S, CK_BYTE_PTR in, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG n),
    (s, in, len, sig, n))
LAT(GenerateKey, (S, M, T, CK_OBJECT_HANDLE_PTR h), (s, m, t, nt, h))
LAT(GenerateKeyPair,
    (S, M, CK_ATTRIBUTE_PTR pt, CK_ULONG npt, CK_ATTRIBUTE_PTR vt,
     CK_ULONG nvt, CK_OBJECT_HANDLE_PTR pub, CK_OBJECT_HANDLE_PTR priv),
    (s, m, pt, npt, vt, nvt, pub, priv))
LAT(WrapKey, (S, M, CK_OBJECT_HANDLE w, K, TAIL), (s, m, w, k, out, olen))
LAT(UnwrapKey,
    (S, M, CK_OBJECT_HANDLE u, CK_BYTE_PTR in, CK_ULONG len, T,
     CK_OBJECT_HANDLE_PTR h),
    (s, m, u, in, len, t, nt, h))
LAT(GenerateRandom, (S, CK_BYTE_PTR out, CK_ULONG len), (s, out, len))

void p11shim_latency_install(CK_FUNCTION_LIST *list)
{
	const char *v = getenv("P11SHIM_LATENCY_US");
	unsigned long us = v ? strtoul(v, NULL, 10) : 0;

	if (!us)
		return;
	delay.tv_sec = (time_t)(us / 1000000);
	delay.tv_nsec = (long)(us % 1000000) * 1000;
	inner = *list;
#define SET(fn) list->C_##fn = l_##fn
	SET(GetInfo);
	SET(GetSlotList);
	SET(GetSlotInfo);
	SET(GetTokenInfo);
	SET(GetMechanismList);
	SET(GetMechanismInfo);
	SET(InitToken);
	SET(InitPIN);
	SET(OpenSession);
	SET(CloseSession);
	SET(GetSessionInfo);
	SET(Login);
	SET(Logout);
	SET(CreateObject);
	SET(CopyObject);
	SET(DestroyObject);
	SET(GetAttributeValue);
	SET(SetAttributeValue);
	SET(FindObjectsInit);
	SET(FindObjects);
	SET(FindObjectsFinal);
	SET(EncryptInit);
	SET(Encrypt);
	SET(EncryptUpdate);
	SET(EncryptFinal);
	SET(DecryptInit);
	SET(Decrypt);
	SET(DecryptUpdate);
	SET(DecryptFinal);
	SET(DigestInit);
	SET(Digest);
	SET(DigestUpdate);
	SET(DigestKey);
	SET(DigestFinal);
	SET(SignInit);
	SET(Sign);
	SET(VerifyInit);
	SET(Verify);
	SET(GenerateKey);
	SET(GenerateKeyPair);
	SET(WrapKey);
	SET(UnwrapKey);
	SET(GenerateRandom);
#undef SET
}
