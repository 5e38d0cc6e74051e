#!/bin/sh
# t-vhd-inputs.sh - README "Encrypting images" (input formats and sizes):
# real files made by qemu-img (qcow2, VMDK sparse and descriptor, VDI,
# VHDX), cryptsetup (LUKS1, LUKS2), xorriso (ISO 9660), an image p11seal
# encrypted and a text file are each refused by `vhd encrypt` with exit 5,
# the file, the format and the fix named, and nothing at the output path;
# --input-format raw overrides. Sizes that are not 2 MiB multiples (a raw
# image, qemu's 2147991552-byte "2G" VHD) keep their size through encrypt
# and decrypt: qemu-img and vhdiinfo agree, qemu-img compare is silent and
# verify --data hashes exactly the virtual size.
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
hsm_setup inputs
head -c 64 /dev/urandom >k.key
$P11 key import dek --label k --raw-file k.key >/dev/null 2>&1
keyhash() { { head -c 32 /dev/zero; cat "$1"; } | sha256sum | cut -d' ' -f1; }
sha() { sha256sum <"$1" | cut -d' ' -f1; }

# refused FILE FORMAT FIX: vhd encrypt FILE exits 5 naming FILE, FORMAT
# (a plain string) and FIX (an ERE), with nothing at the output path.
refused() {
	re=$(printf '%s' "$2" | sed 's/[().]/\\&/g')
	expect_exit 5 "$2: vhd encrypt exits 5" $P11 vhd encrypt --key k \
		--no-progress "$1" out.vhd
	grep_err "$2: the line names the file and the format" \
		"^p11seal: vhd encrypt: $1: .*$re"
	grep_err "$2: ... and the fix" "$3"
	assert "$2: one line" test "$(wc -l <"$WORK/err")" -eq 1
	assert "$2: nothing written" test -z "$(ls -A | grep 'out\.vhd')"
}
CONVERT="qemu-img convert -O vpc -o subformat=dynamic"

if ! command -v qemu-img >/dev/null; then
	skip "container formats" "qemu-img missing"
else
	qemu-img create -q -f qcow2 d.qcow2 64M
	refused d.qcow2 "a qcow2 (version 3) image" "$CONVERT d.qcow2 OUT"
	qemu-img create -q -f qcow2 -o compat=0.10 d2.qcow2 64M
	refused d2.qcow2 "a qcow2 (version 2) image" "$CONVERT d2.qcow2"
	qemu-img create -q -f vmdk d.vmdk 64M
	refused d.vmdk "a VMDK (sparse extent) image" "$CONVERT d.vmdk"
	qemu-img create -q -f vmdk -o subformat=twoGbMaxExtentSparse \
		desc.vmdk 64M
	refused desc.vmdk "a VMDK descriptor image" "$CONVERT desc.vmdk"
	qemu-img create -q -f vdi d.vdi 64M
	refused d.vdi "a VDI (VirtualBox) image" "$CONVERT d.vdi"
	qemu-img create -q -f vhdx d.vhdx 64M
	refused d.vhdx "a VHDX image" "$CONVERT d.vhdx"
	expect_exit 5 "vhd info refuses a qcow2 too" "$P11SEAL" vhd info \
		d.qcow2
	grep_err "... naming it" "d.qcow2: a qcow2"
fi

# LUKS on a file: cryptsetup needs neither root nor a loop device for
# luksFormat; where it is missing, the headers' first 8 bytes are enough
head -c 32 /dev/urandom >luks.keyfile
for v in 1 2; do
	truncate -s 20M "l$v.img"
	if command -v cryptsetup >/dev/null &&
		cryptsetup luksFormat --batch-mode --type "luks$v" \
			--pbkdf pbkdf2 --pbkdf-force-iterations 1000 \
			--key-file luks.keyfile "l$v.img" >/dev/null 2>&1; then
		ok "cryptsetup luksFormat --type luks$v on a file"
	else
		printf 'LUKS\272\276\000\00'"$v" |
			dd of="l$v.img" conv=notrunc 2>/dev/null
		skip "cryptsetup luksFormat --type luks$v" "cryptsetup failed;" \
			"header magic written by hand"
	fi
	refused "l$v.img" "a LUKS$v encrypted volume" \
		"cryptsetup open l$v.img .*--input-format raw"
done

if command -v xorriso >/dev/null; then
	mkdir isodir && echo hello >isodir/hello.txt
	xorriso -as mkisofs -quiet -o d.iso isodir 2>/dev/null
	refused d.iso "an ISO 9660 image" "install from it into a disk image"
	check "--input-format raw encrypts the ISO as a raw disk" $P11 vhd \
		encrypt --key k --no-progress --input-format raw d.iso iso.vhd
	check "... which verifies" $P11 --json vhd verify --key k --data \
		iso.vhd
	assert "... to the ISO's bytes" test \
		"$(jq -r .plaintext_sha256 "$WORK/out")" = "$(sha d.iso)"
else
	skip "ISO 9660" "xorriso missing"
fi
expect_exit 2 "--input-format vhdx: exit 2" $P11 vhd encrypt --key k \
	--input-format vhdx d.iso out.vhd
grep_err "... naming the choices" "input-format: 'vhdx' is not auto or raw"
expect_exit 2 "--input-format is for vhd encrypt only" $P11 vhd decrypt \
	--key k --input-format raw iso.vhd out.raw

printf 'hello\n' >notes.txt
refused notes.txt "6 bytes is not a whole number of 512-byte sectors" \
	"not a raw disk image"

# an image p11seal encrypted, given again
truncate -s 4M small.raw
head -c 4096 /dev/urandom | dd of=small.raw conv=notrunc 2>/dev/null
check "encrypt a raw image" $P11 vhd encrypt --key k --no-progress \
	small.raw small.vhd
refused small.vhd "already encrypted with keyhash $(keyhash k.key)" \
	"vhd verify"

# --- sizes: not 2 MiB multiples
# qsize FILE: the virtual size qemu-img reads; vsize FILE: vhdiinfo's
qsize() { qemu-img info --output=json "$1" | jq -r '."virtual-size"'; }
vsize() { vhdiinfo "$1" | sed -n 's/.*Media size.*(\([0-9]*\) bytes)/\1/p'; }

SIZE=$((5 * 1048576 + 1536))
truncate -s $SIZE odd.raw
head -c 3000 /dev/urandom | dd of=odd.raw conv=notrunc 2>/dev/null
head -c 512 /dev/urandom | dd of=odd.raw bs=512 seek=$((SIZE / 512 - 1)) \
	conv=notrunc 2>/dev/null
check "raw of $SIZE bytes: encrypt" $P11 --json vhd encrypt --key k \
	--no-progress odd.raw odd.vhd
assert "... the report's virtual size is the input's" \
	test "$(jq -r .virtual_size "$WORK/out")" = $SIZE
assert "... qemu-img reads $SIZE bytes" test "$(qsize odd.vhd)" = $SIZE
assert "... vhdiinfo reads $SIZE bytes" test "$(vsize odd.vhd)" = $SIZE
check "... verify --data" $P11 --json vhd verify --key k --data odd.vhd
assert "... hashes exactly the virtual size (sha256sum of the input)" \
	test "$(jq -r .plaintext_sha256 "$WORK/out")" = "$(sha odd.raw)"
check "... decrypt" $P11 vhd decrypt --key k odd.vhd odd.dec
check "... decrypts to the input, same size" cmp odd.dec odd.raw
check "... qemu-img compare" qemu-img compare -f raw -F raw odd.dec odd.raw
assert "... is silent about sizes" test -z "$(grep -i mismatch "$WORK/out" \
	"$WORK/err")"
check "... decrypt --format vhd" $P11 vhd decrypt --key k --format vhd \
	odd.vhd odd.dec.vhd
assert "... a VHD of the same size" test "$(qsize odd.dec.vhd)" = $SIZE

# qemu's "2G" dynamic VHD is 2147991552 bytes (CHS-rounded, 1025 blocks
# of 2 MiB, the last partial one written): was 2149580800 once encrypted
qemu-img create -q -f vpc -o subformat=dynamic q.vhd 2G
qemu-io -f vpc -c "write -P 0x11 0 1M" \
	-c "write -P 0x22 2147991040 512" q.vhd >/dev/null
assert "qemu-img made 2147991552 bytes" test "$(qsize q.vhd)" = 2147991552
check "qemu 2G VHD: encrypt" $P11 vhd encrypt --key k --no-progress q.vhd \
	q.enc.vhd
assert "... qemu-img reads 2147991552 bytes" \
	test "$(qsize q.enc.vhd)" = 2147991552
assert "... vhdiinfo agrees" test "$(vsize q.enc.vhd)" = 2147991552
check "... vhd info" "$P11SEAL" --json vhd info q.enc.vhd
assert "... and vhd info" test "$(jq -r .virtual_size "$WORK/out")" = \
	2147991552
check "... decrypt" $P11 vhd decrypt --key k q.enc.vhd q.dec
assert "... to 2147991552 bytes" test "$(stat -c %s q.dec)" = 2147991552
check "... qemu-img compare with the source" qemu-img compare -f raw \
	-F vpc q.dec q.vhd
assert "... says identical" grep -q "Images are identical" "$WORK/out"
assert "... and nothing about sizes" test -z "$(grep -i mismatch \
	"$WORK/out" "$WORK/err")"

done_testing
