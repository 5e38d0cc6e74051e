#!/bin/sh
# tests/fresh-machine.sh - `make fresh-machine`: the README's two commands
# ("The two commands") on a minimal Debian 12 that has only make and git.
# A `debootstrap --variant=minbase bookworm` chroot gets a clean clone of
# the committed HEAD; there a non-root user's `make demo` must print the
# apt-get line and stop before compiling, then root's `make demo` and
# `make check` must install what is missing and pass. Not part of
# `make check`: it downloads and installs a few hundred packages.
# Needs root (debootstrap, chroot, mount) and the debootstrap package.
# Env: XDG_CACHE_HOME (the debootstrap tarball and the logs are kept in
# $XDG_CACHE_HOME/p11seal-fresh-machine, so a second run skips the
# download), MIRROR (default: the bookworm mirror in /etc/apt/sources.list*),
# TMPDIR (where the chroot goes; default /var/tmp).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SUITE=bookworm
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/p11seal-fresh-machine
LOGS=$CACHE/logs
T_START=$(date +%s)

say() { printf 'fresh-machine: %s\n' "$*"; }
die() {
	say "FAIL: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mount)"
command -v debootstrap >/dev/null ||
	die "needs debootstrap: apt-get install debootstrap"

# mirror: the URI the machine's apt uses for $SUITE (one-line or deb822
# sources), so debootstrap goes where apt is known to reach.
mirror() {
	if [ -n "${MIRROR:-}" ]; then
		echo "$MIRROR"
		return
	fi
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v s="$SUITE" '
		function hit(u) { if (!found) print u; found = 1 }
		/^deb[ \t]/ { sub(/\[[^]]*\]/, ""); if ($3 == s) hit($2) }
		/^URIs:/ { uri = $2 }
		/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == s) suite = 1 }
		/^[ \t]*$/ { if (uri != "" && suite) hit(uri); uri = ""; suite = 0 }
		END { if (uri != "" && suite) hit(uri); if (!found) print "" }'
}
MIRROR=$(mirror)
[ -n "$MIRROR" ] || MIRROR=http://deb.debian.org/debian
ARCH=$(dpkg --print-architecture)
TARBALL=$CACHE/$SUITE-minbase-$ARCH.tgz
mkdir -p "$CACHE" "$LOGS"
C=$(mktemp -d "${TMPDIR:-/var/tmp}/p11seal-fresh.XXXXXX")
chmod 755 "$C" # the root directory of the chroot, for the non-root user

# cleanup: stop what still runs in the chroot (found by its root, so only
# processes this script started), unmount in reverse order, and remove
# the chroot only once nothing is mounted below it: rm -rf through a
# /dev bind mount would wipe the host's /dev.
cleanup() {
	set +e
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$C" ] && kill -9 "${p#/proc/}"
	done 2>/dev/null
	for m in dev/shm dev/pts dev proc .; do
		mountpoint -q "$C/$m" 2>/dev/null &&
			{ umount "$C/$m" || umount -l "$C/$m"; }
	done
	if grep -q " $C[/ ]" /proc/mounts; then
		say "left $C in place: still mounted" >&2
	else
		rm -rf "$C"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The base system: debootstrap's own tarball, made once and reused.
T0=$(date +%s)
if [ ! -s "$TARBALL" ]; then
	say "debootstrap $SUITE minbase from $MIRROR into $TARBALL"
	debootstrap --variant=minbase --include=make,git \
		--make-tarball="$TARBALL.part" "$SUITE" "$C.tar-work" "$MIRROR" \
		>"$LOGS/debootstrap.log" 2>&1 ||
		die "debootstrap --make-tarball failed, see $LOGS/debootstrap.log"
	mv "$TARBALL.part" "$TARBALL"
	rm -rf "$C.tar-work"
fi
say "unpacking $SUITE minbase (+ make, git) into $C"
debootstrap --variant=minbase --include=make,git \
	--unpack-tarball="$TARBALL" "$SUITE" "$C" "$MIRROR" \
	>"$LOGS/debootstrap.log" 2>&1 ||
	die "debootstrap failed, see $LOGS/debootstrap.log"
cp /etc/resolv.conf "$C/etc/resolv.conf"
# The chroot's / a mount point of its own: unshare --propagation private
# (opencryptoki's and rsyslog's tests) fails with EINVAL on a plain folder.
mount --bind "$C" "$C"
mount -t proc proc "$C/proc"
mount --bind /dev "$C/dev"
mount --bind /dev/pts "$C/dev/pts"
mount -t tmpfs -o mode=1777 shm "$C/dev/shm"
T_BASE=$(($(date +%s) - T0))

# in_chroot USER CMD: a login-like environment, nothing from ours.
in_chroot() {
	u=$1
	shift
	h=/root
	[ "$u" = root ] || h=/home/$u
	chroot --userspec="$u:$u" "$C" env -i HOME="$h" USER="$u" \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		sh -c "$*"
}

# The committed HEAD, cloned by the chroot's own git from a bundle.
[ -z "$(git -C "$ROOT" status --porcelain)" ] ||
	say "note: uncommitted changes in $ROOT are not tested"
HEAD=$(git -C "$ROOT" rev-parse --short HEAD)
git -C "$ROOT" bundle create "$C/tmp/p11seal.bundle" HEAD 2>/dev/null
chmod 644 "$C/tmp/p11seal.bundle"
in_chroot root "useradd -m newcomer"
CLONE='git -c advice.detachedHead=false clone -q /tmp/p11seal.bundle p11seal'

# 1. Not root: the exact install line, then a stop before compiling.
say "as newcomer: make demo (must stop, naming the packages)"
set +e
in_chroot newcomer "cd && $CLONE && cd p11seal && make demo" \
	>"$LOGS/user-demo.log" 2>&1
rc=$?
set -e
[ "$rc" -ne 0 ] || die "newcomer's make demo exited 0, see $LOGS/user-demo.log"
line=$(sed -n 's/^  //p' "$LOGS/user-demo.log" | grep 'apt-get install') ||
	die "no apt-get install line, see $LOGS/user-demo.log"
[ ! -e "$C/home/newcomer/p11seal/build" ] ||
	die "newcomer's make demo compiled before stopping"
want=$(in_chroot root "cd /home/newcomer/p11seal &&
	for p in \$(sed 's/#.*//' .ci/packages); do
		dpkg-query -W -f='\${db:Status-Status}' \$p 2>/dev/null |
			grep -qx installed || printf ' %s' \$p
	done")
case "$line" in
"su -c 'apt-get install --no-install-recommends$want'") ;;
"su -c 'apt-get update && apt-get install --no-install-recommends$want'") ;;
*) die "install line is \"$line\", wanted the packages:$want" ;;
esac
# The line names real packages: apt resolves them (a dry run, as root).
in_chroot root "apt-get update -qq && apt-get install -s -qq \
	--no-install-recommends$want" >"$LOGS/apt-simulate.log" 2>&1 ||
	die "apt-get cannot resolve the line, see $LOGS/apt-simulate.log"
say "as newcomer: exit $rc before compiling; printed: $line"

# 2. Root: make demo installs what is missing, builds, runs the demo.
say "as root: make demo (installs the packages)"
T0=$(date +%s)
in_chroot root "cd /root && $CLONE && cd p11seal && make demo" \
	>"$LOGS/root-demo.log" 2>&1 ||
	die "root's make demo failed, see $LOGS/root-demo.log"
T_DEMO=$(($(date +%s) - T0))
grep -q '^need.sh: installing' "$LOGS/root-demo.log" ||
	die "root's make demo installed nothing, see $LOGS/root-demo.log"

# 3. Root: make check, every test, on the machine make demo set up.
say "as root: make check"
T0=$(date +%s)
set +e
in_chroot root "cd /root/p11seal && make check" >"$LOGS/root-check.log" 2>&1
rc=$?
set -e
T_CHECK=$(($(date +%s) - T0))
last=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' \
	"$LOGS/root-check.log" | tail -n 1)
say "make check in the chroot: ${last:-no summary line} (exit $rc)"
grep '^not ok' "$LOGS/root-check.log" | head -n 20
case "$last" in *" passed, 0 failed,"*) ;; *) rc=1 ;; esac
say "HEAD $HEAD; base system ${T_BASE}s, root make demo ${T_DEMO}s" \
	"(install + build + demo), make check ${T_CHECK}s," \
	"total $(($(date +%s) - T_START))s; logs in $LOGS"
[ "$rc" -eq 0 ] || die "make check failed, see $LOGS/root-check.log"
say "PASS"
