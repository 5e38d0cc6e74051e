/* SPDX-License-Identifier: MIT */
/* km_key_import.c - raw DEK key files into the token, through secure
 * memory only. */
#include "km_key_import.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secmem.h"

/* Read the whole key file (32 or 64 bytes) into secure memory; one byte
 * more is asked for, so a file that grew while read is caught. */
static enum err read_key_file(const char *path, uint8_t **key, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	enum err r = ERR_OK;
	int fd;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return err_set(errno == ENOENT ? ERR_NOT_FOUND : ERR_IO,
		               "key file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		r = err_set(ERR_FORMAT, "key file %s is not a regular file",
		            path);
		goto out;
	}
	if (st.st_size != 32 && st.st_size != 64) {
		r = err_set(ERR_FORMAT,
		            "key file %s holds %lld bytes; a DEK is exactly "
		            "32 or 64 raw bytes (no newline, not base64)",
		            path, (long long)st.st_size);
		goto out;
	}
	buf = secmem_alloc(65);
	if (!buf) {
		r = err_set(ERR_NOMEM, "no secure memory for the key");
		goto out;
	}
	if (read(fd, buf, 65) != st.st_size)
		r = err_set(ERR_IO, "key file %s changed while read", path);
out:
	close(fd);
	if (r != ERR_OK) {
		secmem_free(buf);
		return r;
	}
	*key = buf;
	*len = (size_t)st.st_size;
	return ERR_OK;
}

enum err km_key_import_raw(struct p11_session *s, const char *label,
                           const char *path, struct km_dek_stored *out)
{
	uint8_t *key = NULL;
	size_t len = 0;
	cJSON *meta = NULL;
	enum err r;

	r = read_key_file(path, &key, &len);
	if (r != ERR_OK)
		goto out;
	meta = cJSON_CreateObject();
	if (meta) {
		cJSON_AddNumberToObject(meta, "size", (double)len);
		cJSON_AddStringToObject(meta, "origin",
		                        "imported raw key file");
	}
	r = km_dek_store_value(s, label, key, len, false, meta, out);
out:
	secmem_free(key);
	cJSON_Delete(meta);
	return r;
}
