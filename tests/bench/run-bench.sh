#!/bin/sh
# tests/bench/run-bench.sh - `make bench`: time p11seal against its floors
# and ceilings and write BENCH.md at the repo root. Every figure is the
# median of $BENCH_RUNS (>= 5) timed runs after one warm-up, with min and
# max. Targets are printed as facts (holds / misses), never asserted: the
# machine is shared and its timings are not for `make check`.
#
# Cases: 1 cold encrypt vs cp + fsync at 1 and 4 GiB, and the crypto path
# vs in-process OpenSSL XTS; 2 warm threads 1/2/4 with cores busy (and the
# crypto path alone); 3 decrypt and verify --data; 4 a remote token's
# latency (test shim, 0/1/5 ms per call); 5 sparse 64 GiB raw and dynamic
# VHD vs 256 MiB full; 6 peak RSS; 7 chunk / window sweep; 8 Key Protect
# DEKs per second; 9 opencryptoki's rate; 10 vhd-util copy -k against
# vhd encrypt on the same dynamic VHD, cold and warm (VHD_UTIL); 11 COS
# upload (cos put vs curl -T to the same stand-in, peak RSS).
# Env: B (build dir, default build/bench), BENCH_CASES (case numbers to
# run, default all: e.g. "10"), BENCH_RUNS, BENCH_FULL_MIB
# (default 2048: cases 2-4), BENCH_COLD_MIB (default "1024 4096": case 1),
# BENCH_OCK_MIB (default 128), VHD_UTIL (a vhd-util binary to compare
# with; never built by the project), BENCH_KP_N (DEKs per reuse run),
# BENCH_KP_PROC (processes per per-process run), BENCH_OUT (default
# $ROOT/BENCH.md), BENCH_START (epoch seconds when `make bench` began).
set -u
B=${B:-build/bench}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$ROOT/$B
RUNS=${BENCH_RUNS:-5}
FULL_MIB=${BENCH_FULL_MIB:-2048}
COLD_MIB=${BENCH_COLD_MIB:-1024 4096}
OCK_MIB=${BENCH_OCK_MIB:-128}
VHD_UTIL=${VHD_UTIL:-}
CASES=${BENCH_CASES:-1 2 3 4 5 6 7 8 9 10 11}
SHIM=$BIN/tests/libp11shim.so
KP_N=${BENCH_KP_N:-100}
KP_PROC=${BENCH_KP_PROC:-20}
OUT=${BENCH_OUT:-$ROOT/BENCH.md}
T_START=$(date +%s)
export ROOT B
P11SEAL=$BIN/p11seal
KP_SERVER=$BIN/kp-server
for f in "$P11SEAL" "$KP_SERVER" "$BIN/bench/xts_bench" "$BIN/bench/kp_bench" "$SHIM"; do
	[ -x "$f" ] || { echo "run-bench: $f missing (make bench builds it)" >&2; exit 1; }
done
if [ "$RUNS" -lt 5 ]; then
	echo "run-bench: BENCH_RUNS must be at least 5" >&2
	exit 1
fi
for c in $CASES; do
	case $c in
	[1-9] | 1[01]) ;;
	*)
		echo "run-bench: BENCH_CASES: no case '$c' (1-11)" >&2
		exit 1
		;;
	esac
done
# want N: case N is in BENCH_CASES
want() { case " $CASES " in *" $1 "*) return 0 ;; esac; return 1; }
# lib.sh: $WORK (a temp dir under $TMPDIR, removed at exit), SOFTHSM_MODULE,
# at_exit, hsm_setup; kp-lib.sh: kp_start / kp_stop.
. "$ROOT/tests/integration/lib.sh"
. "$ROOT/tests/integration/kp-lib.sh"
D=$WORK/data
mkdir -p "$D"
BODY=$WORK/body.md
: >"$BODY"
TIMEV=/usr/bin/time
[ -x "$TIMEV" ] || TIMEV=

say() { printf '%s\n' "$*" >>"$BODY"; }
log() { printf '# %s\n' "$*" >&2; }

# --- scratch space: input, output and cp copy of the full image, plus the
# sparse case (its files are sparse: 256 MiB each), on one file system.
MAX_COLD=$(echo $COLD_MIB | tr ' ' '\n' | sort -n | tail -n 1)
# 3 x the largest cold size (case 1), 3 x FULL_MIB for cases 2-4 and 3 for
# the COS stand-in (case 11)
need_kib=$(((MAX_COLD * 3 + FULL_MIB * 6 + 1536) * 1024))
have_kib=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
if [ "$have_kib" -lt "$need_kib" ]; then
	echo "run-bench: $WORK has $((have_kib / 1024)) MiB free, needs" \
		"$((need_kib / 1024)) MiB (set TMPDIR or BENCH_FULL_MIB)" >&2
	exit 1
fi

# --- page cache: drop it before each run if this is root and allowed.
COLD=0
if [ "$(id -u)" -eq 0 ] && sync && (echo 1 >/proc/sys/vm/drop_caches) 2>/dev/null; then
	COLD=1
fi
drop() { sync; [ "$COLD" -eq 1 ] && echo 1 >/proc/sys/vm/drop_caches; return 0; }

# timed NAME KEEP CMD...: one run of CMD; if KEEP is 1, appends "wall cpu
# rss_kib" to $WORK/t.NAME (cpu = user + sys of CMD and its threads).
timed() {
	_name=$1 _keep=$2
	shift 2
	_t0=$(date +%s.%N)
	if [ -n "$TIMEV" ]; then
		$TIMEV -f '%U %S %M' -o "$WORK/rus" "$@" >"$WORK/out" 2>"$WORK/err"
	else
		"$@" >"$WORK/out" 2>"$WORK/err"
	fi
	_rc=$?
	_t1=$(date +%s.%N)
	if [ "$_rc" -ne 0 ]; then
		echo "run-bench: $* failed ($_rc):" >&2
		tail -n 5 "$WORK/err" >&2
		exit 1
	fi
	[ "$_keep" -eq 1 ] || return 0
	if [ -n "$TIMEV" ]; then
		_rus=$(tail -n 1 "$WORK/rus")
	else
		_rus="NaN NaN NaN"
	fi
	awk -v a="$_t0" -v b="$_t1" -v r="$_rus" 'BEGIN {
		split(r, x, " ")
		printf "%.4f %.3f %s\n", b - a, x[1] + x[2], x[3] }' >>"$WORK/t.$_name"
}

# measure NAME PRE CMD...: one warm-up and $RUNS timed runs of CMD, with
# the shell snippet PRE run untimed before each (results in $WORK/t.NAME).
measure() {
	_mname=$1 _pre=$2
	shift 2
	: >"$WORK/t.$_mname"
	_i=0
	while [ "$_i" -le "$RUNS" ]; do
		eval "$_pre"
		timed "$_mname" $((_i > 0)) "$@"
		_i=$((_i + 1))
	done
}

# measure_pair A B PREA PREB CMDA CMDB: measure A and B interleaved, so
# both see the same machine: each round runs PREA then CMDA and PREB then
# CMDB, A first in even rounds and B first in odd ones. The six are
# command lines for eval (quote paths in them as RM_OUT does).
measure_pair() {
	_a="$3; timed $1 \$_k $5" _b="$4; timed $2 \$_k $6"
	: >"$WORK/t.$1"
	: >"$WORK/t.$2"
	_j=0
	while [ "$_j" -le "$RUNS" ]; do
		_k=$((_j > 0))
		if [ $((_j % 2)) -eq 0 ]; then
			eval "$_a; $_b"
		else
			eval "$_b; $_a"
		fi
		_j=$((_j + 1))
	done
}

# touch_mem MIB: fault in MIB MiB of anonymous memory (dd's buffer). On
# this VM, memory freed by an O_DIRECT run goes back to the host and a
# plain cp that faults it back in runs 3-4x slower; touching it first makes
# the floor the same for every row (case 1 shows the swing).
touch_mem() { dd if=/dev/zero of=/dev/null bs="$1M" count=1 iflag=fullblock status=none; }

# tstat NAME COL: "median min max" of column COL of $WORK/t.NAME.
tstat() {
	awk -v c="$2" '{ print $c }' "$WORK/t.$1" | sort -g |
		awk '{ a[NR - 1] = $1 } END { print a[int(NR / 2)], a[0], a[NR - 1] }'
}
med() { tstat "$1" "$2" | cut -d' ' -f1; }
# fmt NAME COL PREC [SCALE]: "median (min–max)", each divided by SCALE.
fmt() {
	tstat "$1" "$2" | awk -v p="$3" -v s="${4:-1}" \
		'{ printf "%.*f (%.*f–%.*f)", p, $1 / s, p, $2 / s, p, $3 / s }'
}
# rate NAME MIB: MB/s (10^6 bytes) from wall times, "median (min–max)".
rate() {
	tstat "$1" 1 | awk -v m="$2" '{ b = m * 1048576 / 1e6
		printf "%.0f (%.0f–%.0f)", b / $1, b / $3, b / $2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
# busy NAME: cores busy (CPU s / wall s) of each run, "median (min–max)".
busy() {
	awk '{ print $2 / $1 }' "$WORK/t.$1" | sort -g | awk '{ a[NR - 1] = $1 }
		END { printf "%.2f (%.2f–%.2f)", a[int(NR / 2)], a[0], a[NR - 1] }'
}
busy_med() { busy "$1" | cut -d' ' -f1; }
# row NAME LABEL MIB: a table row: label, wall, MB/s, CPU, cores busy, RSS.
row() {
	say "| $2 | $(fmt "$1" 1 2) | $(rate "$1" "$3") | $(fmt "$1" 2 2) | $(busy "$1") | $(fmt "$1" 3 1 1024) |"
}
ROW_HEAD="| command | wall s | MB/s | CPU s (user+sys) | cores busy | peak RSS MiB |"
ROW_LINE="|---|---|---|---|---|---|"
# cell N ROWFILE: median (first number) of markdown column N of the last row.
cell() { tail -n 1 "$2" | awk -F'|' -v n="$1" '{ split($n, x, " "); print x[1] }'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
	if (v == "NaN" || v == "") { print "not measured"; exit }
	ok = op == "<=" ? v <= t : op == ">=" ? v >= t : v < t
	print ok ? "**holds**" : "**misses**" }'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }

LOAD0=$(load)
log "scratch in $WORK; $RUNS runs per figure; cold cache: $COLD"

# --- token with both DEK sizes (token objects, as p11seal makes them)
hsm_setup bench "$WORK/hsm" || exit 1
$P11 key create dek --label d64 --size 64 >/dev/null 2>&1 &&
	$P11 key create dek --label d32 --size 32 >/dev/null 2>&1 || exit 1

# --- inputs: random bytes (AES-CTR keystream: fast), one file per size
# mkrand MIB FILE
mkrand() {
	log "making $1 MiB of random data"
	openssl enc -aes-128-ctr -nosalt -pass "pass:$(openssl rand -hex 16)" \
		-pbkdf2 -in /dev/zero 2>/dev/null | head -c $(($1 * 1048576)) >"$2"
	[ "$(stat -c %s "$2")" -eq $(($1 * 1048576)) ] || exit 1
}
mkrand "$FULL_MIB" "$D/in.raw"

ENC="$P11 vhd encrypt --no-progress"
RM_OUT="rm -f '$D/out.vhd'; drop"

# bench_vhd_util: case 10. vhd-util copy -k and vhd encrypt, same dynamic
# VHD, same 64-byte DEK (a throw-away key file, imported into the token),
# interleaved, cold then warm; then both outputs decrypted by vhd verify
# --data must hash as the input does. Sets R_VU_COLD, R_VU_WARM, VU_WHY.
bench_vhd_util() {
	head -c 64 /dev/urandom >"$WORK/vu.key"
	if ! $P11 key import dek --label vu64 --raw-file "$WORK/vu.key" \
		>"$WORK/vu.out" 2>&1 ||
		! qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on \
			"$D/in.raw" "$D/vu-in.vhd" >"$WORK/vu.out" 2>&1; then
		echo "run-bench: case 10: $(tail -n 1 "$WORK/vu.out")" >&2
		exit 1
	fi
	_vu="'$VHD_UTIL' copy -n '$D/vu-in.vhd' -N '$D/vu.vhd' -k '$WORK/vu.key'"
	_pe="$ENC --key vu64 '$D/vu-in.vhd' '$D/pe.vhd'"
	_rmvu="rm -f '$D/vu.vhd'" _rmpe="rm -f '$D/pe.vhd'"
	_modes=warm
	if [ "$COLD" -eq 1 ]; then
		_modes="cold warm"
		measure_pair vucold pecold "$_rmvu; drop" "$_rmpe; drop" "$_vu" "$_pe"
	fi
	cat "$D/vu-in.vhd" >/dev/null
	measure_pair vuwarm pewarm "$_rmvu; sync" "$_rmpe; sync" "$_vu" "$_pe"
	_want=$(sha256sum <"$D/in.raw" | cut -d' ' -f1)
	VU_SAME=yes
	for f in vu pe; do
		$P11 vhd verify --no-progress --key vu64 --data "$D/$f.vhd" >"$WORK/vu.$f" 2>&1
		grep -q "plaintext sha256: $_want" "$WORK/vu.$f" || VU_SAME=no
	done
	_sizes="$(stat -c %s "$D/vu.vhd") and $(stat -c %s "$D/pe.vhd") bytes"
	rm -f "$D/vu.vhd" "$D/pe.vhd" "$D/vu-in.vhd"
	say "\`$VHD_UTIL copy -n IN -N OUT -k KEYFILE\` and \`p11seal vhd encrypt --key"
	say "DEK IN OUT\` (default threads) on the $FULL_MIB MiB image as a dynamic VHD"
	say "(qemu-img convert -O vpc -o subformat=dynamic,force_size=on; vhd-util"
	say "copy reads no raw file), one 64-byte DEK (XTS-AES-256): a key file for"
	say "vhd-util, imported into the token for p11seal. Runs interleaved, the"
	say "order swapped every round. Both write with O_DIRECT and fsync; vhd-util"
	say "also reads with O_DIRECT, so its input never comes from the page cache."
	say "Cold: page cache dropped before every run; warm: input read once first."
	say ""
	say "| command | wall s | MB/s | CPU s (user+sys) | cores busy | peak RSS MiB |"
	say "$ROW_LINE"
	for _m in $_modes; do
		row "vu$_m" "\`vhd-util copy -k\`, $_m" "$FULL_MIB"
		row "pe$_m" "\`p11seal vhd encrypt\`, $_m" "$FULL_MIB"
	done
	say ""
	[ "$COLD" -eq 1 ] && R_VU_COLD=$(ratio "$(med pecold 1)" "$(med vucold 1)")
	R_VU_WARM=$(ratio "$(med pewarm 1)" "$(med vuwarm 1)")
	if [ "$COLD" -eq 1 ]; then
		say "p11seal / vhd-util wall: cold **$R_VU_COLD×**, warm **$R_VU_WARM×**."
	else
		say "p11seal / vhd-util wall, warm: **$R_VU_WARM×** (no cold rows: the"
		say "page cache cannot be dropped here)."
	fi
	say "Outputs of the last runs: $_sizes; \`vhd verify --data\` of both"
	if [ "$VU_SAME" = yes ]; then
		say "gives the input's SHA-256."
	else
		say "**does not** give the input's SHA-256 (see the output below)."
		sed 's/^/    /' "$WORK/vu.vu" "$WORK/vu.pe" >>"$BODY"
	fi
	VU_WHY=
}

# summary figures: NaN ("not measured") unless their case runs
R_CLI2=NaN BUSY2=NaN R_SHM2=NaN BUSYS2=NaN R_DEC=NaN R_VER=NaN R_L1=NaN R_L5=NaN RSS_MAX=NaN
R_OS64=NaN R_SP=NaN R_SPV=NaN R_OCK=NaN KP_REUSE=NaN KP_PER=NaN
R_COS=NaN COS_RSS=NaN R_VU_COLD=NaN R_VU_WARM=NaN
OCK_WHY="not run (BENCH_CASES)" VU_WHY="not run (BENCH_CASES)"
for m in $COLD_MIB; do eval "R_COLD$m=NaN"; done

# ======================================================================
if want 1; then
	log "case 1: cold encrypt vs cp + fsync"
	say "## 1. Cold encrypt against \`cp\` + fsync"
	say ""
	if [ "$COLD" -eq 1 ]; then
		say "Cold: the page cache is dropped before every run, so input comes from disk."
	else
		say "**Not cold**: the page cache cannot be dropped here (not root), so these"
		say "rows read from the page cache."
	fi
	say "\`p11seal vhd encrypt\` reads, encrypts through SoftHSM (XTS-AES-256), writes"
	say "the VHD with O_DIRECT, fsyncs it, renames it into place and re-reads it."
	say "\`cp\` + \`sync FILE\` writes the same bytes to the same file system and"
	say "fsyncs them. Before each timed run of the rows marked *touched*, the"
	say "script faults in as much anonymous memory as the image (\`dd bs=SIZE"
	say "count=1\`): on this VM, memory freed by an O_DIRECT run goes back to the"
	say "host and a \`cp\` that faults it back in pays for it. The *untouched* row"
	say "(first size only) is \`cp\` + fsync without that: the swing a floor"
	say "measured carelessly shows."
	say ""
	for m in $COLD_MIB; do
		mkrand "$m" "$D/cold.raw"
		measure "cs$m" "rm -f '$D/copy.raw'; drop; touch_mem $m" \
			sh -c 'cp "$1" "$2" && sync "$2"' sh "$D/cold.raw" "$D/copy.raw"
		# the swing once, at the first size: 4 GiB rows take minutes each
		[ "$m" = "${COLD_MIB%% *}" ] &&
			measure "csu$m" "rm -f '$D/copy.raw'; drop" \
				sh -c 'cp "$1" "$2" && sync "$2"' sh "$D/cold.raw" "$D/copy.raw"
		rm -f "$D/copy.raw"
		measure "ce$m" "rm -f '$D/out.vhd'; drop; touch_mem $m" \
			$ENC --key d64 "$D/cold.raw" "$D/out.vhd"
		rm -f "$D/out.vhd" "$D/cold.raw"
		say "**$m MiB**"
		say ""
		say "$ROW_HEAD"
		say "$ROW_LINE"
		row "cs$m" '`cp` + `sync FILE`, memory touched' "$m"
		[ -s "$WORK/t.csu$m" ] && row "csu$m" '`cp` + `sync FILE`, untouched' "$m"
		row "ce$m" '`p11seal vhd encrypt`, memory touched' "$m"
		say ""
		eval "R_COLD$m=\$(ratio \"\$(med ce$m 1)\" \"\$(med cs$m 1)\")"
		if [ -s "$WORK/t.csu$m" ]; then
			R_SWING=$(ratio "$(med csu$m 1)" "$(med cs$m 1)")
			say "cp + fsync untouched / touched = $R_SWING ($m MiB)."
		fi
		eval "say \"encrypt / (cp + fsync) = \$R_COLD$m.\""
		say ""
	done
	"$BIN/bench/xts_bench" crypto -f "$D/in.raw" -e -t 1 -k 64 -r "$RUNS" \
		>"$WORK/x1.64" || exit 1
	say "Crypto path alone on the $FULL_MIB MiB image, in memory (tests/bench/xts_bench):"
	say "p11_xts through SoftHSM (as \`vhd encrypt\` uses it, default geometry) vs"
	say "in-process OpenSSL EVP XTS with one EVP init per 512-byte sector, 1 thread."
	say ""
	head -n 2 "$WORK/x1.64" >>"$BODY"
	tail -n 1 "$WORK/x1.64" >>"$BODY"
	say ""
	R_OS64=$(ratio "$(cell 4 "$WORK/x1.64")" "$(cell 5 "$WORK/x1.64")")
	say "p11_xts / OpenSSL rate = $R_OS64."
	say ""
fi

# ======================================================================
if want 2; then
	log "case 2: warm threads"
	cat "$D/in.raw" >/dev/null
	for t in 1 2 4; do
		measure "thr$t" "rm -f '$D/out.vhd'; sync" $ENC --threads "$t" --key d64 \
			"$D/in.raw" "$D/out.vhd"
	done
	# The same with the output on tmpfs, where the disk is not the limit:
	# one thread already writes about as fast as this VM's disk takes it.
	SHM=
	shm_free=$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')
	if [ "${shm_free:-0}" -gt $(((FULL_MIB + 512) * 1024)) ]; then
		SHM=$(mktemp -d /dev/shm/p11seal-bench.XXXXXX) || exit 1
		shm_clean() { rm -rf "$SHM"; }
		at_exit shm_clean
		for t in 1 2 4; do
			measure "shm$t" "rm -f '$SHM/out.vhd'" $ENC --threads "$t" \
				--key d64 "$D/in.raw" "$SHM/out.vhd"
		done
		rm -f "$SHM/out.vhd"
	fi
	"$BIN/bench/xts_bench" crypto -m 256 -t 1,2,4 -k 64 -r "$RUNS" >"$WORK/x2" || exit 1
	say "## 2. Threads, warm"
	say ""
	say "\`vhd encrypt --threads N\` on the $FULL_MIB MiB image (XTS-AES-256), input from"
	say "the page cache, output written with O_DIRECT and fsynced. *Cores busy* is"
	say "CPU seconds per wall second of the run: near 2 only when the VM really"
	say "had both cores (its load average does not show when the host takes one)."
	say ""
	say "| threads | wall s | MB/s | CPU s | cores busy | peak RSS MiB |"
	say "$ROW_LINE"
	for t in 1 2 4; do
		row "thr$t" "$t" "$FULL_MIB"
	done
	say ""
	if [ -n "$SHM" ]; then
		say "The same, output on tmpfs (/dev/shm): no disk, so the rows show"
		say "what the threads themselves give."
		say ""
		say "| threads, tmpfs output | wall s | MB/s | CPU s | cores busy | peak RSS MiB |"
		say "$ROW_LINE"
		for t in 1 2 4; do
			row "shm$t" "$t" "$FULL_MIB"
		done
		say ""
	fi
	say "Crypto path alone, no file I/O: 256 MiB in memory, N threads each with its"
	say "own session and p11_xts engine taking 2 MiB blocks in turn (xts_bench):"
	say ""
	cat "$WORK/x2" >>"$BODY"
	say ""
	R_CLI2=$(ratio "$(med thr1 1)" "$(med thr2 1)")
	BUSY2=$(busy_med thr2)
	say "2 threads / 1 thread (wall): $R_CLI2×, with $BUSY2 cores busy at 2 threads."
	if [ -n "$SHM" ]; then
		R_SHM2=$(ratio "$(med shm1 1)" "$(med shm2 1)")
		BUSYS2=$(busy_med shm2)
		say "Output on tmpfs: $R_SHM2×, with $BUSYS2 cores busy at 2 threads."
	fi
	say ""
fi

# ======================================================================
if want 3; then
	log "case 3: decrypt and verify"
	$ENC --key d64 "$D/in.raw" "$D/enc.vhd" >/dev/null 2>&1 || exit 1
	cat "$D/enc.vhd" >/dev/null
	measure encd "rm -f '$D/out.vhd'; sync" $ENC --key d64 "$D/in.raw" "$D/out.vhd"
	rm -f "$D/out.vhd"
	measure dec "rm -f '$D/out.raw'; sync" $P11 vhd decrypt --no-progress --key d64 \
		"$D/enc.vhd" "$D/out.raw"
	rm -f "$D/out.raw"
	measure ver : $P11 vhd verify --no-progress --key d64 --data "$D/enc.vhd"
	say "## 3. Decrypt and verify --data"
	say ""
	say "The $FULL_MIB MiB image encrypted, decrypted to a raw file and verified with"
	say "\`--data\` (every block decrypted and hashed), default threads, from the"
	say "page cache. p11_xts decrypts in one-shot 1 MiB pieces (see the notes)."
	say ""
	say "$ROW_HEAD"
	say "$ROW_LINE"
	row encd '`vhd encrypt`' "$FULL_MIB"
	row dec '`vhd decrypt`' "$FULL_MIB"
	row ver '`vhd verify --data`' "$FULL_MIB"
	say ""
	R_DEC=$(ratio "$(med dec 1)" "$(med encd 1)")
	R_VER=$(ratio "$(med ver 1)" "$(med encd 1)")
	# SoftHSM's share: the crypto path alone (xts_bench, 1 thread) costs this
	# much CPU per GiB; the command's CPU per GiB minus it is ours (I/O, copies).
	XD=$(sed -n 3p "$WORK/x2" | awk -F'|' '{ split($9, x, " "); print x[1] }')
	XE=$(sed -n 3p "$WORK/x2" | awk -F'|' '{ split($8, x, " "); print x[1] }')
	CD=$(awk -v c="$(med dec 2)" -v m="$FULL_MIB" 'BEGIN { printf "%.2f", c / (m / 1024) }')
	CE=$(awk -v c="$(med encd 2)" -v m="$FULL_MIB" 'BEGIN { printf "%.2f", c / (m / 1024) }')
	say "decrypt / encrypt (wall) = $R_DEC; verify --data / encrypt = $R_VER."
	say "CPU per GiB: decrypt $CD s, against $XD s for the crypto path alone"
	say "(p11_xts and SoftHSM, xts_bench, 1 thread); encrypt $CE s, against $XE s."
	say "What the command uses beyond the crypto path is p11seal's own (reads,"
	say "writes, hand-offs)."
	say ""
fi

# ======================================================================
if want 4; then
	log "case 4: remote token latency"
	export P11SHIM_TARGET="$SOFTHSM_MODULE"
	SHIMENC="$P11SEAL --module $SHIM --token pkcs11:token=bench --pin-source file:$WORK/pin vhd encrypt --no-progress"
	for us in 0 1000 5000; do
		measure "lat$us" "rm -f '$D/out.vhd'; sync" env P11SHIM_LATENCY_US=$us \
			$SHIMENC --key d64 "$D/in.raw" "$D/out.vhd"
	done
	rm -f "$D/out.vhd"
	say "## 4. A remote token: latency added to every call"
	say ""
	say "\`vhd encrypt\` of the $FULL_MIB MiB image through the test shim"
	say "(tests/shim/p11shim_latency.c) in front of SoftHSM, which sleeps"
	say "P11SHIM_LATENCY_US before every PKCS#11 call, as a network HSM's round"
	say "trip would. From 0.2 ms per call p11seal takes the token for remote and"
	say "uses 8 workers (two sessions each) of 1 MiB calls (the 0 row runs with the local defaults)."
	say ""
	say "| µs per call | wall s | MB/s | CPU s | cores busy | peak RSS MiB |"
	say "$ROW_LINE"
	for us in 0 1000 5000; do
		row "lat$us" "$us" "$FULL_MIB"
	done
	say ""
	R_L1=$(ratio "$(med lat1000 1)" "$(med lat0 1)")
	R_L5=$(ratio "$(med lat5000 1)" "$(med lat0 1)")
	say "1 ms / none = $R_L1; 5 ms / none = $R_L5."
	say ""
fi

# ======================================================================
if want 5; then
	log "case 5: sparse"
	SP_BLOCKS=128
	truncate -s 64G "$D/sparse.raw"
	i=0
	while [ "$i" -lt "$SP_BLOCKS" ]; do
		# block i of the input lands at 2 MiB block i*256+17 of 64 GiB
		dd if="$D/in.raw" of="$D/sparse.raw" bs=2M count=1 skip="$i" \
			seek=$((i * 256 + 17)) conv=notrunc status=none || exit 1
		i=$((i + 1))
	done
	head -c $((SP_BLOCKS * 2 * 1048576)) "$D/in.raw" >"$D/full256.raw"
	HAVE_QEMU=0
	if command -v qemu-img >/dev/null 2>&1 &&
		qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on \
			"$D/sparse.raw" "$D/sparse.vhd"; then
		HAVE_QEMU=1
	fi
	measure full256 "$RM_OUT" $ENC --key d64 "$D/full256.raw" "$D/out.vhd"
	measure sparse "$RM_OUT" $ENC --key d64 "$D/sparse.raw" "$D/out.vhd"
	[ "$HAVE_QEMU" -eq 1 ] &&
		measure sparsevhd "$RM_OUT" $ENC --key d64 "$D/sparse.vhd" "$D/out.vhd"
	rm -f "$D/out.vhd" "$D/sparse.raw" "$D/sparse.vhd" "$D/full256.raw"
	say "## 5. Sparse: 64 GiB with 256 MiB of data"
	say ""
	say "A 64 GiB raw file (truncate) holding $SP_BLOCKS blocks of 2 MiB at scattered offsets"
	say "(dd), the same as a dynamic VHD (qemu-img convert -O vpc -o"
	say "subformat=dynamic,force_size=on), and the same 256 MiB as a full raw image;"
	say "XTS-AES-256, default threads."
	say ""
	say "| input | wall s | CPU s | peak RSS MiB |"
	say "|---|---|---|---|"
	say "| 256 MiB full raw | $(fmt full256 1 3) | $(fmt full256 2 2) | $(fmt full256 3 1 1024) |"
	say "| 64 GiB sparse raw | $(fmt sparse 1 3) | $(fmt sparse 2 2) | $(fmt sparse 3 1 1024) |"
	R_SP=$(ratio "$(med sparse 1)" "$(med full256 1)")
	R_SPV=$R_SP
	if [ "$HAVE_QEMU" -eq 1 ]; then
		say "| 64 GiB dynamic VHD | $(fmt sparsevhd 1 3) | $(fmt sparsevhd 2 2) | $(fmt sparsevhd 3 1 1024) |"
		R_SPV=$(ratio "$(med sparsevhd 1)" "$(med full256 1)")
	else
		say "| 64 GiB dynamic VHD | not run: qemu-img missing (apt-get install qemu-utils) | | |"
	fi
	say ""
	say "Sparse / full: raw $R_SP, dynamic VHD $R_SPV."
	say ""
fi

# ======================================================================
if want 6; then
	log "case 6: memory"
	# BENCH_CASES may have left some of these out
	RSS_MAX=$(cd "$WORK" && cat t.ce* t.thr* t.shm* t.encd t.dec t.ver t.lat* \
		t.full256 t.sparse* 2>/dev/null |
		awk '{ if ($3 > m) m = $3 } END { if (NR) printf "%.1f", m / 1024; else print "NaN" }')
	say "## 6. Peak memory"
	say ""
	if [ "$RSS_MAX" = NaN ]; then
		say "Not measured: none of cases 1–5 ran (BENCH_CASES)."
	elif [ -n "$TIMEV" ]; then
		say "Peak RSS (\`/usr/bin/time -v\`'s maximum resident set size) of every"
		say "p11seal run of cases 1–5 (the columns there). Largest: **$RSS_MAX MiB**."
		say "The pipeline holds at most 12 slots of 2 MiB (two per worker and four"
		say "shared by reads and writes in flight); the rest is SoftHSM (its buffers grow with the"
		say "1 MiB calls of a remote token's 8 workers), OpenSSL, p11-kit and libcurl."
	else
		RSS_MAX=NaN
		say "Not measured: /usr/bin/time is missing (apt-get install time)."
	fi
	say ""
fi

# ======================================================================
if want 7; then
	log "case 7: chunk sweep"
	"$BIN/bench/xts_bench" sweep -m 128 -k 64 -r "$RUNS" >"$WORK/x5" || exit 1
	say "## 7. Chunk size and window (token throughput)"
	say ""
	say "p11_xts encryption through SoftHSM, 128 MiB in memory, XTS-AES-256 token"
	say "keys, 1 thread. First table: bytes per data call, with one token operation"
	say "(C_EncryptInit + C_Encrypt, and one tweak call) per chunk vs chunks streamed"
	say "with C_EncryptUpdate through a 2 MiB window. Second: the window (data per"
	say "token operation, one tweak call each) at the default chunk; decryption"
	say "there is one C_Decrypt per 1 MiB piece at most."
	say ""
	cat "$WORK/x5" >>"$BODY"
	say ""
fi

# ======================================================================
if want 8; then
	log "case 8: Key Protect"
	KP_NO_FAULTS=1 kp_start >"$WORK/kp.out" 2>&1 || { cat "$WORK/kp.out" >&2; exit 1; }
	KP_ROOT=$("$BIN/bench/kp_bench" root) || exit 1
	"$BIN/bench/kp_bench" wrap -k "$KP_ROOT" -n "$KP_N" -r "$RUNS" >"$WORK/x6" || exit 1
	measure kpproc : sh -c 'i=0; while [ $i -lt "$1" ]; do "$2" wrap -k "$3" -n 1 -r 0 || exit 1; i=$((i + 1)); done' \
		sh "$KP_PROC" "$BIN/bench/kp_bench" "$KP_ROOT"
	kp_stop
	KP_REUSE=$(cell 4 "$WORK/x6")
	KP_PER=$(tstat kpproc 1 | awk -v n="$KP_PROC" '{ printf "%.1f", n / $1 }')
	say "## 8. Key operations against kp-server"
	say ""
	say "A 64-byte DEK from the RNG, wrapped under a Key Protect root key by the"
	say "local kp-server (TLS on loopback, its own CA and SoftHSM token). \`p11seal"
	say "key create dek --kp-root\` does not exist yet, so both rows use the library"
	say "(kp_wrap, tests/bench/kp_bench): one process reusing one kp_client (one"
	say "curl handle: one TLS connection and one IAM token) vs one process per DEK"
	say "(each: IAM token exchange, TLS handshake, wrap)."
	say ""
	say "| how | DEKs per run | DEKs/s |"
	say "|---|---|---|"
	cat "$WORK/x6" >>"$BODY"
	say "| one process per DEK | $KP_PROC per run | $(tstat kpproc 1 | awk -v n="$KP_PROC" '{ printf "%.1f (%.1f–%.1f)", n / $1, n / $3, n / $2 }') |"
	say ""
	say "Reuse / per process: $(ratio "$KP_REUSE" "$KP_PER")×."
	say ""
fi

# ======================================================================
if want 9; then
	log "case 9: opencryptoki"
	. "$ROOT/tests/integration/ock-lib.sh"
	OCK_WHY=$(ock_unavailable)
	R_OCK=NaN
	say "## 9. opencryptoki's soft token"
	say ""
	head -c $((OCK_MIB * 1048576)) "$D/in.raw" >"$D/ock.raw"
	if [ -z "$OCK_WHY" ] && ock_setup >"$WORK/ock.out" 2>&1 &&
		ock_run $P11SEAL --module "$OCK_MODULE" --token "pkcs11:token=$OCK_LABEL" \
			--pin-source "file:$WORK/pin" key create dek --label o64 --size 64 \
			>/dev/null 2>&1; then
		measure ock "rm -f '$D/out.vhd'; sync" nsenter --target "$OCK_PID" \
			--mount --ipc --root --wd="$PWD" -- $P11SEAL --module "$OCK_MODULE" \
			--token "pkcs11:token=$OCK_LABEL" --pin-source "file:$WORK/pin" \
			vhd encrypt --no-progress --key o64 "$D/ock.raw" "$D/out.vhd"
		measure ocksh "rm -f '$D/out.vhd'; sync" $ENC --key d64 "$D/ock.raw" "$D/out.vhd"
		say "\`vhd encrypt\` of $OCK_MIB MiB of random data from the page cache, XTS-AES-256,"
		say "default settings, opencryptoki 3.8.1's software token (tests/integration/ock-lib.sh)"
		say "and SoftHSM in the same minute:"
		say ""
		say "| token | wall s | MB/s | CPU s | cores busy | peak RSS MiB |"
		say "$ROW_LINE"
		row ock "opencryptoki $(dpkg-query -W -f '${Version}' opencryptoki 2>/dev/null)" "$OCK_MIB"
		row ocksh SoftHSM "$OCK_MIB"
		R_OCK=$(tstat ock 1 | awk -v m="$OCK_MIB" '{ printf "%.0f", m * 1048576 / 1e6 / $1 }')
		say ""
		say "opencryptoki / SoftHSM wall: $(ratio "$(med ock 1)" "$(med ocksh 1)")×."
	else
		OCK_WHY=${OCK_WHY:-ock_setup failed: $(tail -n 1 "$WORK/ock.out" 2>/dev/null)}
		say "Skipped: $OCK_WHY."
	fi
	rm -f "$D/out.vhd" "$D/ock.raw"
	say ""
fi

# ======================================================================
if want 10; then
	log "case 10: vhd-util"
	say "## 10. IBM's \`vhd-util copy -k\` on the same image"
	say ""
	if [ -z "$VHD_UTIL" ]; then
		VU_WHY="no \`VHD_UTIL=/path/to/vhd-util\` given (the project never builds or ships it)"
	elif ! [ -x "$VHD_UTIL" ]; then
		VU_WHY="$VHD_UTIL is not an executable file"
	elif ! command -v qemu-img >/dev/null 2>&1; then
		# vhd-util copy opens only dynamic VHDs: a raw source fails (-22)
		VU_WHY="qemu-img missing to make the dynamic VHD vhd-util reads (apt-get install qemu-utils)"
	else
		bench_vhd_util
	fi
	[ -n "$VU_WHY" ] && say "Not run: $VU_WHY."
	say ""
fi

# ======================================================================
if want 11; then
	log "case 11: COS upload"
	. "$ROOT/tests/integration/cos-lib.sh"
	R_COS=NaN COS_RSS=NaN
	say "## 11. Upload to COS (\`cos put\` vs \`curl -T\`)"
	say ""
	if cos_available && cos_start bench >"$WORK/cos.out" 2>&1; then
		COSPUT="$P11 cos put --no-progress --force --hmac-source $COS_HMAC --cacert $COS_CACERT"
		measure cosput drop $COSPUT "$D/in.raw" cos://us-south/bench/p-0.vhd
		measure curlput drop curl -sS -f -o /dev/null --cacert "$COS_CACERT" \
			--aws-sigv4 "aws:amz:us-south:s3" --user S3RVER:S3RVER \
			-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$D/in.raw" \
			"$COS_ENDPOINT/bench/c-0.vhd"
		cos_stop
		R_COS=$(ratio "$(med curlput 1)" "$(med cosput 1)")
		COS_RSS=$(tstat cosput 3 | awk '{ printf "%.1f", $3 / 1024 }')
		say "$FULL_MIB MiB from the page cache to the local stand-in (tests/integration/cos-lib.sh:"
		say "@20minutes/s3rver 4.0.4 behind cos_front.js, TLS on loopback, objects on the"
		say "scratch file system), the same server for both in the same run. \`cos put\`:"
		say "multipart, 8 MiB parts, 4 in flight, Content-MD5 and SHA-256 of every part,"
		say "which the front checks (it buffers each part), then Complete and HEAD;"
		say "HMAC keys. \`curl -T\`: one PUT of the whole file, signed by curl's"
		say "\`--aws-sigv4\` with an unsigned payload, which the front pipes to s3rver"
		say "without buffering or hashing. s3rver is one node process: it writes,"
		say "then for the multipart upload concatenates the parts into the object."
		say ""
		say "| client | wall s | MB/s | CPU s | peak RSS MiB |"
		say "|---|---|---|---|---|"
		say "| p11seal cos put | $(fmt cosput 1 2) | $(rate cosput "$FULL_MIB") | $(fmt cosput 2 2) | $(fmt cosput 3 1 1024) |"
		say "| curl -T (one PUT) | $(fmt curlput 1 2) | $(rate curlput "$FULL_MIB") | $(fmt curlput 2 2) | $(fmt curlput 3 1 1024) |"
		say ""
		say "Throughput of cos put / curl -T: **$R_COS×**; largest peak RSS of cos put:"
		say "**$COS_RSS MiB** (4 part buffers of 8 MiB, then TLS, libcurl, SoftHSM)."
	else
		say "Not measured: ${COS_WHY:-the stand-in did not start} ($(tail -n 1 "$WORK/cos.out" 2>/dev/null))."
	fi
	say ""
fi

# ======================================================================
LOAD1=$(load)
T_END=$(date +%s)
TOTAL="script $((T_END - T_START)) s"
if [ -n "${BENCH_START:-}" ]; then
	TOTAL="$((T_END - BENCH_START)) s (build $((T_START - BENCH_START)) s, script $((T_END - T_START)) s)"
fi
{
	echo "# p11seal benchmarks"
	echo ""
	echo "Written by \`make bench\` (tests/bench/run-bench.sh); do not edit by hand."
	echo "Each figure: median (min–max) of $RUNS timed runs after one warm-up."
	echo "MB = 10^6 bytes. Ratios compare medians measured in the same run."
	echo ""
	echo "## Summary"
	echo ""
	echo "| target | measured | holds? |"
	echo "|---|---|---|"
	for m in $COLD_MIB; do
		eval "r=\$R_COLD$m"
		echo "| 14.1 cold encrypt ≤ 1.15× \`cp\` + fsync, $m MiB | $r× | $(verdict "$r" "<=" 1.15) |"
	done
	echo "| \`cp\` + fsync without memory touched / touched (the VM's page-fault swing) | ${R_SWING:-NaN}× | (no target) |"
	echo "| 14.2 warm, 2 threads ≥ 1.5× 1 thread when both cores are busy | $R_CLI2×, $BUSY2 cores busy at 2 threads | $(verdict "$R_CLI2" ">=" 1.5)$(awk -v b="$BUSY2" 'BEGIN { if (b != "NaN" && b < 1.8) printf " (the VM had %.2f cores: see case 2)", b }') |"
	echo "| 14.2 the same, output on tmpfs (no disk limit) | ${R_SHM2:-NaN}×, ${BUSYS2:-NaN} cores busy at 2 threads | $(verdict "${R_SHM2:-NaN}" ">=" 1.5)$(awk -v b="${BUSYS2:-NaN}" 'BEGIN { if (b != "NaN" && b < 1.8) printf " (%.2f cores busy)", b }') |"
	echo "| 14.3 decrypt ≤ 1.5× encrypt wall, SoftHSM | $R_DEC× (verify --data $R_VER×) | $(verdict "$R_DEC" "<=" 1.5) |"
	echo "| 14.4 1 ms per token call ≤ 1.3× none, $FULL_MIB MiB | $R_L1× | $(verdict "$R_L1" "<=" 1.3) |"
	echo "| 14.4 5 ms per token call ≤ 2× none | $R_L5× | $(verdict "$R_L5" "<=" 2) |"
	echo "| 14.5 peak RSS < 64 MiB in every case | $RSS_MAX MiB | $(verdict "$RSS_MAX" "<" 64) |"
	echo "| crypto path ≥ 50% of in-process OpenSSL XTS (issue 7) | $R_OS64 | $(verdict "$R_OS64" ">=" 0.5) |"
	echo "| 64 GiB sparse ≤ 1.3× 256 MiB full (issue 7) | raw $R_SP×, dynamic VHD $R_SPV× | raw $(verdict "$R_SP" "<=" 1.3), VHD $(verdict "$R_SPV" "<=" 1.3) |"
	echo "| opencryptoki rate, MB/s | $([ "$R_OCK" = NaN ] && echo "skipped: $OCK_WHY" || echo "$R_OCK") | (no target) |"
	echo "| p11seal / \`vhd-util copy -k\` wall, same dynamic VHD | $([ -n "$VU_WHY" ] && echo "not run: $VU_WHY" || echo "cold $R_VU_COLD×, warm $R_VU_WARM×") | (no target) |"
	echo "| DEKs/s, connection reused vs per process | $KP_REUSE vs $KP_PER | (no target) |"
	echo "| COS upload of $FULL_MIB MiB: peak RSS < 64 MiB; throughput vs \`curl -T\` | $COS_RSS MiB; $R_COS× | $(verdict "$COS_RSS" "<" 64); ratio (no target) |"
	echo ""
	if [ -f "$ROOT/tests/bench/NOTES.md" ]; then
		cat "$ROOT/tests/bench/NOTES.md"
		echo ""
	fi
	echo "## The machine"
	echo ""
	echo "| | |"
	echo "|---|---|"
	echo "| date (UTC) | $(date -u '+%Y-%m-%d %H:%M') |"
	echo "| CPU | $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores online |"
	echo "| memory | $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) |"
	echo "| kernel | $(uname -sr) |"
	echo "| OpenSSL | $(openssl version) |"
	echo "| SoftHSM | $(dpkg-query -W -f '${Version}' softhsm2 2>/dev/null || softhsm2-util --version) ($SOFTHSM_MODULE) |"
	echo "| compiler | $(${CC:-cc} --version | head -n 1), -O3 -march=native |"
	echo "| scratch file system | $(df -PT "$WORK" | awk 'NR == 2 { print $2 " on " $1 }') ($WORK) |"
	echo "| page cache | $([ "$COLD" -eq 1 ] && echo 'dropped (echo 1 > /proc/sys/vm/drop_caches) before every timed run of cases 1 and 5; cases 2-4 and 9-10 run from the page cache' || echo 'warm everywhere: inputs read from the page cache (cannot drop caches here: /proc/sys/vm/drop_caches is not writable)'); p11seal writes blocks with O_DIRECT and fsyncs before the rename |"
	echo "| load average (1, 5, 15 min) | $LOAD0 at start, $LOAD1 at end (2 cores: other work on the machine shows up as spread) |"
	echo "| \`make bench\` took | $TOTAL |"
	echo ""
	cat "$BODY"
} >"$OUT.tmp" && mv "$OUT.tmp" "$OUT"
log "wrote $OUT in $((T_END - T_START)) s"
