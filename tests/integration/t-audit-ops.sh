#!/bin/sh
# t-audit-ops.sh - the audit records of the commands that use, export and
# import keys beyond `key create/import/delete` (t-audit.sh): vhd encrypt,
# decrypt and verify, the air-gap handover (transport key, export,
# import --bundle, and the SO's trust-transport and trust-signer, recorded
# from a user session), and the Key Protect commands against kp-server (import-root,
# rotate, key create dek --kp-root, unwrap, rewrap). An intent and a
# result per run, success and failure, the chain verifies, no secrets.
. "$(dirname "$0")/lib.sh"

# PINs that cannot turn up in a log by chance (in hex, times or numbers).
USER_PIN=Audit-PIN-q7Zx SO_PIN=Audit-SO-w3Rk
export XDG_STATE_HOME="$WORK/state" HOME="$WORK/home"
hsm_setup station "$WORK/station"
hsm_setup bridge "$WORK/bridge"
unset SOFTHSM2_CONF
printf '%s' "$SO_PIN" >"$WORK/sopin"
chmod 600 "$WORK/sopin"
BLOG=$WORK/bridge.log
SLOG=$WORK/station.log
KLOG=$WORK/kp.log
# on TOKEN LOG ARGS...: p11seal on TOKEN (in $WORK/TOKEN), audit log LOG
on() {
	_tok=$1 _log=$2
	shift 2
	SOFTHSM2_CONF=$WORK/$_tok/softhsm2.conf "$P11SEAL" --module \
		"$SOFTHSM_MODULE" --token "pkcs11:token=$_tok" \
		--pin-source "file:$WORK/pin" --audit-log "$_log" "$@"
}
bridge() { on bridge "$BLOG" "$@"; }
station() { on station "$SLOG" "$@"; }
kpa() { on kpa "$KLOG" "$@"; }
# rec LOG N FILTER: jq FILTER on record N of LOG
rec() { sed -n "${2}p" "$1" | jq -r "$3"; }
# results LOG [FROM]: the result records of LOG from line FROM on (the
# intents, result "started", left out), one JSON line each
results() { sed -n "${2:-1},\$p" "$1" | jq -c 'select(.result != "started")'; }
# res N FILTER: jq FILTER on the Nth vhd result record of the bridge
res() { results "$BLOG" $((n0 + 1)) | sed -n "${1}p" | jq -r "$2"; }
# A raw DEK the test knows, so it can look for its bytes in the logs.
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(0x21, 0x61)))' >"$WORK/imp.key"
IMP_HEX=$(od -An -tx1 "$WORK/imp.key" | tr -d ' \n')
IMP_B64=$(base64 -w0 "$WORK/imp.key")
cd "$WORK" || exit 1
head -c 3145728 /dev/urandom >a.raw

# --- bridge: the audit key, two DEKs
check "bridge: key create audit" bridge key create audit
check "bridge: key import dek (known bytes)" \
	bridge key import dek --label imp --raw-file "$WORK/imp.key"
check "bridge: key create dek --exportable" \
	bridge key create dek --label D --size 64 --exportable
check "bridge: key show imp" bridge --json key show --label imp
IMP_ID=$(jq -r .id "$WORK/out")
IMP_KH=$(jq -r .keyhash "$WORK/out")
n0=$(wc -l <"$BLOG")

# --- vhd encrypt, decrypt, verify: an intent and a result per run
check "vhd encrypt" bridge vhd encrypt --key imp a.raw a.vhd
expect_exit 4 "vhd encrypt with a missing key: exit 4" \
	bridge vhd encrypt --key nope a.raw b.vhd
check "vhd encrypt --manifest" bridge vhd encrypt --key imp \
	--manifest m.json --allow-unwrapped a.raw m.vhd
check "vhd decrypt" bridge vhd decrypt --key imp a.vhd a.out
expect_exit 6 "vhd decrypt with another key: exit 6" \
	bridge vhd decrypt --key D a.vhd d.out
check "vhd verify --data" bridge vhd verify --key imp --data a.vhd
expect_exit 6 "vhd verify with another key: exit 6" \
	bridge vhd verify --key D a.vhd
expect_exit 6 "vhd verify of a plain image never opens the token: exit 6" \
	bridge vhd verify --key imp a.raw

assert "14 vhd records, 2 a run (the plain image reached no token)" \
	test "$(wc -l <"$BLOG")" -eq $((n0 + 14))
assert "each vhd run: its intent, then its result naming it" \
	test "$(sed -n "$((n0 + 1)),\$p" "$BLOG" | jq -s '[range(0; length; 2) as $i | .[$i].result == "started" and .[$i + 1].intent == .[$i].seq] | all')" = true
assert "vhd intents name the key asked for and the file" \
	test "$(sed -n "$((n0 + 1)),\$p" "$BLOG" | jq -r 'select(.result == "started") | "\(.op) \(.key.label) \(.image.path)"' | paste -sd, -)" = \
	"vhd.encrypt imp a.vhd,vhd.encrypt nope b.vhd,vhd.encrypt imp m.vhd,vhd.decrypt imp a.vhd,vhd.decrypt D a.vhd,vhd.verify imp a.vhd,vhd.verify D a.vhd"
assert "vhd ops in order" \
	test "$(results "$BLOG" $((n0 + 1)) | jq -r .op | paste -sd, -)" = \
	vhd.encrypt,vhd.encrypt,vhd.encrypt,vhd.decrypt,vhd.decrypt,vhd.verify,vhd.verify
assert "vhd results" \
	test "$(results "$BLOG" $((n0 + 1)) | jq -r '.result | split(":")[0]' | paste -sd, -)" = \
	"ok,not found,ok,ok,verification failed,ok,verification failed"
assert "vhd.encrypt: key label, CKA_ID, kind and keyhash of the DEK" \
	test "$(res 1 '"\(.key.label) \(.key.id) \(.key.kind) \(.key.keyhash)"')" = "imp $IMP_ID dek $IMP_KH"
assert "vhd.encrypt: image.sha256 is sha256sum of the output" \
	test "$(res 1 .image.sha256)" = "$(sha256sum a.vhd | cut -c1-64)"
assert "vhd.encrypt: image.path is the output" \
	test "$(res 1 .image.path)" = a.vhd
assert "failed vhd.encrypt: the label asked for, no image hash" \
	test "$(res 2 '"\(.key.label) \(.image.sha256) \(.image.path)"')" = "nope null b.vhd"
assert "vhd.encrypt --manifest: image.sha256 = sha256sum = manifest's" \
	test "$(res 3 .image.sha256)" = "$(sha256sum m.vhd | cut -c1-64)" -a \
	"$(jq -r .image.sha256 m.json)" = "$(sha256sum m.vhd | cut -c1-64)"
assert "vhd.decrypt: image.path is the input, no hash" \
	test "$(res 4 '"\(.key.label) \(.image.path) \(.image.sha256)"')" = "imp a.vhd null"
assert "failed vhd.decrypt names the key asked for and the file" \
	test "$(res 5 '"\(.key.label) \(.image.path)"')" = "D a.vhd"
assert "vhd.verify --data: no plaintext hash in image.sha256" \
	test "$(res 6 '"\(.key.label) \(.image.path) \(.image.sha256)"')" = "imp a.vhd null"
check "bridge: audit verify after the vhd commands" bridge audit verify

# --- no auditing, no hashing: a token without an audit key
check "bridge: delete the audit key" bridge key delete --label p11seal-audit --yes
n1=$(wc -l <"$BLOG")
check "vhd encrypt without an audit key" bridge -v vhd encrypt --key imp a.raw n.vhd
grep_err "-v says auditing is off" "has no audit key, so auditing is off"
assert "...and nothing is written" test "$(wc -l <"$BLOG")" -eq "$n1"
mv "$BLOG" "$WORK/bridge-1.log"
check "bridge: bundle signer (no audit key: not recorded)" \
	bridge key create signer --label SG
check "bridge: key export-public SG" \
	bridge key export-public --label SG --out "$WORK/signer.pem"
check "bridge: a new audit key, a new log" bridge key create audit

# --- station: transport key
check "station: key create audit" station key create audit
check "station: key create transport" \
	station key create transport --label T --bits 3072
expect_exit 7 "station: a second transport key T: exit 7" \
	station key create transport --label T --bits 3072
check "station: key export-public (not recorded)" \
	station key export-public --label T --out "$WORK/station.pem"
# so_step ROLE LOG OP PUBKEY LABEL: the SO's `key OP` on ROLE's token,
# its intent and result from the user's session around the SO's, the
# result naming the key made by CKA_ID
so_step() {
	role=$1 log=$2 op=$3 pub=$4 label=$5
	n=$(wc -l <"$log")
	check "$role SO: key $op" $role key "$op" --pubkey "$pub" \
		--label "$label" --so-pin-source "file:$WORK/sopin"
	assert "$op: intent and result, from the user's session around the SO's" \
		test "$(sed -n "$((n + 1)),\$p" "$log" | jq -r '"\(.op) \(.key.label) \(.result) \(.intent)"' | paste -sd, -)" = \
		"key.$op $label started null,key.$op $label ok $((n + 1))"
	check "$role: key show $label" $role --json key show --label "$label"
	assert "$op's result names the key by CKA_ID" \
		test "$(rec "$log" $((n + 2)) .key.id)" = "$(jq -r .id "$WORK/out")"
}
so_step station "$SLOG" trust-signer "$WORK/signer.pem" B

# --- bridge: the SO trusts it; export
so_step bridge "$BLOG" trust-transport "$WORK/station.pem" S
expect_exit 3 "SO: a wrong user PIN stops trust-transport before the SO logs in" \
	env SOFTHSM2_CONF="$WORK/bridge/softhsm2.conf" "$P11SEAL" --module \
	"$SOFTHSM_MODULE" --token pkcs11:token=bridge --pin-source \
	"file:$WORK/sopin" --audit-log "$BLOG" key trust-transport \
	--pubkey "$WORK/station.pem" --label S3 --so-pin-source "file:$WORK/sopin"
expect_exit 4 "...and S3 was not trusted" bridge key show --label S3
check "bridge: key export dek" bridge key export dek --label D \
	--to "$WORK/station.pem" --out "$WORK/D.bundle"
expect_exit 7 "bridge: export of a non-exportable DEK: exit 7" \
	bridge key export dek --label imp --to "$WORK/station.pem" \
	--out "$WORK/imp.bundle"

# --- station: import the bundle
check "station: key import dek --bundle" station key import dek \
	--bundle "$WORK/D.bundle" --unwrap-with T
expect_exit 7 "station: the same bundle again: exit 7" station key import \
	dek --bundle "$WORK/D.bundle" --unwrap-with T --label D2

assert "bridge: ops of the new log" \
	test "$(results "$BLOG" | jq -r '"\(.op) \(.key.label) \(.result | split(":")[0])"' | paste -sd, -)" = \
	"key.create p11seal-audit ok,key.trust-transport S ok,key.export D ok,key.export imp refused by policy"
assert "station: ops" \
	test "$(results "$SLOG" | jq -r '"\(.op) \(.key.label) \(.key.kind) \(.result | split(":")[0])"' | paste -sd, -)" = \
	"key.create p11seal-audit audit ok,key.create T transport ok,key.create T transport already exists,key.trust-signer B signer-pin ok,key.import D dek ok,key.import D2 dek already exists"
check "bridge: key show D" bridge --json key show --label D
assert "key.export names the DEK by CKA_ID and keyhash" \
	test "$(rec "$BLOG" 5 '"\(.key.id) \(.key.keyhash)"')" = \
	"$(jq -r '"\(.id) \(.keyhash)"' "$WORK/out")"
assert "key.import --bundle carries the bridge DEK's keyhash" \
	test "$(rec "$SLOG" 9 .key.keyhash)" = "$(jq -r .keyhash "$WORK/out")"
check "station: audit verify" station audit verify
check "bridge: audit verify" bridge audit verify
check "bridge: audit show --json" bridge --json audit show
assert "audit show --json: one entry per record" \
	test "$(jq length "$WORK/out")" -eq "$(wc -l <"$BLOG")"

# --- no secrets in any log
for f in "$BLOG" "$SLOG" "$WORK/bridge-1.log"; do
	n=$(basename "$f")
	assert "$n: no PIN" sh -c "! grep -qF -e '$USER_PIN' -e '$SO_PIN' '$f'"
	assert "$n: no DEK bytes (hex)" sh -c "! grep -qiF '$IMP_HEX' '$f'"
	assert "$n: no DEK bytes (base64)" sh -c "! grep -qF '$IMP_B64' '$f'"
	assert "$n: no DEK bytes (raw)" /usr/bin/python3 -c \
		"import sys; sys.exit(open('$WORK/imp.key','rb').read() in open('$f','rb').read())"
done

# --- Key Protect (kp-server): the root key and DEK operations
if [ ! -x "$KP_SERVER" ]; then
	skip "Key Protect audit records" "no kp-server in this build"
	done_testing
	exit
fi
. "$ROOT/tests/integration/kp-lib.sh"
export P11SEAL_KP_RETRY_BASE_MS=20 P11SEAL_KP_RETRY_CAP_MS=200
kp_start --rotate-interval 0 ||
	{ not_ok "kp-server starts"; done_testing; exit 1; }
# the API key comes from its file only
unset IBMCLOUD_API_KEY
KPO="--cacert $KP_CACERT --api-key-source file:$KP_DIR/apikey"
hsm_setup kpa "$WORK/kpa"
unset SOFTHSM2_CONF
# corr: the correlation id of kp-server's last Key Protect API answer
corr() {
	kp_log | jq -r '[.entries[] | select(.path | startswith("/api/"))][-1].correlation_id'
}
check "kpa: key create audit" kpa key create audit
expect_exit 7 "kp import-root refused on SoftHSM without --host-assisted" \
	kpa kp import-root --label kr0 --name audit-ops-refused $KPO
check "kp import-root" kpa --json kp import-root --label kr \
	--name audit-ops-root --host-assisted $KPO
KR_ID=$(jq -r .key_id "$WORK/out")
C_IMPORT=$(corr)
check "key create dek --kp-root" kpa --json key create dek --label kd \
	--kp-root "$KR_ID" $KPO
cp "$WORK/out" "$WORK/kd.json"
C_DEK=$(corr)
expect_exit 7 "key create dek --kp-root onto a taken label: exit 7" \
	kpa key create dek --label kd --kp-root "$KR_ID" $KPO
check "kp rotate" kpa kp rotate --label kr --host-assisted $KPO
C_ROTATE=$(corr)
expect_exit 4 "kp rotate of a missing root: exit 4" \
	kpa kp rotate --label nope --host-assisted $KPO
check "kp rewrap" kpa kp rewrap --label kd $KPO
C_REWRAP=$(corr)
expect_exit 4 "kp rewrap of a missing DEK: exit 4" kpa kp rewrap --label nope $KPO
check "kp unwrap" kpa kp unwrap --kp-root "$KR_ID" --wdek-file "$WORK/kd.json" \
	--label ku $KPO
C_UNWRAP=$(corr)
expect_exit 7 "kp unwrap onto a taken label: exit 7" kpa kp unwrap \
	--kp-root "$KR_ID" --wdek-file "$WORK/kd.json" --label ku $KPO

assert "kp: op, key label, kind and result of each run" \
	test "$(results "$KLOG" 2 | jq -r '"\(.op) \(.key.label) \(.key.kind) \(.result | split(":")[0])"' | paste -sd, -)" = \
	"kp.import-root kr0 root refused by policy,kp.import-root kr root ok,key.create kd dek ok,key.create kd dek already exists,key.rotate kr.v2 root ok,key.rotate nope root not found,kp.rewrap kd dek ok,kp.rewrap nope dek not found,kp.unwrap ku dek ok,kp.unwrap ku dek already exists"
assert "kp: the successes name the root's Key Protect key" \
	test "$(results "$KLOG" 2 | jq -r 'select(.result == "ok") | .kp.key_id' | sort -u)" = "$KR_ID"
assert "kp: each success carries its last Key Protect correlation id" \
	test "$(results "$KLOG" 2 | jq -r 'select(.result == "ok") | .kp.correlation_id' | paste -sd, -)" = \
	"$C_IMPORT,$C_DEK,$C_ROTATE,$C_REWRAP,$C_UNWRAP"
assert "kp: failures before any Key Protect exchange have no kp member" \
	test "$(results "$KLOG" 2 | jq -r 'select(.result != "ok") | .kp' | sort -u)" = null
assert "kp: every run that reached its token wrote an intent first" \
	test "$(sed 1d "$KLOG" | jq -r 'select(.result == "started") | "\(.op) \(.key.label)"' | paste -sd, -)" = \
	"kp.import-root kr,key.create kd,key.create kd,key.rotate kr,key.rotate nope,kp.rewrap kd,kp.rewrap nope,kp.unwrap ku,kp.unwrap ku"
check "kpa: key show kd" kpa --json key show --label kd
assert "kp: the DEK's record names it by CKA_ID and keyhash" \
	test "$(rec "$KLOG" 6 '"\(.key.id) \(.key.keyhash)"')" = \
	"$(jq -r '"\(.id) \(.keyhash)"' "$WORK/out")"
check "kpa: audit verify" kpa audit verify
assert "kp: no API key in the log" sh -c "! grep -qF '$(cat "$KP_DIR/apikey")' '$KLOG'"
assert "kp: no WDEK in the log" sh -c "! grep -qF '$(jq -r .wrapped_dek "$WORK/kd.json")' '$KLOG'"
assert "kp: no PIN in the log" sh -c "! grep -qF '$USER_PIN' '$KLOG'"

done_testing
