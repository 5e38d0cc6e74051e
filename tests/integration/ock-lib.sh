# tests/integration/ock-lib.sh - opencryptoki's software token (Debian's
# opencryptoki 3.8.1) as a throw-away test token. Sourced after lib.sh.
#
# 3.8.1 has no environment variable or option for its folders: the slot
# config (/etc/opencryptoki), the token data (/var/lib/opencryptoki/swtok),
# the daemon's socket and pid file (/run), its locks (/run/lock/opencryptoki),
# the log folder (/var/log/opencryptoki), the token's POSIX shared memory
# (/dev/shm/var.lib.opencryptoki.swtok) and pkcsslotd's SysV segment (ftok of
# /usr/sbin/pkcsslotd) are all compiled in. So ock_setup makes a private
# mount + IPC namespace (unshare, needs root) in which fresh folders under
# $WORK cover those paths, and starts pkcsslotd there; every command that
# talks to the token runs in that namespace (ock_run, $P11OCK). The host's
# folders, shared memory and any pkcsslotd already running are never seen
# or touched, and the namespace with its mounts goes away with the daemon
# (ock_teardown, run at exit).
#
# By hand, as root, from the repository's top folder: a shell inside the
# namespace with $P11OCK set; the token and its daemon go when it exits.
#   ROOT=$PWD sh -c '. tests/integration/lib.sh
#     . tests/integration/ock-lib.sh; ock_setup || exit 1
#     ock_run env P11OCK="${P11OCK#ock_run }" sh -i'
#   $ $P11OCK key create dek --label d1 --size 64; $P11OCK key list

OCK_MODULE=/usr/lib/$(gcc -print-multiarch 2>/dev/null)/pkcs11/libopencryptoki.so
OCK_LABEL=p11seal-ock
# The software token's factory SO PIN; C_InitToken must be given it.
OCK_SO_PIN=87654321
OCK_PID=""

# ock_unavailable: print why the token cannot be set up here, or nothing.
ock_unavailable() {
	if ! dpkg-query -W -f='${Status}' opencryptoki 2>/dev/null |
		grep -q "install ok installed" || [ ! -f "$OCK_MODULE" ]; then
		echo "Debian package opencryptoki not installed"
	elif [ "$(id -u)" -ne 0 ]; then
		echo "opencryptoki 3.8.1's folders are compiled in; covering them needs root"
	elif ! getent group pkcs11 >/dev/null; then
		echo "group pkcs11 missing (opencryptoki's postinst makes it)"
	elif ! unshare --mount --ipc --propagation private true 2>/dev/null; then
		echo "unshare --mount --ipc is not permitted here"
	fi
}

# ock_run CMD...: run CMD in the token's namespace, in the same folder
# (entering a mount namespace moves to its root) and under the daemon's
# root (--root: in a chroot, the namespace's root is the host's /).
ock_run() {
	nsenter --target "$OCK_PID" --mount --ipc --root --wd="$PWD" -- "$@"
}

# Runs inside the new namespace (sh -c): cover the compiled-in paths with
# folders under $1, start pkcsslotd, print its pid.
_OCK_NS_SCRIPT='set -eu
d=$1
mount -t tmpfs -o mode=0755 ock-run /run
mount -t tmpfs -o mode=1777 ock-shm /dev/shm
mount -t tmpfs -o mode=0755 ock-log /var/log
mkdir -p -m 0770 /run/lock/opencryptoki/swtok /var/log/opencryptoki
chgrp -R pkcs11 /run/lock/opencryptoki /var/log/opencryptoki
mount --bind "$d/etc" /etc/opencryptoki
mount --bind "$d/lib" /var/lib/opencryptoki
/usr/sbin/pkcsslotd
i=0
while [ ! -s /run/pkcsslotd.pid ] && [ $i -lt 50 ]; do
	i=$((i + 1))
	sleep 0.1
done
cat /run/pkcsslotd.pid'

# ock_setup: an initialised software token labelled $OCK_LABEL with user
# PIN $USER_PIN (file $WORK/pin) and SO PIN $OCK_SO_PIN ($WORK/sopin);
# sets P11OCK, the p11seal command line prefix for it.
ock_setup() {
	d=$WORK/ock
	mkdir -p "$d/etc" "$d/lib/swtok/TOK_OBJ"
	cat >"$d/etc/opencryptoki.conf" <<-EOF
	version opencryptoki-3.1
	slot 0
	{
	stdll = libpkcs11_sw.so
	description = "p11seal test software token"
	}
	EOF
	chgrp -R pkcs11 "$d/lib" && chmod -R 0770 "$d/lib" || return 1
	OCK_PID=$(unshare --mount --ipc --propagation private \
		sh -c "$_OCK_NS_SCRIPT" ock-setup "$d") || return 1
	at_exit ock_teardown
	# The daemon answers once its socket is there.
	i=0
	while ! ock_run test -S /run/pkcsslotd.socket; do
		i=$((i + 1))
		[ "$i" -lt 50 ] || return 1
		sleep 0.1
	done
	printf '%s' "$USER_PIN" >"$WORK/pin"
	printf '%s' "$OCK_SO_PIN" >"$WORK/sopin"
	chmod 600 "$WORK/pin" "$WORK/sopin"
	P11OCK="ock_run $P11SEAL --module $OCK_MODULE --token pkcs11:token=$OCK_LABEL --pin-source file:$WORK/pin"
	ock_run "$P11SEAL" --module "$OCK_MODULE" --pin-source "file:$WORK/pin" \
		token init --label "$OCK_LABEL" \
		--so-pin-source "file:$WORK/sopin" >/dev/null
}

# ock_teardown: stop pkcsslotd; its namespace and mounts go with it.
ock_teardown() {
	[ -n "$OCK_PID" ] || return 0
	kill "$OCK_PID" 2>/dev/null
	i=0
	while kill -0 "$OCK_PID" 2>/dev/null && [ "$i" -lt 50 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	kill -0 "$OCK_PID" 2>/dev/null && kill -9 "$OCK_PID"
	OCK_PID=""
}
