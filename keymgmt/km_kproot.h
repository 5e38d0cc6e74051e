/* SPDX-License-Identifier: MIT */
/* km_kproot.h - root keys shared by a token and Key Protect: import fresh
 * material with an import token (km_ceremony does the token side), rotate
 * it the same way, and record what Key Protect calls each version.
 *
 * Versions and CKA_IDs follow km_rootver.h; each version key carries its
 * own metadata (key_id, name, crn, instance, key_version, version,
 * root_label, import, ceremony, kms, import_key_sha256, created). */
#ifndef P11SEAL_KM_KPROOT_H
#define P11SEAL_KM_KPROOT_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "km_ceremony.h"
#include "kp_config.h"
#include "kp_json.h"
#include "p11.h"
#include "p11_obj.h"

struct kp_client;
struct p11_session;

struct km_kproot_opts {
	const char *label;    /* L: the root's token label */
	const char *name;     /* Key Protect key name (import) */
	const char *alias;    /* Key Protect alias or NULL (import) */
	enum km_path path;    /* from km_ceremony_plan */
	const char *so_pin;   /* trusted path only */
	const char *user_pin; /* trusted path only */
	bool drop_previous;   /* rotate: destroy older versions after */
};

/* What an import or rotation made. */
struct km_kproot {
	char label[P11_LABEL_MAX + 1];      /* token label of this version */
	char root_label[P11_LABEL_MAX + 1]; /* L */
	unsigned version;
	enum km_path path;
	bool hpcs;
	char key_id[KP_ID_SIZE];
	char name[KP_NAME_SIZE];
	char crn[KP_CRN_SIZE];
	char instance[KP_GUID_SIZE];
	char key_version[KP_ID_SIZE];
	char previous_version[KP_ID_SIZE]; /* rotation: the one before */
	uint8_t id[P11_ID_MAX];            /* CKA_ID of the token key */
	size_t id_len;
	int import_key_bits;
	char import_key_sha256[65];
	struct km_ceremony_info ceremony;
	bool recovered;   /* a create behind a lost answer was adopted */
	bool meta_stored; /* false: the token keeps no data objects */
	unsigned dropped; /* rotation: older versions destroyed */
};

/* Import new material under name (and alias) as Key Protect root key and
 * as token root key o->label. The token keeps a root key only once Key
 * Protect accepted it: on the trusted path the key made before is
 * destroyed if the import fails; if the token cannot keep the key after
 * Key Protect accepted it, the Key Protect key is deleted again and the
 * error says so. The user is logged in on s. */
enum err km_kproot_import(struct kp_client *kp, struct p11_session *s,
                          const struct km_kproot_opts *o,
                          struct km_kproot *out);

/* Rotate root o->label (or one of its version labels): new material by
 * o->path, the Key Protect rotation, then the new version "L.v<n+1>"; the
 * older versions stay unless o->drop_previous. */
enum err km_kproot_rotate(struct kp_client *kp, struct p11_session *s,
                          const struct km_kproot_opts *o,
                          struct km_kproot *out);

/* The report of an import or rotation (NULL when out of memory). */
cJSON *km_kproot_json(const struct km_kproot *r);

#endif
