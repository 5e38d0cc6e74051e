#!/bin/sh
# t-kp-client.sh - the Key Protect client against a scripted HTTPS
# responder: headers, retries (429/503/drops, Retry-After), no duplicate
# create, 401 re-auth, hostile bodies, TLS trust failures, secret hygiene.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/kp_fake.sh"

command -v python3 >/dev/null && command -v jq >/dev/null || {
	skip "kp client" "python3 and jq needed"
	done_testing
	exit 0
}
at_exit fake_stop_all
fake_pki
fake_start F server
fake_start WRONGHOST wronghost
fake_start EXPIRED expired
export KP_URL="$F_URL" IAM_URL="$F_URL" KP_INSTANCE_ID="$FAKE_GUID"
KP="$P11SEAL kp"
CA="--cacert $WORK/pki/ca.pem"
K1=$(fake_key "$FAKE_ID" crk-2026 1 false)
K2=$(fake_key "$FAKE_ID2" std-key 2 true)
LIST2=$(fake_keys 2 "$K1,$K2")
LIST0=$(fake_keys 0 "")
ONE1=$(fake_keys 1 "$K1")

# rule MATCH STATUS BODY [TIMES [EXTRA-JSON]]: one rule as JSON text
rule() {
	extra=${5:-'{}'}
	jq -cn --arg m "$1" --argjson s "$2" --arg b "$3" \
		--argjson t "${4:--1}" --argjson x "$extra" \
		'{match: $m, status: $s, body: $b, times: $t} + $x'
}
script() {
	fake_script F "{\"rules\": [$(printf '%s,' "$@" | sed 's/,$//')]}"
}
log_field() { jq -r "select(.line | startswith(\"$1\")) | .$2" "$WORK/F.log"; }

# --- happy path and headers
script "$(rule 'GET /api/v2/keys?' 200 "$LIST2")"
check "kp keys lists two keys" $KP keys $CA
assert "table shows both names" grep -q 'crk-2026' "$WORK/out"
assert "table shows state" grep -q 'suspended' "$WORK/out"
assert "one IAM exchange first" \
	[ "$(jq -r .line "$WORK/F.log" | head -1)" = "POST /identity/token" ]
assert "IAM form carries the URL-encoded API key grant" \
	[ "$(log_field 'POST /identity/token' body)" = "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey=$FAKE_API_KEY" ]
assert "IAM request is form-encoded" \
	[ "$(log_field 'POST /identity/token' ctype)" = "application/x-www-form-urlencoded" ]
assert "bearer token sent" [ "$(log_field 'GET /api/v2/keys' auth)" = \
	"Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.x" ]
assert "Bluemix-Instance is the GUID" \
	[ "$(log_field 'GET /api/v2/keys' instance)" = "$FAKE_GUID" ]
assert "Correlation-Id is a UUID v4" sh -c "log=\$(jq -r 'select(.line | startswith(\"GET\")) | .correlation' '$WORK/F.log'); echo \"\$log\" | grep -qE '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\$'"
assert "Accept: application/json, no Accept-Encoding" \
	[ "$(log_field 'GET /api/v2/keys' accept)/$(log_field 'GET /api/v2/keys' encoding)" = "application/json/" ]
assert "IAM and KP share one connection" \
	[ "$(jq -r .peer "$WORK/F.log" | sort -u | wc -l)" -eq 1 ]
check "kp keys --json" $KP keys $CA --json
assert "JSON keys member: the second key suspended (state 2)" \
	[ "$(jq -r '.keys[1].state' "$WORK/out")" = 2 ]

script "$(rule "GET /api/v2/keys/$FAKE_ID/metadata" 200 "$ONE1")"
check "kp key-show" $KP key-show "$FAKE_ID" $CA
assert "key-show prints name and CRN" grep -q 'crn:v1:bluemix' "$WORK/out"
script "$(rule "GET /api/v2/keys/$FAKE_ID2/metadata" 200 "$ONE1")"
expect_exit 5 "key-show refuses an answer about another key" \
	$KP key-show "$FAKE_ID2" $CA
grep_err "mismatch named" "another key"

# --- retries
script "$(rule 'GET /api/v2/keys?' 429 "" 1 '{"headers":{"Retry-After":"1"}}')" \
	"$(rule 'GET /api/v2/keys?' 200 "$LIST2")"
t0=$(date +%s)
check "429 with Retry-After: 1 is retried" $KP keys $CA
t1=$(date +%s)
assert "the wait honoured Retry-After" [ $((t1 - t0)) -ge 1 ]
assert "two list requests" [ "$(fake_count F 'GET /api/v2/keys?')" -eq 2 ]

script "$(rule 'GET /api/v2/keys?' 503 "" 4)" \
	"$(rule 'GET /api/v2/keys?' 200 "$LIST2")"
check "four 503s then success" $KP keys $CA
assert "five attempts" [ "$(fake_count F 'GET /api/v2/keys?')" -eq 5 ]

script "$(rule 'GET /api/v2/keys?' 503 "$(fake_error 'Service Unavailable: try later' '' '' 503)")"
expect_exit 8 "503 forever gives up" $KP keys $CA
grep_err "attempt count in the error" "after 5 attempts"
assert "no more than five attempts" [ "$(fake_count F 'GET /api/v2/keys?')" -eq 5 ]

script "$(rule 'GET /api/v2/keys?' 501 "")"
expect_exit 8 "501 is not retried" $KP keys $CA
assert "one attempt for 501" [ "$(fake_count F 'GET /api/v2/keys?')" -eq 1 ]

script "$(rule 'GET /api/v2/keys?' 400 "$(fake_error 'Bad Request: bad query' INVALID_QUERY_PARAM_ERR 'limit' 400)")"
expect_exit 8 "400 is not retried" $KP keys $CA
assert "one attempt for 400" [ "$(fake_count F 'GET /api/v2/keys?')" -eq 1 ]
grep_err "error line has message, reason, status, correlation id" \
	"Key Protect: Bad Request: bad query \[INVALID_QUERY_PARAM_ERR: limit\] \(HTTP 400, correlation-id [0-9a-f-]{36}\)"

script "$(rule 'GET /api/v2/keys?' 200 "" 1 '{"drop":true}')" \
	"$(rule 'GET /api/v2/keys?' 200 "$LIST2")"
check "a dropped connection on a read is retried" $KP keys $CA
assert "two list requests after a drop" [ "$(fake_count F 'GET /api/v2/keys?')" -eq 2 ]

# --- create is never duplicated
NEW=$(fake_key "$FAKE_ID" new-root 1 false)
script "$(rule 'GET /api/v2/keys?' 200 "$LIST0" 1)" \
	"$(rule 'POST /api/v2/keys' 503 "" 1)" \
	"$(rule 'GET /api/v2/keys?' 200 "$(fake_keys 1 "$NEW")")" \
	"$(rule "GET /api/v2/keys/$FAKE_ID/metadata" 200 "$(fake_keys 1 "$NEW")")"
check "create after a 503: the key that appeared is adopted" \
	$KP key-create new-root $CA
assert "exactly one create request" [ "$(fake_count F 'POST /api/v2/keys')" -eq 1 ]
grep_err "recovery reported" "not created again"
assert "the adopted key is printed" grep -q "$FAKE_ID" "$WORK/out"

script "$(rule 'GET /api/v2/keys?' 200 "$LIST0" 2)" \
	"$(rule 'POST /api/v2/keys' 200 "" 1 '{"drop":true}')" \
	"$(rule 'POST /api/v2/keys' 201 "$(fake_keys 1 "$NEW")")"
check "create after a drop with no key appearing: tried again" \
	$KP key-create new-root $CA
assert "two create requests, one key" [ "$(fake_count F 'POST /api/v2/keys')" -eq 2 ]
assert "order: list, create, list, create" \
	[ "$(jq -r .line "$WORK/F.log" | grep -E '^(POST /api/v2/keys$|GET /api/v2/keys\?)' | cut -c1-4 | tr -d ' \n')" = "GETPOSTGETPOST" ]
assert "each create on a fresh connection" \
	[ "$(jq -r 'select(.line == "POST /api/v2/keys") | .peer' "$WORK/F.log" | sort -u | wc -l)" -eq 2 ]
assert "create body is one root key" \
	[ "$(log_field 'POST /api/v2/keys' body | head -1 | jq -c '[.metadata.collectionTotal, .resources[0].name, .resources[0].extractable]')" = '[1,"new-root",false]' ]
assert "create sends Prefer: return=minimal" \
	[ "$(log_field 'POST /api/v2/keys' prefer | head -1)" = "return=minimal" ]

script "$(rule 'GET /api/v2/keys?' 200 "$LIST0" 1)" \
	"$(rule 'POST /api/v2/keys' 429 "" 1 '{"headers":{"Retry-After":"0"}}')" \
	"$(rule 'POST /api/v2/keys' 201 "$(fake_keys 1 "$NEW")")"
check "create after a 429 is repeated (nothing was done)" \
	$KP key-create new-root $CA
assert "no lookup after a 429" [ "$(fake_count F 'GET /api/v2/keys?')" -eq 1 ]

EXIST=$(fake_key "$FAKE_ID2" new-root 1 false)
script "$(rule 'GET /api/v2/keys?' 200 "$(fake_keys 1 "$EXIST")" 1)" \
	"$(rule 'POST /api/v2/keys' 502 "" 1)" \
	"$(rule 'GET /api/v2/keys?' 200 "$(fake_keys 2 "$EXIST,$NEW")")" \
	"$(rule "GET /api/v2/keys/$FAKE_ID/metadata" 200 "$(fake_keys 1 "$NEW")")"
check "an older key of the same name is not mistaken for ours" \
	$KP key-create new-root $CA --json
assert "adopted the new id" [ "$(jq -r .key.id "$WORK/out")" = "$FAKE_ID" ]

# --- authentication
script "$(rule 'GET /api/v2/keys?' 401 "$(fake_error 'Unauthorized: token expired' '' '' 401)" 1)" \
	"$(rule 'GET /api/v2/keys?' 200 "$LIST2")"
check "401 triggers one new IAM token" $KP keys $CA
assert "two IAM exchanges" [ "$(fake_count F 'POST /identity/token')" -eq 2 ]
script "$(rule 'GET /api/v2/keys?' 401 "$(fake_error 'Unauthorized: no access' '' '' 401)")"
expect_exit 3 "401 twice is an authentication failure" $KP keys $CA
assert "re-auth only once" [ "$(fake_count F 'POST /identity/token')" -eq 2 ]
script "$(rule 'POST /identity/token' 400 '{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found"}')"
expect_exit 3 "IAM refusing the key is exit 3" $KP keys $CA
grep_err "IAM message and code" "IAM: Provided API key could not be found \[BXNIM0415E\] \(HTTP 400\)"
assert "nothing sent to KP without a token" [ "$(fake_count F 'GET')" -eq 0 ]
script "$(rule 'POST /identity/token' 200 '{"access_token":"a b","expires_in":3600}')"
expect_exit 5 "a token with a space is refused" $KP keys $CA

# --- hostile bodies
script "$(rule 'GET /api/v2/keys?' 200 '{"metadata":{"collectionType":"application/vnd.ibm.kms.key+json","collectionTotal":0},"resources":[],"resources":[1]}')"
expect_exit 5 "duplicate keys refused" $KP keys $CA
grep_err "names the duplicate" "duplicate JSON key 'resources'"
script "$(rule 'GET /api/v2/keys?' 200 "$(fake_keys 3 "$K1")")"
expect_exit 5 "collectionTotal mismatch refused" $KP keys $CA
script "$(rule 'GET /api/v2/keys?' 200 "$(fake_error 'Conflict: odd' X_ERR 'x' 409)")"
expect_exit 8 "an error body under 200 is a KP error" $KP keys $CA
grep_err "shown as KP error" "Key Protect: Conflict: odd"
script "$(rule 'GET /api/v2/keys?' 200 "" -1 '{"big":2000000}')"
expect_exit 8 "a 2 MB body is refused" $KP keys $CA
grep_err "size named" "response larger than 1048512 bytes"
script "$(rule 'GET /api/v2/keys?' 200 "$LIST2" -1 '{"trickle":0.5}')"
expect_exit 8 "a trickling server times out" \
	env P11SEAL_KP_TIMEOUT_MS=1500 $KP keys $CA
script "$(rule 'GET /api/v2/keys?' 302 "" -1 '{"headers":{"Location":"http://127.0.0.1:1/"}}')"
expect_exit 8 "a redirect is not followed" $KP keys $CA
assert "one request, no redirect" [ "$(fake_count F 'GET')" -eq 1 ]

# --- TLS
script "$(rule 'GET /api/v2/keys?' 200 "$LIST2")"
expect_exit 8 "untrusted CA refused" $KP keys
grep_err "hint at --cacert" "not signed by a trusted CA \(use --cacert FILE\)"
expect_exit 8 "another CA is no help" $KP keys --cacert "$WORK/pki/other-ca.pem"
expect_exit 8 "host name mismatch refused" $KP keys $CA --kp-url "$WRONGHOST_URL" \
	--iam-url "$WRONGHOST_URL"
grep_err "mismatch named" "does not match the host name"
expect_exit 8 "expired certificate refused" $KP keys $CA --kp-url "$EXPIRED_URL" \
	--iam-url "$EXPIRED_URL"
grep_err "expiry named" "has expired"
expect_exit 2 "plain http refused" $KP keys $CA --kp-url http://127.0.0.1:1
grep_err "https required" "https:// URL"

# --- options and secrets
expect_exit 2 "--api-key on the command line is refused" \
	$KP keys $CA --api-key "$FAKE_API_KEY"
expect_exit 2 "bad instance id" $KP keys $CA --instance-id not-a-guid
check "instance CRN accepted" $KP keys $CA --instance-id \
	"crn:v1:bluemix:public:kms:us-south:a/0123:$FAKE_GUID::"
assert "GUID taken from the CRN" [ "$(log_field 'GET /api/v2/keys' instance)" = "$FAKE_GUID" ]
printf '%s\n' "$FAKE_API_KEY" >"$WORK/apikey"
chmod 600 "$WORK/apikey"
script "$(rule 'GET /api/v2/keys?' 200 "$LIST2")"
check "API key from a file" env -u IBMCLOUD_API_KEY $KP keys $CA \
	--api-key-source "file:$WORK/apikey"
expect_exit 4 "no API key: clear error" env -u IBMCLOUD_API_KEY $KP keys $CA
grep_err "names the variable" "IBMCLOUD_API_KEY is not set"
assert "API key never printed by any failure above" \
	sh -c "! grep -rqF -- '$FAKE_API_KEY' '$WORK/out' '$WORK/err'"

# --- delete, disable, enable, versions, import token
script "$(rule "GET /api/v2/keys/$FAKE_ID/metadata" 200 "$ONE1")" \
	"$(rule "DELETE /api/v2/keys/$FAKE_ID" 204 "")"
expect_exit 2 "delete without --yes and no terminal does nothing" \
	$KP key-delete "$FAKE_ID" $CA
assert "no DELETE sent" [ "$(fake_count F DELETE)" -eq 0 ]
check "delete --force --yes" $KP key-delete "$FAKE_ID" --force --yes $CA
assert "DELETE with force" [ "$(fake_count F "DELETE /api/v2/keys/$FAKE_ID?force=true")" -eq 1 ]
script "$(rule "POST /api/v2/keys/$FAKE_ID/actions/disable" 204 "")" \
	"$(rule "POST /api/v2/keys/$FAKE_ID/actions/enable" 204 "")"
check "disable" $KP key-disable "$FAKE_ID" $CA
check "enable" $KP key-enable "$FAKE_ID" $CA
script "$(rule "POST /api/v2/keys/$FAKE_ID/actions/disable" 503 "" 1)" \
	"$(rule "POST /api/v2/keys/$FAKE_ID/actions/disable" 409 "$(fake_error 'Conflict: Key is not in active state' KEY_ACTION_INVALID_STATE_ERR x 409)")" \
	"$(rule "GET /api/v2/keys/$FAKE_ID/metadata" 200 "$(fake_keys 1 "$(fake_key "$FAKE_ID" crk 2 false)")")"
check "disable whose first attempt worked: 409 on retry is success" \
	$KP key-disable "$FAKE_ID" $CA
expect_exit 2 "a key id with a slash is refused" $KP key-show "a/../b" $CA
script "$(rule "GET /api/v2/keys/$FAKE_ID/versions" 200 "{\"metadata\":{\"collectionType\":\"application/vnd.ibm.kms.key.version+json\",\"collectionTotal\":2},\"resources\":[{\"id\":\"$FAKE_ID2\",\"creationDate\":\"2026-04-01T00:00:00Z\"},{\"id\":\"$FAKE_ID\"}]}")"
check "key-versions" $KP key-versions "$FAKE_ID" $CA
assert "newest version first" [ "$(sed -n 2p "$WORK/out" | cut -c1-36)" = "$FAKE_ID2" ]

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	-out "$WORK/itok.key" 2>/dev/null
openssl pkey -in "$WORK/itok.key" -pubout -out "$WORK/itok.pub"
FP=$(openssl pkey -pubin -in "$WORK/itok.pub" -outform DER | sha256sum | cut -c1-64)
PAYLOAD=$(base64 -w0 <"$WORK/itok.pub")
script "$(rule 'GET /api/v2/import_token' 200 "{\"creationDate\":\"2026-04-08T16:58:29Z\",\"expirationDate\":\"2026-04-08T17:18:29Z\",\"maxAllowedRetrievals\":2,\"remainingRetrievals\":1,\"payload\":\"$PAYLOAD\",\"nonce\":\"8zJE9pKVdXVe/nLb\"}")" \
	"$(rule 'POST /api/v2/import_token' 200 '{"creationDate":"2026-04-08T16:58:29Z","expirationDate":"2026-04-08T17:18:29Z","maxAllowedRetrievals":2,"remainingRetrievals":2}')"
check "import-token-create" $KP import-token-create --expiration 1200 \
	--max-retrievals 2 $CA
assert "token request body" [ "$(log_field 'POST /api/v2/import_token' body)" = '{"expiration":1200,"maxAllowedRetrievals":2}' ]
check "import-token-show" $KP import-token-show $CA
assert "fingerprint equals openssl's SHA-256 of the SPKI" grep -q "$FP" "$WORK/out"
assert "the PEM itself is not printed" sh -c "! grep -q 'BEGIN PUBLIC KEY' '$WORK/out'"
check "import-token-show --json" $KP import-token-show $CA --json
assert "--json carries payload and nonce" \
	[ "$(jq -r '.import_token | .payload + " " + .nonce' "$WORK/out")" = "$PAYLOAD 8zJE9pKVdXVe/nLb" ]

done_testing
