#!/bin/sh
# t-json.sh - one JSON style (README, "JSON output"): every command given
# --json, before the command or after it, prints exactly one document on
# stdout that python3 -m json.tool reads, two spaces a level, member names
# snake_case, Key Protect's objects nested under their own names; and the
# README's examples have the member names the commands really print.
# Checks README "JSON output".
. "$(dirname "$0")/lib.sh"

STYLE="python3 $ROOT/tests/integration/json_style.py"
cd "$WORK" || exit 1
hsm_setup js
P11="$P11 --no-syslog --audit-log $WORK/audit.log"

# doc DESC [--kp] CMD...: exit 0 (or 6 for token audit's findings) and
# stdout one document in p11seal's style.
n_docs=0
doc() {
	desc=$1 kp=
	shift
	[ "$1" = --kp ] && kp=--kp && shift
	"$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	n_docs=$((n_docs + 1))
	cp "$WORK/out" "$WORK/doc.$n_docs"
	if [ "$rc" -ne 0 ] && ! { [ "$rc" -eq 6 ] &&
		case "$*" in *"token audit"*) true ;; *) false ;; esac; }; then
		not_ok "$desc (exit $rc)"
		sed 's/^/#   /' "$WORK/err" | tail -n 5
	elif ! python3 -m json.tool "$WORK/out" >/dev/null 2>&1; then
		not_ok "$desc: json.tool cannot read it"
		head -c 300 "$WORK/out" | sed 's/^/#   /'
	elif ! $STYLE $kp "$WORK/out" >"$WORK/style" 2>&1; then
		not_ok "$desc: $(head -n 3 "$WORK/style" | tr '\n' ';')"
	else
		ok "$desc"
	fi
}

truncate -s 4M disk.raw
head -c 70000 /dev/urandom | dd of=disk.raw bs=1 seek=1000000 conv=notrunc \
	2>/dev/null
head -c 32 /dev/urandom >k.dek
printf '%s' "$SO_PIN" >sopin
chmod 600 sopin

# --- --json before the command: every command that has a result
doc "--json version" $P11SEAL --json version
doc "--json token list" $P11 --json token list
doc "--json token info" $P11 --json token info
doc "--json token mechanisms" $P11 --json token mechanisms --no-trials
doc "--json key create audit" $P11 --json key create audit
doc "--json key create dek" $P11 --json key create dek --label d1 --size 32
assert "... names the DEK and its keyhash" \
	[ "$(jq -r '.label + " " + (.keyhash | length | tostring)' out)" = "d1 64" ]
doc "--json key create dek --exportable" $P11 --json key create dek \
	--label d2 --exportable
doc "--json key create root" $P11 --json key create root --label r1
doc "--json key create transport" $P11 --json key create transport \
	--label t1 --bits 3072
doc "--json key create signer" $P11 --json key create signer --label s1
doc "--json key import dek" $P11 --json key import dek --label i1 \
	--raw-file k.dek
assert "... the warning about the key file still on stderr" \
	grep -q 'plaintext copy' "$WORK/err"
doc "--json key list" $P11 --json key list
assert "... an array" [ "$(jq -r type out)" = array ]
doc "--json key show" $P11 --json key show --label d1
doc "--json key export-public" $P11 --json key export-public --label t1 \
	--out t1.pem
doc "--json vhd encrypt" $P11 --json vhd encrypt --key d1 --no-progress \
	disk.raw disk.vhd
doc "--json vhd info" $P11SEAL --json vhd info disk.vhd
cp out info.before
doc "--json vhd verify --data" $P11 --json vhd verify --key d1 --data \
	--no-progress disk.vhd
doc "--json vhd decrypt" $P11 --json vhd decrypt --key d1 --no-progress \
	disk.vhd back.raw
doc "--json manifest" $P11 --json manifest --key d1 --allow-unwrapped \
	--out m.json disk.vhd
doc "--json token audit" $P11 --json token audit
doc "--json audit verify" $P11 --json audit verify
doc "--json audit show" $P11 --json audit show --last 2
assert "... an array" [ "$(jq -r type out)" = array ]
doc "--json key delete" $P11 --json key delete --label r1 --yes
assert "... says what was deleted" \
	[ "$(jq -r '"\(.label) \(.deleted)"' out)" = "r1 true" ]
doc "--json token init (the free slot)" $P11SEAL --module "$SOFTHSM_MODULE" \
	--pin-source file:"$WORK/pin" --json token init --label js2 \
	--so-pin-source file:"$WORK/sopin"

# --- after the command: the same documents
doc "vhd info FILE --json" $P11SEAL vhd info disk.vhd --json
assert "... the same document as --json before it" cmp -s out info.before
doc "version --json" $P11SEAL version --json
doc "key list --json" $P11 key list --json
doc "key show --json" $P11 key show --label d2 --json
doc "token info --json" $P11 token info --json
doc "key create dek ... --json" $P11 key create dek --label d3 --json
doc "key delete ... --json" $P11 key delete --label d3 --yes --json
doc "key create root ... --json" $P11 key create root --label r2 --json
doc "audit show --json" $P11 audit show --json --last 1
doc "audit verify --json" $P11 audit verify --json

# README "JSON output": help prints text, --json or not
check "--json help vhd encrypt" $P11SEAL --json help vhd encrypt
assert "... is text, the same as without --json" sh -c \
	"! jq -e . '$WORK/out' >/dev/null 2>&1 && $P11SEAL help vhd encrypt | cmp -s - '$WORK/out'"

# --- the printer's layout, read by an independent parser
assert "no TAB in any document" sh -c "! grep -l '	' $WORK/doc.*"

# --- Key Protect: its objects nested, under its own names
KP_OK=
if [ -x "$KP_SERVER" ] && command -v jq >/dev/null; then
	. "$ROOT/tests/integration/kp-lib.sh"
	kp_start --enable-wait 0 && KP_OK=1
fi
if [ -n "$KP_OK" ]; then
	CA="--cacert $KP_CACERT"
	doc "kp key-create --json" --kp $P11SEAL kp key-create crk \
		--alias image-crk --description "root key for images" $CA --json
	ID=$(jq -r .key.id out)
	assert "... Key Protect's key under \"key\", its own names" \
		[ "$(jq -r '.key | has("creationDate") and has("keyRingID")' out)" = true ]
	doc "kp keys --json" --kp $P11SEAL kp keys $CA --json
	assert "... under \"keys\"" [ "$(jq -r '.keys[0].id' out)" = "$ID" ]
	doc "kp key-show --json" --kp $P11SEAL kp key-show "$ID" $CA --json
	doc "--json kp key-versions" --kp $P11SEAL --json kp key-versions "$ID" $CA
	doc "kp import-token-create --json" --kp $P11SEAL kp import-token-create \
		$CA --json
	doc "kp import-token-show --json" --kp $P11SEAL kp import-token-show \
		$CA --json
	assert "... p11seal's own members beside it, snake_case" \
		[ "$(jq -r 'has("key_sha256") and (.import_token | has("payload"))' out)" = true ]
	doc "kp key-disable --json" --kp $P11SEAL kp key-disable "$ID" $CA --json
	doc "kp key-enable --json" --kp $P11SEAL kp key-enable "$ID" $CA --json
	doc "--json kp key-create for the DEK" --kp $P11SEAL --json kp key-create \
		crk2 $CA
	ID2=$(jq -r .key.id out)
	doc "--json key create dek --kp-root" $P11 --json key create dek \
		--label kd --kp-root "$ID2" --wdek-out kd.json $CA
	doc "--json kp key-delete" --kp $P11SEAL --json kp key-delete "$ID2" \
		--yes $CA
else
	skip "Key Protect documents" "kp-server or jq not available"
fi

# --- the README's examples: each command run here, in order, on a fresh
# token, prints a document with the same member paths as its example
hsm_setup readme "$WORK/hsm2"
P11="$P11 --no-syslog --audit-log $WORK/audit2.log"
cp disk.raw web.raw
$STYLE --readme "$ROOT/README.md" >examples
n=$(wc -l <examples)
assert "the README has JSON examples ($n)" [ "$n" -ge 4 ]
i=0
while IFS='	' read -r cmd example; do
	i=$((i + 1))
	case $cmd in *" kp "*) [ -n "$KP_OK" ] || {
		skip "README example: $cmd" "no kp-server"
		continue
	} ;; esac
	printf '%s\n' "$example" >ex.$i.json
	# the example's command on this test's token (p11seal and its
	# global options; the Key Protect CA for kp)
	args=${cmd#p11seal }
	case $cmd in *" kp "*) args="$args $CA" ;; esac
	# shellcheck disable=SC2086
	$P11 $args >run.$i.json 2>run.$i.err
	$STYLE --paths ex.$i.json >ex.$i.paths
	$STYLE --paths run.$i.json >run.$i.paths 2>/dev/null
	if diff ex.$i.paths run.$i.paths >diff.$i; then
		ok "README example: $cmd"
	else
		not_ok "README example: $cmd: member paths differ"
		sed 's/^/#   /' diff.$i run.$i.err | head -n 10
	fi
done <examples

echo "1..$TAP_N"
