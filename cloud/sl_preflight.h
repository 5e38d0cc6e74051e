/* SPDX-License-Identifier: MIT */
/* sl_preflight.h - the remote checks before an upload or an import: the
 * IAM service authorization Cloud Block Storage needs to read the root
 * key, the COS bucket's location, the root key itself and the WDEK
 * opening with it. Each returns ERR_OK, ERR_VERIFY with one line saying
 * what is wrong, or the transport's error. */
#ifndef P11SEAL_SL_PREFLIGHT_H
#define P11SEAL_SL_PREFLIGHT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct kp_client;

#define SL_READER_ROLE "crn:v1:bluemix:public:iam::::serviceRole:Reader"

/* The IAM API base from a token URL ("https://iam.cloud.ibm.com/identity/
 * token" -> "https://iam.cloud.ibm.com"). */
void sl_iam_base(const char *token_url, char *out, size_t cap);

/* An active authorization policy server-protect -> service (kms or
 * hs-crypto) with the Reader role, for every instance of the account or
 * for instance. GET IAM/v1/policies?account_id=...&type=authorization. */
enum err sl_check_authorization(struct kp_client *c, const char *iam_base,
                                const char *service, const char *instance);

/* True if policies (the policies API's JSON) hold such a policy. */
enum err sl_policies_match(const char *body, size_t len, const char *service,
                           const char *instance, bool *found);

/* The bucket's LocationConstraint (GET ENDPOINT/BUCKET?location=). */
enum err sl_bucket_location(struct kp_client *c, const char *endpoint,
                            const char *bucket, char *out, size_t cap);

/* The LocationConstraint text of an S3 answer. */
enum err sl_parse_location(const char *body, size_t len, char *out, size_t cap);

/* True if location ("us-south-standard") is a Regional bucket in region:
 * "<region>-<class>". Cross-region ("us-standard") and single-site
 * ("ams03-standard") are not. */
bool sl_location_regional(const char *location, const char *region);

/* The root key key_id exists, is Active, is a root key and its CRN is
 * crn. */
enum err sl_check_root_key(struct kp_client *c, const char *key_id,
                           const char *crn);

/* Key Protect unwraps wdek with key_id to a dek_size-byte DEK whose
 * SHA-256(nonce || DEK) is keyhash. The DEK lives in secure memory only
 * for the hash and is wiped. */
enum err sl_check_unwrap(struct kp_client *c, const char *key_id,
                         const char *wdek, size_t dek_size,
                         const uint8_t nonce[32], const uint8_t keyhash[32]);

#endif
