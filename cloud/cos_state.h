/* SPDX-License-Identifier: MIT */
/* cos_state.h - the resume file of an upload (IMAGE.cos-upload): which
 * multipart upload of which object holds the image's parts. Written
 * whole to a temporary file, fsynced and renamed, so a crash leaves the
 * old state or the new one, never half of one. */
#ifndef P11SEAL_COS_STATE_H
#define P11SEAL_COS_STATE_H

#include <stdint.h>

#include "cos_client.h"
#include "err.h"

struct cos_state {
	char uri[COS_OBJECT_MAX + 128];
	char endpoint[512];
	char upload_id[COS_UPLOAD_MAX];
	uint64_t part_size, size;
};

/* Read path. ERR_NOT_FOUND when there is none, ERR_FORMAT naming the
 * file when it is not a state file. */
enum err cos_state_read(const char *path, struct cos_state *st);

/* Replace path atomically with st (mode 0600). */
enum err cos_state_write(const char *path, const struct cos_state *st);

#endif
