#!/bin/sh
# t-demo.sh - README "The two commands": `make demo` prints every p11seal
# command exactly as it runs. demo.sh runs with a wrapper as P11SEAL that
# logs each argv; every printed "$ ... p11seal ..." line, read back by the
# shell with $DEMO set, must be the logged argv of the same run, in order,
# with none left out; and no printed line is shown through a filter that
# is not printed with it.
. "$(dirname "$0")/lib.sh"

for t in qemu-img vhdiinfo mkfs.ext4 jq openssl; do
	if ! command -v "$t" >/dev/null; then
		skip "make demo prints what it runs" "$t missing"
		done_testing
		exit
	fi
done
cat >"$WORK/p11seal" <<WRAP
#!/bin/sh
printf '%s\n' "\$*" >>"$WORK/argv.log"
exec "$P11SEAL" "\$@"
WRAP
chmod +x "$WORK/p11seal"
P11SEAL="$WORK/p11seal" sh "$ROOT/tests/demo.sh" >"$WORK/demo.out" 2>&1
rc=$?
assert "demo.sh runs to the end (exit $rc)" test "$rc" -eq 0
DEMO=$(sed -n 's/^\$ DEMO=//p' "$WORK/demo.out")
assert "it says what \$DEMO is" test -n "$DEMO"
# The printed p11seal lines, with the shell's own reading of their words.
grep -E '^\$ (SOFTHSM2_CONF=[^ ]+ )?p11seal ' "$WORK/demo.out" |
	sed -E 's/^\$ (SOFTHSM2_CONF=[^ ]+ )?p11seal //; s/ >[^ ]+$//' |
	while IFS= read -r line; do
		eval "set -- $line"
		printf '%s\n' "$*"
	done >"$WORK/printed.log"
n=$(wc -l <"$WORK/argv.log")
assert "p11seal ran ($n times)" test "$n" -gt 20
if cmp -s "$WORK/printed.log" "$WORK/argv.log"; then
	ok "every run is printed, exactly as it ran"
else
	not_ok "printed and run differ:"
	diff "$WORK/printed.log" "$WORK/argv.log" | head -n 10 | sed 's/^/#   /'
fi
assert "no hidden --module, --pin-source or --cacert" \
	test -z "$(grep -E -- '--(module|pin-source|cacert) ' "$WORK/argv.log")"
assert "the settings are shown as export lines" \
	grep -q '^\$ export P11SEAL_MODULE=.* P11SEAL_PIN_SOURCE=' "$WORK/demo.out"
assert "jq output comes after its printed jq command" \
	test "$(grep -c '^\$ jq ' "$WORK/demo.out")" -ge 4

done_testing
