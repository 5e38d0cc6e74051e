#!/bin/sh
# t-vhd-progress.sh - progress of vhd encrypt/decrypt/verify as cryptsetup
# shows it: on stderr when stderr is a terminal (`script` gives one), data
# bytes only (empty blocks not counted), rate, elapsed time, ETA;
# --progress forces it, --no-progress hides it. SIGINT, SIGTERM and SIGHUP
# end a job with exit 128 + the signal and nothing left behind (a slow
# token from the test shim's P11SHIM_LATENCY_US keeps the job running).
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
hsm_setup prog
$P11 key create dek --label p >/dev/null 2>&1
# 8 MiB disk, data in blocks 0 and 2: 4 MiB of data
truncate -s 8M a.raw
head -c 1M /dev/urandom | dd of=a.raw conv=notrunc status=none
head -c 1M /dev/urandom | dd of=a.raw bs=1M seek=4 conv=notrunc status=none

# --- on a terminal: stderr only, data bytes, rate, elapsed, ETA
script -qec "$P11 vhd encrypt --key p a.raw p.vhd >stdout.txt" /dev/null \
	>tty.out 2>&1
tr '\r' '\n' <tty.out >tty.lines
grep -qE '^encrypting 100\.0%, 4 of 4 MiB, [0-9.]+ MiB/s, elapsed [0-9]+:[0-9]{2}, ETA [0-9]+:[0-9]{2} *$' tty.lines &&
	ok "progress on a tty: 4 of 4 MiB (the 4 empty MiB not counted), rate, elapsed, ETA" ||
	not_ok "progress on a tty: $(head -c 300 tty.lines)"
grep -q "encrypting" stdout.txt && not_ok "progress kept off stdout" ||
	ok "progress kept off stdout"
grep -q "p.vhd: encrypted VHD" stdout.txt && ok "the result line is on stdout" ||
	not_ok "the result line is on stdout: $(head -c 200 stdout.txt)"
script -qec "$P11 vhd encrypt --key p --force --no-progress a.raw p.vhd" \
	/dev/null >tty.out 2>&1
grep -q "encrypting" tty.out && not_ok "--no-progress hides it on a tty" ||
	ok "--no-progress hides it on a tty"
script -qec "$P11 -q vhd encrypt --key p --force a.raw p.vhd" \
	/dev/null >tty.out 2>&1
grep -q "encrypting" tty.out && not_ok "-q hides it" || ok "-q hides it"

# --- not a terminal: none, unless --progress
check "no terminal: runs" $P11 vhd encrypt --key p --force a.raw p.vhd
grep -q "encrypting" "$WORK/err" "$WORK/out" && not_ok "no progress in a pipe" ||
	ok "no progress in a pipe"
check "--progress in a pipe: runs" $P11 vhd encrypt --key p --force \
	--progress a.raw p.vhd
tr '\r' '\n' <"$WORK/err" | grep -q "^encrypting 100.0%, 4 of 4 MiB" &&
	ok "--progress forces it on stderr" ||
	not_ok "--progress forces it: $(head -c 300 "$WORK/err")"
check "decrypt --progress" $P11 vhd decrypt --key p --progress p.vhd p.raw
tr '\r' '\n' <"$WORK/err" | grep -q "^decrypting 100.0%, 4 of 4 MiB" &&
	ok "decrypt counts the 4 MiB of data" ||
	not_ok "decrypt progress: $(head -c 300 "$WORK/err")"
check "verify --data --progress" $P11 vhd verify --key p --data --progress p.vhd
tr '\r' '\n' <"$WORK/err" | grep -q "^verifying 100.0%, 4 of 4 MiB" &&
	ok "verify --data counts the 4 MiB of data" ||
	not_ok "verify progress: $(head -c 300 "$WORK/err")"
assert "verify --data still hashes the whole disk" \
	grep -q "plaintext sha256: $(sha256sum <a.raw | cut -d' ' -f1)" "$WORK/out"
expect_exit 2 "--progress with --no-progress: usage error" \
	$P11 vhd encrypt --key p --force --progress --no-progress a.raw p.vhd
grep_err "names the contradiction" "progress and --no-progress contradict"

# --- signals: 128 + the signal, no output, no temp file
if [ ! -f "${P11SHIM:-}" ]; then
	skip "signal tests" "test shim not built (P11SHIM)"
	done_testing
	exit
fi
export P11SHIM_TARGET="$SOFTHSM_MODULE"
SLOW="env P11SHIM_LATENCY_US=20000 $P11SEAL --module $P11SHIM --token pkcs11:token=prog --pin-source file:$WORK/pin"
head -c 64M /dev/urandom >big.raw
# interrupt SIG CODE CMD...: start CMD, send SIG once its temp output exists
interrupt() {
	sig=$1 code=$2
	shift 2
	verb=$(echo "$*" | sed 's/.* vhd \([a-z]*\) .*/vhd \1/')
	rm -f s.out
	"$@" >s.out 2>s.err &
	pid=$!
	i=0
	while [ "$i" -lt 300 ] && ! ls -A | grep -q 'p11seal-tmp'; do
		sleep 0.1
		i=$((i + 1))
	done
	kill "-$sig" "$pid"
	wait "$pid"
	rc=$?
	why=""
	[ "$rc" -eq "$code" ] || why="$why; exit $rc"
	[ ! -e s.out.vhd ] && [ ! -e s.out.raw ] || why="$why; output left"
	[ -z "$(ls -A | grep p11seal-tmp)" ] || why="$why; temp file left"
	grep -q "interrupted by SIG$sig; nothing written" s.err ||
		why="$why; stderr: $(head -c 200 s.err)"
	if [ -z "$why" ]; then
		ok "$verb: SIG$sig: exit $code, nothing left behind"
	else
		not_ok "$verb: SIG$sig$why"
	fi
}
# README "Exit codes": 128 + N for a signal
interrupt INT 130 $SLOW vhd encrypt --key p big.raw s.out.vhd
interrupt TERM 143 $SLOW vhd encrypt --key p big.raw s.out.vhd
interrupt HUP 129 $SLOW vhd encrypt --key p big.raw s.out.vhd
$P11 vhd encrypt --key p big.raw big.vhd >/dev/null 2>&1
interrupt INT 130 $SLOW vhd decrypt --key p big.vhd s.out.raw
done_testing
