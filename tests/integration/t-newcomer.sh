#!/bin/sh
# t-newcomer.sh - the mistakes of a newcomer's first hour (issue 15) get a
# clear line and their documented exit code, and README "Using it"
# and "Configuration" hold: a second token under a taken label is refused
# (exit 7), PIN files must be exactly 0600 or 0400, an uninitialised token
# is named as such, `token info` without --token takes the one initialised
# token beside SoftHSM's free slot.
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
hsm_setup station
M="$P11SEAL --module $SOFTHSM_MODULE"
printf '%s' "$SO_PIN" >so.pin
chmod 600 so.pin

# README "Using it": token init refuses a label already in use
expect_exit 7 "token init --label station again: exit 7" $M \
	--pin-source file:"$WORK/pin" token init --label station \
	--so-pin-source file:so.pin
grep_err "... naming the label and the way out" \
	"token labelled 'station' already exists.*--force"
$M token list >tokens 2>&1
assert "... and no second 'station' token was made" \
	test "$(grep -c '^station ' tokens)" -eq 1

# README "Configuration": token info without --token, one initialised token
check "token info without --token takes the only initialised token" $M \
	token info
assert "... which is station" grep -q '^token: *station' "$WORK/out"

# README "Using it": a PIN file is 0600 or 0400, nothing else
for mode in 700 500 200 640 604; do
	chmod "$mode" "$WORK/pin"
	expect_exit 7 "PIN file mode 0$mode refused" $P11 key list
	grep_err "... naming the mode wanted" "mode 0600 or 0400"
done
for mode in 600 400; do
	chmod "$mode" "$WORK/pin"
	check "PIN file mode 0$mode accepted" $P11 key list
done
chmod 600 "$WORK/pin"

# An empty SoftHSM token folder: the free slot is named as uninitialised,
# not "C_OpenSession on token : ..." with a blank name
mkdir -p empty/tokens
sed "s|@TOKENDIR@|$WORK/empty/tokens|" \
	"$ROOT/softhsm-conf/softhsm2.conf.in" >empty/softhsm2.conf
SOFTHSM2_CONF=$WORK/empty/softhsm2.conf expect_exit 4 \
	"empty token folder: exit 4" $M --pin-source file:"$WORK/pin" key list
grep_err "... the token is named as not initialised, and the fix" \
	"not initialised.*token init --label"

# README "Using it" (key import dek): -q keeps the warning that the key
# file is still a plaintext secret
head -c 64 /dev/urandom >plain.key
check "key import dek -q" $P11 -q key import dek --label imported \
	--raw-file plain.key
grep_err "... still warns to shred the key file" \
	"warning: plain.key is still a plaintext copy.*shred -u plain.key"

# Issue 15 item 7: misleading messages, each now names what is wrong
$P11 key create root --label crk >/dev/null 2>&1
head -c 1M /dev/urandom >small.raw
expect_exit 4 "vhd encrypt with a root key: exit 4" $P11 vhd encrypt \
	--key crk small.raw o.vhd
grep_err "... says it is not a DEK and points at key list" \
	"key 'crk' \(32 bytes\) is not a DEK.*key list"
assert "... nothing written" test ! -e o.vhd
expect_exit 4 "SOFTHSM2_CONF naming a missing file: exit 4" env \
	SOFTHSM2_CONF="$WORK/nosuch.conf" $P11 key list
grep_err "... names the file, not a GCM tag" \
	"SOFTHSM2_CONF names $WORK/nosuch.conf, which cannot be read"
mkdir outdir
expect_exit 7 "an output that is a directory: exit 7" $P11 vhd encrypt \
	--key imported small.raw outdir
grep_err "... refused before any work" "outdir: output exists"
expect_exit 1 "... with --force too" $P11 vhd encrypt --key imported --force \
	small.raw outdir
grep_err "... naming it" "outdir: Is a directory"

# Issue 15 item 10: mechanisms by name, as pkcs11-tool names them
check "token mechanisms --no-trials" $P11 token mechanisms --no-trials
sed -n '/mechanisms:$/,$p' "$WORK/out" | tail -n +2 | tr ' ' '\n' | grep . >mechs
assert "SoftHSM: no mechanism left as raw hex ($(grep -c '^0x' mechs) of $(wc -l <mechs))" \
	test "$(grep -c '^0x' mechs)" -eq 0
if command -v pkcs11-tool >/dev/null; then
	pkcs11-tool --module "$SOFTHSM_MODULE" --token-label station -M \
		2>/dev/null | sed -n 's/^  *\([^ ,]*\).*/\1/p' >tool-mechs
	missing=$(grep -vxF -f tool-mechs mechs | grep -vx AES-KEY-WRAP-PAD)
	assert "every name is pkcs11-tool's (but its vendor 0x210A)" \
		test -z "$missing"
	[ -z "$missing" ] || diag "not in pkcs11-tool -M: $missing"
else
	skip "names are pkcs11-tool's" "pkcs11-tool missing"
fi

# Issue 15 item 10: key list shows a key pair once, its size in bits; the
# delete prompt names the token
check "key create signer (a P-256 key pair)" $P11 key create signer --label sg
check "key list" $P11 key list
assert "... the pair is one row" test "$(grep -c '^sg ' "$WORK/out")" -eq 1
check "key list --json" $P11 --json key list
assert "... JSON keeps both halves" test \
	"$(jq -r '[.[] | select(.label == "sg") | .class] | sort | join(",")' "$WORK/out")" = \
	"private-key,public-key"
if command -v script >/dev/null; then
	printf 'n\n' | script -qec "$P11 key delete --label sg" /dev/null \
		>prompt.txt 2>&1
	assert "the delete prompt names the token and its serial" grep -q \
		"Destroy signer key 'sg' in token 'station' (serial [0-9a-f]*)? This cannot be undone." \
		prompt.txt
	check "... and answering n deleted nothing" $P11 key show --label sg
else
	skip "the delete prompt names the token" "script (util-linux) missing"
fi

# README "Encrypting images": the 100 GB warning compares the image's own
# size (a key that does not exist stops the run right after it)
truncate -s 99999999488 under.raw
truncate -s 100000002048 over.raw
expect_exit 4 "99,999,999,488 bytes: no 100 GB warning" $P11 vhd encrypt \
	--key nosuch under.raw u.vhd
assert "... none" test -z "$(grep '100 GB' "$WORK/err")"
expect_exit 4 "100,000,002,048 bytes: the warning" $P11 vhd encrypt \
	--key nosuch over.raw o.vhd
grep_err "... naming the input and its size" \
	"warning: over.raw: 100.0 GB .* exceeds IBM Cloud's 100 GB import limit"
rm -f under.raw over.raw

# README "Audit trail" (canonical form): a control byte in a --label is
# refused, so p11seal's own keys never show as look-alike '?' labels
expect_exit 2 "a TAB in --label: exit 2" $P11 key create dek --size 32 \
	--label "$(printf 'a\tb')"
grep_err "... naming the byte" "label: byte 2 is a control character \(0x09\)"
# README "Exit codes": a malformed --token URI is a usage error (2)
for uri in 'pkcs11:token=%zz' 'http://x' 'pkcs11:token=a;token=b' \
	'pkcs11:?foo' 'pkcs11:;bogus'; do
	expect_exit 2 "--token '$uri': exit 2" "$P11SEAL" --module \
		"$SOFTHSM_MODULE" --token "$uri" token info
done

# Issue 15 item 10: --id selects a key whose label repeats (made here by
# pkcs11-tool, since p11seal refuses a taken label)
if command -v pkcs11-tool >/dev/null; then
	for id in 0a0a 0b0b; do
		pkcs11-tool --module "$SOFTHSM_MODULE" --token-label station \
			--login --pin "$USER_PIN" --keygen --key-type AES:32 \
			--label dup --id "$id" >/dev/null 2>&1
	done
	expect_exit 2 "key show of a repeated label: exit 2" $P11 key show --label dup
	grep_err "... pointing at --id" "matches more than one object.*select one with --id"
	check "key show --id 0b0b" $P11 --json key show --id 0b0b
	assert "... that key" test "$(jq -r '"\(.label) \(.id)"' "$WORK/out")" = "dup 0b0b"
	check "key delete --id 0a0a --yes" $P11 key delete --id 0a0a --yes
	check "... the other dup is the only one left" $P11 key show --label dup
	expect_exit 2 "--id that is not hex: exit 2" $P11 key show --id xyz
	expect_exit 4 "--id of no key: exit 4" $P11 key show --id 0a0a
	grep_err "... named" "no key with that CKA_ID"

	# README "Using it": --id with --key picks one of two DEKs labelled dd
	# (halves dd and dd.tweak, CKA_IDs PREFIX||00 and PREFIX||01) in vhd
	# encrypt/decrypt/verify, manifest and manifest verify
	for p in 11 22; do
		pre=$(printf "$p%.0s" 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
		for half in dd:00 dd.tweak:01; do
			pkcs11-tool --module "$SOFTHSM_MODULE" --token-label \
				station --login --pin "$USER_PIN" --keygen \
				--key-type AES:32 --sensitive --label "${half%:*}" \
				--id "$pre${half#*:}" >/dev/null 2>&1
		done
	done
	A=${pre}00 B=1111111111111111111111111111111100
	head -c 3145728 /dev/urandom >dup.raw
	expect_exit 2 "vhd encrypt --key of a repeated DEK label: exit 2" \
		$P11 vhd encrypt --key dd dup.raw dup.vhd
	grep_err "... pointing at --id" "select one with --id"
	check "vhd encrypt --key dd --id $A" $P11 vhd encrypt --key dd \
		--id "$A" dup.raw dup.vhd
	check "vhd verify --key dd --id (the same DEK)" $P11 vhd verify \
		--key dd --id "$A" dup.vhd
	expect_exit 6 "vhd verify --key dd --id (the other DEK): exit 6" \
		$P11 vhd verify --key dd --id "$B" dup.vhd
	check "vhd decrypt --key dd --id" $P11 vhd decrypt --key dd --id "$A" \
		dup.vhd dup.out
	assert "... gives back the image" cmp -s dup.raw dup.out
	check "manifest --key dd --id" $P11 manifest --key dd --id "$A" \
		dup.vhd --out dup.json --allow-unwrapped
	check "manifest verify --key dd --id (the same DEK)" $P11 manifest \
		verify dup.json dup.vhd --key dd --id "$A" --allow-incomplete
	expect_exit 6 "manifest verify --key dd --id (the other DEK): exit 6" \
		$P11 manifest verify dup.json dup.vhd --key dd --id "$B" \
		--allow-incomplete
	expect_exit 2 "manifest verify --id without --key: exit 2" $P11 \
		manifest verify dup.json dup.vhd --id "$A"
	expect_exit 2 "vhd verify --id not hex: exit 2" $P11 vhd verify \
		--key dd --id zz dup.vhd
	expect_exit 4 "vhd verify --id of a key that is no DEK: exit 4" \
		$P11 vhd verify --key dup --id 0b0b dup.vhd
	grep_err "... named" "key 'dup' with CKA_ID 0b0b is not a DEK"
else
	skip "--id selection" "pkcs11-tool missing"
fi

# README "Using it": without --module, p11-kit's proxy (SoftHSM is
# registered with p11-kit); --token matches label, serial, manufacturer
# and model; several matching tokens are listed with the way to narrow
# the URI (exit 2). Two tokens in a folder of their own.
mkdir -p two/tokens
sed "s|@TOKENDIR@|$WORK/two/tokens|" \
	"$ROOT/softhsm-conf/softhsm2.conf.in" >two/softhsm2.conf
for l in alpha beta; do
	SOFTHSM2_CONF=$WORK/two/softhsm2.conf softhsm2-util --init-token \
		--free --label "$l" --pin "$USER_PIN" --so-pin "$SO_PIN" >/dev/null
done
T2="env SOFTHSM2_CONF=$WORK/two/softhsm2.conf XDG_CONFIG_HOME=$WORK/noconf"
if [ -f /usr/share/p11-kit/modules/softhsm2.module ]; then
	check "token list without --module (p11-kit proxy)" env \
		-u P11SEAL_MODULE SOFTHSM2_CONF="$WORK/two/softhsm2.conf" \
		XDG_CONFIG_HOME="$WORK/noconf" "$P11SEAL" token list
	assert "... shows the SoftHSM tokens" \
		sh -c "grep -q '^alpha ' '$WORK/out' && grep -q '^beta ' '$WORK/out'"
else
	skip "token list through the p11-kit proxy" "SoftHSM not registered"
fi
expect_exit 2 "--token matching two tokens (by manufacturer): exit 2" $T2 \
	"$P11SEAL" --module "$SOFTHSM_MODULE" \
	--token 'pkcs11:manufacturer=SoftHSM%20project;model=SoftHSM%20v2' \
	token info
grep_err "... lists them and how to narrow the URI" \
	"tokens match: .*'alpha' \(serial [0-9a-f]+\).*select one with --token pkcs11:token=LABEL;serial=SERIAL"
$T2 "$P11SEAL" --json --module "$SOFTHSM_MODULE" token list >two.json
S=$(jq -r '.[] | select(.label == "beta") | .serial' two.json)
check "--token by serial, manufacturer and model" $T2 "$P11SEAL" --module \
	"$SOFTHSM_MODULE" --pin-source file:"$WORK/pin" \
	--token "pkcs11:manufacturer=SoftHSM%20project;model=SoftHSM%20v2;serial=$S" \
	token info
assert "... is beta" grep -q '^token: *beta' "$WORK/out"

# README "Configuration": P11SEAL_* in the environment, then the same keys
# in $XDG_CONFIG_HOME/p11seal/config; a flag beats both
export XDG_CONFIG_HOME="$WORK/xdg"
mkdir -p "$XDG_CONFIG_HOME/p11seal"
CFG=$XDG_CONFIG_HOME/p11seal/config
check "environment alone: module, token and PIN source" env \
	P11SEAL_MODULE="$SOFTHSM_MODULE" P11SEAL_TOKEN=pkcs11:token=station \
	P11SEAL_PIN_SOURCE=file:"$WORK/pin" "$P11SEAL" token info
assert "... station" grep -q '^token: *station' "$WORK/out"
printf '# p11seal defaults\nP11SEAL_MODULE = %s\nP11SEAL_TOKEN=pkcs11:token=station\nP11SEAL_PIN_SOURCE=file:%s\n' \
	"$SOFTHSM_MODULE" "$WORK/pin" >"$CFG"
chmod 600 "$CFG"
check "config file alone" "$P11SEAL" -v key list
grep_err "... -v says where the module came from" \
	"P11SEAL_MODULE from $CFG"
expect_exit 4 "environment beats the file" env \
	P11SEAL_TOKEN=pkcs11:token=nosuch "$P11SEAL" token info
grep_err "... (it asked for nosuch)" "no token matches"
expect_exit 4 "a flag beats the environment and the file" env \
	P11SEAL_TOKEN=pkcs11:token=station "$P11SEAL" \
	--token pkcs11:token=other token info
printf 'P11SEAL_PIN_SOURCE=1234\n' >>"$CFG"
expect_exit 2 "a PIN where its source belongs (file): exit 2" \
	"$P11SEAL" key list
grep_err "... naming file and line" "config:5: P11SEAL_PIN_SOURCE is not"
assert "... not repeating the value" test -z "$(grep 1234 "$WORK/err")"
expect_exit 2 "a PIN in P11SEAL_PIN_SOURCE: exit 2" env \
	P11SEAL_PIN_SOURCE=1234 "$P11SEAL" --module "$SOFTHSM_MODULE" key list
assert "... not repeated" test -z "$(grep 1234 "$WORK/err")"
printf 'P11SEAL_MODULE=%s\nP11SEAL_TOKN=x\n' "$SOFTHSM_MODULE" >"$CFG"
expect_exit 2 "an unknown key: exit 2" "$P11SEAL" key list
grep_err "... named with its line" "config:2: unknown key 'P11SEAL_TOKN'"
printf 'P11SEAL_MODULE=%s\n' "$SOFTHSM_MODULE" >"$CFG"
chmod 620 "$CFG"
expect_exit 7 "a config file others can write: exit 7" "$P11SEAL" key list
grep_err "... it names the module p11seal loads" "writable by no one else"
rm -f "$CFG"

# README "Configuration": the CA file of Key Protect from P11SEAL_CACERT
# (environment or file), else SSL_CERT_FILE; --cacert beats them
. "$ROOT/tests/integration/kp-lib.sh"
if ! KP_NO_FAULTS=1 kp_start; then
	skip "CA file settings" "kp-server did not start"
else
	expect_exit 8 "kp keys without a CA file: exit 8" "$P11SEAL" kp keys
	grep_err "... the certificate is not trusted" "not signed by a trusted CA"
	check "P11SEAL_CACERT in the environment" env \
		P11SEAL_CACERT="$KP_CACERT" "$P11SEAL" kp keys
	check "SSL_CERT_FILE honoured" env SSL_CERT_FILE="$KP_CACERT" \
		"$P11SEAL" kp keys
	printf 'P11SEAL_CACERT=%s\n' "$KP_CACERT" >"$CFG"
	chmod 600 "$CFG"
	check "P11SEAL_CACERT in the config file" "$P11SEAL" kp keys
	expect_exit 8 "--cacert beats the file" "$P11SEAL" kp keys \
		--cacert /etc/ssl/certs/ca-certificates.crt
	rm -f "$CFG"

	# README "Key Protect": IBM's apikey.json as the API key source
	export P11SEAL_CACERT="$KP_CACERT"
	printf '{\n\t"name": "p11seal",\n\t"description": "",\n\t"createdAt": "2026-01-01T00:00+0000",\n\t"apikey": "%s"\n}\n' \
		"$(cat "$KP_DIR/apikey")" >apikey.json
	chmod 600 apikey.json
	check "IBM's apikey.json as --api-key-source file:" env -u \
		IBMCLOUD_API_KEY "$P11SEAL" kp keys --api-key-source \
		file:apikey.json
	printf '{"name": "p11seal"}\n' >nokey.json
	chmod 600 nokey.json
	expect_exit 5 "... JSON without an apikey member: exit 5" "$P11SEAL" \
		kp keys --api-key-source file:nokey.json
	grep_err "... named" 'no "apikey" string'

	# README "Key Protect": a flag beats KP_URL; two flags are refused
	FAST="P11SEAL_KP_RETRY_BASE_MS=1 P11SEAL_KP_RETRY_CAP_MS=1"
	expect_exit 8 "KP_URL and --region: --region wins" env $FAST \
		"$P11SEAL" kp keys --region us-east
	grep_err "... with a warning naming both" \
		"warning: KP_URL \($KP_URL\) ignored: --region us-east"
	grep_err "... and it went to us-east" "us-east.kms.cloud.ibm.com"
	expect_exit 2 "--kp-url and --region together: exit 2" "$P11SEAL" \
		kp keys --kp-url "$KP_URL" --region us-east
	grep_err "... give one" "both name the Key Protect endpoint; give one"

	# an unreachable Key Protect is not silent under -v
	expect_exit 8 "unreachable Key Protect: exit 8" env $FAST \
		"$P11SEAL" -v kp keys --kp-url https://127.0.0.1:1
	grep_err "-v names each attempt" \
		"Key Protect: GET https://127.0.0.1:1/api/v2/keys.*\(attempt 1 of 5\)"
	grep_err "... and each wait" "Key Protect: attempt 1 failed \(.*\); next of 5 in"
	unset P11SEAL_CACERT
fi

# README "Key Protect": `kp-server --demo DIR` is the whole local setup in
# one command, and says how to point p11seal at it
kpd_start() {
	rm -f "$WORK/kpd/env" # the server removes it too, but maybe after we look
	"$KP_SERVER" --demo "$WORK/kpd" >"$WORK/kpd.out" 2>&1 &
	KPD_PID=$!
	i=0
	while [ ! -s "$WORK/kpd/env" ] && [ $i -lt 300 ] &&
		kill -0 "$KPD_PID" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
}
kpd_stop() {
	[ -n "${KPD_PID:-}" ] || return 0
	kill "$KPD_PID"
	wait "$KPD_PID"
	KPD_PID=
}
at_exit kpd_stop
kpd_start
assert "kp-server --demo DIR starts and writes DIR/env" test -s "$WORK/kpd/env"
assert "... and prints how to use it" grep -q "p11seal kp keys --api-key-source file:$WORK/kpd/apikey" "$WORK/kpd.out"
assert "... PIN, API key and TLS key files are 0600" test \
	"$(stat -c %a "$WORK/kpd/pin" "$WORK/kpd/apikey" "$WORK/kpd/server.key" | sort -u)" = 600
check "openssl verifies the server certificate against DIR/ca.pem" \
	openssl verify -CAfile "$WORK/kpd/ca.pem" "$WORK/kpd/server.pem"
openssl x509 -in "$WORK/kpd/server.pem" -noout -ext subjectAltName >"$WORK/san" 2>&1
assert "... for 127.0.0.1 and localhost" grep -q "IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:localhost" "$WORK/san"
(
	. "$WORK/kpd/env"
	"$P11SEAL" kp key-create demo-root --api-key-source \
		file:"$WORK/kpd/apikey" >"$WORK/out" 2>"$WORK/err"
) && ok "p11seal, pointed by DIR/env, creates a key there" ||
	not_ok "p11seal, pointed by DIR/env: $(cat "$WORK/err")"
inst=$(sed -n 's/.*KP_INSTANCE_ID=\([^ ]*\).*/\1/p' "$WORK/kpd/env")
kpd_stop
kpd_start
assert "a second run reuses the instance" \
	grep -q "KP_INSTANCE_ID=$inst" "$WORK/kpd/env"
(
	. "$WORK/kpd/env"
	"$P11SEAL" kp keys --api-key-source file:"$WORK/kpd/apikey" \
		>"$WORK/out" 2>"$WORK/err"
)
assert "... and its keys" grep -q demo-root "$WORK/out"
[ -s "$WORK/out" ] || diag "$(cat "$WORK/err" "$WORK/kpd.out")"
kpd_stop

done_testing
