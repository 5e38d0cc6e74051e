#!/bin/sh
# tests/run.sh - run every test program and script, all speaking TAP, and
# end with one line "N passed, N failed, N skipped".
# Env: B (build dir), TESTS (optional space-separated filter of names).
set -u
B=${B:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export P11SEAL="$ROOT/$B/p11seal" KP_SERVER="$ROOT/$B/kp-server" B ROOT
export P11SHIM="$ROOT/$B/tests/libp11shim.so"
export KILLAT="$ROOT/$B/tests/libkillat.so"
export CMOCKA_MESSAGE_OUTPUT=TAP
LOG=$(mktemp -d)
trap 'rm -rf "$LOG"' EXIT
pass=0 fail=0 skip=0

selected() {
	[ -z "${TESTS:-}" ] && return 0
	for want in $TESTS; do
		case "$1" in *"$want"*) return 0 ;; esac
	done
	return 1
}

# run_one NAME CMD...: run, echo its TAP, count; a crash or a non-zero
# exit without any "not ok" line counts as one failure.
run_one() {
	name=$1
	shift
	echo "# --- $name"
	t0=$(date +%s)
	"$@" >"$LOG/out" 2>"$LOG/err" </dev/null
	rc=$?
	echo "# $name took $(($(date +%s) - t0)) s" >>"$LOG/times"
	cat "$LOG/out"
	# cmocka 1.1.5 prints a skipped test as "not ok N # SKIP".
	p=$(grep -cE '^ok [0-9]+' "$LOG/out" | tr -d ' ')
	s=$(grep -cE '^(not )?ok [0-9]+.*# *(SKIP|skip)' "$LOG/out" | tr -d ' ')
	ns=$(grep -cE '^not ok [0-9]+.*# *(SKIP|skip)' "$LOG/out" | tr -d ' ')
	f=$(grep -cE '^not ok [0-9]+' "$LOG/out" | tr -d ' ')
	f=$((f - ns))
	p=$((p + ns))
	if [ "$f" -gt 0 ] || [ "$rc" -ne 0 ]; then
		sed 's/^/#   stderr: /' "$LOG/err" | tail -n 40
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "not ok - $name exited with status $rc"
		f=1
	fi
	pass=$((pass + p - s))
	skip=$((skip + s))
	fail=$((fail + f))
}

for t in "$ROOT/$B"/tests/test_*; do
	[ -x "$t" ] || continue
	selected "$(basename "$t")" || continue
	if [ -n "${P11SEAL_VALGRIND:-}" ]; then
		run_one "$(basename "$t")" valgrind -q --error-exitcode=9 \
			--leak-check=full "$t"
	else
		run_one "$(basename "$t")" "$t"
	fi
done
for t in "$ROOT/$B"/fuzz-replay/fuzz_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	selected "$n" || continue
	run_one "$n" "$t" "$ROOT/tests/fuzz/corpus/${n#fuzz_}"
done
for t in "$ROOT"/tests/integration/t-*.sh; do
	[ -f "$t" ] || continue
	selected "$(basename "$t")" || continue
	run_one "$(basename "$t")" sh "$t"
done
sort -t' ' -k4 -n -r "$LOG/times" 2>/dev/null | head -n 8 | sed 's/^# /# slowest: /'
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
