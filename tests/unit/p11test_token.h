/* SPDX-License-Identifier: MIT */
/* p11test_token.h - a throw-away SoftHSM token for C tests and benchmarks:
 * temp dir, softhsm2.conf from the template, softhsm2-util --init-token,
 * module dlopen'ed (SoftHSM itself or the test shim), session, login,
 * and known AES key values created in it. Test-only. */
#ifndef P11SEAL_P11TEST_TOKEN_H
#define P11SEAL_P11TEST_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "p11.h"

#define P11TEST_PIN "1234"
#define P11TEST_SO_PIN "12345678"
#define P11TEST_NSS_MODULE "libsoftokn3.so" /* found by the loader */
#define P11TEST_NSS_TOKEN "NSS Certificate DB"

struct p11test_token {
	char dir[64];          /* temp dir holding the conf and token files */
	void *dl;              /* dlopen handle of the module */
	CK_FUNCTION_LIST *fn;
	CK_SESSION_HANDLE sh;
	bool initialized;      /* C_Initialize succeeded */
	char init_args[128];   /* pReserved for C_Initialize (NSS), or "" */
	char reason[256];      /* why p11test_token_open failed or skipped */
};

enum p11test_status { P11TEST_OK, P11TEST_SKIP, P11TEST_FAIL };

/* Path of SoftHSM from p11-kit's softhsm2.module, or NULL. */
const char *p11test_softhsm_path(void);

/* Make a fresh token labelled label and log in as user. module = NULL
 * loads SoftHSM; otherwise that module (e.g. the shim) is loaded.
 * P11TEST_SKIP when softhsm2-util or SoftHSM is missing (t->reason says
 * which); p11test_token_close() is needed in every case. */
enum p11test_status p11test_token_open(struct p11test_token *t,
				       const char *label, const char *module);

/* Make a fresh NSS softoken database (certutil -N, PIN P11TEST_PIN), load
 * NSS softoken on it and log in to its P11TEST_NSS_TOKEN token.
 * P11TEST_SKIP when NSS softoken or certutil is missing. */
enum p11test_status p11test_nss_open(struct p11test_token *t);

/* Close the session, finalize, unload and delete the token directory. */
void p11test_token_close(struct p11test_token *t);

/* Key roles for p11test_aes_key. */
enum p11test_role {
	P11TEST_DATA,  /* ECB only, ENCRYPT + DECRYPT */
	P11TEST_TWEAK, /* ECB only, ENCRYPT only */
	P11TEST_XTS,   /* CKK_AES_XTS, CKM_AES_XTS only, ENCRYPT + DECRYPT */
};

/* C_CreateObject a sensitive, non-extractable secret key holding value
 * (len bytes) for role; on_token = persistent token object. Returns the
 * handle or CK_INVALID_HANDLE (t->reason says why). */
CK_OBJECT_HANDLE p11test_aes_key(struct p11test_token *t, const uint8_t *value,
				 size_t len, enum p11test_role role,
				 bool on_token);

/* Both halves of an XTS key (data = first half, tweak = second half). */
bool p11test_xts_halves(struct p11test_token *t, const uint8_t *key,
			size_t len, bool on_token, CK_OBJECT_HANDLE *data,
			CK_OBJECT_HANDLE *tweak);

#endif
