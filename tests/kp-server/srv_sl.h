/* SPDX-License-Identifier: MIT */
/* srv_sl.h - kp-server's stand-in for the other IBM Cloud services an
 * image import touches: SoftLayer's image templates (createFromIcos,
 * getObject, the VHD import OS codes), IAM's authorization policies and a
 * COS bucket's location. createFromIcos is checked as strictly as IBM's
 * SDKs and docs allow (srv_sl_check.c); the image itself is checked when
 * the import's transaction runs, after --import-delay seconds. */
#ifndef SRV_SL_H
#define SRV_SL_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "srv.h"

#define SRV_SL_BASE "/rest/v3.1/SoftLayer_Virtual_Guest_Block_Device_Template_Group"

/* What createFromIcos was given, once its fields passed. */
struct srv_sl_import {
	char name[256];
	char note[1024];
	char os[64];
	char bucket[64];
	char object[1025];
	char key_id[SRV_UUID_LEN + 1];
	char *wdek; /* malloc'd */
};

enum err srv_sl_new(struct srv_sl **out);
void srv_sl_free(struct srv_sl *sl);

/* The OS codes getVhdImportSoftwareDescriptions lists. */
bool srv_sl_os_known(const char *code);

/* POST .../createFromIcos.json (under the lock). */
enum err srv_sl_create(struct srv_req *req, struct srv_reply *rep);
/* GET .../{id}/getObject.json (under the lock). */
enum err srv_sl_get(struct srv_req *req, struct srv_reply *rep);
/* GET .../getVhdImportSoftwareDescriptions.json. */
enum err srv_sl_os_codes(struct srv_req *req, struct srv_reply *rep);
/* GET /v1/policies?account_id=A&type=authorization: --policies FILE. */
enum err srv_sl_policies(struct srv_req *req, struct srv_reply *rep);
/* GET /cos/BUCKET?location=: <LocationConstraint> from DIR/BUCKET/.location
 * (default "<region>-standard"). */
enum err srv_sl_location(struct srv_req *req, struct srv_reply *rep);

/* SoftLayer's error body {"error": msg, "code": code} with status. */
enum err srv_sl_fail(struct srv_reply *rep, int status, const char *code,
                     const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* ---- srv_sl_check.c ---- */

/* Check a createFromIcos body: {"parameters":[CONFIG]}, CONFIG's member
 * names and types, values, the cos:// object, crkCrn in this Key Protect,
 * wrappedDek unwrapping with it. 400 with SoftLayer's error in rep. */
enum err srv_sl_check(struct srv_req *req, struct srv_reply *rep,
                      const cJSON *body, struct srv_sl_import *out);

/* The import's transaction: unwrap the DEK again, check the object's
 * keyhash and that its first allocated sectors decrypt to plausible data.
 * ERR_VERIFY with a reason otherwise. */
enum err srv_sl_check_image(struct srv *srv, const struct srv_sl_import *im,
                            char *why, size_t cap);

/* DIR/BUCKET/OBJECT (or s3rver's OBJECT._S3rver_object) into path;
 * false if the object does not exist. */
bool srv_sl_object_path(const struct srv *srv, const char *bucket,
                        const char *object, char *path, size_t cap);

#endif
