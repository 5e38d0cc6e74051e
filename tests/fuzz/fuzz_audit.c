/* SPDX-License-Identifier: MIT */
/* fuzz_audit.c - libFuzzer target for the audit log's pure parts. First
 * byte even: the rest is one line; a line that parses must rebuild to the
 * same bytes, and a head that parses likewise. Odd: the rest is a log fed
 * to the chain check (MACs accepted when the first MAC byte is even, so
 * the sequence logic is reached); its outcome must be consistent. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "km_audit.h"
#include "km_audit_chain.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out[KM_AUDIT_LINE_MAX + 2];

static void one_line(const char *s, size_t n)
{
	struct km_audit_rec r;
	struct km_audit_head h;
	enum km_audit_bad bad;
	size_t len = 0, body = 0;

	if (km_audit_parse(s, n, &r, &bad) == ERR_OK) {
		if (bad != KM_AUDIT_BAD_NONE ||
		    km_audit_build(&r, true, out, sizeof(out), &len) !=
		            ERR_OK ||
		    len != n || memcmp(out, s, n) != 0)
			abort();
		if (km_audit_build(&r, false, out, sizeof(out), &body) !=
		            ERR_OK ||
		    body + 73 != n)
			abort();
		km_audit_rec_clear(&r);
	} else if (bad == KM_AUDIT_BAD_NONE || r.json) {
		abort();
	}
	if (km_audit_head_parse(s, n, &h) == ERR_OK &&
	    (km_audit_head_build(&h, out, sizeof(out), &len) != ERR_OK ||
	     len != n || memcmp(out, s, n) != 0))
		abort();
}

static enum err even_mac(void *arg, const char *body, size_t len,
                         const uint8_t mac[KM_AUDIT_MAC_LEN])
{
	(void)arg;
	(void)body;
	(void)len;
	return mac[0] % 2 ? ERR_VERIFY : ERR_OK;
}

static void log_check(const char *s, size_t n, uint8_t mode)
{
	static const uint8_t genesis[KM_AUDIT_HASH_LEN];
	struct km_audit_head h = { .seq = mode >> 3, .key_id = "00" };
	struct km_audit_check c;
	size_t start = 0;
	enum err r;

	km_audit_check_init(&c, genesis, "serial", even_mac, NULL);
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] != '\n')
			continue;
		if (i < n || i > start)
			km_audit_check_line(&c, s + start, i - start, i < n);
		start = i + 1;
	}
	r = km_audit_check_end(&c, mode & 2 ? &h : NULL, mode & 4, "00");
	if ((r == ERR_OK) != (c.problem == KM_AUDIT_INTACT))
		abort();
	if (r == ERR_OK && c.records != c.lines)
		abort();
	if (r != ERR_OK && (!c.msg[0] || c.at_line > c.lines))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] % 2 == 0)
		one_line((const char *)data + 1, size - 1);
	else
		log_check((const char *)data + 1, size - 1, data[0]);
	return 0;
}
