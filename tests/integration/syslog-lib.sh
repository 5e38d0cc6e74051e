# tests/integration/syslog-lib.sh - a real syslog daemon for the audit
# trail's second copy: rsyslogd (Debian package rsyslog) with its own
# config, imuxsock on /dev/log and LOG_AUTHPRIV to a file, for
# t-audit-syslog.sh and `make demo`. syslog_private_dev comes first (it
# may run the script again), the rest after lib.sh.
#
#   syslog_private_dev SCRIPT   when root may unshare a mount namespace,
#                               run SCRIPT (sh) again in one with an
#                               overlay on /dev and exit with its status:
#                               its /dev/log is seen by nobody else and a
#                               live /dev/log of the machine is left alone
#   syslog_devlog               DEVLOG=private (that overlay), global
#                               (root, no /dev/log yet: made and removed
#                               again), or empty (no way: skip)
#   syslog_start COPY           rsyslogd writing authpriv.* to COPY;
#                               stopped at exit; false if /dev/log does
#                               not appear
RSYSLOGD=$(command -v rsyslogd || echo /usr/sbin/rsyslogd)

syslog_private_dev() {
	[ -z "${P11SEAL_SYSLOG_DEV:-}" ] && [ "$(id -u)" = 0 ] &&
		unshare -m --propagation private true 2>/dev/null || return 0
	# The overlay is mounted by the shell unshare starts, so it can only
	# ever land in the new namespace; its layers live on a tmpfs there.
	_sd=$(mktemp -d "${TMPDIR:-/tmp}/p11seal-dev.XXXXXX") || exit 1
	unshare -m --propagation private sh -c '
		if mount -t tmpfs tmpfs "$1" && mkdir "$1/u" "$1/w" &&
			mount -t overlay overlay \
				-o "lowerdir=/dev,upperdir=$1/u,workdir=$1/w" /dev
		then dev=$1; else dev=none; fi
		P11SEAL_SYSLOG_DEV=$dev exec sh "$2"' sh "$_sd" "$1"
	_rc=$?
	rmdir "$_sd"
	exit $_rc
}

syslog_devlog() {
	DEVLOG=
	# Private only if /dev is the overlay made above, seen from here.
	if [ -n "${P11SEAL_SYSLOG_DEV:-}" ] &&
		[ "$P11SEAL_SYSLOG_DEV" != none ] &&
		grep -q " /dev .*upperdir=$P11SEAL_SYSLOG_DEV/u," \
			/proc/self/mountinfo; then
		DEVLOG=private
		rm -f /dev/log
	fi
	if [ -z "$DEVLOG" ] && [ "$(id -u)" = 0 ] && [ ! -e /dev/log ]; then
		DEVLOG=global
	fi
	return 0
}

_syslog_stop() {
	kill "$RSYSLOG_PID" 2>/dev/null
	wait "$RSYSLOG_PID" 2>/dev/null
	# the private overlay goes with the namespace
	[ "$DEVLOG" = global ] && rm -f /dev/log
	return 0
}

syslog_start() {
	_sdir=$(dirname "$1")
	mkdir -p "$_sdir/work"
	cat >"$_sdir/rsyslog.conf" <<-CONF
	global(workDirectory="$_sdir/work")
	module(load="imuxsock" SysSock.Name="/dev/log" SysSock.RateLimit.Interval="0")
	template(name="copy" type="string"
		string="%timegenerated:::date-rfc3339% %HOSTNAME% %syslogfacility-text%.%syslogseverity-text% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\n")
	authpriv.* action(type="omfile" file="$1" template="copy")
	CONF
	"$RSYSLOGD" -n -f "$_sdir/rsyslog.conf" -i "$_sdir/pid" \
		>"$_sdir/out" 2>&1 &
	RSYSLOG_PID=$!
	at_exit _syslog_stop
	_i=0
	while [ ! -S /dev/log ] && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	test -S /dev/log
}
