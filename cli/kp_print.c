/* SPDX-License-Identifier: MIT */
/* kp_print.c - key output for the `kp` commands. Names and descriptions
 * come from the server, so text output filters control characters. */
#include "kp_print.h"

#include <string.h>

#include "cli.h"

void kp_print_text(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		/* UTF-8 C1 controls are 0xc2 0x80..0x9f */
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fputc('?', f);
			p++;
		} else {
			fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
		}
	}
}

static const char *kind(const struct kp_key *k)
{
	if (k->extractable)
		return k->imported ? "standard (imported)" : "standard";
	return k->imported ? "root (imported)" : "root";
}

static void add_str(cJSON *o, const char *name, const char *val)
{
	if (val[0])
		cJSON_AddStringToObject(o, name, val);
}

cJSON *kp_print_key_json(const struct kp_key *k)
{
	cJSON *o = cJSON_CreateObject(), *aliases;

	if (!o)
		return NULL;
	add_str(o, "id", k->id);
	add_str(o, "name", k->name);
	add_str(o, "description", k->description);
	cJSON_AddNumberToObject(o, "state", k->state);
	cJSON_AddBoolToObject(o, "extractable", k->extractable);
	cJSON_AddBoolToObject(o, "imported", k->imported);
	aliases = cJSON_AddArrayToObject(o, "aliases");
	for (size_t i = 0; aliases && i < k->n_aliases; i++)
		cJSON_AddItemToArray(aliases,
		                     cJSON_CreateString(k->aliases[i]));
	add_str(o, "crn", k->crn);
	add_str(o, "keyRingID", k->key_ring_id);
	add_str(o, "keyVersionId", k->key_version_id);
	add_str(o, "createdBy", k->created_by);
	add_str(o, "creationDate", k->creation_date);
	add_str(o, "lastUpdateDate", k->last_update_date);
	add_str(o, "lastRotateDate", k->last_rotate_date);
	add_str(o, "expirationDate", k->expiration_date);
	add_str(o, "deletionDate", k->deletion_date);
	if (k->deleted)
		cJSON_AddBoolToObject(o, "deleted", true);
	return o;
}

static void field(const char *name, const char *val)
{
	if (!val[0])
		return;
	printf("%-14s ", name);
	kp_print_text(stdout, val);
	putchar('\n');
}

void kp_print_key_text(const struct kp_key *k)
{
	field("id:", k->id);
	field("name:", k->name);
	field("description:", k->description);
	printf("%-14s %s (%d)\n", "state:", kp_json_state_name(k->state),
	       k->state);
	field("kind:", kind(k));
	for (size_t i = 0; i < k->n_aliases; i++)
		field(i ? "" : "aliases:", k->aliases[i]);
	field("crn:", k->crn);
	field("key ring:", k->key_ring_id);
	field("version:", k->key_version_id);
	field("created by:", k->created_by);
	field("created:", k->creation_date);
	field("updated:", k->last_update_date);
	field("rotated:", k->last_rotate_date);
	field("expires:", k->expiration_date);
	field("deleted:", k->deletion_date);
}

void kp_print_key_row(const struct kp_key *k)
{
	if (!k) {
		printf("%-36s  %-11s  %-19s  %s\n", "ID", "STATE", "KIND",
		       "NAME");
		return;
	}
	printf("%-36s  %-11s  %-19s  ", k->id, kp_json_state_name(k->state),
	       kind(k));
	kp_print_text(stdout, k->name);
	putchar('\n');
}

enum err kp_print_key(const struct cli *c, const struct kp_key *k)
{
	if (c->json)
		return cli_print_json(
		        kp_print_nest("key", kp_print_key_json(k)));
	kp_print_key_text(k);
	return ERR_OK;
}

cJSON *kp_print_nest(const char *member, cJSON *kp)
{
	cJSON *o = kp ? cJSON_CreateObject() : NULL;

	if (!o || !cJSON_AddItemToObject(o, member, kp)) {
		cJSON_Delete(o);
		cJSON_Delete(kp);
		return NULL;
	}
	return o;
}

cJSON *kp_print_import_token_json(const struct kp_import_token *t)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "creationDate", t->creation_date);
	cJSON_AddStringToObject(o, "expirationDate", t->expiration_date);
	cJSON_AddNumberToObject(o, "maxAllowedRetrievals",
	                        (double)t->max_retrievals);
	cJSON_AddNumberToObject(o, "remainingRetrievals",
	                        (double)t->remaining_retrievals);
	return o;
}
