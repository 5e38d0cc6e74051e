/* SPDX-License-Identifier: MIT */
/* km_audit_syslog.h - a second copy of the audit trail out of the PIN
 * holder's reach: each record as one syslog(3) line, facility
 * LOG_AUTHPRIV, ident "p11seal", carrying its seq, line hash, MAC, prev,
 * token serial and operation (no secrets):
 *   p11seal-audit/1 seq=N hash=H64 mac=H64 prev=H64 serial=S op=O
 * S and O are percent-encoded (bytes outside A-Z a-z 0-9 . _ ~ -). The
 * same line is found again in a file a syslog daemon or the journal wrote,
 * whatever prefix (time, host, "p11seal[PID]:") stands before it. */
#ifndef P11SEAL_KM_AUDIT_SYSLOG_H
#define P11SEAL_KM_AUDIT_SYSLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "km_audit.h"

#define KM_AUDIT_SYSLOG_TAG   "p11seal-audit/1"
#define KM_AUDIT_SYSLOG_ENV   "P11SEAL_AUDIT_SYSLOG" /* "0": no copy */
#define KM_AUDIT_SYSLOG_MAX   512                    /* message bytes */
#define KM_AUDIT_SYSLOG_FIELD 64 /* decoded bytes of serial or op */

struct km_audit_syslog_rec {
	uint64_t seq;
	uint8_t hash[KM_AUDIT_HASH_LEN];
	uint8_t mac[KM_AUDIT_MAC_LEN];
	uint8_t prev[KM_AUDIT_HASH_LEN];
	char serial[KM_AUDIT_SYSLOG_FIELD + 1];
	char op[KM_AUDIT_SYSLOG_FIELD + 1];
};

/* The syslog message for a record line (len bytes, no newline) into out
 * (cap bytes, KM_AUDIT_SYSLOG_MAX is enough). ERR_FORMAT if line is not a
 * canonical record. */
enum err km_audit_syslog_format(const char *line, size_t len, char *out,
                                size_t cap);

/* Find a message of km_audit_syslog_format in one line of a copy (len
 * bytes, no newline, any prefix): ERR_OK with *out, ERR_NOT_FOUND if the
 * line holds none, ERR_FORMAT if it holds the tag but not a whole
 * message. */
enum err km_audit_syslog_parse(const char *line, size_t len,
                               struct km_audit_syslog_rec *out);

/* False when the environment has P11SEAL_AUDIT_SYSLOG=0 (--no-syslog
 * sets it). */
bool km_audit_syslog_enabled(void);

/* Send the message for record line to syslog, if enabled. syslog(3)
 * reports nothing back: a record that never arrives shows up as missing
 * in `audit verify --syslog-copy`. A line that is not a record is not
 * sent. */
void km_audit_syslog_send(const char *line, size_t len);

#endif
