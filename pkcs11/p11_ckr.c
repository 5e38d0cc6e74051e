/* SPDX-License-Identifier: MIT */
/* p11_ckr.c - every CK_RV a token may return, with its name, what it means
 * to a person, and the error class p11seal reports it under. */
#include "p11_ckr.h"

#include <stdbool.h>
#include <stdio.h>

struct ckr_entry {
	CK_RV rv;
	const char *name;
	const char *meaning;
	enum err cls;
};

static const struct ckr_entry table[] = {
	{ CKR_OK, "CKR_OK", "success", ERR_OK },
	{ CKR_CANCEL, "CKR_CANCEL", "the operation was cancelled", ERR_HSM },
	{ CKR_HOST_MEMORY, "CKR_HOST_MEMORY",
	  "the module ran out of memory (on openCryptoki: is pkcsslotd "
	  "running?)",
	  ERR_NOMEM },
	{ CKR_SLOT_ID_INVALID, "CKR_SLOT_ID_INVALID", "the slot is gone",
	  ERR_NOT_FOUND },
	{ CKR_GENERAL_ERROR, "CKR_GENERAL_ERROR",
	  "the token failed without saying why (SoftHSM 2.6 also reports a "
	  "failed GCM tag this way)",
	  ERR_HSM },
	{ CKR_FUNCTION_FAILED, "CKR_FUNCTION_FAILED",
	  "the token could not complete the call", ERR_HSM },
	{ CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD",
	  "the token rejected the parameters (SoftHSM 2.6 says this for OAEP "
	  "with anything but SHA-1)",
	  ERR_HSM },
	{ CKR_NO_EVENT, "CKR_NO_EVENT", "no slot event", ERR_HSM },
	{ CKR_NEED_TO_CREATE_THREADS, "CKR_NEED_TO_CREATE_THREADS",
	  "the module needs to create threads", ERR_HSM },
	{ CKR_CANT_LOCK, "CKR_CANT_LOCK",
	  "the module cannot do the locking asked for", ERR_HSM },
	{ CKR_ATTRIBUTE_READ_ONLY, "CKR_ATTRIBUTE_READ_ONLY",
	  "an attribute cannot be set or changed", ERR_POLICY },
	{ CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE",
	  "the value is sensitive and cannot be read", ERR_POLICY },
	{ CKR_ATTRIBUTE_TYPE_INVALID, "CKR_ATTRIBUTE_TYPE_INVALID",
	  "the token does not know an attribute", ERR_UNSUPPORTED },
	{ CKR_ATTRIBUTE_VALUE_INVALID, "CKR_ATTRIBUTE_VALUE_INVALID",
	  "the token does not accept the value of an attribute",
	  ERR_UNSUPPORTED },
	{ CKR_ACTION_PROHIBITED, "CKR_ACTION_PROHIBITED",
	  "the object forbids this (not modifiable / not destroyable)",
	  ERR_POLICY },
	{ CKR_DATA_INVALID, "CKR_DATA_INVALID", "the input data is invalid",
	  ERR_FORMAT },
	{ CKR_DATA_LEN_RANGE, "CKR_DATA_LEN_RANGE",
	  "the input length is wrong for the mechanism", ERR_FORMAT },
	{ CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR",
	  "the device failed (over p11-kit remoting: a template the RPC cannot "
	  "carry)",
	  ERR_HSM },
	{ CKR_DEVICE_MEMORY, "CKR_DEVICE_MEMORY", "the token is out of memory",
	  ERR_HSM },
	{ CKR_DEVICE_REMOVED, "CKR_DEVICE_REMOVED", "the token was removed",
	  ERR_NOT_FOUND },
	{ CKR_ENCRYPTED_DATA_INVALID, "CKR_ENCRYPTED_DATA_INVALID",
	  "the ciphertext is invalid or was tampered with", ERR_VERIFY },
	{ CKR_ENCRYPTED_DATA_LEN_RANGE, "CKR_ENCRYPTED_DATA_LEN_RANGE",
	  "the ciphertext length is wrong", ERR_FORMAT },
	{ CKR_FUNCTION_CANCELED, "CKR_FUNCTION_CANCELED",
	  "the function was cancelled", ERR_HSM },
	{ CKR_FUNCTION_NOT_PARALLEL, "CKR_FUNCTION_NOT_PARALLEL",
	  "no parallel execution", ERR_HSM },
	{ CKR_FUNCTION_NOT_SUPPORTED, "CKR_FUNCTION_NOT_SUPPORTED",
	  "the token does not implement this function", ERR_UNSUPPORTED },
	{ CKR_KEY_HANDLE_INVALID, "CKR_KEY_HANDLE_INVALID", "the key is gone",
	  ERR_NOT_FOUND },
	{ CKR_KEY_SIZE_RANGE, "CKR_KEY_SIZE_RANGE",
	  "the key size is not supported", ERR_UNSUPPORTED },
	{ CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT",
	  "the key type does not fit the mechanism", ERR_POLICY },
	{ CKR_KEY_NOT_NEEDED, "CKR_KEY_NOT_NEEDED", "no key is needed",
	  ERR_HSM },
	{ CKR_KEY_CHANGED, "CKR_KEY_CHANGED", "the key changed", ERR_HSM },
	{ CKR_KEY_NEEDED, "CKR_KEY_NEEDED", "a key is needed", ERR_HSM },
	{ CKR_KEY_INDIGESTIBLE, "CKR_KEY_INDIGESTIBLE",
	  "the token cannot digest this key", ERR_UNSUPPORTED },
	{ CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED",
	  "the key's attributes do not allow this use", ERR_POLICY },
	{ CKR_KEY_NOT_WRAPPABLE, "CKR_KEY_NOT_WRAPPABLE",
	  "the key may not be wrapped this way (trusted wrapping required?)",
	  ERR_POLICY },
	{ CKR_KEY_UNEXTRACTABLE, "CKR_KEY_UNEXTRACTABLE",
	  "the key is not extractable", ERR_POLICY },
	{ CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID",
	  "the token (or the key's allowed mechanisms) does not offer this "
	  "mechanism",
	  ERR_UNSUPPORTED },
	{ CKR_MECHANISM_PARAM_INVALID, "CKR_MECHANISM_PARAM_INVALID",
	  "the token rejected the mechanism parameters", ERR_UNSUPPORTED },
	{ CKR_OBJECT_HANDLE_INVALID, "CKR_OBJECT_HANDLE_INVALID",
	  "the object is gone", ERR_NOT_FOUND },
	{ CKR_OPERATION_ACTIVE, "CKR_OPERATION_ACTIVE",
	  "another operation is active in this session", ERR_HSM },
	{ CKR_OPERATION_NOT_INITIALIZED, "CKR_OPERATION_NOT_INITIALIZED",
	  "no operation is active (the token ended it after an error)",
	  ERR_HSM },
	{ CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT", "the PIN is incorrect",
	  ERR_PIN },
	{ CKR_PIN_INVALID, "CKR_PIN_INVALID", "the PIN has invalid characters",
	  ERR_PIN },
	{ CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE",
	  "the PIN is too short or too long for this token", ERR_PIN },
	{ CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED",
	  "the PIN has expired; set a new one", ERR_PIN },
	{ CKR_PIN_LOCKED, "CKR_PIN_LOCKED",
	  "the PIN is locked; the security officer must reset it", ERR_PIN },
	{ CKR_SESSION_CLOSED, "CKR_SESSION_CLOSED", "the session was closed",
	  ERR_HSM },
	{ CKR_SESSION_COUNT, "CKR_SESSION_COUNT",
	  "the token has too many open sessions", ERR_HSM },
	{ CKR_SESSION_HANDLE_INVALID, "CKR_SESSION_HANDLE_INVALID",
	  "the session is no longer valid (token removed or reset?)", ERR_HSM },
	{ CKR_SESSION_PARALLEL_NOT_SUPPORTED,
	  "CKR_SESSION_PARALLEL_NOT_SUPPORTED",
	  "parallel sessions are not supported", ERR_HSM },
	{ CKR_SESSION_READ_ONLY, "CKR_SESSION_READ_ONLY",
	  "the session or token is read-only", ERR_POLICY },
	{ CKR_SESSION_EXISTS, "CKR_SESSION_EXISTS", "a session is open already",
	  ERR_HSM },
	{ CKR_SESSION_READ_ONLY_EXISTS, "CKR_SESSION_READ_ONLY_EXISTS",
	  "a read-only session exists, so the SO cannot log in", ERR_HSM },
	{ CKR_SESSION_READ_WRITE_SO_EXISTS, "CKR_SESSION_READ_WRITE_SO_EXISTS",
	  "an SO session exists", ERR_HSM },
	{ CKR_SIGNATURE_INVALID, "CKR_SIGNATURE_INVALID",
	  "the signature or MAC does not verify", ERR_VERIFY },
	{ CKR_SIGNATURE_LEN_RANGE, "CKR_SIGNATURE_LEN_RANGE",
	  "the signature or MAC has the wrong length", ERR_VERIFY },
	{ CKR_TEMPLATE_INCOMPLETE, "CKR_TEMPLATE_INCOMPLETE",
	  "the template lacks a required attribute", ERR_HSM },
	{ CKR_TEMPLATE_INCONSISTENT, "CKR_TEMPLATE_INCONSISTENT",
	  "the template conflicts with the token's rules (unwrap template?)",
	  ERR_POLICY },
	{ CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT",
	  "no token in the slot", ERR_NOT_FOUND },
	{ CKR_TOKEN_NOT_RECOGNIZED, "CKR_TOKEN_NOT_RECOGNIZED",
	  "the token is not recognised", ERR_NOT_FOUND },
	{ CKR_TOKEN_WRITE_PROTECTED, "CKR_TOKEN_WRITE_PROTECTED",
	  "the token is write-protected", ERR_POLICY },
	{ CKR_UNWRAPPING_KEY_HANDLE_INVALID,
	  "CKR_UNWRAPPING_KEY_HANDLE_INVALID", "the unwrapping key is gone",
	  ERR_NOT_FOUND },
	{ CKR_UNWRAPPING_KEY_SIZE_RANGE, "CKR_UNWRAPPING_KEY_SIZE_RANGE",
	  "the unwrapping key size is not supported", ERR_UNSUPPORTED },
	{ CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT,
	  "CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT",
	  "the unwrapping key type does not fit", ERR_POLICY },
	{ CKR_USER_ALREADY_LOGGED_IN, "CKR_USER_ALREADY_LOGGED_IN",
	  "already logged in", ERR_OK },
	{ CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN",
	  "the token needs a login first", ERR_PIN },
	{ CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED",
	  "the user PIN was never set (token init incomplete)", ERR_PIN },
	{ CKR_USER_TYPE_INVALID, "CKR_USER_TYPE_INVALID", "invalid user type",
	  ERR_HSM },
	{ CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
	  "CKR_USER_ANOTHER_ALREADY_LOGGED_IN",
	  "another user (SO?) is logged in; use a separate process", ERR_PIN },
	{ CKR_USER_TOO_MANY_TYPES, "CKR_USER_TOO_MANY_TYPES",
	  "too many user types logged in", ERR_PIN },
	{ CKR_WRAPPED_KEY_INVALID, "CKR_WRAPPED_KEY_INVALID",
	  "the wrapped key is invalid or was tampered with", ERR_VERIFY },
	{ CKR_WRAPPED_KEY_LEN_RANGE, "CKR_WRAPPED_KEY_LEN_RANGE",
	  "the wrapped key has the wrong length", ERR_FORMAT },
	{ CKR_WRAPPING_KEY_HANDLE_INVALID, "CKR_WRAPPING_KEY_HANDLE_INVALID",
	  "the wrapping key is gone", ERR_NOT_FOUND },
	{ CKR_WRAPPING_KEY_SIZE_RANGE, "CKR_WRAPPING_KEY_SIZE_RANGE",
	  "the wrapping key size is not supported", ERR_UNSUPPORTED },
	{ CKR_WRAPPING_KEY_TYPE_INCONSISTENT,
	  "CKR_WRAPPING_KEY_TYPE_INCONSISTENT",
	  "the wrapping key type does not fit", ERR_POLICY },
	{ CKR_RANDOM_SEED_NOT_SUPPORTED, "CKR_RANDOM_SEED_NOT_SUPPORTED",
	  "seeding the RNG is not supported", ERR_UNSUPPORTED },
	{ CKR_RANDOM_NO_RNG, "CKR_RANDOM_NO_RNG", "the token has no RNG",
	  ERR_UNSUPPORTED },
	{ CKR_DOMAIN_PARAMS_INVALID, "CKR_DOMAIN_PARAMS_INVALID",
	  "invalid domain parameters", ERR_FORMAT },
	{ CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL",
	  "the output buffer was too small", ERR_INTERNAL },
	{ CKR_SAVED_STATE_INVALID, "CKR_SAVED_STATE_INVALID",
	  "invalid saved state", ERR_HSM },
	{ CKR_INFORMATION_SENSITIVE, "CKR_INFORMATION_SENSITIVE",
	  "the information is sensitive", ERR_POLICY },
	{ CKR_STATE_UNSAVEABLE, "CKR_STATE_UNSAVEABLE",
	  "the state cannot be saved", ERR_HSM },
	{ CKR_CRYPTOKI_NOT_INITIALIZED, "CKR_CRYPTOKI_NOT_INITIALIZED",
	  "the module is not initialised", ERR_INTERNAL },
	{ CKR_CRYPTOKI_ALREADY_INITIALIZED, "CKR_CRYPTOKI_ALREADY_INITIALIZED",
	  "the module is initialised already", ERR_HSM },
	{ CKR_MUTEX_BAD, "CKR_MUTEX_BAD", "bad mutex", ERR_HSM },
	{ CKR_MUTEX_NOT_LOCKED, "CKR_MUTEX_NOT_LOCKED", "mutex not locked",
	  ERR_HSM },
	{ CKR_FUNCTION_REJECTED, "CKR_FUNCTION_REJECTED",
	  "the token refused the call", ERR_POLICY },
};

#define N_ENTRIES (sizeof(table) / sizeof(table[0]))

static const struct ckr_entry *lookup(CK_RV rv)
{
	for (size_t i = 0; i < N_ENTRIES; i++)
		if (table[i].rv == rv)
			return &table[i];
	return NULL;
}

const char *p11_ckr_name(CK_RV rv)
{
	static _Thread_local char unknown[32];
	const struct ckr_entry *e = lookup(rv);

	if (e)
		return e->name;
	snprintf(unknown, sizeof(unknown), "CKR_0x%08lx", (unsigned long)rv);
	return unknown;
}

enum err p11_fail(CK_RV rv, const char *op, const char *what)
{
	const struct ckr_entry *e = lookup(rv);
	enum err cls = e ? e->cls : ERR_HSM;

	if (cls == ERR_OK)
		cls = ERR_HSM;
	return err_set(
	        cls, "%s%s%s: %s (%s)", op, what ? " " : "", what ? what : "",
	        e ? e->meaning : "vendor-specific error", p11_ckr_name(rv));
}

/* What says the module, or the connection to it, is gone or broken: the
 * token gave no answer, so a trial cannot read it as "not supported". */
static const CK_RV broken[] = {
	CKR_HOST_MEMORY,       CKR_SLOT_ID_INVALID,
	CKR_GENERAL_ERROR,     CKR_DEVICE_ERROR,
	CKR_DEVICE_MEMORY,     CKR_DEVICE_REMOVED,
	CKR_SESSION_CLOSED,    CKR_SESSION_HANDLE_INVALID,
	CKR_TOKEN_NOT_PRESENT, CKR_CRYPTOKI_NOT_INITIALIZED,
};

bool p11_ckr_module_failed(CK_RV rv)
{
	/* A vendor code is no answer p11seal can read as "not supported"
	 * (caml-crush's client with its proxy gone: 0xffffffffffffffff);
	 * a standard code this table lacks (PKCS#11 3.0's, say) is. */
	if (rv >= CKR_VENDOR_DEFINED)
		return true;
	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++)
		if (broken[i] == rv)
			return true;
	return false;
}
