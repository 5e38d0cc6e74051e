/* SPDX-License-Identifier: MIT */
/* km_ceremony.c - new root material for a Key Protect secure import on
 * one of three paths. Until Key Protect accepts the material, everything
 * that can wrap or be wrapped is a session object (gone with the process
 * however it ends) or host memory in secmem; the token keeps only a
 * never-extractable copy. The import key is destroyed as soon as the root
 * key is wrapped under it; whatever fails, every object not kept is
 * destroyed and host material is wiped. */
#include "km_ceremony.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "kp_crypto.h"
#include "p11_caps.h"
#include "p11_enforce.h"
#include "p11_key.h"
#include "p11_oaep.h"
#include "p11_root.h"
#include "p11_rsa.h"
#include "p11_session.h"
#include "p11_trust.h"
#include "secmem.h"

#define ROOT_LEN    32
#define WRAPPED_MAX (P11_RSA_MAX_BITS / 8)
#define NONCE_MAX   16 /* Key Protect's is 12 bytes */

struct km_ceremony {
	struct p11_session *s;
	enum km_path path;
	bool hpcs;
	char label[P11_LABEL_MAX + 1];
	char partial[P11_LABEL_MAX + 1]; /* the material's label until kept */
	/* The import key: a session key, until the root is wrapped. */
	CK_OBJECT_HANDLE import_key;
	CK_OBJECT_HANDLE root; /* in-token paths: the session material */
	CK_OBJECT_HANDLE kept; /* the token's root key once kept */
	uint8_t *material;     /* host path, secmem */
	struct kp_import_fields fields;
	struct km_ceremony_info info;
};

const char *km_path_import(enum km_path p)
{
	return p == KM_PATH_HOST ? "host-assisted" : "in-token";
}

const char *km_path_name(enum km_path p)
{
	switch (p) {
	case KM_PATH_TRUSTED: return "trusted-wrap";
	case KM_PATH_SESSION: return "session-copy";
	default: return "host-assisted";
	}
}

static enum err refuse(struct p11_session *s, bool hpcs, bool wrap, bool nonce)
{
	const char *no_wrap = hpcs ? "cannot wrap with RSA-OAEP SHA-1"
	                           : "cannot wrap with RSA-OAEP SHA-256";
	const char *no_nonce =
	        hpcs ? "has no AES-CBC-PAD" : "cannot encrypt with AES-GCM";
	const char *needs = hpcs ? "HPCS needs RSAES_OAEP_SHA_1 and an "
	                           "AES-CBC nonce"
	                         : "Key Protect needs RSAES_OAEP_SHA_256 and "
	                           "an AES-GCM nonce; SoftHSM 2.6.1 wraps with "
	                           "OAEP SHA-1 only";

	return err_set(ERR_POLICY,
	               "token '%s' cannot do the secure import inside the "
	               "token: it %s%s%s (%s). Either use a token that can "
	               "(NSS softoken can), or pass --host-assisted: the 32 "
	               "root-key bytes then come from the token's RNG into "
	               "locked host memory, are wrapped for Key Protect with "
	               "OpenSSL, and are stored in the token as a "
	               "never-extractable key once Key Protect accepted "
	               "them; the host copy is wiped, but the material exists "
	               "outside the token for the length of the import",
	               p11_session_token(s)->label, wrap ? "" : no_wrap,
	               !wrap && !nonce ? " and " : "", nonce ? "" : no_nonce,
	               needs);
}

enum err km_ceremony_plan(struct p11_session *s, bool hpcs, bool host_assisted,
                          enum km_path *out)
{
	struct p11_caps caps;
	bool wrap, nonce;
	enum err r;

	if (host_assisted) {
		*out = KM_PATH_HOST;
		return ERR_OK;
	}
	r = p11_caps_probe(s, true, &caps);
	if (r != ERR_OK)
		return r;
	wrap = hpcs ? caps.oaep_sha1_wrap : caps.oaep_sha256_wrap;
	nonce = hpcs ? caps.aes_cbc_pad : caps.gcm_encrypt;
	if (!wrap || !nonce)
		return refuse(s, hpcs, wrap, nonce);
	/* The SO's import key needs both: it is trusted, and its wrap
	 * template keeps every other key out. */
	*out = p11_enforce_trusted_wrap(s) == ERR_OK &&
	                       p11_enforce_wrap_template(s) == ERR_OK
	               ? KM_PATH_TRUSTED
	               : KM_PATH_SESSION;
	err_clear();
	return ERR_OK;
}

static enum err set_fields(struct km_ceremony *c, const uint8_t *wrapped,
                           size_t wlen, const uint8_t *enc, size_t elen,
                           const uint8_t *iv, size_t iv_len)
{
	struct kp_import_fields *f = &c->fields;

	if (encode_base64_len(elen) >= sizeof(f->encrypted_nonce) ||
	    encode_base64_len(iv_len) >= sizeof(f->iv))
		return err_set(ERR_INTERNAL, "encrypted nonce too long");
	f->payload = malloc(encode_base64_len(wlen) + 1);
	if (!f->payload)
		return err_set(ERR_NOMEM, "import payload");
	encode_base64(f->payload, wrapped, wlen);
	encode_base64(f->encrypted_nonce, enc, elen);
	encode_base64(f->iv, iv, iv_len);
	f->algorithm = c->hpcs ? "RSAES_OAEP_SHA_1" : "RSAES_OAEP_SHA_256";
	return ERR_OK;
}

/* Wrap the root key under the import key and encrypt the nonce with it,
 * both inside the token; the import key goes right after the wrap. */
static enum err fields_in_token(struct km_ceremony *c,
                                const struct km_ceremony_in *in)
{
	uint8_t wrapped[WRAPPED_MAX], iv[P11_ROOT_CBC_IV],
	        enc[P11_ROOT_ENC_MAX];
	size_t wlen = 0, elen = 0;
	size_t iv_len = c->hpcs ? P11_ROOT_CBC_IV : P11_ROOT_GCM_IV;
	size_t modulus = ((size_t)p11_rsa_bits(in->pub) + 7) / 8;
	enum err r;

	r = p11_oaep_wrap(c->s, c->import_key,
	                  c->hpcs ? P11_OAEP_SHA1 : P11_OAEP_SHA256, c->root,
	                  wrapped, sizeof(wrapped), &wlen);
	if (r == ERR_OK && wlen != modulus)
		r = err_set(ERR_HSM,
		            "the token's RSA-OAEP wrap gave %zu "
		            "bytes for a %zu-byte modulus",
		            wlen, modulus);
	if (r == ERR_OK)
		r = p11_obj_destroy(c->s, c->import_key);
	if (r == ERR_OK)
		c->import_key = CK_INVALID_HANDLE;
	if (r == ERR_OK)
		r = p11_session_random(c->s, iv, iv_len);
	if (r == ERR_OK)
		r = p11_root_nonce_encrypt(
		        c->s, c->root, c->hpcs ? P11_ROOT_CBC : P11_ROOT_GCM,
		        iv, in->nonce, in->nonce_len, enc, &elen);
	if (r == ERR_OK)
		r = set_fields(c, wrapped, wlen, enc, elen, iv, iv_len);
	return r;
}

/* Log out whoever is logged in and log the user in. */
static enum err as_user(struct p11_session *s, const char *user_pin)
{
	enum err r = p11_session_logout(s);

	if (r == ERR_OK)
		r = p11_session_login(s, user_pin, strlen(user_pin), false);
	return r;
}

/* The SO ceremony: the import key becomes a trusted public session key
 * (SoftHSM: the SO can only make public objects; the session keeps it
 * through the SO's logout and the user's login), then the user is back.
 * Its wrap template admits this ceremony's session root and nothing else. */
static enum err trust_import_key(struct km_ceremony *c,
                                 const struct km_ceremony_in *in)
{
	struct p11_trust_hardening hard = { 0 };
	char fp[P11_RSA_FP_HEX];
	enum err r, back;

	if (!in->so_pin || !in->user_pin)
		return err_set(ERR_USAGE, "the trusted import needs the SO PIN "
		                          "and the user PIN");
	r = p11_rsa_fingerprint(in->pub, fp);
	if (r != ERR_OK)
		return r;
	snprintf(c->info.import_key_label, sizeof(c->info.import_key_label),
	         P11_TRUST_IMPORT_PREFIX "%.8s", fp);
	r = p11_session_logout(c->s);
	if (r == ERR_OK)
		r = p11_session_login(c->s, in->so_pin, strlen(in->so_pin),
		                      true);
	if (r == ERR_OK)
		r = p11_trust_add_import(c->s, c->info.import_key_label,
		                         in->pub, c->hpcs, &c->import_key,
		                         &hard);
	if (r != ERR_OK) {
		char why[1024];

		snprintf(why, sizeof(why), "%s", err_detail());
		as_user(c->s, in->user_pin);
		return err_set(r, "security officer: %s", why);
	}
	c->info.oaep_only = hard.oaep_only;
	c->info.wrap_template = hard.wrap_template;
	c->info.not_modifiable = hard.not_modifiable;
	back = as_user(c->s, in->user_pin);
	return back;
}

/* The root material is a session key that can leave only under trusted
 * keys, and only one matches its profile: this ceremony's import key.
 * km_ceremony_keep copies it into the token as never extractable. */
static enum err begin_trusted(struct km_ceremony *c,
                              const struct km_ceremony_in *in)
{
	struct p11_key_spec spec = {
		.profile = c->hpcs ? P11P_ROOT_CBC : P11P_ROOT,
		.label = c->partial,
		.len = ROOT_LEN,
		.exportable = true,
		.session = true,
	};
	enum err r;

	r = trust_import_key(c, in);
	if (r == ERR_OK)
		r = p11_key_generate(c->s, &spec, &c->root);
	if (r == ERR_OK)
		r = fields_in_token(c, in);
	return r;
}

static enum err begin_session(struct km_ceremony *c,
                              const struct km_ceremony_in *in)
{
	enum err r;

	r = p11_root_wrap_key(c->s, in->pub, &c->import_key);
	if (r == ERR_OK)
		r = p11_root_session_key(c->s, c->partial, &c->root);
	if (r == ERR_OK)
		r = fields_in_token(c, in);
	return r;
}

static enum err begin_host(struct km_ceremony *c,
                           const struct km_ceremony_in *in)
{
	uint8_t iv[KP_CRYPTO_CBC_IV_LEN];
	enum err r;

	c->material = secmem_alloc(ROOT_LEN);
	if (!c->material)
		return err_set(ERR_NOMEM, "root key material");
	r = p11_session_random(c->s, c->material, ROOT_LEN);
	if (r == ERR_OK)
		r = p11_session_random(c->s, iv,
		                       c->hpcs ? KP_CRYPTO_CBC_IV_LEN
		                               : KP_CRYPTO_GCM_IV_LEN);
	if (r == ERR_OK)
		r = kp_crypto_import_fields(c->material, ROOT_LEN, in->pub,
		                            in->nonce, in->nonce_len, c->hpcs,
		                            iv, &c->fields);
	return r;
}

static enum err sweep(struct p11_session *s, size_t *removed)
{
	size_t keys = 0, copies = 0;
	enum err r;

	r = p11_trust_sweep_import(s, &keys);
	if (r == ERR_OK)
		r = p11_root_sweep(s, &copies);
	*removed = keys + copies;
	return r;
}

enum err km_ceremony_begin(struct p11_session *s,
                           const struct km_ceremony_in *in,
                           struct km_ceremony **out)
{
	struct km_ceremony *c;
	enum err r;

	*out = NULL;
	if (in->nonce_len == 0 || in->nonce_len > NONCE_MAX)
		return err_set(ERR_FORMAT, "import token nonce of %zu bytes",
		               in->nonce_len);
	c = calloc(1, sizeof(*c));
	if (!c)
		return err_set(ERR_NOMEM, "ceremony");
	/* Import keys an older p11seal made as token keys, and root copies
	 * SoftHSM left half made (p11_root.h), from interrupted imports. */
	r = sweep(s, &c->info.leftovers_removed);
	if (r != ERR_OK) {
		free(c);
		return r;
	}
	c->s = s;
	c->path = in->path;
	c->hpcs = in->hpcs;
	c->import_key = c->root = c->kept = CK_INVALID_HANDLE;
	snprintf(c->label, sizeof(c->label), "%s", in->label);
	snprintf(c->partial, sizeof(c->partial), P11_ROOT_PARTIAL_PREFIX "%s",
	         in->label);
	if (in->path == KM_PATH_TRUSTED)
		r = begin_trusted(c, in);
	else if (in->path == KM_PATH_SESSION)
		r = begin_session(c, in);
	else
		r = begin_host(c, in);
	if (r != ERR_OK) {
		km_ceremony_free(c);
		return r;
	}
	*out = c;
	return ERR_OK;
}

const struct kp_import_fields *km_ceremony_fields(const struct km_ceremony *c)
{
	return &c->fields;
}

const struct km_ceremony_info *km_ceremony_info(const struct km_ceremony *c)
{
	return &c->info;
}

enum err km_ceremony_keep(struct km_ceremony *c, const uint8_t *id,
                          size_t id_len, CK_OBJECT_HANDLE *out)
{
	struct p11_key_spec spec = {
		.profile = P11P_ROOT_LOCKED,
		.label = c->partial,
		.len = ROOT_LEN,
		.exportable = false,
		.session = true,
	};
	enum err r = ERR_OK;

	/* Every path copies a session key into the token (the host path's
	 * is made from the host bytes now): SoftHSM 2.6.1 stores a
	 * C_CreateObject token key with its default attributes before the
	 * template, so a kill there left a key that claimed wrap and
	 * decrypt. The session original goes in km_ceremony_free. */
	if (c->path == KM_PATH_HOST)
		r = p11_key_import(c->s, &spec, c->material, ROOT_LEN,
		                   &c->root);
	if (r == ERR_OK)
		r = p11_root_persist(c->s, c->root, c->label, id, id_len,
		                     &c->kept);
	/* The host copy has done its work either way. */
	secmem_free(c->material);
	c->material = NULL;
	if (r == ERR_OK)
		*out = c->kept;
	return r;
}

void km_ceremony_free(struct km_ceremony *c)
{
	if (!c)
		return;
	p11_obj_discard(c->s, c->import_key);
	p11_obj_discard(c->s, c->root); /* a session key on every path */
	secmem_free(c->material);
	kp_crypto_import_fields_clear(&c->fields);
	free(c);
}
