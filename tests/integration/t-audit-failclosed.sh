#!/bin/sh
# t-audit-failclosed.sh - issue 11, attack 3: no operation escapes the
# audit trail. A log that cannot be written (/dev/null, a read-only log, a
# full file system, a lock another process never releases) stops vhd
# decrypt, vhd encrypt, key create, key delete and key export before they
# touch a key: exit 7, one line naming the log, no output, the token as it
# was. Then the SO's trust-transport and trust-signer (refused first with
# an unwritable log) and the audit key's own deletion
# leave records that `audit verify` checks, and a run killed between its
# intent and its result is a warning naming the intent, not tampering.
. "$(dirname "$0")/lib.sh"

USER_PIN=Failclosed-PIN-k2Vw SO_PIN=Failclosed-SO-p8Hd
export XDG_STATE_HOME="$WORK/state" HOME="$WORK/home"
hsm_setup fc
printf '%s' "$SO_PIN" >"$WORK/sopin"
chmod 600 "$WORK/sopin"
LOG=$WORK/audit.log
A="$P11 --audit-log $LOG"
cd "$WORK" || exit 1

check "key create audit" $A key create audit
check "key create dek D (exportable)" $A key create dek --label D --size 64 \
	--exportable
check "key create root victim" $A key create root --label victim
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 2>/dev/null |
	openssl pkey -pubout -out station.pem
head -c 3145728 /dev/urandom >a.raw
check "vhd encrypt with a good log" $A vhd encrypt --key D a.raw a.vhd

# so_step OP PUBKEY LABEL: the SO's `key OP` with an unwritable log is
# refused with nothing made; with the real log it runs, recorded from a
# user session: its intent, then its result
so_step() {
	op=$1 pub=$2 label=$3
	expect_exit 7 "SO: key $op with an unwritable log: exit 7" \
		$P11 --audit-log /dev/null key "$op" --pubkey "$pub" \
		--label "$label" --so-pin-source "file:$WORK/sopin"
	grep_err "$op: names the log, nothing done" \
		"audit log /dev/null is not a regular file; refused before the operation"
	expect_exit 4 "$op: no key was made" $P11 key show --label "$label"
	n=$(wc -l <"$LOG")
	check "SO: key $op (user and SO PIN sources)" $A key "$op" \
		--pubkey "$pub" --label "$label" --so-pin-source "file:$WORK/sopin"
	assert "$op: intent, then result" \
		test "$(sed -n "$((n + 1)),\$p" "$LOG" | jq -r '"\(.op) \(.key.label) \(.result)"' | paste -sd, -)" = \
		"key.$op $label started,key.$op $label ok"
}
# --- the SO's steps: trust-transport (a bridge's) and trust-signer (a
# station's, here on the same token)
so_step trust-transport station.pem S
check "a bundle signer key for the exports" $A key create signer --label SIG
check "the signer's public key" $P11 key export-public --label SIG \
	--out signer.pem
so_step trust-signer signer.pem PB
check "key export with a good log" $A key export dek --label D \
	--to station.pem --out ok.bundle
check "the log verifies" $A audit verify
cp "$LOG" "$WORK/before.log"
check "key list before" $P11 --json key list
jq -S . "$WORK/out" >"$WORK/keys.before"

# refused WHAT PATTERN P11...: the five commands with the log P11 names;
# each exit 7 with one stderr line matching PATTERN, no output, the token
# and the real log unchanged.
refused() {
	what=$1 pat=$2
	shift 2
	expect_exit 7 "$what: vhd decrypt refused" "$@" vhd decrypt --key D \
		a.vhd out.raw
	grep_err "$what: vhd decrypt: names the log and why" "$pat"
	assert "$what: vhd decrypt: one line on stderr" \
		test "$(wc -l <"$WORK/err")" -eq 1
	assert "$what: vhd decrypt: no plaintext written" \
		test -z "$(ls -A | grep -E '^out\.raw|p11seal-tmp')"
	expect_exit 7 "$what: vhd encrypt refused" "$@" vhd encrypt --key D \
		a.raw out.vhd
	grep_err "$what: vhd encrypt: names the log and why" "$pat"
	assert "$what: vhd encrypt: no image written" \
		test -z "$(ls -A | grep -E '^out\.vhd|p11seal-tmp')"
	expect_exit 7 "$what: key create refused" "$@" key create root \
		--label made
	grep_err "$what: key create: names the log and why" "$pat"
	expect_exit 7 "$what: key delete refused" "$@" key delete \
		--label victim --yes
	grep_err "$what: key delete: names the log and why" "$pat"
	expect_exit 7 "$what: key export refused" "$@" key export dek \
		--label D --to station.pem --out out.bundle
	grep_err "$what: key export: names the log and why" "$pat"
	assert "$what: key export: no bundle written" test ! -e out.bundle
	check "$what: key list after" $P11 --json key list
	jq -S . "$WORK/out" >"$WORK/keys.after"
	assert "$what: the token is unchanged (no key made, victim kept)" \
		cmp -s "$WORK/keys.before" "$WORK/keys.after"
	assert "$what: the real log is unchanged" cmp -s "$LOG" "$WORK/before.log"
}

refused "/dev/null" \
	"^p11seal: [a-z ]+: audit log /dev/null is not a regular file; refused before the operation \(nothing was done\)$" \
	$P11 --audit-log /dev/null

# a read-only log: root passes file modes, so a read-only mount then
mkdir ro
cp "$LOG" ro/audit.log
if [ "$(id -u)" -ne 0 ]; then
	chmod 400 ro/audit.log
	refused "read-only log" "audit log .*ro/audit.log: Permission denied; refused" \
		$P11 --audit-log "$WORK/ro/audit.log"
elif mount --bind ro ro 2>/dev/null && mount -o remount,bind,ro ro 2>/dev/null; then
	umount_ro() { umount "$WORK/ro" 2>/dev/null; }
	at_exit umount_ro
	refused "log on a read-only mount" \
		"audit log .*ro/audit.log: Read-only file system; refused before the operation" \
		$P11 --audit-log "$WORK/ro/audit.log"
	umount_ro
else
	skip "read-only log" "root, and no bind mount to make it read-only"
fi

# a full file system: ENOSPC at the log's write (strace, as t-crash.sh;
# LeakSanitizer cannot run under ptrace, so an ASan build runs these
# without it rather than dying at exit)
if command -v strace >/dev/null; then
	cp "$LOG" full.log
	refused "ENOSPC writing the log" \
		"write audit log .*full.log: No space left on device; refused before the operation" \
		env ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0" \
		strace -f -o /dev/null -P "$WORK/full.log" \
		-e inject=write:error=ENOSPC $P11 --audit-log "$WORK/full.log"
	assert "ENOSPC: the copy of the log did not grow" \
		cmp -s full.log "$WORK/before.log"
else
	skip "ENOSPC writing the log" "strace missing"
fi
# ...and a real one: a tmpfs filled up, when root may mount one
mkdir small
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=64k p11seal-fc small \
	2>/dev/null; then
	umount_small() { umount "$WORK/small" 2>/dev/null; }
	at_exit umount_small
	# an empty log: its first byte needs a page the tmpfs cannot give
	: >small/audit.log
	dd if=/dev/zero of=small/fill bs=4k 2>/dev/null
	expect_exit 7 "full tmpfs: vhd decrypt refused" $P11 --audit-log \
		"$WORK/small/audit.log" vhd decrypt --key D a.vhd out.raw
	grep_err "full tmpfs: names the log and ENOSPC" \
		"audit log .*small/audit.log: No space left on device; refused"
	assert "full tmpfs: no plaintext" test ! -e out.raw
	assert "full tmpfs: nothing half-written to the log" \
		test ! -s small/audit.log
	umount_small
else
	skip "full tmpfs" "not root, or no tmpfs mount"
fi

# a log another process keeps locked: each command gives up after 10 s
/usr/bin/python3 -c '
import fcntl, sys, time
f = open(sys.argv[1], "a")
fcntl.flock(f, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(600)' "$LOG" >locker.out &
locker=$!
i=0
while ! grep -q locked locker.out && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
refused "a log locked by another process" \
	"audit log .*audit.log stays locked by another process \(waited 10 s\); refused before the operation" \
	$P11 --audit-log "$LOG"
kill "$locker" 2>/dev/null
wait "$locker" 2>/dev/null
check "after all that, the real log still verifies" $A audit verify

# --- a run killed between intent and result: a warning, not tampering
n=$(wc -l <"$LOG")
if command -v strace >/dev/null; then
	# the second write to the log is the result record: kill there
	strace -f -o /dev/null -P "$LOG" -e inject=write:signal=KILL:when=2 \
		$A key create root --label killed >/dev/null 2>&1
	assert "killed run: its intent is in the log, its result is not" \
		test "$(sed -n "$((n + 1)),\$p" "$LOG" | jq -r '"\(.seq) \(.result)"' | paste -sd, -)" = \
		"$((n + 1)) started"
	check "killed run: the log still verifies" $A audit verify
	grep_err "killed run: verify warns, naming the intent" \
		"warning: record $((n + 1)) is an intent with no result record: that run stopped before it finished"
	check "killed run: --json lists it as unfinished" $A --json audit verify
	assert "killed run: --json intact, unfinished [$((n + 1))]" \
		test "$(jq -c '[.intact, .unfinished]' "$WORK/out")" = "[true,[$((n + 1))]]"
	check "the next command goes on from the intent" $A key create root \
		--label after
	check "and the log verifies again" $A audit verify
else
	skip "killed run" "strace missing"
fi

# --- deleting the audit key: the last record is written first
AID=$($P11 --json key show --label p11seal-audit | jq -r .id)
n=$(wc -l <"$LOG")
expect_exit 7 "audit key delete with /dev/null as log: refused" \
	$P11 --audit-log /dev/null key delete --label p11seal-audit --yes
check "...and the audit key is still there" $P11 key show \
	--label p11seal-audit
check "key delete of the audit key" $A key delete --label p11seal-audit --yes
grep_err "says its record was written before the key went" \
	"record $((n + 2)) says the audit key is destroyed next; it is the last record of its chain"
assert "the log ends: intent, then 'final' naming the audit key" \
	test "$(sed -n "$((n + 1)),\$p" "$LOG" | jq -r '"\(.op) \(.key.label) \(.key.id) \(.result) \(.intent)"' | paste -sd, -)" = \
	"key.delete p11seal-audit null started null,key.delete p11seal-audit $AID final $((n + 1))"
expect_exit 4 "audit verify without the key: exit 4" $A audit verify
grep_err "verify explains that the log ends with the key's deletion" \
	"ends with record $((n + 2)), the deletion of audit key 'p11seal-audit' \(CKA_ID $AID\) at .* no key can verify its records any more"

done_testing
