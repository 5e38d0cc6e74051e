/* SPDX-License-Identifier: MIT */
/* fuzz_kp_json.c - every Key Protect / IAM response parser on hostile
 * bytes. The first byte picks the parser; results are used (hashed into a
 * sink) so the compiler cannot drop the work, then freed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "kp_json.h"
#include "secmem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static void use(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		sink += b[i];
}

static void keys(const char *s, size_t n, int one)
{
	struct kp_key *k = NULL, single;
	size_t m = 0;

	if (one) {
		if (kp_json_parse_key(s, n, &single) == ERR_OK) {
			use(&single, offsetof(struct kp_key, payload));
			use(single.payload, single.payload_len);
			kp_json_key_clear(&single);
		}
		return;
	}
	if (kp_json_parse_keys(s, n, &k, &m) == ERR_OK) {
		for (size_t i = 0; i < m; i++)
			use(k[i].name, strlen(k[i].name));
		kp_json_keys_free(k, m);
	}
}

static void wrapped(const char *s, size_t n, int kind)
{
	struct kp_wrapped w;
	enum err r = kind == 0   ? kp_json_parse_wrap(s, n, &w)
	             : kind == 1 ? kp_json_parse_unwrap(s, n, &w)
	                         : kp_json_parse_rewrap(s, n, &w);

	if (r != ERR_OK)
		return;
	use(w.plaintext, w.plaintext_len);
	use(w.ciphertext, w.ciphertext ? strlen(w.ciphertext) : 0);
	kp_json_wrapped_clear(&w);
}

static void misc(const char *s, size_t n, int kind)
{
	struct kp_key_version *v = NULL;
	struct kp_import_token t;
	struct kp_iam_token iam;
	struct kp_error e;
	char line[1024];
	size_t m = 0;

	if (kind == 0 && kp_json_parse_versions(s, n, &v, &m) == ERR_OK)
		use(v, m * sizeof(*v));
	free(v);
	if (kind == 1 && kp_json_parse_import_token(s, n, 1, &t) == ERR_OK) {
		use(t.pubkey, t.pubkey_len);
		kp_json_import_token_clear(&t);
	}
	if (kind == 2 && kp_json_parse_iam(s, n, &iam) == ERR_OK) {
		use(iam.access_token, strlen(iam.access_token));
		kp_json_iam_token_clear(&iam);
	}
	if (kind == 3 && kp_json_parse_error(s, n, &e) == ERR_OK) {
		kp_json_error_format(&e, "Key Protect", 409, "c", line,
		                     sizeof(line));
		use(line, strlen(line));
	}
	if (kind == 4 && kp_json_parse_iam_error(s, n, &e) == ERR_OK)
		use(e.msg, strlen(e.msg));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	const char *s = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;

	if (!ready) {
		secmem_use_for_json();
		ready = 1;
	}
	if (size == 0)
		return 0;
	switch (data[0] % 10) {
	case 0: keys(s, n, 0); break;
	case 1: keys(s, n, 1); break;
	case 2: wrapped(s, n, 0); break;
	case 3: wrapped(s, n, 1); break;
	case 4: wrapped(s, n, 2); break;
	default: misc(s, n, data[0] % 10 - 5); break;
	}
	return 0;
}
