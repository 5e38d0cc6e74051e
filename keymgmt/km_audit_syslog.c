/* SPDX-License-Identifier: MIT */
/* km_audit_syslog.c - audit records to syslog and back. The message is
 * built from the record line as written, so its hash is the hash the next
 * record's prev and the token's chain head carry.
 *
 * What the copy cannot catch: syslog takes any sender's word, so whoever
 * can write to /dev/log can add lines that look like ours (they can only
 * add, not remove what arrived: an added record of this chain shows up as
 * a second record after the same prev). And a PIN holder who keeps records
 * from reaching syslog (--no-syslog, P11SEAL_AUDIT_SYSLOG=0, /dev/log
 * missing or replaced, the daemon stopped or dropping, the process killed
 * between the file write and the send) can then cut those records from the
 * local log and reset the token's chain head: operations logged that way
 * leave no trace in either copy. So can anything done with the PIN outside
 * p11seal (pkcs11-tool), which is never audited at all. */
#include "km_audit_syslog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "encode.h"

#define HEX_LEN (2 * KM_AUDIT_HASH_LEN)

static bool plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '~' ||
	       c == '-';
}

/* Percent-encode s (at most KM_AUDIT_SYSLOG_FIELD bytes of it). */
static void encode_word(char *out, size_t cap, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;

	for (size_t i = 0; i < KM_AUDIT_SYSLOG_FIELD && s[i] && k + 4 < cap;
	     i++) {
		unsigned char c = (unsigned char)s[i];

		if (plain(c)) {
			out[k++] = (char)c;
			continue;
		}
		out[k++] = '%';
		out[k++] = hex[c >> 4];
		out[k++] = hex[c & 0x0f];
	}
	out[k] = '\0';
}

enum err km_audit_syslog_format(const char *line, size_t len, char *out,
                                size_t cap)
{
	char hash[HEX_LEN + 1], mac[HEX_LEN + 1], prev[HEX_LEN + 1];
	char serial[3 * KM_AUDIT_SYSLOG_FIELD + 1];
	char op[3 * KM_AUDIT_SYSLOG_FIELD + 1];
	uint8_t h[KM_AUDIT_HASH_LEN];
	struct km_audit_rec rec;
	enum km_audit_bad bad;
	enum err r;
	int n;

	r = km_audit_parse(line, len, &rec, &bad);
	if (r == ERR_OK)
		r = km_audit_hash(line, len, h);
	if (r != ERR_OK) {
		km_audit_rec_clear(&rec);
		return r;
	}
	encode_hex(hash, h, sizeof(h));
	encode_hex(mac, rec.mac, sizeof(rec.mac));
	encode_hex(prev, rec.prev, sizeof(rec.prev));
	encode_word(serial, sizeof(serial), rec.token_serial);
	encode_word(op, sizeof(op), rec.op);
	n = snprintf(out, cap,
	             KM_AUDIT_SYSLOG_TAG
	             " seq=%llu hash=%s mac=%s prev=%s serial=%s op=%s",
	             (unsigned long long)rec.seq, hash, mac, prev, serial, op);
	km_audit_rec_clear(&rec);
	if (n < 0 || (size_t)n >= cap)
		return err_set(ERR_FORMAT, "audit syslog message too long");
	return ERR_OK;
}

bool km_audit_syslog_enabled(void)
{
	const char *v = getenv(KM_AUDIT_SYSLOG_ENV);

	return !v || strcmp(v, "0") != 0;
}

void km_audit_syslog_send(const char *line, size_t len)
{
	char msg[KM_AUDIT_SYSLOG_MAX];

	if (!km_audit_syslog_enabled())
		return;
	if (km_audit_syslog_format(line, len, msg, sizeof(msg)) != ERR_OK) {
		err_clear();
		return;
	}
	openlog("p11seal", LOG_PID, LOG_AUTHPRIV);
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s", msg);
	closelog();
}

/* A cursor over the message; every step checks what it consumes. */
struct cur {
	const char *p, *end;
};

static bool take(struct cur *c, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
		return false;
	c->p += n;
	return true;
}

static bool take_seq(struct cur *c, uint64_t *seq)
{
	uint64_t v = 0;
	const char *start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9' &&
	       c->p - start < 16) {
		v = v * 10 + (uint64_t)(*c->p - '0');
		c->p++;
	}
	*seq = v;
	return c->p > start && *start != '0' && v <= KM_AUDIT_SEQ_MAX;
}

static bool take_hex(struct cur *c, uint8_t out[KM_AUDIT_HASH_LEN])
{
	char hex[HEX_LEN + 1];

	if (c->end - c->p < HEX_LEN)
		return false;
	memcpy(hex, c->p, HEX_LEN);
	hex[HEX_LEN] = '\0';
	for (size_t i = 0; i < HEX_LEN; i++)
		if (!((hex[i] >= '0' && hex[i] <= '9') ||
		      (hex[i] >= 'a' && hex[i] <= 'f')))
			return false;
	c->p += HEX_LEN;
	return decode_hex(out, KM_AUDIT_HASH_LEN, hex) == ERR_OK;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* A percent-encoded word, up to the first byte that cannot be in one
 * (end of line, blank, a quote of a JSON export). */
static bool take_word(struct cur *c, char out[KM_AUDIT_SYSLOG_FIELD + 1])
{
	size_t k = 0;

	while (c->p < c->end && (plain((unsigned char)*c->p) || *c->p == '%')) {
		int ch = (unsigned char)*c->p;

		if (ch == '%') {
			int hi = c->end - c->p > 2 ? hexval(c->p[1]) : -1;
			int lo = c->end - c->p > 2 ? hexval(c->p[2]) : -1;

			if (hi < 0 || lo < 0 || (hi | lo) == 0)
				return false;
			ch = hi << 4 | lo;
			c->p += 2;
		}
		if (k == KM_AUDIT_SYSLOG_FIELD)
			return false;
		out[k++] = (char)ch;
		c->p++;
	}
	out[k] = '\0';
	return k > 0;
}

/* The tag as a word of its own: not the tail of a longer name. */
static const char *find_tag(const char *line, size_t len)
{
	const size_t n = strlen(KM_AUDIT_SYSLOG_TAG);
	const char *p = line, *end = line + len;

	while ((p = memmem(p, (size_t)(end - p), KM_AUDIT_SYSLOG_TAG, n))) {
		if (p == line || !plain((unsigned char)p[-1]))
			return p;
		p++;
	}
	return NULL;
}

enum err km_audit_syslog_parse(const char *line, size_t len,
                               struct km_audit_syslog_rec *out)
{
	struct cur c = { find_tag(line, len), line + len };

	memset(out, 0, sizeof(*out));
	if (!c.p)
		return ERR_NOT_FOUND;
	c.p += strlen(KM_AUDIT_SYSLOG_TAG);
	if (take(&c, " seq=") && take_seq(&c, &out->seq) &&
	    take(&c, " hash=") && take_hex(&c, out->hash) &&
	    take(&c, " mac=") && take_hex(&c, out->mac) && take(&c, " prev=") &&
	    take_hex(&c, out->prev) && take(&c, " serial=") &&
	    take_word(&c, out->serial) && take(&c, " op=") &&
	    take_word(&c, out->op))
		return ERR_OK;
	return err_set(ERR_FORMAT, "not a whole %s message",
	               KM_AUDIT_SYSLOG_TAG);
}
