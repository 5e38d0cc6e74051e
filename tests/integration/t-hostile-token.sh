#!/bin/sh
# t-hostile-token.sh - p11seal against a PKCS#11 module that misbehaves on
# purpose (tests/shim: P11SHIM_HOSTILE, P11SHIM_FAIL, P11SHIM_REFUSE;
# docs/robustness.md §2) in front of a throw-away SoftHSM token: never a
# crash (exit < 128, or valgrind clean with P11SEAL_VALGRIND set), a
# documented exit code, an error is one line naming the PKCS#11 call, and
# a failed create leaves the token as it was; a refused optional attribute
# is left out, said and recorded, a refused custody attribute refuses the
# key. Then wrong PINs and a token gone between commands.
# Checks README "PKCS#11 attacks".
. "$(dirname "$0")/lib.sh"

if [ ! -f "${P11SHIM:-}" ]; then
	skip "hostile module tests" "test shim not built (P11SHIM)"
	done_testing
	exit 0
fi
hsm_setup hos
export P11SHIM_TARGET="$SOFTHSM_MODULE" XDG_STATE_HOME="$WORK/state"
H="$P11SEAL --module $P11SHIM --token pkcs11:token=hos --pin-source file:$WORK/pin"
VG=
[ -n "${P11SEAL_VALGRIND:-}" ] && VG="valgrind -q --error-exitcode=99"

# Keys made directly on SoftHSM, so a DEK is two AES keys.
check "seed: root key" $P11 key create root --label r
check "seed: DEK" $P11 key create dek --label d --size 32

# objects: the token as pkcs11-tool sees it, past the shim and p11seal.
objects() {
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label hos --login \
		--pin "$USER_PIN" --list-objects 2>/dev/null |
		grep -E "Object|label" | sort
}

# hrun ENV CODES DESC ARGS...: p11seal ARGS through the shim with the
# environment assignments ENV ("-" for none); passes when the exit code is
# in CODES (comma list) and no signal or valgrind error occurred, and a
# failure is one stderr line naming a C_ function (6, the audit's verdict,
# names none). A line the audit-log hook adds about its own record is
# shown, not counted.
hrun() {
	envs=$1 codes=$2 desc=$3
	shift 3
	[ "$envs" = - ] && envs=
	# shellcheck disable=SC2086
	env $envs $VG $H "$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	grep -E "^[^:]+: [^:]+: audit: " "$WORK/err" | sed 's/^/# audit hook: /'
	# Valgrind's own notes (--pid--, ==pid==) are not p11seal's output.
	lines=$(grep -cvE "^[^:]+: [^:]+: audit: |^(--|==)[0-9]+(--|==)" \
		"$WORK/err")
	why=
	case ",$codes," in *",$rc,"*) ;; *) why="exit $rc, wanted $codes" ;; esac
	[ "$rc" -ge 128 ] && why="killed by signal $((rc - 128))"
	[ "$rc" -eq 99 ] && why="valgrind found errors"
	if [ -z "$why" ] && [ "$rc" -ne 0 ]; then
		[ "$lines" -eq 1 ] || why="$lines stderr lines"
		[ "$rc" -eq 6 ] || grep -qE "C_[A-Z][A-Za-z]+" "$WORK/err" ||
			why="${why:+$why; }the error names no PKCS#11 call"
	fi
	if [ -z "$why" ]; then
		ok "$desc"
	else
		not_ok "$desc: $why"
		sed 's/^/#   /' "$WORK/err" | tail -n 5
	fi
}

READS="token-list token-info token-mechanisms key-list key-show token-audit"
args_of() {
	case $1 in
	key-show) echo "key show --label d" ;;
	*) echo "$1" | tr - ' ' ;;
	esac
}

# --- behaviours every command must simply survive
objects >"$WORK/objects.before"
hrun - 0 "baseline through the shim: key list" --json key list
base_keys=$(jq length "$WORK/out")
hrun - 0 "baseline through the shim: token mechanisms" --json token mechanisms
base_kwp=$(jq -r .features.kwp.detail "$WORK/out")
for b in attr-len0 attr-len1 attr-huge attr-unavail attr-grow attr-binary \
	find-dup slots-grow-once mech-garbage mech-nowrite encrypt-short \
	encrypt-long no-xts; do
	for c in $READS; do
		# shellcheck disable=SC2046
		hrun "P11SHIM_HOSTILE=$b" 0 "$b: $c" $(args_of "$c")
	done
	hrun "P11SHIM_HOSTILE=$b" 0 "$b: key list --json" --json key list
	if python3 -c 'import json, sys
json.loads(open(sys.argv[1], "rb").read().decode("utf-8", "strict"))' "$WORK/out"; then
		ok "$b: key list --json is valid UTF-8 JSON"
	else
		not_ok "$b: key list --json is valid UTF-8 JSON"
	fi
done
hrun "P11SHIM_HOSTILE=attr-binary" 0 "attr-binary: key list (text)" key list
assert "attr-binary: no control bytes reach the terminal" \
	sh -c "! tr -d '\n' <'$WORK/out' | grep -q '[[:cntrl:]]'"
hrun "P11SHIM_HOSTILE=find-dup" 0 "find-dup: key list --json" --json key list
assert "find-dup: every key listed once" test "$(jq length "$WORK/out")" = "$base_keys"
hrun "P11SHIM_HOSTILE=mech-nowrite" 0 "mech-nowrite: token mechanisms --json" \
	--json token mechanisms
assert "mech-nowrite: no verdict from an unwritten CK_MECHANISM_INFO" \
	test "$(jq -r .features.kwp.detail "$WORK/out")" = "$base_kwp"
for b in encrypt-short encrypt-long; do
	hrun "P11SHIM_HOSTILE=$b" 0 "$b: token mechanisms --json" \
		--json token mechanisms
	assert "$b: the GCM trial rejects a wrong output length" \
		test "$(jq -r .features.gcm.available "$WORK/out")" = false
done
head -c 1048576 /dev/urandom >"$WORK/in.raw"
for b in encrypt-short encrypt-long; do
	hrun "P11SHIM_HOSTILE=$b" 1 "$b: vhd encrypt fails" vhd encrypt \
		--key d "$WORK/in.raw" "$WORK/out.vhd" --no-progress
	assert "$b: no output image left" test ! -e "$WORK/out.vhd"
done

# --- behaviours that must stop a command with a clear error
for c in token-list token-info token-mechanisms; do
	# shellcheck disable=SC2046
	hrun "P11SHIM_HOSTILE=find-extra" 0 "find-extra: $c" $(args_of "$c")
done
for c in key-list key-show token-audit; do
	# shellcheck disable=SC2046
	hrun "P11SHIM_HOSTILE=find-extra" 1 "find-extra: $c" $(args_of "$c")
	grep_err "find-extra: $c says the module returned too many" \
		"C_FindObjects returned [0-9]+ handles where [0-9]+ were asked"
done
for c in $READS; do
	# shellcheck disable=SC2046
	hrun "P11SHIM_HOSTILE=slots-grow" 1 "slots-grow: $c" $(args_of "$c")
done
grep_err "slots-grow: says the slot count kept changing" \
	"C_GetSlotList: the module reported a different slot count"
hrun "P11SHIM_HOSTILE=sensitive-value" 6 "sensitive-value: token audit" token audit
grep -q "value-readable: C_GetAttributeValue(CKA_VALUE) returned its value although it claims CKA_SENSITIVE=true" "$WORK/out" &&
	ok "sensitive-value: the audit catches the lie" ||
	not_ok "sensitive-value: the audit catches the lie"

# --- creating keys: the ones that fail leave nothing behind
hrun "P11SHIM_HOSTILE=sensitive-value" 7 "sensitive-value: key create root refused" \
	key create root --label sv
grep_err "sensitive-value: refusal names the lie" "returned the value of key 'sv'"
hrun "P11SHIM_HOSTILE=find-extra" 1 "find-extra: key create dek (label check)" \
	key create dek --label d --size 32
hrun "P11SHIM_HOSTILE=slots-grow" 1 "slots-grow: key create dek" \
	key create dek --label sg --size 32
head -c 64 /dev/urandom >"$WORK/key.raw"
while read -r spec codes cmd; do
	# shellcheck disable=SC2086
	hrun "P11SHIM_HOSTILE=no-xts P11SHIM_FAIL=$spec" "$codes" "$spec: $cmd" $cmd
done <<EOF
C_GenerateRandom:1:CKR_DEVICE_REMOVED 4 key create dek --label f1 --size 32
C_GenerateKey:1:CKR_DEVICE_REMOVED 4 key create root --label f2
C_GenerateKey:2:CKR_DEVICE_ERROR 1 key create dek --label f3 --size 64
C_GetAttributeValue:2:CKR_DEVICE_REMOVED 4 key create dek --label f4 --size 32
C_GetAttributeValue:4:CKR_SESSION_HANDLE_INVALID 1 key create dek --label f5 --size 32
C_GetAttributeValue:6:CKR_DEVICE_REMOVED 4 key create dek --label f6 --size 32
C_DigestKey:1:CKR_DEVICE_REMOVED 4 key create dek --label f7 --size 32
C_CreateObject:1:CKR_DEVICE_ERROR 1 key create dek --label f8 --size 32
C_CreateObject:1:CKR_DEVICE_REMOVED 4 key import dek --label f9 --raw-file $WORK/key.raw
EOF
# A custody attribute the module will not take: refused, naming it.
hrun "P11SHIM_HOSTILE=no-xts P11SHIM_REFUSE=CKA_MODIFIABLE" 7 \
	"refuses CKA_MODIFIABLE: key create dek refused" \
	key create dek --label rm --size 32
grep_err "the refusal names the custody attribute" \
	"refuses CKA_MODIFIABLE=false, which the custody of key 'rm' needs; key not made"
hrun "P11SHIM_HOSTILE=no-xts P11SHIM_REFUSE=CKA_SENSITIVE" 7 \
	"refuses CKA_SENSITIVE: key import dek refused" \
	key import dek --label rs --raw-file "$WORK/key.raw"
grep_err "the refusal names CKA_SENSITIVE" \
	"refuses CKA_SENSITIVE=true, which the custody of key 'rs' needs"
objects >"$WORK/objects.after"
assert "token unchanged by every failed create (pkcs11-tool's view)" \
	cmp -s "$WORK/objects.before" "$WORK/objects.after"

# --- an optional attribute the module will not take: left out, said,
# recorded; nothing else is dropped
hrun "P11SHIM_HOSTILE=no-xts P11SHIM_REFUSE=CKA_COPYABLE" 0 \
	"refuses CKA_COPYABLE: key create dek works" \
	key create dek --label oc --size 64
grep_err "warns that the data half was made without CKA_COPYABLE" \
	"warning: the token refused CKA_COPYABLE for key 'oc', so it was made without it"
grep_err "and the tweak half" "refused CKA_COPYABLE for key 'oc.tweak'"
hrun "P11SHIM_HOSTILE=no-xts" 0 "key show --json oc" --json key show --label oc
assert "metadata: only CKA_COPYABLE omitted" \
	test "$(jq -c .omitted_attributes "$WORK/out")" = '["CKA_COPYABLE"]'
assert "both halves still not modifiable, still limited to AES-ECB" \
	test "$(jq -r '"\(.attributes.modifiable) \(.tweak_attributes.modifiable) \(.allowed_mechanisms | join(","))"' "$WORK/out")" = \
	"false false AES-ECB"
hrun - 0 "token audit: clean" token audit
grep -q "'oc' (secret key, id [0-9a-f]*) note: made without CKA_COPYABLE, which the token refused" "$WORK/out" &&
	ok "token audit notes what oc was made without" ||
	not_ok "token audit notes what oc was made without"
hrun - 0 "token audit --json" --json token audit
assert "token audit --json: the note, no finding" \
	test "$(jq -c '[(.findings | length), (.notes[] | .label, .omitted_attributes)]' "$WORK/out")" = \
	'[0,"oc",["CKA_COPYABLE"]]'

# --- a module that dies mid-trial (caml-crush's crashed proxy worker):
# one error line naming the call and the code, exit 1, never a silent 141
# from SIGPIPE; the probe stops at the first failed call
while read -r spec cmd; do
	# README "Exit codes": a module that dies mid-command is exit 1
	# shellcheck disable=SC2086
	hrun "P11SHIM_DIE=$spec" 1 "dies at $spec: $cmd" $cmd
	grep_err "dies at $spec: names the call, the trial and the code" \
		"${spec%%:*} in the [a-zA-Z -]+ trial: .*\((CKR_[A-Z_]+|CKR_0x[0-9a-f]+)\)$"
done <<EOF
C_EncryptInit:1:0xffffffffffffffff token mechanisms
C_WrapKey:1:CKR_DEVICE_ERROR token mechanisms
C_CreateObject:1:CKR_SESSION_HANDLE_INVALID token mechanisms
C_GenerateKey:1:CKR_CRYPTOKI_NOT_INITIALIZED key create root --label dead
C_DigestInit:1:CKR_GENERAL_ERROR token mechanisms
EOF
grep_err "the code is the one the module sent" \
	"C_DigestInit in the keyhash trial: .*\(CKR_GENERAL_ERROR\)"
hrun "P11SHIM_DIE=C_GetMechanismInfo:3:0xffffffffffffffff" 1 \
	"dies reading mechanism flags: token mechanisms" token mechanisms
grep_err "names C_GetMechanismInfo and the vendor code" \
	"C_GetMechanismInfo [A-Z0-9-]+: vendor-specific error \(CKR_0xffffffffffffffff\)"

# --- thin tokens (issue 12), on a second token that has an audit key
softhsm2-util --init-token --free --label thin --pin "$USER_PIN" \
	--so-pin "$SO_PIN" >/dev/null
T="$P11SEAL --module $SOFTHSM_MODULE --token pkcs11:token=thin --pin-source file:$WORK/pin"
H="$P11SEAL --module $P11SHIM --token pkcs11:token=thin --pin-source file:$WORK/pin"
# the token's default log, named after its serial
AUDIT_LOG=$WORK/state/p11seal/audit-$($T --json token info | jq -r .serial).log
check "thin: audit key" $T key create audit
check "thin: DEK made directly (two AES keys)" $T key create dek --label td --size 32

# A digest left active after a failed C_DigestKey (tpm2-pkcs11): the
# command fails naming the call, and the audit record of the failure is
# still written on the same session, with no empty "audit: " line.
hrun "P11SHIM_HOSTILE=digest-stuck" 0 "digest-stuck: token mechanisms" \
	--json token mechanisms
assert "digest-stuck: no in-token keyhash, every trial still answered" \
	test "$(jq -c '[.features.keyhash_in_token.available, .features.gcm.available, .features.dek.available]' "$WORK/out")" = \
	'[false,true,true]'
n_before=$(wc -l <"$AUDIT_LOG")
hrun "P11SHIM_HOSTILE=digest-stuck" 1 "digest-stuck: vhd encrypt fails" \
	vhd encrypt --key td "$WORK/in.raw" "$WORK/stuck.vhd" --no-progress
grep_err "digest-stuck: the error names C_DigestKey" \
	"computing the keyhash \(C_DigestKey\) of td: .*\(CKR_FUNCTION_FAILED\)"
assert "digest-stuck: no audit complaint on stderr" \
	sh -c "! grep -q 'audit: ' '$WORK/err'"
assert "digest-stuck: the failure is the audit log's new result record (after its intent)" \
	test "$(wc -l <"$AUDIT_LOG") $(tail -n 1 "$AUDIT_LOG" | jq -r '"\(.op) \(.result != "started")"')" = \
	"$((n_before + 2)) vhd.encrypt true"

# No RNG in the token (gnome-keyring): the CKA_ID comes from the host.
hrun "P11SHIM_HOSTILE=no-xts P11SHIM_FAIL=C_GenerateRandom:1:CKR_RANDOM_NO_RNG" \
	0 "no RNG: key create dek works" key create dek --label nr --size 32
hrun - 0 "no RNG: key list --json" --json key list
assert "no RNG: the DEK has a random 16-byte CKA_ID (and its half's 00)" \
	sh -c "jq -r '.[] | select(.label == \"nr\") | .id' '$WORK/out' |
		grep -qxE '[0-9a-f]{32}00'"

# CKK_SHA256_HMAC audit keys (tpm2-pkcs11's type for HMAC keys).
hrun "P11SHIM_HOSTILE=hmac-keytype" 0 "hmac-keytype: key list --json" \
	--json key list
assert "hmac-keytype: the audit key is listed as SHA256-HMAC, kind audit" \
	test "$(jq -r '.[] | select(.label == "p11seal-audit") | "\(.type) \(.kind)"' "$WORK/out")" = \
	"SHA256-HMAC audit"
n_before=$(wc -l <"$AUDIT_LOG")
hrun "P11SHIM_HOSTILE=hmac-keytype" 0 "hmac-keytype: key create dek is audited" \
	key create dek --label hk --size 32
assert "hmac-keytype: two records more (intent and result)" \
	test "$(wc -l <"$AUDIT_LOG")" -eq $((n_before + 2))
hrun "P11SHIM_HOSTILE=hmac-keytype" 0 "hmac-keytype: audit verify" audit verify

# A module that takes no secret keys at all (tpm2-pkcs11 1.9.0).
hrun "P11SHIM_HOSTILE=no-secret-keys" 0 "no-secret-keys: token mechanisms" \
	token mechanisms
assert "no-secret-keys: one line says the token cannot hold DEKs" \
	test "$(grep -c '^dek  *not possible: the token holds no AES secret keys (C_GenerateKey: CKR_FUNCTION_NOT_SUPPORTED, C_CreateObject: CKR_ATTRIBUTE_VALUE_INVALID)' "$WORK/out")" -eq 1
hrun "P11SHIM_HOSTILE=no-secret-keys" 7 "no-secret-keys: key import dek refused" \
	key import dek --label ns --raw-file "$WORK/key.raw"
grep_err "no-secret-keys: the reason is the token, not a key size" \
	"token 'thin' takes no AES secret keys at all \(C_GenerateKey: CKR_FUNCTION_NOT_SUPPORTED, C_CreateObject: CKR_ATTRIBUTE_VALUE_INVALID\)"
assert "no-secret-keys: no guess at a key size" \
	sh -c "! grep -q 'key size' '$WORK/err'"
hrun "P11SHIM_HOSTILE=no-secret-keys" 7 "no-secret-keys: key create dek refused" \
	key create dek --label ns --size 32
grep_err "no-secret-keys: create names C_GenerateKey's answer" \
	"C_GenerateKey for ns: .*\(CKR_FUNCTION_NOT_SUPPORTED\)"

# key create root on a token without AES-GCM or CKA_WRAP_WITH_TRUSTED
# (opencryptoki 3.8.1): what is missing, and what works instead.
hrun "P11SHIM_HOSTILE=no-gcm" 7 "no-gcm: key create root refused" \
	key create root --label ng
grep_err "no-gcm: says GCM is missing and what works" \
	"token 'thin' cannot encrypt with AES-GCM \(C_GetMechanismInfo: no CKM_AES_GCM\), a root key's only mechanism.*DEKs and 'kp import-root --host-assisted' work"
hrun "P11SHIM_HOSTILE=no-gcm" 7 "no-gcm: --import-ceremony refused too" \
	key create root --label ng --import-ceremony
hrun "P11SHIM_REFUSE=CKA_WRAP_WITH_TRUSTED" 7 \
	"no trusted wrapping: key create root --import-ceremony refused" \
	key create root --label nw --import-ceremony
grep_err "no trusted wrapping: says so and what works without it" \
	"token 'thin' refuses CKA_WRAP_WITH_TRUSTED \(C_GenerateKey: CKR_ATTRIBUTE_TYPE_INVALID\).*without --import-ceremony the root key never leaves"
hrun "P11SHIM_REFUSE=CKA_WRAP_WITH_TRUSTED" 0 \
	"no trusted wrapping: key create root (never extractable) works" \
	key create root --label nw
hrun - 0 "thin: key list --json" --json key list
assert "thin: the refusals left no root key behind" \
	test "$(jq -c '[.[] | select(.kind == "root") | .label]' "$WORK/out")" = '["nw"]'
H="$P11SEAL --module $P11SHIM --token pkcs11:token=hos --pin-source file:$WORK/pin"

# --- the token or session gone in the middle of a read
while read -r spec codes cmd; do
	# shellcheck disable=SC2086
	hrun "P11SHIM_FAIL=$spec" "$codes" "$spec: $cmd" $cmd
done <<EOF
C_GetSlotList:1:CKR_DEVICE_REMOVED 4 token list
C_GetTokenInfo:1:CKR_DEVICE_REMOVED 4 token info
C_OpenSession:1:CKR_DEVICE_REMOVED 4 key list
C_Login:1:CKR_SESSION_HANDLE_INVALID 1 key list
C_FindObjectsInit:1:CKR_DEVICE_REMOVED 4 token audit
C_FindObjects:2:CKR_SESSION_HANDLE_INVALID 1 key list
C_GetAttributeValue:2:CKR_DEVICE_REMOVED 4 key show --label d
C_GetAttributeValue:2:CKR_SESSION_HANDLE_INVALID 1 token audit
C_GetMechanismList:1:CKR_DEVICE_REMOVED 4 token mechanisms
EOF
# Every attribute read of an audit or a listing, not only the first ones:
# a token gone at the N-th read fails the command, whatever that read was
# for (a key, a DEK's tweak half, the secret-value probe, metadata), so no
# audit passes a key it could not ask about.
for cmd in "token audit" "key list"; do
	# shellcheck disable=SC2086
	env P11SHIM_LOG="$WORK/gav" $H $cmd >/dev/null 2>&1
	reads=$(grep -c '^C_GetAttributeValue$' "$WORK/gav")
	rm -f "$WORK/gav"
	passed=
	i=1
	while [ "$i" -le "$reads" ]; do
		# shellcheck disable=SC2086
		env P11SHIM_FAIL="C_GetAttributeValue:$i:CKR_DEVICE_REMOVED" \
			$H $cmd >/dev/null 2>&1
		[ $? -eq 4 ] || passed="$passed $i"
		i=$((i + 1))
	done
	assert "$cmd: each of its $reads attribute reads failing fails it (exit 4)${passed:+; not at read$passed}" \
		test -z "$passed" -a "$reads" -gt 3
done

# README "Exit codes": a wrong PIN is exit 3
# --- wrong PIN, ten times: exit 3 each time, the token still works
printf 9999 >"$WORK/badpin"
chmod 600 "$WORK/badpin"
n=0
while [ $n -lt 10 ]; do
	n=$((n + 1))
	expect_exit 3 "wrong PIN, try $n: exit 3" $P11SEAL --module "$SOFTHSM_MODULE" \
		--token pkcs11:token=hos --pin-source "file:$WORK/badpin" key list
done
grep_err "wrong PIN message names the cause" "PIN is incorrect \\(CKR_PIN_INCORRECT\\)"
check "the right PIN still works after 10 wrong ones" $P11 key list
assert "and the keys are all there" test "$(grep -c . "$WORK/out")" -ge 3

# README "Using it": p11seal will not spend a token's last PIN try. With
# the token saying one try is left, even a wrong PIN is refused before
# C_Login (the message is not CKR_PIN_INCORRECT); the one knob lets it try.
P11SHIM_HOSTILE=pin-final-try expect_exit 3 "last PIN try left: exit 3" \
	$P11SEAL --module "$P11SHIM" --token pkcs11:token=hos \
	--pin-source "file:$WORK/badpin" key list
grep_err "... refused before C_Login, naming the way out" \
	"one user PIN try left; refusing to risk locking it.*P11SEAL_ALLOW_FINAL_PIN_TRY"
P11SHIM_HOSTILE=pin-final-try P11SEAL_ALLOW_FINAL_PIN_TRY=1 check \
	"... P11SEAL_ALLOW_FINAL_PIN_TRY=1 logs in" $H key list

# --- the token gone between two commands
rm -rf "$WORK/hsm/tokens/"*
expect_exit 4 "token directory deleted: exit 4" $P11 key list
grep_err "missing token: one clear line" "no token matches the --token URI .*; tokens present: an uninitialised token"
assert "missing token: exactly one line" test "$(wc -l <"$WORK/err")" -eq 1
expect_exit 4 "token directory deleted: key create exits 4" \
	$P11 key create dek --label gone --size 32

done_testing
