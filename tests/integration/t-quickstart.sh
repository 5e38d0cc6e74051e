#!/bin/sh
# t-quickstart.sh - README "Quick start by hand", run verbatim: the first
# sh block after that heading, in an empty folder with build/p11seal on
# PATH, under sh -e; every command must succeed and the decrypted image
# must equal the source.
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
mkdir run
awk '/^## Quick start by hand/ { inside = 1; next }
	inside && /^```sh$/ { code = 1; next }
	code && /^```$/ { exit }
	code { print }' "$ROOT/README.md" >quickstart.sh
assert "the README has a quick start block" test -s quickstart.sh
assert "... that uses no option the configuration would set" \
	test -z "$(grep -v '^#' quickstart.sh | grep -E -- '--(module|pin-source)( |=)')"

d=$(dirname "$P11SEAL")
check "the quick start runs verbatim" env -u P11SEAL_MODULE \
	-u P11SEAL_TOKEN -u P11SEAL_PIN_SOURCE PATH="$d:$PATH" \
	HOME="$WORK/run" XDG_STATE_HOME="$WORK/run/state" \
	sh -ec "cd run && . ../quickstart.sh"
grep -q "decrypted image is identical" "$WORK/out" &&
	ok "... and ends with the identical image" ||
	not_ok "... and ends with the identical image: $(tail -c 300 "$WORK/out")"
assert "... the PIN files are 0600" test "$(stat -c %a run/user.pin)" = 600
if command -v qemu-img >/dev/null; then
	check "qemu-img reads the quick start's VHD" qemu-img info -f vpc \
		run/disk.vhd
	grep -q "virtual size: 64 MiB" "$WORK/out" && ok "... 64 MiB" ||
		not_ok "... 64 MiB: $(cat "$WORK/out")"
else
	skip "qemu-img reads the quick start's VHD" "qemu-img missing"
fi

done_testing
