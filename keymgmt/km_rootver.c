/* SPDX-License-Identifier: MIT */
/* km_rootver.c - find the versions of a root key among the token's secret
 * keys by label, and say which Key Protect key they are. */
#include "km_rootver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "encode.h"
#include "json.h"
#include "p11_data.h"

#define SECRETS_MAX 1024
#define VERSION_MAX 99999

unsigned km_rootver_of(const char *label, const char *base)
{
	size_t n = strlen(base);
	unsigned long k;
	char *end = NULL;

	if (strcmp(label, base) == 0)
		return 1;
	if (strncmp(label, base, n) != 0 || strncmp(label + n, ".v", 2) != 0 ||
	    label[n + 2] < '1' || label[n + 2] > '9')
		return 0;
	k = strtoul(label + n + 2, &end, 10);
	return *end == '\0' && k >= 2 && k <= VERSION_MAX ? (unsigned)k : 0;
}

/* The root key shape (km_inventory's guess for keys without metadata):
 * an AES key that does nothing, as a kept root is since issue 11, or that
 * encrypts and does nothing else, as older versions kept it. */
static bool root_shaped(const struct p11_obj_info *i)
{
	return i->cls == CKO_SECRET_KEY && i->key_type == CKK_AES &&
	       !i->flag[P11F_DECRYPT] && !i->flag[P11F_WRAP] &&
	       !i->flag[P11F_UNWRAP] && !i->flag[P11F_SIGN] &&
	       !i->flag[P11F_DERIVE];
}

static void add_version(struct km_rootver *out, size_t *n,
                        const struct km_rootver *v)
{
	size_t i = *n;

	/* oldest first */
	while (i > 0 && out[i - 1].n > v->n) {
		out[i] = out[i - 1];
		i--;
	}
	out[i] = *v;
	(*n)++;
}

enum err km_rootver_list(struct p11_session *s, const char *base,
                         struct km_rootver *out, size_t cap, size_t *n)
{
	CK_OBJECT_HANDLE *h = calloc(SECRETS_MAX, sizeof(*h));
	struct km_rootver v;
	struct p11_obj_info info;
	size_t found = 0;
	enum err r;

	*n = 0;
	if (!h)
		return err_set(ERR_NOMEM, "key list");
	r = p11_obj_find(s, CKO_SECRET_KEY, NULL, NULL, 0, h, SECRETS_MAX,
	                 &found);
	for (size_t i = 0; r == ERR_OK && i < found; i++) {
		CK_ULONG len = 0;
		CK_RV rv;

		memset(&v, 0, sizeof(v));
		if (!p11_obj_attr(s, h[i], CKA_LABEL, v.label, P11_LABEL_MAX,
		                  &len, &rv))
			continue;
		v.label[len] = '\0';
		v.n = km_rootver_of(v.label, base);
		if (v.n == 0)
			continue;
		r = p11_obj_info(s, h[i], &info);
		if (r != ERR_OK || !root_shaped(&info))
			continue;
		if (*n == cap)
			r = err_set(ERR_FORMAT,
			            "root '%s' has more than %zu "
			            "versions in the token",
			            base, cap);
		v.handle = h[i];
		if (r == ERR_OK)
			add_version(out, n, &v);
	}
	free(h);
	return r;
}

void km_rootver_base(const char *label, char *out, size_t cap)
{
	const char *dot = strrchr(label, '.');

	snprintf(out, cap, "%s", label);
	if (!dot || dot == label || (size_t)(dot - label) >= cap)
		return;
	out[dot - label] = '\0';
	if (km_rootver_of(label, out) < 2)
		snprintf(out, cap, "%s", label);
}

/* UUID text <-> 16 bytes. */
static enum err uuid_bytes(const char *text, uint8_t out[16])
{
	char hex[33];
	size_t k = 0;

	if (!json_is_uuid(text))
		return err_set(ERR_FORMAT, "'%.40s' is not a UUID", text);
	for (const char *p = text; *p && k < 32; p++)
		if (*p != '-')
			hex[k++] = *p;
	hex[k] = '\0';
	return decode_hex(out, 16, hex);
}

static void uuid_text(const uint8_t b[16], char out[KP_ID_SIZE])
{
	char hex[33];

	encode_hex(hex, b, 16);
	snprintf(out, KP_ID_SIZE, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8,
	         hex + 12, hex + 16, hex + 20);
}

enum err km_rootver_id(const char *key_id, const char *version_id,
                       uint8_t out[KM_ROOTVER_ID_LEN])
{
	enum err r = uuid_bytes(key_id, out);

	if (r == ERR_OK)
		r = uuid_bytes(version_id, out + 16);
	return r;
}

enum err km_rootver_kp_id(struct p11_session *s, const struct km_rootver *v,
                          char id[KP_ID_SIZE])
{
	struct p11_obj_info info;
	cJSON *meta = NULL;
	char *text = NULL;
	size_t len = 0;
	enum err r;

	id[0] = '\0';
	/* metadata that is not strict JSON, or names no UUID, is passed over
	 * for the CKA_ID below */
	if (p11_data_get(s, v->label, &text, &len) == ERR_OK &&
	    json_parse_object(text, len, &meta) == ERR_OK &&
	    json_get_str(meta, "key_id", false, id, KP_ID_SIZE) == ERR_OK &&
	    !json_is_uuid(id))
		id[0] = '\0';
	free(text);
	cJSON_Delete(meta);
	err_clear();
	if (id[0])
		return ERR_OK;
	r = p11_obj_info(s, v->handle, &info);
	if (r != ERR_OK)
		return r;
	if (info.id_len != KM_ROOTVER_ID_LEN)
		return err_set(ERR_NOT_FOUND,
		               "the token does not record which "
		               "Key Protect key root '%s' is (no p11seal "
		               "metadata, and its CKA_ID is not a Key Protect "
		               "key id)",
		               v->label);
	uuid_text(info.id, id);
	return ERR_OK;
}

enum err km_rootver_in_kp(struct p11_session *s,
                          const struct p11_obj_info *info, bool *in_kp)
{
	char kind[16] = "", id[KP_ID_SIZE] = "";
	cJSON *meta = NULL;
	char *text = NULL;
	size_t len = 0;
	bool have_meta;
	enum err r;

	*in_kp = false;
	if (info->cls != CKO_SECRET_KEY || info->key_type != CKK_AES)
		return ERR_OK;
	r = p11_data_get_opt(s, info->label, &text, &len);
	if (r != ERR_OK)
		return r;
	have_meta = text && json_parse_object(text, len, &meta) == ERR_OK;
	if (have_meta) {
		/* absent fields leave kind or id empty: not a Key Protect root
		 */
		(void)json_get_str(meta, "kind", false, kind, sizeof(kind));
		(void)json_get_str(meta, "key_id", false, id, sizeof(id));
	}
	*in_kp = have_meta ? strcmp(kind, "root") == 0 && json_is_uuid(id)
	                   : info->id_len == KM_ROOTVER_ID_LEN;
	free(text);
	cJSON_Delete(meta);
	err_clear();
	return ERR_OK;
}
