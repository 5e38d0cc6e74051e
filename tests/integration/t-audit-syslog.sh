#!/bin/sh
# t-audit-syslog.sh - the audit trail's second copy in syslog, through a
# real rsyslogd the test starts with its own config (imuxsock on
# /dev/log, LOG_AUTHPRIV to a file in the test's folder) and stops at the
# end; then `audit verify --syslog-copy` against what a PIN holder can do:
# cut the log and rewrite the token's chain head, forge a record with the
# token's own audit key, drop a line from the copy, log with --no-syslog.
#
# /dev/log: when root may unshare a mount namespace, the test runs in one
# of its own with an overlay on /dev, so its socket is seen by nobody else
# and a live /dev/log of the machine is left alone.
# Else, when /dev/log does not exist, rsyslogd listens there and the
# socket is removed at the end (the records of other p11seal runs that
# land in the copy meanwhile carry other serials and are skipped). Else
# the test skips, naming what is missing.
. "$(dirname "$0")/syslog-lib.sh"
syslog_private_dev "$0"
. "$(dirname "$0")/lib.sh"

if [ ! -x "$RSYSLOGD" ]; then
	skip "syslog copy of the audit trail" "rsyslogd not installed (Debian package rsyslog)"
	done_testing
	exit
fi
syslog_devlog
if [ -z "$DEVLOG" ]; then
	skip "syslog copy of the audit trail" "no private mount namespace with an overlay on /dev (needs root and CAP_SYS_ADMIN), and /dev/log is already taken"
	done_testing
	exit
fi
diag "/dev/log: $DEVLOG"

COPY=$WORK/syslog/authpriv.log
syslog_start "$COPY"
assert "rsyslogd listens on /dev/log" test -S /dev/log

USER_PIN=Syslog-PIN-r4Tq
export XDG_STATE_HOME="$WORK/state" HOME="$WORK/home"
hsm_setup sy
LOG=$WORK/audit.log
A="$P11 --audit-log $LOG"
V="$P11 audit verify"

# copy_lines: how many of this token's records the copy holds
copy_lines() { grep -c "p11seal-audit/1 .* serial=$SERIAL " "$COPY" 2>/dev/null || echo 0; }
# wait_copy N: until the copy holds N records (rsyslogd writes async)
wait_copy() {
	i=0
	while [ "$(copy_lines)" -lt "$1" ] && [ $i -lt 200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

check "key create audit" $A key create audit
check "token info" $P11 --json token info
SERIAL=$(jq -r .serial "$WORK/out")
check "key create root" $A key create root --label r1
check "key create dek" $A key create dek --label d1 --size 64
check "key create root r2" $A key create root --label r2
expect_exit 7 "a failed command is a record too" $A key create root --label r2
check "key create root r3" $A key create root --label r3
# 11 records: the audit key's, then an intent and a result per command
wait_copy 11
assert "11 records in the log" test "$(wc -l <"$LOG")" -eq 11
assert "11 records reached syslog, intents too" test "$(copy_lines)" -eq 11

# --- the syslog lines
L1=$(grep -m1 "seq=1 " "$COPY")
H1=$(sed -n 1p "$LOG" | tr -d '\n' | sha256sum | cut -c1-64)
M1=$(sed -n 1p "$LOG" | jq -r .mac)
assert "facility authpriv, ident p11seal with its pid" \
	sh -c "printf '%s' '$L1' | grep -qE ' authpriv\.notice p11seal\[[0-9]+\]: p11seal-audit/1 seq=1 '"
assert "record 1's line carries its hash, MAC, prev, serial and op" \
	sh -c "printf '%s' '$L1' | grep -qF 'seq=1 hash=$H1 mac=$M1 prev=$(sed -n 1p "$LOG" | jq -r .prev) serial=$SERIAL op=key.create'"
assert "no PIN in the copy" sh -c "! grep -qF '$USER_PIN' '$COPY'"
# (SoftHSM, loaded into p11seal, logs its own errors under the same ident.)
assert "nothing but seq, hashes, serial and op in a p11seal-audit line" \
	test "$(grep -c 'p11seal\[[0-9]*\]: p11seal-audit/' "$COPY")" -eq "$(grep -cE ' p11seal\[[0-9]+\]: p11seal-audit/1 seq=[0-9]+ hash=[0-9a-f]{64} mac=[0-9a-f]{64} prev=[0-9a-f]{64} serial=[A-Za-z0-9._~%-]+ op=[A-Za-z0-9._~%-]+$' "$COPY")"
cp "$COPY" "$WORK/copy.ok"
C=$WORK/copy.ok

# --- a clean log against its copy
check "audit verify --syslog-copy: clean" $V --syslog-copy "$C" "$LOG"
assert "says every record matches its copy" \
	grep -q "^11 records match their syslog copy in $C" "$WORK/out"
check "--json" $P11 --json audit verify --syslog-copy "$C" "$LOG"
assert "--json: intact, 11 matched, 11 in the copy, no problem" \
	test "$(jq -r '"\(.intact) \(.syslog_copy.matched) \(.syslog_copy.copy_records) \(.syslog_copy.matches) \(.problem)"' "$WORK/out")" = "true 11 11 true null"
expect_exit 4 "a missing copy file: exit 4" $V --syslog-copy "$WORK/nope" "$LOG"
grep_err "names the copy" "syslog copy: audit log $WORK/nope: No such file"

# --- what a PIN holder can do to log and head together
# set_head SEQ HASH: rewrite the token's chain head with pkcs11-tool
AUDIT_ID=$($P11 --json key show --label p11seal-audit | jq -r .id)
PT="pkcs11-tool --module $SOFTHSM_MODULE --token-label sy --login --pin $USER_PIN"
set_head() {
	printf '{"v":1,"key_id":"%s","seq":%s,"hash":"%s"}' "$AUDIT_ID" "$1" "$2" \
		>"$WORK/head.json"
	$PT --delete-object --type data --label p11seal-audit-head \
		>/dev/null 2>&1 &&
	$PT --write-object "$WORK/head.json" --type data --private \
		--label p11seal-audit-head --application-label p11seal \
		>/dev/null 2>&1
}
hash_of() { sed -n "${1}p" "$2" | tr -d '\n' | sha256sum | cut -c1-64; }

head -n 4 "$LOG" >"$WORK/cut.log"
check "PIN holder: the head rewritten to record 4" set_head 4 "$(hash_of 4 "$LOG")"
check "the cut log then verifies on its own (why the copy is needed)" $V "$WORK/cut.log"
expect_exit 6 "cut log and head: caught against the copy" \
	$V --syslog-copy "$C" "$WORK/cut.log"
grep_err "names the first record missing from the log" \
	"record 5 is missing from the local log: the syslog copy holds it after the log's last record 4"
check "--json on the cut log" sh -c "$P11 --json audit verify --syslog-copy '$C' '$WORK/cut.log'; test \$? -eq 6"
assert "--json: missing-in-log, record 5" \
	test "$(jq -r '"\(.intact) \(.problem.kind) \(.problem.record)"' "$WORK/out")" = "false missing-in-log 5"
: >"$WORK/empty.log"
check "PIN holder: the head reset to the genesis" set_head 0 \
	"$(printf 'p11seal audit genesis %s %s' "$SERIAL" "$AUDIT_ID" | sha256sum | cut -c1-64)"
expect_exit 6 "an emptied log: caught against the copy" \
	$V --syslog-copy "$C" "$WORK/empty.log"
grep_err "names record 1" "record 1 is missing from the local log"

# forge: the last record rewritten (another key label) and MAC'd with the
# token's own audit key, as a PIN holder can; head moved to it.
sed '$d' "$LOG" >"$WORK/forged.log"
sed -n '$p' "$LOG" | sed 's/"label":"r3"/"label":"r9"/' |
	sed 's/,"mac":"[0-9a-f]*"}$/}/' | tr -d '\n' >"$WORK/body"
$PT --sign --mechanism SHA256-HMAC --id "$AUDIT_ID" \
	--input-file "$WORK/body" --output-file "$WORK/mac" >/dev/null 2>&1
MAC=$(od -An -v -tx1 "$WORK/mac" | tr -d ' \n')
{ sed 's/}$//' "$WORK/body"; printf ',"mac":"%s"}\n' "$MAC"; } | tr -d '\n' >>"$WORK/forged.log"
echo >>"$WORK/forged.log"
check "PIN holder: the head moved to the forged record" set_head 11 "$(hash_of 11 "$WORK/forged.log")"
check "the forged log verifies on its own (MAC by the token)" $V "$WORK/forged.log"
expect_exit 6 "forged record: caught against the copy" \
	$V --syslog-copy "$C" "$WORK/forged.log"
grep_err "names the forged record" "record 11 differs from its syslog copy"
check "head back to the real record 11" set_head 11 "$(hash_of 11 "$LOG")"
check "the real log verifies again" $V --syslog-copy "$C" "$LOG"

# --- the copy itself: a line dropped, a line cut
grep -v "p11seal-audit/1 seq=3 " "$C" >"$WORK/copy.drop"
expect_exit 6 "copy with record 3's line dropped: reported" \
	$V --syslog-copy "$WORK/copy.drop" "$LOG"
grep_err "names record 3 missing from the copy" "record 3 is missing from the syslog copy"
sed 's/\(p11seal-audit\/1 seq=2 hash=[0-9a-f]\{20\}\).*/\1/' "$C" >"$WORK/copy.cut"
expect_exit 6 "copy with record 2's line cut short: reported" \
	$V --syslog-copy "$WORK/copy.cut" "$LOG"
grep_err "names record 2" "record 2 is missing from the syslog copy"

# --- records kept from syslog: --no-syslog, P11SEAL_AUDIT_SYSLOG=0
check "--no-syslog: the command runs" $A --no-syslog key create root --label q1
check "P11SEAL_AUDIT_SYSLOG=0: the command runs" \
	env P11SEAL_AUDIT_SYSLOG=0 $A key create root --label q2
check "a record with syslog on again" $A key create root --label q3
wait_copy 13
sleep 0.3
assert "only records 16 and 17 reached syslog (12 to 15 did not)" \
	test "$(copy_lines) $(grep -c 'seq=1[67] ' "$COPY")" = "13 2"
expect_exit 6 "verify against the live copy: record 12 is missing" \
	$V --syslog-copy "$COPY" "$LOG"
grep_err "names record 12 and why" "record 12 is missing from the syslog copy \(it never reached syslog: written with --no-syslog"
# What stays undetected: a PIN holder who ran 12-15 with --no-syslog,
# then cut them (and 16, 17) from the log and set the head back to 11.
check "PIN holder: records kept from syslog cut, head set back" \
	set_head 11 "$(hash_of 11 "$LOG")"
head -n 11 "$LOG" >"$WORK/quiet.log"
sed '/p11seal-audit\/1 seq=1[67] /d' "$COPY" >"$WORK/copy.quiet"
check "...is not detected: only what reached syslog is pinned" \
	$V --syslog-copy "$WORK/copy.quiet" "$WORK/quiet.log"
done_testing
