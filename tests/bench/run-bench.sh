#!/bin/sh
# tests/bench/run-bench.sh - run every micro-benchmark built in $B/bench
# (rules in tests/bench/bench.mk) and print their tables.
set -u
B=${B:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export ROOT
found=0
for b in "$ROOT/$B"/bench/*_bench; do
	[ -x "$b" ] || continue
	found=1
	echo "# --- $(basename "$b")"
	"$b" || exit 1
done
if [ "$found" -eq 0 ]; then
	echo "no benchmarks in $B/bench: build them with bench-bins" \
		"(tests/bench/bench.mk)" >&2
	exit 1
fi
