#!/bin/sh
# t-custody.sh - secrets and the audit log stay where their owner put
# them: a mistaken secret source is never echoed, a NUL byte in a PIN or
# API-key source is refused, pin-value is refused in a URI's query in any
# case, an env: secret is gone from the environment once read, and an
# audit log owned by another user is refused.
# Checks README "Threat model".
. "$(dirname "$0")/lib.sh"

USER_PIN=Custody-Pin-8Qm2
export XDG_STATE_HOME="$WORK/state" HOME="$WORK/home"
hsm_setup cu
LOG=$WORK/audit.log
A="$P11 --audit-log $LOG"
T="--module $SOFTHSM_MODULE --token pkcs11:token=cu"
check "key create audit" $A key create audit

# no_secret DESC SECRET: the last command's stdout and stderr lack SECRET
no_secret() {
	assert "$1: not echoed" \
		sh -c "! grep -qF -- '$2' '$WORK/out' '$WORK/err'"
}

# --- a mistaken source is not echoed back (it may be the secret)
expect_exit 2 "--pin-source PIN: usage error" $P11SEAL $T \
	--pin-source "$USER_PIN" key list
grep_err "--pin-source PIN: says which forms work" \
	"not file:PATH, env:VAR, fd:N, an absolute path or prompt"
no_secret "--pin-source PIN" "$USER_PIN"
APIK=Custody-ApiKey-0c1d2e3f4a5b6c7d8e9f
expect_exit 2 "--api-key-source KEY: usage error" env -u IBMCLOUD_API_KEY \
	$P11SEAL kp keys --kp-url https://127.0.0.1:9 \
	--iam-url https://127.0.0.1:9 --instance-id 00000000-0000-0000-0000-000000000000 \
	--api-key-source "$APIK"
grep_err "--api-key-source KEY: says which forms work" "API key source given is not"
no_secret "--api-key-source KEY" "$APIK"
expect_exit 4 "env:lower-case-secret: not set" $P11SEAL $T \
	--pin-source "env:$USER_PIN" key list
no_secret "env:SECRET" "$USER_PIN"
expect_exit 4 "file:SECRET (no such file): not found" $P11SEAL $T \
	--pin-source "file:$USER_PIN" key list
no_secret "file:SECRET" "$USER_PIN"
expect_exit 2 "fd:SECRET: usage error" $P11SEAL $T \
	--pin-source "fd:$USER_PIN" key list
no_secret "fd:SECRET" "$USER_PIN"
expect_exit 4 "env:UPPER_CASE_NAME not set: named" env -u CUSTODY_UNSET \
	$P11SEAL $T --pin-source env:CUSTODY_UNSET key list
grep_err "an environment variable name is still named" \
	"environment variable CUSTODY_UNSET is not set"

# --- a NUL byte in a PIN or API-key source is refused
printf '%s\0junk' "$USER_PIN" >"$WORK/nul.pin"
chmod 600 "$WORK/nul.pin"
expect_exit 5 "PIN file with a NUL byte: refused" $P11SEAL $T \
	--pin-source "file:$WORK/nul.pin" key list
grep_err "NUL refusal names the file" "PIN from $WORK/nul.pin holds a NUL byte"
no_secret "NUL PIN file" "$USER_PIN"
expect_exit 5 "PIN on fd with a NUL byte: refused" sh -c \
	"$P11SEAL $T --pin-source fd:3 key list 3<'$WORK/nul.pin'"
grep_err "NUL refusal names the fd" "PIN from fd 3 holds a NUL byte"
printf '%s\0' "$APIK" >"$WORK/nul.key"
chmod 600 "$WORK/nul.key"
expect_exit 5 "API key file with a NUL byte: refused" $P11SEAL kp keys \
	--kp-url https://127.0.0.1:9 --iam-url https://127.0.0.1:9 \
	--instance-id 00000000-0000-0000-0000-000000000000 \
	--api-key-source "file:$WORK/nul.key"
grep_err "API key NUL refusal names the file" "API key from $WORK/nul.key holds a NUL byte"
no_secret "NUL API key file" "$APIK"
printf '%s\n' "$USER_PIN" >"$WORK/nl.pin"
chmod 600 "$WORK/nl.pin"
check "a PIN file with one trailing newline still logs in" $P11SEAL $T \
	--pin-source "file:$WORK/nl.pin" key list

# --- pin-value in a URI's query, any case: refused like the path form
expect_exit 2 "path pin-value: refused" $P11SEAL --module "$SOFTHSM_MODULE" \
	--token "pkcs11:token=cu;pin-value=$USER_PIN" key list
grep_err "path pin-value: message" "'pin-value' is refused"
for q in pin-value PIN-VALUE Pin-Value; do
	expect_exit 2 "query $q: refused" $P11SEAL --module "$SOFTHSM_MODULE" \
		--pin-source "file:$WORK/pin" \
		--token "pkcs11:token=cu?$q=$USER_PIN" key list
	grep_err "query $q: same message as the path form" \
		"'pin-value' is refused \(a PIN in a URI shows in ps"
	no_secret "query $q" "$USER_PIN"
done

# --- env:VAR: the PIN is gone from the environment once read. The run
# blocks on the audit log's lock after it logged in, so its environment
# can be read while it lives.
if [ "$(uname -m)" = x86_64 ]; then
	flock "$LOG" sleep 10 &
	locker=$!
	sleep 0.3
	# (USER_PIN is exported by lib.sh: keep it out of this run's env)
	env -u USER_PIN CUSTODY_PIN="$USER_PIN" $P11SEAL $T --pin-source env:CUSTODY_PIN \
		--audit-log "$LOG" key create root --label r-env \
		>"$WORK/env.out" 2>"$WORK/env.err" &
	pid=$!
	i=0 waiting=false
	# waiting for the lock: flock(2) with LOCK_NB between sleeps (the
	# wait has a limit), syscalls 73, 35 and 230 on x86_64; seen once is
	# enough, as between two tries the run is briefly in neither
	while [ $i -lt 200 ]; do
		case $(cat "/proc/$pid/syscall" 2>/dev/null) in
		73\ * | 35\ * | 230\ *) waiting=true && break ;;
		esac
		sleep 0.05
		i=$((i + 1))
	done
	assert "the env: run logged in and waits for the log's lock" $waiting
	tr '\0' '\n' <"/proc/$pid/environ" >"$WORK/environ.txt"
	assert "/proc/PID/environ no longer holds the PIN" \
		sh -c "! grep -qF -- '$USER_PIN' '$WORK/environ.txt'"
	assert "/proc/PID/environ holds no CUSTODY_PIN value" \
		sh -c "! grep -qE '^CUSTODY_PIN=.' '$WORK/environ.txt'"
	kill "$locker" 2>/dev/null
	wait "$locker" 2>/dev/null
	wait "$pid"
	rc=$?
	assert "the env: run then completes (exit $rc)" test "$rc" -eq 0
else
	skip "env: PIN leaves /proc/PID/environ" "flock syscall number known for x86_64 only"
fi

# --- an audit log owned by another user is refused (root too)
: >"$WORK/other.log"
chmod 600 "$WORK/other.log"
if chown nobody "$WORK/other.log" 2>/dev/null; then
	expect_exit 7 "a log owned by another user: refused" $P11 \
		--audit-log "$WORK/other.log" key create root --label r-other
	grep_err "owner message names the file and the owner" \
		"audit log $WORK/other.log is owned by nobody \(uid [0-9]+\), not by you"
	assert "nothing was written to it" test ! -s "$WORK/other.log"
else
	skip "a log owned by another user" "cannot chown to nobody (not root)"
fi
check "the real log verifies" $A audit verify
done_testing
