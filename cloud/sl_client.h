/* SPDX-License-Identifier: MIT */
/* sl_client.h - IBM Cloud classic infrastructure (SoftLayer REST) image
 * templates over a Key Protect client's IAM session: createFromIcos with
 * the field names IBM's SDKs send today, getObject for its progress, and
 * the OS codes a VHD import takes. */
#ifndef P11SEAL_SL_CLIENT_H
#define P11SEAL_SL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct kp_client;

#define SL_API_URL         "https://api.softlayer.com/rest/v3.1"
#define SL_API_URL_PRIVATE "https://api.service.softlayer.com/rest/v3.1"

/* createFromIcos's configuration (NULL or "" = left out, for note and
 * boot_mode). */
struct sl_icos {
	const char *name, *note, *os, *uri, *crk_crn, *wrapped_dek;
	const char *boot_mode;
	bool cloud_init, is_encrypted, byol;
};

enum sl_state {
	SL_PENDING, /* the import's transaction is running */
	SL_READY,   /* no transaction left: the template can be used */
	SL_FAILED,  /* the transaction says it failed */
};

struct sl_image {
	long long id;
	char name[256];
	char global_id[64];
	char create_date[40];
	enum sl_state state;
	char status[256]; /* the transaction's status name (and reason) */
};

struct sl_os {
	char code[64]; /* operatingSystemReferenceCode */
	char name[128];
};

/* "pending", "ready", "failed". */
const char *sl_state_name(enum sl_state s);

/* POST createFromIcos with import_key as ibmApiKey (built and sent in
 * secure memory, never kept). Not retried once it may have reached the
 * service. ERR_USAGE for a missing field, ERR_REMOTE with SoftLayer's
 * code and message when refused. */
enum err sl_import(struct kp_client *c, const char *sl_url,
                   const struct sl_icos *p, const char *import_key,
                   struct sl_image *out);

/* GET {id}/getObject with the children's transactions. ERR_NOT_FOUND for
 * an unknown id. */
enum err sl_image_get(struct kp_client *c, const char *sl_url, long long id,
                      struct sl_image *out);

/* getVhdImportSoftwareDescriptions: *out malloc'd (free), *n entries. */
enum err sl_os_codes(struct kp_client *c, const char *sl_url,
                     struct sl_os **out, size_t *n);

/* Parsers of the answers above (pure, for tests and fuzzing). */
enum err sl_parse_image(const char *body, size_t len, struct sl_image *out);
enum err sl_parse_os_codes(const char *body, size_t len, struct sl_os **out,
                           size_t *n);

#endif
