/* SPDX-License-Identifier: MIT */
/* cos_keys.c - HMAC keys out of a credential text; the text and the keys
 * stay in secure memory (cJSON is routed through secmem). */
#include "cos_keys.h"

#include <string.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "secmem.h"

static bool key_chars(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return len > 0 && len < 256;
}

static enum err from_json(const char *text, char **access, char **secret)
{
	const struct cJSON *o = NULL, *k;
	const char *a = NULL, *s = NULL;
	struct cJSON *j = NULL;
	enum err r = json_parse_object(text, strlen(text), &j);

	if (r == ERR_OK)
		r = json_get_obj(j, "cos_hmac_keys", false, &o);
	k = o ? o : j;
	if (r == ERR_OK)
		r = json_get_strp(k, "access_key_id", true, 255, &a);
	if (r == ERR_OK)
		r = json_get_strp(k, "secret_access_key", true, 255, &s);
	if (r == ERR_OK && key_chars(a, strlen(a)) && key_chars(s, strlen(s))) {
		*access = secmem_strdup(a);
		*secret = secmem_strdup(s);
	}
	cJSON_Delete(j);
	return ERR_OK;
}

enum err cos_keys_parse(const char *text, char **access, char **secret)
{
	const char *colon = strchr(text, ':');
	size_t n = strcspn(text, "\r\n");

	*access = *secret = NULL;
	if (text[0] == '{')
		from_json(text, access, secret);
	else if (colon && (size_t)(colon - text) < n &&
	         key_chars(text, (size_t)(colon - text)) &&
	         key_chars(colon + 1, n - (size_t)(colon - text) - 1)) {
		*access = secmem_memdup(text, (size_t)(colon - text));
		*secret = secmem_memdup(colon + 1,
		                        n - (size_t)(colon - text) - 1);
	}
	if (*access && *secret)
		return ERR_OK;
	secmem_free(*access);
	secmem_free(*secret);
	*access = *secret = NULL;
	err_clear();
	return err_set(ERR_FORMAT, "HMAC keys: expected IBM's credential JSON "
	                           "(cos_hmac_keys) or one line "
	                           "ACCESS_KEY_ID:SECRET_ACCESS_KEY");
}
