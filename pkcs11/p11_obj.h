/* SPDX-License-Identifier: MIT */
/* p11_obj.h - find token objects and read their attributes. */
#ifndef P11SEAL_P11_OBJ_H
#define P11SEAL_P11_OBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "p11.h"

struct p11_session;

#define P11_LABEL_MAX        128
#define P11_ID_MAX           64
#define P11_MECHS_MAX        8
#define P11_ANY_CLASS        ((CK_OBJECT_CLASS)-1)
#define P11_SECRET_PROBE_MAX 4096 /* larger than any key value we read */

/* Attribute flags, read back from the token. */
enum p11_flag {
	P11F_TOKEN,
	P11F_PRIVATE,
	P11F_SENSITIVE,
	P11F_EXTRACTABLE,
	P11F_ALWAYS_SENSITIVE,
	P11F_NEVER_EXTRACTABLE,
	P11F_LOCAL,
	P11F_ENCRYPT,
	P11F_DECRYPT,
	P11F_WRAP,
	P11F_UNWRAP,
	P11F_SIGN,
	P11F_VERIFY,
	P11F_DERIVE,
	P11F_MODIFIABLE,
	P11F_COPYABLE,
	P11F_DESTROYABLE,
	P11F_WRAP_WITH_TRUSTED,
	P11F_TRUSTED,
	P11F_COUNT
};

struct p11_obj_info {
	CK_OBJECT_HANDLE handle;
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE key_type; /* CK_UNAVAILABLE_INFORMATION if none */
	char label[P11_LABEL_MAX + 1];
	uint8_t id[P11_ID_MAX];
	size_t id_len;
	CK_ULONG value_len;    /* key bytes; 0 if unknown */
	CK_ULONG modulus_bits; /* RSA keys */
	bool flag[P11F_COUNT];
	bool known[P11F_COUNT]; /* false: the token did not say */
	uint8_t kcv[3];
	bool has_kcv;
	CK_MECHANISM_TYPE mechs[P11_MECHS_MAX];
	size_t n_mechs;           /* 0 = no CKA_ALLOWED_MECHANISMS */
	bool has_unwrap_template; /* CKA_UNWRAP_TEMPLATE present */
};

/* Name of a flag as in PKCS#11 without CKA_ ("sensitive", ...). */
const char *p11_flag_name(enum p11_flag f);

/* The CKA_ attribute behind each flag. */
extern const CK_ATTRIBUTE_TYPE p11_flag_attr[P11F_COUNT];

/* Handles of objects matching class (P11_ANY_CLASS), label and id (each
 * NULL = any). Writes at most cap distinct handles (a module's duplicates
 * dropped); *n is the number written. A module that returns more handles
 * than asked for is an error. Always ends the search. */
enum err p11_obj_find(struct p11_session *s, CK_OBJECT_CLASS cls,
                      const char *label, const uint8_t *id, size_t id_len,
                      CK_OBJECT_HANDLE *out, size_t cap, size_t *n);

/* Every object of class cls (up to cap) into *out, which the caller
 * frees (NULL on error). */
enum err p11_obj_find_all(struct p11_session *s, CK_OBJECT_CLASS cls,
                          size_t cap, CK_OBJECT_HANDLE **out, size_t *n);

/* Destroy every object of class cls that left(info) says an interrupted
 * run left behind; *removed counts them. A failure names what ("root
 * copy", "import key") and the label. */
enum err p11_obj_sweep(struct p11_session *s, CK_OBJECT_CLASS cls,
                       bool (*left)(const struct p11_obj_info *),
                       const char *what, size_t *removed);

/* A flag a key's role needs, and its value. */
struct p11_want {
	enum p11_flag flag;
	bool value;
};

/* ERR_POLICY naming role, i's label and the first flag of w[0..n) that
 * the token does not report or that has another value. */
enum err p11_obj_check_wants(const struct p11_obj_info *i,
                             const struct p11_want *w, size_t n,
                             const char *role);

/* The arguments w, n of p11_obj_check_wants for a static array. */
#define P11_WANTS(w) (w), sizeof(w) / sizeof((w)[0])

/* Exactly one object: ERR_NOT_FOUND if none, ERR_USAGE if several
 * ("label 'x' matches 2 objects"). */
enum err p11_obj_find_one(struct p11_session *s, CK_OBJECT_CLASS cls,
                          const char *label, const uint8_t *id, size_t id_len,
                          CK_OBJECT_HANDLE *out);

/* The one rule for a new object's label: ERR_OK when no object of any
 * class carries it (a label names one thing, so `key show` and `key
 * delete` never have to guess between a key and, say, a data object);
 * ERR_EXISTS with the one message every key kind gives otherwise. */
enum err p11_obj_label_free(struct p11_session *s, const char *label);

/* Read class, type, label, id, lengths, flags, KCV and allowed mechanisms.
 * Two-call C_GetAttributeValue; hostile lengths are rejected (the
 * attribute counts as absent). A token or session gone mid-way is an
 * error naming C_GetAttributeValue, not a key with attributes missing. */
enum err p11_obj_info(struct p11_session *s, CK_OBJECT_HANDLE h,
                      struct p11_obj_info *out);

/* One attribute into buf (cap bytes), two-call: true with *len when the
 * token gives it; false when it withholds it, the value does not fit, or
 * the call failed. *rv is the last CK_RV (CKR_OK for a misfit). */
bool p11_obj_attr(struct p11_session *s, CK_OBJECT_HANDLE h,
                  CK_ATTRIBUTE_TYPE type, void *buf, CK_ULONG cap,
                  CK_ULONG *len, CK_RV *rv);

/* True when rv means the token, session or object is gone (further
 * attribute reads are pointless and absence is no answer). */
bool p11_obj_rv_fatal(CK_RV rv);

/* *readable: the token hands out the secret of key h: CKA_VALUE, or
 * CKA_PRIVATE_EXPONENT when cls is CKO_PRIVATE_KEY. A value that comes
 * back is read into secure memory and wiped at once. A refusal
 * (CKR_ATTRIBUTE_SENSITIVE, ...) is "not readable"; a module or session
 * that failed (p11_ckr_module_failed) is an error, never "not readable":
 * an audit must not pass a key it could not ask about. */
enum err p11_obj_secret_readable(struct p11_session *s, CK_OBJECT_HANDLE h,
                                 CK_OBJECT_CLASS cls, bool *readable);

/* C_DestroyObject. */
enum err p11_obj_destroy(struct p11_session *s, CK_OBJECT_HANDLE h);

/* Destroy on an error path: keeps the current error detail, ignores
 * CK_INVALID_HANDLE. */
void p11_obj_discard(struct p11_session *s, CK_OBJECT_HANDLE h);

#endif
