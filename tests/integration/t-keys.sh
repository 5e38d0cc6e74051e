#!/bin/sh
# t-keys.sh - token and key commands on a throw-away SoftHSM token,
# cross-checked with OpenSC's pkcs11-tool, and every bad input of the
# foundation issue: one clear line, a documented exit code, token unchanged.
# Checks README "How keys are kept", README "Tokens it was run on".
. "$(dirname "$0")/lib.sh"

hsm_setup st1
IBM_B64=Nrfen98EpMxF2B+wdgLfagzrqvgUZfMK4vL2T0NsT20ihrsNC9pUUHtizF6218pze8RLCgQ6kwxuE58IWLzgDA==
IBM_HASH=21681bba94f04b33b112f5f90a0faa885a6d1dbf1bd68ed16c5b995143088eda
SEQ_HASH=bb2275c49f28ad52cae6d55e34a974a58c7a3ba26f976e8ecbbe7a536918dc73
echo "$IBM_B64" | base64 -d >"$WORK/ibm.key"
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(32)))' >"$WORK/seq.key"

ptool() {
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label st1 --login \
		--pin "$USER_PIN" "$@" 2>/dev/null
}
snapshot() { $P11 --json key list >"$WORK/snap.$1" 2>/dev/null; }
unchanged() { cmp -s "$WORK/snap.$1" "$WORK/snap.$2"; }

# --- token commands
check "token list shows the token" $P11 token list
grep -q "st1" "$WORK/out" && ok "token list names st1" || not_ok "token list names st1"
check "token list --json" $P11 --json token list
assert "token list JSON has label and serial" \
	test "$(jq -r '.[] | select(.label=="st1") | .serial | length' "$WORK/out")" -gt 0
check "token info --json" $P11 --json token info
assert "token info reports login required" \
	test "$(jq -r .flags.login_required "$WORK/out")" = true
check "token mechanisms --json" $P11 --json token mechanisms
assert "SoftHSM: XTS composed from ECB" \
	test "$(jq -r .features.xts.available "$WORK/out")" = true
assert "SoftHSM: no OAEP-SHA-256 wrap (measured trial)" \
	test "$(jq -r .features.oaep_sha256_wrap.available "$WORK/out")" = false
assert "SoftHSM: keyhash in token possible" \
	test "$(jq -r .features.keyhash_in_token.available "$WORK/out")" = true

# --- key creation
check "key create root" $P11 key create root --label root1
check "key create dek 64" $P11 key create dek --label dek64 --size 64
check "key create dek 32" $P11 key create dek --label dek32 --size 32
check "key import dek (IBM example key)" $P11 key import dek --label ibm \
	--raw-file "$WORK/ibm.key"
grep_err "import warns the raw file is still a secret" "plaintext copy"
check "key import dek (00..1f)" $P11 key import dek --label seq \
	--raw-file "$WORK/seq.key"
check "key show --json ibm" $P11 --json key show --label ibm
cp "$WORK/out" "$WORK/ibm.json"
assert "IBM example keyhash comes out of the token" \
	test "$(jq -r .keyhash "$WORK/ibm.json")" = "$IBM_HASH"
assert "imported DEK is 64 bytes, kind dek" \
	test "$(jq -r '"\(.size) \(.kind)"' "$WORK/ibm.json")" = "64 dek"
assert "imported DEK sensitive and not extractable" \
	test "$(jq -r '"\(.sensitive) \(.extractable)"' "$WORK/ibm.json")" = "true false"
assert "imported DEK is not 'never extractable' (provenance honest)" \
	test "$(jq -r .never_extractable "$WORK/ibm.json")" = false
check "key show --json seq" $P11 --json key show --label seq
assert "keyhash of key 00..1f" test "$(jq -r .keyhash "$WORK/out")" = "$SEQ_HASH"
assert "32-byte DEK size" test "$(jq -r .size "$WORK/out")" = 32

check "key show --json dek64" $P11 --json key show --label dek64
cp "$WORK/out" "$WORK/dek64.json"
assert "generated DEK always sensitive, never extractable" \
	test "$(jq -r '"\(.always_sensitive) \(.never_extractable)"' "$WORK/dek64.json")" = "true true"
assert "DEK data half: encrypt+decrypt, no wrap/unwrap" \
	test "$(jq -r '.attributes | "\(.encrypt)\(.decrypt)\(.wrap)\(.unwrap)"' "$WORK/dek64.json")" = truetruefalsefalse
assert "DEK tweak half: encrypt only" \
	test "$(jq -r '.tweak_attributes | "\(.encrypt)\(.decrypt)\(.wrap)\(.unwrap)"' "$WORK/dek64.json")" = truefalsefalsefalse
assert "DEK halves have different check values" \
	test "$(jq -r '.check_value != .tweak_check_value' "$WORK/dek64.json")" = true
assert "DEK limited to AES-ECB" \
	test "$(jq -r '.allowed_mechanisms | join(",")' "$WORK/dek64.json")" = AES-ECB
check "key show --json root1" $P11 --json key show --label root1
assert "root key: never extractable, no decrypt, no wrap" \
	test "$(jq -r '.attributes | "\(.extractable)\(.never_extractable)\(.decrypt)\(.wrap)"' "$WORK/out")" = falsetruefalsefalse
assert "root key limited to AES-GCM" \
	test "$(jq -r '.allowed_mechanisms | join(",")' "$WORK/out")" = AES-GCM

check "key list --json" $P11 --json key list
cp "$WORK/out" "$WORK/list.json"
assert "key list shows 5 keys (DEK halves as one)" \
	test "$(jq length "$WORK/list.json")" = 5
assert "key list kinds" test "$(jq -r '[.[] | .kind] | sort | join(",")' "$WORK/list.json")" = dek,dek,dek,dek,root
for k in label id kind size sensitive extractable always_sensitive never_extractable; do
	assert "key list JSON has '$k' for every key" \
		test "$(jq "[.[] | has(\"$k\")] | all" "$WORK/list.json")" = true
done

# --- independent view: OpenSC pkcs11-tool
ptool --list-objects | /usr/bin/python3 "$ROOT/tests/integration/pkcs11_tool_objects.py" >"$WORK/ptool.json"
assert "pkcs11-tool sees the IBM DEK's two halves" \
	test "$(jq -r '[.ibm, ."ibm.tweak"] | map(.header) | join("|")' "$WORK/ptool.json")" = "Secret Key Object; AES length 32|Secret Key Object; AES length 32"
assert "pkcs11-tool: same CKA_ID as key show" \
	test "$(jq -r .ibm.id "$WORK/ptool.json")" = "$(jq -r .id "$WORK/ibm.json")"
assert "pkcs11-tool: data half usage encrypt, decrypt" \
	test "$(jq -r '.dek64.usage | join(",")' "$WORK/ptool.json")" = "encrypt,decrypt"
assert "pkcs11-tool: tweak half usage encrypt" \
	test "$(jq -r '."dek64.tweak".usage | join(",")' "$WORK/ptool.json")" = "encrypt"
assert "pkcs11-tool: generated DEK sensitive, never extractable, local" \
	test "$(jq -r '.dek64.access | join(",")' "$WORK/ptool.json")" = "sensitive,always sensitive,never extractable,local"
assert "pkcs11-tool: imported DEK only sensitive" \
	test "$(jq -r '.ibm.access | join(",")' "$WORK/ptool.json")" = "sensitive"
assert "pkcs11-tool cannot read the DEK value" \
	sh -c "! pkcs11-tool --module '$SOFTHSM_MODULE' --token-label st1 --login --pin $USER_PIN --read-object --type secrkey --label ibm >/dev/null 2>&1"

# --- secrets never on argv
snapshot before
expect_exit 2 "--pin on argv is refused" $P11SEAL --pin 1234 key list
grep_err "refusal says how to pass the PIN" "pin-source"
expect_exit 2 "pin-value in the URI is refused" $P11SEAL --module "$SOFTHSM_MODULE" \
	--token "pkcs11:token=st1?pin-value=1234" key list
grep_err "pin-value refusal is clear" "pin-value.*refused"
expect_exit 2 "--so-pin on argv is refused" $P11SEAL token init --label x --so-pin 1
printf 9999 >"$WORK/badpin"; chmod 600 "$WORK/badpin"
expect_exit 3 "wrong PIN exits 3" $P11SEAL --module "$SOFTHSM_MODULE" \
	--token pkcs11:token=st1 --pin-source "file:$WORK/badpin" key list
grep_err "wrong PIN message" "PIN is incorrect"
chmod 644 "$WORK/badpin"
expect_exit 7 "world-readable PIN file is refused" $P11SEAL --module "$SOFTHSM_MODULE" \
	--token pkcs11:token=st1 --pin-source "file:$WORK/badpin" key list
grep_err "PIN file mode message" "0600"
P11SEAL_TEST_PIN=$USER_PIN expect_exit 0 "PIN from env:VAR" $P11SEAL --module "$SOFTHSM_MODULE" \
	--token pkcs11:token=st1 --pin-source env:P11SEAL_TEST_PIN key list
expect_exit 0 "PIN from fd:N" sh -c "$P11SEAL --module '$SOFTHSM_MODULE' --token pkcs11:token=st1 --pin-source fd:3 key list 3<'$WORK/pin'"
expect_exit 3 "no PIN source and no terminal exits 3" setsid $P11SEAL \
	--module "$SOFTHSM_MODULE" --token pkcs11:token=st1 key list

# --- bad input: one line, documented code, token unchanged
expect_exit 4 "missing token exits 4" $P11SEAL --module "$SOFTHSM_MODULE" \
	--token pkcs11:token=nope --pin-source "file:$WORK/pin" key list
grep_err "missing token names what is present" "tokens present: 'st1'"
expect_exit 4 "unknown module path exits 4" $P11SEAL --module /nonexistent/lib.so \
	--token pkcs11:token=st1 key list
grep_err "module error names the path" "/nonexistent/lib.so"
expect_exit 2 "malformed URI exits 2" $P11SEAL --module "$SOFTHSM_MODULE" \
	--token "pkcs11:tokn=st1" key list
grep_err "malformed URI names the attribute" "tokn"
expect_exit 2 "URI without scheme exits 2" $P11SEAL --module "$SOFTHSM_MODULE" \
	--token "token=st1" key list
head -c 31 "$WORK/ibm.key" >"$WORK/short.key"
# README "Exit codes": the key-file example line, exit 5
expect_exit 5 "31-byte key file exits 5" $P11 key import dek --label x --raw-file "$WORK/short.key"
grep_err "wrong size names file and size" "short.key holds 31 bytes"
{ cat "$WORK/ibm.key"; echo; } >"$WORK/nl.key"
expect_exit 5 "key file with trailing newline exits 5" $P11 key import dek --label x --raw-file "$WORK/nl.key"
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(16))*2)' >"$WORK/equal.key"
expect_exit 7 "key with equal halves exits 7" $P11 key import dek --label x --raw-file "$WORK/equal.key"
grep_err "equal halves message" "halves of the key are equal"
expect_exit 4 "missing key file exits 4" $P11 key import dek --label x --raw-file "$WORK/none.key"
expect_exit 7 "duplicate DEK label exits 7" $P11 key create dek --label ibm --size 32
grep_err "duplicate label message" "already exists"
expect_exit 7 "duplicate root label exits 7" $P11 key create root --label root1
expect_exit 2 "bad DEK size exits 2" $P11 key create dek --label y --size 48
expect_exit 4 "show of a missing key exits 4" $P11 key show --label nope
expect_exit 2 "delete without --yes and no terminal exits 2" setsid $P11 key delete --label dek32
snapshot after
assert "token unchanged by every refused command" unchanged before after
ptool --keygen --key-type AES:16 --label dup >/dev/null
ptool --keygen --key-type AES:16 --label dup >/dev/null
expect_exit 2 "label matching two objects exits 2" $P11 key show --label dup
grep_err "ambiguous label message" "matches more than one"

# --- delete
check "key delete --yes removes a DEK" $P11 key delete --label dek32 --yes
ptool --list-objects | /usr/bin/python3 "$ROOT/tests/integration/pkcs11_tool_objects.py" >"$WORK/ptool2.json"
assert "both halves and metadata are gone" \
	test "$(jq -r '[has("dek32"), has("dek32.tweak")] | any' "$WORK/ptool2.json")" = false
assert "other keys remain" test "$(jq -r 'has("dek64")' "$WORK/ptool2.json")" = true

# --- token init on SoftHSM's free slot
printf 87654321 >"$WORK/sopin"; chmod 600 "$WORK/sopin"
check "token init on the free slot" $P11SEAL --module "$SOFTHSM_MODULE" \
	--pin-source "file:$WORK/pin" token init --label fresh --so-pin-source "file:$WORK/sopin"
check "the new token logs in with the new PIN" $P11SEAL --module "$SOFTHSM_MODULE" \
	--token pkcs11:token=fresh --pin-source "file:$WORK/pin" key list
expect_exit 7 "re-initialising a token needs --force" $P11SEAL --module "$SOFTHSM_MODULE" \
	--token pkcs11:token=st1 --pin-source "file:$WORK/pin" token init --label st1 \
	--so-pin-source "file:$WORK/sopin"

done_testing
