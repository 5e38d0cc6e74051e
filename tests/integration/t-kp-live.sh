#!/bin/sh
# t-kp-live.sh - run test_kp_live (secure import, wrap/unwrap with AAD,
# rotation, rewrap through the library) against a fresh kp-server.
. "$(dirname "$0")/lib.sh"

LIVE=$ROOT/${B:-build}/tests/test_kp_live
if [ ! -x "$KP_SERVER" ] || [ ! -x "$LIVE" ] ||
	[ ! -f "$ROOT/tests/integration/kp-lib.sh" ]; then
	skip "kp library against kp-server" "kp-server or test_kp_live missing"
	done_testing
	exit 0
fi
. "$ROOT/tests/integration/kp-lib.sh"
kp_start || { not_ok "kp-server starts"; done_testing; exit 1; }
CMOCKA_MESSAGE_OUTPUT=TAP "$LIVE" >"$WORK/live" 2>&1
rc=$?
sed 's/^/# /' "$WORK/live"
n=$(grep -c '^ok ' "$WORK/live")
if [ "$rc" -eq 0 ] && [ "$n" -ge 3 ]; then
	ok "test_kp_live passed ($n cases)"
else
	not_ok "test_kp_live (exit $rc, $n cases passed)"
fi
done_testing
