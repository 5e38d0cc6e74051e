/* SPDX-License-Identifier: MIT */
/* cli_kp.c - token session with PINs for a Key Protect ceremony, the
 * reports of roots and DEKs, and WDEK record files. PINs stay in secure
 * memory until closed; reports carry ids and CRNs, never key material. */
#include "cli_kp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_audit.h"
#include "cli_file.h"
#include "encode.h"
#include "km_kpdek.h"
#include "km_kproot.h"
#include "kp_client.h"
#include "kp_opts.h"
#include "p11_session.h"
#include "secmem.h"

#define RECORD_MAX (64u * 1024)

static enum err read_so_pin(const struct cli_kp_session *ks, const char *src,
                            char **out)
{
	char prompt[96];

	snprintf(prompt, sizeof(prompt), "SO PIN for token '%s': ",
	         p11_session_token(ks->t.session)->label);
	return cli_secret_read(src, prompt, "SO PIN", out);
}

enum err cli_kp_session_open(const struct cli *c, const char *so_pin_source,
                             bool hpcs, bool host_assisted,
                             struct cli_kp_session *ks)
{
	struct p11_session *s;
	bool logged_in;
	enum err r;

	memset(ks, 0, sizeof(*ks));
	r = cli_token_open(c, CLI_TOKEN_RW, &ks->t);
	if (r != ERR_OK)
		return r;
	s = ks->t.session;
	/* The trusted path logs in twice (user, SO, user again). */
	if (p11_session_login_required(s))
		r = cli_token_read_pin(c, ks->t.uri,
		                       p11_session_token(s)->label,
		                       &ks->user_pin);
	else
		ks->user_pin = secmem_strdup("");
	if (r == ERR_OK && !ks->user_pin)
		r = err_set(ERR_NOMEM, "PIN");
	if (r == ERR_OK)
		r = p11_session_login(s, ks->user_pin, strlen(ks->user_pin),
		                      false);
	logged_in = r == ERR_OK;
	if (r == ERR_OK)
		r = km_ceremony_plan(s, hpcs, host_assisted, &ks->path);
	if (r == ERR_OK && ks->path == KM_PATH_TRUSTED)
		r = read_so_pin(ks, so_pin_source, &ks->so_pin);
	/* Only the trusted path logs in again; the others wipe it now. */
	if (r == ERR_OK && ks->path != KM_PATH_TRUSTED) {
		secmem_free(ks->user_pin);
		ks->user_pin = NULL;
	}
	if (r != ERR_OK && !logged_in) {
		cli_kp_session_close(ks);
	} else if (r != ERR_OK) {
		/* the token stays open for the refusal's audit record */
		secmem_free(ks->user_pin);
		secmem_free(ks->so_pin);
		ks->user_pin = ks->so_pin = NULL;
	}
	return r;
}

void cli_kp_session_close(struct cli_kp_session *ks)
{
	secmem_free(ks->user_pin);
	secmem_free(ks->so_pin);
	cli_token_close(&ks->t);
	memset(ks, 0, sizeof(*ks));
}

const struct cli_opt cli_kp_root_opts[] = {
	{ "host-assisted", CLI_FLAG(struct cli_kp_root_args, host_assisted),
	  .help = "let the host make the root material when the token cannot "
	          "wrap it itself; default refused" },
	CLI_SO_PIN_OPTS(struct cli_kp_root_args, so_pin_source,
	                "prompt, asked only on the trusted path"),
	{ NULL },
};

/* fn with the session's path and PINs (kept in a->o only for the call),
 * then the report. */
static enum err root_ceremony(struct cli_kp_root_args *a, struct kp_client *kp,
                              const struct cli_kp_session *ks,
                              cli_kp_root_fn fn, struct km_kproot *res)
{
	enum err r;

	a->o.path = ks->path;
	a->o.so_pin = ks->so_pin;
	a->o.user_pin = ks->user_pin;
	r = fn(kp, ks->t.session, &a->o, res);
	a->o.so_pin = a->o.user_pin = NULL;
	if (r != ERR_OK)
		return r;
	cli_info(a->c,
	         "Key Protect key %s and token root key '%s' hold the same "
	         "material (%s)",
	         res->key_id, res->label, km_path_name(res->path));
	return cli_kp_print_root(a->c, res);
}

enum err cli_kp_root_run(const struct kp_opts *ko, struct cli_kp_root_args *a,
                         cli_kp_root_fn fn, const char *op)
{
	struct cli_kp_session ks = { 0 };
	struct cli_audit_intent in = { 0 };
	struct kp_client *kp = NULL;
	struct km_kproot res = { 0 };
	enum err r;

	r = kp_opts_connect(ko, &kp);
	if (r == ERR_OK)
		r = kp_iam_token(kp);
	if (r == ERR_OK)
		r = cli_kp_session_open(a->c, a->so_pin_source,
		                        kp_client_hpcs(kp), a->host_assisted,
		                        &ks);
	/* The user session, before any SO login: the intent is written
	 * where the audit key can be seen. */
	if (r == ERR_OK)
		r = cli_audit_begin(
		        a->c, ks.t.session,
		        &(struct cli_audit_rec){
		                .op = op, .label = a->o.label, .kind = "root" },
		        &in);
	if (r == ERR_OK)
		r = root_ceremony(a, kp, &ks, fn, &res);
	r = cli_audit(a->c, ks.t.session,
	              &(struct cli_audit_rec){
	                      .op = op,
	                      .result = r,
	                      .label = r == ERR_OK ? res.label : a->o.label,
	                      .kind = "root",
	                      .kp_key_id = res.key_id[0] ? res.key_id : NULL,
	                      .kp_correlation_id =
	                              kp ? kp_client_correlation_id(kp) : NULL,
	                      .intent = &in });
	cli_kp_session_close(&ks);
	kp_client_free(kp);
	return r;
}

enum err cli_kp_print_root(const struct cli *c, const struct km_kproot *r)
{
	char id[2 * P11_ID_MAX + 1];

	if (c->json)
		return cli_print_json(km_kproot_json(r));
	encode_hex(id, r->id, r->id_len);
	printf("label:          %s (version %u of root '%s')\n", r->label,
	       r->version, r->root_label);
	printf("key id:         %s\nname:           %s\ncrn:            %s\n"
	       "instance:       %s\nkey version:    %s\n",
	       r->key_id, r->name, r->crn, r->instance, r->key_version);
	if (r->previous_version[0])
		printf("previous:       %s\n", r->previous_version);
	printf("import:         %s (%s), %s\n", km_path_import(r->path),
	       km_path_name(r->path), r->hpcs ? "HPCS" : "Key Protect");
	printf("import key:     RSA-%d, SHA-256 %s\n", r->import_key_bits,
	       r->import_key_sha256);
	printf("token CKA_ID:   %s\nmetadata:       %s\n", id,
	       r->meta_stored ? "stored beside the key"
	                      : "not stored (the token keeps no data "
	                        "objects): keep these values");
	if (r->ceremony.leftovers_removed)
		printf("removed:        %zu import key(s) left by an "
		       "interrupted import\n",
		       r->ceremony.leftovers_removed);
	if (r->previous_version[0] && r->dropped)
		printf("dropped:        %u older version(s)\n", r->dropped);
	return ERR_OK;
}

enum err cli_kp_print_dek(const struct cli *c, const struct km_kpdek *d,
                          const char *wdek_file)
{
	cJSON *j = km_kpdek_json(d);
	char hash[65];

	if (c->json) {
		if (j && wdek_file)
			cJSON_AddStringToObject(j, "wdek_file", wdek_file);
		return cli_print_json(j);
	}
	cJSON_Delete(j);
	encode_hex(hash, d->keyhash, sizeof(d->keyhash));
	printf("label:          %s (%zu bytes, XTS-AES-%d)\n", d->label,
	       d->size, d->size == 32 ? 128 : 256);
	if (d->has_keyhash)
		printf("keyhash:        %s\n", hash);
	printf("root key id:    %s\nroot key crn:   %s\nkey version:    %s\n"
	       "kms:            %s\n",
	       d->rec.root_key_id, d->rec.root_key_crn, d->rec.key_version,
	       d->rec.kms);
	if (d->rewrapped)
		printf("rewrapped:      from version %s\n",
		       d->previous_version);
	printf("wrapped dek:    %s\n", d->rec.wrapped_dek);
	printf("record:         %s%s%s\n",
	       d->meta_stored ? "metadata beside the key" : "",
	       d->meta_stored && wdek_file ? ", " : "",
	       wdek_file ? wdek_file : "");
	return ERR_OK;
}

enum err cli_kp_audit_begin(const struct cli *c, struct p11_session *s,
                            const char *op, const char *label,
                            struct cli_audit_intent *in)
{
	struct cli_audit_rec rec = { .op = op, .label = label, .kind = "dek" };

	return cli_audit_begin(c, s, &rec, in);
}

enum err cli_kp_audit_dek(const struct cli *c, struct p11_session *s,
                          const char *op, const char *label,
                          const struct km_kpdek *d, struct kp_client *kp,
                          const struct cli_audit_intent *in, enum err r)
{
	struct cli_audit_rec rec = {
		.intent = in,
		.op = op,
		.result = r,
		.label = label,
		.kind = "dek",
		.kp_key_id = d->rec.root_key_id[0] ? d->rec.root_key_id : NULL,
		.kp_correlation_id = kp ? kp_client_correlation_id(kp) : NULL,
	};

	return cli_audit(c, s, &rec);
}

enum err cli_kp_read_record(const char *path, struct km_kpdek_record *out)
{
	char *text = NULL;
	size_t len = 0;
	enum err r = cli_file_read(path, RECORD_MAX, &text, &len);

	if (r == ERR_OK)
		r = km_kpdek_record_parse(text, len, out);
	free(text);
	if (r != ERR_OK)
		return err_wrap(r, "%s", path);
	return ERR_OK;
}

enum err cli_kp_write_record(const char *path, const struct km_kpdek *d,
                             const char *label, bool force)
{
	cJSON *j = km_kpdek_record_json(&d->rec, label);
	char *text = j ? cJSON_Print(j) : NULL;
	enum err r;

	cJSON_Delete(j);
	if (!text)
		return err_set(ERR_NOMEM, "WDEK record");
	r = cli_file_write(path, text, strlen(text), force);
	cJSON_free(text);
	if (r != ERR_OK)
		return err_wrap(r, "WDEK record");
	return ERR_OK;
}

enum err cli_kp_dek_check(struct p11_session *s,
                          const struct cli_kp_dek_dest *to)
{
	enum err r = km_kpdek_check(s, to->label, to->wdek_out != NULL);

	if (r == ERR_OK && to->wdek_out)
		r = cli_file_check_new(to->wdek_out, to->force);
	return r;
}

enum err cli_kp_dek_store(const struct cli *c, struct p11_session *s,
                          const struct cli_kp_dek_dest *to, struct km_kpdek *d)
{
	enum err r;

	if (to->wdek_out) {
		r = cli_kp_write_record(to->wdek_out, d, to->label, to->force);
		if (r != ERR_OK)
			return r;
	}
	r = km_kpdek_store(s, to->label, to->exportable, d);
	if (r != ERR_OK && to->wdek_out && unlink(to->wdek_out) != 0)
		r = err_wrap(r, "%s is left behind", to->wdek_out);
	if (r == ERR_OK)
		r = cli_kp_print_dek(c, d, to->wdek_out);
	return r;
}

int cli_kp_root_main(struct cli *c, int argc, char **argv,
                     const struct cli_opt *own, const char *need,
                     cli_kp_root_fn fn, const char *op)
{
	struct cli_kp_root_args a = { .c = c };
	struct kp_opts ko;
	enum err r;
	int rc;

	rc = kp_cmd_parse(c, argc, argv,
	                  &(struct kp_cmd){ .opts = own,
	                                    .shared = cli_kp_root_opts,
	                                    .args = &a,
	                                    .required_usage = need },
	                  &ko);
	if (rc >= 0)
		return rc;
	r = cli_kp_root_run(&ko, &a, fn, op);
	return r == ERR_OK ? 0 : cli_fail(c, r);
}
