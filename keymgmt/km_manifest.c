/* SPDX-License-Identifier: MIT */
/* km_manifest.c - the pure rules of the import manifest: IBM's object
 * name, root key CRNs, cos:// URIs, the fields derived from the others and
 * the cross-checks an auditor relies on. */
#include "km_manifest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "encode.h"
#include "json.h"

#define SUFFIX_LEN  (sizeof(KM_OBJECT_SUFFIX) - 1)
#define LOWER_DIGIT "abcdefghijklmnopqrstuvwxyz0123456789"
#define ALNUM       LOWER_DIGIT "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

static const char api_key_note[] =
        "ibmApiKey is not in this manifest: supply an API key with access to "
        "the COS bucket and the KMS instance when calling createFromIcos";

/* Printable UTF-8: no control characters, no invalid sequences. */
static bool text_ok(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return json_utf8_valid(s, n);
}

static bool only(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

static bool region_ok(const char *r)
{
	size_t n = strlen(r);

	return n >= 2 && n < 64 && only(r, LOWER_DIGIT "-");
}

bool km_manifest_object_ok(const char *object)
{
	const char *base = strrchr(object, '/');
	size_t n;

	base = base ? base + 1 : object;
	n = strlen(base);
	return n > SUFFIX_LEN &&
	       strcmp(base + n - SUFFIX_LEN, KM_OBJECT_SUFFIX) == 0;
}

void km_manifest_stem(const char *file, char out[KM_FILE_MAX + 1])
{
	size_t n = strlen(file);

	if (km_manifest_object_ok(file) && !strchr(file, '/'))
		n -= SUFFIX_LEN;
	else if (n > 4 && strcasecmp(file + n - 4, ".vhd") == 0)
		n -= 4;
	if (n > KM_FILE_MAX)
		n = KM_FILE_MAX;
	memcpy(out, file, n);
	out[n] = '\0';
}

enum err km_manifest_object_name(const char *file, char out[KM_OBJECT_MAX + 1])
{
	char stem[KM_FILE_MAX + 1];

	out[0] = '\0';
	if (!file[0] || strcmp(file, ".") == 0 || strcmp(file, "..") == 0 ||
	    strchr(file, '/') || strlen(file) > KM_FILE_MAX || !text_ok(file))
		return err_set(ERR_FORMAT,
		               "image file name '%.64s' is empty, too long, "
		               "or holds '/' or control characters",
		               file);
	km_manifest_stem(file, stem);
	snprintf(out, KM_OBJECT_MAX + 1, "%s%s", stem, KM_OBJECT_SUFFIX);
	return ERR_OK;
}

static enum err crn_bad(const char *s, const char *why)
{
	return err_set(ERR_FORMAT, "root key CRN '%.96s' %s", s, why);
}

/* crn:v1:bluemix:public:kms:us-south:a/ACCOUNT:INSTANCE:key:KEY_ID */
enum err km_manifest_crn_parse(const char *s, struct km_crn *out)
{
	char buf[KM_CRN_MAX + 1];
	char *f[10];
	size_t n = 1;

	memset(out, 0, sizeof(*out));
	if (strlen(s) > KM_CRN_MAX)
		return crn_bad(s, "is longer than 255 bytes");
	memcpy(buf, s, strlen(s) + 1);
	f[0] = buf;
	for (char *p = buf; *p; p++) {
		if (*p != ':')
			continue;
		if (n == 10)
			return crn_bad(s, "has more than 10 parts");
		*p = '\0';
		f[n++] = p + 1;
	}
	if (n != 10 || strcmp(f[0], "crn") != 0 || strcmp(f[1], "v1") != 0)
		return crn_bad(s, "is not crn:v1: with 10 ':'-separated parts");
	if (!f[2][0] || !f[3][0] || !only(f[2], LOWER_DIGIT "-") ||
	    !only(f[3], LOWER_DIGIT "-"))
		return crn_bad(s, "has a bad cloud name or type");
	if (strcmp(f[4], "kms") != 0 && strcmp(f[4], "hs-crypto") != 0)
		return crn_bad(s, "names neither Key Protect (kms) nor HPCS "
		                  "(hs-crypto)");
	if (!region_ok(f[5]))
		return crn_bad(s, "has a bad region");
	if (strncmp(f[6], "a/", 2) != 0 || !f[6][2] || strlen(f[6]) >= 64 ||
	    !only(f[6] + 2, ALNUM))
		return crn_bad(s, "has no account scope a/ACCOUNT");
	if (!json_is_uuid(f[7]))
		return crn_bad(s, "has no instance GUID");
	if (strcmp(f[8], "key") != 0 || !json_is_uuid(f[9]))
		return crn_bad(s, "does not end in key:KEY_ID (a UUID)");
	snprintf(out->service, sizeof(out->service), "%s", f[4]);
	snprintf(out->region, sizeof(out->region), "%s", f[5]);
	snprintf(out->account, sizeof(out->account), "%s", f[6] + 2);
	snprintf(out->instance, sizeof(out->instance), "%s", f[7]);
	snprintf(out->key_id, sizeof(out->key_id), "%s", f[9]);
	return ERR_OK;
}

static enum err uri_bad(const char *s, const char *why)
{
	return err_set(ERR_FORMAT, "COS URI '%.96s' %s", s, why);
}

static bool bucket_ok(const char *b, size_t n)
{
	if (n < 3 || n > 63 || strspn(b, LOWER_DIGIT ".-") < n)
		return false;
	return strchr(LOWER_DIGIT, b[0]) && strchr(LOWER_DIGIT, b[n - 1]);
}

/* cos://REGION/BUCKET/OBJECT, as createFromIcos takes it */
enum err km_manifest_cos_uri_parse(const char *s, struct km_cos_uri *out)
{
	const char *region, *bucket, *object;
	size_t rn, bn;

	memset(out, 0, sizeof(*out));
	if (strncmp(s, "cos://", 6) != 0)
		return uri_bad(s, "does not start with cos://");
	if (strlen(s) > KM_URI_MAX || !text_ok(s))
		return uri_bad(s, "is too long or holds control characters");
	region = s + 6;
	bucket = strchr(region, '/');
	object = bucket ? strchr(bucket + 1, '/') : NULL;
	if (!object)
		return uri_bad(s, "is not cos://REGION/BUCKET/OBJECT");
	rn = (size_t)(bucket - region);
	bn = (size_t)(object - bucket - 1);
	if (rn < 2 || rn > 63 || strspn(region, LOWER_DIGIT "-") < rn)
		return uri_bad(s, "has a bad region");
	if (!bucket_ok(bucket + 1, bn))
		return uri_bad(s,
		               "has a bad bucket name (3-63 of a-z 0-9 . -)");
	object++;
	if (!object[0] || object[0] == '/' || strlen(object) > KM_OBJECT_MAX)
		return uri_bad(s, "has an empty or too long object name");
	memcpy(out->region, region, rn);
	memcpy(out->bucket, bucket + 1, bn);
	snprintf(out->object, sizeof(out->object), "%s", object);
	return ERR_OK;
}

enum err km_manifest_check_os(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > KM_OS_MAX || !only(s, ALNUM "_.-"))
		return err_set(ERR_USAGE,
		               "operatingSystemReferenceCode '%.64s' is not "
		               "1-64 of A-Z a-z 0-9 _ . - (e.g. DEBIAN_12_64)",
		               s);
	return ERR_OK;
}

/* IBM's sample script sends "HVM"; the template group's other mode is
 * PV. */
enum err km_manifest_check_boot(const char *s)
{
	if (strcmp(s, "HVM") != 0 && strcmp(s, "PV") != 0)
		return err_set(ERR_USAGE, "bootMode '%.8s' is not HVM or PV",
		               s);
	return ERR_OK;
}

enum err km_manifest_check_name(const char *s, const char *what, size_t max)
{
	if (!s[0] || strlen(s) > max || !text_ok(s))
		return err_set(ERR_USAGE,
		               "%s must be 1-%zu bytes of UTF-8 without "
		               "control characters",
		               what, max);
	return ERR_OK;
}

const char *km_manifest_kms_name(enum km_kms k)
{
	switch (k) {
	case KM_KMS_KEYPROTECT: return "keyprotect";
	case KM_KMS_HPCS: return "hpcs";
	default: return NULL;
	}
}

static enum km_kms kms_of_service(const char *service)
{
	return strcmp(service, "hs-crypto") == 0 ? KM_KMS_HPCS
	                                         : KM_KMS_KEYPROTECT;
}

static bool base64_ok(const char *s)
{
	size_t n = strlen(s), len = 0;
	uint8_t *buf;
	bool ok;

	if (n == 0 || n % 4)
		return false;
	buf = malloc(n / 4 * 3);
	if (!buf)
		return false;
	ok = decode_base64(buf, n / 4 * 3, &len, s, n) == ERR_OK;
	free(buf);
	return ok;
}

static enum err meta_str(const cJSON *meta, const char *name, char *out,
                         size_t cap)
{
	enum err r = json_get_str(meta, name, false, out, cap);

	return r == ERR_OK ? r : err_wrap(r, "DEK metadata");
}

/* The KMS fields against each other; ERR_FORMAT naming the first clash. */
static enum err kms_consistent(struct km_manifest *m, const char *kms)
{
	struct km_crn crn;

	if (kms[0] && strcmp(kms, "keyprotect") != 0 && strcmp(kms, "hpcs"))
		return err_set(ERR_FORMAT,
		               "DEK metadata: kms '%.32s' is "
		               "neither keyprotect nor hpcs",
		               kms);
	if (m->wrapped_dek[0] && !base64_ok(m->wrapped_dek))
		return err_set(ERR_FORMAT, "DEK metadata: wrapped_dek is not "
		                           "base64");
	if (!m->wrapped_dek[0] != !m->root_key_crn[0])
		return err_set(
		        ERR_FORMAT, "DEK metadata: %s without %s",
		        m->wrapped_dek[0] ? "wrapped_dek" : "root_key_crn",
		        m->wrapped_dek[0] ? "root_key_crn" : "wrapped_dek");
	if (!m->root_key_crn[0])
		return ERR_OK;
	if (km_manifest_crn_parse(m->root_key_crn, &crn) != ERR_OK)
		return err_wrap(ERR_FORMAT, "DEK metadata");
	m->kms = kms_of_service(crn.service);
	if (kms[0] && strcmp(kms, km_manifest_kms_name(m->kms)) != 0)
		return err_set(ERR_FORMAT,
		               "DEK metadata: kms '%s' but the CRN "
		               "names service '%s'",
		               kms, crn.service);
	if (m->root_key_id[0] && strcmp(m->root_key_id, crn.key_id) != 0)
		return err_set(ERR_FORMAT,
		               "DEK metadata: root_key_id '%.40s' "
		               "is not the CRN's key '%s'",
		               m->root_key_id, crn.key_id);
	return ERR_OK;
}

enum err km_manifest_set_kms(struct km_manifest *m, const cJSON *meta)
{
	char kms[16] = "";
	enum err r;

	m->kms = KM_KMS_NONE;
	m->wrapped_dek[0] = m->root_key_crn[0] = '\0';
	m->root_key_id[0] = m->key_version[0] = '\0';
	if (!meta)
		return ERR_OK;
	r = meta_str(meta, "wrapped_dek", m->wrapped_dek,
	             sizeof(m->wrapped_dek));
	if (r == ERR_OK)
		r = meta_str(meta, "root_key_crn", m->root_key_crn,
		             sizeof(m->root_key_crn));
	if (r == ERR_OK)
		r = meta_str(meta, "root_key_id", m->root_key_id,
		             sizeof(m->root_key_id));
	if (r == ERR_OK)
		r = meta_str(meta, "key_version", m->key_version,
		             sizeof(m->key_version));
	if (r == ERR_OK)
		r = meta_str(meta, "kms", kms, sizeof(kms));
	if (r == ERR_OK)
		r = kms_consistent(m, kms);
	if (r != ERR_OK)
		km_manifest_set_kms(m, NULL);
	return r;
}

void km_manifest_stamp(struct km_manifest *m, long long now,
                       const char *version)
{
	time_t t = (time_t)now;
	struct tm tm;

	if (!gmtime_r(&t, &tm) ||
	    strftime(m->created, sizeof(m->created), "%Y-%m-%dT%H:%M:%SZ",
	             &tm) != KM_DATE_LEN)
		snprintf(m->created, sizeof(m->created),
		         "1970-01-01T00:00:00Z");
	snprintf(m->version, sizeof(m->version), "%s", version);
}

static const char *xts_of(unsigned dek_size)
{
	return dek_size == 32   ? "XTS-AES-128"
	       : dek_size == 64 ? "XTS-AES-256"
	                        : NULL;
}

static unsigned missing_of(const struct km_icos *p)
{
	return (p->uri[0] ? 0u : KM_MISSING_URI) |
	       (p->wrapped_dek[0] ? 0u : KM_MISSING_WDEK) |
	       (p->crk_crn[0] ? 0u : KM_MISSING_CRK);
}

/* The notes p11seal writes for m, into notes; returns how many. */
static size_t notes_of(const struct km_manifest *m,
                       char notes[KM_NOTES_MAX][512])
{
	unsigned miss = missing_of(&m->icos);
	size_t n = 0;

	snprintf(notes[n++], 512, "%s", api_key_note);
	if (miss & KM_MISSING_URI)
		snprintf(notes[n++], 512,
		         "uri is not set: upload the image as object '%.200s' "
		         "to a regional COS bucket in the KMS's region and set "
		         "uri to cos://REGION/BUCKET/OBJECT",
		         m->object);
	if (miss & (KM_MISSING_WDEK | KM_MISSING_CRK))
		snprintf(
		        notes[n++], 512,
		        "NOT importable as is: DEK '%.128s' was never wrapped "
		        "by Key Protect or HPCS, so there is no wrappedDek and "
		        "no crkCrn",
		        m->label);
	return n;
}

enum err km_manifest_complete(struct km_manifest *m)
{
	const char *xts = xts_of(m->dek_size);
	enum err r;

	if (!xts)
		return err_set(ERR_FORMAT, "a DEK has 32 or 64 bytes, not %u",
		               m->dek_size);
	r = km_manifest_object_name(m->file, m->object);
	if (r != ERR_OK)
		return r;
	snprintf(m->xts, sizeof(m->xts), "%s", xts);
	if (!m->icos.name[0])
		km_manifest_stem(m->file, m->icos.name);
	snprintf(m->icos.crk_crn, sizeof(m->icos.crk_crn), "%s",
	         m->root_key_crn);
	snprintf(m->icos.wrapped_dek, sizeof(m->icos.wrapped_dek), "%s",
	         m->wrapped_dek);
	m->icos.cloud_init = true;
	m->icos.encrypted = true;
	m->missing = missing_of(&m->icos);
	m->importable = m->missing == 0;
	m->n_notes = notes_of(m, m->notes);
	return ERR_OK;
}

void km_report_add(struct km_report *r, bool warning, const char *field,
                   const char *fmt, ...)
{
	struct km_issue *i;
	va_list ap;

	if (!warning)
		r->failures++;
	if (r->n == KM_ISSUES_MAX)
		return;
	i = &r->issue[r->n++];
	i->warning = warning;
	snprintf(i->field, sizeof(i->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(i->detail, sizeof(i->detail), fmt, ap);
	va_end(ap);
}

static void check_image(const struct km_manifest *m, struct km_report *r)
{
	char obj[KM_OBJECT_MAX + 1];
	const char *xts = xts_of(m->dek_size);

	if (km_manifest_object_name(m->file, obj) != ERR_OK)
		km_report_add(r, false, "image.file", "%s", err_detail());
	else if (strcmp(obj, m->object) != 0)
		km_report_add(r, false, "image.object",
		              "'%.80s' is not IBM's object name for image.file "
		              "(expected '%.80s')",
		              m->object, obj);
	if (m->size == 0 || m->size % 512)
		km_report_add(r, false, "image.size",
		              "%llu is not a whole number of 512-byte sectors",
		              (unsigned long long)m->size);
	if (m->virtual_size == 0 || m->virtual_size % 512)
		km_report_add(r, false, "image.virtual_size",
		              "%llu is not a whole number of 512-byte sectors",
		              (unsigned long long)m->virtual_size);
	if (!xts)
		km_report_add(r, false, "encryption.dek_size",
		              "%u: a DEK has 32 or 64 bytes", m->dek_size);
	else if (strcmp(m->xts, xts) != 0)
		km_report_add(r, false, "encryption.xts",
		              "'%.15s' does not fit dek_size %u (%s)", m->xts,
		              m->dek_size, xts);
}

/* The dek section; *crn gets the parsed CRN when there is a valid one. */
static bool check_kms(const struct km_manifest *m, struct km_report *r,
                      struct km_crn *crn)
{
	bool have = false;

	if (m->wrapped_dek[0] && !base64_ok(m->wrapped_dek))
		km_report_add(r, false, "dek.wrapped_dek", "is not base64");
	if (!m->wrapped_dek[0] != !m->root_key_crn[0])
		km_report_add(r, false,
		              m->wrapped_dek[0] ? "dek.root_key_crn"
		                                : "dek.wrapped_dek",
		              "is missing while %s is present",
		              m->wrapped_dek[0] ? "dek.wrapped_dek"
		                                : "dek.root_key_crn");
	if (m->root_key_crn[0]) {
		have = km_manifest_crn_parse(m->root_key_crn, crn) == ERR_OK;
		if (!have)
			km_report_add(r, false, "dek.root_key_crn", "%s",
			              err_detail());
	}
	if (have && m->kms != kms_of_service(crn->service))
		km_report_add(r, false, "dek.kms",
		              "'%s' but the CRN names service '%s'",
		              m->kms ? km_manifest_kms_name(m->kms) : "(none)",
		              crn->service);
	if (!m->root_key_crn[0] && m->kms != KM_KMS_NONE)
		km_report_add(r, false, "dek.kms", "is set without a CRN");
	if (have && m->root_key_id[0] && strcmp(m->root_key_id, crn->key_id))
		km_report_add(r, false, "dek.root_key_id",
		              "'%.40s' is not the CRN's key '%s'",
		              m->root_key_id, crn->key_id);
	return have;
}

static void check_uri(const struct km_manifest *m, struct km_report *r,
                      const struct km_crn *crn)
{
	const char *f = "import.parameters.uri";
	struct km_cos_uri u;

	if (!m->icos.uri[0])
		return;
	if (km_manifest_cos_uri_parse(m->icos.uri, &u) != ERR_OK) {
		km_report_add(r, false, f, "%s", err_detail());
		return;
	}
	if (!km_manifest_object_ok(u.object))
		km_report_add(r, true, f,
		              "object '%.80s' does not follow IBM's pattern "
		              "filename" KM_OBJECT_SUFFIX,
		              u.object);
	if (crn && strcmp(u.region, crn->region) != 0)
		km_report_add(r, true, f,
		              "bucket region '%s' is not the KMS region '%s': "
		              "IBM wants both in one region",
		              u.region, crn->region);
}

static void check_params(const struct km_manifest *m, struct km_report *r)
{
	const struct km_icos *p = &m->icos;

	if (km_manifest_check_name(p->name, "name", KM_NAME_MAX) != ERR_OK)
		km_report_add(r, false, "import.parameters.name", "%s",
		              err_detail());
	if (p->note[0] &&
	    km_manifest_check_name(p->note, "note", KM_NOTE_MAX) != ERR_OK)
		km_report_add(r, false, "import.parameters.note", "%s",
		              err_detail());
	if (p->os[0] && km_manifest_check_os(p->os) != ERR_OK)
		km_report_add(r, false,
		              "import.parameters.operatingSystemReferenceCode",
		              "%s", err_detail());
	if (p->boot_mode[0] && km_manifest_check_boot(p->boot_mode) != ERR_OK)
		km_report_add(r, false, "import.parameters.bootMode", "%s",
		              err_detail());
	if (!p->cloud_init)
		km_report_add(r, false, "import.parameters.cloudInit",
		              "must be true for an encrypted image");
	if (!p->encrypted)
		km_report_add(r, false, "import.parameters.isEncrypted",
		              "must be true for an encrypted image");
	if (strcmp(p->crk_crn, m->root_key_crn) != 0)
		km_report_add(r, false, "import.parameters.crkCrn",
		              "differs from dek.root_key_crn");
	if (strcmp(p->wrapped_dek, m->wrapped_dek) != 0)
		km_report_add(r, false, "import.parameters.wrappedDek",
		              "differs from dek.wrapped_dek");
}

static void check_import(const struct km_manifest *m, struct km_report *r)
{
	char notes[KM_NOTES_MAX][512];
	unsigned miss = missing_of(&m->icos);
	size_t n = notes_of(m, notes);
	bool same = n == m->n_notes;

	if (m->missing != miss)
		km_report_add(r, false, "import.missing",
		              "does not list what the parameters lack");
	if (m->importable != (miss == 0))
		km_report_add(r, false, "import.importable",
		              "is %s but the parameters %s",
		              m->importable ? "true" : "false",
		              miss ? "are incomplete" : "are complete");
	for (size_t i = 0; same && i < n; i++)
		same = strcmp(notes[i], m->notes[i]) == 0;
	if (!same)
		km_report_add(r, false, "import.notes",
		              "are not the notes for these fields");
}

enum err km_manifest_validate(const struct km_manifest *m, struct km_report *r)
{
	size_t first = r->n, failures = r->failures;
	struct km_crn crn;
	bool have_crn;

	check_image(m, r);
	have_crn = check_kms(m, r, &crn);
	check_uri(m, r, have_crn ? &crn : NULL);
	check_params(m, r);
	check_import(m, r);
	if (r->failures == failures)
		return ERR_OK;
	while (first < r->n && r->issue[first].warning)
		first++;
	if (first == r->n)
		return err_set(ERR_VERIFY, "manifest fields disagree");
	return err_set(ERR_VERIFY, "%s %s", r->issue[first].field,
	               r->issue[first].detail);
}
