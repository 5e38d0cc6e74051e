/* SPDX-License-Identifier: MIT */
/* kp_config.h - Key Protect client settings and their resolution into
 * endpoint URLs and an instance GUID (pure: no I/O, unit-tested). */
#ifndef P11SEAL_KP_CONFIG_H
#define P11SEAL_KP_CONFIG_H

#include <stdbool.h>

#include "err.h"

#define KP_URL_MAX   512
#define KP_GUID_SIZE 37

/* What the caller chooses; NULL/0 means the default in brackets. */
struct kp_config {
	const char *kp_url;    /* base URL [from region and endpoint type] */
	const char *region;    /* [region of an instance CRN, else us-south] */
	bool private_endpoint; /* private.<region>... and private IAM */
	const char *instance_id; /* instance GUID or CRN (required) */
	const char *iam_url;     /* token URL or base [IAM for endpoint type] */
	const char *cacert;      /* PEM file of extra trust anchors */
	const char *key_ring;    /* X-Kms-Key-Ring [none] */
	bool hpcs;               /* Hyper Protect Crypto Services instance */
	long connect_timeout_ms; /* [10 s] */
	long timeout_ms;         /* per attempt [30 s] */
	long retry_base_ms;      /* first backoff [1 s] */
	long retry_cap_ms;       /* longest backoff [30 s] */
	long total_ms;           /* all attempts of one call [120 s] */
	unsigned max_attempts;   /* [5] */
	/* Told each attempt and each wait, one line (no secret): so a
	 * caller can show what a slow or unreachable service is doing.
	 * NULL: silent. */
	void (*progress)(void *ctx, const char *line);
	void *progress_ctx;
};

/* Resolved endpoints. */
struct kp_endpoints {
	char kp_base[KP_URL_MAX];   /* https://host[:port], no trailing / */
	char iam_token[KP_URL_MAX]; /* full token URL */
	char instance[KP_GUID_SIZE];
	char region[64];
};

/* Instance GUID from a GUID or a CRN (crn:v1:...:<service>:<region>:a/
 * <account>:<GUID>::); region gets the CRN's location or "". */
enum err kp_config_instance(const char *id_or_crn, char guid[KP_GUID_SIZE],
                            char region[64]);

/* Validate cfg and fill ep. ERR_USAGE with a reason on bad settings
 * (non-https URL, bad region, bad instance id). */
enum err kp_config_resolve(const struct kp_config *cfg,
                           struct kp_endpoints *ep);

#endif
