/* SPDX-License-Identifier: MIT */
/* json_get.c - typed getters over a strictly parsed tree: each checks one
 * member's type and range and names the field when it refuses it. */
#include "json.h"

#include <math.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "encode.h"
#include "secmem.h"

const cJSON *json_member(const cJSON *obj, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsNull(it) ? NULL : it;
}

static enum err missing(const char *name)
{
	return err_set(ERR_FORMAT, "field '%s' is missing", name);
}

/* The string member, or NULL with r set (ERR_OK when absent and not
 * required). */
static const char *string_of(const cJSON *obj, const char *name, bool required,
                             const char *what, enum err *r)
{
	const cJSON *it = json_member(obj, name);

	*r = ERR_OK;
	if (!it) {
		if (required)
			*r = missing(name);
		return NULL;
	}
	if (!cJSON_IsString(it)) {
		*r = err_set(ERR_FORMAT, "field '%s' must be %s", name, what);
		return NULL;
	}
	return it->valuestring;
}

enum err json_get_str(const cJSON *obj, const char *name, bool required,
                      char *out, size_t cap)
{
	enum err r;
	const char *s = string_of(obj, name, required, "a string", &r);
	size_t len;

	out[0] = '\0';
	if (!s)
		return r;
	len = strlen(s);
	if (len >= cap)
		return err_set(ERR_FORMAT,
		               "field '%s' is longer than %zu bytes", name,
		               cap - 1);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return err_set(ERR_FORMAT,
			               "field '%s' contains a control "
			               "character",
			               name);
	memcpy(out, s, len + 1);
	return ERR_OK;
}

enum err json_get_strp(const cJSON *obj, const char *name, bool required,
                       size_t max, const char **out)
{
	enum err r;
	const char *s = string_of(obj, name, required, "a string", &r);

	*out = NULL;
	if (!s)
		return r;
	if (strlen(s) > max)
		return err_set(ERR_FORMAT,
		               "field '%s' is longer than %zu bytes", name,
		               max);
	*out = s;
	return ERR_OK;
}

enum err json_get_int(const cJSON *obj, const char *name, bool required,
                      long long min, long long max, long long *out)
{
	const cJSON *it = json_member(obj, name);
	double d;

	if (!it)
		return required ? missing(name) : ERR_OK;
	if (min < -JSON_INT_MAX)
		min = -JSON_INT_MAX;
	if (max > JSON_INT_MAX)
		max = JSON_INT_MAX;
	d = it->valuedouble;
	if (!cJSON_IsNumber(it) || !isfinite(d) || d != floor(d))
		return err_set(ERR_FORMAT, "field '%s' must be an integer",
		               name);
	/* in range before the cast: casting a double past long long is UB */
	if (!(d >= (double)min && d <= (double)max))
		return err_set(ERR_FORMAT,
		               "field '%s' must be within %lld..%lld", name,
		               min, max);
	*out = (long long)d;
	return ERR_OK;
}

enum err json_get_bool(const cJSON *obj, const char *name, bool required,
                       bool *out)
{
	const cJSON *it = json_member(obj, name);

	if (!it)
		return required ? missing(name) : ERR_OK;
	if (!cJSON_IsBool(it))
		return err_set(ERR_FORMAT, "field '%s' must be true or false",
		               name);
	*out = cJSON_IsTrue(it);
	return ERR_OK;
}

enum err json_get_obj(const cJSON *obj, const char *name, bool required,
                      const cJSON **out)
{
	const cJSON *it = json_member(obj, name);

	*out = NULL;
	if (!it)
		return required ? missing(name) : ERR_OK;
	if (!cJSON_IsObject(it))
		return err_set(ERR_FORMAT, "field '%s' must be an object",
		               name);
	*out = it;
	return ERR_OK;
}

enum err json_get_arr(const cJSON *obj, const char *name, bool required,
                      size_t max, const cJSON **out, size_t *n)
{
	const cJSON *it = json_member(obj, name);
	size_t count = 0;

	*out = NULL;
	*n = 0;
	if (!it)
		return required ? missing(name) : ERR_OK;
	if (!cJSON_IsArray(it))
		return err_set(ERR_FORMAT, "field '%s' must be an array", name);
	for (const cJSON *c = it->child; c; c = c->next)
		if (++count > max)
			return err_set(ERR_FORMAT,
			               "field '%s' has more than %zu items",
			               name, max);
	*out = it->child;
	*n = count;
	return ERR_OK;
}

enum err json_get_hex(const cJSON *obj, const char *name, bool required,
                      size_t min, size_t max, uint8_t *out, size_t *len)
{
	enum err r;
	const char *s = string_of(obj, name, required, "a hex string", &r);
	size_t n;

	if (len)
		*len = 0;
	if (!s)
		return r;
	n = strlen(s);
	if (n % 2 || n / 2 < min || n / 2 > max ||
	    decode_hex(out, n / 2, s) != ERR_OK) {
		if (min == max)
			return err_set(ERR_FORMAT,
			               "field '%s' must be %zu hex digits",
			               name, 2 * max);
		return err_set(ERR_FORMAT,
		               "field '%s' must be hex of %zu..%zu bytes", name,
		               min, max);
	}
	if (len)
		*len = n / 2;
	return ERR_OK;
}

enum err json_get_b64(const cJSON *obj, const char *name, bool required,
                      size_t min, size_t max, uint8_t *out, size_t *len)
{
	enum err r;
	const char *s = string_of(obj, name, required, "a base64 string", &r);
	size_t n = 0;

	*len = 0;
	if (!s)
		return r;
	if (decode_base64(out, max, &n, s, strlen(s)) != ERR_OK || n < min)
		return err_set(ERR_FORMAT,
		               "field '%s' must be standard base64 of "
		               "%zu..%zu bytes",
		               name, min, max);
	*len = n;
	return ERR_OK;
}

enum err json_get_b64_secret(const cJSON *obj, const char *name, bool required,
                             size_t min, size_t max, uint8_t **out, size_t *len)
{
	uint8_t *buf;
	enum err r;

	*out = NULL;
	*len = 0;
	if (!json_member(obj, name))
		return required ? missing(name) : ERR_OK;
	buf = secmem_alloc(max ? max : 1);
	if (!buf)
		return err_set(ERR_NOMEM, "no secure memory for '%s'", name);
	r = json_get_b64(obj, name, required, min, max, buf, len);
	if (r != ERR_OK) {
		secmem_free(buf);
		return r;
	}
	*out = buf;
	return ERR_OK;
}

bool json_is_uuid(const char *s)
{
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != '-'
		         : !((s[i] >= '0' && s[i] <= '9') ||
		             (s[i] >= 'a' && s[i] <= 'f') ||
		             (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	}
	return s[36] == '\0';
}

void json_sanitize(char *out, size_t cap, const char *src)
{
	size_t i = 0;

	if (!cap)
		return;
	for (; src && *src && i + 1 < cap; src++)
		out[i++] = (*src >= 0x20 && *src < 0x7f) ? *src : '?';
	out[i] = '\0';
}
