/* SPDX-License-Identifier: MIT */
/* cos_state.c - the resume file as one small JSON object, read with the
 * strict common/json.h reader, written with common/file_replace.h. */
#include "cos_state.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "file_replace.h"
#include "json.h"

enum err cos_state_read(const char *path, struct cos_state *st)
{
	char buf[8192];
	struct cJSON *j = NULL;
	long long ps = 0, size = 0, v = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	enum err r;

	memset(st, 0, sizeof(*st));
	if (fd < 0)
		return errno == ENOENT ? ERR_NOT_FOUND
		                       : err_errno(ERR_IO, path);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return err_errno(ERR_IO, path);
	r = json_parse_object(buf, (size_t)n, &j);
	if (r == ERR_OK)
		r = json_get_int(j, "version", true, 1, 1, &v);
	if (r == ERR_OK)
		r = json_get_str(j, "uri", true, st->uri, sizeof(st->uri));
	if (r == ERR_OK)
		r = json_get_str(j, "endpoint", true, st->endpoint,
		                 sizeof(st->endpoint));
	if (r == ERR_OK)
		r = json_get_str(j, "upload_id", true, st->upload_id,
		                 sizeof(st->upload_id));
	if (r == ERR_OK)
		r = json_get_int(j, "part_size", true, 1, INT64_MAX, &ps);
	if (r == ERR_OK)
		r = json_get_int(j, "size", true, 1, INT64_MAX, &size);
	cJSON_Delete(j);
	if (r != ERR_OK)
		return err_set(ERR_FORMAT, "%s: not an upload state file: %s",
		               path, err_detail());
	st->part_size = (uint64_t)ps;
	st->size = (uint64_t)size;
	return ERR_OK;
}

enum err cos_state_write(const char *path, const struct cos_state *st)
{
	cJSON *j = cJSON_CreateObject();
	char *text = NULL;
	enum err r;

	if (j && cJSON_AddNumberToObject(j, "version", 1) &&
	    cJSON_AddStringToObject(j, "uri", st->uri) &&
	    cJSON_AddStringToObject(j, "endpoint", st->endpoint) &&
	    cJSON_AddStringToObject(j, "upload_id", st->upload_id) &&
	    cJSON_AddNumberToObject(j, "part_size", (double)st->part_size) &&
	    cJSON_AddNumberToObject(j, "size", (double)st->size))
		text = cJSON_Print(j);
	r = text ? file_replace(path, text)
	         : err_set(ERR_NOMEM, "no memory for the upload state");
	cJSON_free(text);
	cJSON_Delete(j);
	return r;
}
