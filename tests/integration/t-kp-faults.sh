#!/bin/sh
# t-kp-faults.sh - Key Protect faults that t-kp-cli.sh, t-kp-client.sh and
# t-kp-server-faults.sh leave out, injected through kp-server's admin
# hooks: stalls past the client timeout (on reads and on a create that
# the server carries out), truncated and non-JSON answers to a create and
# to wrap/unwrap, a 100 MiB answer, deep nesting and duplicate keys in an
# unwrap answer, and certificates that are expired or not yet valid
# (faketime). Each: bounded attempts, a clear error, no key created twice
# in Key Protect, and the token unchanged when the command fails.
# Checks README "Key Protect faults".
. "$(dirname "$0")/lib.sh"

if [ ! -x "$KP_SERVER" ] || ! command -v jq >/dev/null; then
	skip "Key Protect faults" "kp-server or jq not available"
	done_testing
	exit 0
fi
. "$ROOT/tests/integration/kp-lib.sh"
export P11SEAL_KP_RETRY_BASE_MS=20 P11SEAL_KP_RETRY_CAP_MS=200
# libfiu and faketime are LD_PRELOAD libraries: a sanitizer build must
# accept a library loaded ahead of its runtime
ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0"
export ASAN_OPTIONS
kp_start || { not_ok "kp-server starts"; done_testing; exit 1; }
hsm_setup kpf
CA="--cacert $KP_CACERT"
KP="$P11SEAL kp"

ms() { date +%s%3N; }
# calls METHOD PATH-PREFIX: requests the server logged so far
calls() {
	kp_log | jq --arg m "$1" --arg p "$2" \
		'[.entries[] | select(.method == $m and (.path | startswith($p)))] | length'
}
named() {
	$KP keys $CA --json --state 1,2,3,5 |
		jq --arg n "$1" '[.keys[] | select(.name == $n)] | length'
}
labels() { $P11 --json key list | jq -r '.[].label' | sort | tr '\n' ' '; }

check "a root key for the DEKs" $P11SEAL --json kp key-create crk-f $CA
CRK=$(jq -r .key.id "$WORK/out")
check "a DEK wrapped by Key Protect" $P11 --json key create dek --label d0 \
	--size 32 --kp-root "$CRK" --wdek-out "$WORK/d0.json" $CA
TOKEN0=$(labels)

# --- stalls beyond the client timeout (1 s)
kp_fault '{"kind":"delay_ms","delay_ms":3000,"path_prefix":"/api/v2/keys","method":"GET","count":1}' >/dev/null
g0=$(calls GET /api/v2/keys)
t0=$(ms)
check "a list stalled past the timeout is retried" \
	env P11SEAL_KP_TIMEOUT_MS=1000 $KP keys $CA
t1=$(ms)
sleep 2.5 # the server logs the stalled request once it has answered
n=$(($(calls GET /api/v2/keys) - g0))
assert "... two list requests ($n)" [ "$n" -eq 2 ]
assert "... within 2.5 s ($((t1 - t0)) ms), not the 3 s stall" \
	[ $((t1 - t0)) -lt 2500 ]
kp_fault '{"kind":"delay_ms","delay_ms":3000,"path_prefix":"/api/v2/keys","method":"GET","count":-1}' >/dev/null
g0=$(calls GET /api/v2/keys)
t0=$(ms)
expect_exit 8 "a list that always stalls fails" \
	env P11SEAL_KP_TIMEOUT_MS=1000 $KP keys $CA
t1=$(ms)
grep_err "... naming the timeout" "[Tt]imeout|timed out"
kp_faults_clear >/dev/null
sleep 3
n=$(($(calls GET /api/v2/keys) - g0))
assert "... after 2 to 5 attempts ($n)" test "$n" -ge 2 -a "$n" -le 5
assert "... in bounded time ($((t1 - t0)) ms)" [ $((t1 - t0)) -lt 8000 ]

kp_fault '{"kind":"delay_ms","delay_ms":3000,"path_prefix":"/api/v2/keys","method":"POST","count":1}' >/dev/null
p0=$(calls POST /api/v2/keys)
env P11SEAL_KP_TIMEOUT_MS=1000 $KP key-create stalled $CA >"$WORK/out" \
	2>"$WORK/err"
rc=$?
sleep 2.5 # the stalled request's answer is still on its way
kp_faults_clear >/dev/null
assert "a create stalled after the server made the key: adopted (exit $rc)" \
	[ "$rc" -eq 0 ]
assert "... exactly one key named stalled" [ "$(named stalled)" -eq 1 ]
assert "... one create request" \
	[ $(($(calls POST /api/v2/keys) - p0)) -eq 1 ]

# --- truncated and non-JSON answers to a create the server carried out
for kind in truncate garbage; do
	kp_fault "{\"kind\":\"$kind\",\"process\":true,\"path_prefix\":\"/api/v2/keys\",\"method\":\"POST\",\"count\":1}" >/dev/null
	p0=$(calls POST /api/v2/keys)
	$KP key-create "cr-$kind" $CA >"$WORK/out" 2>"$WORK/err"
	rc=$?
	kp_faults_clear >/dev/null
	assert "$kind answer to a create: adopted or a clear error (exit $rc)" \
		sh -c "[ $rc -eq 0 ] || grep -qE 'JSON|truncat|response' '$WORK/err'"
	assert "... exactly one key named cr-$kind ($(named "cr-$kind"))" \
		[ "$(named "cr-$kind")" -eq 1 ]
	assert "... at most 3 create requests" \
		[ $(($(calls POST /api/v2/keys) - p0)) -le 3 ]
done

# --- a 100 MiB answer: refused at the cap, not downloaded
kp_fault '{"kind":"huge","mib":100,"path_prefix":"/api/v2/keys","method":"GET","count":1}' >/dev/null
t0=$(ms)
expect_exit 8 "a 100 MiB list answer is refused" $KP keys $CA
t1=$(ms)
kp_faults_clear >/dev/null
grep_err "... naming the size" "larger than"
assert "... quickly ($((t1 - t0)) ms)" [ $((t1 - t0)) -lt 5000 ]

# --- wrap and unwrap answers: the token must not change on failure
# dek_fault DESC FAULT-JSON PATTERN CODE MAX: key create dek --kp-root
# under FAULT fails with CODE and PATTERN; no new token key, 1..MAX wrap
# calls (wrap has no effect in Key Protect, so it may be retried).
dek_fault() {
	kp_fault "$2" >/dev/null
	w0=$(calls POST "/api/v2/keys/$CRK/actions/wrap")
	expect_exit "$4" "key create dek: $1" $P11 key create dek --label dnew \
		--size 32 --kp-root "$CRK" --wdek-out "$WORK/dnew.json" $CA
	kp_faults_clear >/dev/null
	grep_err "... $1 named" "$3"
	assert "... token unchanged" [ "$(labels)" = "$TOKEN0" ]
	assert "... no WDEK file" [ ! -e "$WORK/dnew.json" ]
	n=$(($(calls POST "/api/v2/keys/$CRK/actions/wrap") - w0))
	assert "... 1 to $5 wrap calls ($n)" test "$n" -ge 1 -a "$n" -le "$5"
}
dek_fault "truncated wrap answer" \
	"{\"kind\":\"truncate\",\"truncate_at\":20,\"process\":true,\"path_prefix\":\"/api/v2/keys/$CRK/actions/wrap\",\"count\":-1}" \
	"transfer closed with [0-9]+ bytes remaining.*gave up after 5 attempts" \
	8 5
dek_fault "non-JSON wrap answer" \
	"{\"kind\":\"garbage\",\"process\":true,\"path_prefix\":\"/api/v2/keys/$CRK/actions/wrap\",\"count\":-1}" \
	"JSON" 5 3
dek_fault "100 MiB wrap answer" \
	"{\"kind\":\"huge\",\"mib\":100,\"path_prefix\":\"/api/v2/keys/$CRK/actions/wrap\",\"count\":-1}" \
	"larger than" 8 3

# unwrap_fault DESC FAULT-JSON PATTERN: kp unwrap of d0's WDEK fails with
# exit 5 naming PATTERN; the token is unchanged.
unwrap_fault() {
	kp_fault "$2" >/dev/null
	expect_exit 5 "kp unwrap: $1" $P11 kp unwrap --kp-root "$CRK" \
		--wdek-file "$WORK/d0.json" --label d0-again $CA
	kp_faults_clear >/dev/null
	grep_err "... $1 named" "$3"
	assert "... token unchanged" [ "$(labels)" = "$TOKEN0" ]
}
unwrap_fault "deeply nested answer" \
	"{\"kind\":\"deep_json\",\"depth\":5000,\"path_prefix\":\"/api/v2/keys/$CRK/actions/unwrap\",\"count\":-1}" \
	"nest|deep|JSON"
unwrap_fault "duplicate plaintext keys" \
	"{\"kind\":\"dup_keys\",\"key\":\"plaintext\",\"process\":true,\"path_prefix\":\"/api/v2/keys/$CRK/actions/unwrap\",\"count\":-1}" \
	"duplicate JSON key 'plaintext'"
check "kp unwrap works once the faults are gone" $P11 kp unwrap \
	--kp-root "$CRK" --wdek-file "$WORK/d0.json" --label d0-again $CA

# --- a CA that did not sign the server's certificate
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$WORK/other.key" -out "$WORK/other-ca.pem" -days 2 \
	-subj "/CN=another CA" 2>/dev/null
g0=$(kp_log | jq .total)
expect_exit 8 "a server certificate from another CA" $KP keys \
	--cacert "$WORK/other-ca.pem"
grep_err "... named, with the way out" "not signed by a trusted CA"
assert "... no request got through" [ "$(kp_log | jq .total)" -eq "$g0" ]

# --- certificates outside their validity (the server's is valid 2 days)
if command -v faketime >/dev/null && faketime -f '+0d' true 2>/dev/null; then
	g0=$(kp_log | jq .total)
	expect_exit 8 "a certificate expired by the client's clock" \
		faketime -f '+3d' $KP keys $CA
	grep_err "... expiry named" "expired"
	expect_exit 8 "a certificate not yet valid" \
		faketime -f '-1d' $KP keys $CA
	grep_err "... named" "not yet valid"
	assert "... no request got through" [ "$(kp_log | jq .total)" -eq "$g0" ]
else
	skip "certificate validity" "faketime missing (apt-get install faketime)"
fi
assert "the token holds what it held plus d0-again" \
	[ "$(labels)" = "$(printf '%s\n' $TOKEN0 d0-again | sort | tr '\n' ' ')" ]
done_testing
