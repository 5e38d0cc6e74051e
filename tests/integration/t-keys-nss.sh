#!/bin/sh
# t-keys-nss.sh - the key commands on a second PKCS#11 implementation, NSS
# softoken (no daemon: a database directory and an init string), so nothing
# depends on SoftHSM's quirks.
# Checks README "Tokens it was run on", README "What the second token taught us".
. "$(dirname "$0")/lib.sh"

if [ ! -f "$NSS_MODULE" ] || ! command -v certutil >/dev/null; then
	skip "NSS softoken tests" "libnss3/libnss3-tools not installed"
	done_testing
	exit 0
fi
nss_setup "$WORK/nss" || { not_ok "certutil -N"; done_testing; exit 1; }
IBM_HASH=21681bba94f04b33b112f5f90a0faa885a6d1dbf1bd68ed16c5b995143088eda
echo Nrfen98EpMxF2B+wdgLfagzrqvgUZfMK4vL2T0NsT20ihrsNC9pUUHtizF6218pze8RLCgQ6kwxuE58IWLzgDA== |
	base64 -d >"$WORK/ibm.key"

check "NSS: token list" $P11NSS token list
check "NSS: token mechanisms --json" $P11NSS --json token mechanisms
assert "NSS: OAEP-SHA-256 wrap works (trial)" \
	test "$(jq -r .features.oaep_sha256_wrap.available "$WORK/out")" = true
assert "NSS: GCM works (trial)" \
	test "$(jq -r .features.gcm.available "$WORK/out")" = true
assert "NSS: no native XTS, ECB composition" \
	test "$(jq -r .features.xts.detail "$WORK/out")" = "composed from two AES keys with batched CKM_AES_ECB"
check "NSS: key create root" $P11NSS key create root --label root1
check "NSS: key create dek 64" $P11NSS key create dek --label dek64 --size 64
check "NSS: key create dek 32" $P11NSS key create dek --label dek32 --size 32
check "NSS: key import dek" $P11NSS key import dek --label ibm --raw-file "$WORK/ibm.key"
grep_err "NSS: says metadata cannot be kept" "cannot store data objects"
check "NSS: key show --json" $P11NSS --json key show --label ibm
assert "NSS: IBM keyhash from the token (halves not merged)" \
	test "$(jq -r .keyhash "$WORK/out")" = "$IBM_HASH"
assert "NSS: imported DEK sensitive, not extractable" \
	test "$(jq -r '"\(.sensitive) \(.extractable)"' "$WORK/out")" = "true false"
check "NSS: key list --json" $P11NSS --json key list
assert "NSS: four keys, kinds inferred" \
	test "$(jq -r '[.[] | .kind] | sort | join(",")' "$WORK/out")" = dek,dek,dek,root
assert "NSS: generated DEK never extractable" \
	test "$(jq -r '.[] | select(.label=="dek64") | .never_extractable' "$WORK/out")" = true
check "NSS: key show dek64" $P11NSS --json key show --label dek64
assert "NSS: DEK data half decrypts, tweak half does not" \
	test "$(jq -r '"\(.attributes.decrypt) \(.tweak_attributes.decrypt)"' "$WORK/out")" = "true false"
printf 9999 >"$WORK/badpin"; chmod 600 "$WORK/badpin"
expect_exit 3 "NSS: wrong PIN exits 3" $P11SEAL --module "$NSS_MODULE" \
	--module-init-args "configdir='sql:$WORK/nss'" \
	--token "pkcs11:token=NSS%20Certificate%20DB" --pin-source "file:$WORK/badpin" key list
expect_exit 7 "NSS: duplicate label refused" $P11NSS key create dek --label ibm --size 32
check "NSS: key delete" $P11NSS key delete --label dek32 --yes
check "NSS: key list after delete" $P11NSS --json key list
assert "NSS: three keys left" test "$(jq length "$WORK/out")" = 3

done_testing
