#!/bin/sh
# t-cos-sigv4.sh - the COS SigV4 vectors come from an independent signer:
# Debian's python3-botocore (S3SigV4Auth) re-makes
# tests/vectors/cos_sigv4.tsv and must agree byte for byte; test_cos_sigv4
# checks p11seal's signer against that file, and fails on a changed one.
. "$(dirname "$0")/lib.sh"

VEC=$ROOT/tests/vectors/cos_sigv4.tsv
UNIT=$ROOT/${B:-build}/tests/test_cos_sigv4

if /usr/bin/python3 -c 'import botocore' 2>/dev/null; then
	check "botocore makes the vectors" /usr/bin/python3 \
		"$ROOT/tests/integration/cos_sigv4_botocore.py"
	assert "the committed vectors are botocore's" cmp -s "$WORK/out" "$VEC"
else
	skip "botocore makes the vectors" "python3-botocore not installed"
	skip "the committed vectors are botocore's" "python3-botocore not installed"
fi

if [ -x "$UNIT" ]; then
	check "p11seal's signer matches every vector" env ROOT="$ROOT" "$UNIT"
	mkdir -p "$WORK/root/tests/vectors"
	# one hex digit of the last signature changed: the unit test must fail
	awk -F'\t' 'BEGIN { OFS = "\t" } /^#/ { print; next }
		{ s = $13; c = substr(s, 64, 1); $13 = substr(s, 1, 63) (c == "0" ? "1" : "0"); print }' \
		"$VEC" >"$WORK/root/tests/vectors/cos_sigv4.tsv"
	expect_exit 1 "a wrong signature in the vectors fails the unit test" \
		env ROOT="$WORK/root" "$UNIT"
else
	skip "p11seal's signer matches every vector" "$UNIT not built"
fi
done_testing
