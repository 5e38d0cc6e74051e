/* SPDX-License-Identifier: MIT */
/* km_manifest.h - the import manifest of an encrypted VHD: one JSON
 * document ("p11seal-manifest/2") with what IBM Cloud's createFromIcos
 * needs and what an auditor checks (file size and SHA-256, keyhash,
 * wrapped DEK, root key CRN), bound to the DEK by a digest keyed with the
 * DEK inside the token. It never holds a secret: no DEK, PIN or API key.
 * Names, build, parse and validate are pure (km_manifest.c,
 * km_manifest_json.c); the image and the token are read in
 * km_manifest_io.c. */
#ifndef P11SEAL_KM_MANIFEST_H
#define P11SEAL_KM_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct cJSON;
struct p11_dek;
struct p11_session;

#define KM_MANIFEST_FORMAT "p11seal-manifest/2"
/* Format 1 named two parameters as IBM's docs page does ("cloud-init",
 * "encrypted"), not as the SDKs send them; it is refused with a line
 * saying how to remake it (its binding covers those names). */
#define KM_MANIFEST_FORMAT_1 "p11seal-manifest/1"
#define KM_MANIFEST_MAX      (64u * 1024) /* largest manifest read */
#define KM_OBJECT_SUFFIX     ".vhd-0.vhd" /* IBM: "filename.vhd-0.vhd" */

#define KM_FILE_MAX   255
#define KM_OBJECT_MAX 1024 /* COS object key limit */
#define KM_URI_MAX    1200 /* cos:// + region + bucket + object */
#define KM_NAME_MAX   255
#define KM_NOTE_MAX   1024
#define KM_OS_MAX     64
#define KM_BOOT_MAX   8
#define KM_CRN_MAX    255
#define KM_WDEK_MAX   16384 /* base64 ciphertext, as Key Protect caps it */
#define KM_TEXT_MAX   64    /* root_key_id, key_version, version */
#define KM_LABEL_MAX  128
#define KM_ID_MAX     64
#define KM_DATE_LEN   20 /* 2026-01-31T12:00:00Z */
#define KM_NOTES_MAX  4
#define KM_ISSUES_MAX 32

enum km_kms {
	KM_KMS_NONE = 0,   /* a local DEK, never wrapped */
	KM_KMS_KEYPROTECT, /* CRN service "kms" */
	KM_KMS_HPCS,       /* CRN service "hs-crypto" */
};

/* createFromIcos parameters the import still lacks (besides ibmApiKey). */
enum km_missing {
	KM_MISSING_URI = 1,
	KM_MISSING_WDEK = 2,
	KM_MISSING_CRK = 4,
};

/* A root key CRN: crn:v1:CNAME:CTYPE:SERVICE:REGION:a/ACCOUNT:INSTANCE:
 * key:KEY_ID. */
struct km_crn {
	char service[16]; /* "kms" or "hs-crypto" */
	char region[64];
	char account[64];
	char instance[40];
	char key_id[40];
};

/* cos://REGION/BUCKET/OBJECT */
struct km_cos_uri {
	char region[64];
	char bucket[64];
	char object[KM_OBJECT_MAX + 1];
};

/* The createFromIcos parameters, named in JSON as IBM's SDKs send them
 * ("" = absent). */
struct km_icos {
	char name[KM_NAME_MAX + 1];
	char note[KM_NOTE_MAX + 1];
	char os[KM_OS_MAX + 1]; /* operatingSystemReferenceCode */
	char uri[KM_URI_MAX + 1];
	char crk_crn[KM_CRN_MAX + 1];
	char wrapped_dek[KM_WDEK_MAX + 1];
	char boot_mode[KM_BOOT_MAX + 1]; /* bootMode: "" or "HVM" */
	bool cloud_init;                 /* cloudInit */
	bool encrypted;                  /* isEncrypted */
	bool byol;                       /* byol: bring your own license */
};

struct km_manifest {
	char created[KM_DATE_LEN + 1];
	char version[KM_TEXT_MAX + 1]; /* p11seal that wrote it */
	/* image: the encrypted file */
	char file[KM_FILE_MAX + 1]; /* base name */
	char object[KM_OBJECT_MAX + 1];
	uint64_t size;
	uint8_t sha256[32];
	uint64_t virtual_size;
	/* encryption */
	unsigned dek_size; /* 32 or 64 bytes */
	char xts[16];      /* "XTS-AES-128" for 32, "XTS-AES-256" for 64 */
	uint8_t nonce[32]; /* the batmap's keyhash nonce */
	uint8_t keyhash[32];
	/* dek: where it lives and how the KMS holds it ("" = absent) */
	char token_serial[17];
	char token_label[33];
	char label[KM_LABEL_MAX + 1];
	uint8_t id[KM_ID_MAX]; /* CKA_ID of the DEK (its data half) */
	size_t id_len;
	enum km_kms kms;
	char wrapped_dek[KM_WDEK_MAX + 1];
	char root_key_crn[KM_CRN_MAX + 1];
	char root_key_id[KM_TEXT_MAX + 1];
	char key_version[KM_TEXT_MAX + 1];
	/* import */
	struct km_icos icos;
	bool importable;
	unsigned missing; /* enum km_missing bits */
	char notes[KM_NOTES_MAX][512];
	size_t n_notes;
	/* SHA-256(km_manifest_digest || DEK), computed in the token */
	uint8_t binding[32];
};

/* One finding of a validation or verification. */
struct km_issue {
	char field[48]; /* JSON path: "image.sha256", "dek.root_key_crn" */
	char detail[256];
	bool warning; /* true: reported, but not a failure */
};

struct km_report {
	struct km_issue issue[KM_ISSUES_MAX];
	size_t n;
	size_t failures;
};

/* ---- names and formats (km_manifest.c) ---- */

/* Object name IBM expects for a file name: "<stem>.vhd-0.vhd", stem = the
 * name without a trailing ".vhd"; a name of that form already is kept.
 * ERR_FORMAT for an empty name, ".", "..", '/', control characters or
 * invalid UTF-8. */
enum err km_manifest_object_name(const char *file, char out[KM_OBJECT_MAX + 1]);

/* The image name without ".vhd-0.vhd" or ".vhd" (the default name). */
void km_manifest_stem(const char *file, char out[KM_FILE_MAX + 1]);

/* True if object follows IBM's pattern "<filename>.vhd-0.vhd". */
bool km_manifest_object_ok(const char *object);

/* Parse a Key Protect or HPCS root key CRN; ERR_FORMAT naming the part. */
enum err km_manifest_crn_parse(const char *s, struct km_crn *out);

/* Parse cos://REGION/BUCKET/OBJECT; ERR_FORMAT naming the part. */
enum err km_manifest_cos_uri_parse(const char *s, struct km_cos_uri *out);

/* ERR_USAGE unless s is a valid operatingSystemReferenceCode, image name
 * or note (what names the option in the detail). */
enum err km_manifest_check_os(const char *s);
/* ERR_USAGE unless s is a bootMode createFromIcos takes ("HVM", "PV"). */
enum err km_manifest_check_boot(const char *s);
enum err km_manifest_check_name(const char *s, const char *what, size_t max);

/* "keyprotect", "hpcs", or NULL for KM_KMS_NONE. */
const char *km_manifest_kms_name(enum km_kms k);

/* Take the Key Protect fields from a DEK's metadata (or a --wdek file):
 * members wrapped_dek, root_key_crn, root_key_id, key_version, kms, all
 * optional, others ignored. ERR_FORMAT if a member is malformed, a wrapped
 * DEK comes without its CRN (or the reverse), or they disagree (kms vs the
 * CRN's service, root_key_id vs the CRN's key). meta NULL clears them. */
enum err km_manifest_set_kms(struct km_manifest *m, const struct cJSON *meta);

/* created = now (seconds since the epoch, UTC), version = p11seal's. */
void km_manifest_stamp(struct km_manifest *m, long long now,
                       const char *version);

/* Fill the derived fields once image, encryption, DEK and KMS fields and
 * icos name/note/os/uri are set: object, xts, name default, crkCrn,
 * wrappedDek, cloudInit, isEncrypted, importable, missing, notes. */
enum err km_manifest_complete(struct km_manifest *m);

/* Check the fields against each other and their formats: one failure per
 * field that is wrong (CRN, URI, object name, xts, parameters that differ
 * from the dek section, ...), warnings for what IBM may refuse (object
 * pattern, bucket region). ERR_VERIFY (detail: the first failure) or
 * ERR_OK. Appends to r. */
enum err km_manifest_validate(const struct km_manifest *m, struct km_report *r);

/* Add a finding to r (dropped silently past KM_ISSUES_MAX, still counted
 * as a failure). */
void km_report_add(struct km_report *r, bool warning, const char *field,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- JSON (km_manifest_json.c) ---- */

/* SHA-256 of the canonical form: "field=value\n" for every field but the
 * binding, in a fixed order, absent fields left out. */
enum err km_manifest_digest(const struct km_manifest *m, uint8_t out[32]);

/* The manifest as pretty JSON ending in a newline; *out is malloc'd. */
enum err km_manifest_build(const struct km_manifest *m, char **out,
                           size_t *len);

/* Parse len bytes. ERR_FORMAT for anything that is not a
 * p11seal-manifest/2 document (format 1 is refused with how to remake
 * it): bad JSON, duplicate, unknown or missing
 * members, wrong types, control characters, hex of the wrong length, an
 * ibmApiKey member. Consistency is km_manifest_validate's job. */
enum err km_manifest_parse(const char *buf, size_t len, struct km_manifest *m);

/* ---- image and token (km_manifest_io.c) ---- */

/* Read and parse the manifest file at path. */
enum err km_manifest_load(const char *path, struct km_manifest *m);

/* Read a wrapped-DEK file (a JSON object with the metadata's members, for
 * tokens that keep no metadata) into *out; free with cJSON_Delete. */
enum err km_manifest_read_wdek(const char *path, struct cJSON **out);

/* The image part from the encrypted VHD at path: file (base name), size
 * and SHA-256 of the whole file (streamed), virtual size, keyhash and its
 * nonce. ERR_FORMAT / ERR_VERIFY when it is not an encrypted VHD blktap
 * accepts. */
enum err km_manifest_scan_image(const char *path, struct km_manifest *m);

/* The DEK part: label, CKA_ID, size and the token's serial and label. */
enum err km_manifest_set_dek(struct km_manifest *m, struct p11_session *s,
                             const struct p11_dek *dek);

/* The p11seal metadata object of the DEK labelled label, or NULL in *out
 * when it has none (or the token keeps none). Free with cJSON_Delete. */
enum err km_manifest_token_meta(struct p11_session *s, const char *label,
                                struct cJSON **out);

/* ERR_VERIFY unless SHA-256(m->nonce || DEK), computed in the token,
 * equals m->keyhash. */
enum err km_manifest_check_key(struct p11_session *s, const struct p11_dek *dek,
                               const struct km_manifest *m);

/* m->binding = SHA-256(km_manifest_digest(m) || DEK), in the token. */
enum err km_manifest_bind(struct p11_session *s, const struct p11_dek *dek,
                          struct km_manifest *m);

/* Compare the image at path with m (size, sha256, virtual size, keyhash
 * and nonce, blktap's rules): one failure per field into r. ERR_OK or
 * ERR_VERIFY; ERR_IO / ERR_NOT_FOUND when the image cannot be read. */
enum err km_manifest_verify_image(const struct km_manifest *m, const char *path,
                                  struct km_report *r);

/* With the DEK: its size, the keyhash recomputed in the token and the
 * binding; one failure per field into r. ERR_OK, ERR_VERIFY, or the
 * token's error. */
enum err km_manifest_verify_dek(struct p11_session *s,
                                const struct p11_dek *dek,
                                const struct km_manifest *m,
                                struct km_report *r);

#endif
