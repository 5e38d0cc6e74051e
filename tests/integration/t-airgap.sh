#!/bin/sh
# t-airgap.sh - the air-gapped handover between two SoftHSM tokens in
# separate directories (a station that never reaches Key Protect and an
# online bridge): transport key, SO trust, bundle signer and the station
# SO's pin of it, signed export, import; every bundle field tampered with,
# as a courier (signature) and as a bridge PIN holder who re-signs
# (binding, keyhash, unwrap); bundles for other stations; cross-checks
# with openssl, Python cryptography and pkcs11-tool; and what NSS softoken
# cannot do. Forged bundles: t-custody-bundle.sh.
. "$(dirname "$0")/lib.sh"

# Two token directories. SOFTHSM2_CONF is per process, so every command
# names its own and nothing inherits one.
hsm_setup station "$WORK/station"
hsm_setup bridge "$WORK/bridge"
unset SOFTHSM2_CONF
STATION_CONF=$WORK/station/softhsm2.conf
BRIDGE_CONF=$WORK/bridge/softhsm2.conf
printf '%s' "$SO_PIN" >"$WORK/sopin"
chmod 600 "$WORK/sopin"
station() {
	SOFTHSM2_CONF=$STATION_CONF "$P11SEAL" --module "$SOFTHSM_MODULE" \
		--token pkcs11:token=station --pin-source "file:$WORK/pin" "$@"
}
bridge() {
	SOFTHSM2_CONF=$BRIDGE_CONF "$P11SEAL" --module "$SOFTHSM_MODULE" \
		--token pkcs11:token=bridge --pin-source "file:$WORK/pin" "$@"
}
ptool() { # ptool CONF LABEL ARGS...
	conf=$1 tok=$2
	shift 2
	SOFTHSM2_CONF=$conf pkcs11-tool --module "$SOFTHSM_MODULE" \
		--token-label "$tok" --login --pin "$USER_PIN" "$@" 2>/dev/null
}
objects() { # objects CONF LABEL TYPE: pkcs11-tool's view as JSON
	ptool "$1" "$2" --list-objects --type "$3" |
		/usr/bin/python3 "$ROOT/tests/integration/pkcs11_tool_objects.py"
}
# The station as a whole: keys with metadata, plus every data object.
snapshot() {
	station --json key list >"$WORK/snap.$1" 2>/dev/null
	ptool "$STATION_CONF" station --list-objects --type data |
		grep -c '^Data object' >>"$WORK/snap.$1"
}
unchanged() { cmp -s "$WORK/snap.$1" "$WORK/snap.$2"; }
B=$WORK/dek.p11seal
TOOL=$ROOT/tests/integration/bundle_tool.py
# resign FILE: sign FILE's signed form with the bridge's signer key SG
# through pkcs11-tool, as anyone with the bridge's user PIN could (by
# CKA_ID: pkcs11-tool --sign takes the first private key, not --label).
resign() {
	/usr/bin/python3 "$TOOL" digest "$1" "$WORK/md.bin"
	ptool "$BRIDGE_CONF" bridge --sign -m ECDSA --id "$SG_ID" \
		-i "$WORK/md.bin" -o "$WORK/sig.bin" >/dev/null
	/usr/bin/python3 "$TOOL" set-sig "$1" "$WORK/sig.bin"
}

# --- station: transport key
check "station: key create transport (default size)" \
	station --json key create transport --label T
assert "transport key is RSA-4096 by default" \
	test "$(jq -r .bits "$WORK/out")" = 4096
diag "RSA-4096 keygen on SoftHSM took $(jq -r .keygen_seconds "$WORK/out") s"
FP_CREATE=$(jq -r .fingerprint "$WORK/out")
check "station: key show T" station --json key show --label T
cp "$WORK/out" "$WORK/T.json"
assert "transport private key: kind transport" \
	test "$(jq -r .kind "$WORK/T.json")" = transport
assert "transport private key: unwrap only (no decrypt, no sign)" \
	test "$(jq -r '.attributes | "\(.unwrap)\(.decrypt)\(.sign)\(.derive)"' "$WORK/T.json")" = truefalsefalsefalse
assert "transport private key: sensitive, never extractable" \
	test "$(jq -r '"\(.sensitive)\(.extractable)\(.never_extractable)"' "$WORK/T.json")" = truefalsetrue
assert "transport private key: RSA-OAEP only" \
	test "$(jq -r '.allowed_mechanisms | join(",")' "$WORK/T.json")" = RSA-PKCS-OAEP
objects "$STATION_CONF" station pubkey >"$WORK/ptool-pub.json"
objects "$STATION_CONF" station privkey >"$WORK/ptool-priv.json"
assert "pkcs11-tool: transport public key has no usage" \
	test "$(jq -r '.T.usage | join(",")' "$WORK/ptool-pub.json")" = none
assert "pkcs11-tool: transport private key usage is unwrap only" \
	test "$(jq -r '.T.usage | join(",")' "$WORK/ptool-priv.json")" = unwrap
# issue 15: an RSA-4096 key pair is one row of key list, "4096b" (not 512)
check "station: key list" station key list
assert "key list: the transport key pair is one row of 4096 bits" \
	test "$(grep -E '^T +transport +4096b ' "$WORK/out" | wc -l)/$(grep -c '^T ' "$WORK/out")" = 1/1
check "station: key list --json" station --json key list
assert "key list --json: both halves, bits 4096" \
	test "$(jq -r '[.[] | select(.label == "T") | "\(.class) \(.bits)"] | sort | join(",")' "$WORK/out")" = \
	"private-key 4096,public-key 4096"
expect_exit 2 "transport key below 3072 bits is refused" \
	station key create transport --label small --bits 2048
expect_exit 7 "transport key label taken is refused" \
	station key create transport --label T --bits 3072

# --- station: publish the public key
check "station: key export-public" \
	station key export-public --label T --out "$WORK/station.pem"
FP=$(cat "$WORK/out")
assert "export-public prints the fingerprint made at creation" \
	test "$FP" = "$FP_CREATE"
assert "fingerprint = SHA-256 of the DER SPKI (openssl)" \
	test "$(openssl pkey -pubin -in "$WORK/station.pem" -outform DER | sha256sum | cut -d' ' -f1)" = "$FP"
openssl pkey -pubin -in "$WORK/station.pem" -noout -text >"$WORK/pem.txt" 2>&1
assert "openssl reads the PEM as a 4096-bit RSA public key" \
	grep -q "Public-Key: (4096 bit)" "$WORK/pem.txt"
ptool "$STATION_CONF" station --read-object --type pubkey --label T \
	-o "$WORK/T.der" >/dev/null
assert "PEM modulus equals pkcs11-tool's view of the token key" \
	test "$(openssl rsa -pubin -in "$WORK/station.pem" -noout -modulus)" = \
	"$(openssl rsa -pubin -inform DER -in "$WORK/T.der" -noout -modulus 2>/dev/null)"
expect_exit 7 "export-public will not overwrite" \
	station key export-public --label T --out "$WORK/station.pem"
check "export-public --force overwrites" \
	station key export-public --label T --out "$WORK/station.pem" --force

# --- bridge: an exportable DEK with Key Protect metadata
check "bridge: key create dek --exportable" \
	bridge key create dek --label D --size 64 --exportable
check "bridge: key create dek (not exportable)" \
	bridge key create dek --label LOCKED --size 32
WDEK=eyJjaXBoZXJ0ZXh0IjoidGVzdCJ9
CRN=crn:v1:bluemix:public:kms:us-south:a/0123:4567::key:89ab
KID=6b0f2c1e-1d2a-4c3b-9a8e-2f4a5b6c7d8e
KVER=0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6
printf '{"kind":"dek","size":64,"wrapped_dek":"%s","root_key_crn":"%s","root_key_id":"%s","key_version":"%s"}' \
	"$WDEK" "$CRN" "$KID" "$KVER" >"$WORK/meta.json"
ptool "$BRIDGE_CONF" bridge --delete-object --type data --label D >/dev/null
ptool "$BRIDGE_CONF" bridge --write-object "$WORK/meta.json" --type data \
	--label D --application-label p11seal --private >/dev/null
check "bridge: key show D" bridge --json key show --label D
BRIDGE_HASH=$(jq -r .keyhash "$WORK/out")
assert "bridge DEK carries the Key Protect fields" \
	test "$(jq -r .root_key_crn "$WORK/out")" = "$CRN"

# --- bridge: no export before the SO trusts the station key
expect_exit 4 "export to a station key the bridge does not know: exit 4" \
	bridge key export dek --label D --to "$WORK/station.pem" --out "$B"
grep_err "refusal names key trust-transport" "key trust-transport"
openssl pkey -pubin -in "$WORK/station.pem" -outform DER -out "$WORK/station.der"
ptool "$BRIDGE_CONF" bridge --write-object "$WORK/station.der" --type pubkey \
	--label untrusted >/dev/null
expect_exit 7 "export to an untrusted copy of the station key: exit 7" \
	bridge key export dek --label D --to "$WORK/station.pem" --out "$B"
grep_err "untrusted copy is named as such" "present but not trusted.*trust-transport"
assert "no bundle was written" test ! -e "$B"

# --- bridge: the SO ceremony
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null |
	openssl pkey -pubout -out "$WORK/weak.pem"
expect_exit 7 "SO: an RSA-2048 station key is refused" \
	bridge key trust-transport --pubkey "$WORK/weak.pem" --label W \
	--so-pin-source "file:$WORK/sopin"
grep_err "weak key message" "RSA-2048"
printf 87654321 >"$WORK/badso"
chmod 600 "$WORK/badso"
expect_exit 3 "SO: wrong SO PIN exits 3" \
	bridge key trust-transport --pubkey "$WORK/station.pem" --label S \
	--so-pin-source "file:$WORK/badso"
expect_exit 2 "SO PIN on the command line is refused" \
	bridge key trust-transport --pubkey "$WORK/station.pem" --label S \
	--so-pin 12345678
check "SO: key trust-transport" bridge --json key trust-transport \
	--pubkey "$WORK/station.pem" --label S --so-pin-source "file:$WORK/sopin"
assert "trusted key: fingerprint matches the station's" \
	test "$(jq -r .fingerprint "$WORK/out")" = "$FP"
assert "trusted key: OAEP only, wrap template, not modifiable" \
	test "$(jq -r '"\(.oaep_only)\(.wrap_template)\(.modifiable)"' "$WORK/out")" = truetruefalse
check "bridge: key show S" bridge --json key show --label S
assert "trusted key: trusted, wrap, no encrypt/verify, public object" \
	test "$(jq -r '.attributes | "\(.trusted)\(.wrap)\(.encrypt)\(.verify)\(.private)"' "$WORK/out")" = truetruefalsefalsefalse
expect_exit 7 "SO: trusting the same station key twice is refused" \
	bridge key trust-transport --pubkey "$WORK/station.pem" --label S2 \
	--so-pin-source "file:$WORK/sopin"

# --- bridge: the bundle signer
expect_exit 4 "export without a signer key in the bridge: exit 4" \
	bridge key export dek --label D --to "$WORK/station.pem" --out "$B"
grep_err "no-signer refusal says how to make one" "key create signer"
assert "no bundle was written without a signer" test ! -e "$B"
check "bridge: key create signer" bridge --json key create signer --label SG
SIGNER_FP=$(jq -r .fingerprint "$WORK/out")
check "bridge: key show SG" bridge --json key show --label SG
cp "$WORK/out" "$WORK/SG.json"
SG_ID=$(jq -r .id "$WORK/SG.json")
assert "signer private key: kind signer, EC" \
	test "$(jq -r '"\(.kind) \(.type)"' "$WORK/SG.json")" = "signer EC"
assert "signer private key: sign only (no decrypt, unwrap, derive)" \
	test "$(jq -r '.attributes | "\(.sign)\(.decrypt)\(.unwrap)\(.derive)"' "$WORK/SG.json")" = truefalsefalsefalse
assert "signer private key: sensitive, never extractable, not modifiable, not copyable" \
	test "$(jq -r '"\(.sensitive)\(.extractable)\(.never_extractable)\(.attributes.modifiable)\(.attributes.copyable)"' "$WORK/SG.json")" = truefalsetruefalsefalse
assert "signer private key: ECDSA only" \
	test "$(jq -r '.allowed_mechanisms | join(",")' "$WORK/SG.json")" = ECDSA
objects "$BRIDGE_CONF" bridge privkey >"$WORK/ptool-sg.json"
assert "pkcs11-tool: signer private key usage is sign only" \
	test "$(jq -r '.SG.usage | join(",")' "$WORK/ptool-sg.json")" = sign
assert "pkcs11-tool: signer private key is sensitive, never extractable" \
	test "$(jq -r '.SG.access | join(",")' "$WORK/ptool-sg.json")" = "sensitive,always sensitive,never extractable,local"
check "bridge: key export-public SG" \
	bridge --json key export-public --label SG --out "$WORK/signer.pem"
assert "signer export-public: kind signer, the fingerprint made at creation" \
	test "$(jq -r '"\(.kind) \(.curve) \(.fingerprint)"' "$WORK/out")" = "signer P-256 $SIGNER_FP"
assert "signer fingerprint = SHA-256 of the DER SPKI (openssl)" \
	test "$(openssl pkey -pubin -in "$WORK/signer.pem" -outform DER | sha256sum | cut -d' ' -f1)" = "$SIGNER_FP"
openssl pkey -pubin -in "$WORK/signer.pem" -noout -text >"$WORK/spem.txt" 2>&1
assert "openssl reads the signer PEM as a P-256 key" \
	grep -q "prime256v1" "$WORK/spem.txt"
check "bridge: a second signer key" bridge key create signer --label SG2
# A user swaps SG2's public half for another key (same label and CKA_ID).
check "bridge: key show SG2" bridge --json key show --label SG2
SG2_ID=$(jq -r .id "$WORK/out")
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
	openssl pkey -pubout -outform DER -out "$WORK/other.der"
ptool "$BRIDGE_CONF" bridge --delete-object --type pubkey --label SG2 >/dev/null
ptool "$BRIDGE_CONF" bridge --write-object "$WORK/other.der" --type pubkey \
	--label SG2 --id "$SG2_ID" >/dev/null
# (pkcs11-tool cannot write a key with no usage, so the role check is
# what refuses this one; the signature check behind it is the backstop.)
expect_exit 7 "export-public of a signer whose public half was swapped: exit 7" \
	bridge key export-public --label SG2 --out "$WORK/swapped.pem"
grep_err "swapped public half named" "bundle signer public key 'SG2' has"
assert "...and no PEM was written" test ! -e "$WORK/swapped.pem"
expect_exit 2 "two signer keys and no --sign-with: exit 2" \
	bridge key export dek --label D --to "$WORK/station.pem" --out "$B"
grep_err "several signers are named" "2 bundle signer keys.*--sign-with"
expect_exit 4 "--sign-with a label that is no signer: exit 4" \
	bridge key export dek --label D --to "$WORK/station.pem" --out "$B" \
	--sign-with nosuch
assert "no bundle was written by the refused exports" test ! -e "$B"

# --- bridge: export
expect_exit 7 "export with OAEP-SHA-256 on SoftHSM 2.6.1 is refused" \
	bridge key export dek --label D --to "$WORK/station.pem" --out "$B" \
	--oaep-hash sha256 --sign-with SG
expect_exit 7 "a DEK made without --exportable cannot be exported" \
	bridge key export dek --label LOCKED --to "$WORK/station.pem" --out "$B" \
	--sign-with SG
grep_err "not-exportable message" "not exportable"
check "bridge: key export dek" bridge --json key export dek --label D \
	--to "$WORK/station.pem" --out "$B" --sign-with SG
assert "export reports the OAEP hash it used: SHA-1 on SoftHSM 2.6.1" \
	test "$(jq -r .oaep_hash "$WORK/out")" = SHA-1
assert "bundle format p11seal-dek-bundle/2" \
	test "$(jq -r .format "$B")" = p11seal-dek-bundle/2
assert "bundle names the signer key SG" \
	test "$(jq -r .signer_fingerprint "$B")" = "$SIGNER_FP"
assert "export reports the signer" \
	test "$(jq -r .signer_fingerprint "$WORK/out")" = "$SIGNER_FP"
assert "signature: 64 bytes, raw r || s" \
	test "$(jq -r .signature "$B" | base64 -d | wc -c)" = 64
assert "Python cryptography verifies the signature with the exported PEM" \
	/usr/bin/python3 "$TOOL" verify "$B" "$WORK/signer.pem"
/usr/bin/python3 "$TOOL" openssl "$B" "$WORK/signed-form" "$WORK/sig.der"
assert "openssl dgst -verify accepts it over the signed form" \
	sh -c "openssl dgst -sha256 -verify '$WORK/signer.pem' -signature '$WORK/sig.der' '$WORK/signed-form' >/dev/null"
openssl pkey -pubin -inform DER -in "$WORK/other.der" -out "$WORK/other.pem"
assert "...and Python refuses it under another key" \
	sh -c "! /usr/bin/python3 '$TOOL' verify '$B' '$WORK/other.pem'"
assert "bundle records RSA-OAEP SHA-1 / MGF1-SHA-1" \
	test "$(jq -r '.wrap | "\(.alg) \(.hash) \(.mgf)"' "$B")" = "RSA-OAEP SHA-1 MGF1-SHA-1"
assert "bundle is for the station key" \
	test "$(jq -r .recipient_fingerprint "$B")" = "$FP"
assert "bundle keyhash is the bridge DEK's" \
	test "$(jq -r .keyhash "$B")" = "$BRIDGE_HASH"
assert "bundle carries wrapped_dek, CRN, key id and version" \
	test "$(jq -r '"\(.wrapped_dek) \(.root_key_crn) \(.root_key_id) \(.key_version)"' "$B")" = "$WDEK $CRN $KID $KVER"
assert "each half is one RSA-4096 block (512 bytes)" \
	test "$(jq -r .data_half "$B" | base64 -d | wc -c)" = 512
assert "bundle file mode 0644" test "$(stat -c %a "$B")" = 644
expect_exit 7 "export will not overwrite a bundle" \
	bridge key export dek --label D --to "$WORK/station.pem" --out "$B" \
	--sign-with SG

# --- station: the SO pins the bridge's signer
expect_exit 7 "no pin yet: the good bundle is refused as from an unknown signer" \
	station key import dek --bundle "$B" --unwrap-with T
grep_err "unknown signer named by fingerprint" "unknown signer \\(fingerprint $SIGNER_FP\\)"
expect_exit 6 "SO: trust-signer with another --fingerprint: exit 6" \
	station key trust-signer --pubkey "$WORK/signer.pem" --label B \
	--fingerprint "$(printf '%064d' 7)" --so-pin-source "file:$WORK/sopin"
grep_err "fingerprint mismatch names both" "$SIGNER_FP, not 0{63}7"
expect_exit 2 "SO: a malformed --fingerprint is a usage error" \
	station key trust-signer --pubkey "$WORK/signer.pem" --label B \
	--fingerprint xyz --so-pin-source "file:$WORK/sopin"
expect_exit 7 "SO: an RSA key is no bundle signer" \
	station key trust-signer --pubkey "$WORK/station.pem" --label B \
	--so-pin-source "file:$WORK/sopin"
expect_exit 3 "SO: trust-signer with a wrong SO PIN exits 3" \
	station key trust-signer --pubkey "$WORK/signer.pem" --label B \
	--so-pin-source "file:$WORK/badso"
assert "no pin was made by the refused steps" \
	sh -c "! SOFTHSM2_CONF='$STATION_CONF' '$P11SEAL' --module '$SOFTHSM_MODULE' --token pkcs11:token=station --pin-source 'file:$WORK/pin' key show --label B >/dev/null 2>&1"
check "SO: key trust-signer --fingerprint" station --json key trust-signer \
	--pubkey "$WORK/signer.pem" --label B \
	--fingerprint "$(echo "$SIGNER_FP" | tr a-f A-F)" \
	--so-pin-source "file:$WORK/sopin"
assert "pin: fingerprint checked and shown" \
	test "$(jq -r '"\(.fingerprint) \(.fingerprint_checked)"' "$WORK/out")" = "$SIGNER_FP true"
assert "pin: ECDSA only, not modifiable" \
	test "$(jq -r '"\(.ecdsa_only)\(.modifiable)"' "$WORK/out")" = truefalse
check "station: key show B" station --json key show --label B
assert "pin: trusted, verify only, public object, kind signer-pin" \
	test "$(jq -r '"\(.kind) " + (.attributes | "\(.trusted)\(.verify)\(.encrypt)\(.wrap)\(.derive)\(.private)")' "$WORK/out")" = "signer-pin truetruefalsefalsefalsefalse"
expect_exit 7 "SO: pinning the same signer twice is refused" \
	station key trust-signer --pubkey "$WORK/signer.pem" --label B2 \
	--so-pin-source "file:$WORK/sopin"
check "station: token audit finds nothing in the pin" station token audit

# --- station: bundles it must refuse, token unchanged
snapshot before
tamper() { # tamper CODE DESC JQ-FILTER [PATTERN]
	jq "$3" "$B" >"$WORK/t.p11seal"
	expect_exit "$1" "tampered $2: exit $1" \
		station key import dek --bundle "$WORK/t.p11seal" --unwrap-with T
	if [ -n "${4:-}" ]; then grep_err "tampered $2: message" "$4"; fi
}
flip() { # base64 of the blob with one bit of byte 100 flipped
	jq -r ".$1" "$B" | /usr/bin/python3 -c 'import base64,sys
b=bytearray(base64.b64decode(sys.stdin.read())); b[100]^=1
print(base64.b64encode(bytes(b)).decode())'
}
# A courier's edit: the signature no longer holds, before any unwrap.
SIG="signature does not verify"
tamper 6 label '.label="other"' "$SIG"
tamper 6 dek_size '.dek_size=32' "$SIG"
tamper 6 "wrap hash" '.wrap.hash="SHA-256" | .wrap.mgf="MGF1-SHA-256"' "$SIG"
tamper 5 "wrap alg" '.wrap.alg="RSA-PKCS1"' "wrap.alg"
tamper 5 "wrap mgf" '.wrap.mgf="MGF1-SHA-256"' "wrap.mgf"
tamper 6 fingerprint \
	'.recipient_fingerprint |= (.[0:63] + (if .[63:64] == "0" then "1" else "0" end))' "$SIG"
tamper 6 data_half ".data_half=\"$(flip data_half)\"" "$SIG"
tamper 6 tweak_half ".tweak_half=\"$(flip tweak_half)\"" "$SIG"
tamper 6 keyhash '.keyhash="'"$(printf '%064d' 0)"'"' "$SIG"
tamper 6 wrapped_dek '.wrapped_dek="eyJjaXBoZXJ0ZXh0IjoiZXZpbCJ9"' "$SIG"
tamper 6 root_key_crn '.root_key_crn="crn:v1:bluemix:public:kms:us-south:a/evil:1::key:2"' "$SIG"
tamper 6 root_key_id '.root_key_id="00000000-0000-4000-8000-000000000000"' "$SIG"
tamper 6 key_version '.key_version="00000000-0000-4000-8000-000000000001"' "$SIG"
tamper 6 "created time" '.created="2001-01-01T00:00:00Z"' "$SIG"
tamper 6 binding '.binding="'"$(printf '%064d' 1)"'"' "$SIG"
tamper 6 "swapped halves" '.data_half as $d | .data_half=.tweak_half | .tweak_half=$d' "$SIG"
tamper 6 "Key Protect fields removed" 'del(.wrapped_dek, .root_key_crn)' "$SIG"
tamper 6 signature '.signature |= (.[0:10] + (if .[10:11] == "A" then "B" else "A" end) + .[11:])' "$SIG"
tamper 7 "signer_fingerprint (another signer named)" \
	'.signer_fingerprint="'"$(printf '%064d' 2)"'"' "unknown signer"
tamper 5 "signature removed" 'del(.signature)' "signature"
tamper 5 "signature as DER" '.signature="MEQCIFVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVAiBVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVVQ=="' "signature"
tamper 5 "unknown member added" '.note="hi"' "unknown member 'note'"
tamper 7 "format version" '.format="p11seal-dek-bundle/3"' "format"
tamper 7 "format 1 (unsigned)" '.format="p11seal-dek-bundle/1" | del(.signature, .signer_fingerprint)' \
	"unsigned.*export the DEK again"
tamper 5 "dek_size not 32|64" '.dek_size=48' "dek_size"
tamper 5 "short half" ".data_half=\"$(jq -r .data_half "$B" | cut -c5-)\"" "data_half"
# A bridge PIN holder's edit, re-signed with SG: the checks behind the
# signature still hold (binding, keyhash, unwrap, recipient, OAEP hash).
retamper() { # retamper CODE DESC JQ-FILTER PATTERN
	jq "$3" "$B" >"$WORK/t.p11seal"
	resign "$WORK/t.p11seal"
	expect_exit "$1" "re-signed $2: exit $1" \
		station key import dek --bundle "$WORK/t.p11seal" --unwrap-with T
	grep_err "re-signed $2: message" "$4"
}
retamper 6 label '.label="other"' "binding mismatch"
retamper 6 dek_size '.dek_size=32' "binding mismatch"
retamper 7 "wrap hash (SHA-256, which this token cannot unwrap)" \
	'.wrap.hash="SHA-256" | .wrap.mgf="MGF1-SHA-256"' "cannot unwrap RSA-OAEP SHA-256"
retamper 7 fingerprint \
	'.recipient_fingerprint |= (.[0:63] + (if .[63:64] == "0" then "1" else "0" end))' \
	"bundle for another station"
retamper 6 data_half ".data_half=\"$(flip data_half)\"" "does not unwrap"
retamper 6 tweak_half ".tweak_half=\"$(flip tweak_half)\"" "does not unwrap"
retamper 6 keyhash '.keyhash="'"$(printf '%064d' 0)"'"' "keyhash mismatch"
retamper 6 wrapped_dek '.wrapped_dek="eyJjaXBoZXJ0ZXh0IjoiZXZpbCJ9"' "binding mismatch"
retamper 6 root_key_crn '.root_key_crn="crn:v1:bluemix:public:kms:us-south:a/evil:1::key:2"' "binding mismatch"
retamper 6 root_key_id '.root_key_id="00000000-0000-4000-8000-000000000000"' "binding mismatch"
retamper 6 key_version '.key_version="00000000-0000-4000-8000-000000000001"' "binding mismatch"
retamper 6 "created time" '.created="2001-01-01T00:00:00Z"' "binding mismatch"
retamper 6 binding '.binding="'"$(printf '%064d' 1)"'"' "binding mismatch"
retamper 6 "swapped halves" '.data_half as $d | .data_half=.tweak_half | .tweak_half=$d' \
	"keyhash mismatch"
retamper 6 "Key Protect fields removed" 'del(.wrapped_dek, .root_key_crn)' "binding mismatch"
sed 's/"label":/"label": "x", "label":/' "$B" >"$WORK/t.p11seal"
expect_exit 5 "duplicate member: exit 5" \
	station key import dek --bundle "$WORK/t.p11seal" --unwrap-with T
head -c 200 "$B" >"$WORK/t.p11seal"
expect_exit 5 "truncated bundle: exit 5" \
	station key import dek --bundle "$WORK/t.p11seal" --unwrap-with T
expect_exit 4 "missing bundle file: exit 4" \
	station key import dek --bundle "$WORK/none.p11seal" --unwrap-with T
expect_exit 2 "--bundle without --unwrap-with is a usage error" \
	station key import dek --bundle "$B"
snapshot after_tamper
assert "station keys and data objects unchanged by every tampered bundle" \
	unchanged before after_tamper
check "station: a second transport key" \
	station key create transport --label T2 --bits 3072
snapshot before2
expect_exit 7 "bundle for another station key: exit 7" \
	station key import dek --bundle "$B" --unwrap-with T2
grep_err "another-station message" "bundle for another station"
snapshot after
assert "station unchanged by the bundle for another station" \
	unchanged before2 after

# --- station: the real import
check "station: key import dek --bundle" \
	station key import dek --bundle "$B" --unwrap-with T
grep_err "... says 'not extractable', which key show confirms (never_extractable is false for an unwrapped key)" \
	"as sensitive and not extractable \(key show: extractable false; never_extractable is false"
check "station: key show D" station --json key show --label D
cp "$WORK/out" "$WORK/D.json"
assert "keyhash on the station equals the bridge's" \
	test "$(jq -r .keyhash "$WORK/D.json")" = "$BRIDGE_HASH"
assert "station DEK: 64 bytes, kind dek" \
	test "$(jq -r '"\(.size) \(.kind)"' "$WORK/D.json")" = "64 dek"
assert "station DEK: sensitive and not extractable (both halves)" \
	test "$(jq -r '"\(.sensitive)\(.extractable)\(.attributes.extractable)\(.tweak_attributes.extractable)"' "$WORK/D.json")" = truefalsefalsefalse
assert "station DEK: data half ECB encrypt+decrypt, tweak half encrypt" \
	test "$(jq -r '"\(.attributes.decrypt)\(.tweak_attributes.decrypt)\(.tweak_attributes.encrypt)"' "$WORK/D.json")" = truefalsetrue
assert "station DEK keeps WDEK, CRN, key id and version for manifests" \
	test "$(jq -r '"\(.wrapped_dek) \(.root_key_crn) \(.root_key_id) \(.key_version)"' "$WORK/D.json")" = "$WDEK $CRN $KID $KVER"
assert "station DEK metadata records the transport wrap" \
	test "$(jq -r .transport_wrap "$WORK/D.json")" = "RSA-OAEP SHA-1"
objects "$STATION_CONF" station secrkey >"$WORK/ptool-sec.json"
assert "pkcs11-tool: both halves only 'sensitive' (not extractable)" \
	test "$(jq -r '[.D.access, ."D.tweak".access] | map(join(",")) | join("|")' "$WORK/ptool-sec.json")" = "sensitive|sensitive"
assert "pkcs11-tool cannot read the station DEK" \
	sh -c "! SOFTHSM2_CONF='$STATION_CONF' pkcs11-tool --module '$SOFTHSM_MODULE' --token-label station --login --pin $USER_PIN --read-object --type secrkey --label D >/dev/null 2>&1"
snapshot imported
expect_exit 7 "re-import under another label is refused" \
	station key import dek --bundle "$B" --unwrap-with T --label D2
grep_err "re-import names the existing DEK" "already in token 'station' as 'D'"
expect_exit 7 "re-import under the same label is refused" \
	station key import dek --bundle "$B" --unwrap-with T
snapshot after2
assert "station unchanged by the refused re-imports" unchanged imported after2

# --- NSS softoken: what it cannot do
if [ -f "$NSS_MODULE" ] && command -v certutil >/dev/null &&
	nss_setup "$WORK/nss"; then
	expect_exit 7 "NSS: no transport key (unwrap templates not enforced)" \
		$P11NSS key create transport --label T --bits 3072
	grep_err "NSS: names the missing enforcement" "does not enforce"
	check "NSS: exportable DEK" $P11NSS key create dek --label D --size 32 --exportable
	expect_exit 7 "NSS: no export (CKA_WRAP_WITH_TRUSTED not enforced)" \
		$P11NSS key export dek --label D --to "$WORK/station.pem" \
		--out "$WORK/nss.p11seal"
	grep_err "NSS: export refusal names the attribute" "CKA_WRAP_WITH_TRUSTED"
	# README "Air-gapped stations": steps 1, 2 and 5 refused on NSS, exit 7
	expect_exit 7 "NSS: no trust-transport (no SO login once initialised): exit 7" \
		$P11NSS key trust-transport --pubkey "$WORK/station.pem" --label S \
		--so-pin-source "file:$WORK/pin"
	grep_err "NSS: SO login refused, named as a missing SO" \
		"has no security officer \(C_Login as SO: CKR_USER_TYPE_INVALID\)"
	skip "NSS: air-gapped handover" "NSS softoken 3.87 has no SO login once initialised, lets any user set CKA_TRUSTED, and enforces neither CKA_WRAP_WITH_TRUSTED nor CKA_UNWRAP_TEMPLATE (measured), so neither a bridge nor a station can keep the handover's guarantees"
else
	skip "NSS softoken checks" "libnss3/libnss3-tools not installed"
fi

done_testing
