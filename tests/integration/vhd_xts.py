#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# vhd_xts.py - an independent model of blktap's encrypted VHD for the
# integration tests, written from docs/vhd-encryption.md with
# python3-cryptography:
#   cipher KEY IN OUT   expected ciphertext as a raw image of IN's size:
#                       each non-zero 2 MiB block (the last one padded
#                       with zeros) XTS-encrypted per sector (tweak LE32
#                       LBA), zero blocks left zero
#   decrypt KEY VHD OUT parse VHD (footer, header, BAT, bitmaps) ourselves
#                       and decrypt every present sector into raw OUT
#   identity VHD OUT    VHD with timestamp, checksum and UUID zeroed in
#                       both footers (for comparing runs)
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 2 << 20


def xts(key, lba, data, enc):
    c = Cipher(algorithms.AES(key), modes.XTS(struct.pack('<I', lba) +
                                              bytes(12)))
    op = c.encryptor() if enc else c.decryptor()
    return op.update(data) + op.finalize()


def cipher(key, src, dst):
    data = open(src, 'rb').read()
    size = len(data)
    data += bytes(-len(data) % BLOCK)
    out = bytearray(len(data))
    for b in range(0, len(data), BLOCK):
        blk = data[b:b + BLOCK]
        if not any(blk):
            continue
        for s in range(0, BLOCK, 512):
            out[b + s:b + s + 512] = xts(key, (b + s) // 512,
                                         blk[s:s + 512], True)
    open(dst, 'wb').write(out[:size])


def decrypt(key, src, dst):
    f = open(src, 'rb').read()
    foot = f[-512:]
    assert foot[0:8] == b'conectix', 'footer cookie'
    size, = struct.unpack_from('>Q', foot, 48)
    hoff, = struct.unpack_from('>Q', foot, 16)
    hdr = f[hoff:hoff + 1024]
    assert hdr[0:8] == b'cxsparse', 'header cookie'
    table, = struct.unpack_from('>Q', hdr, 16)
    n, bs = struct.unpack_from('>II', hdr, 28)
    out = bytearray(size)
    for i in range(n):
        sec, = struct.unpack_from('>I', f, table + 4 * i)
        if sec == 0xffffffff:
            continue
        bm = f[sec * 512:sec * 512 + 512]
        data = sec * 512 + 512
        for s in range(bs // 512):
            if not bm[s // 8] & (0x80 >> (s % 8)):
                continue
            lba = i * (bs // 512) + s
            if lba * 512 >= size:  # the last block may pass the size
                break
            out[lba * 512:lba * 512 + 512] = xts(
                key, lba, f[data + s * 512:data + s * 512 + 512], False)
    open(dst, 'wb').write(out)


def identity(src, dst):
    f = bytearray(open(src, 'rb').read())
    for off in (0, len(f) - 512):
        f[off + 24:off + 28] = bytes(4)
        f[off + 64:off + 84] = bytes(20)
    open(dst, 'wb').write(f)


def main(argv):
    if argv[1] == 'identity':
        identity(argv[2], argv[3])
        return 0
    key = open(argv[2], 'rb').read()
    {'cipher': cipher, 'decrypt': decrypt}[argv[1]](key, argv[3], argv[4])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
