#!/bin/sh
# t-manifest.sh - import manifests on a SoftHSM token: vhd encrypt
# --manifest and `manifest`, then `manifest verify` before upload. A
# tampered image (data, batmap keyhash, length), a manifest tampered field
# by field and a wrong key are each caught with the right exit code and
# the field named; no DEK byte, PIN or API key ever lands in a manifest;
# a DEK wrapped by the local kp-server unwraps from the manifest's
# wrappedDek to the key whose keyhash the image holds. README "Import
# manifest": each field tampered is named, or shows as binding with --key.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/kp-lib.sh"
. "$(dirname "$0")/kp-test.sh"

cd "$WORK" || exit 1
USER_PIN=mPin-7q2x-manifest # distinctive, so a leak is found by grep
hsm_setup st1
ACCT=0123456789abcdef0123456789abcdef
CRN="crn:v1:bluemix:public:kms:us-south:a/$ACCT:5d1c3e4f-0000-4000-8000-000000000001:key:9a8b7c6d-1111-4222-8333-444455556666"
OTHER_CRN="crn:v1:bluemix:public:kms:us-south:a/$ACCT:5d1c3e4f-0000-4000-8000-000000000001:key:11111111-2222-4333-8444-555555555555"
WDEK=eyJjaXBoZXJ0ZXh0IjoiQUFBQSIsIml2IjoiQkJCQiJ9
URI=cos://us-south/images-1/a.vhd-0.vhd
echo Nrfen98EpMxF2B+wdgLfagzrqvgUZfMK4vL2T0NsT20ihrsNC9pUUHtizF6218pze8RLCgQ6kwxuE58IWLzgDA== |
	base64 -d >ibm.key
head -c 64 /dev/urandom >other.key
head -c 32 /dev/urandom >local.key
for k in ibm other local; do
	$P11 key import dek --label $k --raw-file $k.key >/dev/null 2>&1 ||
		not_ok "import DEK $k"
done
truncate -s 8M a.raw
head -c 5000 /dev/urandom | dd of=a.raw bs=1 seek=100000 conv=notrunc 2>/dev/null
head -c 3000 /dev/urandom | dd of=a.raw bs=1 seek=6000000 conv=notrunc 2>/dev/null

# set_meta LABEL JSON: replace the p11seal metadata beside LABEL with JSON,
# written by an independent tool (pkcs11-tool) as `key create dek
# --kp-root` would leave it.
set_meta() {
	printf '%s' "$2" >meta.json
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label st1 --login \
		--pin "$USER_PIN" --delete-object --type data \
		--application-label p11seal --label "$1" >/dev/null 2>&1
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label st1 --login \
		--pin "$USER_PIN" --write-object meta.json --type data \
		--application-label p11seal --label "$1" --private >/dev/null 2>&1
}
keyhash() { { head -c 32 /dev/zero; cat "$1"; } | sha256sum | cut -d' ' -f1; }
jm() { jq -r "$1" "${2:-m.json}"; }

# no_secret DESC FILE KEYFILE: FILE holds neither the DEK (raw, either
# half, hex, base64), the PIN nor the Key Protect API key.
no_secret() {
	if $PY - "$2" "$3" "$USER_PIN" "${IBMCLOUD_API_KEY:-}" <<-'EOF'
	import base64, binascii, sys
	data = open(sys.argv[1], 'rb').read()
	key = open(sys.argv[2], 'rb').read()
	forms = [sys.argv[3].encode()]
	if sys.argv[4]:
	    forms.append(sys.argv[4].encode())
	for part in (key, key[:len(key) // 2], key[len(key) // 2:]):
	    h = binascii.hexlify(part)
	    forms += [part, h, h.upper(), base64.b64encode(part),
	              base64.urlsafe_b64encode(part).rstrip(b'=')]
	sys.exit(1 if any(f in data for f in forms) else 0)
	EOF
	then ok "$1"; else not_ok "$1"; fi
}

# --- vhd encrypt --manifest with Key Protect metadata beside the DEK
set_meta ibm "{\"kind\":\"dek\",\"size\":64,\"wrapped_dek\":\"$WDEK\",\"root_key_crn\":\"$CRN\",\"root_key_id\":\"9a8b7c6d-1111-4222-8333-444455556666\",\"key_version\":\"0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6\",\"kms\":\"keyprotect\"}"
check "vhd encrypt --manifest" $P11 vhd encrypt --key ibm --manifest m.json \
	--cos-uri "$URI" --os DEBIAN_12_64 --name "debian 12 e2e" \
	--note "built by t-manifest" a.raw a.vhd
assert "manifest written" test -s m.json
assert "manifest is mode 0644" test "$(stat -c %a m.json)" = 644
assert "no temp file left" test -z "$(find . -name '.*p11seal-tmp*')"
expect_eq "format" "$(jm .format)" p11seal-manifest/2
expect_eq "image file" "$(jm .image.file)" a.vhd
expect_eq "object name IBM expects" "$(jm .image.object)" a.vhd-0.vhd
expect_eq "size of the encrypted file" "$(jm .image.size)" "$(stat -c %s a.vhd)"
expect_eq "sha256 of the encrypted file" "$(jm .image.sha256)" \
	"$(sha256sum a.vhd | cut -d' ' -f1)"
expect_eq "virtual size" "$(jm .image.virtual_size)" 8388608
expect_eq "DEK size and XTS variant" "$(jm '"\(.encryption.dek_size) \(.encryption.xts)"')" \
	"64 XTS-AES-256"
expect_eq "keyhash is SHA-256(0^32 || DEK)" "$(jm .encryption.keyhash)" \
	"$(keyhash ibm.key)"
$P11 --json vhd info a.vhd >info.json 2>/dev/null
expect_eq "keyhash is the image's (vhd info)" "$(jm .encryption.keyhash)" \
	"$(jq -r .keyhash.hash info.json)"
$P11 --json token info >tok.json 2>/dev/null
expect_eq "token serial" "$(jm .dek.token_serial)" "$(jq -r .serial tok.json)"
expect_eq "DEK label" "$(jm .dek.label)" ibm
$P11 --json key show --label ibm >key.json 2>/dev/null
expect_eq "DEK CKA_ID" "$(jm .dek.id)" "$(jq -r .id key.json)"
expect_eq "kms" "$(jm .dek.kms)" keyprotect
expect_eq "wrapped_dek from the metadata" "$(jm .dek.wrapped_dek)" "$WDEK"
expect_eq "createFromIcos uri" "$(jm .import.parameters.uri)" "$URI"
expect_eq "createFromIcos isEncrypted, cloudInit, byol (the SDKs' names)" \
	"$(jm '"\(.import.parameters.isEncrypted) \(.import.parameters.cloudInit) \(.import.parameters.byol)"')" \
	"true true false"
expect_eq "no bootMode unless asked, no docs-page names" \
	"$(jm '.import.parameters|[has("bootMode"), has("cloud-init"), has("encrypted")]|any')" false
expect_eq "createFromIcos crkCrn" "$(jm .import.parameters.crkCrn)" "$CRN"
expect_eq "createFromIcos wrappedDek" "$(jm .import.parameters.wrappedDek)" "$WDEK"
expect_eq "createFromIcos name, os, note" \
	"$(jm '[.import.parameters.name, .import.parameters.operatingSystemReferenceCode, .import.parameters.note] | join("|")')" \
	"debian 12 e2e|DEBIAN_12_64|built by t-manifest"
expect_eq "importable, nothing missing" "$(jm '"\(.import.importable) \(.import.missing|length)"')" \
	"true 0"
expect_eq "no ibmApiKey member anywhere" "$(jm '[..|objects|has("ibmApiKey")]|any')" false
grep -q "supply an API key" m.json && ok "a note says the API key comes at import" ||
	not_ok "a note says the API key comes at import"
no_secret "no DEK, PIN in the manifest" m.json ibm.key

check "manifest verify" $P11 manifest verify m.json a.vhd
grep -q "OK for a.vhd" "$WORK/out" && grep -q "binding: not checked" "$WORK/out" &&
	ok "verify reports OK, binding unchecked without --key" ||
	not_ok "verify report: $(cat "$WORK/out")"
check "manifest verify --key" $P11 manifest verify --key ibm m.json a.vhd
grep -q "binding: matches key 'ibm'" "$WORK/out" && ok "binding checked with --key" ||
	not_ok "binding checked with --key"
check "manifest verify --json" $P11 --json manifest verify --key ibm m.json a.vhd
expect_eq "... ok and importable" "$(jq -r '"\(.ok) \(.importable) \(.binding_checked)"' "$WORK/out")" \
	"true true true"
check "vhd encrypt --json --manifest prints one JSON document" \
	$P11 --json vhd encrypt --key ibm --manifest m2.json --cos-uri "$URI" \
	a.raw a2.vhd
jq -e .keyhash "$WORK/out" >/dev/null && ok "... the encrypt report" ||
	not_ok "... the encrypt report: $(head -c 200 "$WORK/out")"

# --- `manifest` for an image encrypted before: the same facts
check "manifest to stdout" $P11 manifest --key ibm a.vhd --cos-uri "$URI" \
	--os DEBIAN_12_64 --name "debian 12 e2e" --note "built by t-manifest"
cp "$WORK/out" s.json
expect_eq "same fields as vhd encrypt --manifest wrote" \
	"$(jq -S 'del(.created, .binding)' s.json)" \
	"$(jq -S 'del(.created, .binding)' m.json)"
check "manifest --out" $P11 manifest --key ibm a.vhd --out o.json
expect_eq "--out: the name defaults to the image's" "$(jm .import.parameters.name o.json)" a
expect_eq "--out: no uri yet, so not importable" "$(jm '"\(.import.importable) \(.import.missing)"' o.json)" \
	'false ["uri"]'
grep -q "upload the image as object 'a.vhd-0.vhd'" o.json &&
	ok "a note says where to upload" || not_ok "a note says where to upload"
# README "Import manifest": not importable is exit 6 unless --allow-incomplete
expect_exit 6 "verify the manifest without uri: exit 6" $P11 manifest verify o.json a.vhd
grep -q "importable: NO, missing uri" "$WORK/out" && ok "... says uri is missing" ||
	not_ok "... says uri is missing: $(cat "$WORK/out")"
grep_err "... and how to accept it" "not importable as is \(missing uri\); --allow-incomplete"
check "... --allow-incomplete: exit 0" $P11 manifest verify --allow-incomplete o.json a.vhd

check "manifest --byol --boot-mode HVM" $P11 manifest --key ibm a.vhd \
	--cos-uri "$URI" --byol --boot-mode HVM --out bh.json
expect_eq "... byol true, bootMode HVM" \
	"$(jm '"\(.import.parameters.byol) \(.import.parameters.bootMode)"' bh.json)" "true HVM"
check "... verifies with --key" $P11 manifest verify --key ibm bh.json a.vhd
jq '.format="p11seal-manifest/1" | .import.parameters |= (with_entries(
	if .key == "cloudInit" then .key = "cloud-init"
	elif .key == "isEncrypted" then .key = "encrypted" else . end) | del(.byol))' \
	m.json >f1.json
expect_exit 5 "a format 1 manifest: exit 5" $P11 manifest verify f1.json a.vhd
grep_err "... says how to remake it" "remake it with \`p11seal manifest --key LABEL IMAGE\`"

# --- refusals before any work
expect_exit 2 "bad --boot-mode: exit 2" $P11 manifest --key ibm a.vhd \
	--boot-mode UEFI
grep_err "... names --boot-mode" ": --boot-mode: bootMode .UEFI. is not HVM or PV"
expect_exit 7 "existing --out: exit 7" $P11 manifest --key ibm a.vhd --out o.json
grep_err "... names --force" "use --force"
check "--force replaces it" $P11 manifest --key ibm a.vhd --out o.json --force
expect_exit 7 "vhd encrypt with an existing --manifest: exit 7" \
	$P11 vhd encrypt --key ibm --manifest m.json a.raw new.vhd
assert "... refused before encrypting" test ! -e new.vhd
expect_exit 2 "--manifest is OUT: exit 2" $P11 vhd encrypt --key ibm \
	--manifest same.vhd a.raw same.vhd
expect_exit 2 "--out is the image: exit 2" $P11 manifest --key ibm a.vhd \
	--out a.vhd --force
expect_eq "... the image is untouched" "$(sha256sum a.vhd | cut -d' ' -f1)" \
	"$(jm .image.sha256)"
expect_exit 2 "bad --cos-uri: exit 2" $P11 manifest --key ibm a.vhd \
	--cos-uri cos://us-south/B/a.vhd-0.vhd
grep_err "... names the bucket" "bad bucket name"
expect_exit 2 "bad --os: exit 2" $P11 vhd encrypt --key ibm --manifest x.json \
	--os "DEBIAN 12" a.raw x.vhd
expect_exit 2 "--cos-uri without --manifest: exit 2" $P11 vhd encrypt \
	--key ibm --cos-uri "$URI" a.raw x.vhd
expect_exit 2 "--manifest without a value: exit 2" $P11 vhd encrypt \
	--key ibm a.raw x.vhd --manifest
expect_exit 2 "manifest without --key: exit 2" $P11 manifest a.vhd
expect_exit 5 "manifest of a plain VHD: exit 5" $P11 manifest --key ibm a.raw \
	--allow-unwrapped
check "object outside IBM's pattern: a warning" $P11 manifest --key ibm \
	a.vhd --cos-uri cos://us-south/images-1/a.raw --out w.json
grep_err "... naming the pattern" "does not follow IBM's pattern"
check "bucket in another region than the KMS: a warning" $P11 manifest \
	--key ibm a.vhd --cos-uri cos://eu-de/images-1/a.vhd-0.vhd --out r.json
grep_err "... naming both regions" "region 'eu-de' is not the KMS region 'us-south'"

# --- a DEK never wrapped by Key Protect
expect_exit 7 "unwrapped DEK without --allow-unwrapped: exit 7" \
	$P11 vhd encrypt --key local --manifest u.json --cos-uri "$URI" a.raw u.vhd
grep_err "... says why" "never wrapped by Key Protect or HPCS"
assert "... refused before encrypting" test ! -e u.vhd
check "unwrapped DEK with --allow-unwrapped" $P11 vhd encrypt --key local \
	--manifest u.json --allow-unwrapped --cos-uri "$URI" a.raw u.vhd
grep_err "... warns it cannot be imported" "NOT importable as is"
expect_eq "... importable false, wrappedDek and crkCrn missing" \
	"$(jm '"\(.import.importable) \(.import.missing)"' u.json)" \
	'false ["wrappedDek","crkCrn"]'
expect_eq "... no wrappedDek, crkCrn or kms" \
	"$(jm '[.import.parameters.wrappedDek, .import.parameters.crkCrn, .dek.kms] | map(select(. != null)) | length' u.json)" 0
expect_eq "... XTS-AES-128 for a 32-byte DEK" "$(jm .encryption.xts u.json)" XTS-AES-128
grep -q "NOT importable as is" u.json && ok "... and the manifest says so" ||
	not_ok "... and the manifest says so"
check "verify an unwrapped manifest" $P11 manifest verify --allow-incomplete --key local u.json u.vhd
grep -q "importable: NO, missing wrappedDek crkCrn" "$WORK/out" &&
	ok "... reports it is not importable" || not_ok "... reports it is not importable"
no_secret "no DEK, PIN in the unwrapped manifest" u.json local.key
set_meta other "{\"kind\":\"dek\",\"wrapped_dek\":\"$WDEK\"}"
expect_exit 5 "metadata with a WDEK but no CRN: exit 5" $P11 manifest \
	--key other a.vhd
grep_err "... named" "wrapped_dek without root_key_crn"
set_meta other "{\"kind\":\"dek\",\"wrapped_dek\":\"$WDEK\",\"root_key_crn\":\"$CRN\",\"kms\":\"hpcs\"}"
expect_exit 5 "metadata whose kms contradicts the CRN: exit 5" $P11 manifest \
	--key other a.vhd
grep_err "... named" "kms 'hpcs' but the CRN names service 'kms'"

# --- wrong key
set_meta other '{"kind":"dek"}'
expect_exit 6 "manifest with another key: exit 6" $P11 manifest --key other \
	a.vhd --allow-unwrapped
grep_err "... names the keyhash" "does not match the keyhash"
expect_exit 6 "verify with another key: exit 6" $P11 manifest verify \
	--key other m.json a.vhd
grep_err "... names encryption.keyhash" "encryption.keyhash: key 'other' does not match"
grep_err "... and the binding" "^binding: does not match key 'other'"
expect_exit 6 "verify with a 32-byte key: exit 6" $P11 manifest verify \
	--key local m.json a.vhd
grep_err "... names encryption.dek_size" "encryption.dek_size: key 'local' has 32 bytes"
expect_exit 4 "verify with an unknown key: exit 4" $P11 manifest verify \
	--key nosuch m.json a.vhd

# --- tampered image
cp a.vhd t.vhd
printf 'X' | dd of=t.vhd bs=1 seek=$(($(stat -c %s t.vhd) - 1000)) \
	conv=notrunc 2>/dev/null
expect_exit 6 "one data byte changed: exit 6" $P11 manifest verify m.json t.vhd
grep_err "... names image.sha256" "^image.sha256: "
grep -q "keyhash" "$WORK/err" && not_ok "... and nothing else" ||
	ok "... and nothing else"
cp a.vhd t.vhd
$PY - t.vhd "$(jm .encryption.keyhash)" <<-'EOF'
import sys
d = bytearray(open(sys.argv[1], 'rb').read())
i = d.find(bytes.fromhex(sys.argv[2]))
d[i + 5] ^= 1
open(sys.argv[1], 'wb').write(d)
EOF
expect_exit 6 "one byte of the batmap keyhash changed: exit 6" \
	$P11 manifest verify m.json t.vhd
grep_err "... names encryption.keyhash" "^encryption.keyhash: the image's batmap holds"
grep_err "... and image.sha256" "^image.sha256: "
cp a.vhd t.vhd
truncate -s -512 t.vhd
# README "Exit codes": manifest verify ends with one line naming every failed field
expect_exit 6 "image truncated by a sector: exit 6" $P11 manifest verify m.json t.vhd
grep_err "... names image.size" "^image.size: t.vhd has"
grep_err "... one line lists the failed fields" \
	"manifest verify: m.json: [0-9]+ check\(s\) failed: image.size, image.sha256"
expect_exit 4 "missing image: exit 4" $P11 manifest verify m.json nosuch.vhd
check "renamed image: a warning only" sh -c "cp a.vhd b.vhd && $P11 manifest verify m.json b.vhd"
grep_err "... naming image.file" "warning: image.file: checked 'b.vhd'"

# --- tampered manifest, one field at a time:
# DESC | key (check the binding) or - | exit | stderr pattern | jq edit
# (expect_exit sets desc and code, so the loop reads into t_* names.)
while IFS='|' read -r t_desc t_key t_code t_pat t_prog; do
	[ -n "$t_desc" ] || continue
	jq --arg crn "$OTHER_CRN" "$t_prog" m.json >t.json
	if [ "$t_key" = key ]; then set -- --key ibm; else set --; fi
	expect_exit "$t_code" "tampered $t_desc: exit $t_code" $P11 manifest \
		verify "$@" t.json a.vhd
	grep_err "tampered $t_desc: names $t_pat" "$t_pat"
done <<-'EOF'
format|-|5|manifest format 'p11seal-manifest/9'|.format="p11seal-manifest/9"
created|key|6|^binding: does not match|.created="2020-01-01T00:00:00Z"
p11seal_version|key|6|^binding: |.p11seal_version="9.9.9"
image.file|-|6|^image.object: |.image.file="b.vhd"
image.object|-|6|^image.object: |.image.object="b.vhd-0.vhd"
image.size|-|6|^image.size: |.image.size+=512
image.sha256|-|6|^image.sha256: |.image.sha256=("0"*64)
image.virtual_size|-|6|^image.virtual_size: |.image.virtual_size+=2097152
encryption.dek_size|-|6|^encryption.xts: |.encryption.dek_size=32
encryption.xts|-|6|^encryption.xts: |.encryption.xts="XTS-AES-128"
encryption.keyhash|-|6|^encryption.keyhash: |.encryption.keyhash=("1"*64)
encryption.keyhash_nonce|-|6|^encryption.keyhash_nonce: |.encryption.keyhash_nonce=("1"*64)
dek.token_serial|key|6|^binding: |.dek.token_serial="0000"
dek.token_label|key|6|^binding: |.dek.token_label="other"
dek.label|key|6|^binding: |.dek.label="other"
dek.id|key|6|^binding: |.dek.id="00"
dek.kms|-|6|^dek.kms: |.dek.kms="hpcs"
dek.root_key_crn|-|6|^import.parameters.crkCrn: differs|.dek.root_key_crn=$crn
dek.root_key_id|-|6|^dek.root_key_id: |.dek.root_key_id="11111111-2222-4333-8444-555555555555"
dek.key_version|key|6|^binding: |.dek.key_version="11111111-2222-4333-8444-555555555555"
dek.wrapped_dek|-|6|^import.parameters.wrappedDek: differs|.dek.wrapped_dek="QUJD"
import.importable|-|6|^import.importable: |.import.importable=false
import.missing|-|6|^import.missing: |.import.missing=["uri"]
parameters.name|key|6|^binding: |.import.parameters.name="evil"
parameters.note|key|6|^binding: |.import.parameters.note="evil"
parameters.os|key|6|^binding: |.import.parameters.operatingSystemReferenceCode="WIN_2019-STD_64"
parameters.uri (another bucket)|key|6|^binding: |.import.parameters.uri="cos://us-south/evil-1/a.vhd-0.vhd"
parameters.uri (malformed)|-|6|^import.parameters.uri: COS URI|.import.parameters.uri="s3://x/y"
parameters.cloudInit|-|6|^import.parameters.cloudInit: must be true|.import.parameters.cloudInit=false
parameters.isEncrypted|-|6|^import.parameters.isEncrypted: must be true|.import.parameters.isEncrypted=false
parameters.byol|key|6|^binding: |.import.parameters.byol=true
parameters.bootMode|-|6|^import.parameters.bootMode: |.import.parameters.bootMode="UEFI"
docs-page name cloud-init|-|5|unknown member 'cloud-init'|.import.parameters["cloud-init"]=true
parameters.crkCrn|-|6|^import.parameters.crkCrn: differs|.import.parameters.crkCrn=$crn
parameters.wrappedDek|-|6|^import.parameters.wrappedDek: differs|.import.parameters.wrappedDek="QUJD"
notes|-|6|^import.notes: |.import.notes=[]
binding|key|6|^binding: does not match|.binding=("0"*64)
added ibmApiKey|-|5|carries an API key|.import.parameters.ibmApiKey="not-a-real-key"
added member|-|5|unknown member 'extra'|.extra=1
removed member|-|5|field 'sha256' is missing|del(.image.sha256)
EOF
check "without --key a tampered name passes (only the binding covers it)" \
	sh -c "jq '.import.parameters.name=\"evil\"' m.json >t.json && $P11 manifest verify t.json a.vhd"
echo '{"format":' >t.json
expect_exit 5 "not JSON: exit 5" $P11 manifest verify t.json a.vhd
expect_exit 6 "--json: exit 6 with failures listed" $P11 --json manifest \
	verify m.json t.vhd
expect_eq "... ok false, first failure image.size" \
	"$(jq -r '"\(.ok) \(.failures[0].field)"' "$WORK/out")" "false image.size"

# --- NSS softoken keeps no metadata: the WDEK record comes from --wdek
if [ -f "$NSS_MODULE" ] && command -v certutil >/dev/null && nss_setup "$WORK/nss"; then
	$P11NSS key import dek --label ibm --raw-file ibm.key >/dev/null 2>&1
	expect_exit 7 "NSS without --wdek: exit 7" $P11NSS manifest --key ibm a.vhd
	grep_err "... points at --wdek" "give --wdek FILE"
	printf '{"label":"ibm","wrapped_dek":"%s","root_key_crn":"%s","kms":"keyprotect"}' \
		"$WDEK" "$CRN" >wdek.json
	check "NSS with --wdek" $P11NSS manifest --key ibm a.vhd --wdek wdek.json \
		--cos-uri "$URI" --out n.json
	expect_eq "... wrappedDek and crkCrn from the file" \
		"$(jm '"\(.import.parameters.wrappedDek) \(.import.parameters.crkCrn)"' n.json)" \
		"$WDEK $CRN"
	check "... verifies with the NSS key" $P11NSS manifest verify --key ibm n.json a.vhd
	printf '{"wrapped_dek":"%s"}' "$WDEK" >wdek.json
	expect_exit 5 "--wdek without a CRN: exit 5" $P11NSS manifest --key ibm \
		a.vhd --wdek wdek.json
else
	skip "NSS softoken with --wdek" "no NSS softoken or certutil"
fi

# --- acceptance: a DEK wrapped by the local kp-server; the manifest's
# wrappedDek unwraps (Key Protect REST API) to the DEK of the image's keyhash
# unwrap_check DESC MANIFEST: unwrap MANIFEST's wrappedDek under its crkCrn
unwrap_check() {
	wd=$(jm .import.parameters.wrappedDek "$2")
	crk=$(jm .import.parameters.crkCrn "$2")
	action "${crk##*:}" unwrap "{\"ciphertext\":\"$wd\"}"
	expect_st "$1: Key Protect unwraps wrappedDek under crkCrn" 200
	jb .plaintext | base64 -d >unwrapped.key
	expect_eq "$1: it is the DEK of the image's keyhash" \
		"$(keyhash unwrapped.key)" "$(jm .encryption.keyhash "$2")"
	rm -f unwrapped.key
}
if [ -x "$KP_SERVER" ] && KP_NO_FAULTS=1 kp_start; then
	mkkey manifest-root false
	expect_st "kp-server: root key created" 201
	ROOTID=$KID
	ROOTCRN=$(jb '.resources[0].crn')
	head -c 64 /dev/urandom >kp.key
	action "$ROOTID" wrap "{\"plaintext\":\"$(base64 -w0 kp.key)\"}"
	expect_st "kp-server wraps the DEK" 200
	CT=$(jb .ciphertext)
	KV=$(jb .keyVersion.id)
	$P11 key import dek --label kpdek --raw-file kp.key >/dev/null 2>&1
	set_meta kpdek "{\"kind\":\"dek\",\"size\":64,\"wrapped_dek\":\"$CT\",\"root_key_crn\":\"$ROOTCRN\",\"root_key_id\":\"$ROOTID\",\"key_version\":\"$KV\",\"kms\":\"keyprotect\"}"
	check "kp: vhd encrypt --manifest" $P11 vhd encrypt --key kpdek \
		--manifest kp.json --cos-uri cos://us-south/images-1/kp.vhd-0.vhd \
		a.raw kp.vhd
	expect_eq "kp: importable" "$(jm .import.importable kp.json)" true
	expect_eq "kp: crkCrn is the root key's CRN" \
		"$(jm .import.parameters.crkCrn kp.json)" "$ROOTCRN"
	check "kp: manifest verify --key" $P11 manifest verify --key kpdek \
		kp.json kp.vhd
	unwrap_check kp kp.json
	$P11 --json vhd info kp.vhd >info.json 2>/dev/null
	expect_eq "kp: ... and the keyhash vhd info reads" \
		"$(jq -r .keyhash.hash info.json)" "$(keyhash kp.key)"
	no_secret "kp: no DEK, PIN or API key in the manifest" kp.json kp.key
	if $P11SEAL help key create | grep -q -- --kp-root; then
		check "kp: key create dek --kp-root" $P11 key create dek \
			--label kpgen --size 64 --kp-root "$ROOTID" \
			--cacert "$KP_CACERT" --wdek-out gen-wdek.json
		check "kp: vhd encrypt --manifest with the created DEK" \
			$P11 vhd encrypt --key kpgen --manifest gen.json \
			--cos-uri cos://us-south/images-1/gen.vhd-0.vhd a.raw gen.vhd
		expect_eq "kp: its metadata made it importable" \
			"$(jm .import.importable gen.json)" true
		check "kp: verify it" $P11 manifest verify --key kpgen gen.json gen.vhd
		unwrap_check "kp-root" gen.json
		check "kp: the --wdek-out record works as --wdek" $P11 manifest \
			--key kpgen gen.vhd --wdek gen-wdek.json --out gen2.json
		expect_eq "kp: ... with the same wrappedDek" \
			"$(jm .import.parameters.wrappedDek gen2.json)" \
			"$(jm .import.parameters.wrappedDek gen.json)"
	else
		skip "kp: DEK made by key create dek --kp-root" \
			"no 'key create dek --kp-root' yet"
	fi
else
	skip "kp: wrappedDek unwraps to the image's DEK" "kp-server not built or not started"
fi

done_testing
