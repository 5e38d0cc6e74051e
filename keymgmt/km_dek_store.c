/* SPDX-License-Identifier: MIT */
/* km_dek_store.c - a new DEK with its metadata and keyhash, or nothing. */
#include "km_dek_store.h"

#include <stdio.h>

#include "km_key_meta.h"
#include "p11_data.h"

static const uint8_t zero_nonce[32];

/* Destroy what a failed store made, keeping the detail of why it failed
 * (deleting the metadata would overwrite it). */
static enum err undo(struct p11_session *s, const char *label,
                     struct km_dek_stored *d, enum err r)
{
	char why[1024];

	snprintf(why, sizeof(why), "%s", err_detail());
	p11_dek_discard(s, &d->dek);
	if (d->meta_stored)
		p11_data_delete(s, label);
	d->meta_stored = false;
	return err_set(r, "%s", why);
}

enum err km_dek_store(struct p11_session *s, const char *label,
                      const struct km_dek_maker *m, const cJSON *meta,
                      struct km_dek_stored *out)
{
	struct km_dek_stored d = { .dek = { .data = CK_INVALID_HANDLE,
		                            .tweak = CK_INVALID_HANDLE } };
	enum err r;

	r = m->make(s, label, m->ctx, &d.dek);
	if (r != ERR_OK)
		return r;
	/* The keyhash before the metadata: a digest that fails part-way
	 * may leave its operation active in a token that does not follow
	 * the spec, and then no search could find the metadata to undo. */
	r = p11_dek_keyhash(s, &d.dek, zero_nonce, d.keyhash);
	if (r != ERR_OK)
		goto out;
	r = km_key_put_meta(s, label, "dek", meta, &d.meta_stored);
	if (r != ERR_OK)
		goto out;
	if (m->check)
		r = m->check(s, &d, m->ctx);
out:
	if (r != ERR_OK)
		return undo(s, label, &d, r);
	*out = d;
	return ERR_OK;
}

struct spec {
	const uint8_t *value; /* NULL: generate */
	size_t size;
	bool exportable;
};

static enum err make(struct p11_session *s, const char *label, const void *ctx,
                     struct p11_dek *out)
{
	const struct spec *sp = ctx;

	if (sp->value)
		return p11_dek_import(s, label, sp->value, sp->size,
		                      sp->exportable, out);
	return p11_dek_generate(s, label, sp->size, sp->exportable, out);
}

enum err km_dek_store_generated(struct p11_session *s, const char *label,
                                size_t size, bool exportable, const cJSON *meta,
                                struct km_dek_stored *out)
{
	struct spec sp = { .size = size, .exportable = exportable };
	struct km_dek_maker m = { .make = make, .ctx = &sp };

	return km_dek_store(s, label, &m, meta, out);
}

enum err km_dek_store_value(struct p11_session *s, const char *label,
                            const uint8_t *value, size_t len, bool exportable,
                            const cJSON *meta, struct km_dek_stored *out)
{
	struct spec sp = { .value = value,
		           .size = len,
		           .exportable = exportable };
	struct km_dek_maker m = { .make = make, .ctx = &sp };

	return km_dek_store(s, label, &m, meta, out);
}
