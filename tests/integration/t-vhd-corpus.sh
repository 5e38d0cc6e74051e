#!/bin/sh
# t-vhd-corpus.sh - every file of the hostile VHD corpus (tests/vhd-corpus/
# gen.py: one file per item of the robustness checklist) through `vhd
# info`, `vhd encrypt`, `vhd decrypt` and `vhd verify` with a real SoftHSM
# DEK. Per file and command: the exit code and verdict of the manifest,
# the message names the field (and offset), no crash (exit < 128, no
# sanitizer report), no output or temp file left after a refusal, the
# input unchanged; an accepted output's plaintext has the expected SHA-256.
# P11SEAL may point at a sanitizer build (build/asan/p11seal).
# fsync on tmpfs costs nothing: ~300 outputs are written and synced here
# Checks README "Hostile VHD corpus".
[ -d /dev/shm ] && [ -w /dev/shm ] && TMPDIR=/dev/shm && export TMPDIR
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
cd "$WORK" || exit 1
hsm_setup corpus
mkdir o
if ! $PY "$ROOT/tests/vhd-corpus/gen.py" "$WORK/c" >gen.err 2>&1; then
	not_ok "generate the corpus: $(head -c 300 gen.err)"
	done_testing
	exit 1
fi
$P11 key import dek --label corpus --raw-file c/corpus.key >/dev/null 2>&1
ok "corpus generated: $(grep -vc '^#' c/expected.tsv) rows for" \
	"$(grep -v '^#' c/expected.tsv | cut -f1 | sort -u | wc -l) files"
if cmp -s c/expected.tsv "$ROOT/tests/vhd-corpus/expected.tsv"; then
	ok "tests/vhd-corpus/expected.tsv is the generator's manifest"
else
	not_ok "tests/vhd-corpus/expected.tsv is stale (gen.py --manifest)"
fi

# fingerprint FILE: SHA-256, or for sparse inputs over 64 MiB (hashing
# 2 TiB of holes takes minutes) size, mtime and ctime in nanoseconds.
fingerprint() {
	if [ "$(stat -c %s "$1")" -gt 67108864 ]; then
		stat -c '%s %y %z' "$1"
	else
		sha256sum <"$1"
	fi
}

# run_cmd CMD FILE: run p11seal's vhd CMD on corpus FILE; output in
# o/FILE.{vhd,raw}, stdout/stderr in $WORK/out, $WORK/err, rc in $rc.
run_cmd() {
	f=c/$2
	case $1 in
	info) "$P11SEAL" vhd info "$f" ;;
	encrypt) $P11 vhd encrypt --key corpus --no-progress "$f" "o/$2.vhd" ;;
	decrypt) $P11 vhd decrypt --key corpus "$f" "o/$2.raw" ;;
	verify) $P11 vhd verify --key corpus "$f" ;;
	esac >"$WORK/out" 2>"$WORK/err"
	rc=$?
}

# output_sha CMD FILE: the plaintext SHA-256 of an accepted output.
output_sha() {
	case $1 in
	encrypt)
		$P11 --json vhd verify --key corpus --data "o/$2.vhd" \
			2>/dev/null | jq -r .plaintext_sha256
		;;
	decrypt) sha256sum <"o/$2.raw" | cut -d' ' -f1 ;;
	esac
}

# one FILE ITEM CMD VERDICT CODE REGEX SHA: one TAP line.
one() {
	file=$1 item=$2 cmd=$3 verdict=$4 code=$5 rx=$6 want=$7
	why=""
	before=$(fingerprint "c/$file")
	run_cmd "$cmd" "$file"
	[ "$rc" -lt 128 ] || why="$why; crashed (exit $rc)"
	[ "$rc" -eq "$code" ] || why="$why; exit $rc, wanted $code"
	if grep -qE 'Sanitizer|runtime error:' "$WORK/err"; then
		why="$why; sanitizer report"
	fi
	if [ "$verdict" = reject ]; then
		grep -qE -- "$rx" "$WORK/err" ||
			why="$why; stderr lacks /$rx/: $(head -c 300 "$WORK/err")"
		[ -z "$(ls -A o)" ] || why="$why; left: $(ls -A o | head -3)"
	else
		grep -qE -- "$rx" "$WORK/out" ||
			why="$why; stdout lacks /$rx/: $(head -c 200 "$WORK/out")"
		if [ "$want" != - ] && [ "$rc" -eq 0 ]; then
			got=$(output_sha "$cmd" "$file")
			[ "$got" = "$want" ] ||
				why="$why; output plaintext sha256 $got"
		fi
		n=$(ls -A o | grep -vc "^$file\.\(vhd\|raw\)\$")
		[ "$n" -eq 0 ] || why="$why; stray files: $(ls -A o | head -3)"
	fi
	[ "$(fingerprint "c/$file")" = "$before" ] || why="$why; input changed"
	rm -f o/* o/.[!.]* 2>/dev/null
	if [ -z "$why" ]; then
		ok "$item $file: $cmd $verdict ($rc)"
	else
		not_ok "$item $file: $cmd$why"
	fi
}

tab=$(printf '\t')
while IFS=$tab read -r file item cmd verdict code rx want; do
	case $file in '#'* | '') continue ;; esac
	if [ "$cmd" = '*' ]; then
		for c in info encrypt decrypt verify; do
			one "$file" "$item" "$c" "$verdict" "$code" "$rx" "$want"
		done
	else
		one "$file" "$item" "$cmd" "$verdict" "$code" "$rx" "$want"
	fi
done <c/expected.tsv

# --- P2: a 2040 GiB sparse input costs neither time nor memory in
# proportion to its size
/usr/bin/time -f '%e %M' -o p2.time $P11 vhd encrypt --key corpus \
	--no-progress c/p2-sparse-raw-2040g o/p2.vhd >/dev/null 2>p2.err
rc=$?
assert "P2 encrypt of 2040 GiB sparse succeeds (exit $rc)" test "$rc" -eq 0
read -r secs kib <p2.time
assert "P2 encrypt of 2040 GiB sparse: under 20 s (${secs} s)" \
	awk "BEGIN { exit !($secs < 20) }"
assert "P2 ... and under 64 MiB resident (${kib} KiB)" test "$kib" -lt 65536
rm -f o/p2.vhd

# --- P1: the output is the input under another name
good=c/e2-encrypted-good
h=$(sha256sum <"$good")
# encrypt refuses an encrypted input before it looks at the output
plain=c/e2-keyhash-cookie-0
hp=$(sha256sum <"$plain")
ln "$plain" o/hard.vhd
expect_exit 2 "P1 output hard-linked to the input: exit 2" $P11 vhd encrypt \
	--key corpus --force "$plain" o/hard.vhd
grep_err "P1 hard link named" "o/hard.vhd: output is the input"
assert "P1 hard-linked input unchanged" test "$(sha256sum <"$plain")" = "$hp"
ln -s "$WORK/$good" o/sym.vhd
expect_exit 2 "P1 output a symlink to the input: exit 2" $P11 vhd decrypt \
	--key corpus --force "$good" o/sym.vhd
expect_exit 2 "P1 decrypt over a symlink to the input: exit 2" $P11 vhd \
	decrypt --key corpus "$good" o/sym.vhd
assert "P1 input unchanged" test "$(sha256sum <"$good")" = "$h"
assert "P1 no temp file" test -z "$(find o -name '.*p11seal-tmp*')"
done_testing
