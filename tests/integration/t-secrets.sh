#!/bin/sh
# t-secrets.sh - p11seal's secrets stay secret. The main flows run here
# with a known DEK (imported raw, and the same bytes unwrapped from Key
# Protect), a distinctive PIN and the Key Protect API key; then every file
# the test wrote (outputs, captured stdout/stderr, the audit log, the
# token and kp-server folders) is scanned for them in raw, hex and base64
# forms (secrets.sh). Also: every run ends with p11seal's secure heap
# empty (P11SEAL_SECMEM_REPORT), PINs and API keys are refused on argv,
# and a p11seal blocked reading its PIN shows none in /proc/PID/cmdline
# and runs with core dumps off.
# Checks README "Secrets".
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/secrets.sh"

cd "$WORK" || exit 1
export USER_PIN="Pin-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
export XDG_STATE_HOME="$WORK/state" P11SEAL_SECMEM_REPORT=1
hsm_setup sec
mkdir logs
head -c 64 /dev/urandom >dek.key
DEK_HEX=$(od -An -v -tx1 dek.key | tr -d ' \n')
RUNS=0
unhex() {
	/usr/bin/python3 -c 'import sys
sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1"
}

# run NAME CMD...: CMD exits 0, stdout/stderr kept in logs/NAME.*, and
# the secure heap is empty at exit.
run() {
	name=$1
	shift
	RUNS=$((RUNS + 1))
	if "$@" >"logs/$name.out" 2>"logs/$name.err"; then
		ok "$name"
	else
		not_ok "$name (exit $?): $(head -c 300 "logs/$name.err")"
	fi
	if grep -q "secure heap in use at exit: 0 bytes" "logs/$name.err"; then
		ok "$name: secure heap empty at exit"
	else
		not_ok "$name: $(grep 'secure heap' "logs/$name.err" || echo 'no secure heap report')"
	fi
}

# --- the token and vhd flows with the known DEK, audited
run key-create-audit $P11 key create audit
run key-create-root $P11 key create root --label root1
run key-create-dek $P11 key create dek --label gen64 --size 64
run key-import $P11 key import dek --label known --raw-file dek.key
shred -u dek.key 2>/dev/null || rm -f dek.key
run key-show $P11 --json key show --label known
run key-list $P11 key list
truncate -s 6M disk.raw
head -c 300000 /dev/urandom | dd of=disk.raw bs=4096 seek=200 conv=notrunc \
	2>/dev/null
run vhd-encrypt $P11 --json vhd encrypt --key known --no-progress disk.raw \
	disk.vhd
KEYHASH=$({ head -c 32 /dev/zero; unhex "$DEK_HEX"; } | sha256sum |
	cut -c1-64)
assert "the token holds exactly the known DEK (keyhash)" \
	test "$(jq -r .keyhash logs/vhd-encrypt.out)" = "$KEYHASH"
run vhd-verify $P11 vhd verify --key known --data disk.vhd
run vhd-decrypt $P11 vhd decrypt --key known disk.vhd disk.dec
run vhd-decrypt-vhd $P11 vhd decrypt --key known --format vhd disk.vhd \
	disk.dec.vhd
run vhd-info "$P11SEAL" vhd info disk.vhd
run audit-verify $P11 audit verify
run audit-show $P11 audit show

# --- Key Protect: the API key, and the known DEK wrapped by Key Protect
KP_RAN=
if [ -x "$KP_SERVER" ] && [ -f "$ROOT/tests/integration/kp-lib.sh" ]; then
	. "$ROOT/tests/integration/kp-lib.sh"
	if kp_start; then
		KP_RAN=1
		CA="--cacert $KP_CACERT"
		run kp-keys $P11SEAL kp keys $CA
		run kp-key-create $P11SEAL --json kp key-create crk-sec $CA
		CRK=$(jq -r .key.id logs/kp-key-create.out)
		run kp-key-show $P11SEAL kp key-show "$CRK" $CA
		run kp-import-root $P11 --json kp import-root --label imported \
			--name imp-sec --host-assisted $CA
		IMP=$(jq -r .key_id logs/kp-import-root.out)
		run key-create-dek-kp $P11 --json key create dek --label kpdek \
			--size 64 --kp-root "$IMP" --wdek-out kpdek.json $CA
		# the known DEK, wrapped by Key Protect, back into the token
		b64=$(unhex "$DEK_HEX" | base64 -w0)
		kp_curl "/api/v2/keys/$CRK/actions/wrap" -X POST \
			-d "{\"plaintext\":\"$b64\"}" >wrap.json
		b64=
		jq -n --arg w "$(jq -r .ciphertext wrap.json)" \
			--arg r "$CRK" '{wrapped_dek: $w, root_key_id: $r}' \
			>known.wdek.json
		run kp-unwrap $P11 --json kp unwrap --kp-root "$CRK" \
			--wdek-file known.wdek.json --label known-kp $CA
		assert "kp unwrap gave the known DEK (keyhash)" \
			test "$(jq -r .keyhash logs/kp-unwrap.out)" = "$KEYHASH"
		run kp-key-delete $P11SEAL kp key-delete "$CRK" --yes $CA
	else
		not_ok "kp-server starts"
	fi
else
	skip "Key Protect flows" "kp-server not built"
fi
diag "$RUNS p11seal runs"

# --- argv: PINs and API keys are refused, and not echoed
expect_exit 2 "--pin on argv refused" "$P11SEAL" --pin "$USER_PIN" key list
grep_err "--pin refusal says why" "refused \(visible in ps"
assert "--pin refusal does not echo the PIN" \
	sh -c "! grep -qF -- '$USER_PIN' '$WORK/err'"
expect_exit 2 "--pin=VALUE refused" "$P11SEAL" "--pin=$USER_PIN" key list
APIK=${IBMCLOUD_API_KEY:-not-a-real-api-key-0123456789abcdef}
expect_exit 2 "kp keys --api-key on argv refused" "$P11SEAL" kp keys \
	--api-key "$APIK"
grep_err "--api-key refusal names the safe sources" "api-key-source"
assert "--api-key refusal does not echo the key" \
	sh -c "! grep -qF -- '$APIK' '$WORK/err'"
expect_exit 2 "key create dek --kp-root --api-key refused" $P11 key create \
	dek --label x --kp-root 00000000-0000-0000-0000-000000000000 \
	--api-key "$APIK"

# --- a p11seal waiting for its PIN: cmdline, core limit
mkfifo pin.fifo
exec 4<>pin.fifo
"$P11SEAL" --module "$SOFTHSM_MODULE" --token pkcs11:token=sec \
	--pin-source fd:3 key list 3<pin.fifo 4>&- >logs/fifo.out \
	2>logs/fifo.err &
pid=$!
i=0
# blocked in read(3, ...): /proc/PID/syscall starts with "0 0x3"
while [ $i -lt 100 ]; do
	case $(cat "/proc/$pid/syscall" 2>/dev/null) in "0 0x3 "*) break ;; esac
	sleep 0.05
	i=$((i + 1))
done
assert "p11seal blocks reading the PIN from fd 3" \
	sh -c "grep -q '^0 0x3 ' /proc/$pid/syscall"
tr '\0' ' ' <"/proc/$pid/cmdline" >cmdline.txt
assert "/proc/PID/cmdline holds no PIN" \
	sh -c "! grep -qF -- '$USER_PIN' cmdline.txt"
assert "/proc/PID/limits: core dumps off" \
	sh -c "grep -qE '^Max core file size +0 +0 ' /proc/$pid/limits"
printf '%s\n' "$USER_PIN" >&4
exec 4>&-
wait "$pid"
rc=$?
assert "then it reads the PIN and lists the keys (exit $rc)" test "$rc" -eq 0
grep -q "secure heap in use at exit: 0 bytes" logs/fifo.err &&
	ok "fd PIN run: secure heap empty" || not_ok "fd PIN run: secure heap"

# --- the scan: everything this test wrote, the audit log included
export SECRET_DEK_HEX="$DEK_HEX" SECRET_PIN="$USER_PIN"
[ -n "$KP_RAN" ] && export SECRET_API_KEY="$IBMCLOUD_API_KEY"
# files that hold a secret by design: the PIN files handed to
# --pin-source, kp-server's API key list and its client copy
SECRET_SKIP="$WORK/pin $WORK/kp/pin $WORK/kp/apikeys $WORK/kp/apikey"
export SECRET_SKIP
assert "the audit log was written" test -n "$(find "$XDG_STATE_HOME/p11seal" -name 'audit-*.log' -size +0)"
scan_secrets "$WORK" >scan.txt 2>&1
rc=$?
sed -n 's/^# scanned/scanned/p' scan.txt | while read -r l; do diag "$l"; done
if [ "$rc" -eq 0 ]; then
	ok "no DEK, PIN or API key in any file, output or log"
else
	not_ok "secrets found: $(grep '^# leak' scan.txt | head -5)"
fi
# the scanner itself finds a planted DEK half inside a longer base64 text
{ printf '\007'; unhex "$(printf '%s' "$DEK_HEX" | cut -c65-128)"; } |
	base64 -w0 >planted.txt
if scan_secrets planted.txt >scan2.txt 2>&1; then
	not_ok "the scanner finds a planted DEK half"
else
	ok "the scanner finds a planted DEK half"
fi
rm -f planted.txt
done_testing
