#!/bin/sh
# tests/fuzz/run-fuzz.sh - `make fuzz`: build every tests/fuzz/fuzz_*.c as a
# libFuzzer binary with ASan and UBSan (the library objects with
# -fsanitize=fuzzer-no-link,address,undefined), run each for FUZZ_SECONDS
# on a scratch copy of its corpus (tests/fuzz/corpus/NAME for fuzz_NAME),
# print executions and coverage per target, keep every crasher in
# tests/fuzz/crashes/fuzz_NAME/ for review, and fail if any target crashed,
# leaked, timed out or ran out of memory.
# Env: B (build dir, default build/fuzz), FUZZ_SECONDS (default 60),
# FUZZ_TARGETS (optional space-separated names, e.g. "fuzz_vhd").
# Checks README "Fuzzing".
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
B=${B:-build/fuzz}
SECS=${FUZZ_SECONDS:-60}
cd "$ROOT" || exit 1
SAN="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
if ! make -s -j2 B="$B" CC=clang CFLAGS="$SAN" \
	LDFLAGS="-fsanitize=address,undefined" fuzz-targets; then
	echo "run-fuzz: build failed" >&2
	exit 1
fi
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/p11seal-fuzz.XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
failed=0
printf '%-18s %12s %8s %8s %8s  %s\n' target executions exec/s cov ft result
for bin in "$B"/fuzzer/fuzz_*; do
	[ -x "$bin" ] || continue
	t=$(basename "$bin")
	if [ -n "${FUZZ_TARGETS:-}" ]; then
		case " $FUZZ_TARGETS " in *" $t "*) ;; *) continue ;; esac
	fi
	work="$SCRATCH/$t"
	mkdir -p "$work/corpus" "$work/art"
	seeds="tests/fuzz/corpus/${t#fuzz_}"
	[ -d "$seeds" ] && cp -R "$seeds/." "$work/corpus/"
	# kept crashers seed the run too: a regression shows up at once
	[ -d "tests/fuzz/crashes/$t" ] &&
		cp -R "tests/fuzz/crashes/$t/." "$work/corpus/" 2>/dev/null
	ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$bin" -max_total_time="$SECS" -print_final_stats=1 \
		-timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$work/art/" "$work/corpus" \
		>"$work/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
	cov=$(grep -oE 'cov: [0-9]+' "$work/log" | tail -n 1 | cut -d' ' -f2)
	ft=$(grep -oE 'ft: [0-9]+' "$work/log" | tail -n 1 | cut -d' ' -f2)
	arts=$(ls "$work/art" 2>/dev/null | wc -l)
	result=ok
	if [ "$rc" -ne 0 ] || [ "$arts" -gt 0 ]; then
		result="FAILED (exit $rc, $arts artifact(s))"
		failed=$((failed + 1))
		mkdir -p "tests/fuzz/crashes/$t"
		cp "$work"/art/* "tests/fuzz/crashes/$t/" 2>/dev/null
		grep -E -A 30 'ERROR:|runtime error|SUMMARY|deadly signal' \
			"$work/log" | head -n 60 | sed "s/^/# $t: /"
	fi
	printf '%-18s %12s %8s %8s %8s  %s\n' "$t" "${execs:-?}" \
		"${speed:-?}" "${cov:-?}" "${ft:-?}" "$result"
done
if [ "$failed" -gt 0 ]; then
	echo "run-fuzz: $failed target(s) failed; crashers are in" \
		"tests/fuzz/crashes/ (replay: $B/fuzzer/TARGET FILE)" >&2
	exit 1
fi
echo "run-fuzz: every target ran ${SECS}s without a finding"
