/* SPDX-License-Identifier: MIT */
/* p11_data.c - metadata beside keys as private CKO_DATA objects of
 * application "p11seal"; replacing one writes the new object first so a
 * failure never leaves the key without its metadata. */
#include "p11_data.h"

#include <stdlib.h>
#include <string.h>

#include "p11.h"
#include "p11_ckr.h"
#include "p11_int.h"
#include "p11_session.h"

#define APPLICATION "p11seal"
#define FIND_MAX    8

static enum err find(struct p11_session *s, const char *label,
                     CK_OBJECT_HANDLE *out, CK_ULONG *n)
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_SESSION_HANDLE h = p11_session_handle(s);
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_APPLICATION, p11_unconst(APPLICATION),
		  strlen(APPLICATION) },
		{ CKA_LABEL, p11_unconst(label), strlen(label) },
	};
	CK_RV rv;

	*n = 0;
	rv = fn->C_FindObjectsInit(h, t, 3);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_FindObjectsInit (data)", label);
	rv = fn->C_FindObjects(h, out, FIND_MAX, n);
	fn->C_FindObjectsFinal(h);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_FindObjects (data)", label);
	if (*n > FIND_MAX)
		return err_set(ERR_HSM,
		               "C_FindObjects (data) returned %lu "
		               "handles where %d were asked for: the PKCS#11 "
		               "module is broken",
		               (unsigned long)*n, FIND_MAX);
	return ERR_OK;
}

enum err p11_data_put(struct p11_session *s, const char *label,
                      const void *value, size_t len)
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_OBJECT_HANDLE old[FIND_MAX], obj;
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_APPLICATION, p11_unconst(APPLICATION),
		  strlen(APPLICATION) },
		{ CKA_LABEL, p11_unconst(label), strlen(label) },
		{ CKA_VALUE, p11_unconst(value), len },
	};
	CK_ULONG n = 0;
	enum err r;
	CK_RV rv;

	if (len > P11_DATA_MAX)
		return err_set(ERR_USAGE, "metadata for '%s' too large", label);
	r = find(s, label, old, &n);
	if (r != ERR_OK)
		return r;
	rv = fn->C_CreateObject(p11_session_handle(s), t, 6, &obj);
	/* NSS softoken refuses every token CKO_DATA object (measured). */
	if (rv == CKR_ATTRIBUTE_VALUE_INVALID ||
	    rv == CKR_TEMPLATE_INCONSISTENT)
		return err_set(ERR_UNSUPPORTED,
		               "token '%s' cannot store data "
		               "objects, so p11seal cannot keep metadata "
		               "beside '%s' (%s)",
		               p11_session_token(s)->label, label,
		               p11_ckr_name(rv));
	if (rv != CKR_OK)
		return p11_fail(rv, "C_CreateObject (metadata of)", label);
	for (CK_ULONG i = 0; i < n; i++)
		fn->C_DestroyObject(p11_session_handle(s), old[i]);
	return ERR_OK;
}

/* The value of the data object labelled label, *value NULL if there is
 * none. *token_failed: the error came from a search or a call that the
 * module failed (p11_ckr_module_failed), not from the object's answer. */
static enum err data_read(struct p11_session *s, const char *label,
                          char **value, size_t *len, bool *token_failed)
{
	CK_FUNCTION_LIST *fn = p11_session_fn(s);
	CK_OBJECT_HANDLE objs[FIND_MAX];
	CK_ATTRIBUTE a = { CKA_VALUE, NULL, 0 };
	CK_ULONG n = 0, cap;
	enum err r;
	CK_RV rv;

	*value = NULL;
	*token_failed = true;
	r = find(s, label, objs, &n);
	if (r != ERR_OK || n == 0)
		return r;
	rv = fn->C_GetAttributeValue(p11_session_handle(s), objs[0], &a, 1);
	*token_failed = p11_ckr_module_failed(rv);
	if (rv != CKR_OK)
		return p11_fail(rv, "C_GetAttributeValue (metadata of)", label);
	if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION ||
	    a.ulValueLen > P11_DATA_MAX)
		return err_set(ERR_FORMAT, "metadata of '%s' has a bad length",
		               label);
	cap = a.ulValueLen;
	a.pValue = calloc(1, cap + 1);
	if (!a.pValue)
		return err_set(ERR_NOMEM, "metadata");
	rv = fn->C_GetAttributeValue(p11_session_handle(s), objs[0], &a, 1);
	*token_failed = p11_ckr_module_failed(rv);
	/* A length beyond the buffer now is a broken module, not data. */
	if (rv == CKR_OK && a.ulValueLen > cap)
		r = err_set(ERR_HSM,
		            "C_GetAttributeValue (metadata of) %s: "
		            "%lu bytes reported for a %lu-byte buffer",
		            label, (unsigned long)a.ulValueLen,
		            (unsigned long)cap);
	else if (rv != CKR_OK)
		r = p11_fail(rv, "C_GetAttributeValue (metadata of)", label);
	if (r != ERR_OK) {
		free(a.pValue);
		return r;
	}
	*value = a.pValue;
	*len = a.ulValueLen;
	return ERR_OK;
}

enum err p11_data_get(struct p11_session *s, const char *label, char **value,
                      size_t *len)
{
	bool token_failed;
	enum err r = data_read(s, label, value, len, &token_failed);

	if (r == ERR_OK && !*value)
		r = err_set(ERR_NOT_FOUND, "no metadata for '%s'", label);
	return r;
}

enum err p11_data_get_opt(struct p11_session *s, const char *label,
                          char **value, size_t *len)
{
	bool token_failed;
	enum err r = data_read(s, label, value, len, &token_failed);

	/* an object that answers with a bad length or a refusal holds no
	 * metadata p11seal can use: as if absent */
	if (r != ERR_OK && !token_failed) {
		err_clear();
		r = ERR_OK;
	}
	return r;
}

enum err p11_data_delete(struct p11_session *s, const char *label)
{
	CK_OBJECT_HANDLE objs[FIND_MAX];
	CK_ULONG n = 0;
	enum err r;

	r = find(s, label, objs, &n);
	for (CK_ULONG i = 0; r == ERR_OK && i < n; i++) {
		CK_RV rv = p11_session_fn(s)->C_DestroyObject(
		        p11_session_handle(s), objs[i]);

		if (rv != CKR_OK)
			r = p11_fail(rv, "C_DestroyObject (metadata of)",
			             label);
	}
	return r;
}
