# tests/need.sh - make sure the Debian packages in .ci/packages are there:
# install them when running as root, else say exactly what to install.
need_packages() {
	missing=""
	for p in $(cat "$ROOT/.ci/packages"); do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
		echo "installing:$missing"
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends $missing \
			>/dev/null && return 0
	fi
	echo "missing Debian packages; run: sudo apt-get install$missing" >&2
	return 1
}
