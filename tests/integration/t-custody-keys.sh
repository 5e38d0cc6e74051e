#!/bin/sh
# t-custody-keys.sh - root keys stay in their token (issue 11, attacks 1
# and 5), reproduced with raw PKCS#11 calls (p11raw.py, the suite's own
# client) and not only with p11seal: a root key cannot be wrapped under a
# trusted station key, a transport key unwraps nothing but a DEK half, and
# the same attacks succeed against keys made with the old templates, so
# the test can fail. Then `kp import-root` is killed at every request it
# sends and every token write (SO path on SoftHSM, host-assisted path,
# session path on NSS softoken): nothing that can wrap or be wrapped may
# stay, and an older p11seal's leftover import key is flagged by `token
# audit` and removed by the next run. `key create root --import-ceremony`
# killed at every token write: token audit names every key it leaves.
. "$(dirname "$0")/lib.sh"

if ! command -v jq >/dev/null || ! command -v openssl >/dev/null ||
	! command -v pkcs11-tool >/dev/null ||
	! /usr/bin/python3 -c 'import cryptography' 2>/dev/null; then
	skip "custody of root keys" "jq, openssl, pkcs11-tool or python3-cryptography missing"
	done_testing
	exit 0
fi
RAW="/usr/bin/python3 $ROOT/tests/integration/p11raw.py"
IV=000102030405060708090a0b

# Bridge and station as in t-airgap.sh: one SoftHSM directory each.
hsm_setup station "$WORK/station"
hsm_setup bridge "$WORK/bridge"
unset SOFTHSM2_CONF
SC=$WORK/station/softhsm2.conf
BC=$WORK/bridge/softhsm2.conf
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
# raw CONF TOKEN PINFILE [--so] STEP [; STEP...]: the attacker's calls
raw() {
	conf=$1 tok=$2 pin=$3
	shift 3
	SOFTHSM2_CONF=$conf $RAW --module "$SOFTHSM_MODULE" --token "$tok" \
		--pin-file "$pin" "$@"
}
rawb() { raw "$BC" bridge "$WORK/pin" "$@"; }
raws() { raw "$SC" station "$WORK/pin" "$@"; }
rawb_so() { raw "$BC" bridge "$WORK/sopin" --so "$@"; }
# refused DESC CKR CMD...: the raw call fails with CKR (the token's no)
refused() {
	desc=$1 want=$2
	shift 2
	"$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	if [ "$rc" -eq 1 ] && grep -q ": $want\$" "$WORK/out"; then
		ok "$desc: $want"
	else
		not_ok "$desc (exit $rc): $(tail -n 2 "$WORK/out" "$WORK/err" | tr '\n' ' ')"
	fi
}
# A DEK half's shape, as the station's own import asks for it.
HALF="class=secret key_type=aes token=false private=true sensitive=true
extractable=false encrypt=true decrypt=true wrap=false unwrap=false
derive=false sign=false verify=false modifiable=false"
# shaped KEYWORDS...: HALF with each name=value given replacing its own
shaped() {
	t=$HALF
	for kv in "$@"; do t=$(printf '%s\n' $t | sed "s/^${kv%%=*}=.*/$kv/"); done
	printf '%s ' $t
}

# --- p11seal's keys: a station key trusted on the bridge, root keys
check "station: transport key" station key create transport --label T \
	--bits 3072
check "station: export-public" station key export-public --label T \
	--out "$WORK/station.pem"
check "bridge, SO: trust the station key" bridge key trust-transport \
	--pubkey "$WORK/station.pem" --label S --so-pin-source "file:$WORK/sopin"
check "bridge: key create root (the default)" bridge key create root --label R
check "bridge: the default root key is never extractable" \
	sh -c "SOFTHSM2_CONF=$BC '$P11SEAL' --module '$SOFTHSM_MODULE' --token pkcs11:token=bridge --pin-source file:$WORK/pin --json key show --label R | jq -e '.extractable == false and .never_extractable == true' >/dev/null"
check "bridge: key create root --import-ceremony" bridge key create root \
	--label RX --import-ceremony
check "bridge: an exportable DEK" bridge key create dek --label D --size 32 \
	--exportable
expect_exit 2 "--never-extractable with --import-ceremony is a usage error" \
	bridge key create root --label RY --never-extractable --import-ceremony

# --- attack 1: wrap a root key under the station key on the bridge
refused "raw: the default root key does not wrap under the station key" \
	CKR_KEY_UNEXTRACTABLE rawb wrap S/public R/secret oaep-sha1 "$WORK/b0"
refused "raw: an --import-ceremony root key does not wrap under the station key (its wrap template)" \
	CKR_KEY_NOT_WRAPPABLE rawb wrap S/public RX/secret oaep-sha1 "$WORK/b1"
check "raw: an exportable DEK half does wrap under it (what it is for)" \
	rawb wrap S/public D/secret oaep-sha1 "$WORK/bd"

# The control: the same station key trusted with the old template, {AES,
# wrap_with_trusted}, as p11seal made it before, lets the root key go;
# the station unwraps it as a decrypting session key and reads what the
# root key encrypted on the bridge.
check "raw, SO: the station key trusted with the old wrap template" \
	rawb_so pubkey S_old "$WORK/station.pem" token=true private=false \
	trusted=true wrap=true encrypt=false verify=false label=S_old \
	id=hex:0ead 'wrap_template=[' key_type=aes wrap_with_trusted=true ']'
check "raw: the --import-ceremony root key wraps under the old template" \
	rawb wrap S_old/public RX/secret oaep-sha1 "$WORK/stolen"
printf 'a WDEK is only as safe as its root' >"$WORK/msg"
check "raw: the root key encrypts on the bridge (AES-GCM)" \
	rawb encrypt RX/secret "gcm:$IV" "$WORK/msg" "$WORK/ct"
check "raw: the station unwraps it with CKA_DECRYPT and decrypts" \
	raws unwrap K T/private oaep-sha1 "$WORK/stolen" $(shaped) \; \
	decrypt '$K' "gcm:$IV" "$WORK/ct" "$WORK/pt"
assert "the stolen root key gave the plaintext: the templates are what stops it" \
	cmp -s "$WORK/msg" "$WORK/pt"
expect_exit 6 "bridge: token audit exits 6" bridge token audit
grep -q "'S_old' .*loose-trusted-wrap" "$WORK/out" &&
	ok "token audit names the old station key (loose-trusted-wrap)" ||
	not_ok "token audit names S_old: $(cat "$WORK/out")"
grep -q "'RX' .*extractable-root" "$WORK/out" &&
	ok "token audit names the extractable root key" ||
	not_ok "token audit names RX: $(cat "$WORK/out")"
assert "token audit says nothing of S, R or D" \
	sh -c "! grep -qE \"^'(S|R|D|D.tweak)' \" '$WORK/out'"

# --- the transport key unwraps a DEK half and nothing else
head -c 32 /dev/urandom >"$WORK/k32"
oaep_to() { # oaep_to PEM OUT: RSA-OAEP SHA-1 of k32, as anyone can
	openssl pkeyutl -encrypt -pubin -inkey "$1" -in "$WORK/k32" \
		-pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha1 \
		-out "$2"
}
oaep_to "$WORK/station.pem" "$WORK/chosen"
refused "raw: unwrap as a key that can wrap and decrypt" \
	CKR_TEMPLATE_INCONSISTENT raws unwrap K T/private oaep-sha1 \
	"$WORK/chosen" $(shaped wrap=true)
refused "raw: unwrap as a key that can unwrap" CKR_TEMPLATE_INCONSISTENT \
	raws unwrap K T/private oaep-sha1 "$WORK/chosen" $(shaped unwrap=true)
refused "raw: unwrap as a generic secret (another key type)" \
	CKR_TEMPLATE_INCONSISTENT raws unwrap K T/private oaep-sha1 \
	"$WORK/chosen" $(shaped key_type=generic)
refused "raw: unwrap as a readable key" CKR_TEMPLATE_INCONSISTENT \
	raws unwrap K T/private oaep-sha1 "$WORK/chosen" \
	$(shaped sensitive=false extractable=true)
refused "raw: unwrap as a modifiable key" CKR_TEMPLATE_INCONSISTENT \
	raws unwrap K T/private oaep-sha1 "$WORK/chosen" $(shaped modifiable=true)
check "raw: unwrap as a DEK half works (the refusals are the template's)" \
	raws unwrap K T/private oaep-sha1 "$WORK/chosen" $(shaped)
# The control: a transport key with the old unwrap template, {sensitive,
# not extractable}, takes the same blobs as a wrapping key.
check "raw: a transport key with the old unwrap template" \
	raws genrsa T_old 3072 token=true label=T_old id=hex:0e1d \
	encrypt=false wrap=false verify=false / token=true private=true \
	label=T_old id=hex:0e1d sensitive=true extractable=false unwrap=true \
	decrypt=false sign=false derive=false \
	'unwrap_template=[' sensitive=true extractable=false ']'
SOFTHSM2_CONF=$SC pkcs11-tool --module "$SOFTHSM_MODULE" --token-label station \
	--read-object --type pubkey --label T_old -o "$WORK/told.der" >/dev/null 2>&1
openssl pkey -pubin -inform DER -in "$WORK/told.der" -out "$WORK/told.pem"
oaep_to "$WORK/told.pem" "$WORK/chosen_old"
check "raw: the old template unwraps it as a key that wraps and decrypts" \
	raws unwrap K T_old/private oaep-sha1 "$WORK/chosen_old" \
	$(shaped wrap=true)
check "raw: the old template unwraps it as a generic secret" \
	raws unwrap K T_old/private oaep-sha1 "$WORK/chosen_old" \
	$(shaped key_type=generic)

# --- attack 5: kill `kp import-root` at every point of the ceremony
if [ ! -x "$KP_SERVER" ] || ! command -v strace >/dev/null; then
	skip "interrupted imports" "kp-server or strace missing"
	done_testing
	exit 0
fi
. "$ROOT/tests/integration/kp-lib.sh"
export P11SEAL_KP_RETRY_BASE_MS=20 P11SEAL_KP_RETRY_CAP_MS=200
export XDG_STATE_HOME="$WORK/state"
KP_NO_FAULTS=1 kp_start --rotate-interval 0 --hpcs ||
	{ not_ok "kp-server --hpcs starts"; done_testing; exit 1; }
CA="--cacert $KP_CACERT"
# A fresh token per path: SoftHSM rewrites more files per run the more
# objects a token holds, and every write is a kill point.
hsm_setup cer "$WORK/cer"
softhsm2-util --init-token --free --label ceh --pin "$USER_PIN" \
	--so-pin "$SO_PIN" >/dev/null
use_token() { # use_token LABEL: P11, TRUSTED, HOSTED and ptool act on it
	TOK=$1
	P11="$P11SEAL --module $SOFTHSM_MODULE --token pkcs11:token=$TOK --pin-source file:$WORK/pin"
	# Command prefixes that take "--label L --name L" last: the SO
	# ceremony (HPCS on SoftHSM: trusted wrapping, OAEP-SHA-1) and the
	# host-assisted one.
	TRUSTED="$P11 --json kp import-root --hpcs --so-pin-source file:$WORK/sopin $CA"
	HOSTED="$P11 --json kp import-root --hpcs --host-assisted $CA"
}
ptool() {
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label "$TOK" --login \
		--pin "$USER_PIN" "$@" 2>/dev/null
}
use_token cer
# left_clean DESC [partial-ok]: no public key (an import key) in the
# token, every secret key never extractable (p11seal's and pkcs11-tool's
# view), and token audit finds nothing -- or, with partial-ok, nothing but
# half-made root copies (kp-part-*) that it names as interrupted-import.
left_clean() {
	why=""
	n=$(ptool --list-objects --type pubkey | grep -c '^Public Key Object')
	[ "$n" -eq 0 ] || why="$why; $n public key(s) left"
	$P11 --json key list >"$WORK/kl.json" 2>/dev/null ||
		why="$why; key list failed"
	jq -e 'all(.[]; .extractable == false)' "$WORK/kl.json" >/dev/null ||
		why="$why; an extractable key: $(jq -c '[.[] | select(.extractable != false) | .label]' "$WORK/kl.json")"
	ptool --list-objects --type secrkey | grep -q 'extractable' &&
		why="$why; pkcs11-tool sees an extractable secret key"
	# findings only: notes (what a key was made without) are no finding
	$P11 token audit >"$WORK/audit.all" 2>/dev/null
	arc=$?
	grep -v ') note: ' "$WORK/audit.all" >"$WORK/audit.out"
	if [ "$arc" -ne 0 ]; then
		if [ -z "${2:-}" ] || grep -qv "^'kp-part-" "$WORK/audit.out" ||
			! grep -q "^'kp-part-.*interrupted-import" "$WORK/audit.out"; then
			why="$why; token audit: $(head -c 300 "$WORK/audit.out")"
		fi
	fi
	if [ -z "$why" ]; then ok "$1"; else not_ok "$1$why"; fi
}
# next_run DESC CMD: a run after the kills succeeds, removes every
# half-made copy they left, and leaves the token clean
next_run() {
	left=$(ptool --list-objects --type secrkey | grep -c 'label: *kp-part-')
	check "$1: the next run succeeds" $2 --label "next.$TOK" --name "next.$TOK"
	assert "$1: it removed the $left half-made cop(ies) the kills left" \
		test "$(jq -r .leftovers_removed "$WORK/out")" = "$left"
	left_clean "$1: the token is clean after it"
}
# kill_each SYSCALL NAME CMD: count SYSCALL in one run of CMD (label
# NAME.count), then SIGKILL a run at each of them (labels NAME.N)
kill_each() {
	sc=$1 name=$2 cmd=$3
	strace -f -c -o "$WORK/count" -e trace="$sc" $cmd \
		--label "$name.count" --name "$name.count" >/dev/null 2>&1
	total=$(awk -v s="$sc" '$NF == s { print $4 }' "$WORK/count")
	assert "$name: one run makes ${total:-no} $sc calls" \
		test "${total:-0}" -gt 0
	i=1
	while [ "$i" -le "${total:-0}" ]; do
		strace -f -o "$WORK/kill.trace" -e trace="$sc" \
			-e inject="$sc:signal=SIGKILL:when=$i" $cmd \
			--label "$name.$i" --name "$name.$i" >/dev/null 2>"$WORK/kill.err"
		rc=$?
		# libcurl may reuse a connection and send fewer requests than
		# the counting run did: a run with fewer calls than i had no
		# point i to die at, and must then have succeeded
		calls=$(grep -c "$sc(" "$WORK/kill.trace")
		if [ "$rc" -eq 0 ] && [ "$calls" -lt "$i" ]; then
			ok "$name: run $i made $calls $sc calls, none to kill at #$i, and succeeded"
		else
			assert "$name: killed at $sc #$i (exit $rc)" test "$rc" -eq 137
		fi
		# a run that ended on its own says why
		[ "$rc" -eq 137 ] || sed 's/^/#   /' "$WORK/kill.err" | tail -n 3
		left_clean "$name: killed at $sc #$i, nothing left that can wrap or leave, or flagged" partial-ok
		i=$((i + 1))
	done
}
# Requests to Key Protect (sendto) and token writes (SoftHSM rewrites an
# object file with ftruncate) mark the ceremony's points.
kill_each sendto so "$TRUSTED"
kill_each ftruncate so-w "$TRUSTED"
next_run "SO path" "$TRUSTED"
# The host-assisted material is in locked memory until it is stored: the
# token writes are its points.
use_token ceh
kill_each ftruncate host "$HOSTED"
next_run "host-assisted path" "$HOSTED"

use_token cer
# An older p11seal made the import key a token key: the leftover of an
# import it did not finish, as the SO made it. And a root key copy that
# SoftHSM stored with the session original's attributes when the import
# was killed in C_CopyObject: label kp-part-*, no CKA_ID, modifiable.
check "raw, SO: an old interrupted import's trusted token key" \
	raw "$WORK/cer/softhsm2.conf" cer "$WORK/sopin" --so pubkey L \
	"$WORK/station.pem" token=true private=false trusted=true wrap=true \
	encrypt=false verify=false label=kp-import-0123abcd id=hex:0123 \
	'wrap_template=[' key_type=aes wrap_with_trusted=true ']'
$P11 token audit >"$WORK/out" 2>&1
grep -q "'kp-import-0123abcd' .*interrupted-import" "$WORK/out" &&
	ok "token audit names it: interrupted-import" ||
	not_ok "token audit names it: $(cat "$WORK/out")"
check "raw: a half-made root key copy, as a kill in C_CopyObject leaves it" \
	raw "$WORK/cer/softhsm2.conf" cer "$WORK/pin" genaes P value_len=32 \
	token=true private=true sensitive=true extractable=false encrypt=true \
	decrypt=false wrap=false unwrap=false allowed_mechanisms=gcm \
	label=kp-part-gone
expect_exit 6 "token audit exits 6 on both" $P11 token audit
grep -q "'kp-part-gone' .*interrupted-import" "$WORK/out" &&
	ok "token audit names the half-made copy: interrupted-import" ||
	not_ok "token audit names the copy: $(cat "$WORK/out")"
expect_exit 2 "a root label with that prefix is refused" \
	$TRUSTED --label kp-part-x --name kp-part-x
check "the next import-root runs" $TRUSTED --label swept --name swept
assert "it removed both leftovers (leftovers_removed 2)" \
	test "$(jq -r .leftovers_removed "$WORK/out")" = 2
left_clean "after the sweep: clean"

# --- `key create root --import-ceremony` (an import run by hand): nothing
# ends that ceremony for p11seal, so the key stays exportable by trusted
# wrap until `key delete`; killed at every token write, it leaves nothing
# or keys that `token audit` names, every one of them. SoftHSM 2.6.1
# stores a generated token key before its template and value, so a kill
# inside C_GenerateKey leaves an object with its defaults (wrap, decrypt)
# and no label, ID or value: nothing to steal, and flagged.
softhsm2-util --init-token --free --label cek --pin "$USER_PIN" \
	--so-pin "$SO_PIN" >/dev/null
use_token cek
# all_flagged DESC: token audit names every key of the token
all_flagged() {
	$P11 token audit >"$WORK/audit.out" 2>"$WORK/audit.err"
	sed -n 's/.* in \([0-9]*\) of \([0-9]*\) keys;.*/\1 \2/p' \
		"$WORK/audit.err" >"$WORK/counts"
	read -r hit all <"$WORK/counts" || hit=none
	if [ "$hit" = "${all:-}" ]; then ok "$1 ($hit keys)"; else
		not_ok "$1: $(cat "$WORK/audit.err")"; fi
}
strace -f -c -o "$WORK/count" -e trace=ftruncate $P11 key create root \
	--label rc.count --import-ceremony >/dev/null 2>&1
total=$(awk '$NF == "ftruncate" { print $4 }' "$WORK/count")
assert "key create root --import-ceremony: ${total:-no} token writes" \
	test "${total:-0}" -gt 0
i=1
while [ "$i" -le "${total:-0}" ]; do
	strace -f -o /dev/null -e trace=ftruncate \
		-e inject="ftruncate:signal=SIGKILL:when=$i" $P11 key create root \
		--label "rc.$i" --import-ceremony >/dev/null 2>&1
	rc=$?
	assert "--import-ceremony killed at ftruncate #$i (exit $rc)" test "$rc" -eq 137
	all_flagged "--import-ceremony killed at ftruncate #$i: token audit names every key left"
	i=$((i + 1))
done
grep -q "^'rc.count' .*extractable-root" "$WORK/audit.out" &&
	ok "the finished but never ended ceremony key is flagged" ||
	not_ok "rc.count flagged: $(cat "$WORK/audit.out")"
for l in $($P11 --json key list | jq -r '.[].label'); do
	$P11 key delete --label "$l" --yes >/dev/null 2>&1
done
n=$(ptool --list-objects --type secrkey | grep -c 'Secret Key Object; AES length')
assert "after key delete: no key with a value is left ($n, pkcs11-tool)" test "$n" -eq 0
assert "...and no key with a label" \
	sh -c "$P11 --json key list | jq -e 'all(.[]; .label == \"\")' >/dev/null"

# --- the session path (NSS softoken: no trusted wrap, OAEP-SHA-256)
if [ -f "$NSS_MODULE" ] && command -v certutil >/dev/null &&
	nss_setup "$WORK/nss"; then
	KP_NO_FAULTS=1 kp_start --rotate-interval 0 ||
		{ not_ok "kp-server starts"; done_testing; exit 1; }
	strace -f -c -o "$WORK/count" -e trace=sendto $P11NSS --json kp \
		import-root --label n.count --name n.count --cacert "$KP_CACERT" \
		>/dev/null 2>&1
	total=$(awk '$NF == "sendto" { print $4 }' "$WORK/count")
	i=1
	while [ "$i" -le "${total:-0}" ]; do
		strace -f -o /dev/null -e inject="sendto:signal=SIGKILL:when=$i" \
			$P11NSS --json kp import-root --label "n.$i" --name "n.$i" \
			--cacert "$KP_CACERT" >/dev/null 2>&1
		$P11NSS --json key list >"$WORK/kl.json" 2>/dev/null
		assert "session path (NSS): killed at sendto #$i, every key left is not extractable" \
			jq -e 'all(.[]; .extractable == false)' "$WORK/kl.json"
		i=$((i + 1))
	done
	assert "session path (NSS): ${total:-no} kill points" test "${total:-0}" -gt 0
else
	skip "session path kills" "NSS softoken or certutil missing"
fi
done_testing
