#!/bin/sh
# t-deps.sh - README "The two commands": when a package in the list is
# missing, make demo and make check as a non-root user print the exact
# apt-get install line and stop before compiling; as root they run
# apt-get update and install just the missing packages (a fake apt-get
# here) before compiling; a build on a ready machine asks neither dpkg
# nor apt. tests/fresh-machine.sh checks the same on a real fresh Debian.
. "$(dirname "$0")/lib.sh"

# The list need.sh reads: one installed package, one that exists nowhere.
PUB=$WORK/pub
mkdir -p "$PUB/bin" "$PUB/nopc"
printf 'coreutils\np11seal-test-absent # made missing\n' >"$PUB/packages"
export NEED_PACKAGES="$PUB/packages"
# A copy of the tree, so the non-root user can read it wherever ROOT is
# (a clone under /root is not readable by nobody); 3 MB without build/.
mkdir "$PUB/tree"
tar -C "$ROOT" --exclude=./build --exclude=./.git -cf - . |
	tar -C "$PUB/tree" -xf -
chmod -R a+rX "$WORK"
SRC=$PUB/tree
# The outer make's jobserver and flags are not ours to inherit.
unset MAKEFLAGS MFLAGS MAKELEVEL

# as_user CMD...: CMD as nobody when we are root, else as ourselves; the
# timeout turns a deps step that fails to stop make into a failure here,
# not a build and a nested test suite.
if [ "$(id -u)" -eq 0 ]; then
	chown 65534:65534 "$PUB"
	as_user() {
		timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
	}
else
	as_user() { timeout 60 "$@"; }
fi

LINE="^  (sudo (apt-get update \&\& sudo )?|su -c '(apt-get update \&\& )?)"
LINE="${LINE}apt-get install --no-install-recommends p11seal-test-absent'?\$"
for goal in demo check; do
	expect_exit 2 "make $goal, not root, package missing: stops" \
		as_user make -C "$SRC" B="$PUB/build" "$goal"
	grep_err "... printing the exact apt-get line for the missing one" "$LINE"
	grep_err "... and why make stopped" "stopped before building"
	assert "... before compiling anything" test ! -e "$PUB/build"
done

expect_exit 2 "make deps, not root, package missing: fails" \
	as_user make -C "$SRC" B="$PUB/build" deps
grep_err "... printing the exact apt-get line for the missing one" "$LINE"

# A build with the compiler and libraries there makes no dpkg call, so
# the missing package does not stop it (-n: nothing is compiled).
expect_exit 0 "make (all) on a ready machine does not consult the list" \
	as_user make -n -C "$SRC" B="$PUB/build" all

# A library missing (pkg-config fails): the list is consulted first and
# pkg-config's own errors never reach the user.
printf '#!/bin/sh\necho "pkg-config: fake failure" >&2\nexit 1\n' \
	>"$PUB/nopc/pkg-config"
chmod 755 "$PUB/nopc/pkg-config"
expect_exit 2 "make (all) with a library missing: stops" \
	as_user env PATH="$PUB/nopc:$PATH" make -C "$SRC" B="$PUB/build" all
grep_err "... printing the apt-get line" "$LINE"
assert "... with no pkg-config error before it" \
	sh -c "! grep -q 'fake failure' '$WORK/err'"

# Root: apt-get update, then install of exactly the missing package,
# before compiling; the fake installs nothing, so need.sh says so.
if [ "$(id -u)" -eq 0 ]; then
	printf '#!/bin/sh\necho "$*" >>"%s"\n' "$WORK/apt.log" >"$PUB/bin/apt-get"
	chmod 755 "$PUB/bin/apt-get"
	expect_exit 2 "make demo as root, package missing: apt-get runs" \
		timeout 60 env PATH="$PUB/bin:$PATH" make -C "$SRC" B="$WORK/rb" demo
	printf 'update -qq\ninstall -y -qq --no-install-recommends %s\n' \
		p11seal-test-absent >"$WORK/apt.want"
	grep_err "... then a re-check that names what is still missing" \
		"still not installed after apt-get: p11seal-test-absent$"
	check "... update, then install of just the missing package" \
		cmp "$WORK/apt.want" "$WORK/apt.log"
	assert "... before compiling anything" test ! -e "$WORK/rb"
else
	skip "make demo as root runs apt-get" "not root"
fi

# README "Dependencies, and why each": every row names something the one
# package list installs (the Debian packages each row stands for, below);
# a row added without its packages here fails, as does a package dropped.
sed -n '/^## Dependencies, and why each/,/^## Tests/p' "$ROOT/README.md" |
	sed -n 's/^| \([^|]*[^ |]\) | .*/\1/p' |
	grep -v -e '^dependency$' -e '^---$' >"$WORK/deprows"
missing=
while IFS= read -r row; do
	case $row in
	p11-kit) pkgs="libp11-kit-dev p11-kit" ;;
	SoftHSMv2) pkgs=softhsm2 ;;
	"NSS softoken (libnss3)") pkgs="libnss3 libnss3-tools" ;;
	"OpenSSL 3") pkgs="libssl-dev openssl" ;;
	libcurl) pkgs=libcurl4-openssl-dev ;;
	cJSON) pkgs=libcjson-dev ;;
	libmicrohttpd) pkgs=libmicrohttpd-dev ;;
	cmocka) pkgs=libcmocka-dev ;;
	OpenSC*pkcs11-tool*qemu-img*vhdiinfo*cryptography*)
		pkgs="opensc qemu-utils libvhdi-utils python3-cryptography" ;;
	*) pkgs="no-package-known-for:$row" ;;
	esac
	for p in $pkgs; do
		grep -qx "$p" "$ROOT/.ci/packages" || missing="$missing $p"
	done
done <"$WORK/deprows"
[ "$(wc -l <"$WORK/deprows")" -ge 9 ] || missing="$missing (rows not found)"
assert "the $(wc -l <"$WORK/deprows") dependencies the README lists are in .ci/packages" \
	[ -z "$missing" ]
[ -z "$missing" ] || diag "missing:$missing"
assert "... OpenSSL is 3.x, as the README says" \
	sh -c 'pkg-config --modversion openssl | grep -q "^3\."'
done_testing
