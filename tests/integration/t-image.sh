#!/bin/sh
# t-image.sh - from the manifest to an image template, against kp-server's
# SoftLayer/IAM/COS stand-in: `preflight` (each check passing, then each
# failing on its own), `image import` (--wait, a delay, a timeout, a failed
# import), `image show`, `image os-codes`; the stand-in's createFromIcos
# refusing each field wrong (driven with curl, as p11seal always sends
# them right), the wrong image and the wrong key failing its decrypt
# check; the audit records; the import API key appearing nowhere.
# Checks README "Preflight and import".
. "$(dirname "$0")/lib.sh"

if [ ! -x "$KP_SERVER" ] || ! command -v jq >/dev/null ||
	! command -v openssl >/dev/null || ! command -v curl >/dev/null; then
	skip "image import against kp-server" "kp-server, jq, curl or openssl missing"
	done_testing
	exit 0
fi
. "$ROOT/tests/integration/kp-lib.sh"
export P11SEAL_KP_RETRY_BASE_MS=20 P11SEAL_KP_RETRY_CAP_MS=200
export XDG_STATE_HOME="$WORK/state"
# every p11seal run reports secure-heap bytes still in use at exit
export P11SEAL_SECMEM_REPORT=1
COS=$WORK/cos
POL=$WORK/policies.json
mkdir -p "$COS/images-1"
kp_start --cos-dir "$COS" --policies "$POL" --import-delay 2 --enable-wait 1 ||
	{ not_ok "kp-server starts"; done_testing; exit 1; }
CA="--cacert $KP_CACERT"
export SL_URL="$KP_URL/rest/v3.1" COS_ENDPOINT="$KP_URL/cos"
IMPORT_KEY=$(cat "$KP_DIR/apikey")
IK="--import-key-source file:$KP_DIR/apikey"
hsm_setup t1
jo() { jq -r "$1" "$WORK/out"; }
# style DESC: the last output is one document in p11seal's JSON style
style() { assert "$1" python3 "$ROOT/tests/integration/json_style.py" --kp "$WORK/out"; }
keep() { cat "$WORK/out" "$WORK/err" >>"$WORK/transcript"; }
c() { check "$@"; keep; }
x() { expect_exit "$@"; keep; }

# policies SERVICE INSTANCE ROLE: one authorization server-protect ->
# SERVICE with ROLE (serviceInstance left out when INSTANCE is "")
policies() {
	jq -n --arg s "$1" --arg i "$2" --arg r "$3" '{policies: [{
		id: "p1", type: "authorization", state: "active",
		subjects: [{attributes: [{name: "serviceName", value: "server-protect"}]}],
		roles: [{role_id: ("crn:v1:bluemix:public:iam::::serviceRole:" + $r)}],
		resources: [{attributes: ([{name: "serviceName", value: $s}] +
			(if $i == "" then [] else [{name: "serviceInstance", value: $i}] end))}]
	}]}' >"$POL"
}
policies kms "$KP_INSTANCE_ID" Reader

c "kp key-create a root key" $P11SEAL --json kp key-create img-root $CA
ROOT_ID=$(jo .key.id)
c "key create audit" $P11 key create audit
c "key create dek --kp-root" $P11 key create dek --label dek1 --size 64 \
	--kp-root "$ROOT_ID" $CA
c "a second DEK under the same root" $P11 --json key create dek \
	--label dek2 --size 64 --kp-root "$ROOT_ID" $CA
WDEK2=$(jo .wrapped_dek)
truncate -s 8M "$WORK/disk.raw"
yes p11seal-image | head -c 300000 |
	dd of="$WORK/disk.raw" bs=1 seek=1048576 conv=notrunc 2>/dev/null
URI=cos://us-south/images-1/disk.vhd-0.vhd
c "vhd encrypt --manifest" $P11 vhd encrypt --key dek1 --no-progress \
	--manifest "$WORK/m.json" --cos-uri "$URI" --os DEBIAN_12_64 \
	--note "t-image" "$WORK/disk.raw" "$WORK/disk.vhd"
c "the same disk under dek2 (the wrong image)" $P11 vhd encrypt --key dek2 \
	--no-progress "$WORK/disk.raw" "$WORK/other.vhd"
# Upload stand-in: the object where kp-server reads it (the cos helper's
# `cos put` replaces this copy).
put() { cp "$1" "$COS/images-1/disk.vhd-0.vhd"; }
put "$WORK/disk.vhd"

# --- image os-codes
c "image os-codes" $P11SEAL image os-codes $CA
grep -q '^DEBIAN_12_64 ' "$WORK/out" && ok "... lists DEBIAN_12_64" ||
	not_ok "... lists DEBIAN_12_64"
c "image os-codes --json" $P11SEAL --json image os-codes $CA
assert "... referenceCode and name per entry" \
	[ "$(jo '[.os_codes[] | select(.referenceCode == "REDHAT_7_64")] | length')" = 1 ]
style "... SoftLayer's objects nested under os_codes, p11seal's JSON style"

# --- preflight: everything right
c "preflight" $P11SEAL preflight "$WORK/m.json" $CA
assert "... five ok lines, one per check" \
	[ "$(grep -c '^ok   ' "$WORK/out")" = 5 ]
for k in "service authorization" "bucket location" "root key" "wrapped DEK" image; do
	grep -q "^ok   $k: " "$WORK/out" && ok "... $k" || not_ok "... $k"
done
c "preflight --json" $P11SEAL --json preflight "$WORK/m.json" $CA
assert "... ok true, 5 checks" [ "$(jo '"\(.ok) \(.checks | length)"')" = "true 5" ]
style "... p11seal's JSON style"

# pf_fail DESC CHECK PATTERN [ARGS]: preflight exits 6, CHECK fails
# alone with PATTERN
pf_fail() {
	desc=$1 k=$2 pat=$3
	shift 3
	x 6 "preflight: $desc: exit 6" $P11SEAL preflight "$@" $CA
	if grep -q "^FAIL $k: .*$pat" "$WORK/out" &&
		[ "$(grep -c '^FAIL' "$WORK/out")" = 1 ]; then
		ok "... only '$k' fails, saying why"
	else
		not_ok "... only '$k' fails: $(cat "$WORK/out")"
	fi
}
policies kms "" Reader
c "preflight: a policy for every kms instance counts" $P11SEAL preflight \
	"$WORK/m.json" $CA
policies kms "" Viewer
pf_fail "Viewer, not Reader" "service authorization" "no authorization" "$WORK/m.json"
policies kms 11111111-2222-4333-8444-555555555555 Reader
pf_fail "another instance" "service authorization" "Cloud Block Storage" "$WORK/m.json"
policies hs-crypto "$KP_INSTANCE_ID" Reader
pf_fail "hs-crypto, not kms" "service authorization" "server-protect -> kms" "$WORK/m.json"
echo '{"policies":[]}' >"$POL"
pf_fail "no policy" "service authorization" "no authorization" "$WORK/m.json"
policies kms "$KP_INSTANCE_ID" Reader
echo eu-de-standard >"$COS/images-1/.location"
pf_fail "bucket in eu-de" "bucket location" "is 'eu-de-standard', not a Regional bucket in the Key Protect region us-south" "$WORK/m.json"
echo us-standard >"$COS/images-1/.location"
pf_fail "cross-region bucket" "bucket location" "'us-standard', not a Regional" "$WORK/m.json"
echo us-south-smart >"$COS/images-1/.location"
c "preflight: another storage class in us-south is fine" $P11SEAL preflight \
	"$WORK/m.json" $CA
rm "$COS/images-1/.location"
jq '.import.parameters.uri = "cos://us-south/nosuch-1/disk.vhd-0.vhd"' \
	"$WORK/m.json" >"$WORK/m-nobucket.json"
pf_fail "no such bucket" "bucket location" "does not exist" "$WORK/m-nobucket.json" \
	--image "$WORK/disk.vhd"
jq ".dek.wrapped_dek = \"$WDEK2\" | .import.parameters.wrappedDek = \"$WDEK2\"" \
	"$WORK/m.json" >"$WORK/m-wdek2.json"
pf_fail "the WDEK of another DEK" "wrapped DEK" "keyhash differs" "$WORK/m-wdek2.json" \
	--image "$WORK/disk.vhd"
jq '.import.parameters.uri = "cos://us-south/images-1/disk.vhd"' \
	"$WORK/m.json" >"$WORK/m-obj.json"
pf_fail "object not NAME-0.vhd" image "does not end in -0.vhd" "$WORK/m-obj.json" \
	--image "$WORK/disk.vhd"
pf_fail "another image file" image "encryption.keyhash" "$WORK/m.json" \
	--image "$WORK/other.vhd"
pf_fail "no image beside the manifest" image "give --image" "$WORK/m.json" \
	--image "$WORK/nosuch.vhd"
c "kp key-disable the root" $P11SEAL kp key-disable "$ROOT_ID" $CA
x 6 "preflight: a suspended root key: exit 6" $P11SEAL preflight "$WORK/m.json" $CA
grep -q "^FAIL root key: .*state 2, not Active" "$WORK/out" &&
	ok "... root key: state 2" || not_ok "... root key: $(cat "$WORK/out")"
grep -q "^FAIL wrapped DEK: " "$WORK/out" && ok "... and no unwrap" ||
	not_ok "... and no unwrap"
sleep 1.1
c "kp key-enable the root" $P11SEAL kp key-enable "$ROOT_ID" $CA
jq '.format = "p11seal-manifest/1"' "$WORK/m.json" >"$WORK/m1.json"
x 5 "preflight: a format 1 manifest: exit 5" $P11SEAL preflight "$WORK/m1.json" $CA
grep_err "... says how to remake it" "remake it with"
c "a manifest without uri" $P11 manifest --key dek1 "$WORK/disk.vhd" \
	--out "$WORK/m-nouri.json"
x 6 "preflight: not importable: exit 6" $P11SEAL preflight "$WORK/m-nouri.json" $CA
grep_err "... names what it lacks" "not importable, it lacks uri"
c "a manifest without --os" $P11 manifest --key dek1 "$WORK/disk.vhd" \
	--cos-uri "$URI" --out "$WORK/m-noos.json"
x 6 "preflight: no OS code: exit 6" $P11SEAL preflight "$WORK/m-noos.json" $CA
grep_err "... says createFromIcos needs one" "operatingSystemReferenceCode is not set, and createFromIcos needs it"
x 3 "preflight: an API key IAM refuses: exit 3" env IBMCLOUD_API_KEY=nope \
	$P11SEAL preflight "$WORK/m.json" $CA
assert "... before any check" [ ! -s "$WORK/out" ]

# --- image import
x 2 "image import --import-key on argv: exit 2" $P11 image import \
	"$WORK/m.json" --import-key "$IMPORT_KEY" $CA
x 2 "image import --interval without --wait: exit 2" $P11 image import \
	"$WORK/m.json" $IK --interval 5 $CA
c "image import --wait" $P11 image import "$WORK/m.json" $IK --wait \
	--interval 1 $CA
assert "... prints id, globalIdentifier, name and state ready" \
	[ "$(grep -cE '^(id: [0-9]+|globalIdentifier: [0-9a-f-]{36}|name: disk|state: ready)$' "$WORK/out")" = 4 ]
ID=$(sed -n 's/^id: //p' "$WORK/out")
grep_err "... polled while pending" "template $ID: pending"
c "image show" $P11SEAL --json image show "$ID" $CA
assert "... ready, same globalIdentifier" \
	[ "$(jo '"\(.state) \(.image.id)"')" = "ready $ID" ]
style "... SoftLayer's template nested under image, p11seal's JSON style"
c "image import --json, no --wait" $P11 --json image import "$WORK/m.json" \
	$IK $CA
ID2=$(jo .image.id)
assert "... pending right after" [ "$(jo .state)" = pending ]
style "... p11seal's JSON style"
x 8 "image import --wait --timeout 1 on a pending import: exit 8" \
	$P11 image import "$WORK/m.json" $IK --wait --interval 1 --timeout 1 $CA
grep_err "... says it is still pending" "still pending after 1 s"
sleep 2.1
c "image show after the delay" $P11SEAL --json image show "$ID2" $CA
assert "... ready" [ "$(jo .state)" = ready ]
x 4 "image show of an unknown id: exit 4" $P11SEAL image show 42 $CA
grep_err "... SoftLayer's error" "SoftLayer_Exception_ObjectNotFound"
x 2 "image show abc: exit 2" $P11SEAL image show abc $CA

# the wrong image under the object's name: the import fails its decrypt check
put "$WORK/other.vhd"
x 8 "image import --wait of the wrong image: exit 8" $P11 image import \
	"$WORK/m.json" $IK --wait --interval 1 $CA
grep_err "... failed: wrong image or wrong key" "import of template [0-9]+ failed: FAILED: the image's keyhash is not the DEK's"
# the right keyhash but sectors that do not decrypt (a forged image)
cp "$WORK/disk.vhd" "$WORK/forged.vhd"
python3 - "$WORK/forged.vhd" <<'EOF'
import os, struct, sys
with open(sys.argv[1], "r+b") as f:
    f.seek(512 + 16)
    bat = struct.unpack(">Q", f.read(8))[0]
    f.seek(bat)
    first = next(s for s in struct.unpack(">4I", f.read(16)) if s != 0xFFFFFFFF)
    f.seek((first + 1) * 512)
    f.write(os.urandom(4096))
EOF
put "$WORK/forged.vhd"
x 8 "image import --wait of a forged image: exit 8" $P11 image import \
	"$WORK/m.json" $IK --wait --interval 1 $CA
grep_err "... its first block does not decrypt" "does not decrypt with the DEK \(.* bits/byte\)"
put "$WORK/disk.vhd"
x 8 "image import of the WDEK of another DEK: fails at the decrypt check" \
	$P11 image import "$WORK/m-wdek2.json" $IK --wait --interval 1 $CA
grep_err "... wrong key" "keyhash is not the DEK's: wrong image or wrong key"
jq '.import.parameters.operatingSystemReferenceCode = "FOO_64"' \
	"$WORK/m.json" >"$WORK/m-os.json"
x 8 "image import with an OS code SoftLayer lacks: exit 8" $P11 image import \
	"$WORK/m-os.json" $IK $CA
grep_err "... SoftLayer's code and message" "SoftLayer createFromIcos: HTTP 400 SoftLayer_Exception_Public: Invalid operating system reference code 'FOO_64'"
x 8 "image import with a wrong import API key: exit 8" $P11 image import \
	"$WORK/m.json" --import-key-source file:"$WORK/pin" $CA
grep_err "... ibmApiKey refused" "ibmApiKey is not a valid API key"
x 5 "image import of a format 1 manifest: exit 5" $P11 image import \
	"$WORK/m1.json" $IK $CA
x 6 "image import of a manifest without uri: exit 6" $P11 image import \
	"$WORK/m-nouri.json" $IK $CA

# --- createFromIcos itself, field by field (curl, as p11seal sends them right)
kp_auth
good=$(jq -c --arg k "$IMPORT_KEY" '{parameters: [.import.parameters + {ibmApiKey: $k}]}' "$WORK/m.json")
sl() { printf '%s' "$1" | curl -sS --cacert "$KP_CACERT" -H "@$KP_DIR/auth.hdr" \
	-H 'Content-Type: application/json' -o "$WORK/out" -w '%{http_code}' \
	--data-binary @- "$SL_URL/SoftLayer_Virtual_Guest_Block_Device_Template_Group/createFromIcos.json"; }
assert "createFromIcos with the manifest's parameters: 200" [ "$(sl "$good")" = 200 ]
OTHER_KEY=$(cat /proc/sys/kernel/random/uuid)
while IFS='#' read -r desc filter pat; do
	body=$(printf '%s' "$good" | jq -c --arg other "$OTHER_KEY" "$filter")
	st=$(sl "$body")
	if [ "$st" = 400 ] && jq -r .error "$WORK/out" | grep -qE "$pat"; then
		ok "createFromIcos refuses $desc"
	else
		not_ok "createFromIcos refuses $desc: $st $(cat "$WORK/out")"
	fi
done <<'EOF'
the docs page's cloud-init#.parameters[0] |= (del(.cloudInit) + {"cloud-init": true})#Property 'cloud-init' not valid
the docs page's encrypted#.parameters[0] |= (del(.isEncrypted) + {encrypted: true})#Property 'encrypted' not valid
2018's rootKeyId#.parameters[0].rootKeyId = "x"#Property 'rootKeyId' not valid
2018's keyProtectId#.parameters[0].keyProtectId = "x"#Property 'keyProtectId' not valid
isEncrypted as a string#.parameters[0].isEncrypted = "true"#'isEncrypted' .* must be a boolean
byol as a number#.parameters[0].byol = 0#'byol' .* must be a boolean
name as a number#.parameters[0].name = 7#'name' .* must be a string
isEncrypted false#.parameters[0].isEncrypted = false#isEncrypted must be true
cloudInit false#.parameters[0].cloudInit = false#cloudInit must be true
no name#del(.parameters[0].name)#'name' is required
no uri#del(.parameters[0].uri)#'uri' is required
no ibmApiKey#del(.parameters[0].ibmApiKey)#'ibmApiKey' is required
no crkCrn#del(.parameters[0].crkCrn)#needs crkCrn and wrappedDek
no wrappedDek#del(.parameters[0].wrappedDek)#needs crkCrn and wrappedDek
an unknown OS code#.parameters[0].operatingSystemReferenceCode = "DOS_6"#Invalid operating system
bootMode UEFI#.parameters[0].bootMode = "UEFI"#bootMode 'UEFI'
a wrong ibmApiKey#.parameters[0].ibmApiKey = "nope"#not a valid API key
a uri that is no cos://#.parameters[0].uri = "s3://us-south/images-1/disk.vhd-0.vhd"#not cos://
a uri in another region#.parameters[0].uri = "cos://eu-de/images-1/disk.vhd-0.vhd"#region 'eu-de'
a missing object#.parameters[0].uri = "cos://us-south/images-1/nosuch.vhd-0.vhd"#does not exist
a missing bucket#.parameters[0].uri = "cos://us-south/nosuch-1/disk.vhd-0.vhd"#does not exist
a crkCrn of another instance#.parameters[0].crkCrn |= sub(":a/(?<a>[0-9a-f]+):[^:]+:"; ":a/\(.a):11111111-2222-4333-8444-555555555555:")#does not name a key
a crkCrn of an unknown key#.parameters[0].crkCrn |= sub("[^:]+$"; $other)#not an active root key
a wrappedDek that is not one#.parameters[0].wrappedDek = "QUJD"#does not unwrap
two configurations#.parameters += .parameters#must be \{"parameters"
an extra top-level member#.extra = 1#must be \{"parameters"
EOF

# --- audit records and the import key
c "audit show --json" $P11 --json audit show
assert "image.import: intents and results, the root key and the uri" \
	[ "$(jo '[.[] | select(.op == "image.import")] | length')" -ge 8 ]
c "audit verify" $P11 audit verify
LOG=$XDG_STATE_HOME/p11seal/audit.log
found=$(grep -lF "$IMPORT_KEY" "$WORK/transcript" "$LOG" "$WORK"/*.json \
	"$KP_DIR/server.log" "$KP_DIR/state.json" 2>/dev/null)
assert "the import API key appears in no output, log, manifest or server state" \
	[ -z "$found" ]
n=$(grep -c "secure heap in use at exit" "$WORK/transcript")
leaks=$(grep "secure heap in use at exit" "$WORK/transcript" | grep -vc ": 0 bytes")
assert "$n runs: every secure buffer (API keys, tokens, DEKs) freed at exit" \
	[ "$n" -gt 40 ]
assert "... no run left any" [ "$leaks" = 0 ]
done_testing
