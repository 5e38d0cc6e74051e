#!/bin/sh
# t-kp-flows.sh - tokens and Key Protect together, against the local
# kp-server: root keys imported host-assisted (SoftHSM), in the token
# (NSS softoken: session key wrapped once, kept as a never-extractable
# copy) and with the SO's trusted import key (SoftHSM + HPCS); refusal
# without --host-assisted; DEKs wrapped by Key Protect; rotation, unwrap
# of an old WDEK, rewrap; a disabled root; injected faults; and the image
# round trip through a second token. The API key must appear nowhere.
. "$(dirname "$0")/lib.sh"

if [ ! -x "$KP_SERVER" ] || ! command -v jq >/dev/null ||
	! command -v openssl >/dev/null; then
	skip "kp flows against kp-server" "kp-server, jq or openssl missing"
	done_testing
	exit 0
fi
. "$ROOT/tests/integration/kp-lib.sh"
export P11SEAL_KP_RETRY_BASE_MS=20 P11SEAL_KP_RETRY_CAP_MS=200
# every p11seal run reports secure-heap bytes still in use at exit
export P11SEAL_SECMEM_REPORT=1
# audit logs (token t4 has an audit key) never go to the user's own
export XDG_STATE_HOME="$WORK/state"

kp_start --rotate-interval 0 --enable-wait 1 ||
	{ not_ok "kp-server starts"; done_testing; exit 1; }
CA="--cacert $KP_CACERT"
hsm_setup t1
P1=$P11
softhsm2-util --init-token --free --label t2 --pin "$USER_PIN" \
	--so-pin "$SO_PIN" >/dev/null
P2="$P11SEAL --module $SOFTHSM_MODULE --token pkcs11:token=t2 --pin-source file:$WORK/pin"

# c/x: check/expect_exit that also keep every output for the leak check.
keep() { cat "$WORK/out" "$WORK/err" >>"$WORK/transcript"; }
c() { check "$@"; keep; }
x() { expect_exit "$@"; keep; }
jo() { jq -r "$1" "$WORK/out"; }
# calls METHOD PREFIX: requests kp-server logged so far
calls() {
	kp_log | jq --arg m "$1" --arg p "$2" \
		'[.entries[] | select(.method == $m and (.path | startswith($p)))] | length'
}
# named NAME: Key Protect keys of that name, any state
named() {
	$P11SEAL kp keys $CA --json --state 1,2,3,5 |
		jq --arg n "$1" '[.keys[] | select(.name == $n)] | length'
}
# labels P11: the labels of a token's keys, sorted, one line
labels() { $1 --json key list | jq -r '.[].label' | sort | tr '\n' ' '; }
# keyhash_b64: SHA-256(32 zero bytes || DEK) of a base64 DEK on stdin
keyhash_b64() { { head -c 32 /dev/zero; base64 -d; } | sha256sum | cut -c1-64; }
# kp_plain KEY WDEK: the DEK Key Protect unwraps (base64)
kp_plain() {
	kp_curl "/api/v2/keys/$1/actions/unwrap" -X POST \
		-d "{\"ciphertext\":\"$2\"}" | jq -r .plaintext
}

# --- SoftHSM: no OAEP-SHA-256, so only with --host-assisted
p0=$(calls POST /api/v2)
x 7 "SoftHSM without --host-assisted is refused" $P1 kp import-root \
	--label crk --name crk-soft $CA
grep_err "explains the SHA-256 gap" "RSA-OAEP SHA-256"
grep_err "names the host-assisted path" "pass .-host-assisted"
assert "refusal: token unchanged" [ "$(labels "$P1")" = "" ]
assert "refusal: nothing sent to Key Protect" [ "$(calls POST /api/v2)" -eq "$p0" ]

c "host-assisted import on SoftHSM" $P1 --json kp import-root --label crk \
	--name crk-soft --alias crk-soft-alias --host-assisted $CA
ROOT_ID=$(jo .key_id)
V1=$(jo .key_version)
assert "reported: host-assisted, version 1, metadata stored" \
	[ "$(jo '[.import, .ceremony, .version, .metadata_stored] | @csv')" = '"host-assisted","host-assisted",1,true' ]
assert "RSA-4096 import key with a fingerprint" \
	[ "$(jo .import_key_bits)/$(jo .import_key_sha256 | wc -c)" = "4096/65" ]
assert "CKA_ID is the key UUID then the version UUID" \
	[ "$(jo .id)" = "$(echo "$ROOT_ID$V1" | tr -d -)" ]
c "Key Protect shows the imported root key" $P1 kp key-show crk-soft-alias \
	$CA --json
assert "imported, not extractable, same id" \
	[ "$(jo '.key | [.imported, .extractable, .id] | @csv')" = "true,false,\"$ROOT_ID\"" ]
KP_CRN=$(jo .key.crn)
c "key show has the Key Protect metadata" $P1 --json key show --label crk
assert "kind root, key_id, crn, instance, key_version" \
	[ "$(jo '[.kind, .key_id, .crn, .instance, .key_version] | @csv')" = "\"root\",\"$ROOT_ID\",\"$KP_CRN\",\"$KP_INSTANCE_ID\",\"$V1\"" ]
assert "import path and kms recorded" \
	[ "$(jo '[.import, .kms] | @csv')" = '"host-assisted","keyprotect"' ]
assert "the token copy is sensitive and never leaves" \
	[ "$(jo '[.sensitive, .extractable, .attributes.modifiable] | @csv')" = "true,false,false" ]
x 7 "the same label again is refused" $P1 kp import-root --label crk \
	--name crk-again --host-assisted $CA
assert "no key named crk-again" [ "$(named crk-again)" -eq 0 ]

# --- DEKs under the root
c "key create dek --kp-root (token RNG)" $P1 --json key create dek \
	--label dek1 --size 64 --kp-root "$ROOT_ID" $CA
cp "$WORK/out" "$WORK/dek1.json"
WDEK1=$(jo .wrapped_dek)
HASH1=$(jo .keyhash)
assert "the four names for the air-gap bundle" \
	[ "$(jo '[.root_key_id, .root_key_crn, .key_version, .kms, .size] | @csv')" = "\"$ROOT_ID\",\"$KP_CRN\",\"$V1\",\"keyprotect\",64" ]
assert "Key Protect unwraps it to the DEK the token holds" \
	[ "$(kp_plain "$ROOT_ID" "$WDEK1" | keyhash_b64)" = "$HASH1" ]
c "key show of the DEK" $P1 --json key show --label dek1
assert "its metadata holds the CRN and the root key id" \
	[ "$(jo '[.kind, .root_key_crn, .root_key_id] | @csv')" = "\"dek\",\"$KP_CRN\",\"$ROOT_ID\"" ]
assert "the stored WDEK is the one printed" [ "$(jo .wrapped_dek)" = "$WDEK1" ]
assert "not extractable" [ "$(jo .extractable)" = false ]
c "--kp-generate: Key Protect makes a 32-byte DEK" $P1 --json key create \
	dek --label dek2 --kp-root crk-soft-alias --kp-generate $CA
assert "32 bytes, kp_generated, root id resolved from the alias" \
	[ "$(jo '[.size, .kp_generated, .root_key_id] | @csv')" = "32,true,\"$ROOT_ID\"" ]
assert "Key Protect's DEK is the token's" \
	[ "$(kp_plain "$ROOT_ID" "$(jo .wrapped_dek)" | keyhash_b64)" = "$(jo .keyhash)" ]
# README "Root keys and DEKs shared with Key Protect": --kp-root takes the
# token label kp import-root gave the root key, not only its id or alias
c "--kp-root crk (the token label) is the root key" $P1 -v --json key create \
	dek --label dek-bylabel --size 32 --kp-root crk $CA
assert "... wrapped under it" [ "$(jo .root_key_id)" = "$ROOT_ID" ]
grep_err "... -v says so" "kp-root crk: the token's root key, Key Protect key $ROOT_ID"
$P1 key delete --label dek-bylabel --yes >/dev/null 2>&1
c "--cacert before --kp-root (any order)" $P1 key create dek --label dek-order \
	--size 32 $CA --kp-root "$ROOT_ID"
$P1 key delete --label dek-order --yes >/dev/null 2>&1
x 4 "--kp-root naming a token DEK: exit 4" $P1 key create dek \
	--label dek-bad --kp-root dek1 $CA
grep_err "... says it is no root key in Key Protect and what --kp-root takes" \
	"the token's key 'dek1' \(dek\) is not a root key in Key Protect.*id or alias"
x 2 "--kp-generate with --size 64 is a usage error" $P1 key create dek \
	--label dek3 --size 64 --kp-root "$ROOT_ID" --kp-generate $CA
w0=$(calls POST "/api/v2/keys/$ROOT_ID/actions/wrap")
x 7 "a DEK label in use is refused before wrapping" $P1 key create dek \
	--label dek1 --kp-root "$ROOT_ID" $CA
assert "no wrap call for it" [ "$(calls POST "/api/v2/keys/$ROOT_ID/actions/wrap")" -eq "$w0" ]

# --- the image round trip through a second token
if $P11SEAL help vhd 2>/dev/null | grep -q 'vhd encrypt'; then
	truncate -s 4M "$WORK/disk.raw"
	head -c 70000 /dev/urandom | dd of="$WORK/disk.raw" bs=1 seek=1000000 \
		conv=notrunc 2>/dev/null
	c "vhd encrypt with the Key Protect DEK" $P1 vhd encrypt --key dek1 \
		--no-progress "$WORK/disk.raw" "$WORK/disk.vhd"
	c "kp unwrap of the stored WDEK into token t2" $P2 --json kp unwrap \
		--kp-root "$ROOT_ID" --wdek-file "$WORK/dek1.json" \
		--label dek1 $CA
	assert "same keyhash in t2" [ "$(jo .keyhash)" = "$HASH1" ]
	assert "not rewrapped (no rotation yet)" [ "$(jo .rewrapped)" = false ]
	c "t2 decrypts the image" $P2 vhd decrypt --key dek1 --no-progress \
		"$WORK/disk.vhd" "$WORK/disk.dec"
	check "decrypted image equals the original" cmp "$WORK/disk.raw" \
		"$WORK/disk.dec"
else
	skip "image round trip" "no vhd encrypt in this build"
fi

# --- rotation, old WDEKs, rewrap
x 7 "rotate on SoftHSM without --host-assisted is refused" $P1 kp rotate \
	--label crk $CA
c "rotate host-assisted" $P1 --json kp rotate --label crk --host-assisted $CA
V2=$(jo .key_version)
assert "new version labelled crk.v2, previous recorded" \
	[ "$(jo '[.label, .version, .previous_key_version] | @csv')" = "\"crk.v2\",2,\"$V1\"" ]
assert "a new Key Protect version" [ -n "$V2" -a "$V2" != "$V1" ]
assert "the token keeps both versions" [ "$(labels "$P1")" = "crk crk.v2 dek1 dek2 " ]
c "key show crk.v2" $P1 --json key show --label crk.v2
assert "its metadata: version 2 of crk, the new key version" \
	[ "$(jo '[.version, .root_label, .key_id, .key_version] | @csv')" = "2,\"crk\",\"$ROOT_ID\",\"$V2\"" ]
c "kp unwrap of the pre-rotation WDEK" $P1 --json kp unwrap \
	--kp-root "$ROOT_ID" --wdek-file "$WORK/dek1.json" --label dek1c $CA
assert "re-wrapped under the new version" \
	[ "$(jo '[.rewrapped, .key_version, .previous_key_version] | @csv')" = "true,\"$V2\",\"$V1\"" ]
NEW_WDEK=$(jo .wrapped_dek)
assert "a different WDEK" [ "$NEW_WDEK" != "$WDEK1" ]
assert "the same DEK" [ "$(jo .keyhash)" = "$HASH1" ]
c "key show dek1c" $P1 --json key show --label dek1c
assert "the re-wrapped WDEK is the one stored" \
	[ "$(jo '[.wrapped_dek == "'"$NEW_WDEK"'", .key_version] | @csv')" = "true,\"$V2\"" ]
c "kp rewrap --label dek1" $P1 --json kp rewrap --label dek1 $CA
assert "rewrap moved dek1 to the new version" \
	[ "$(jo '[.key_version, .previous_key_version, .rewrapped] | @csv')" = "\"$V2\",\"$V1\",true" ]
c "key show dek1 after rewrap" $P1 --json key show --label dek1
assert "stored WDEK replaced, creation date kept" \
	[ "$(jo '[.key_version, (.wrapped_dek != "'"$WDEK1"'"), (.created | length > 0), (.rewrapped | length > 0)] | @csv')" = "\"$V2\",true,true,true" ]
assert "Key Protect unwraps the stored WDEK to the same DEK" \
	[ "$(kp_plain "$ROOT_ID" "$(jo .wrapped_dek)" | keyhash_b64)" = "$HASH1" ]
c "rotate again with --drop-previous, by a version label" $P1 --json \
	kp rotate --label crk.v2 --host-assisted --drop-previous $CA
assert "crk.v3, two older versions dropped" \
	[ "$(jo '[.label, .dropped] | @csv')" = '"crk.v3",2' ]
assert "only the newest root version left" [ "$(labels "$P1")" = "crk.v3 dek1 dek1c dek2 " ]
assert "the oldest WDEK still unwraps in Key Protect" \
	[ "$(kp_plain "$ROOT_ID" "$WDEK1" | keyhash_b64)" = "$HASH1" ]
c "rotate a root whose versions were dropped" $P1 --json kp rotate \
	--label crk --host-assisted $CA
assert "crk.v4" [ "$(jo .label)" = crk.v4 ]

# --- a disabled root key: wrap refused, token unchanged
c "disable the root key" $P1 kp key-disable "$ROOT_ID" $CA
before=$(labels "$P1")
x 8 "wrap with a suspended root fails" $P1 key create dek --label dek4 \
	--kp-root "$ROOT_ID" $CA
grep_err "Key Protect's reason is shown" "KEY_ACTION_INVALID_STATE_ERR|not in active state"
assert "token unchanged" [ "$(labels "$P1")" = "$before" ]
kp_clock 2 >/dev/null
c "enable it again" $P1 kp key-enable "$ROOT_ID" $CA

# --- faults on POST /keys during an import
n0=$(calls POST /api/v2/keys)
kp_fault '{"kind":"status","status":503,"path_prefix":"/api/v2/keys","method":"POST","process":true,"count":1}' >/dev/null
c "503 after Key Protect created the key: adopted" $P1 --json kp import-root \
	--label f503 --name f-503 --host-assisted $CA
assert "reported as recovered" [ "$(jo .recovered)" = true ]
assert "one create request" [ $(($(calls POST /api/v2/keys) - n0)) -eq 1 ]
assert "exactly one Key Protect key f-503" [ "$(named f-503)" -eq 1 ]
assert "the token holds it" [ "$($P1 --json key show --label f503 | jq -r .key_id)" = "$(jo .key_id)" ]
n0=$(calls POST /api/v2/keys)
kp_fault '{"kind":"status","status":429,"retry_after":"1","path_prefix":"/api/v2/keys","method":"POST","count":1}' >/dev/null
c "429 on the create is retried" $P1 kp import-root --label f429 \
	--name f-429 --host-assisted $CA
assert "two create requests" [ $(($(calls POST /api/v2/keys) - n0)) -eq 2 ]
assert "exactly one key f-429" [ "$(named f-429)" -eq 1 ]
kp_fault '{"kind":"drop","path_prefix":"/api/v2/keys","method":"POST","count":1}' >/dev/null
c "a dropped create is retried" $P1 kp import-root --label fdrop \
	--name f-drop --host-assisted $CA
assert "exactly one key f-drop" [ "$(named f-drop)" -eq 1 ]
n0=$(calls POST /api/v2/keys)
kp_fault '{"kind":"status","status":503,"path_prefix":"/api/v2/keys","method":"POST","count":-1}' >/dev/null
x 8 "a create failing for good stops" $P1 kp import-root --label fdown \
	--name f-down --host-assisted $CA
kp_faults_clear >/dev/null
assert "bounded: at most three create requests" [ $(($(calls POST /api/v2/keys) - n0)) -le 3 ]
assert "no key f-down" [ "$(named f-down)" -eq 0 ]
x 4 "no root fdown in the token" $P1 key show --label fdown
kp_fault '{"kind":"status","status":400,"path_prefix":"/api/v2/keys","method":"POST","count":1}' >/dev/null
x 8 "Key Protect rejects the import" $P1 kp import-root --label frej \
	--name f-rej --host-assisted $CA
grep_err "the token is said to be unchanged" "unchanged"
assert "no root key frej left" [ -z "$($P1 --json key list | jq -r '.[] | select(.label == "frej") | .label')" ]

# --- the audit trail records the Key Protect operations
softhsm2-util --init-token --free --label t4 --pin "$USER_PIN" \
	--so-pin "$SO_PIN" >/dev/null
ALOG=$WORK/audit.log
P4="$P11SEAL --module $SOFTHSM_MODULE --token pkcs11:token=t4 --pin-source file:$WORK/pin --audit-log $ALOG"
c "audit key on t4" $P4 key create audit
c "audited import" $P4 --json kp import-root --label aroot \
	--name audit-root --host-assisted $CA
AUD_ID=$(jo .key_id)
c "audited DEK" $P4 --json key create dek --label adek --kp-root "$AUD_ID" $CA
cp "$WORK/out" "$WORK/adek.json"
c "audited rotate" $P4 kp rotate --label aroot --host-assisted $CA
c "audited rewrap" $P4 kp rewrap --label adek $CA
c "audited unwrap" $P4 kp unwrap --kp-root "$AUD_ID" \
	--wdek-file "$WORK/adek.json" --label adek2 $CA
x 7 "an unwrap onto a taken label" $P4 kp unwrap --kp-root "$AUD_ID" \
	--wdek-file "$WORK/adek.json" --label adek2 $CA
assert "one result record per operation, in order" \
	[ "$(jq -r 'select(.result != "started") | .op' "$ALOG" | paste -sd, -)" = "key.create,kp.import-root,key.create,key.rotate,kp.rewrap,kp.unwrap,kp.unwrap" ]
assert "each operation's intent comes first" \
	[ "$(jq -r 'select(.result == "started") | .op' "$ALOG" | paste -sd, -)" = "kp.import-root,key.create,key.rotate,kp.rewrap,kp.unwrap,kp.unwrap" ]
assert "the import names the Key Protect key" \
	[ "$(jq -r 'select(.op == "kp.import-root" and .result != "started") | .kp.key_id' "$ALOG")" = "$AUD_ID" ]
assert "the rotation names the new version's label" \
	[ "$(jq -r 'select(.op == "key.rotate" and .result != "started") | .key.label' "$ALOG")" = aroot.v2 ]
assert "the failure is recorded as one" \
	[ "$(tail -n 1 "$ALOG" | jq -r .result)" != ok ]
assert "no WDEK in the audit log" \
	[ "$(grep -cF "$(jq -r .wrapped_dek "$WORK/adek.json")" "$ALOG")" -eq 0 ]
c "audit verify" $P4 audit verify "$ALOG"

# --- NSS softoken: the import inside the token
if [ -f "$NSS_MODULE" ] && command -v certutil >/dev/null &&
	nss_setup "$WORK/nss"; then
	c "in-token import on NSS softoken" $P11NSS --json kp import-root \
		--label nroot --name crk-nss $CA
	NSS_ID=$(jo .key_id)
	assert "in-token, session copy, no metadata (NSS keeps none)" \
		[ "$(jo '[.import, .ceremony, .metadata_stored] | @csv')" = '"in-token","session-copy",false' ]
	assert "CKA_ID carries the key and version UUIDs" \
		[ "$(jo .id)" = "$(echo "$NSS_ID$(jo .key_version)" | tr -d -)" ]
	c "NSS key show" $P11NSS --json key show --label nroot
	assert "never extractable, not modifiable, no usage (no keystream oracle)" \
		[ "$(jo '[.kind, .extractable, .attributes.modifiable, .attributes.decrypt, .attributes.encrypt] | @csv')" = '"root",false,false,false,false' ]
	assert "no import key left on NSS" [ "$($P11NSS --json key list | jq '[.[] | select(.class == "public-key")] | length')" -eq 0 ]
	w0=$(calls POST "/api/v2/keys/$NSS_ID/actions/wrap")
	x 7 "a DEK on NSS without --wdek-out is refused" $P11NSS key create \
		dek --label ndek --kp-root "$NSS_ID" $CA
	grep_err "says why" "wdek-out"
	assert "nothing was wrapped" [ "$(calls POST "/api/v2/keys/$NSS_ID/actions/wrap")" -eq "$w0" ]
	c "a DEK on NSS with --wdek-out" $P11NSS --json key create dek \
		--label ndek --kp-root "$NSS_ID" --wdek-out "$WORK/ndek.json" $CA
	assert "the record file has the four names" \
		[ "$(jq -r '[.wrapped_dek == "'"$(jo .wrapped_dek)"'", .root_key_crn, .root_key_id, .key_version] | @csv' "$WORK/ndek.json")" = "true,\"$(jo .root_key_crn)\",\"$NSS_ID\",\"$NSS_ID\"" ]
	assert "Key Protect unwraps it to the NSS DEK" \
		[ "$(kp_plain "$NSS_ID" "$(jo .wrapped_dek)" | keyhash_b64)" = "$(jo .keyhash)" ]
	c "rotate on NSS" $P11NSS --json kp rotate --label nroot $CA
	assert "nroot.v2, in the token" \
		[ "$(jo '[.label, .ceremony] | @csv')" = '"nroot.v2","session-copy"' ]
	assert "both versions kept apart (NSS merges equal CKA_IDs)" \
		[ "$(labels "$P11NSS")" = "ndek nroot nroot.v2 " ]
	c "kp rewrap of the record file" $P11NSS --json kp rewrap \
		--wdek-file "$WORK/ndek.json" --wdek-out "$WORK/ndek2.json" $CA
	assert "the new record names the new version" \
		[ "$(jq -r .key_version "$WORK/ndek2.json")" = "$(jo .key_version)" ]
	assert "which is not the first" [ "$(jo .key_version)" != "$NSS_ID" ]
	x 4 "kp rewrap --label on NSS: no record in the token" $P11NSS kp rewrap \
		--label ndek $CA
	kp_fault '{"kind":"status","status":400,"path_prefix":"/api/v2/keys","method":"POST","count":1}' >/dev/null
	x 8 "Key Protect rejects an NSS in-token import" $P11NSS kp import-root \
		--label nrej --name crk-nss-rej $CA
	assert "NSS token unchanged" [ "$(labels "$P11NSS")" = "ndek nroot nroot.v2 " ]
else
	skip "NSS softoken flows" "NSS softoken or certutil missing"
fi

# --- HPCS: OAEP-SHA-1 and a CBC nonce, which SoftHSM can do in the token;
# its trusted wrapping makes this the SO ceremony
kp_start --rotate-interval 0 --hpcs ||
	{ not_ok "kp-server --hpcs starts"; done_testing; exit 1; }
softhsm2-util --init-token --free --label t3 --pin "$USER_PIN" \
	--so-pin "$SO_PIN" >/dev/null
P3="$P11SEAL --module $SOFTHSM_MODULE --token pkcs11:token=t3 --pin-source file:$WORK/pin"
printf '%s' "$SO_PIN" >"$WORK/sopin"
printf 'wrong-so-pin' >"$WORK/badsopin"
chmod 600 "$WORK/sopin" "$WORK/badsopin"
x 3 "a wrong SO PIN stops the ceremony" $P3 kp import-root --label hroot \
	--name crk-hpcs --hpcs --so-pin-source "file:$WORK/badsopin" $CA
assert "token unchanged" [ "$(labels "$P3")" = "" ]
c "HPCS import with the SO's trusted import key" $P3 --json kp import-root \
	--label hroot --name crk-hpcs --hpcs --so-pin-source "file:$WORK/sopin" $CA
HPCS_ID=$(jo .key_id)
assert "in-token, trusted wrap, kms hpcs" \
	[ "$(jo '[.import, .ceremony, .kms] | @csv')" = '"in-token","trusted-wrap","hpcs"' ]
assert "the import key was labelled by its fingerprint" \
	[ "$(jo .import_key_label)" = "kp-import-$(jo .import_key_sha256 | cut -c1-8)" ]
assert "the import key is gone" [ "$(labels "$P3")" = "hroot " ]
c "HPCS root key show" $P3 --json key show --label hroot
assert "kept as a copy that is not extractable, CBC-PAD only, not modifiable" \
	[ "$(jo '[.attributes.extractable, .attributes.token, .allowed_mechanisms[0], .attributes.modifiable, .kms] | @csv')" = 'false,true,"AES-CBC-PAD",false,"hpcs"' ]
kp_fault '{"kind":"status","status":400,"path_prefix":"/api/v2/keys","method":"POST","count":1}' >/dev/null
x 8 "Key Protect rejects a trusted import" $P3 kp import-root \
	--label hroot2 --name crk-hpcs2 --hpcs \
	--so-pin-source "file:$WORK/sopin" $CA
assert "the root key made before the POST is gone, and the import key" \
	[ "$(labels "$P3")" = "hroot " ]
c "HPCS rotate" $P3 --json kp rotate --label hroot --hpcs \
	--so-pin-source "file:$WORK/sopin" $CA
assert "hroot.v2 by the SO ceremony" \
	[ "$(jo '[.label, .ceremony, .key_id] | @csv')" = "\"hroot.v2\",\"trusted-wrap\",\"$HPCS_ID\"" ]
assert "no import key left" [ "$(labels "$P3")" = "hroot hroot.v2 " ]

# --- the API key: never in output, errors or files
leaks=$(grep -rlF "$IBMCLOUD_API_KEY" "$WORK" 2>/dev/null |
	grep -v -e "$KP_DIR/apikey$" -e "$KP_DIR/apikeys$")
assert "API key in no output, error or file ($leaks)" [ -z "$leaks" ]
assert "the transcript is there to search" [ -s "$WORK/transcript" ]
assert "every run wiped and freed its secrets" \
	[ "$(grep -c 'secure heap in use at exit: [1-9]' "$WORK/transcript")" -eq 0 ]
n=$(grep -c 'secure heap in use at exit: 0 bytes' "$WORK/transcript")
assert "and said so ($n runs)" [ "$n" -gt 20 ]

done_testing
