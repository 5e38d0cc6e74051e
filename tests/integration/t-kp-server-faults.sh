#!/bin/sh
# t-kp-server-faults.sh - the local Key Protect server's test hooks and
# hardening, seen with curl: every fault kind, the request log, body and
# header limits, persistence across a restart, refusals at start-up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/kp-lib.sh"
. "$(dirname "$0")/kp-test.sh"

# nkeys: how many keys the server lists (all states).
nkeys() {
	req GET "/api/v2/keys?state=0,1,2,3,5&limit=5000"
	jb '.resources | length'
}

# last_log N: "status fault" of the last N logged requests, one per line.
last_log() {
	kp_log | jq -r ".entries[-$1:][] | \"\(.status) \(.fault)\""
}

# ms: wall clock in milliseconds.
ms() { echo $(( $(date +%s%N) / 1000000 )); }

# fault_rc JSON [curl args]: add the fault, GET /api/v2/keys, and put
# curl's exit status in $RC.
fault_rc() {
	_f=$1
	shift
	kp_fault "$_f" >/dev/null
	kp_curl /api/v2/keys -o "$WORK/body" -D "$WORK/hdrs" "$@" 2>/dev/null
	RC=$?
}

kp_start --rotate-interval 0 --enable-wait 0 ||
	{ not_ok "kp-server starts"; done_testing; exit 1; }
kp_auth
mkkey fault-root false
FROOT=$KID

# ---- status faults, counts, after, method, process ----
kp_fault '{"path_prefix":"/api/v2/keys","kind":"status","status":429,"retry_after":"1","count":2}' >/dev/null
req GET /api/v2/keys
expect_st "status fault: 429" 429
expect_eq "... with Retry-After" "$(hdr retry-after)" 1
expect_eq "... and KP's message" "$(errmsg)" \
	"Too Many Requests: Please wait a few minutes and try again."
req GET /api/v2/keys
expect_st "count 2: a second 429" 429
req GET /api/v2/keys
expect_st "... then back to 200" 200
expect_eq "the log shows all three" "$(last_log 3 | tr '\n' ,)" \
	"429 status,429 status,200 none,"
kp_fault '{"kind":"status","status":503,"body":"{\"oops\":true}","path_prefix":"/api/v2/keys"}' >/dev/null
req GET /api/v2/keys
expect_eq "status fault with a given body" "$ST $(jb .oops)" "503 true"
kp_fault '{"kind":"status","status":500,"after":1,"path_prefix":"/api/v2/keys"}' >/dev/null
req GET /api/v2/keys
expect_st "after 1: the first request passes" 200
req GET /api/v2/keys
expect_st "... the second gets the fault" 500
expect_eq "... 500 errorMsg prefix" "$(errmsg | cut -d: -f1)" "Internal Server Error"
n0=$(nkeys)
kp_fault '{"kind":"status","status":502,"method":"POST","path_prefix":"/api/v2/keys"}' >/dev/null
req GET /api/v2/keys
expect_st "method filter: GET passes" 200
mkkey refused false
expect_st "... POST gets 502" 502
expect_eq "... and nothing was created" "$(nkeys)" "$n0"
kp_fault '{"kind":"status","status":503,"process":true,"method":"POST","path_prefix":"/api/v2/keys"}' >/dev/null
mkkey processed false
expect_st "process:true: the client sees 503" 503
expect_eq "... but the key was created" "$(nkeys)" $((n0 + 1))
kp_fault '{"kind":"status","status":503,"count":-1,"path_prefix":"/api/v2/keys"}' >/dev/null
req GET /api/v2/keys
a=$ST
req GET /api/v2/keys
b=$ST
req GET /api/v2/keys
expect_eq "count -1 affects every request" "$a $b $ST" "503 503 503"
rules=$(curl -sS --cacert "$KP_CACERT" "$KP_URL/admin/faults" | jq length)
expect_eq "GET /admin/faults lists the rule" "$rules" 1
kp_faults_clear
req GET /api/v2/keys
expect_st "DELETE /admin/faults clears it" 200
st=$(curl -sS --cacert "$KP_CACERT" -o /dev/null -w '%{http_code}' \
	-d '{"kind":"explode"}' "$KP_URL/admin/faults")
expect_eq "unknown fault kind: 400" "$st" 400
kp_fault '{"kind":"status","status":503,"path_prefix":"/"}' >/dev/null
st=$(curl -sS --cacert "$KP_CACERT" -o /dev/null -w '%{http_code}' "$KP_URL/admin/log")
expect_eq "admin requests are never faulted" "$st" 200
kp_faults_clear

# ---- transport faults ----
fault_rc '{"kind":"delay_ms","delay_ms":1500,"path_prefix":"/api/v2/keys"}' --max-time 1
expect_eq "delay_ms: a 1 s client times out (curl 28)" "$RC" 28
t0=$(ms)
fault_rc '{"kind":"delay_ms","delay_ms":800,"path_prefix":"/api/v2/keys"}'
t1=$(ms)
assert "delay_ms: the answer comes after the delay" [ $((t1 - t0)) -ge 750 ]
expect_eq "... and is the real one" "$(jb .metadata.collectionType)" "$KT"
fault_rc '{"kind":"drop","path_prefix":"/api/v2/keys"}'
expect_eq "drop: empty reply (curl 52)" "$RC" 52
expect_eq "... logged with status 0" "$(last_log 1)" "0 drop"
n0=$(nkeys)
kp_fault '{"kind":"drop","process":true,"method":"POST","path_prefix":"/api/v2/keys"}' >/dev/null
mkkey lost-reply false
expect_eq "drop after processing: no answer" "$ST" 000
expect_eq "... yet the key exists" "$(nkeys)" $((n0 + 1))
fault_rc '{"kind":"truncate","path_prefix":"/api/v2/keys"}'
expect_eq "truncate: short body (curl 18)" "$RC" 18
cl=$(hdr content-length)
got=$(wc -c <"$WORK/body")
assert "... Content-Length $cl above the $got bytes sent" [ "$got" -lt "$cl" ]
fault_rc '{"kind":"truncate","truncate_at":10,"path_prefix":"/api/v2/keys"}'
expect_eq "truncate_at: exactly that many bytes" "$(wc -c <"$WORK/body")" 10
fault_rc '{"kind":"garbage","path_prefix":"/api/v2/keys"}'
expect_eq "garbage: 200" "$RC $(sed -n 's/^HTTP[^ ]* \([0-9]*\).*/\1/p' "$WORK/hdrs")" "0 200"
assert "... with a body that is not JSON" \
	sh -c "! jq . '$WORK/body' >/dev/null 2>&1"
t0=$(ms)
kp_fault '{"kind":"huge","mib":100,"path_prefix":"/api/v2/keys"}' >/dev/null
size=$(kp_curl /api/v2/keys -o /dev/null -w '%{size_download}')
expect_eq "huge: 100 MiB streamed" "$size" 104857600
rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$KP_PID/status")
if ldd "$KP_SERVER" | grep -q libasan; then
	skip "... server RSS stays small" "ASan's quarantine keeps freed TLS buffers"
else
	assert "... while the server stays under 64 MiB RSS (${rss} KiB)" \
		[ "$rss" -lt 65536 ]
fi
fault_rc '{"kind":"huge","mib":1,"chunked":true,"path_prefix":"/api/v2/keys"}'
expect_eq "huge chunked: no Content-Length" "$(hdr content-length)" ""
expect_eq "... transfer-encoding chunked" "$(hdr transfer-encoding)" chunked
expect_eq "... JSON-looking head" "$(head -c 12 "$WORK/body")" '{"metadata":'
fault_rc '{"kind":"deep_json","depth":10000,"path_prefix":"/api/v2/keys"}'
expect_eq "deep_json: 10000 nested arrays" \
	"$(head -c 10000 "$WORK/body" | tr -d '[' | wc -c),$(wc -c <"$WORK/body")" \
	"0,20000"
kp_fault '{"kind":"dup_keys","path_prefix":"/api/v2/keys/"}' >/dev/null
action "$FROOT" wrap '{"plaintext":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}'
expect_eq "dup_keys: two \"ciphertext\" members" \
	"$(grep -o '"ciphertext"' "$WORK/body" | wc -l)" 2
real=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["ciphertext"])' "$WORK/body")
action "$FROOT" unwrap "{\"ciphertext\":\"$real\"}"
expect_eq "... the last one is the real ciphertext" "$(jb .plaintext)" \
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
req GET /api/v2/keys -H "Correlation-Id: log-me-7"
expect_eq "the log records correlation ids" \
	"$(kp_log | jq -r '.entries[-1].correlation_id')" log-me-7

# ---- limits ----
head -c 100000 /dev/zero | tr '\0' a >"$WORK/big"
ST=$(kp_curl /api/v2/keys -X POST -H 'Expect:' --data-binary "@$WORK/big" \
	-o "$WORK/body" -w '%{http_code}')
expect_eq "100 KB body: 413" "$ST" 413
expect_eq "... in a KP error envelope" \
	"$(jb .metadata.collectionType)" application/vnd.ibm.kms.error+json
head -c 3000000 /dev/zero | tr '\0' a >"$WORK/big"
ST=$(kp_curl /api/v2/keys -X POST --data-binary "@$WORK/big" -o /dev/null \
	-w '%{http_code}')
expect_eq "3 MB body with Expect: 100-continue: 413" "$ST" 413
ST=$(kp_curl /api/v2/keys -X POST -H 'Transfer-Encoding: chunked' \
	--data-binary "@$WORK/big" -o /dev/null -w '%{http_code}')
expect_eq "3 MB chunked body: 413" "$ST" 413
printf 'X-Big: %s\n' "$(head -c 200000 /dev/zero | tr '\0' b)" >"$WORK/hdr"
ST=$(kp_curl /api/v2/keys -H "@$WORK/hdr" -o /dev/null -w '%{http_code}')
expect_eq "200 KB header: 431" "$ST" 431
req GET /api/v2/keys
expect_st "the server still answers" 200

# ---- persistence across a restart ----
mkkey persist-root false '"aliases":["persist-alias"]'
PROOT=$KID
action "$PROOT" rotate
DEK=$(head -c 32 /dev/urandom | base64 -w0)
action "$PROOT" wrap "{\"plaintext\":\"$DEK\"}"
WDEK=$(jb .ciphertext)
STDP=$(head -c 40 /dev/urandom | base64 -w0)
mkkey persist-std true "\"payload\":\"$STDP\""
PSTD=$KID
mkkey persist-gone true
req DELETE "/api/v2/keys/$KID"
mkkey persist-off false
action "$KID" disable
req GET "/api/v2/keys?state=0,1,2,3,5&limit=5000&sort=id"
jq -c '[.resources[] | {id, state, aliases, keyVersion, imported, name}]' \
	"$WORK/body" >"$WORK/before"
cp "$KP_DIR/auth.hdr" "$WORK/old-auth.hdr"
fault_rc '{"kind":"delay_ms","delay_ms":600000,"path_prefix":"/api/v2/keys"}' --max-time 1
t0=$(ms)
kp_stop
t1=$(ms)
expect_eq "SIGTERM: clean exit" "$KP_STATUS" 0
assert "... at once, though a 10-minute delay was pending ($((t1 - t0)) ms)" \
	[ $((t1 - t0)) -lt 3000 ]
expect_eq "state file is mode 600" "$(stat -c %a "$KP_DIR/state.json")" 600
assert "state file holds no key material" sh -c "! grep -q -e payload \
-e plaintext -e '$STDP' -e '$DEK' '$KP_DIR/state.json'"
kp_start --rotate-interval 0 --enable-wait 0 ||
	{ not_ok "kp-server restarts"; done_testing; exit 1; }
rawreq /api/v2/keys -H "@$WORK/old-auth.hdr" -H "Bluemix-Instance: $KP_INSTANCE_ID"
expect_st "a bearer token dies with the process that signed it" 401
kp_auth
req GET "/api/v2/keys?state=0,1,2,3,5&limit=5000&sort=id"
jq -c '[.resources[] | {id, state, aliases, keyVersion, imported, name}]' \
	"$WORK/body" >"$WORK/after"
assert "keys, states, aliases and versions survive a restart" \
	cmp -s "$WORK/before" "$WORK/after"
action persist-alias unwrap "{\"ciphertext\":\"$WDEK\"}"
expect_eq "a WDEK from before the restart unwraps" "$(jb .plaintext)" "$DEK"
req GET "/api/v2/keys/$PSTD"
expect_eq "a standard key's payload survives (in the token)" \
	"$(jb '.resources[0].payload')" "$STDP"
req GET "/api/v2/keys/$PROOT/versions"
expect_eq "both versions are listed" "$(jb '.resources | length')" 2
mkkey after-restart false
expect_st "new keys after the restart" 201
rm -f "$KP_DIR/state.json"
kp_stop
assert "the state is written again at shutdown" [ -s "$KP_DIR/state.json" ]
assert "no temporary state files are left behind" \
	[ -z "$(find "$KP_DIR" -name 'state.json.*')" ]
SOFTHSM2_CONF="$KP_DIR/softhsm2.conf" pkcs11-tool --module "$SOFTHSM_MODULE" \
	--token-label kp-server --login --pin "$USER_PIN" --list-objects \
	--type secrkey 2>/dev/null | grep -A3 "label: *$PROOT\$" >"$WORK/obj"
assert "a root key version is a token key labelled with its id" [ -s "$WORK/obj" ]
assert "... usable to encrypt and decrypt only" \
	grep -q "Usage: *encrypt, decrypt\$" "$WORK/obj"
assert "... sensitive and never extractable" \
	grep -q "Access: *sensitive, always sensitive, never extractable" "$WORK/obj"

# ---- refusals at start-up ----
# try_start DESC EXIT PATTERN [options]: kp-server with the test's files
# plus options must exit with EXIT and say PATTERN on stderr.
try_start() {
	_d=$1 _x=$2 _p=$3
	shift 3
	SOFTHSM2_CONF="$KP_DIR/softhsm2.conf" timeout 20 "$KP_SERVER" \
		--cert "$KP_DIR/server.pem" --key "$KP_DIR/server.key" \
		--module "$SOFTHSM_MODULE" --token "pkcs11:token=kp-server" \
		--pin-source "file:$KP_DIR/pin" "$@" >/dev/null 2>"$WORK/err"
	_rc=$?
	if [ "$_rc" = "$_x" ] && grep -qE "$_p" "$WORK/err"; then
		ok "$_d"
	else
		not_ok "$_d (exit $_rc: $(head -c 200 "$WORK/err"))"
	fi
}
INSTID=$(cat "$KP_DIR/instance")
try_start "non-loopback address refused" 1 "not a loopback" \
	--instance-id "$INSTID" --api-keys "$KP_DIR/apikeys" --listen 0.0.0.0:0
cp "$KP_DIR/apikeys" "$WORK/apikeys-open"
chmod 644 "$WORK/apikeys-open"
try_start "world-readable API key file refused" 1 "mode 0600" \
	--instance-id "$INSTID" --api-keys "$WORK/apikeys-open"
try_start "state file of another instance refused" 1 "another|belongs" \
	--instance-id "$(cat /proc/sys/kernel/random/uuid)" \
	--api-keys "$KP_DIR/apikeys" --state "$KP_DIR/state.json"
try_start "instance id must be a UUID" 2 "usage" \
	--instance-id not-a-uuid --api-keys "$KP_DIR/apikeys"
printf 'wrong' >"$WORK/badpin"
chmod 600 "$WORK/badpin"
try_start "wrong token PIN refused" 1 "PIN" --instance-id "$INSTID" \
	--api-keys "$KP_DIR/apikeys" --pin-source "file:$WORK/badpin"

KP_NO_FAULTS=1 kp_start --port-file "$WORK/port" ||
	{ not_ok "kp-server starts without --faults"; done_testing; exit 1; }
st=$(curl -sS --cacert "$KP_CACERT" -o /dev/null -w '%{http_code}' "$KP_URL/admin/log")
expect_eq "without --faults there is no /admin" "$st" 404
expect_eq "--port-file holds the bound port" "$(cat "$WORK/port")" "${KP_URL##*:}"
kill -INT "$KP_PID"
wait "$KP_PID"
expect_eq "SIGINT: clean exit" "$?" 0
KP_PID=
done_testing
