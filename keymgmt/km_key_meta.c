/* SPDX-License-Identifier: MIT */
/* km_key_meta.c - metadata beside a new key, where the token allows it. */
#include "km_key_meta.h"

#include <time.h>

#include "km_inventory.h"

cJSON *km_key_meta_new(void)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(o, "created", when);
	return o;
}

enum err km_key_put_meta(struct p11_session *s, const char *label,
                         const char *kind, const cJSON *meta, bool *stored)
{
	enum err r;

	*stored = false;
	if (!meta)
		return err_set(ERR_NOMEM, "metadata");
	r = km_inventory_put_meta(s, label, kind, meta);
	*stored = r == ERR_OK;
	if (r == ERR_UNSUPPORTED) {
		err_clear();
		r = ERR_OK;
	}
	return r;
}
