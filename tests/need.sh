#!/bin/sh
# tests/need.sh - the Debian packages listed in .ci/packages, before
# anything is built. As root: apt-get update (a fresh machine has no
# package lists) and install the missing ones. As anyone else: print the
# exact apt-get line and exit 1. The Makefile runs it for demo and check
# (README, "The two commands"), .ci/run and tests/demo.sh run it too.
# Env: NEED_PACKAGES, another list file (tests/integration/t-deps.sh).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIST=${NEED_PACKAGES:-$ROOT/.ci/packages}

# wanted: the package names in $LIST, one a line; '#' starts a comment.
wanted() {
	sed 's/#.*//' "$LIST" | tr -s ' \t' '\n\n' | sed '/^$/d'
}

# missing: " a b" for the wanted packages dpkg does not have installed;
# one dpkg-query call, so a ready machine pays a few milliseconds.
missing() {
	have=" $(dpkg-query -W -f='${db:Status-Status} ${Package}\n' \
		$(wanted) 2>/dev/null | awk '$1 == "installed" { print $2 }' |
		tr '\n' ' ')"
	for p in $(wanted); do
		case "$have" in *" $p "*) ;; *) printf ' %s' "$p" ;; esac
	done
}

# install_line PKGS: what a non-root user runs. sudo when it is there,
# else su (a minimal Debian has no sudo); update first when apt has no
# package lists yet, since install alone would then find nothing.
install_line() {
	sudo=""
	command -v sudo >/dev/null && sudo="sudo "
	cmd="${sudo}apt-get install --no-install-recommends$1"
	ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 ||
		cmd="${sudo}apt-get update && $cmd"
	if [ -n "$sudo" ]; then echo "$cmd"; else echo "su -c '$cmd'"; fi
}

if ! command -v dpkg-query >/dev/null; then
	echo "need.sh: no dpkg-query, so not Debian: make sure the packages" \
		"in .ci/packages (or their equivalents) are installed" >&2
	exit 0
fi
miss=$(missing)
[ -z "$miss" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "p11seal needs Debian packages that are not installed:$miss" >&2
	echo "install them (or run make as root, which does it), then rerun:" >&2
	echo "  $(install_line "$miss")" >&2
	exit 1
fi
echo "need.sh: installing with apt-get:$miss" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $miss >/dev/null
miss=$(missing)
if [ -n "$miss" ]; then
	echo "need.sh: still not installed after apt-get:$miss" >&2
	exit 1
fi
