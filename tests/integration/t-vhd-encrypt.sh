#!/bin/sh
# t-vhd-encrypt.sh - vhd encrypt/decrypt/verify against a SoftHSM token,
# checked by outsiders: qemu-img info/compare and vhdiinfo read our VHDs,
# the ciphertext equals an independent python3-cryptography encryption of
# the input, and a python parser of our file decrypts it back.
# Checks README "Encrypting images".
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
XTS="$PY $ROOT/tests/integration/vhd_xts.py"
cd "$WORK" || exit 1
hsm_setup st1
IBM_B64=Nrfen98EpMxF2B+wdgLfagzrqvgUZfMK4vL2T0NsT20ihrsNC9pUUHtizF6218pze8RLCgQ6kwxuE58IWLzgDA==
echo "$IBM_B64" | base64 -d >ibm.key
$PY -c 'import sys; sys.stdout.buffer.write(bytes(range(32)))' >seq.key
$P11 key import dek --label ibm --raw-file ibm.key >/dev/null 2>&1
$P11 key import dek --label seq --raw-file seq.key >/dev/null 2>&1

# mkraw FILE SIZE OFFSET...: sparse FILE of SIZE bytes with 3000 random
# bytes at each OFFSET.
mkraw() {
	f=$1 size=$2
	shift 2
	rm -f "$f"
	truncate -s "$size" "$f"
	for off in "$@"; do
		head -c 3000 /dev/urandom |
			dd of="$f" bs=1 seek="$off" conv=notrunc 2>/dev/null
	done
}
keyhash() { { head -c 32 /dev/zero; cat "$1"; } | sha256sum | cut -d' ' -f1; }
qinfo() { jq -r '.format + " " + (."virtual-size"|tostring)' "$WORK/out"; }
jfield() { jq -r "$1" "$WORK/out"; }

# roundtrip NAME INPUT PLAIN KEY: encrypt INPUT (whose disk content is the
# raw file PLAIN) with KEY and check the result from every side.
roundtrip() {
	name=$1 in=$2 plain=$3 key=$4
	cp "$plain" "$name.plain"
	check "$name: encrypt" $P11 --json vhd encrypt --key "$key" \
		--no-progress "$in" "$name.vhd"
	assert "$name: JSON keyhash" test "$(jfield .keyhash)" = \
		"$(keyhash "$key.key")"
	check "$name: qemu-img info" qemu-img info --output=json "$name.vhd"
	assert "$name: qemu sees vpc of the input's size" test "$(qinfo)" = \
		"vpc $(stat -c %s "$name.plain")"
	check "$name: vhdiinfo" vhdiinfo "$name.vhd"
	grep -q "Disk type.*: Dynamic" "$WORK/out" &&
		ok "$name: vhdiinfo says dynamic" ||
		not_ok "$name: vhdiinfo says dynamic"
	$XTS cipher "$key.key" "$name.plain" "$name.expect"
	check "$name: qemu-img compare with independent ciphertext" \
		qemu-img compare -q -f vpc -F raw "$name.vhd" "$name.expect"
	$XTS decrypt "$key.key" "$name.vhd" "$name.pydec"
	check "$name: python decryption of our file" \
		cmp "$name.pydec" "$name.plain"
	check "$name: decrypt raw" $P11 vhd decrypt --key "$key" \
		"$name.vhd" "$name.raw"
	check "$name: raw equals input" cmp "$name.raw" "$name.plain"
	check "$name: decrypt --format vhd" $P11 vhd decrypt --key "$key" \
		--format vhd "$name.vhd" "$name.dec.vhd"
	check "$name: plain VHD equals input" \
		qemu-img compare -q -f vpc -F raw "$name.dec.vhd" "$name.plain"
	check "$name: verify --data" $P11 --json vhd verify --key "$key" \
		--data "$name.vhd"
	assert "$name: plaintext digest" test "$(jfield .plaintext_sha256)" = \
		"$(sha256sum <"$name.plain" | cut -d' ' -f1)"
}

mkraw a.raw $((7 * 1048576 + 1024)) 0 $((6 * 1048576 + 500))
roundtrip raw a.raw a.raw ibm
roundtrip raw32 a.raw a.raw seq

qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on a.raw b.vhd
roundtrip dynamic b.vhd a.raw ibm

mkraw c.raw 6291456 4096 $((3 * 1048576))
qemu-img convert -f raw -O vpc -o subformat=fixed,force_size=on c.raw c.vhd
roundtrip fixed c.vhd c.raw seq

# qemu's CHS-rounded size (not a 2 MiB multiple) with the last sector
# written: vhd-util copy fails on this one (-ERANGE), we must not
qemu-img create -q -f vpc d.vhd 100M
qemu-io -f vpc -c "write -P 0x5a 104865280 512" d.vhd >/dev/null
qemu-img convert -f vpc -O raw d.vhd d.raw
roundtrip chs d.vhd d.raw ibm

# --- same result for any thread count (identity fields aside)
mkraw e.raw 20971520 0 2097152 4194304 9437184 16777216
check "encrypt with 1 thread" $P11 vhd encrypt --key ibm --threads 1 \
	e.raw e1.vhd
check "encrypt with 4 threads" $P11 vhd encrypt --key ibm --threads 4 \
	--chunk 4096 e.raw e4.vhd
$XTS identity e1.vhd e1.id
$XTS identity e4.vhd e4.id
check "thread count does not change the file" cmp e1.id e4.id

# (progress and Ctrl-C: t-vhd-progress.sh)

# --- refusals
expect_exit 6 "wrong key: exit 6" $P11 vhd decrypt --key seq raw.vhd x.raw
grep_err "wrong key named" "keyhash mismatch"
assert "wrong key: no output" test ! -e x.raw
expect_exit 6 "verify with the wrong key: exit 6" $P11 vhd verify --key seq \
	raw.vhd
expect_exit 7 "existing output: exit 7" $P11 vhd encrypt --key ibm a.raw \
	raw.vhd
grep_err "existing output named" "output exists"
check "--force replaces it" $P11 vhd encrypt --key ibm --force a.raw raw.vhd
expect_exit 2 "output is the input: exit 2" $P11 vhd encrypt --key ibm \
	--force a.raw a.raw
expect_exit 5 "decrypt a plain VHD: exit 5" $P11 vhd decrypt --key ibm b.vhd \
	x.raw
grep_err "plain VHD named" "not an encrypted VHD"
expect_exit 4 "unknown key: exit 4" $P11 vhd encrypt --key nosuch a.raw x.vhd
expect_exit 2 "bad --format: exit 2" $P11 vhd decrypt --key ibm \
	--format qcow2 raw.vhd x.raw
expect_exit 2 "bad --chunk: exit 2" $P11 vhd encrypt --key ibm --chunk 1000 \
	a.raw x.vhd
expect_exit 2 "missing --key: exit 2" $P11 vhd encrypt a.raw x.vhd
# --- I/O failures (strace fault injection): no output, no temp file
expect_exit 1 "ENOSPC on the 3rd block write: exit 1" strace -f -o /dev/null \
	-e inject=pwritev:error=ENOSPC:when=3 $P11 vhd encrypt --key ibm \
	a.raw nospc.vhd
grep_err "ENOSPC reported" "No space left on device"
assert "ENOSPC: no output" test ! -e nospc.vhd
expect_exit 1 "EIO on fsync: exit 1" strace -f -o /dev/null \
	-e inject=fsync:error=EIO $P11 vhd encrypt --key ibm a.raw eio.vhd
assert "EIO: no output" test ! -e eio.vhd
expect_exit 1 "EIO reading the input's BAT: exit 1" strace -f -o /dev/null \
	-P raw.vhd -e inject=pread64:error=EIO:when=5 $P11 vhd decrypt --key ibm \
	raw.vhd eio.raw
grep_err "read EIO reported" "read: Input/output error"
assert "read EIO: no output" test ! -e eio.raw
assert "no temp file left behind" \
	test -z "$(find . -name '.*p11seal-tmp*')"

# --- constant memory: a 40 GiB sparse disk with a few blocks of data
mkraw big.raw 42949672960 0 $((20 * 1073741824)) $((40 * 1073741824 - 4096))
check "encrypt 40 GiB sparse" /usr/bin/time -f "%M" -o rss $P11 vhd encrypt \
	--key ibm --threads 2 big.raw big.vhd
assert "resident memory under 64 MiB (was $(cat rss) KiB)" \
	test "$(cat rss)" -lt 65536
check "40 GiB info" $P11SEAL --json vhd info big.vhd
assert "40 GiB: 3 blocks allocated" test "$(jfield .allocated_blocks)" = 3
check "decrypt 40 GiB to raw" $P11 vhd decrypt --key ibm big.vhd big.out
assert "decrypted raw is 40 GiB" test "$(stat -c %s big.out)" = 42949672960
assert "decrypted raw is sparse (holes for unallocated blocks)" \
	test "$(du -k big.out | cut -f1)" -lt 20480
check "decrypted raw equals input" qemu-img compare -q -f raw -F raw \
	big.raw big.out
rm -f big.raw big.vhd big.out

# --- constant memory at every thread count: 48 MiB of data through 1 and
# the most (16) workers; SoftHSM's decryption buffers grow with the
# sessions, so more workers make smaller decryption calls
head -c 48M /dev/urandom >mem.raw
ASAN_BUILD=$(ldd "$P11SEAL" 2>/dev/null | grep libasan)
for t in 1 16; do
	check "--threads $t: encrypt" /usr/bin/time -f "%M" -o rss.e $P11 vhd \
		encrypt --key ibm --threads $t mem.raw mem$t.vhd
	check "--threads $t: decrypt" /usr/bin/time -f "%M" -o rss.d $P11 vhd \
		decrypt --key ibm --threads $t mem$t.vhd mem$t.raw
	assert "--threads $t: decrypts to the input" cmp -s mem.raw mem$t.raw
	check "--threads $t: verify --data" /usr/bin/time -f "%M" -o rss.v $P11 \
		vhd verify --key ibm --data --threads $t mem$t.vhd
	if [ -n "$ASAN_BUILD" ]; then
		skip "--threads $t: each under 64 MiB" \
			"ASan's shadow memory and quarantine count in RSS"
	else
		assert "--threads $t: each under 64 MiB (encrypt $(cat rss.e), decrypt $(cat rss.d), verify $(cat rss.v) KiB)" \
			test "$(cat rss.e)" -lt 65536 -a "$(cat rss.d)" -lt 65536 -a \
			"$(cat rss.v)" -lt 65536
	fi
	rm -f mem$t.vhd mem$t.raw
done
expect_exit 2 "--threads 17: more than 16 workers refused" $P11 vhd encrypt \
	--key ibm --threads 17 mem.raw x.vhd
rm -f mem.raw

# --- over IBM's 100 GB import limit (10^11 bytes): a warning, not a refusal
truncate -s 94G huge.raw
check "encrypt 94 GiB (100.9 GB)" $P11 vhd encrypt --key ibm huge.raw huge.vhd
grep_err "import limit warning" "exceeds IBM Cloud's 100 GB import limit"
rm -f huge.raw huge.vhd
truncate -s 93G huge.raw
check "encrypt 93 GiB (99.9 GB)" $P11 vhd encrypt --key ibm huge.raw huge.vhd
assert "no warning just under 10^11 bytes" sh -c "! grep -q 'import limit' '$WORK/err'"
done_testing
