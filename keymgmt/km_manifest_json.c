/* SPDX-License-Identifier: MIT */
/* km_manifest_json.c - the manifest as JSON and its canonical digest.
 * Parsing is strict: a member p11seal does not write is an error, so a
 * manifest cannot smuggle an API key or a second meaning past a reader. */
#include "km_manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "encode.h"
#include "json.h"

#define SIZE_LIMIT (1ll << 53) /* integers a JSON number holds exactly */

static const char *const missing_names[] = { "uri", "wrappedDek", "crkCrn" };

/* ---- build ---- */

struct jb {
	bool oom;
};

static cJSON *jb_obj(struct jb *b, cJSON *o, const char *name)
{
	cJSON *c = cJSON_AddObjectToObject(o, name);

	b->oom |= !c;
	return c;
}

static cJSON *jb_arr(struct jb *b, cJSON *o, const char *name)
{
	cJSON *c = cJSON_AddArrayToObject(o, name);

	b->oom |= !c;
	return c;
}

static void jb_str(struct jb *b, cJSON *o, const char *name, const char *v)
{
	b->oom |= !cJSON_AddStringToObject(o, name, v);
}

/* Optional string: left out when empty. */
static void jb_opt(struct jb *b, cJSON *o, const char *name, const char *v)
{
	if (v[0])
		jb_str(b, o, name, v);
}

static void jb_num(struct jb *b, cJSON *o, const char *name, uint64_t v)
{
	b->oom |= !cJSON_AddNumberToObject(o, name, (double)v);
}

static void jb_bool(struct jb *b, cJSON *o, const char *name, bool v)
{
	b->oom |= !cJSON_AddBoolToObject(o, name, v);
}

static void jb_hex(struct jb *b, cJSON *o, const char *name, const uint8_t *v,
                   size_t len)
{
	char hex[2 * KM_ID_MAX + 1];

	encode_hex(hex, v, len);
	jb_str(b, o, name, hex);
}

static void jb_item(struct jb *b, cJSON *arr, const char *v)
{
	cJSON *s = cJSON_CreateString(v);

	if (!s || !cJSON_AddItemToArray(arr, s)) {
		cJSON_Delete(s);
		b->oom = true;
	}
}

static void build_image(struct jb *b, cJSON *root, const struct km_manifest *m)
{
	cJSON *o = jb_obj(b, root, "image");

	jb_str(b, o, "file", m->file);
	jb_str(b, o, "object", m->object);
	jb_num(b, o, "size", m->size);
	jb_hex(b, o, "sha256", m->sha256, 32);
	jb_num(b, o, "virtual_size", m->virtual_size);
	o = jb_obj(b, root, "encryption");
	jb_num(b, o, "dek_size", m->dek_size);
	jb_str(b, o, "xts", m->xts);
	jb_hex(b, o, "keyhash", m->keyhash, 32);
	jb_hex(b, o, "keyhash_nonce", m->nonce, 32);
}

static void build_dek(struct jb *b, cJSON *root, const struct km_manifest *m)
{
	cJSON *o = jb_obj(b, root, "dek");
	const char *kms = km_manifest_kms_name(m->kms);

	jb_str(b, o, "token_serial", m->token_serial);
	jb_str(b, o, "token_label", m->token_label);
	jb_str(b, o, "label", m->label);
	jb_hex(b, o, "id", m->id, m->id_len);
	if (kms)
		jb_str(b, o, "kms", kms);
	jb_opt(b, o, "root_key_crn", m->root_key_crn);
	jb_opt(b, o, "root_key_id", m->root_key_id);
	jb_opt(b, o, "key_version", m->key_version);
	jb_opt(b, o, "wrapped_dek", m->wrapped_dek);
}

static void build_import(struct jb *b, cJSON *root, const struct km_manifest *m)
{
	const struct km_icos *p = &m->icos;
	cJSON *o = jb_obj(b, root, "import"), *a, *q;

	jb_bool(b, o, "importable", m->importable);
	a = jb_arr(b, o, "missing");
	for (size_t i = 0; i < 3; i++)
		if (m->missing & (1u << i))
			jb_item(b, a, missing_names[i]);
	q = jb_obj(b, o, "parameters");
	jb_str(b, q, "name", p->name);
	jb_opt(b, q, "note", p->note);
	jb_opt(b, q, "operatingSystemReferenceCode", p->os);
	jb_opt(b, q, "uri", p->uri);
	jb_bool(b, q, "cloudInit", p->cloud_init);
	jb_bool(b, q, "isEncrypted", p->encrypted);
	jb_bool(b, q, "byol", p->byol);
	jb_opt(b, q, "bootMode", p->boot_mode);
	jb_opt(b, q, "crkCrn", p->crk_crn);
	jb_opt(b, q, "wrappedDek", p->wrapped_dek);
	a = jb_arr(b, o, "notes");
	for (size_t i = 0; i < m->n_notes && i < KM_NOTES_MAX; i++)
		jb_item(b, a, m->notes[i]);
}

enum err km_manifest_build(const struct km_manifest *m, char **out, size_t *len)
{
	struct jb b = { false };
	cJSON *root = cJSON_CreateObject();
	char *text = NULL;
	size_t n;

	*out = NULL;
	b.oom = !root;
	jb_str(&b, root, "format", KM_MANIFEST_FORMAT);
	jb_str(&b, root, "created", m->created);
	jb_str(&b, root, "p11seal_version", m->version);
	build_image(&b, root, m);
	build_dek(&b, root, m);
	build_import(&b, root, m);
	jb_hex(&b, root, "binding", m->binding, 32);
	if (!b.oom)
		text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return err_set(ERR_NOMEM, "manifest JSON");
	n = strlen(text);
	*out = malloc(n + 2);
	if (*out) {
		memcpy(*out, text, n);
		memcpy(*out + n, "\n", 2);
		*len = n + 1;
	}
	cJSON_free(text);
	return *out ? ERR_OK : err_set(ERR_NOMEM, "manifest JSON");
}

/* ---- parse ---- */

/* ERR_FORMAT unless every member of o is one of names. */
static enum err known(const cJSON *o, const char *where,
                      const char *const *names, size_t n)
{
	for (const cJSON *it = o->child; it; it = it->next) {
		size_t i = 0;

		while (i < n && strcmp(it->string, names[i]) != 0)
			i++;
		if (i == n)
			return err_set(ERR_FORMAT,
			               "manifest: unknown member "
			               "'%.40s' in %s",
			               it->string, where);
	}
	return ERR_OK;
}

static enum err section(const cJSON *root, const char *name,
                        const char *const *names, size_t n, const cJSON **out)
{
	if (json_get_obj(root, name, true, out) != ERR_OK)
		return err_set(ERR_FORMAT,
		               "manifest: '%s' is missing or not "
		               "an object",
		               name);
	return known(*out, name, names, n);
}

struct jp {
	const cJSON *o;
	const char *where;
	enum err r;
};

static void jp_str(struct jp *p, const char *name, bool required, char *out,
                   size_t cap)
{
	if (p->r != ERR_OK)
		return;
	p->r = json_get_str(p->o, name, required, out, cap);
	if (p->r == ERR_OK && required && !out[0])
		p->r = err_set(ERR_FORMAT, "field '%s' is empty", name);
	if (p->r != ERR_OK)
		p->r = err_wrap(p->r, "manifest: %s", p->where);
}

static void jp_u64(struct jp *p, const char *name, long long min, long long max,
                   uint64_t *out)
{
	long long v = 0;

	if (p->r != ERR_OK)
		return;
	p->r = json_get_int(p->o, name, true, min, max, &v);
	if (p->r != ERR_OK)
		p->r = err_wrap(p->r, "manifest: %s", p->where);
	*out = (uint64_t)v;
}

static void jp_bool(struct jp *p, const char *name, bool *out)
{
	if (p->r != ERR_OK)
		return;
	p->r = json_get_bool(p->o, name, true, out);
	if (p->r != ERR_OK)
		p->r = err_wrap(p->r, "manifest: %s", p->where);
}

/* Hex member: exactly len bytes, or 0..max bytes when len is 0. */
static void jp_hex(struct jp *p, const char *name, uint8_t *out, size_t len,
                   size_t max, size_t *got)
{
	if (p->r != ERR_OK)
		return;
	p->r = json_get_hex(p->o, name, len != 0, len, len ? len : max, out,
	                    got);
	if (p->r != ERR_OK)
		p->r = err_wrap(p->r, "manifest: %s", p->where);
}

static enum err parse_top(const cJSON *root, struct km_manifest *m)
{
	static const char *const names[] = { "format",          "created",
		                             "p11seal_version", "image",
		                             "encryption",      "dek",
		                             "import",          "binding" };
	struct jp p = { root, "top level", ERR_OK };
	char format[32];

	p.r = known(root, "the top level", names, 8);
	jp_str(&p, "format", true, format, sizeof(format));
	if (p.r == ERR_OK && strcmp(format, KM_MANIFEST_FORMAT_1) == 0)
		return err_set(ERR_FORMAT,
		               "manifest format " KM_MANIFEST_FORMAT_1
		               " names createFromIcos parameters as IBM no "
		               "longer takes them (cloud-init, encrypted): "
		               "remake it with `p11seal manifest --key LABEL "
		               "IMAGE` (the image and the DEK are unchanged)");
	if (p.r == ERR_OK && strcmp(format, KM_MANIFEST_FORMAT) != 0)
		return err_set(
		        ERR_FORMAT,
		        "manifest format '%s' is not " KM_MANIFEST_FORMAT,
		        format);
	jp_str(&p, "created", true, m->created, sizeof(m->created));
	if (p.r == ERR_OK &&
	    (strlen(m->created) != KM_DATE_LEN || m->created[10] != 'T' ||
	     m->created[19] != 'Z' ||
	     strspn(m->created, "0123456789-:TZ") != KM_DATE_LEN))
		p.r = err_set(ERR_FORMAT, "manifest: created is not "
		                          "YYYY-MM-DDTHH:MM:SSZ");
	jp_str(&p, "p11seal_version", true, m->version, sizeof(m->version));
	jp_hex(&p, "binding", m->binding, 32, 32, NULL);
	return p.r;
}

static enum err parse_image(const cJSON *root, struct km_manifest *m)
{
	static const char *const img[] = { "file", "object", "size", "sha256",
		                           "virtual_size" };
	static const char *const enc[] = { "dek_size", "xts", "keyhash",
		                           "keyhash_nonce" };
	struct jp p = { NULL, "image", ERR_OK };
	uint64_t dek_size = 0;

	p.r = section(root, "image", img, 5, &p.o);
	jp_str(&p, "file", true, m->file, sizeof(m->file));
	jp_str(&p, "object", true, m->object, sizeof(m->object));
	jp_u64(&p, "size", 0, SIZE_LIMIT, &m->size);
	jp_hex(&p, "sha256", m->sha256, 32, 32, NULL);
	jp_u64(&p, "virtual_size", 0, SIZE_LIMIT, &m->virtual_size);
	if (p.r != ERR_OK)
		return p.r;
	p.where = "encryption";
	p.r = section(root, "encryption", enc, 4, &p.o);
	jp_u64(&p, "dek_size", 0, 4096, &dek_size);
	m->dek_size = (unsigned)dek_size;
	jp_str(&p, "xts", true, m->xts, sizeof(m->xts));
	jp_hex(&p, "keyhash", m->keyhash, 32, 32, NULL);
	jp_hex(&p, "keyhash_nonce", m->nonce, 32, 32, NULL);
	return p.r;
}

static enum err parse_dek(const cJSON *root, struct km_manifest *m)
{
	static const char *const names[] = { "token_serial", "token_label",
		                             "label",        "id",
		                             "kms",          "root_key_crn",
		                             "root_key_id",  "key_version",
		                             "wrapped_dek" };
	struct jp p = { NULL, "dek", ERR_OK };
	char kms[16];

	p.r = section(root, "dek", names, 9, &p.o);
	jp_str(&p, "token_serial", false, m->token_serial,
	       sizeof(m->token_serial));
	jp_str(&p, "token_label", false, m->token_label,
	       sizeof(m->token_label));
	jp_str(&p, "label", true, m->label, sizeof(m->label));
	jp_hex(&p, "id", m->id, 0, KM_ID_MAX, &m->id_len);
	jp_str(&p, "kms", false, kms, sizeof(kms));
	if (p.r == ERR_OK && kms[0]) {
		if (strcmp(kms, "keyprotect") == 0)
			m->kms = KM_KMS_KEYPROTECT;
		else if (strcmp(kms, "hpcs") == 0)
			m->kms = KM_KMS_HPCS;
		else
			p.r = err_set(ERR_FORMAT,
			              "manifest: dek: kms '%s' is "
			              "neither keyprotect nor hpcs",
			              kms);
	}
	jp_str(&p, "root_key_crn", false, m->root_key_crn,
	       sizeof(m->root_key_crn));
	jp_str(&p, "root_key_id", false, m->root_key_id,
	       sizeof(m->root_key_id));
	jp_str(&p, "key_version", false, m->key_version,
	       sizeof(m->key_version));
	jp_str(&p, "wrapped_dek", false, m->wrapped_dek,
	       sizeof(m->wrapped_dek));
	return p.r;
}

static enum err parse_params(const cJSON *imp, struct km_manifest *m)
{
	static const char *const names[] = {
		"name",      "note",      "operatingSystemReferenceCode",
		"uri",       "cloudInit", "isEncrypted",
		"byol",      "bootMode",  "crkCrn",
		"wrappedDek"
	};
	struct jp p = { NULL, "import.parameters", ERR_OK };
	struct km_icos *q = &m->icos;

	if (json_get_obj(imp, "parameters", true, &p.o) != ERR_OK)
		return err_set(ERR_FORMAT, "manifest: import.parameters is "
		                           "missing or not an object");
	if (cJSON_GetObjectItem(p.o, "ibmApiKey"))
		return err_set(ERR_FORMAT, "manifest carries an API key "
		                           "(import.parameters.ibmApiKey): "
		                           "p11seal never writes one; remove "
		                           "it");
	p.r = known(p.o, "import.parameters", names, 10);
	jp_str(&p, "name", true, q->name, sizeof(q->name));
	jp_str(&p, "note", false, q->note, sizeof(q->note));
	jp_str(&p, "operatingSystemReferenceCode", false, q->os, sizeof(q->os));
	jp_str(&p, "uri", false, q->uri, sizeof(q->uri));
	jp_bool(&p, "cloudInit", &q->cloud_init);
	jp_bool(&p, "isEncrypted", &q->encrypted);
	jp_bool(&p, "byol", &q->byol);
	jp_str(&p, "bootMode", false, q->boot_mode, sizeof(q->boot_mode));
	jp_str(&p, "crkCrn", false, q->crk_crn, sizeof(q->crk_crn));
	jp_str(&p, "wrappedDek", false, q->wrapped_dek, sizeof(q->wrapped_dek));
	return p.r;
}

/* Array member name of o: at most max strings (each < cap bytes), for
 * each of which fn is called; ERR_FORMAT naming where otherwise. */
static enum err strings(const cJSON *o, const char *name, const char *where,
                        size_t max, size_t cap,
                        enum err (*fn)(void *, size_t, const char *), void *arg)
{
	const cJSON *it = NULL;
	size_t n = 0;

	if (json_get_arr(o, name, true, max, &it, &n) != ERR_OK)
		return err_wrap(ERR_FORMAT, "manifest: %s", where);
	for (size_t i = 0; it; it = it->next, i++) {
		if (!cJSON_IsString(it) || strlen(it->valuestring) >= cap)
			return err_set(ERR_FORMAT,
			               "manifest: %s.%s[%zu] is not a string "
			               "shorter than %zu bytes",
			               where, name, i, cap);
		if (fn(arg, i, it->valuestring) != ERR_OK)
			return ERR_FORMAT;
	}
	return ERR_OK;
}

static enum err add_missing(void *arg, size_t i, const char *s)
{
	struct km_manifest *m = arg;

	(void)i;
	for (unsigned k = 0; k < 3; k++)
		if (strcmp(s, missing_names[k]) == 0 &&
		    !(m->missing & 1u << k)) {
			m->missing |= 1u << k;
			return ERR_OK;
		}
	return err_set(ERR_FORMAT,
	               "manifest: import.missing: '%.32s' is "
	               "unknown or repeated",
	               s);
}

static enum err add_note(void *arg, size_t i, const char *s)
{
	struct km_manifest *m = arg;

	for (const char *c = s; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return err_set(ERR_FORMAT, "manifest: import.notes: "
			                           "control character");
	snprintf(m->notes[i], sizeof(m->notes[i]), "%s", s);
	m->n_notes = i + 1;
	return ERR_OK;
}

static enum err parse_import(const cJSON *root, struct km_manifest *m)
{
	static const char *const names[] = { "importable", "missing",
		                             "parameters", "notes" };
	struct jp p = { NULL, "import", ERR_OK };

	p.r = section(root, "import", names, 4, &p.o);
	jp_bool(&p, "importable", &m->importable);
	if (p.r == ERR_OK)
		p.r = strings(p.o, "missing", "import", 3, 32, add_missing, m);
	if (p.r == ERR_OK)
		p.r = parse_params(p.o, m);
	if (p.r == ERR_OK)
		p.r = strings(p.o, "notes", "import", KM_NOTES_MAX, 512,
		              add_note, m);
	return p.r;
}

/* p11seal writes a manifest as one object: say so for anything else,
 * rather than name the byte where the JSON reader gave up. */
static bool starts_object(const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' ||
	                   buf[i] == '\r'))
		i++;
	return i < len && buf[i] == '{';
}

enum err km_manifest_parse(const char *buf, size_t len, struct km_manifest *m)
{
	cJSON *root = NULL;
	enum err r;

	memset(m, 0, sizeof(*m));
	if (len > KM_MANIFEST_MAX)
		return err_set(ERR_FORMAT, "manifest larger than %u bytes",
		               KM_MANIFEST_MAX);
	if (!starts_object(buf, len))
		return err_set(ERR_FORMAT, "manifest is not a JSON object");
	r = json_parse_object(buf, len, &root);
	if (r != ERR_OK)
		return err_wrap(r, "manifest");
	r = parse_top(root, m);
	if (r == ERR_OK)
		r = parse_image(root, m);
	if (r == ERR_OK)
		r = parse_dek(root, m);
	if (r == ERR_OK)
		r = parse_import(root, m);
	cJSON_Delete(root);
	return r;
}

/* ---- canonical digest ---- */

struct canon {
	EVP_MD_CTX *md;
	bool ok;
};

static void line(struct canon *c, const char *name, const char *value)
{
	if (!value[0])
		return;
	c->ok = c->ok && EVP_DigestUpdate(c->md, name, strlen(name)) &&
	        EVP_DigestUpdate(c->md, "=", 1) &&
	        EVP_DigestUpdate(c->md, value, strlen(value)) &&
	        EVP_DigestUpdate(c->md, "\n", 1);
}

static void line_num(struct canon *c, const char *name, uint64_t v)
{
	char s[24];

	snprintf(s, sizeof(s), "%llu", (unsigned long long)v);
	line(c, name, s);
}

static void line_hex(struct canon *c, const char *name, const uint8_t *v,
                     size_t len)
{
	char hex[2 * KM_ID_MAX + 1];

	encode_hex(hex, v, len);
	line(c, name, hex);
}

static void canon_fields(struct canon *c, const struct km_manifest *m)
{
	const struct km_icos *p = &m->icos;
	const char *kms = km_manifest_kms_name(m->kms);

	line(c, "format", KM_MANIFEST_FORMAT);
	line(c, "created", m->created);
	line(c, "p11seal_version", m->version);
	line(c, "image.file", m->file);
	line(c, "image.object", m->object);
	line_num(c, "image.size", m->size);
	line_hex(c, "image.sha256", m->sha256, 32);
	line_num(c, "image.virtual_size", m->virtual_size);
	line_num(c, "encryption.dek_size", m->dek_size);
	line(c, "encryption.xts", m->xts);
	line_hex(c, "encryption.keyhash", m->keyhash, 32);
	line_hex(c, "encryption.keyhash_nonce", m->nonce, 32);
	line(c, "dek.token_serial", m->token_serial);
	line(c, "dek.token_label", m->token_label);
	line(c, "dek.label", m->label);
	line_hex(c, "dek.id", m->id, m->id_len);
	line(c, "dek.kms", kms ? kms : "");
	line(c, "dek.root_key_crn", m->root_key_crn);
	line(c, "dek.root_key_id", m->root_key_id);
	line(c, "dek.key_version", m->key_version);
	line(c, "dek.wrapped_dek", m->wrapped_dek);
	line(c, "import.importable", m->importable ? "true" : "false");
	line_num(c, "import.missing", m->missing);
	line(c, "import.parameters.name", p->name);
	line(c, "import.parameters.note", p->note);
	line(c, "import.parameters.operatingSystemReferenceCode", p->os);
	line(c, "import.parameters.uri", p->uri);
	line(c, "import.parameters.cloudInit",
	     p->cloud_init ? "true" : "false");
	line(c, "import.parameters.isEncrypted",
	     p->encrypted ? "true" : "false");
	line(c, "import.parameters.byol", p->byol ? "true" : "false");
	line(c, "import.parameters.bootMode", p->boot_mode);
	line(c, "import.parameters.crkCrn", p->crk_crn);
	line(c, "import.parameters.wrappedDek", p->wrapped_dek);
}

enum err km_manifest_digest(const struct km_manifest *m, uint8_t out[32])
{
	struct canon c = { EVP_MD_CTX_new(), true };

	c.ok = c.md && EVP_DigestInit_ex(c.md, EVP_sha256(), NULL);
	canon_fields(&c, m);
	c.ok = c.ok && EVP_DigestFinal_ex(c.md, out, NULL);
	EVP_MD_CTX_free(c.md);
	return c.ok ? ERR_OK : err_set(ERR_CRYPTO, "SHA-256 of the manifest");
}
