#!/bin/sh
# t-vhd-remote.sh - a network HSM's round trip, played by the test shim's
# P11SHIM_LATENCY_US: vhd encrypt measures a token call, and from 0.2 ms
# on (or with --remote) uses 8 workers and 1 MiB per call unless
# --threads / --chunk say otherwise; the output is the same image.
# Never timed: only what -v reports, what the output holds and how many
# calls the token saw (P11SHIM_LOG): each worker keeps one operation per
# key open, so a 2 MiB block costs one tweak call and its data calls, and
# opening the DEK reads each half's attributes in one call.
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
if [ ! -f "${P11SHIM:-}" ]; then
	skip "remote token tests" "test shim not built (P11SHIM)"
	done_testing
	exit
fi
hsm_setup remote
$P11 key create dek --label r >/dev/null 2>&1
export P11SHIM_TARGET="$SOFTHSM_MODULE"
SHIM="$P11SEAL --module $P11SHIM --token pkcs11:token=remote --pin-source file:$WORK/pin"
head -c 6M /dev/urandom >in.raw
ID="--no-progress"

check "local token: encrypts" $SHIM -v vhd encrypt --key r $ID in.raw l.vhd
grep_err_not() { grep -q "$2" "$WORK/err" && not_ok "$1" || ok "$1"; }
grep_err_not "local token: not taken for remote" "remote token"
check "1 ms per call: encrypts" env P11SHIM_LATENCY_US=1000 $SHIM -v \
	vhd encrypt --key r $ID in.raw r.vhd
grep_err "1 ms per call: seen as remote, 8 workers of 1 MiB calls" \
	"token round trip 1\.[0-9][0-9] ms: remote token, 8 workers, 1024 KiB per call"
check "--remote on a local token, --threads 3 kept" $SHIM -v vhd encrypt \
	--key r --remote --threads 3 $ID in.raw f.vhd
grep_err "--remote: 3 workers as asked, 1 MiB calls" \
	"remote token, 3 workers, 1024 KiB per call"
check "--chunk kept on a remote token" env P11SHIM_LATENCY_US=1000 $SHIM -v \
	vhd encrypt --key r --chunk 65536 $ID in.raw c.vhd
grep_err "--chunk 65536 kept" "remote token, 8 workers, 64 KiB per call"
for f in r f c; do
	check "$f.vhd decrypts to the input" $P11 vhd decrypt --key r $f.vhd $f.raw
	assert "$f.vhd: same plaintext" cmp -s in.raw $f.raw
done
check "decrypt through the slow token" env P11SHIM_LATENCY_US=1000 $SHIM \
	vhd decrypt --key r l.vhd s.raw
assert "slow decrypt: same plaintext" cmp -s in.raw s.raw
check "verify --data through the slow token" env P11SHIM_LATENCY_US=1000 \
	$SHIM vhd verify --key r --data l.vhd
assert "slow verify: the input's hash" \
	grep -q "plaintext sha256: $(sha256sum <in.raw | cut -d' ' -f1)" "$WORK/out"

# 6 MiB = 3 blocks on 1 worker with 1 MiB calls: 2 inits in all (tweak
# key, data key), 3 x (1 + 2) updates, no single-part C_Encrypt.
count() { grep -c "^$1\$" "$WORK/calls" || true; }
rm -f calls
check "call count: encrypts" env P11SHIM_LOG="$WORK/calls" $SHIM vhd encrypt \
	--key r --threads 1 --chunk 1048576 $ID in.raw n.vhd
assert_eq "one C_EncryptInit per key for the whole run" 2 "$(count C_EncryptInit)"
assert_eq "one tweak update and two data updates per block" 9 \
	"$(count C_EncryptUpdate)"
assert_eq "no single-part C_Encrypt" 0 "$(count C_Encrypt)"
assert_eq "each DEK half's attributes in one call" 2 \
	"$(count C_GetAttributeValue)"
check "n.vhd decrypts to the input" $P11 vhd decrypt --key r n.vhd n.raw
assert "n.vhd: same plaintext" cmp -s in.raw n.raw
done_testing
