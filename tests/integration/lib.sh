# tests/integration/lib.sh - helpers for integration tests: a private temp
# dir per test file, throw-away tokens, and TAP output.
# Sourced by t-*.sh; P11SEAL, KP_SERVER and ROOT come from tests/run.sh.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
P11SEAL=${P11SEAL:-$ROOT/build/p11seal}
KP_SERVER=${KP_SERVER:-$ROOT/build/kp-server}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/p11seal-test.XXXXXX")
TAP_N=0
TAP_FAILED=0
_cleanup_hooks=""
trap 'set +e; for h in $_cleanup_hooks; do $h; done; rm -rf "$WORK"' EXIT

SOFTHSM_MODULE=$(sed -n 's/^module: *//p' \
	/usr/share/p11-kit/modules/softhsm2.module 2>/dev/null)
[ -n "$SOFTHSM_MODULE" ] || SOFTHSM_MODULE=/usr/lib/softhsm/libsofthsm2.so
NSS_MODULE=/usr/lib/$(gcc -print-multiarch 2>/dev/null)/libsoftokn3.so
export USER_PIN=1234 SO_PIN=12345678

at_exit() { _cleanup_hooks="$_cleanup_hooks $1"; }

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $*"
}
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
diag() { echo "# $*"; }

# check DESC CMD...: pass when CMD exits 0; output kept in $WORK/out, $WORK/err.
check() {
	desc=$1
	shift
	if "$@" >"$WORK/out" 2>"$WORK/err"; then
		ok "$desc"
	else
		not_ok "$desc (exit $?)"
		sed 's/^/#   /' "$WORK/err" | tail -n 20
	fi
}

# expect_exit CODE DESC CMD...: pass when CMD exits with CODE.
expect_exit() {
	code=$1 desc=$2
	shift 2
	"$@" >"$WORK/out" 2>"$WORK/err"
	rc=$?
	if [ "$rc" -eq "$code" ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $rc, wanted $code)"
		sed 's/^/#   /' "$WORK/err" | tail -n 20
	fi
}

# assert DESC TEST-EXPR...: pass when the shell test holds.
assert() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# assert_eq DESC WANT GOT: pass when the two strings are equal.
assert_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$3', wanted '$2'"; fi
}

# grep_err DESC PATTERN: last command's stderr matches PATTERN (ERE).
grep_err() {
	if grep -qE "$2" "$WORK/err"; then
		ok "$1"
	else
		not_ok "$1: stderr was: $(head -c 300 "$WORK/err")"
	fi
}

# hsm_setup LABEL [DIR]: a throw-away SoftHSM token in DIR (default
# $WORK/hsm), PIN in $WORK/pin, and P11 (the p11seal command line prefix).
hsm_setup() {
	label=$1
	dir=${2:-$WORK/hsm}
	mkdir -p "$dir/tokens"
	sed "s|@TOKENDIR@|$dir/tokens|" "$ROOT/softhsm-conf/softhsm2.conf.in" \
		>"$dir/softhsm2.conf"
	export SOFTHSM2_CONF="$dir/softhsm2.conf"
	softhsm2-util --init-token --free --label "$label" --pin "$USER_PIN" \
		--so-pin "$SO_PIN" >/dev/null
	printf '%s' "$USER_PIN" >"$WORK/pin"
	chmod 600 "$WORK/pin"
	P11="$P11SEAL --module $SOFTHSM_MODULE --token pkcs11:token=$label --pin-source file:$WORK/pin"
}

# nss_setup DIR: an NSS softoken database in DIR with PIN $USER_PIN;
# sets P11NSS (the p11seal command line prefix for it).
nss_setup() {
	dir=$1
	mkdir -p "$dir"
	printf '%s\n' "$USER_PIN" >"$dir/pwfile"
	certutil -N -d "sql:$dir" -f "$dir/pwfile" >/dev/null 2>&1 || return 1
	printf '%s' "$USER_PIN" >"$WORK/pin"
	chmod 600 "$WORK/pin"
	P11NSS="$P11SEAL --module $NSS_MODULE --module-init-args configdir='sql:$dir' --token pkcs11:token=NSS%20Certificate%20DB --pin-source file:$WORK/pin"
}

done_testing() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
}
