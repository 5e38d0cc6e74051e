/* SPDX-License-Identifier: MIT */
/* err.h - the one error type of p11seal, plus a per-thread detail message.
 * Library code returns enum err and records the cause once with err_set(). */
#ifndef P11SEAL_ERR_H
#define P11SEAL_ERR_H

enum err {
	ERR_OK = 0,
	ERR_NOMEM,     /* allocation failed */
	ERR_USAGE,     /* bad argument from the caller */
	ERR_IO,        /* read/write/open failed; detail has errno text */
	ERR_FORMAT,    /* malformed input: VHD, JSON, URI, key file */
	ERR_HSM,       /* PKCS#11 call failed; detail has the CKR_ name */
	ERR_PIN,       /* wrong, locked or missing PIN */
	ERR_NOT_FOUND, /* no such token, key, object or file */
	ERR_EXISTS,    /* object or file already there */
	ERR_CRYPTO,    /* OpenSSL failure */
	ERR_VERIFY,    /* a check failed: keyhash, MAC, chain, manifest */
	ERR_POLICY,    /* refused on purpose: unsafe key, missing capability */
	ERR_HTTP,      /* transport failure or unexpected HTTP status */
	ERR_AUTH,      /* Key Protect / IAM refused our credentials */
	ERR_REMOTE,    /* Key Protect answered with an error body */
	ERR_UNSUPPORTED, /* the token or input lacks a needed feature */
	ERR_INTERNAL,    /* a bug: should never happen */
	ERR_COUNT
};

/* Short fixed name of e ("token error"); never NULL. */
const char *err_str(enum err e);

/* Record the detail of the current error for this thread and return e. */
enum err err_set(enum err e, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Prepend context to the current detail ("open token: <old detail>"). */
enum err err_wrap(enum err e, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Detail of the last err_set() in this thread; "" if none. */
const char *err_detail(void);

/* Forget the current detail. */
void err_clear(void);

/* err_set(e, "<what>: <strerror(errno)>"), reading errno first. */
enum err err_errno(enum err e, const char *what);

#endif
