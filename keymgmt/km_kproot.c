/* SPDX-License-Identifier: MIT */
/* km_kproot.c - import and rotate root keys held by both a token and Key
 * Protect. Order is the invariant: the token keeps a root key (version)
 * only once Key Protect has accepted its material, and a failure after
 * that point is never silent. */
#include "km_kproot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "encode.h"
#include "km_key_meta.h"
#include "km_rootver.h"
#include "kp_client.h"
#include "kp_crypto.h"
#include "kp_import.h"
#include "kp_key.h"
#include "p11_data.h"
#include "p11_root.h"
#include "p11_session.h"
#include "p11_trust.h"

static enum err label_free(struct p11_session *s, const char *label)
{
	if (!label[0] || strlen(label) + 8 > P11_LABEL_MAX)
		return err_set(ERR_USAGE, "root key label must be 1..%d bytes",
		               P11_LABEL_MAX - 8);
	return p11_obj_label_free(s, label);
}

/* A new root label must not itself look like a version, a DEK half or
 * a key an import makes on its way (which the next import removes). */
static enum err check_new_root(struct p11_session *s, const char *label)
{
	struct km_rootver v[1];
	const char *dot = strrchr(label, '.');
	size_t n = 0;
	enum err r;

	if (strncmp(label, P11_ROOT_PARTIAL_PREFIX,
	            strlen(P11_ROOT_PARTIAL_PREFIX)) == 0 ||
	    p11_trust_import_label(label))
		return err_set(
		        ERR_USAGE,
		        "root key label '%s' starts like the keys an "
		        "import makes on its way (" P11_ROOT_PARTIAL_PREFIX
		        ", " P11_TRUST_IMPORT_PREFIX ")",
		        label);
	if (dot &&
	    (strcmp(dot, ".tweak") == 0 ||
	     (dot[1] == 'v' &&
	      strspn(dot + 2, "0123456789") == strlen(dot + 2) && dot[2])))
		return err_set(ERR_USAGE,
		               "root key label '%s' ends like a "
		               "version (.vN) or a DEK half (.tweak)",
		               label);
	r = label_free(s, label);
	if (r == ERR_OK)
		r = km_rootver_list(s, label, v, 1, &n);
	if (r == ERR_OK && n)
		r = err_set(ERR_EXISTS,
		            "root key versions of '%s' (such as "
		            "'%s') already exist in token '%s'",
		            label, v[0].label, p11_session_token(s)->label);
	return r;
}

/* A fresh import token: its RSA key (checked) and nonce. */
static enum err fetch_token(struct kp_client *kp, struct km_kproot *out,
                            struct kp_import_token *tok, EVP_PKEY **pub)
{
	struct kp_import_token made = { 0 };
	enum err r;

	r = kp_import_token_create(kp, 0, 0, &made);
	kp_json_import_token_clear(&made);
	if (r == ERR_OK)
		r = kp_import_token_get(kp, tok);
	if (r == ERR_OK && !tok->has_material)
		r = err_set(ERR_FORMAT,
		            "the import token came without its key");
	if (r == ERR_OK)
		r = kp_crypto_pubkey_parse(tok->pubkey, tok->pubkey_len, pub);
	if (r == ERR_OK)
		r = kp_crypto_pubkey_info(*pub, &out->import_key_bits,
		                          out->import_key_sha256);
	if (r != ERR_OK)
		return err_wrap(r, "import token");
	return ERR_OK;
}

/* CKA_ID for the version Key Protect just made (km_rootver.h). */
static void set_id(struct km_kproot *r)
{
	r->id_len = km_rootver_id(r->key_id, r->key_version, r->id) == ERR_OK
	                    ? KM_ROOTVER_ID_LEN
	                    : 0;
	err_clear();
}

/* What the metadata and the report both say about a version. */
static cJSON *record_json(const struct km_kproot *r)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "key_id", r->key_id);
	cJSON_AddStringToObject(o, "name", r->name);
	cJSON_AddStringToObject(o, "crn", r->crn);
	cJSON_AddStringToObject(o, "instance", r->instance);
	cJSON_AddStringToObject(o, "key_version", r->key_version);
	cJSON_AddNumberToObject(o, "version", r->version);
	cJSON_AddStringToObject(o, "root_label", r->root_label);
	cJSON_AddStringToObject(o, "import", km_path_import(r->path));
	cJSON_AddStringToObject(o, "ceremony", km_path_name(r->path));
	cJSON_AddStringToObject(o, "kms", r->hpcs ? "hpcs" : "keyprotect");
	cJSON_AddStringToObject(o, "import_key_sha256", r->import_key_sha256);
	return o;
}

static cJSON *meta_json(const struct km_kproot *r)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;
	cJSON *o = record_json(r);

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (o)
		cJSON_AddStringToObject(o, "created", when);
	return o;
}

/* Metadata beside the new version; a token without data objects keeps
 * the ids in CKA_ID (session and host paths) and the report has them. */
static enum err store_meta(struct p11_session *s, struct km_kproot *r)
{
	cJSON *meta = meta_json(r);
	enum err e;

	if (!meta)
		return err_set(ERR_NOMEM, "metadata");
	e = km_key_put_meta(s, r->label, "root", meta, &r->meta_stored);
	cJSON_Delete(meta);
	if (e != ERR_OK)
		return err_wrap(e,
		                "root key '%s' is in Key Protect (%s) and "
		                "in the token, but its metadata was not "
		                "stored",
		                r->label, r->key_id);
	return ERR_OK;
}

/* The CKA_ID the kept key really has (the token may round it). */
static enum err kept_id(struct p11_session *s, CK_OBJECT_HANDLE h,
                        struct km_kproot *r)
{
	struct p11_obj_info info;
	enum err e = p11_obj_info(s, h, &info);

	if (e != ERR_OK)
		return e;
	memcpy(r->id, info.id, info.id_len);
	r->id_len = info.id_len;
	return ERR_OK;
}

static void fill_from_key(struct km_kproot *r, const struct kp_key *k)
{
	snprintf(r->key_id, sizeof(r->key_id), "%s", k->id);
	snprintf(r->name, sizeof(r->name), "%s", k->name);
	snprintf(r->crn, sizeof(r->crn), "%s", k->crn);
	snprintf(r->key_version, sizeof(r->key_version), "%s",
	         k->key_version_id[0] ? k->key_version_id : k->id);
}

static void init_result(struct km_kproot *r, struct kp_client *kp,
                        const struct km_kproot_opts *o, const char *root_label)
{
	memset(r, 0, sizeof(*r));
	r->path = o->path;
	r->hpcs = kp_client_hpcs(kp);
	snprintf(r->root_label, sizeof(r->root_label), "%s", root_label);
	snprintf(r->instance, sizeof(r->instance), "%s",
	         kp_client_endpoints(kp)->instance);
}

/* Begin a ceremony for new token label label with a fresh import token. */
static enum err begin(struct kp_client *kp, struct p11_session *s,
                      const struct km_kproot_opts *o, struct km_kproot *r,
                      struct km_ceremony **c)
{
	struct kp_import_token tok = { 0 };
	struct km_ceremony_in in = {
		.path = o->path,
		.hpcs = r->hpcs,
		.label = r->label,
		.so_pin = o->so_pin,
		.user_pin = o->user_pin,
	};
	EVP_PKEY *pub = NULL;
	enum err e;

	e = fetch_token(kp, r, &tok, &pub);
	in.pub = pub;
	in.nonce = tok.nonce;
	in.nonce_len = sizeof(tok.nonce);
	if (e == ERR_OK)
		e = km_ceremony_begin(s, &in, c);
	if (e == ERR_OK)
		r->ceremony = *km_ceremony_info(*c);
	EVP_PKEY_free(pub);
	kp_json_import_token_clear(&tok);
	return e;
}

static void import_template(struct kp_key_template *t,
                            const struct km_kproot_opts *o,
                            const struct kp_import_fields *f)
{
	memset(t, 0, sizeof(*t));
	t->name = o->name;
	if (o->alias)
		t->aliases[t->n_aliases++] = o->alias;
	t->extractable = false;
	t->payload = f->payload;
	t->encrypted_nonce = f->encrypted_nonce;
	t->iv = f->iv;
	t->algorithm = f->algorithm;
}

/* Key Protect holds material the token could not keep: take it back. */
static enum err undo_import(struct kp_client *kp, const struct km_kproot *r,
                            enum err e)
{
	char why[1024];
	enum err d;

	snprintf(why, sizeof(why), "%s", err_detail());
	d = kp_key_delete(kp, r->key_id, false);
	return err_set(
	        e,
	        "Key Protect accepted root key %s ('%s'), but token "
	        "root key '%s' could not be stored: %s; %s",
	        r->key_id, r->name, r->label, why,
	        d == ERR_OK
	                ? "the Key Protect key was deleted again, so nothing "
	                  "is left half-done"
	                : "deleting the Key Protect key failed too -- delete "
	                  "it "
	                  "with `p11seal kp key-delete` before using it");
}

enum err km_kproot_import(struct kp_client *kp, struct p11_session *s,
                          const struct km_kproot_opts *o, struct km_kproot *out)
{
	struct km_ceremony *c = NULL;
	struct kp_key_template t;
	struct kp_key key = { 0 };
	CK_OBJECT_HANDLE h;
	enum err r;

	init_result(out, kp, o, o->label);
	snprintf(out->label, sizeof(out->label), "%s", o->label);
	out->version = 1;
	r = check_new_root(s, o->label);
	if (r == ERR_OK)
		r = begin(kp, s, o, out, &c);
	if (r == ERR_OK) {
		import_template(&t, o, km_ceremony_fields(c));
		r = kp_key_create(kp, &t, &key, &out->recovered);
		if (r != ERR_OK)
			r = err_wrap(r,
			             "importing into Key Protect failed; "
			             "token '%s' is unchanged",
			             p11_session_token(s)->label);
	}
	if (r == ERR_OK) {
		fill_from_key(out, &key);
		set_id(out);
		r = km_ceremony_keep(c, out->id, out->id_len, &h);
		if (r != ERR_OK)
			r = undo_import(kp, out, r);
	}
	km_ceremony_free(c);
	kp_json_key_clear(&key);
	if (r == ERR_OK)
		r = kept_id(s, h, out);
	if (r == ERR_OK)
		r = store_meta(s, out);
	return r;
}

/* After a rotate call, whatever it answered: is there a new version? */
static enum err new_version(struct kp_client *kp, struct km_kproot *r,
                            bool *yes)
{
	struct kp_key k;
	enum err e = kp_key_get(kp, r->key_id, &k);

	*yes = false;
	if (e != ERR_OK)
		return e;
	*yes = k.key_version_id[0] &&
	       strcmp(k.key_version_id, r->previous_version) != 0;
	if (*yes)
		snprintf(r->key_version, sizeof(r->key_version), "%s",
		         k.key_version_id);
	kp_json_key_clear(&k);
	return ERR_OK;
}

/* Rotate in Key Protect; a rotation that happened behind a failed answer
 * is adopted, one that cannot be confirmed is an error naming the key. */
static enum err kp_rotate(struct kp_client *kp, struct p11_session *s,
                          const struct km_ceremony *c, struct km_kproot *r)
{
	const struct kp_import_fields *f = km_ceremony_fields(c);
	struct kp_key_template t = { 0 };
	char why[1024] = "";
	bool yes = false;
	enum err e, chk;

	t.payload = f->payload;
	t.encrypted_nonce = f->encrypted_nonce;
	t.iv = f->iv;
	t.algorithm = f->algorithm;
	e = kp_key_rotate(kp, r->key_id, &t);
	if (e != ERR_OK)
		snprintf(why, sizeof(why), "%s", err_detail());
	chk = new_version(kp, r, &yes);
	if (chk == ERR_OK && yes) {
		r->recovered = e != ERR_OK;
		err_clear();
		return ERR_OK;
	}
	if (e != ERR_OK && chk == ERR_OK)
		return err_set(e, "%s; token '%s' is unchanged", why,
		               p11_session_token(s)->label);
	if (e != ERR_OK)
		return err_set(
		        e,
		        "%s; whether key %s rotated could not be "
		        "checked (%s): see `p11seal kp key-versions %s`; "
		        "token '%s' is unchanged",
		        why, r->key_id, err_detail(), r->key_id,
		        p11_session_token(s)->label);
	if (chk == ERR_OK)
		return err_set(ERR_FORMAT,
		               "Key Protect accepted the rotation "
		               "of key %s but shows no new version; token '%s' "
		               "is unchanged",
		               r->key_id, p11_session_token(s)->label);
	return err_wrap(chk,
	                "Key Protect rotated key %s, but its new version "
	                "could not be read, so token '%s' keeps no copy of it; "
	                "rotate again",
	                r->key_id, p11_session_token(s)->label);
}

static enum err keep_failed(const struct km_kproot *r,
                            const struct km_rootver *cur, enum err e)
{
	return err_wrap(e,
	                "Key Protect rotated key %s to version %s, but "
	                "token root key '%s' could not be stored; the token "
	                "holds '%s' (version %s) only: rotate again so that "
	                "the current Key Protect version is one the token "
	                "holds",
	                r->key_id, r->key_version, r->label, cur->label,
	                r->previous_version);
}

static enum err drop_versions(struct p11_session *s, const struct km_rootver *v,
                              size_t n, struct km_kproot *r)
{
	enum err e = ERR_OK;

	for (size_t i = 0; e == ERR_OK && i < n; i++) {
		e = p11_obj_destroy(s, v[i].handle);
		if (e == ERR_OK)
			e = p11_data_delete(s, v[i].label);
		if (e == ERR_OK)
			r->dropped++;
		else
			e = err_wrap(e, "dropping version '%s'", v[i].label);
	}
	return e;
}

/* The current version and its Key Protect key; the next label. */
static enum err rotate_from(struct kp_client *kp, struct p11_session *s,
                            const struct km_rootver *cur, struct km_kproot *r)
{
	struct kp_key key = { 0 };
	enum err e;

	e = km_rootver_kp_id(s, cur, r->key_id);
	if (e == ERR_OK)
		e = kp_key_get(kp, r->key_id, &key);
	if (e == ERR_OK && !key.imported)
		e = err_set(ERR_POLICY,
		            "Key Protect key %s was generated by "
		            "Key Protect, not imported: new material cannot be "
		            "rotated into it",
		            r->key_id);
	if (e == ERR_OK) {
		fill_from_key(r, &key);
		snprintf(r->previous_version, sizeof(r->previous_version), "%s",
		         r->key_version);
		r->version = cur->n + 1;
		snprintf(r->label, sizeof(r->label), "%.*s.v%u",
		         P11_LABEL_MAX - 8, r->root_label, r->version);
		e = label_free(s, r->label);
	}
	kp_json_key_clear(&key);
	return e;
}

enum err km_kproot_rotate(struct kp_client *kp, struct p11_session *s,
                          const struct km_kproot_opts *o, struct km_kproot *out)
{
	struct km_rootver v[KM_ROOTVER_MAX];
	char base[P11_LABEL_MAX + 1];
	struct km_ceremony *c = NULL;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	size_t n = 0;
	enum err r;

	km_rootver_base(o->label, base, sizeof(base));
	init_result(out, kp, o, base);
	r = km_rootver_list(s, base, v, KM_ROOTVER_MAX, &n);
	if (r == ERR_OK && n == 0)
		r = err_set(ERR_NOT_FOUND, "no root key '%s' in token '%s'",
		            base, p11_session_token(s)->label);
	if (r == ERR_OK)
		r = rotate_from(kp, s, &v[n - 1], out);
	if (r == ERR_OK)
		r = begin(kp, s, o, out, &c);
	if (r == ERR_OK)
		r = kp_rotate(kp, s, c, out);
	if (r == ERR_OK) {
		set_id(out);
		r = km_ceremony_keep(c, out->id, out->id_len, &h);
		if (r != ERR_OK)
			r = keep_failed(out, &v[n - 1], r);
	}
	km_ceremony_free(c);
	if (r == ERR_OK)
		r = kept_id(s, h, out);
	if (r == ERR_OK)
		r = store_meta(s, out);
	if (r == ERR_OK && o->drop_previous)
		r = drop_versions(s, v, n, out);
	return r;
}

cJSON *km_kproot_json(const struct km_kproot *r)
{
	cJSON *o = record_json(r);
	char id[2 * P11_ID_MAX + 1];

	if (!o)
		return NULL;
	encode_hex(id, r->id, r->id_len);
	cJSON_AddStringToObject(o, "label", r->label);
	cJSON_AddStringToObject(o, "id", id);
	if (r->previous_version[0])
		cJSON_AddStringToObject(o, "previous_key_version",
		                        r->previous_version);
	cJSON_AddNumberToObject(o, "import_key_bits", r->import_key_bits);
	if (r->ceremony.import_key_label[0])
		cJSON_AddStringToObject(o, "import_key_label",
		                        r->ceremony.import_key_label);
	cJSON_AddNumberToObject(o, "leftovers_removed",
	                        (double)r->ceremony.leftovers_removed);
	cJSON_AddBoolToObject(o, "metadata_stored", r->meta_stored);
	cJSON_AddBoolToObject(o, "recovered", r->recovered);
	if (r->previous_version[0])
		cJSON_AddNumberToObject(o, "dropped", r->dropped);
	return o;
}
