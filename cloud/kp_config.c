/* SPDX-License-Identifier: MIT */
/* kp_config.c - endpoint defaults from docs/keyprotect-api.md §1, an
 * instance GUID taken from a GUID or CRN, https-only URLs. */
#include "kp_config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "kp_json.h"

#define DEFAULT_REGION "us-south"

static bool region_ok(const char *r)
{
	size_t n = strlen(r);

	return n >= 2 && n < 64 &&
	       strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

enum err kp_config_instance(const char *id, char guid[KP_GUID_SIZE],
                            char region[64])
{
	char field[10][128];
	size_t f = 0, len = 0;

	region[0] = '\0';
	if (!id || !*id)
		return err_set(ERR_USAGE,
		               "no Key Protect instance: use "
		               "--instance-id GUID|CRN or KP_INSTANCE_ID");
	if (strncmp(id, "crn:", 4) != 0) {
		if (!json_is_uuid(id))
			return err_set(ERR_USAGE,
			               "instance id '%.64s' is not "
			               "a GUID or CRN",
			               id);
		memcpy(guid, id, KP_GUID_SIZE);
		return ERR_OK;
	}
	/* crn:v1:bluemix:public:kms:us-south:a/acct:GUID:: */
	for (const char *p = id;; p++) {
		if (*p == ':' || *p == '\0') {
			if (f < 10)
				field[f][len] = '\0';
			f++;
			len = 0;
			if (*p == '\0')
				break;
		} else if (f < 10 && len < sizeof(field[0]) - 1) {
			field[f][len++] = *p;
		}
	}
	if (f < 8 || !json_is_uuid(field[7]) ||
	    (strcmp(field[4], "kms") != 0 && strcmp(field[4], "hs-crypto")))
		return err_set(ERR_USAGE,
		               "'%.64s...' is not a Key Protect or "
		               "HPCS instance CRN",
		               id);
	memcpy(guid, field[7], KP_GUID_SIZE);
	if (region_ok(field[5]))
		snprintf(region, 64, "%.63s", field[5]);
	return ERR_OK;
}

/* Copy an https URL without trailing slashes; ERR_USAGE otherwise. */
static enum err copy_url(const char *what, const char *url, char *out)
{
	size_t n = strlen(url);

	if (strncasecmp(url, "https://", 8) != 0 || n <= 8 ||
	    n >= KP_URL_MAX - 32)
		return err_set(ERR_USAGE, "%s must be an https:// URL", what);
	for (size_t i = 0; i < n; i++)
		if (isspace((unsigned char)url[i]) ||
		    (unsigned char)url[i] < 0x20 || url[i] == 0x7f)
			return err_set(ERR_USAGE,
			               "%s contains a space or "
			               "control character",
			               what);
	while (n > 8 && url[n - 1] == '/')
		n--;
	memcpy(out, url, n);
	out[n] = '\0';
	return ERR_OK;
}

static enum err kp_url(const struct kp_config *cfg, struct kp_endpoints *ep)
{
	size_t n;

	if (cfg->kp_url) {
		if (copy_url("--kp-url", cfg->kp_url, ep->kp_base) != ERR_OK)
			return ERR_USAGE;
		n = strlen(ep->kp_base);
		if (n > 15 && strcmp(ep->kp_base + n - 7, "/api/v2") == 0)
			ep->kp_base[n - 7] = '\0';
		return ERR_OK;
	}
	if (cfg->hpcs)
		snprintf(ep->kp_base, KP_URL_MAX,
		         "https://%s.api.%s%s.hs-crypto"
		         ".appdomain.cloud",
		         ep->instance, cfg->private_endpoint ? "private." : "",
		         ep->region);
	else
		snprintf(ep->kp_base, KP_URL_MAX,
		         "https://%s%s.kms.cloud.ibm"
		         ".com",
		         cfg->private_endpoint ? "private." : "", ep->region);
	return ERR_OK;
}

static enum err iam_url(const struct kp_config *cfg, struct kp_endpoints *ep)
{
	const char *path;

	if (!cfg->iam_url) {
		snprintf(ep->iam_token, KP_URL_MAX,
		         "https://%siam.cloud.ibm."
		         "com/identity/token",
		         cfg->private_endpoint ? "private." : "");
		return ERR_OK;
	}
	if (copy_url("--iam-url", cfg->iam_url, ep->iam_token) != ERR_OK)
		return ERR_USAGE;
	/* a bare host gets the token path; a full token URL is kept */
	path = strchr(ep->iam_token + 8, '/');
	if (!path) {
		size_t n = strlen(ep->iam_token);

		snprintf(ep->iam_token + n, KP_URL_MAX - n, "/identity/token");
	}
	return ERR_OK;
}

enum err kp_config_resolve(const struct kp_config *cfg, struct kp_endpoints *ep)
{
	char crn_region[64];
	enum err r;

	memset(ep, 0, sizeof(*ep));
	r = kp_config_instance(cfg->instance_id, ep->instance, crn_region);
	if (r != ERR_OK)
		return r;
	snprintf(ep->region, sizeof(ep->region), "%s",
	         cfg->region     ? cfg->region
	         : crn_region[0] ? crn_region
	                         : DEFAULT_REGION);
	if (!region_ok(ep->region))
		return err_set(ERR_USAGE,
		               "region '%.64s' is not like "
		               "us-south",
		               ep->region);
	r = kp_url(cfg, ep);
	if (r == ERR_OK)
		r = iam_url(cfg, ep);
	return r;
}
