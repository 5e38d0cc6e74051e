#!/bin/sh
# t-attacks.sh - the classic key-extraction attacks tried with an
# independent tool (OpenSC's pkcs11-tool, logged in with the user PIN)
# against every kind of key p11seal makes, on a throw-away SoftHSM token:
# each must fail, the same attacks must succeed against keys pkcs11-tool
# makes with the token's defaults, and `token audit` must flag exactly
# those. tests/unit/test_attacks.c runs the full set with raw PKCS#11 on
# SoftHSM and NSS softoken; this file shows it from outside p11seal.
# Checks README "Threat model", README "PKCS#11 attacks".
. "$(dirname "$0")/lib.sh"

hsm_setup atk
export XDG_STATE_HOME="$WORK/state" # the audit log, once there is a key
IV=00000000000000000000000000000000
ptool() {
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label atk --login \
		--pin "$USER_PIN" "$@"
}
key_id() { $P11 --json key show --label "$1" | jq -r .id; }
# The tweak half's CKA_ID: the data half's with role byte 01.
tweak_id() { printf '%s01' "$(key_id "$1" | sed 's/..$//')"; }

# --- every kind of key p11seal makes
check "root key" $P11 key create root --label root
check "never-extractable root key" $P11 key create root --label rootlocked \
	--never-extractable
check "DEK 32" $P11 key create dek --label dek32 --size 32
check "DEK 64" $P11 key create dek --label dek64 --size 64
check "exportable DEK" $P11 key create dek --label dekx --size 64 --exportable
head -c 64 /dev/urandom >"$WORK/import.key"
check "imported DEK" $P11 key import dek --label imported \
	--raw-file "$WORK/import.key"
labels="root rootlocked dek32 dek64 dekx imported"
# The audit log's HMAC key where this build has one.
$P11 key create audit --label auditkey >"$WORK/out" 2>&1
case $? in
0) ok "audit key"; labels="$labels auditkey" ;;
2) skip "audit key" "no 'key create audit' in this build" ;;
*) not_ok "audit key: $(tail -1 "$WORK/out")" ;;
esac
# Air-gap transport keys (RSA, unwrap only) where this build has them.
$P11 key create transport --label transport --bits 3072 >"$WORK/out" 2>&1
case $? in
0) ok "transport key"; transport=1 ;;
2) skip "transport key" "no 'key create transport' in this build"; transport= ;;
*) not_ok "transport key: $(tail -1 "$WORK/out")"; transport= ;;
esac
ids=""
for l in $labels; do
	ids="$ids $l:$(key_id "$l")"
	case $l in dek*|imported) ids="$ids $l.tweak:$(tweak_id "$l")" ;; esac
done
diag "p11seal keys: $ids"

check "token audit: p11seal's keys are clean" $P11 token audit
grep -q "no findings" "$WORK/out" && ok "audit says no findings" ||
	not_ok "audit says no findings: $(cat "$WORK/out")"

# --- the attacker's key, as pkcs11-tool makes it: SoftHSM's defaults
ptool --keygen --key-type AES:32 --label tool-kek --id 7001 \
	--usage-wrap --usage-decrypt >"$WORK/kek.txt" 2>&1
grep -q "wrap" "$WORK/kek.txt" && ok "pkcs11-tool key can wrap" ||
	not_ok "pkcs11-tool key can wrap: $(cat "$WORK/kek.txt")"

for pair in $ids; do
	l=${pair%%:*} id=${pair#*:}
	assert "$l: pkcs11-tool cannot read CKA_VALUE" \
		sh -c "! pkcs11-tool --module '$SOFTHSM_MODULE' --token-label atk --login --pin $USER_PIN --read-object --type secrkey --id $id >/dev/null 2>&1"
	for mech in AES-CBC AES-KEY-WRAP; do
		rm -f "$WORK/blob"
		ptool --wrap --id 7001 --application-id "$id" -m $mech \
			--iv $IV -o "$WORK/blob" >"$WORK/out" 2>"$WORK/err"
		rc=$?
		if [ "$rc" -ne 0 ] && [ ! -s "$WORK/blob" ] &&
			grep -qE "CKR_KEY_(UNEXTRACTABLE|NOT_WRAPPABLE)" "$WORK/err"; then
			ok "$l: wrap under the attacker's key ($mech) refused: $(grep -oE 'CKR_KEY_[A-Z_]+' "$WORK/err" | head -1)"
		else
			not_ok "$l: wrap under the attacker's key ($mech): exit $rc, $(tail -1 "$WORK/err")"
		fi
	done
done

# pkcs11-tool neither wraps nor reads private keys; its listing must show
# the transport key's private half as unwrap-only and never extractable.
if [ -n "$transport" ]; then
	ptool --list-objects 2>/dev/null | awk '
		/^Private Key Object/ { p = 1; next }
		/^[^ ]/ { p = 0 }
		p && /^ *(Usage|Access):/ { sub(/^ *[A-Za-z]+: */, ""); printf "%s|", $0 }
	' >"$WORK/priv.txt"
	assert "transport private key: unwrap only, sensitive, never extractable" \
		test "$(cat "$WORK/priv.txt")" = "unwrap|sensitive, always sensitive, never extractable, local|"
fi

# --- the control: the same attack against a key pkcs11-tool made
head -c 32 /dev/urandom >"$WORK/victim.key"
ptool --write-object "$WORK/victim.key" --type secrkey --key-type AES:32 \
	--label tool-victim --id 7002 --sensitive --extractable >/dev/null 2>&1
assert "control: the victim's value cannot be read directly" \
	sh -c "! pkcs11-tool --module '$SOFTHSM_MODULE' --token-label atk --login --pin $USER_PIN --read-object --type secrkey --id 7002 >/dev/null 2>&1"
ptool --wrap --id 7001 --application-id 7002 -m AES-CBC --iv $IV \
	-o "$WORK/blob" >/dev/null 2>&1
ptool --decrypt --id 7001 -m AES-CBC --iv $IV -i "$WORK/blob" \
	-o "$WORK/plain" >/dev/null 2>&1
assert "control: wrap-then-decrypt with pkcs11-tool recovers the key" \
	cmp -s "$WORK/plain" "$WORK/victim.key"

# --- the audit sees it
expect_exit 6 "token audit exits 6 on the tool-made keys" $P11 token audit
grep -q "'tool-kek' (secret key, id 7001) wrap-then-decrypt" "$WORK/out" &&
	ok "audit flags the tool's KEK: wrap-then-decrypt" ||
	not_ok "audit flags the tool's KEK: $(head -c 400 "$WORK/out")"
grep -q "'tool-victim' (secret key, id 7002) extractable-untrusted" "$WORK/out" &&
	ok "audit flags the tool's victim: extractable-untrusted" ||
	not_ok "audit flags the tool's victim"
grep_err "audit summary on stderr" "findings in 2 of"
for l in $labels ${transport:+transport}; do
	if grep -qE "^'$l(\.tweak)?' " "$WORK/out"; then
		not_ok "audit does not flag p11seal key $l"
	else
		ok "audit does not flag p11seal key $l"
	fi
done
expect_exit 6 "token audit --json" $P11 --json token audit
assert "JSON: findings name the tool keys only" \
	test "$(jq -r '[.findings[].label] | unique | join(",")' "$WORK/out")" = tool-kek,tool-victim
assert "JSON: every finding has attack and why" \
	test "$(jq '[.findings[] | has("attack") and has("why") and has("id")] | all' "$WORK/out")" = true
ptool --keygen --key-type AES:16 --label kek128 --id 7003 --usage-wrap \
	--sensitive >/dev/null 2>&1
expect_exit 6 "audit with an AES-128 KEK" $P11 --json token audit
assert "JSON: AES-128 KEK next to an extractable AES-256 key is weak" \
	test "$(jq -r '[.findings[] | select(.label=="kek128") | .attack] | index("weak-wrapper") != null' "$WORK/out")" = true

# --- NSS softoken: measured, not fixable by p11seal (README)
if [ -f "$NSS_MODULE" ] && command -v certutil >/dev/null &&
	nss_setup "$WORK/nss"; then
	check "NSS: DEK" $P11NSS key create dek --label d --size 32
	expect_exit 6 "NSS: token audit flags even p11seal's DEK" \
		$P11NSS --json token audit
	assert "NSS: the reason is the token: it wraps non-extractable keys" \
		test "$(jq -r '[.findings[] | select(.label=="d") | .why] | .[0]' "$WORK/out" | grep -c 'CKA_EXTRACTABLE=false')" = 1
else
	skip "NSS softoken audit" "libnss3/libnss3-tools not installed"
fi

done_testing
