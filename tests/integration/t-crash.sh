#!/bin/sh
# t-crash.sh - `vhd encrypt` killed with SIGKILL at random points of its
# output (tests/killat at the Nth pwritev of the process; strace at the
# fsync, at the rename, after the rename), and I/O faults the device gives
# (ENOSPC on a full tmpfs, short writes and EIO from libfiu, ENOSPC/EIO at
# chosen writes from tests/killat and syscalls from strace). After each: the input is unchanged, the output
# name holds nothing or a complete, verified image, a temp file left by a
# kill is named .OUT.p11seal-tmp.PID.XXXXXX, and the next run succeeds and
# removes it. CRASH_SEED picks the kill points (printed for a rerun).
# Checks README "Crashes and device faults".
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
# libfiu and faketime are LD_PRELOAD libraries: a sanitizer build must
# accept a library loaded ahead of its runtime
ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0"
export ASAN_OPTIONS
if ! command -v strace >/dev/null; then
	skip "crash tests" "strace missing"
	done_testing
	exit 0
fi
hsm_setup crash
head -c 64 /dev/urandom >crash.key
$P11 key import dek --label crash --raw-file crash.key >/dev/null 2>&1
ENC="$P11 vhd encrypt --key crash --no-progress"

# a 40 MiB sparse raw image with data in each of its 20 blocks
truncate -s 40M in.raw
for k in $(seq 0 19); do
	head -c 4096 /dev/urandom |
		dd of=in.raw bs=4096 seek=$((k * 512 + k % 7)) conv=notrunc \
			2>/dev/null
done
IN_SHA=$(sha256sum <in.raw | cut -d' ' -f1)

# state_ok DESC: input unchanged, out.vhd absent, at most one temp file
# and it has the writer's name; sets STALE to its name (or empty).
state_ok() {
	why=""
	[ "$(sha256sum <in.raw | cut -d' ' -f1)" = "$IN_SHA" ] ||
		why="$why; input changed"
	[ ! -e out.vhd ] || why="$why; out.vhd exists"
	STALE=$(ls -A | grep 'p11seal-tmp' || true)
	n=$(printf '%s' "$STALE" | grep -c . || true)
	[ "$n" -le 1 ] || why="$why; $n temp files"
	if [ -n "$STALE" ] &&
		! printf '%s\n' "$STALE" |
		grep -qE '^\.out\.vhd\.p11seal-tmp\.[0-9]+\.[A-Za-z0-9]{6}$'; then
		why="$why; odd temp name $STALE"
	fi
	if [ -z "$why" ]; then ok "$1"; else not_ok "$1$why"; fi
}

# verified DESC: out.vhd verifies and decrypts to the input.
verified() {
	if $P11 --json vhd verify --key crash --data out.vhd >v.json 2>v.err &&
		[ "$(jq -r .plaintext_sha256 v.json)" = "$IN_SHA" ]; then
		ok "$1"
	else
		not_ok "$1: $(head -c 300 v.err)"
	fi
}

# rerun DESC: a normal run succeeds, names and removes the stale temp file
# of the killed one (aged past the 60 s guard), leaves none of its own.
rerun() {
	[ -n "$STALE" ] && touch -d '2 minutes ago' "$STALE"
	if $ENC in.raw out.vhd >r.out 2>r.err; then
		why=""
		if [ -n "$STALE" ]; then
			[ ! -e "$STALE" ] || why="$why; stale $STALE kept"
			grep -q "removed 1 stale temp file(s) of out.vhd" r.err ||
				why="$why; removal not reported"
		fi
		[ -z "$(ls -A | grep p11seal-tmp)" ] ||
			why="$why; temp file left"
		if [ -z "$why" ]; then ok "$1"; else not_ok "$1$why"; fi
	else
		not_ok "$1: exit $?: $(head -c 300 r.err)"
	fi
}

# --- count the writes first: every output byte goes through pwritev
strace -f -c -o count.txt -e trace=pwritev,pwrite64,write,fsync,renameat2 \
	$ENC in.raw out.vhd >/dev/null 2>&1
WRITES=$(awk '$NF == "pwritev" { print $4 }' count.txt)
PW64=$(awk '$NF == "pwrite64" { print $4 }' count.txt)
diag "output syscalls of one run: $(awk '$NF ~ /^(pwritev|pwrite64|fsync|renameat2)$/ { printf "%s %s  ", $NF, $4 }' count.txt)"
assert "at least a pwritev per block and the footer (got ${WRITES:-0})" \
	test "${WRITES:-0}" -ge 21
assert "no pwrite64 that kill points would miss" test -z "$PW64"
verified "uninterrupted run verifies"
rm -f out.vhd

# --- SIGKILL at 20 random pwritev calls of the run (tests/killat: the
# N-th of the process, whichever writer thread makes it)
SEED=${CRASH_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
diag "kill points from CRASH_SEED=$SEED"
POINTS=$(awk -v s="$SEED" -v n="${WRITES:-26}" 'BEGIN { srand(s);
	for (i = 1; i <= n; i++) a[i] = i;
	for (i = n; i > 1; i--) { j = int(rand() * i) + 1; t = a[i];
		a[i] = a[j]; a[j] = t }
	for (i = 1; i <= 20 && i <= n; i++) printf "%d ", a[i] }')
for n in $POINTS; do
	LD_PRELOAD=$KILLAT KILLAT_PWRITEV=$n $ENC in.raw out.vhd >/dev/null 2>&1
	rc=$?
	assert "kill at pwritev #$n: killed (exit $rc)" test "$rc" -eq 137
	state_ok "kill at pwritev #$n: input intact, no output"
	assert "kill at pwritev #$n: the temp file is left, named" \
		test -n "$STALE"
	rerun "after kill at pwritev #$n: next run succeeds, cleans up"
	verified "after kill at pwritev #$n: output verifies"
	rm -f out.vhd
done

# --- SIGKILL around the publication: fsync, rename, directory fsync
strace -f -o /dev/null -e inject=fsync:signal=SIGKILL:when=1 \
	$ENC in.raw out.vhd >/dev/null 2>&1
state_ok "kill at the file fsync: no output"
rerun "after kill at fsync: next run succeeds"
rm -f out.vhd
strace -f -o /dev/null -e inject=renameat2:signal=SIGKILL:when=1 \
	$ENC in.raw out.vhd >/dev/null 2>&1
state_ok "kill at the rename: no output"
rerun "after kill at rename: next run succeeds"
rm -f out.vhd
strace -f -o /dev/null -e inject=fsync:signal=SIGKILL:when=2 \
	$ENC in.raw out.vhd >/dev/null 2>&1
assert "kill after the rename: no temp file" \
	test -z "$(ls -A | grep p11seal-tmp)"
verified "kill after the rename: the output is complete"
rm -f out.vhd

# --- a live writer's temp file is never taken for stale
sleep 30 &
live=$!
touch -d '2 minutes ago' ".out.vhd.p11seal-tmp.$live.abcdef"
touch -d '2 minutes ago' ".out.vhd.p11seal-tmp.x.abcdef"
check "encrypt beside a live writer's temp file" $ENC in.raw out.vhd
assert "the live writer's temp file is kept" \
	test -e ".out.vhd.p11seal-tmp.$live.abcdef"
assert "a temp name without a PID is kept" \
	test -e ".out.vhd.p11seal-tmp.x.abcdef"
kill "$live" 2>/dev/null
wait "$live" 2>/dev/null
touch ".out.vhd.p11seal-tmp.$live.abcdef"
check "a dead writer's fresh temp file (< 60 s)" $ENC --force in.raw out.vhd
assert "is kept: it may be another host's" \
	test -e ".out.vhd.p11seal-tmp.$live.abcdef"
rm -f .out.vhd.p11seal-tmp.* out.vhd

# --- device faults: a clear error, no output, no temp file
# fault DESC PATTERN CMD...: exit 1, stderr has PATTERN, no output.
fault() {
	desc=$1 pat=$2
	shift 2
	"$@" >f.out 2>f.err
	rc=$?
	why=""
	[ "$rc" -eq 1 ] || why="$why; exit $rc"
	grep -qE "$pat" f.err || why="$why; stderr: $(head -c 200 f.err)"
	[ ! -e out.vhd ] && [ ! -e out.raw ] || why="$why; output left"
	[ -z "$(ls -A | grep p11seal-tmp)" ] || why="$why; temp file left"
	[ "$(sha256sum <in.raw | cut -d' ' -f1)" = "$IN_SHA" ] ||
		why="$why; input changed"
	if [ -z "$why" ]; then ok "$desc"; else not_ok "$desc$why"; fi
	rm -f out.vhd out.raw
}
# README "Security and robustness": every error names the file
# README "Exit codes": a failed write names its output
fault "ENOSPC at the last write (metadata)" "vhd encrypt: out.vhd: write: No space left" \
	env LD_PRELOAD="$KILLAT" KILLAT_PWRITEV="${WRITES:-26}" KILLAT_ERRNO=28 \
	$ENC in.raw out.vhd
fault "EIO at the first block write" "out.vhd: write: Input/output error" \
	env LD_PRELOAD="$KILLAT" KILLAT_PWRITEV=1 KILLAT_ERRNO=5 \
	$ENC in.raw out.vhd
fault "EIO on the directory fsync after the rename" "Input/output error" \
	strace -f -o /dev/null -e inject=fsync:error=EIO:when=2 \
	$ENC in.raw out.vhd
# every read of the input from the 3rd on, whichever call the reader
# uses (pread64, or preadv2 for O_DIRECT with a buffered retry)
fault "EIO reading the input" "Input/output error" \
	strace -f -o /dev/null -P in.raw \
	-e inject=pread64,preadv,preadv2:error=EIO:when=3+ $ENC in.raw out.vhd
$ENC in.raw good.vhd >/dev/null 2>&1
fault "decrypt: ENOSPC on a raw block write" "vhd decrypt: out.raw: write: No space left" \
	env LD_PRELOAD="$KILLAT" KILLAT_PWRITEV=4 KILLAT_ERRNO=28 \
	$P11 vhd decrypt --key crash good.vhd out.raw
fault "decrypt: EIO on fsync" "Input/output error" \
	strace -f -o /dev/null -e inject=fsync:error=EIO:when=1 \
	$P11 vhd decrypt --key crash good.vhd out.raw

# (libfiu's preload crashes any ASan program, even an empty main)
if ldd "$P11SEAL" 2>/dev/null | grep -q libasan; then
	skip "libfiu faults" "libfiu cannot preload into an ASan build"
elif command -v fiu-run >/dev/null; then
	fault "libfiu: every pwritev fails with EIO" "Input/output error" \
		fiu-run -x -c 'enable name=posix/io/rw/pwritev,failinfo=5' \
		$ENC in.raw out.vhd
	fault "libfiu: fsync fails with EIO" "Input/output error" \
		fiu-run -x -c 'enable name=posix/io/sync/fsync,failinfo=5' \
		$ENC in.raw out.vhd
	# short writes at random: the retry loop must still write it all
	check "libfiu: half the writes are short" fiu-run -x -c \
		'enable_random name=posix/io/rw/pwritev/reduce,probability=0.5' \
		$ENC in.raw out.vhd
	verified "libfiu: short writes still give the exact image"
	rm -f out.vhd
else
	skip "libfiu faults" "fiu-run missing (apt-get install fiu-utils)"
fi

# a real full disk: a 16 MiB tmpfs, too small for the 40 MiB image
mkdir small
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=16m p11seal-small small \
	2>/dev/null; then
	umount_small() { umount "$WORK/small" 2>/dev/null; }
	at_exit umount_small
	$ENC in.raw small/out.vhd >f.out 2>f.err
	rc=$?
	assert "full tmpfs: exit 1 (got $rc)" test "$rc" -eq 1
	grep_file() { grep -q "$1" f.err; }
	assert "full tmpfs: ENOSPC named, with the file" \
		grep_file "small/out.vhd: write: No space left on device"
	assert "full tmpfs: nothing left on it" test -z "$(ls -A small)"
	assert "full tmpfs: space given back" \
		test "$(df -k small | awk 'NR == 2 { print $3 }')" -lt 1024
	$P11 vhd decrypt --key crash good.vhd small/out.raw >f.out 2>f.err
	rc=$?
	assert "full tmpfs, decrypt: exit 1 (got $rc)" test "$rc" -eq 1
	assert "full tmpfs, decrypt: nothing left" test -z "$(ls -A small)"
	umount_small
else
	skip "full tmpfs" "cannot mount a tmpfs here (not root?)"
fi
done_testing
