#!/bin/sh
# t-kp-cli.sh - every `p11seal kp` command against the local Key Protect
# server (tests/kp-server), then its fault injection: 429/503/drops/
# truncation are retried, a create that succeeded behind a failure is
# adopted (never duplicated), hostile bodies are refused.
# Checks README "Key Protect".
. "$(dirname "$0")/lib.sh"

if [ ! -x "$KP_SERVER" ] || [ ! -f "$ROOT/tests/integration/kp-lib.sh" ] ||
	! command -v jq >/dev/null; then
	skip "kp commands against kp-server" "kp-server or jq not available"
	done_testing
	exit 0
fi
. "$ROOT/tests/integration/kp-lib.sh"
export P11SEAL_KP_RETRY_BASE_MS=20 P11SEAL_KP_RETRY_CAP_MS=200

kp_start --enable-wait 30 || { not_ok "kp-server starts"; done_testing; exit 1; }
CA="--cacert $KP_CACERT"
KP="$P11SEAL kp"

# creates NAME: how many POST /api/v2/keys the server logged so far
posts() {
	kp_log | jq '[.entries[] | select(.method == "POST" and .path == "/api/v2/keys")] | length'
}
# named NAME: how many keys of that name the server has (any state)
named() {
	$KP keys $CA --json --state 1,2,3,5 |
		jq --arg n "$1" '[.keys[] | select(.name == $n)] | length'
}
# key_id NAME: id of the key of that name
key_id() {
	$KP keys $CA --json | jq -r --arg n "$1" '.keys[] | select(.name == $n) | .id'
}

# --- commands, happy path
check "kp keys on an empty instance" $KP keys $CA
assert "only the header" [ "$(wc -l <"$WORK/out")" -eq 1 ]
check "key-create root key with alias and description" $KP key-create \
	crk-a --alias image-crk --description "root key for images" $CA --json
ROOT_ID=$(jq -r .key.id "$WORK/out")
assert "root key: not extractable, active, CRN with the instance" \
	[ "$(jq -r '.key | [.extractable, .state, (.crn | contains(env.KP_INSTANCE_ID))] | @csv' "$WORK/out")" = 'false,1,true' ]
check "key-create --standard" $KP key-create std-a --standard $CA
assert "standard key shown as such" grep -q 'standard' "$WORK/out"
check "kp keys --json lists both" $KP keys $CA --json
assert "two keys" [ "$(jq '.keys | length' "$WORK/out")" -eq 2 ]
check "kp keys --root" $KP keys --root $CA --json
assert "one root key" [ "$(jq -r '.keys[0].name' "$WORK/out")/$(jq '.keys | length' "$WORK/out")" = "crk-a/1" ]
check "key-show by alias" $KP key-show image-crk $CA --json
assert "alias resolves to the root key" [ "$(jq -r .key.id "$WORK/out")" = "$ROOT_ID" ]
check "key-versions" $KP key-versions "$ROOT_ID" $CA --json
assert "first version id is the key id" [ "$(jq -r '.versions[0].id' "$WORK/out")" = "$ROOT_ID" ]

check "key-disable" $KP key-disable "$ROOT_ID" $CA
check "key-show after disable" $KP key-show "$ROOT_ID" $CA
assert "state suspended" grep -q 'suspended (2)' "$WORK/out"
expect_exit 8 "enable within 30 s is refused by KP" $KP key-enable "$ROOT_ID" $CA
grep_err "reason code shown" "REQ_TOO_EARLY_ERR"
kp_clock 31 >/dev/null
check "enable after the wait" $KP key-enable "$ROOT_ID" $CA

check "import-token-create" $KP import-token-create --expiration 600 \
	--max-retrievals 2 $CA --json
assert "two retrievals allowed" [ "$(jq .import_token.maxAllowedRetrievals "$WORK/out")" -eq 2 ]
check "import-token-show" $KP import-token-show $CA
assert "the token key is RSA-4096" grep -q 'RSA-4096' "$WORK/out"
check "import-token-show --json" $KP import-token-show $CA --json
jq -r .import_token.payload "$WORK/out" | base64 -d >"$WORK/itok.pem"
FP=$(openssl pkey -pubin -in "$WORK/itok.pem" -outform DER | sha256sum | cut -c1-64)
assert "fingerprint matches openssl's" [ "$(jq -r .key_sha256 "$WORK/out")" = "$FP" ]
assert "nonce is 12 bytes" [ "$(jq -r .import_token.nonce "$WORK/out" | base64 -d | wc -c)" -eq 12 ]
expect_exit 8 "a third retrieval is refused" $KP import-token-show $CA

# --- faults: retried
kp_fault '{"kind":"status","status":503,"path_prefix":"/api/v2/keys","method":"GET","count":2}' >/dev/null
before=$(kp_log | jq .total)
check "two 503s on list are retried" $KP keys $CA
assert "three list requests" [ "$(kp_log | jq --argjson b "$before" '[.entries[] | select(.seq >= $b and .method == "GET" and .path == "/api/v2/keys")] | length')" -eq 3 ]
kp_fault '{"kind":"status","status":429,"retry_after":"1","path_prefix":"/api/v2/keys","count":1}' >/dev/null
t0=$(date +%s)
check "429 with Retry-After is retried" $KP keys $CA
assert "waited for Retry-After" [ $(($(date +%s) - t0)) -ge 1 ]
kp_fault '{"kind":"drop","path_prefix":"/api/v2/keys","method":"GET","count":1}' >/dev/null
check "a dropped list is retried" $KP keys $CA
kp_fault '{"kind":"truncate","path_prefix":"/api/v2/keys","method":"GET","count":1}' >/dev/null
check "a truncated body is retried" $KP keys $CA
kp_fault '{"kind":"status","status":401,"path_prefix":"/api/v2/keys","count":1}' >/dev/null
check "401 gets a new token and succeeds" $KP keys $CA

# --- create is never duplicated
p0=$(posts)
kp_fault '{"kind":"drop","path_prefix":"/api/v2/keys","method":"POST","process":true,"count":1}' >/dev/null
check "create whose answer was lost: key adopted" $KP key-create lost-answer $CA
grep_err "recovery reported" "not created again"
assert "one create request" [ $(($(posts) - p0)) -eq 1 ]
assert "one key named lost-answer" [ "$(named lost-answer)" -eq 1 ]
p0=$(posts)
kp_fault '{"kind":"status","status":503,"path_prefix":"/api/v2/keys","method":"POST","process":true,"count":1}' >/dev/null
check "create answered 503 after it worked: key adopted" $KP key-create half-503 $CA
assert "one create request after 503" [ $(($(posts) - p0)) -eq 1 ]
assert "one key named half-503" [ "$(named half-503)" -eq 1 ]
p0=$(posts)
kp_fault '{"kind":"drop","path_prefix":"/api/v2/keys","method":"POST","count":1}' >/dev/null
check "create dropped before it happened: tried again" $KP key-create dropped $CA
assert "two create requests" [ $(($(posts) - p0)) -eq 2 ]
assert "one key named dropped" [ "$(named dropped)" -eq 1 ]
p0=$(posts)
kp_fault '{"kind":"status","status":503,"path_prefix":"/api/v2/keys","method":"POST","count":-1}' >/dev/null
expect_exit 8 "create failing for good stops" $KP key-create never $CA
kp_faults_clear >/dev/null
assert "at most three create attempts" [ $(($(posts) - p0)) -le 3 ]
assert "no key named never" [ "$(named never)" -eq 0 ]

# --- hostile answers
kp_fault '{"kind":"huge","mib":3,"path_prefix":"/api/v2/keys","method":"GET","count":1}' >/dev/null
expect_exit 8 "a 3 MiB answer is refused" $KP keys $CA
grep_err "size named" "larger than"
kp_faults_clear >/dev/null
kp_fault "{\"kind\":\"dup_keys\",\"key\":\"state\",\"path_prefix\":\"/api/v2/keys/$ROOT_ID\",\"count\":1}" >/dev/null
expect_exit 5 "duplicate keys in an answer are refused" $KP key-show "$ROOT_ID" $CA
kp_fault '{"kind":"deep_json","depth":2000,"path_prefix":"/api/v2/keys","method":"GET","count":1}' >/dev/null
expect_exit 5 "deeply nested JSON is refused" $KP keys $CA
kp_fault '{"kind":"garbage","path_prefix":"/api/v2/keys","method":"GET","count":1}' >/dev/null
expect_exit 5 "a non-JSON answer is refused" $KP keys $CA
kp_faults_clear >/dev/null

# --- credentials, endpoints, delete
printf 'wrong-key' >"$WORK/badkey"
chmod 600 "$WORK/badkey"
expect_exit 3 "an unknown API key is exit 3" $KP keys $CA \
	--api-key-source "file:$WORK/badkey"
grep_err "IAM reason" "BXNIM0415E"
expect_exit 3 "another instance id is refused by KP" $KP keys $CA \
	--instance-id 00000000-0000-4000-8000-000000000000
expect_exit 8 "no --cacert: server not trusted" $KP keys
STD_ID=$(key_id std-a)
check "key-delete --yes" $KP key-delete "$STD_ID" --yes $CA
check "deleted key still shows" $KP key-show "$STD_ID" $CA --json
assert "state destroyed" [ "$(jq .key.state "$WORK/out")" -eq 5 ]
expect_exit 8 "deleting twice is KP's 410" $KP key-delete "$STD_ID" --yes $CA
grep_err "gone" "HTTP 410"
expect_exit 4 "an unknown key is exit 4" $KP key-show \
	11111111-2222-4333-8444-555555555555 $CA

done_testing
