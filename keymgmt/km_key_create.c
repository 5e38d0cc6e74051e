/* SPDX-License-Identifier: MIT */
/* km_key_create.c - keys generated in the token from p11seal's profiles:
 * label checked free first, metadata last, and whatever was made is
 * destroyed again when a later step fails. */
#include "km_key_create.h"

#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "km_audit_trail.h"
#include "km_key_meta.h"
#include "p11_caps.h"
#include "p11_ec.h"
#include "p11_key.h"
#include "p11_obj.h"

enum err km_key_create_root(struct p11_session *s, const char *label,
                            bool never_extractable, bool *meta_stored)
{
	struct p11_key_spec spec = {
		.profile = never_extractable ? P11P_ROOT_LOCKED : P11P_ROOT,
		.label = label,
		.len = 32,
		.exportable = !never_extractable,
	};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	uint8_t id[P11_KEY_ID_LEN];
	cJSON *meta = NULL;
	enum err r;

	*meta_stored = false;
	r = p11_caps_root_check(s, !never_extractable);
	if (r == ERR_OK)
		r = p11_obj_label_free(s, label);
	if (r != ERR_OK)
		goto out;
	r = p11_key_new_id(s, id);
	if (r != ERR_OK)
		goto out;
	spec.id = id;
	spec.id_len = sizeof(id);
	r = p11_key_generate(s, &spec, &h);
	if (r != ERR_OK)
		goto out;
	meta = km_key_meta_new();
	r = km_key_put_meta(s, label, "root", meta, meta_stored);
out:
	if (r != ERR_OK)
		p11_obj_discard(s, h);
	cJSON_Delete(meta);
	return r;
}

enum err km_key_create_dek(struct p11_session *s, const char *label,
                           size_t size, bool exportable,
                           struct km_dek_stored *out)
{
	cJSON *meta = km_key_meta_new();
	enum err r;

	if (meta)
		cJSON_AddNumberToObject(meta, "size", (double)size);
	r = km_dek_store_generated(s, label, size, exportable, meta, out);
	cJSON_Delete(meta);
	return r;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A key pair just made, its public key (as OpenSSL's) and metadata. */
struct pair {
	CK_OBJECT_HANDLE pub, priv;
	EVP_PKEY *k;
	cJSON *meta;
};

/* The end of making a pair whatever happened (r): store its metadata as
 * kind when all went well, else destroy both halves; free the rest. */
static enum err pair_keep(struct p11_session *s, const char *label,
                          const char *kind, struct pair *p, bool *stored,
                          enum err r)
{
	if (r == ERR_OK)
		r = km_key_put_meta(s, label, kind, p->meta, stored);
	if (r != ERR_OK) {
		p11_obj_discard(s, p->pub);
		p11_obj_discard(s, p->priv);
	}
	cJSON_Delete(p->meta);
	EVP_PKEY_free(p->k);
	return r;
}

/* The free label and a new random CKA_ID every key pair starts with. */
static enum err pair_start(struct p11_session *s, const char *label,
                           uint8_t id[P11_KEY_ID_LEN], struct pair *p)
{
	enum err r = p11_obj_label_free(s, label);

	*p = (struct pair){ CK_INVALID_HANDLE, CK_INVALID_HANDLE, NULL, NULL };
	return r == ERR_OK ? p11_key_new_id(s, id) : r;
}

enum err km_key_create_transport(struct p11_session *s, const char *label,
                                 unsigned long bits, struct km_transport *out)
{
	uint8_t id[P11_KEY_ID_LEN];
	struct timespec t0;
	struct pair p;
	enum err r;

	memset(out, 0, sizeof(*out));
	out->bits = bits;
	r = pair_start(s, label, id, &p);
	if (r != ERR_OK)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = p11_rsa_generate_transport(s, label, id, sizeof(id), bits, &p.pub,
	                               &p.priv);
	if (r != ERR_OK)
		return r;
	out->seconds = seconds_since(&t0);
	r = p11_rsa_public_key(s, p.priv, &p.k);
	if (r == ERR_OK)
		r = p11_rsa_fingerprint(p.k, out->fingerprint);
	if (r == ERR_OK && (p.meta = km_key_meta_new())) {
		cJSON_AddNumberToObject(p.meta, "bits", (double)bits);
		cJSON_AddStringToObject(p.meta, "fingerprint",
		                        out->fingerprint);
	}
	return pair_keep(s, label, "transport", &p, &out->meta_stored, r);
}

enum err km_key_create_signer(struct p11_session *s, const char *label,
                              struct km_signer *out)
{
	uint8_t id[P11_KEY_ID_LEN];
	struct pair p;
	enum err r;

	memset(out, 0, sizeof(*out));
	r = pair_start(s, label, id, &p);
	if (r == ERR_OK)
		r = p11_ec_generate_signer(s, label, id, sizeof(id), &p.pub,
		                           &p.priv);
	if (r != ERR_OK)
		return r;
	r = p11_ec_signer_public(s, p.priv, &p.k);
	if (r == ERR_OK)
		r = p11_rsa_fingerprint(p.k, out->fingerprint);
	if (r == ERR_OK && (p.meta = km_key_meta_new())) {
		cJSON_AddStringToObject(p.meta, "curve", "P-256");
		cJSON_AddStringToObject(p.meta, "fingerprint",
		                        out->fingerprint);
	}
	return pair_keep(s, label, "signer", &p, &out->meta_stored, r);
}

/* A new key starts a new chain: it cannot continue a log that has one. */
static enum err log_is_fresh(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && st.st_size > 0)
		return err_set(ERR_EXISTS,
		               "audit log %s already holds records; a new "
		               "audit key starts a new chain, so move that log "
		               "away or name a new one with --audit-log",
		               path);
	return ERR_OK;
}

enum err km_key_create_audit(struct p11_session *s, const char *label,
                             const char *log_path, bool *keeps_head,
                             bool *meta_stored)
{
	struct km_audit_key k = { .handle = CK_INVALID_HANDLE };
	cJSON *meta = NULL;
	enum err r;

	*keeps_head = true;
	*meta_stored = false;
	/* An existing key is km_audit_trail_create's refusal to make. */
	r = km_audit_trail_key(s, &k);
	if (r == ERR_NOT_FOUND)
		r = log_is_fresh(log_path);
	if (r == ERR_OK)
		r = km_audit_trail_create(s, label, &k, keeps_head);
	if (r != ERR_OK)
		return r;
	meta = cJSON_CreateObject();
	r = km_key_put_meta(s, label, "audit", meta, meta_stored);
	if (r != ERR_OK)
		p11_obj_discard(s, k.handle);
	cJSON_Delete(meta);
	return r;
}
