#!/bin/sh
# tests/demo.sh - `make demo`: p11seal's whole job end to end on the
# embedded defaults, with no prompts: throw-away SoftHSM tokens made from
# softhsm-conf/, the local Key Protect server on loopback with a throw-away
# CA, the root-key ceremony, a DEK wrapped by Key Protect, a small
# cloud-init image encrypted and checked, the import manifest, preflight,
# upload and import against the local SoftLayer/IAM/COS stand-in, an
# air-gapped handover to a second token, and the audit trail with its
# second copy in syslog (a private rsyslogd, as t-audit-syslog.sh runs it).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
# As root: again in a mount namespace of its own, where /dev/log is the
# demo's rsyslogd and nobody else's.
. "$ROOT/tests/integration/syslog-lib.sh"
syslog_private_dev "$0"
sh "$ROOT/tests/need.sh"
for bin in p11seal kp-server; do
	[ -x "$ROOT/$B/$bin" ] || make -C "$ROOT" B="$B" >/dev/null
done
P11SEAL="$ROOT/$B/p11seal"
KP_SERVER="$ROOT/$B/kp-server"
# lib.sh gives a private $WORK removed at exit; kp-lib.sh starts kp-server.
. "$ROOT/tests/integration/lib.sh"
. "$ROOT/tests/integration/kp-lib.sh"
set -e
# The syslog copy: a private rsyslogd writing authpriv to $DEMO/syslog,
# started before the first audited command; without one (not root, or a
# /dev/log of the machine's) the demo says so and goes on.
COPY=$WORK/syslog/authpriv.log
syslog_devlog
if [ ! -x "$RSYSLOGD" ] || [ -z "$DEVLOG" ] || ! syslog_start "$COPY"; then
	COPY=
fi
T0=$(date +%s)

step() { printf '\n== %s\n' "$*"; }
show() { # print the command as a user would type it (on stderr), run it
	printf '$ %s\n' "$*" | sed "s|$P11SEAL|p11seal|g; s|$WORK|\$DEMO|g; \
		s|--module [^ ]* ||g; s|--pin-source [^ ]* ||g; \
		s| --api-key-source [^ ]*||g; s| --cacert [^ ]*||g; \
		s|--import-key-source [^ ]*|--import-key-source file:import.key|g; \
		s|--so-pin-source [^ ]*|--so-pin-source file:so.pin|g" >&2
	"$@"
}

# A token per role, each in its own SoftHSM directory.
make_token() { # NAME
	mkdir -p "$WORK/$1/tokens"
	sed "s|@TOKENDIR@|$WORK/$1/tokens|" "$ROOT/softhsm-conf/softhsm2.conf.in" \
		>"$WORK/$1/softhsm2.conf"
	SOFTHSM2_CONF="$WORK/$1/softhsm2.conf" "$P11SEAL" --module "$SOFTHSM_MODULE" \
		--pin-source "file:$WORK/user.pin" -q token init --label "$1" \
		--so-pin-source "file:$WORK/so.pin"
}
as() { # ROLE p11seal-args...: run p11seal against ROLE's token
	role=$1
	shift
	SOFTHSM2_CONF="$WORK/$role/softhsm2.conf"
	export SOFTHSM2_CONF
	show "$P11SEAL" \
		--module "$SOFTHSM_MODULE" --token "pkcs11:token=$role" \
		--pin-source "file:$WORK/user.pin" \
		--audit-log "$WORK/$role/audit.log" "$@"
}
KPOPTS() { echo "--cacert $KP_CACERT --api-key-source file:$KP_DIR/apikey"; }

umask 077
printf 'demo-user-pin' >"$WORK/user.pin"
printf 'demo-so-pin!' >"$WORK/so.pin"

step "1. Tokens: a bridge (security officer, online) and a station (air-gapped)"
make_token bridge
make_token station
as bridge token info | sed -n '1,4p'
as bridge key create audit --label p11seal-audit
as station key create audit --label p11seal-audit

step "2. The local Key Protect server on loopback (throw-away CA and token)"
mkdir -p "$WORK/cos/demo-images"
KP_NO_FAULTS=1 kp_start --cos-dir "$WORK/cos" --policies "$WORK/policies.json" \
	--import-delay 1
unset IBMCLOUD_API_KEY
echo "Key Protect at $KP_URL, instance $KP_INSTANCE_ID"
echo "(its stand-ins for SoftLayer, IAM's policies and COS too: step 9)"
export SL_URL="$KP_URL/rest/v3.1" COS_ENDPOINT="$KP_URL/cos"

step "3. Root-key ceremony: new material imported into Key Protect with an import token"
echo "(SoftHSM 2.6.1 cannot OAEP-wrap with SHA-256, so the explicit host-assisted path)"
as bridge kp import-root --label image-crk --name image-crk-2026 \
	--host-assisted $(KPOPTS)
as bridge --json key show --label image-crk >"$WORK/crk.json"
CRK_ID=$(jq -r '.kp_key_id // .key_id // .root_key_id' "$WORK/crk.json")
jq '{label: .label, kind, size, extractable, never_extractable, crn: (.crn // .kp_crn)}' "$WORK/crk.json"

step "4. A 64-byte DEK from the token's RNG, wrapped by Key Protect, kept in the token"
as bridge key create dek --label image-dek --size 64 --kp-root "$CRK_ID" \
	--exportable $(KPOPTS)
as bridge --json key show --label image-dek >"$WORK/dek.json"
jq '{label: .label, size, keyhash, root_key_crn, wrapped_dek: (.wrapped_dek[0:40] + "...")}' \
	"$WORK/dek.json"

step "5. A small cloud-init image (ext4 with a cloud-init config), as a dynamic VHD"
mkdir -p "$WORK/rootfs/etc/cloud/cloud.cfg.d"
cat >"$WORK/rootfs/etc/cloud/cloud.cfg.d/99-p11seal-demo.cfg" <<EOF
#cloud-config
datasource_list: [ ConfigDrive, NoCloud ]
final_message: "p11seal demo image booted"
EOF
head -c 3000000 /dev/urandom >"$WORK/rootfs/payload.bin"
truncate -s 48M "$WORK/disk.raw"
mkfs.ext4 -q -F -d "$WORK/rootfs" -L cloudimg "$WORK/disk.raw"
show qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on \
	"$WORK/disk.raw" "$WORK/disk.vhd"
as bridge vhd info "$WORK/disk.vhd"

step "6. Encrypt through the token, with the import manifest"
as bridge vhd encrypt --key image-dek --no-progress "$WORK/disk.vhd" \
	"$WORK/demo.vhd-0.vhd" --manifest "$WORK/manifest.json" \
	--cos-uri cos://us-south/demo-images/demo.vhd-0.vhd --name demo-image \
	--os DEBIAN_12_64
as bridge vhd info "$WORK/demo.vhd-0.vhd"
show qemu-img info "$WORK/demo.vhd-0.vhd" | sed -n '1,4p'
show vhdiinfo "$WORK/demo.vhd-0.vhd" | grep -E "Disk type|Media size"

step "7. Verify every block decrypts; decrypt and compare with the source"
as bridge vhd verify --key image-dek --data --no-progress "$WORK/demo.vhd-0.vhd"
as bridge vhd decrypt --key image-dek --no-progress "$WORK/demo.vhd-0.vhd" \
	"$WORK/back.raw"
show qemu-img compare -f vpc -F raw "$WORK/disk.vhd" "$WORK/back.raw"

step "8. The manifest for the import (createFromIcos), checked before upload"
jq . "$WORK/manifest.json"
as bridge manifest verify "$WORK/manifest.json" "$WORK/demo.vhd-0.vhd"
echo "The manifest's wrappedDek unwraps through Key Protect to the image's DEK:"
jq -r .import.parameters.wrappedDek "$WORK/manifest.json" >"$WORK/wdek.txt"
make_token check
as check kp unwrap --kp-root "$CRK_ID" --wdek-file "$WORK/wdek.txt" \
	--label unwrapped $(KPOPTS)
U=$(as check --json key show --label unwrapped | jq -r .keyhash)
M=$(jq -r .encryption.keyhash "$WORK/manifest.json")
echo "keyhash of the unwrapped DEK: $U"
echo "keyhash in the manifest:      $M"
[ "$U" = "$M" ]

step "9. Preflight, upload, import (createFromIcos) and wait for the template"
echo "The service authorization an account admin creates once (IAM policy):"
jq -n --arg i "$KP_INSTANCE_ID" '{policies: [{id: "demo", type: "authorization",
	state: "active", roles: [{role_id: "crn:v1:bluemix:public:iam::::serviceRole:Reader"}],
	subjects: [{attributes: [{name: "serviceName", value: "server-protect"}]}],
	resources: [{attributes: [{name: "serviceName", value: "kms"},
		{name: "serviceInstance", value: $i}]}]}]}' | tee "$WORK/policies.json" |
	jq -c '.policies[0] | {subject: .subjects[0].attributes[0].value,
		target: .resources[0].attributes[0].value, role: .roles[0].role_id}'
as bridge preflight "$WORK/manifest.json" $(KPOPTS)
# UPLOAD STAND-IN: the cos helper's `p11seal cos put` replaces this copy
# into the directory the stand-in serves as COS.
show cp "$WORK/demo.vhd-0.vhd" "$WORK/cos/demo-images/demo.vhd-0.vhd"
as bridge image import "$WORK/manifest.json" --wait --interval 1 \
	--import-key-source "file:$KP_DIR/apikey" $(KPOPTS) >"$WORK/import.txt"
cat "$WORK/import.txt"
as bridge image show "$(sed -n 's/^id: //p' "$WORK/import.txt")" $(KPOPTS)

step "10. Air-gapped handover: a signed bundle; the station keeps the DEK never extractable"
as station key create transport --label station-transport
as station key export-public --label station-transport --out "$WORK/station.pem"
as bridge key trust-transport --pubkey "$WORK/station.pem" --label station1 \
	--so-pin-source "file:$WORK/so.pin"
echo "The bridge signs every bundle with a key that never leaves its token;"
echo "the station's SO pins its public key, checking the fingerprint:"
as bridge key create signer --label bridge-signer
SIGNER_FP=$(as bridge key export-public --label bridge-signer \
	--out "$WORK/bridge-signer.pem")
as station key trust-signer --pubkey "$WORK/bridge-signer.pem" \
	--label bridge1 --fingerprint "$SIGNER_FP" \
	--so-pin-source "file:$WORK/so.pin"
as bridge key export dek --label image-dek --to "$WORK/station.pem" \
	--out "$WORK/dek.p11seal"
jq '{format, signer_fingerprint, signature}' "$WORK/dek.p11seal"
echo "A bundle anyone could make from station.pem (format 1, unsigned) is refused:"
jq '.format = "p11seal-dek-bundle/1" | del(.signer_fingerprint, .signature)' \
	"$WORK/dek.p11seal" >"$WORK/unsigned.p11seal"
as station key import dek --bundle "$WORK/unsigned.p11seal" \
	--unwrap-with station-transport || true
echo "The signed one: signature checked in the token before any unwrap:"
as station key import dek --bundle "$WORK/dek.p11seal" \
	--unwrap-with station-transport
as station --json key show --label image-dek |
	jq '{label: .label, keyhash, sensitive, extractable, wrapped_dek: (.wrapped_dek[0:40] + "...")}'
as station vhd encrypt --key image-dek --no-progress "$WORK/disk.vhd" \
	"$WORK/station.vhd-0.vhd" --manifest "$WORK/station-manifest.json" \
	--cos-uri cos://us-south/demo-images/station.vhd-0.vhd
echo "Bridge and station produce the same encrypted data (XTS is deterministic):"
show cmp "$WORK/demo.vhd-0.vhd" "$WORK/station.vhd-0.vhd" 2>&1 | head -1 || true
as station manifest verify "$WORK/station-manifest.json" "$WORK/station.vhd-0.vhd"

step "11. The audit trail: hash-chained, MACed in the token, head kept in the token"
as bridge audit show --last 3 "$WORK/bridge/audit.log" 2>/dev/null || true
as bridge audit verify "$WORK/bridge/audit.log"
as station audit verify "$WORK/station/audit.log"

step "11. The second copy in syslog, out of the PIN holder's reach"
if [ -z "$COPY" ]; then
	echo "(not shown: no private syslog daemon here; make demo as root, with"
	echo " rsyslog installed, runs one; see t-audit-syslog.sh)"
else
	echo "Every record also went to syslog (authpriv), one line each with its"
	echo "seq, hash and MAC; here a private rsyslogd wrote \$DEMO/syslog/authpriv.log:"
	sleep 0.3 # rsyslogd writes asynchronously
	grep 'p11seal-audit/1' "$COPY" | tail -n 2 | cut -c1-150 | sed 's/$/.../'
	as station audit verify --syslog-copy "$COPY" "$WORK/station/audit.log"
	echo "A station PIN holder cuts the last two records (a command's intent and"
	echo "result) from the log and rewrites the token's chain head to match:"
	SLOG=$WORK/station/audit.log
	N=$(($(wc -l <"$SLOG") - 2))
	head -n "$N" "$SLOG" >"$WORK/cut.log"
	AID=$(as station --json key show --label p11seal-audit 2>/dev/null | jq -r .id)
	printf '{"v":1,"key_id":"%s","seq":%s,"hash":"%s"}' "$AID" "$N" \
		"$(sed -n "${N}p" "$SLOG" | tr -d '\n' | sha256sum | cut -c1-64)" \
		>"$WORK/head.json"
	PIN=$(cat "$WORK/user.pin")
	export PIN SOFTHSM2_CONF="$WORK/station/softhsm2.conf"
	PT="pkcs11-tool --module $SOFTHSM_MODULE --token-label station --login --pin env:PIN"
	show $PT --delete-object --type data --label p11seal-audit-head >/dev/null
	show $PT --write-object "$WORK/head.json" --type data --private \
		--label p11seal-audit-head --application-label p11seal >/dev/null
	echo "The local log and the token's head now agree, so the log alone looks intact:"
	as station audit verify "$WORK/cut.log"
	echo "The syslog copy names what is gone:"
	as station audit verify --syslog-copy "$COPY" "$WORK/cut.log" || true
fi

printf '\ndemo finished in %s s; tokens, server and files in $DEMO are removed\n' \
	"$(($(date +%s) - T0))"
