#!/bin/sh
# t-cos-put-iam.sh - `p11seal cos put` with the default auth, an IAM
# bearer token from the API key (the local Key Protect server's IAM),
# which the COS stand-in checks with that server: an upload, a refused
# API key (nothing created), and the token expiring mid-upload (the
# front answers 403, p11seal exchanges the key again and goes on).
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/kp-lib.sh"
. "$ROOT/tests/integration/cos-lib.sh"

if [ ! -x "$KP_SERVER" ] || ! cos_available || ! command -v jq >/dev/null; then
	skip "cos put with IAM tokens" "${COS_WHY:-kp-server or jq missing}"
	done_testing
	exit 0
fi
kp_start || { not_ok "kp-server starts"; done_testing; exit 1; }
cos_start images || { not_ok "the COS stand-in starts"; done_testing; exit 1; }
export P11SEAL_COS_RETRY_BASE_MS=20 P11SEAL_COS_RETRY_CAP_MS=200
hsm_setup cosiam
PUT="$P11 cos put --cacert $COS_CACERT --part-size 5 --no-progress"
URI=cos://us-south/images
tokens() { kp_log | jq '[.entries[] | select(.path == "/identity/token")] | length'; }

head -c $((11 * 1048576)) /dev/urandom >"$WORK/a.vhd"
check "upload with an IAM token (API key from env:IBMCLOUD_API_KEY)" \
	$PUT "$WORK/a.vhd" "$URI/a-0.vhd"
assert "one token exchange for all requests" [ "$(tokens)" = 1 ]
cos_get images a-0.vhd "$WORK/a.back"
assert "the object is the image" cmp -s "$WORK/a.vhd" "$WORK/a.back"
assert "every COS request carried the bearer (none refused)" \
	[ "$(cos_log | jq '[.[] | select(.status == 403)] | length')" = 0 ]

cos_log_clear >/dev/null
printf 'not-a-key' >"$WORK/badkey"
chmod 600 "$WORK/badkey"
expect_exit 3 "a refused API key: exit 3" $PUT "$WORK/a.vhd" "$URI/b-0.vhd" \
	--api-key-source "file:$WORK/badkey"
assert "nothing reached COS" [ "$(cos_log | jq length)" = 0 ]

# the token expires while parts are in flight
head -c $((21 * 1048576)) /dev/urandom >"$WORK/e.vhd"
cos_log_clear >/dev/null
n0=$(tokens)
cos_fault '[{"op":"part","delay_ms":1500,"after":1,"times":100}]'
$PUT "$WORK/e.vhd" "$URI/e-0.vhd" --threads 2 --json >"$WORK/e.out" 2>"$WORK/e.err" &
pid=$!
i=0
while [ "$(cos_log | jq '[.[] | select(.op == "part" and .status == 200)] | length')" -lt 1 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kp_clock 7200 >/dev/null
wait $pid
rc=$?
cos_fault '[]'
assert "the upload finished after the token expired (exit $rc)" [ "$rc" = 0 ]
[ "$rc" = 0 ] || sed 's/^/#   /' "$WORK/e.err"
assert "COS refused the expired token" [ "$(cos_log | jq '[.[] | select(.status == 403)] | length')" -ge 1 ]
assert "p11seal exchanged the API key again" [ "$(tokens)" -ge $((n0 + 2)) ]
cos_get images e-0.vhd "$WORK/e.back"
assert "the object is the image" cmp -s "$WORK/e.vhd" "$WORK/e.back"
done_testing
