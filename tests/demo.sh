#!/bin/sh
# tests/demo.sh - `make demo`: p11seal's whole job end to end on the
# embedded defaults, with no prompts: throw-away SoftHSM tokens made from
# softhsm-conf/, the local Key Protect server on loopback with a throw-away
# CA, the root-key ceremony, a DEK wrapped by Key Protect, a small
# cloud-init image encrypted and checked, the import manifest, preflight,
# the upload to a local Cloud Object Storage stand-in (s3rver), the import
# against the local SoftLayer/IAM stand-in, an air-gapped handover to a
# second token, and the audit trail with its second copy in syslog (a
# private rsyslogd, as t-audit-syslog.sh runs it).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
sh "$ROOT/tests/need.sh"
for bin in p11seal kp-server; do
	[ -x "$ROOT/$B/$bin" ] || make -C "$ROOT" B="$B" >/dev/null
done
# P11SEAL may name a wrapper (t-newcomer.sh logs each run's argv with one)
P11SEAL=${P11SEAL:-$ROOT/$B/p11seal}
KP_SERVER="$ROOT/$B/kp-server"
# lib.sh gives a private $WORK removed at exit; kp-lib.sh the CA that
# cos-lib.sh's COS stand-in shares with kp-server; syslog-lib.sh rsyslogd.
. "$ROOT/tests/integration/lib.sh"
. "$ROOT/tests/integration/kp-lib.sh"
. "$ROOT/tests/integration/cos-lib.sh"
. "$ROOT/tests/integration/syslog-lib.sh"
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
# Every command is printed exactly as it runs (on stderr, before it runs),
# with two names a reader can set the same way: $DEMO for this run's
# folder and p11seal on PATH (both exported below, so the lines work).
quote() { # ARG: as a shell word
	case $1 in
	*[!A-Za-z0-9_./:=@%+,-]* | '') printf "'%s'" "$(printf '%s' "$1" |
		sed "s/'/'\\\\''/g")" ;;
	*) printf '%s' "$1" ;;
	esac
}
words() { # ARGS: quoted, $WORK as $DEMO, the binary as p11seal
	out=
	for w in "$@"; do
		[ "$w" = "$P11SEAL" ] && w=p11seal
		out="$out${out:+ }$(quote "$w")"
	done
	printf '%s' "$out" | sed "s|$WORK|\$DEMO|g"
}
say() { printf '$ %s\n' "$*" >&2; }
show() { say "$(words "$@")"; "$@"; }
# A token per role, each in its own SoftHSM folder: the one token there,
# so no --token; module, PIN source and CA file come from P11SEAL_*.
make_token() { # NAME
	mkdir -p "$WORK/$1/tokens"
	sed "s|@TOKENDIR@|$WORK/$1/tokens|" "$ROOT/softhsm-conf/softhsm2.conf.in" \
		>"$WORK/$1/softhsm2.conf"
	as "$1" -q token init --label "$1" --so-pin-source "file:$WORK/so.pin"
}
use() { # ROLE: its SoftHSM folder
	SOFTHSM2_CONF="$WORK/$1/softhsm2.conf"
	export SOFTHSM2_CONF
}
as_line() { # ROLE p11seal-args...: the command line as printed
	r=$1
	shift
	printf 'SOFTHSM2_CONF=$DEMO/%s/softhsm2.conf %s' "$r" \
		"$(words "$P11SEAL" "$@")"
}
as() { # ROLE p11seal-args...: p11seal on ROLE's token
	use "$1"
	say "$(as_line "$@")"
	shift
	"$P11SEAL" "$@"
}
to() { # FILE ROLE p11seal-args...: as, stdout into FILE
	f=$1
	shift
	use "$1"
	say "$(as_line "$@") >$(words "$f")"
	shift
	"$P11SEAL" "$@" >"$f"
}
KPOPTS() { echo "--api-key-source file:$WORK/kp/apikey"; }

umask 077
DEMO=$WORK
PATH=$ROOT/$B:$PATH
XDG_STATE_HOME=$WORK/state # the tokens' audit logs, one per token
export DEMO PATH XDG_STATE_HOME
printf '$ DEMO=%s\n' "$WORK" >&2
say "export PATH=$ROOT/$B:\$PATH XDG_STATE_HOME=\$DEMO/state"
show sh -c "printf demo-user-pin >$WORK/user.pin && printf 'demo-so-pin!' >$WORK/so.pin"
P11SEAL_MODULE=$SOFTHSM_MODULE
P11SEAL_PIN_SOURCE=file:$WORK/user.pin
export P11SEAL_MODULE P11SEAL_PIN_SOURCE
say "export P11SEAL_MODULE=$SOFTHSM_MODULE P11SEAL_PIN_SOURCE=file:\$DEMO/user.pin"

step "1. Tokens: a bridge (security officer, online) and a station (air-gapped)"
make_token bridge
make_token station
as bridge token info
as bridge key create audit --label p11seal-audit
as station key create audit --label p11seal-audit

step "2. The local Key Protect server on loopback (throw-away CA and token)"
echo "(with its stand-ins for SoftLayer's image import and IAM's policies: step 9)"
mkdir -p "$WORK/cos/data"
say "kp-server --demo \$DEMO/kp --cos-dir \$DEMO/cos/data --policies \$DEMO/policies.json --import-delay 1 &"
"$KP_SERVER" --demo "$WORK/kp" --cos-dir "$WORK/cos/data" \
	--policies "$WORK/policies.json" --import-delay 1 >"$WORK/kp.out" 2>&1 &
KP_PID=$!
stop_kp() { kill "$KP_PID" 2>/dev/null && wait "$KP_PID" 2>/dev/null; }
at_exit stop_kp
i=0
while [ ! -s "$WORK/kp/env" ] && [ $i -lt 300 ] && kill -0 "$KP_PID"; do
	sleep 0.1
	i=$((i + 1))
done
sed "s|$WORK|\$DEMO|g" "$WORK/kp.out"
say ". \$DEMO/kp/env"
. "$WORK/kp/env"
say "export SL_URL=\$KP_URL/rest/v3.1"
export SL_URL="$KP_URL/rest/v3.1"

step "3. Root-key ceremony: new material imported into Key Protect with an import token"
echo "(SoftHSM 2.6.1 cannot OAEP-wrap with SHA-256, so the explicit host-assisted path)"
as bridge kp import-root --label image-crk --name image-crk-2026 \
	--host-assisted $(KPOPTS)
to "$WORK/crk.json" bridge --json key show --label image-crk
show jq '{label: .label, kind, size, extractable, never_extractable, crn: (.crn // .kp_crn)}' "$WORK/crk.json"
say "CRK_ID=\$(jq -r '.kp_key_id // .key_id // .root_key_id' \$DEMO/crk.json)"
CRK_ID=$(jq -r '.kp_key_id // .key_id // .root_key_id' "$WORK/crk.json")

step "4. A 64-byte DEK from the token's RNG, wrapped by Key Protect, kept in the token"
as bridge key create dek --label image-dek --size 64 --kp-root "$CRK_ID" \
	--exportable $(KPOPTS)
to "$WORK/dek.json" bridge --json key show --label image-dek
show jq '{label: .label, size, keyhash, root_key_crn, wrapped_dek: (.wrapped_dek[0:40] + "...")}' \
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
show qemu-img info "$WORK/demo.vhd-0.vhd"
show vhdiinfo "$WORK/demo.vhd-0.vhd"

step "7. Verify every block decrypts; decrypt and compare with the source"
as bridge vhd verify --key image-dek --data --no-progress "$WORK/demo.vhd-0.vhd"
as bridge vhd decrypt --key image-dek --no-progress "$WORK/demo.vhd-0.vhd" \
	"$WORK/back.raw"
show qemu-img compare -f vpc -F raw "$WORK/disk.vhd" "$WORK/back.raw"

step "8. The manifest for the import (createFromIcos), checked before upload"
show jq . "$WORK/manifest.json"
as bridge manifest verify "$WORK/manifest.json" "$WORK/demo.vhd-0.vhd"
echo "The manifest's wrappedDek unwraps through Key Protect to the image's DEK:"
say "jq -r .import.parameters.wrappedDek \$DEMO/manifest.json >\$DEMO/wdek.txt"
jq -r .import.parameters.wrappedDek "$WORK/manifest.json" >"$WORK/wdek.txt"
make_token check
as check kp unwrap --kp-root "$CRK_ID" --wdek-file "$WORK/wdek.txt" \
	--label unwrapped $(KPOPTS)
to "$WORK/unwrapped.json" check --json key show --label unwrapped
say "U=\$(jq -r .keyhash \$DEMO/unwrapped.json); M=\$(jq -r .encryption.keyhash \$DEMO/manifest.json)"
U=$(jq -r .keyhash "$WORK/unwrapped.json")
M=$(jq -r .encryption.keyhash "$WORK/manifest.json")
echo "keyhash of the unwrapped DEK: $U"
echo "keyhash in the manifest:      $M"
[ "$U" = "$M" ]

step "9. Preflight, upload to COS, import (createFromIcos) and wait for the template"
echo "The service authorization an account admin creates once (IAM policy):"
say "jq -n ... >\$DEMO/policies.json (server-protect -> kms, Reader, this instance)"
jq -n --arg i "$KP_INSTANCE_ID" '{policies: [{id: "demo", type: "authorization",
	state: "active", roles: [{role_id: "crn:v1:bluemix:public:iam::::serviceRole:Reader"}],
	subjects: [{attributes: [{name: "serviceName", value: "server-protect"}]}],
	resources: [{attributes: [{name: "serviceName", value: "kms"},
		{name: "serviceInstance", value: $i}]}]}]}' >"$WORK/policies.json"
show jq -c '.policies[0] | {subject: .subjects[0].attributes[0].value,
	target: .resources[0].attributes[0].value, role: .roles[0].role_id}' \
	"$WORK/policies.json"
if cos_available && cos_start demo-images >"$WORK/cos.out" 2>&1; then
	echo "COS stand-in: s3rver behind a TLS front that checks the IAM bearer"
	say "export COS_ENDPOINT=$COS_ENDPOINT"
	export COS_ENDPOINT
	as bridge preflight "$WORK/manifest.json" $(KPOPTS)
	as bridge cos put "$WORK/demo.vhd-0.vhd" --manifest "$WORK/manifest.json" \
		--no-progress $(KPOPTS)
else
	echo "COS stand-in unavailable (${COS_WHY:-$(tail -n 1 "$WORK/cos.out")}):"
	echo "kp-server's own COS stand-in answers, and the object is copied where it reads it"
	say "export COS_ENDPOINT=\$KP_URL/cos"
	export COS_ENDPOINT="$KP_URL/cos"
	show mkdir -p "$WORK/cos/data/demo-images"
	as bridge preflight "$WORK/manifest.json" $(KPOPTS)
	show cp "$WORK/demo.vhd-0.vhd" "$WORK/cos/data/demo-images/demo.vhd-0.vhd"
fi
to "$WORK/import.txt" bridge image import "$WORK/manifest.json" --wait \
	--interval 1 --import-key-source "file:$WORK/kp/apikey" $(KPOPTS)
show cat "$WORK/import.txt"
say "IMAGE_ID=\$(sed -n 's/^id: //p' \$DEMO/import.txt)"
IMAGE_ID=$(sed -n 's/^id: //p' "$WORK/import.txt")
as bridge image show "$IMAGE_ID" $(KPOPTS)

step "10. Air-gapped handover: a signed bundle; the station keeps the DEK never extractable"
as station key create transport --label station-transport
as station key export-public --label station-transport --out "$WORK/station.pem"
as bridge key trust-transport --pubkey "$WORK/station.pem" --label station1 \
	--so-pin-source "file:$WORK/so.pin"
echo "The bridge signs every bundle with a key that never leaves its token;"
echo "the station's SO pins its public key, checking the fingerprint:"
as bridge key create signer --label bridge-signer
to "$WORK/signer.fp" bridge key export-public --label bridge-signer \
	--out "$WORK/bridge-signer.pem"
say "SIGNER_FP=\$(cat \$DEMO/signer.fp)"
SIGNER_FP=$(cat "$WORK/signer.fp")
as station key trust-signer --pubkey "$WORK/bridge-signer.pem" \
	--label bridge1 --fingerprint "$SIGNER_FP" \
	--so-pin-source "file:$WORK/so.pin"
as bridge key export dek --label image-dek --to "$WORK/station.pem" \
	--out "$WORK/dek.p11seal"
show jq '{format, signer_fingerprint, signature}' "$WORK/dek.p11seal"
echo "A bundle anyone could make from station.pem (format 1, unsigned) is refused:"
say "jq '.format = \"p11seal-dek-bundle/1\" | del(.signer_fingerprint, .signature)' \$DEMO/dek.p11seal >\$DEMO/unsigned.p11seal"
jq '.format = "p11seal-dek-bundle/1" | del(.signer_fingerprint, .signature)' \
	"$WORK/dek.p11seal" >"$WORK/unsigned.p11seal"
as station key import dek --bundle "$WORK/unsigned.p11seal" \
	--unwrap-with station-transport || true
echo "The signed one: signature checked in the token before any unwrap:"
as station key import dek --bundle "$WORK/dek.p11seal" \
	--unwrap-with station-transport
to "$WORK/station-dek.json" station --json key show --label image-dek
show jq '{label: .label, keyhash, sensitive, extractable, wrapped_dek: (.wrapped_dek[0:40] + "...")}' \
	"$WORK/station-dek.json"
as station vhd encrypt --key image-dek --no-progress "$WORK/disk.vhd" \
	"$WORK/station.vhd-0.vhd" --manifest "$WORK/station-manifest.json" \
	--cos-uri cos://us-south/demo-images/station.vhd-0.vhd
echo "Bridge and station produce the same encrypted data (XTS is deterministic;"
echo "only the VHD headers' time stamps and UUIDs differ):"
show qemu-img compare -f vpc -F vpc "$WORK/demo.vhd-0.vhd" "$WORK/station.vhd-0.vhd"
as station manifest verify "$WORK/station-manifest.json" "$WORK/station.vhd-0.vhd"

step "11. The audit trail: hash-chained, MACed in the token, head kept in the token"
as bridge audit show --last 3
as bridge audit verify
as station audit verify

step "12. The second copy in syslog, out of the PIN holder's reach"
if [ -z "$COPY" ]; then
	echo "(not shown: no private syslog daemon here; make demo as root, with"
	echo " rsyslog installed, runs one; see t-audit-syslog.sh)"
else
	echo "Every record also went to syslog (authpriv), one line each with its"
	echo "seq, hash and MAC; here a private rsyslogd wrote \$DEMO/syslog/authpriv.log:"
	sleep 0.3 # rsyslogd writes asynchronously
	grep 'p11seal-audit/1' "$COPY" | tail -n 2 | cut -c1-150 | sed 's/$/.../'
	to "$WORK/station-token.json" station --json token info
	SLOG=$XDG_STATE_HOME/p11seal/audit-$(jq -r .serial "$WORK/station-token.json").log
	as station audit verify --syslog-copy "$COPY" "$SLOG"
	echo "A station PIN holder cuts the last two records (a command's intent and"
	echo "result) from the log and rewrites the token's chain head to match:"
	N=$(($(wc -l <"$SLOG") - 2))
	head -n "$N" "$SLOG" >"$WORK/cut.log"
	to "$WORK/audit-key.json" station --json key show --label p11seal-audit
	AID=$(jq -r .id "$WORK/audit-key.json")
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
