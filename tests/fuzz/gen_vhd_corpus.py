#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# gen_vhd_corpus.py - writes the seed corpus of fuzz_vhd into corpus/vhd/.
# Byte 0 of each seed is the harness mode: bit 0 = repair cookies and
# checksums first, bits 1-2 = footer / header / batmap+BAT / whole file.
# Images use 512-byte blocks so every seed stays a few KB.
import os
import struct
import sys

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'vhd')
FOOTER, HEADER, BAT, FILE = 0, 2, 4, 6


def csum(b):
    return (~sum(b)) & 0xffffffff


def footer(size, dtype=3, app=b'qemu', ver=0x00050003, data_off=512):
    f = bytearray(512)
    struct.pack_into('>8sIIQI4sIIQQHBBI', f, 0, b'conectix', 2, 0x10000,
                     data_off, 0x2e000000, app, ver, 0x5769326b, size, size,
                     1, 4, 17, dtype)
    f[68:84] = bytes(range(1, 17))
    struct.pack_into('>I', f, 64, csum(f))
    return f


def header(max_bat, bs, table=1536):
    h = bytearray(1024)
    struct.pack_into('>8sQQIII', h, 0, b'cxsparse', 2**64 - 1, table,
                     0x10000, max_bat, bs)
    struct.pack_into('>I', h, 36, csum(h))
    return h


def batmap_header(off, secs, bits, hash_byte=0x5a):
    b = bytearray(512)
    struct.pack_into('>8sQIII', b, 0, b'tdbatmap', off, secs, 0x10002,
                     csum(bits))
    b[29] = 1
    b[62:94] = bytes([hash_byte]) * 32
    return b


def dynamic(size, bs, alloc, tap=False, partial=(), full=()):
    """Dynamic VHD: alloc = block numbers in file order."""
    n = -(-size // bs)
    meta = bytearray(1536 + -(-4 * n // 512) * 512)
    bat = [0xffffffff] * n
    bits = bytearray(512)
    if tap:
        meta += bytearray(1024)
    blocks = bytearray()
    for k, i in enumerate(alloc):
        bat[i] = (len(meta) + k * (512 + bs)) // 512
        bm = bytearray(b'\xff' * 512) if i not in partial else \
            bytearray(b'\xaa' * 512)
        blocks += bm + bytes((i * 37 + j) & 0xff for j in range(bs))
    for i in full:
        bits[i // 8] |= 0x80 >> (i % 8)
    struct.pack_into('>%dI' % n, meta, 1536, *bat)
    app, ver = (b'tap\0', 0x00010003) if tap else (b'qemu', 0x00050003)
    f = footer(size, 3, app, ver)
    meta[0:512] = f
    meta[512:1536] = header(n, bs)
    if tap:
        hoff = 1536 + -(-4 * n // 512) * 512
        meta[hoff:hoff + 512] = batmap_header(hoff + 512, 1, bits)
        meta[hoff + 512:hoff + 1024] = bits
    return meta + blocks + f


def seeds():
    qf = footer(12603392)
    yield 'footer-qemu', FOOTER, qf
    yield 'footer-fix', FOOTER | 1, qf[:64] + b'\0' * 4 + qf[68:]
    yield 'footer-tap', FOOTER, footer(14 << 20, 3, b'tap\0', 0x10003)
    yield 'footer-fixed', FOOTER, footer(1 << 20, 2, data_off=2**64 - 1)
    yield 'header-2m', HEADER, header(7, 2 << 20)
    yield 'header-fix', HEADER | 1, header(7, 512)[:36] + b'\0' * 988
    bits = bytearray(512)
    bits[0] = 0xc0
    bm = batmap_header(2560, 1, bits)
    yield 'bat-good', BAT, bm + struct.pack('>I', 6) + \
        struct.pack('>3I', 7, 4111, 0xffffffff)
    yield 'bat-overlap', BAT, bm + struct.pack('>I', 6) + \
        struct.pack('>3I', 7, 8, 3)
    dyn = dynamic(2048, 512, [2, 0, 3], partial=(3,))
    yield 'file-dynamic', FILE, dyn
    yield 'file-dynamic-fix', FILE | 1, dyn[512:]
    yield 'file-tap-batmap', FILE, dynamic(2048, 512, [0, 1], True,
                                           full=(1,))
    yield 'file-511-footer', FILE, dyn[:-1]
    yield 'file-fixed', FILE, bytes(range(256)) * 4 + footer(
        1024, 2, data_off=2**64 - 1)
    yield 'file-raw', FILE, bytes((i * 7) & 0xff for i in range(1500))
    d = bytearray(dynamic(2048, 512, [0]))
    for off in (0, len(d) - 512):
        struct.pack_into('>I', d, off + 60, 4)
        struct.pack_into('>I', d, off + 64, 0)
        struct.pack_into('>I', d, off + 64, csum(d[off:off + 512]))
    yield 'file-differencing', FILE, d
    over = bytearray(dyn)
    struct.pack_into('>I', over, 1548, struct.unpack_from('>I', over,
                                                          1536)[0] + 1)
    yield 'file-bat-overlap', FILE, over


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, mode, body in seeds():
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(bytes([mode]) + bytes(body))
    return 0


if __name__ == '__main__':
    sys.exit(main())
