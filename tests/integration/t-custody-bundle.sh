#!/bin/sh
# t-custody-bundle.sh - issue 11, attack 2: a DEK bundle forged from the
# station's public key alone. The forger (Python cryptography, no token)
# wraps a DEK of their choosing for the station with a correct keyhash and
# binding; unsigned (format 1), signed by their own key, or claiming the
# bridge's signer. Each is refused with no C_UnwrapKey ever sent (the test
# shim logs every call), and the station token is left as it was; a copy
# of the forger's key the user puts in the token counts for nothing
# without the SO's CKA_TRUSTED. The same forgery signed by the bridge's
# key imports, so the signature is what stops it; the genuine handover
# still works and both sides encrypt an image to the same bytes.
. "$(dirname "$0")/lib.sh"

if [ ! -f "${P11SHIM:-}" ]; then
	skip "forged bundle tests" "test shim not built (P11SHIM)"
	done_testing
	exit 0
fi
hsm_setup station "$WORK/station"
hsm_setup bridge "$WORK/bridge"
unset SOFTHSM2_CONF
SC=$WORK/station/softhsm2.conf BC=$WORK/bridge/softhsm2.conf
TOOL=$ROOT/tests/integration/bundle_tool.py
CALLS=$WORK/calls.log
export XDG_STATE_HOME="$WORK/state"
printf '%s' "$SO_PIN" >"$WORK/sopin"
chmod 600 "$WORK/sopin"
station() {
	SOFTHSM2_CONF=$SC "$P11SEAL" --module "$SOFTHSM_MODULE" \
		--token pkcs11:token=station --pin-source "file:$WORK/pin" "$@"
}
bridge() {
	SOFTHSM2_CONF=$BC "$P11SEAL" --module "$SOFTHSM_MODULE" \
		--token pkcs11:token=bridge --pin-source "file:$WORK/pin" "$@"
}
# shimmed: the station through the logging shim, the log emptied first.
shimmed() {
	: >"$CALLS"
	SOFTHSM2_CONF=$SC P11SHIM_TARGET=$SOFTHSM_MODULE P11SHIM_LOG=$CALLS \
		"$P11SEAL" --module "$P11SHIM" --token pkcs11:token=station \
		--pin-source "file:$WORK/pin" "$@"
}
ptool() { # ptool CONF TOKEN ARGS...
	conf=$1 tok=$2
	shift 2
	SOFTHSM2_CONF=$conf pkcs11-tool --module "$SOFTHSM_MODULE" \
		--token-label "$tok" --login --pin "$USER_PIN" "$@" 2>/dev/null
}
no_unwrap() { # no_unwrap DESC: the last shimmed run sent no C_UnwrapKey
	assert "$1: the log saw the run" grep -q C_FindObjects "$CALLS"
	assert "$1: no C_UnwrapKey was sent" sh -c "! grep -q C_UnwrapKey '$CALLS'"
}
snapshot() {
	station --json key list >"$WORK/snap.$1" 2>/dev/null
}

# --- the handover's keys: station transport key, bridge signer, pins
check "station: transport key" station key create transport --label T \
	--bits 3072
check "station: export-public" station key export-public --label T \
	--out "$WORK/station.pem"
check "bridge: SO trusts the station key" bridge key trust-transport \
	--pubkey "$WORK/station.pem" --label S --so-pin-source "file:$WORK/sopin"
check "bridge: exportable DEK" bridge key create dek --label D --size 64 \
	--exportable
check "bridge: key create signer" bridge key create signer --label SG
check "bridge: key show SG" bridge --json key show --label SG
SG_ID=$(jq -r .id "$WORK/out")
check "bridge: signer public key" bridge key export-public --label SG \
	--out "$WORK/signer.pem"
SG_FP=$(cat "$WORK/out")
check "station: SO pins the signer" station key trust-signer \
	--pubkey "$WORK/signer.pem" --label B --fingerprint "$SG_FP" \
	--so-pin-source "file:$WORK/sopin"
snapshot before

# --- the reproduction: forged from station.pem alone
/usr/bin/python3 "$TOOL" forge "$WORK/station.pem" "$WORK/v1.bundle" --v1
expect_exit 7 "forged unsigned (format 1) bundle: exit 7" \
	shimmed key import dek --bundle "$WORK/v1.bundle" --unwrap-with T
grep_err "unsigned: says so, and how to re-export" \
	"^p11seal: key import: .*unsigned.*key export dek"
assert "unsigned: one line only" test "$(wc -l <"$WORK/err")" -eq 1
assert "unsigned: refused before the token is even opened (no call)" \
	test ! -s "$CALLS"

/usr/bin/python3 "$TOOL" keygen "$WORK/forger.pem" "$WORK/forger-pub.pem"
FORGER_FP=$(openssl pkey -pubin -in "$WORK/forger-pub.pem" -outform DER |
	sha256sum | cut -d' ' -f1)
/usr/bin/python3 "$TOOL" forge "$WORK/station.pem" "$WORK/own.bundle" \
	--sign-key "$WORK/forger.pem"
assert "the forger's own signature is valid (Python)" \
	/usr/bin/python3 "$TOOL" verify "$WORK/own.bundle" "$WORK/forger-pub.pem"
expect_exit 7 "forged bundle signed by an unpinned key: exit 7" \
	shimmed key import dek --bundle "$WORK/own.bundle" --unwrap-with T
grep_err "unknown signer named by its fingerprint" \
	"unknown signer \(fingerprint $FORGER_FP\)"
no_unwrap "unpinned signer"

/usr/bin/python3 "$TOOL" forge "$WORK/station.pem" "$WORK/claim0.bundle" \
	--claim "$SG_FP"
expect_exit 6 "forged bundle naming the bridge, zero signature: exit 6" \
	shimmed key import dek --bundle "$WORK/claim0.bundle" --unwrap-with T
grep_err "zero signature: signature does not verify" "signature does not verify"
no_unwrap "zero signature"

/usr/bin/python3 "$TOOL" forge "$WORK/station.pem" "$WORK/claim.bundle" \
	--sign-key "$WORK/forger.pem" --claim "$SG_FP"
expect_exit 6 "forged bundle naming the bridge, signed by the forger: exit 6" \
	shimmed key import dek --bundle "$WORK/claim.bundle" --unwrap-with T
grep_err "forger's signature under the bridge's name does not verify" \
	"signature does not verify under pinned signer $SG_FP"
no_unwrap "forger's signature, bridge's name"

# --- a user puts the forger's key in the token: not a pin
openssl pkey -pubin -in "$WORK/forger-pub.pem" -outform DER \
	-out "$WORK/forger.der"
ptool "$SC" station --write-object "$WORK/forger.der" --type pubkey \
	--label forger --usage-sign >/dev/null
check "user: the forger's public key is in the station token" \
	station --json key show --label forger
assert "...untrusted (a user cannot set CKA_TRUSTED)" \
	test "$(jq -r '.attributes.trusted' "$WORK/out")" = false
expect_exit 7 "bundle of a key the user stored (not pinned): exit 7" \
	shimmed key import dek --bundle "$WORK/own.bundle" --unwrap-with T
grep_err "an unpinned copy is named as such" "there but not pinned"
no_unwrap "user-stored key"
check "user: remove the forger's key again" \
	ptool "$SC" station --delete-object --type pubkey --label forger

snapshot after_forgeries
assert "station token unchanged by every forged bundle" \
	cmp -s "$WORK/snap.before" "$WORK/snap.after_forgeries"

# --- the signature is the only thing that stopped it: the same forgery,
# signed by the bridge's key (as a bridge PIN holder could), is taken
/usr/bin/python3 "$TOOL" digest "$WORK/claim0.bundle" "$WORK/md.bin"
ptool "$BC" bridge --sign -m ECDSA --id "$SG_ID" -i "$WORK/md.bin" \
	-o "$WORK/sig.bin" >/dev/null
/usr/bin/python3 "$TOOL" set-sig "$WORK/claim0.bundle" "$WORK/sig.bin"
check "the forgery signed with the bridge's key imports (exit 0)" \
	shimmed key import dek --bundle "$WORK/claim0.bundle" --unwrap-with T
assert "...and then the log does show C_UnwrapKey" grep -q C_UnwrapKey "$CALLS"
check "station: key delete forged" station key delete --label forged --yes

# --- the genuine handover, and the same encrypted bytes on both sides
check "bridge: key export dek (signed)" bridge key export dek --label D \
	--to "$WORK/station.pem" --out "$WORK/D.bundle"
assert "openssl verifies the bridge's signature with signer.pem" sh -c "
	/usr/bin/python3 '$TOOL' openssl '$WORK/D.bundle' '$WORK/form' '$WORK/sig.der' &&
	openssl dgst -sha256 -verify '$WORK/signer.pem' -signature '$WORK/sig.der' '$WORK/form' >/dev/null"
check "station: key import dek --bundle (genuine)" \
	shimmed key import dek --bundle "$WORK/D.bundle" --unwrap-with T
check "station: key show D" station --json key show --label D
assert "station DEK records the signer" \
	test "$(jq -r .signer_fingerprint "$WORK/out")" = "$SG_FP"
head -c 3145728 /dev/urandom >"$WORK/disk.raw"
check "bridge: vhd encrypt" bridge vhd encrypt --key D --no-progress \
	"$WORK/disk.raw" "$WORK/bridge.vhd"
check "station: vhd encrypt" station vhd encrypt --key D --no-progress \
	"$WORK/disk.raw" "$WORK/station.vhd"
# The footer's time stamp and unique ID are the image's own, not the key's.
/usr/bin/python3 "$ROOT/tests/integration/vhd_xts.py" identity \
	"$WORK/bridge.vhd" "$WORK/bridge.id"
/usr/bin/python3 "$ROOT/tests/integration/vhd_xts.py" identity \
	"$WORK/station.vhd" "$WORK/station.id"
assert "station output is byte-identical to the bridge's (identity fields aside)" \
	cmp -s "$WORK/bridge.id" "$WORK/station.id"


# --- keys an older p11seal made with loose templates: p11seal uses
# neither, and token audit names both (raw PKCS#11, p11raw.py)
RAW="/usr/bin/python3 $ROOT/tests/integration/p11raw.py"
check "raw: a station transport key with the old unwrap template" \
	env SOFTHSM2_CONF="$SC" $RAW --module "$SOFTHSM_MODULE" --token station \
	--pin-file "$WORK/pin" genrsa T_old 3072 token=true label=T_old \
	id=hex:0e1d encrypt=false wrap=false verify=false / token=true \
	private=true label=T_old id=hex:0e1d sensitive=true extractable=false \
	unwrap=true decrypt=false sign=false derive=false \
	'unwrap_template=[' sensitive=true extractable=false ']'
ptool "$SC" station --read-object --type pubkey --label T_old \
	-o "$WORK/told.der" >/dev/null
openssl pkey -pubin -inform DER -in "$WORK/told.der" -out "$WORK/told.pem"
check "raw, SO: the bridge trusts it with the old wrap template" \
	env SOFTHSM2_CONF="$BC" $RAW --module "$SOFTHSM_MODULE" --token bridge \
	--pin-file "$WORK/sopin" --so pubkey S_old "$WORK/told.pem" token=true \
	private=false trusted=true wrap=true encrypt=false verify=false \
	label=S_old id=hex:0ead 'wrap_template=[' key_type=aes \
	wrap_with_trusted=true ']'
expect_exit 7 "bridge: key export to a station trusted only with the old template: exit 7" \
	bridge key export dek --label D --to "$WORK/told.pem" \
	--out "$WORK/old.bundle"
grep_err "names the loose station key and the way out" \
	"only as 'S_old'.*trust-transport"
assert "no bundle written" test ! -e "$WORK/old.bundle"
expect_exit 6 "bridge: token audit exits 6" bridge token audit
grep -q "^'S_old' .*loose-trusted-wrap" "$WORK/out" &&
	ok "bridge: token audit names S_old (loose-trusted-wrap)" ||
	not_ok "bridge: token audit names S_old: $(cat "$WORK/out")"
check "bridge, SO: trust-transport trusts it again, pinned" bridge key \
	trust-transport --pubkey "$WORK/told.pem" --label S2 \
	--so-pin-source "file:$WORK/sopin"
check "bridge: key export dek to it now" bridge key export dek --label D \
	--to "$WORK/told.pem" --out "$WORK/old.bundle"
snapshot before_old
expect_exit 7 "station: key import --bundle with the old transport key: exit 7" \
	shimmed key import dek --bundle "$WORK/old.bundle" --unwrap-with T_old \
	--label D_old
grep_err "names the old transport key and the way out" \
	"transport key 'T_old' has an older CKA_UNWRAP_TEMPLATE.*key create transport"
no_unwrap "old transport key"
snapshot after_old
assert "station token unchanged" cmp -s "$WORK/snap.before_old" "$WORK/snap.after_old"
expect_exit 7 "station: key export-public of the old transport key: exit 7" \
	station key export-public --label T_old --out "$WORK/told2.pem"
expect_exit 6 "station: token audit exits 6" station token audit
grep -q "^'T_old' .*loose-unwrap" "$WORK/out" &&
	ok "station: token audit names T_old (loose-unwrap)" ||
	not_ok "station: token audit names T_old: $(cat "$WORK/out")"
assert "station: and not T (p11seal's pinned transport key)" \
	sh -c "! grep -v ') note: ' '$WORK/out' | grep -q \"^'T' \""

done_testing
