#!/bin/sh
# t-vhd-info.sh - `vhd info` on images made by qemu-img (dynamic, fixed,
# force_size) checked against qemu-img info, and bad files: exit 5 with
# the field and offset named, differencing refused with exit 7.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
cd "$WORK" || exit 1

# patch FILE OFF HEX: write bytes at OFF into the trailing footer (and the
# copy at 0 for dynamic disks), then fix both footer checksums.
patch_footer() {
	$PY - "$@" <<'PYEOF'
import sys
path, off, data = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
b = bytearray(open(path, 'rb').read())
ends = [len(b) - 512]
if b[0:8] == b'conectix':
    ends.append(0)
for f in ends:
    b[f + off:f + off + len(data)] = data
    b[f + 64:f + 68] = b'\0\0\0\0'
    s = (~sum(b[f:f + 512])) & 0xffffffff
    b[f + 64:f + 68] = s.to_bytes(4, 'big')
open(path, 'wb').write(b)
PYEOF
}

# patch_header FILE OFF HEX: bytes into the dynamic header at 512, then fix
# its checksum.
patch_header() {
	$PY - "$@" <<'PYEOF'
import sys
path, off, data = sys.argv[1], int(sys.argv[2]), bytes.fromhex(sys.argv[3])
b = bytearray(open(path, 'rb').read())
b[512 + off:512 + off + len(data)] = data
b[548:552] = b'\0\0\0\0'
b[548:552] = ((~sum(b[512:1536])) & 0xffffffff).to_bytes(4, 'big')
open(path, 'wb').write(b)
PYEOF
}

# jfield KEY: a field of the last command's JSON output.
jfield() { jq -r "$1" "$WORK/out"; }
qfield() { qemu-img info -f vpc --output=json "$1" | jq -r "$2"; }

# --- images from qemu-img
qemu-img create -q -f vpc dyn.vhd 12M
check "info on qemu dynamic" "$P11SEAL" --json vhd info dyn.vhd
assert "dynamic: type" test "$(jfield .type)" = dynamic
assert "dynamic: size = qemu-img virtual-size" \
	test "$(jfield .virtual_size)" = "$(qfield dyn.vhd '."virtual-size"')"
assert "dynamic: block size = qemu-img cluster-size" \
	test "$(jfield .block_size)" = "$(qfield dyn.vhd '."cluster-size"')"
assert "dynamic: creator qemu 5.3" \
	test "$(jfield '.creator_app + " " + .creator_version')" = "qemu 5.3"
assert "dynamic: nothing allocated" test "$(jfield .allocated_blocks)" = 0
assert "dynamic: no keyhash" test "$(jfield .keyhash.present)" = false
assert "dynamic: CHS 362/4/17" test "$(jfield \
	'"\(.geometry.cylinders)/\(.geometry.heads)/\(.geometry.sectors)"')" \
	= 362/4/17

# 6 MiB raw, data in blocks 0 and 2 only
$PY -c 'import sys; b = bytearray(6 << 20); b[100:200] = b"x" * 100
b[(5 << 20):(5 << 20) + 7] = b"1234567"; sys.stdout.buffer.write(b)' >in.raw
qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on in.raw \
	conv.vhd
check "info on converted force_size image" "$P11SEAL" --json vhd info conv.vhd
assert "force_size: exact size" test "$(jfield .virtual_size)" = 6291456
assert "force_size: size = qemu-img" \
	test "$(jfield .virtual_size)" = "$(qfield conv.vhd '."virtual-size"')"
assert "force_size: creator qem2" test "$(jfield .creator_app)" = qem2
assert "two blocks allocated" test "$(jfield .allocated_blocks)" = 2
assert "three BAT entries" test "$(jfield .blocks)" = 3

qemu-img create -q -f vpc -o subformat=fixed fix.vhd 12M
check "info on qemu fixed" "$P11SEAL" --json vhd info fix.vhd
assert "fixed: type" test "$(jfield .type)" = fixed
assert "fixed: size = qemu-img" \
	test "$(jfield .virtual_size)" = "$(qfield fix.vhd '."virtual-size"')"

qemu-img create -q -f vpc -o force_size=on big.vhd 100G
check "info on a 100 GiB dynamic" "$P11SEAL" --json vhd info big.vhd
assert "100 GiB: size" test "$(jfield .virtual_size)" = 107374182400
assert "100 GiB: 51200 entries" test "$(jfield .blocks)" = 51200

check "info on raw" "$P11SEAL" --json vhd info in.raw
assert "raw: type" test "$(jfield .type)" = raw
assert "raw: size" test "$(jfield .virtual_size)" = 6291456
check "text output" "$P11SEAL" vhd info conv.vhd
grep -q "^allocated blocks: 2$" "$WORK/out" && ok "text names allocation" ||
	not_ok "text names allocation"

# --- bad files: exit 5, field and offset in the message
# bad DESC CODE PATTERN: vhd info on bad.vhd exits CODE, stderr has PATTERN.
bad() {
	expect_exit "$2" "$1: exit $2" "$P11SEAL" vhd info bad.vhd
	grep_err "$1: message" "$3"
}
END=$(($(stat -c %s conv.vhd) - 512))

cp conv.vhd bad.vhd
printf 'X' | dd of=bad.vhd bs=1 seek=$((END + 70)) conv=notrunc 2>/dev/null
bad "footer checksum" 5 "footer at offset $END: checksum 0x"

cp conv.vhd bad.vhd
patch_footer bad.vhd 60 00000004
bad "differencing" 7 "merge the chain first \(qemu-img convert\)"

cp conv.vhd bad.vhd
patch_footer bad.vhd 48 0000000100000000
bad "max table entries" 5 \
	"dynamic header at offset 512: max table entries 3 <"

cp conv.vhd bad.vhd
printf '\003' | dd of=bad.vhd bs=1 seek=$((512 + 33)) conv=notrunc 2>/dev/null
bad "header checksum" 5 "dynamic header at offset 512: checksum"

cp conv.vhd bad.vhd
patch_header bad.vhd 32 00300000
bad "block size" 5 "dynamic header at offset 512: block size 3145728"

head -c "$END" conv.vhd >bad.vhd
bad "truncated" 5 "footer copy at offset 0 but no footer"

cp conv.vhd bad.vhd
printf '\377\377\377\376' | dd of=bad.vhd bs=1 seek=1536 conv=notrunc \
	2>/dev/null
bad "BAT entry" 5 "BAT at offset 1536: entry 0 \(sector 4294967294\)"

expect_exit 4 "missing file: exit 4" "$P11SEAL" vhd info nosuch.vhd
expect_exit 2 "no argument: exit 2" "$P11SEAL" vhd info
done_testing
