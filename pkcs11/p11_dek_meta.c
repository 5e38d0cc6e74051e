/* SPDX-License-Identifier: MIT */
/* p11_dek_meta.c - read back the DEK size p11seal stored when it made or
 * imported the DEK; only consulted when the token cannot say. */
#include "p11_dek_meta.h"

#include <stdlib.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "p11_data.h"

enum err p11_dek_meta_size(struct p11_session *s, const char *label,
                           size_t *size)
{
	long long n = 0;
	cJSON *m = NULL;
	char *v = NULL;
	size_t len = 0;
	enum err r = p11_data_get(s, label, &v, &len);

	if (r == ERR_OK)
		r = json_parse_object(v, len, &m);
	free(v);
	if (r == ERR_OK)
		r = json_get_int(m, "size", true, 32, 64, &n);
	if (r == ERR_OK && (n == 32 || n == 64))
		*size = (size_t)n;
	else
		r = err_set(ERR_NOT_FOUND,
		            "DEK '%s': the token does not record "
		            "its key length (CKA_VALUE_LEN) and p11seal's "
		            "metadata beside it has no size",
		            label);
	cJSON_Delete(m);
	return r;
}
