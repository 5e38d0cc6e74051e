#!/bin/sh
# t-audit.sh - the audit trail on throw-away tokens: the intent and result
# records of the key commands, `audit verify` on the real log, every kind
# of tampering on a copy (exit 6 and the precise message), default paths
# and file modes, locking, logs refused before the operation, a deleted
# audit key, and NSS softoken, which keeps no chain head.
# (t-audit-failclosed.sh: every command stopped by an unwritable log.)
. "$(dirname "$0")/lib.sh"

# A PIN that cannot turn up in a log by chance (in hex, times or numbers).
USER_PIN=Audit-PIN-q7Zx
# Never the user's own log: the defaults point into $WORK.
export XDG_STATE_HOME="$WORK/state" HOME="$WORK/home"
hsm_setup au1
LOG=$WORK/audit.log
A="$P11 --audit-log $LOG"
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(0x40, 0x80)))' >"$WORK/imp.key"
IMP_HEX=$(od -An -tx1 "$WORK/imp.key" | tr -d ' \n')
IMP_B64=$(base64 -w0 "$WORK/imp.key")
IMP_HASH=$( { head -c 32 /dev/zero; cat "$WORK/imp.key"; } | sha256sum | cut -c1-64)

line() { sed -n "${1}p" "$2"; }
hash_line() { line "$1" "$2" | tr -d '\n' | sha256sum | cut -c1-64; }
field() { line "$1" "$LOG" | jq -r "$2"; }

# --- without an audit key, nothing is written
check "key create dek without an audit key" $A -v key create dek --label pre
grep_err "-v says auditing is off" "has no audit key, so auditing is off"
assert "no log is written without an audit key" test ! -e "$LOG"

# --- the audit key
check "key create audit" $A key create audit
grep_err "key create audit says auditing is on" "auditing is on for token 'au1'"
expect_exit 7 "a second audit key is refused" $A key create audit --label other
grep_err "second audit key: message" "already has an audit key"
check "key show --json p11seal-audit" $P11 --json key show --label p11seal-audit
assert "audit key: sensitive, never extractable, sign+verify only" \
	test "$(jq -r '.attributes | "\(.sensitive) \(.extractable) \(.sign) \(.verify) \(.encrypt) \(.decrypt) \(.wrap) \(.unwrap) \(.derive)"' "$WORK/out")" = \
	"true false true true false false false false false"
assert "audit key limited to SHA256-HMAC, kind audit" \
	test "$(jq -r '"\(.allowed_mechanisms | join(",")) \(.kind) \(.never_extractable)"' "$WORK/out")" = "SHA256-HMAC audit true"
AUDIT_ID=$(jq -r .id "$WORK/out")
check "token info --json" $P11 --json token info
SERIAL=$(jq -r .serial "$WORK/out")

# --- key commands: an intent, then the result (failures too); creating
# the audit key itself is one record (there was no key for an intent)
check "key create root" $A key create root --label r1
check "key create dek" $A key create dek --label d1 --size 64
check "key show d1" $P11 --json key show --label d1
D1_HASH=$(jq -r .keyhash "$WORK/out")
D1_ID=$(jq -r .id "$WORK/out")
check "key import dek" $A key import dek --label imp --raw-file "$WORK/imp.key"
cp "$LOG" "$WORK/older.log"
expect_exit 7 "duplicate DEK label refused" $A key create dek --label d1
check "key delete d1" $A key delete --label d1 --yes
expect_exit 4 "delete of a missing key" $A key delete --label nope --yes

assert "15 records" test "$(wc -l <"$LOG")" -eq 15
assert "every line is JSON" sh -c "jq -e . '$LOG' >/dev/null"
assert "seq runs 1..15" test "$(jq -r .seq "$LOG" | paste -sd, -)" = \
	1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
assert "ops in order" test "$(jq -r .op "$LOG" | paste -sd, -)" = \
	key.create,key.create,key.create,key.create,key.create,key.create,key.create,key.import,key.import,key.create,key.create,key.delete,key.delete,key.delete,key.delete
assert "results: started, then ok or the error class and detail" \
	test "$(jq -r '.result | split(":")[0]' "$LOG" | paste -sd, -)" = \
	"ok,started,already exists,started,ok,started,ok,started,ok,started,already exists,started,ok,started,not found"
assert "each result names its intent, the record before it" \
	test "$(jq -r 'select(.seq > 1 and .result != "started") | "\(.intent)"' "$LOG" | paste -sd, -)" = 2,4,6,8,10,12,14
assert "intents carry no intent member" \
	test "$(jq -r 'select(.result == "started") | .intent' "$LOG" | sort -u)" = null
assert "an intent names the key by label only (it is not looked up)" \
	test "$(field 6 '"\(.key.label) \(.key.kind) \(.key.id) \(.key.keyhash)"')" = "d1 dek null null"
assert "failed delete names the missing key" \
	test "$(field 15 .result)" = "not found: no object labelled 'nope' in token 'au1'"
assert "record 1: the audit key itself, by CKA_ID" \
	test "$(field 1 '"\(.key.label) \(.key.kind) \(.key.id)"')" = "p11seal-audit audit $AUDIT_ID"
assert "DEK record carries CKA_ID and keyhash" \
	test "$(field 7 '"\(.key.id) \(.key.kind) \(.key.keyhash)"')" = "$D1_ID dek $D1_HASH"
assert "import record carries the imported key's keyhash" \
	test "$(field 9 .key.keyhash)" = "$IMP_HASH"
assert "delete record names the destroyed key's id and keyhash" \
	test "$(field 13 '"\(.key.id) \(.key.keyhash)"')" = "$D1_ID $D1_HASH"
assert "token label and serial in every record" \
	test "$(jq -r '"\(.token.label) \(.token.serial)"' "$LOG" | sort -u)" = "au1 $SERIAL"
assert "user name and uid, host" \
	test "$(field 1 '"\(.user.name) \(.user.uid) \(.host)"')" = "$(id -un) $(id -u) $(hostname)"
assert "time is RFC 3339 UTC" test "$(jq -r .time "$LOG" |
	grep -cE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$')" -eq 15
assert "record 1's prev is the genesis hash (serial + audit key id)" \
	test "$(field 1 .prev)" = "$(printf 'p11seal audit genesis %s %s' "$SERIAL" "$AUDIT_ID" | sha256sum | cut -c1-64)"
chain_ok=true
for i in $(seq 2 15); do
	[ "$(field $i .prev)" = "$(hash_line $((i - 1)) "$LOG")" ] || chain_ok=false
done
assert "each prev is SHA-256 of the line before (sha256sum)" $chain_ok
assert "log file mode 0600" test "$(stat -c %a "$LOG")" = 600

# --- no secrets in the log
assert "the PIN is not in the log" sh -c "! grep -qF '$USER_PIN' '$LOG'"
assert "imported key bytes (hex) are not in the log" sh -c "! grep -qiF '$IMP_HEX' '$LOG'"
assert "imported key bytes (base64) are not in the log" sh -c "! grep -qF '$IMP_B64' '$LOG'"
assert "imported key bytes (raw) are not in the log" /usr/bin/python3 -c \
	"import sys; sys.exit(open('$WORK/imp.key','rb').read() in open('$LOG','rb').read())"

# --- verify and show
check "audit verify (the --audit-log file)" $A audit verify
assert "verify says all records and the head match" \
	grep -qx "15 records verified, chain head matches the token" "$WORK/out"
check "audit verify FILE" $P11 audit verify "$LOG"
check "audit verify --json" $P11 --json audit verify "$LOG"
assert "--json: intact, 15 records, token head 15, head checked, none unfinished" \
	test "$(jq -r '"\(.intact) \(.records) \(.token_head.seq) \(.head_checked) \(.problem) \(.unfinished | length)"' "$WORK/out")" = "true 15 15 true null 0"
check "audit show" $P11 audit show "$LOG"
assert "audit show prints 15 records" test "$(wc -l <"$WORK/out")" -eq 15
assert "audit show: an intent is 'started', its result names it" \
	sh -c "sed -n 4p '$WORK/out' | grep -q ' started\$' && sed -n 5p '$WORK/out' | grep -q ' ok (intent 4)\$'"
check "audit show --last 2" $P11 audit show "$LOG" --last 2
assert "--last 2 prints records 14 and 15" \
	test "$(awk '{print $1}' "$WORK/out" | paste -sd, -)" = 14,15
check "audit show --json" $P11 --json audit show "$LOG"
assert "audit show --json: 15 records" test "$(jq length "$WORK/out")" -eq 15
cp "$LOG" "$WORK/pristine.log"

# --- tampering, each on a copy: exit 6 and the precise message
T=$WORK/t.log
V=$P11 # the verifier's command line
tampered() {
	expect_exit 6 "$1: exit 6" $V audit verify "$T"
	grep_err "$1: message" "$2"
}
# flip_hex LINE FIELD: change the first hex digit of FIELD in line LINE
flip_hex() {
	/usr/bin/python3 - "$T" "$1" "$2" <<'EOF'
import sys
path, n, field = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(path, 'rb').read().split(b'\n')
key = b'"' + field.encode() + b'":"'
i = lines[n - 1].index(key) + len(key)
lines[n - 1] = lines[n - 1][:i] + (b'1' if lines[n - 1][i:i+1] == b'0' else b'0') + lines[n - 1][i + 1:]
open(path, 'wb').write(b'\n'.join(lines))
EOF
}
sed '5s/"label":"r1"/"label":"r2"/' "$LOG" >"$T"
assert "the edit changed exactly one byte" test "$(cmp -l "$LOG" "$T" | wc -l)" -eq 1
tampered "one byte edited in a record" "record 5 \(line 5\): MAC mismatch \(edited or forged\)"
cp "$LOG" "$T"; flip_hex 4 mac
tampered "one byte edited in the mac" "record 4 \(line 4\): MAC mismatch"
cp "$LOG" "$T"; flip_hex 5 prev
tampered "one byte edited in prev" "record 5 \(line 5\): MAC mismatch"
sed 1d "$LOG" >"$T"
tampered "first line dropped" "record 2 \(line 1\): prev hash mismatch \(a record was removed or reordered before it: record 1 is missing\)"
sed 4d "$LOG" >"$T"
tampered "middle line dropped" "record 5 \(line 4\): prev hash mismatch \(a record was removed or reordered before it: record 4 is missing\)"
sed '$d' "$LOG" >"$T"
tampered "last line dropped" "log ends at record 14 \(line 14\) but the token's chain head is record 15 \(truncated"
{ line 1 "$LOG"; line 2 "$LOG"; line 3 "$LOG"; line 5 "$LOG"; line 4 "$LOG"; sed -n '6,$p' "$LOG"; } >"$T"
tampered "lines 4 and 5 swapped" "records out of sequence: 4 \(line 5\) follows 5 \(line 4\) \(swapped\)"
{ sed -n 1,2p "$LOG"; line 6 "$LOG"; line 4 "$LOG"; line 5 "$LOG"; line 3 "$LOG"; sed -n '7,$p' "$LOG"; } >"$T"
tampered "lines 3 and 6 swapped" "records out of sequence: 3 \(line 6\) follows 6 \(line 3\) \(swapped\)"
sed '14,$d' "$LOG" >"$T"
tampered "last 2 records cut" "log ends at record 13 \(line 13\) but the token's chain head is record 15"
head -c $(($(wc -c <"$LOG") - $(line 15 "$LOG" | wc -c) / 2)) "$LOG" >"$T"
tampered "cut inside the last line" "line 15 is incomplete: the file ends inside it \(truncated\)"
cp "$WORK/older.log" "$T"
tampered "an older copy of the file" "log ends at record 9 \(line 9\) but the token's chain head is record 15 \(truncated, or an older copy of the file\)"
/usr/bin/python3 - "$LOG" "$T" <<'EOF'
import hashlib, json, sys
src, dst = sys.argv[1], sys.argv[2]
data = open(src, 'rb').read()
last = data.rstrip(b'\n').split(b'\n')[-1]
rec = json.loads(last)
forged = last.replace(b'"seq":%d,' % rec['seq'], b'"seq":%d,' % (rec['seq'] + 1))
forged = forged.replace(rec['prev'].encode(), hashlib.sha256(last).hexdigest().encode())
open(dst, 'wb').write(data + forged + b'\n')
EOF
tampered "a forged line appended" "record 16 \(line 16\): MAC mismatch \(edited or forged\)"
{ cat "$LOG"; line 15 "$LOG"; } >"$T"
tampered "the last line repeated" "record 15 appears twice \(lines 15 and 16: duplicated\)"
: >"$T"
tampered "an empty file" "the log is empty but the token's chain head is record 15"
sed '3s/.*/this is not a record/' "$LOG" >"$T"
tampered "a line replaced by text" "line 3 is not valid JSON"
sed '2s/"seq":2,/"seq": 2,/' "$LOG" >"$T"
tampered "a space added (not canonical)" "line 2 is a record but not in canonical form \(edited\)"
sed 3d "$LOG" >"$T"
expect_exit 6 "--json on a tampered copy: exit 6" $P11 --json audit verify "$T"
assert "--json names the problem, record and line" \
	test "$(jq -r '"\(.intact) \(.problem.kind) \(.problem.record) \(.problem.line)"' "$WORK/out")" = "false removed 4 3"
check "the untouched log still verifies" $P11 audit verify "$LOG"
assert "verify never changes the log" cmp -s "$LOG" "$WORK/pristine.log"

# --- the log's default place and modes (second token, its own chain)
softhsm2-util --init-token --free --label au2 --pin "$USER_PIN" \
	--so-pin "$SO_PIN" >/dev/null
P2="$P11SEAL --module $SOFTHSM_MODULE --token pkcs11:token=au2 --pin-source file:$WORK/pin"
check "au2: key create audit (default log)" $P2 key create audit
$P2 --json token info >"$WORK/au2.json"
SERIAL2=$(jq -r .serial "$WORK/au2.json")
DEF=$XDG_STATE_HOME/p11seal/audit-$SERIAL2.log
assert "default log is \$XDG_STATE_HOME/p11seal/audit-SERIAL.log" test -f "$DEF"
assert "default log directory created 0700" test "$(stat -c %a "$XDG_STATE_HOME/p11seal")" = 700
assert "default log created 0600" test "$(stat -c %a "$DEF")" = 600
check "au2: key create root" $P2 key create root --label a2r
check "au2: audit verify (default log)" $P2 audit verify
expect_exit 4 "without XDG_STATE_HOME: ~/.local/state/p11seal/audit-SERIAL.log" \
	env -u XDG_STATE_HOME HOME="$WORK/h" $P2 audit show
grep_err "HOME fallback path" "$WORK/h/.local/state/p11seal/audit-$SERIAL2.log: No such file"
expect_exit 4 "a relative XDG_STATE_HOME is ignored" \
	env XDG_STATE_HOME=rel HOME="$WORK/h" $P2 audit show
grep_err "relative XDG_STATE_HOME: HOME fallback" "$WORK/h/.local/state/p11seal"

# --- the appender waits for the lock (flock), then appends its intent
# before it does anything (t-audit-failclosed.sh: a lock never released)
n_before=$(wc -l <"$LOG")
flock "$LOG" sleep 3 &
locker=$!
sleep 0.5
$A key create root --label locked >"$WORK/lk.out" 2>"$WORK/lk.err" &
waiter=$!
sleep 1.5
assert "while another run holds the lock, nothing is appended" \
	test "$(wc -l <"$LOG")" -eq "$n_before"
wait "$locker"
wait "$waiter"
assert "after the lock is released, intent and result are appended" \
	test "$(wc -l <"$LOG")" -eq $((n_before + 2))
check "...and the key was made only then" $P11 key show --label locked
# Concurrent runs; SoftHSM 2.6.1 itself often fails to open a token
# another process is writing (measured: about half of 6 parallel runs,
# with or without auditing), so only those token-open failures are retried.
run_retry() {
	tries=0
	until $A key create root --label "$1" 2>"$WORK/cc.$1"; do
		tries=$((tries + 1))
		grep -qE "no token matches|C_Login to token|C_GetTokenInfo|C_OpenSession" \
			"$WORK/cc.$1" && [ $tries -lt 30 ] || return 1
	done
}
for i in 1 2 3 4 5 6; do run_retry "cc$i" & done
wait
check "6 concurrent runs: the log verifies" $P11 audit verify "$LOG"
assert "6 concurrent runs: 12 more records, seq unique" \
	test "$(jq -r .seq "$LOG" | sort -un | wc -l)" -eq $((n_before + 14))
assert "6 concurrent runs: every intent has its result" \
	test "$(jq -r 'select(.result == "started") | .seq' "$LOG" | sort -n | paste -sd, -)" = \
	"$(jq -r 'select(.intent != null) | .intent' "$LOG" | sort -n | paste -sd, -)"

# --- a log that cannot be written stops the command before it starts:
# exit 7, one line naming the log, the key not made
mkdir "$WORK/adir"
expect_exit 7 "log path is a directory: refused, exit 7" $P11 --audit-log "$WORK/adir" key create root --label r-dir
grep_err "names the log and says nothing was done" "^p11seal: key create: audit log .*adir: Is a directory; refused before the operation \(nothing was done\)$"
expect_exit 4 "...and the key was not created" $P11 key show --label r-dir
ln -s "$LOG" "$WORK/link.log"
expect_exit 7 "log path is a symlink: refused" $P11 --audit-log "$WORK/link.log" key create root --label r-link
grep_err "symlink message" "is a symbolic link; refused"
expect_exit 4 "...and the key was not created" $P11 key show --label r-link
cp "$LOG" "$WORK/open.log"; chmod 666 "$WORK/open.log"
expect_exit 7 "a log others may write: refused" $P11 --audit-log "$WORK/open.log" key create root --label r-open
grep_err "mode message" "may be written by group or others \(mode 666\)"
expect_exit 4 "...and the key was not created" $P11 key show --label r-open
check "the real log still verifies" $P11 audit verify "$LOG"

# --- a deleted audit key (au2)
AU2_ID=$($P2 --json key show --label p11seal-audit | jq -r .id)
check "au2: delete the audit key" $P2 key delete --label p11seal-audit --yes
grep_err "deleting the audit key says auditing is off" "auditing is now off"
grep_err "...and that its last record was written first" "record 5 says the audit key is destroyed next"
assert "au2: an intent, then the 'final' record naming the key and the intent" \
	test "$(tail -n 2 "$DEF" | jq -r '"\(.seq) \(.op) \(.key.label) \(.key.kind) \(.key.id) \(.result) \(.intent)"' | paste -sd, -)" = \
	"4 key.delete p11seal-audit null null started null,5 key.delete p11seal-audit audit $AU2_ID final 4"
n2=$(wc -l <"$DEF")
check "au2: key commands work without auditing" $P2 key create root --label a2r2
assert "au2: nothing more is written" test "$(wc -l <"$DEF")" -eq "$n2"
expect_exit 4 "au2: verify without an audit key: exit 4" $P2 audit verify
grep_err "au2: no audit key message" "has no audit key"
grep_err "au2: verify explains the log ends with the key's deletion" \
	"the audit log .*audit-$SERIAL2.log ends with record 5, the deletion of audit key 'p11seal-audit' \(CKA_ID $AU2_ID\)"
expect_exit 7 "au2: a new audit key will not continue an old chain's log" $P2 key create audit
grep_err "au2: names the log and --audit-log" "already holds records.*--audit-log"
check "au2: a new audit key with a new log" $P2 --audit-log "$WORK/au2-new.log" key create audit
check "au2: the new chain verifies" $P2 --audit-log "$WORK/au2-new.log" audit verify

# --- README "Audit trail": one default log per token, so a second token's
# `key create audit` is not refused over the first one's records
softhsm2-util --init-token --free --label au3 --pin "$USER_PIN" \
	--so-pin "$SO_PIN" >/dev/null
P3="$P11SEAL --module $SOFTHSM_MODULE --token pkcs11:token=au3 --pin-source file:$WORK/pin"
check "au3: key create audit beside au2's default log" $P3 key create audit
check "au3: key create root" $P3 key create root --label a3r
check "au3: audit verify (its own default log)" $P3 audit verify
assert "au3: two default logs, one per serial" \
	test "$(ls "$XDG_STATE_HOME/p11seal" | grep -c '^audit-.*\.log$')" -eq 2

# --- README "Audit trail": audit show filters
check "audit show --op key.delete" $P11 audit show --op key.delete "$LOG"
assert "... only key.delete records" test "$(wc -l <"$WORK/out")" -gt 0 -a \
	"$(grep -vc 'key.delete' "$WORK/out")" -eq 0
check "audit show --label d1 --json" $P11 --json audit show --label d1 "$LOG"
assert "... only d1's records" \
	test "$(jq -r '.[].key.label' "$WORK/out" | sort -u)" = d1
check "audit show --op key.create --last 2" $P11 --json audit show \
	--op key.create --last 2 "$LOG"
assert "... the last two key.create records" \
	test "$(jq -r '.[].op' "$WORK/out" | paste -sd, -)" = key.create,key.create
check "audit show --image nomatch: nothing" $P11 audit show --image nomatch "$LOG"
assert "... empty" test ! -s "$WORK/out"

# --- appending to a tampered log: written, but reported (exit 6)
sed '$d' "$LOG" >"$WORK/cut.log"
n_cut=$(wc -l <"$WORK/cut.log")
expect_exit 6 "append to a cut log: exit 6" $P11 --audit-log "$WORK/cut.log" key create root --label r-cut
grep_err "append to a cut log: says done and why" "the operation itself is done.*did not end with the token's chain head"
check "...and the key was created" $P11 key show --label r-cut
expect_exit 6 "the cut log still fails verify" $P11 audit verify "$WORK/cut.log"
grep_err "...naming the missing record" "record $((n_cut + 2)) \(line $((n_cut + 1))\): prev hash mismatch .*record $((n_cut + 1)) is missing"
expect_exit 6 "the full log now lags the token's chain" $P11 audit verify "$LOG"
grep_err "...and says so" "log ends at record $((n_cut + 1)) .* chain head is record $((n_cut + 3))"
expect_exit 6 "a fresh log while the chain is elsewhere: exit 6" $P11 --audit-log "$WORK/else.log" key create root --label r-else
grep_err "...says the token's log is another file" "the audit log is empty, but the token's chain is at record $((n_cut + 3)): its log is another file"
{ cat "$LOG"; tail -n 2 "$WORK/cut.log"; cat "$WORK/else.log"; } >"$WORK/restored.log"
check "stray records continue the chain: appended to the log, it verifies" $P11 audit verify "$WORK/restored.log"

# --- NSS softoken: no data objects, so no chain head
if [ ! -f "$NSS_MODULE" ] || ! command -v certutil >/dev/null; then
	skip "NSS audit tests" "libnss3/libnss3-tools not installed"
	done_testing
	exit
fi
nss_setup "$WORK/nss" || { not_ok "certutil -N"; done_testing; exit 1; }
NLOG=$WORK/nss.log
N="$P11NSS --audit-log $NLOG"
V=$N
check "NSS: key create audit" $N key create audit
grep_err "NSS: says no chain head can be kept" "cannot store data objects, so it keeps no chain head"
check "NSS: key create dek" $N key create dek --label nd1
check "NSS: key delete" $N key delete --label nd1 --yes
check "NSS: audit verify" $N audit verify
assert "NSS: verify says truncation cannot be checked" \
	grep -q "5 records verified, but token 'NSS Certificate DB' keeps no chain head .* a truncated log or an older copy of it cannot be detected" "$WORK/out"
check "NSS: audit verify --json" $N --json audit verify
assert "NSS: --json says the head was not checked" \
	test "$(jq -r '"\(.intact) \(.head_checked) \(.token_head)"' "$WORK/out")" = "true false null"
T=$WORK/t.log
sed '$d' "$NLOG" >"$T"
check "NSS: a truncated copy is not detected (no head to compare)" $N audit verify "$T"
assert "NSS: ...and verify says it cannot be" grep -q "cannot be detected" "$WORK/out"
sed '2s/"nd1"/"nd2"/' "$NLOG" >"$T"
tampered "NSS: one byte edited" "record 2 \(line 2\): MAC mismatch"
{ line 1 "$NLOG"; line 3 "$NLOG"; line 2 "$NLOG"; } >"$T"
tampered "NSS: lines swapped" "records out of sequence: 2 \(line 3\) follows 3 \(line 2\)"

done_testing
