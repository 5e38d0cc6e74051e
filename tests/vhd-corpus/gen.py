#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# gen.py - the hostile VHD corpus: one file per item of the robustness
# checklist (docs/robustness.md section 3: footer F1-F8, dynamic header
# H1-H6, BAT and blocks B1-B7, batmap/keyhash E1-E4, process-level P2),
# each with its expected verdict per command in OUTDIR/expected.tsv.
#
#   gen.py OUTDIR        write the files, OUTDIR/corpus.key (the DEK the
#                        encrypted ones use) and OUTDIR/expected.tsv
#   gen.py --manifest    print the manifest only (tests/vhd-corpus/
#                        expected.tsv is this output, kept for review)
#
# Manifest columns (tab-separated): file, item, command (info, encrypt,
# decrypt, verify, or * for all four), verdict (accept|reject), exit code,
# an extended regex that stderr (reject) or stdout (accept) must match,
# and the SHA-256 the accepted output's plaintext must have ("-": none).
# For encrypt that is the input's disk as the reader sees it, exactly its
# virtual size (checked with `vhd verify --data` on the output); for
# decrypt it is the decrypted raw image.
#
# Files are written sparse, so the ~80 images cost a few MB of disk.
import hashlib
import os
import struct
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

MIB = 1 << 20
BLOCK = 2 * MIB
ONES64 = 2**64 - 1
UNUSED = 0xffffffff
KEY = bytes((7 * i + 1) & 0xff for i in range(64))  # AES-256-XTS DEK
ZERO_NONCE = bytes(32)
NONCE = bytes(range(1, 33))

# exit codes of p11seal (README: exit codes)
E_IO, E_USAGE, E_NOTFOUND, E_BAD, E_VERIFY, E_REFUSED = 1, 2, 4, 5, 6, 7


def csum(b):
    return (~sum(b)) & 0xffffffff


def chs(size):
    total = min(-(-size // 512), 65535 * 16 * 255)
    if total >= 65535 * 16 * 63:
        spt, heads = 255, 16
        cth = total // spt
    else:
        spt = 17
        cth = total // spt
        heads = max((cth + 1023) // 1024, 4)
        if cth >= heads * 1024 or heads > 16:
            spt, heads = 31, 16
            cth = total // spt
        if cth >= heads * 1024:
            spt, heads = 63, 16
            cth = total // spt
    return cth // heads, heads, spt


def roundup(n, m):
    return -(-n // m) * m


def xts(key, lba, data):
    c = Cipher(algorithms.AES(key),
               modes.XTS(struct.pack('<I', lba & 0xffffffff) + bytes(12)))
    e = c.encryptor()
    return e.update(data) + e.finalize()


def sector_data(tag, lba):
    """512 deterministic, non-zero bytes for sector lba of image tag."""
    seed = hashlib.sha256(b'%s/%d' % (tag.encode(), lba)).digest()
    return seed * 16


class Footer:
    def __init__(self, size, dtype=3, app=b'qem2', ver=0x00050003,
                 data_off=512):
        self.f = dict(cookie=b'conectix', features=2, version=0x10000,
                      data_off=data_off, ts=0x2e000000, app=app, ver=ver,
                      os=0x5769326b if app != b'tap\0' else 0,
                      orig=size, curr=size, geom=chs(size), type=dtype,
                      uuid=bytes(range(1, 17)), saved=0, hidden=0,
                      checksum=None)

    def build(self):
        f = self.f
        b = bytearray(512)
        c, h, s = f['geom']
        struct.pack_into('>8sIIQI4sIIQQHBBI', b, 0, f['cookie'],
                         f['features'], f['version'], f['data_off'],
                         f['ts'], f['app'], f['ver'], f['os'], f['orig'],
                         f['curr'], c, h, s, f['type'])
        b[68:84] = f['uuid']
        b[84] = f['saved']
        b[85] = f['hidden']
        struct.pack_into('>I', b, 64, csum(b) if f['checksum'] is None
                         else f['checksum'])
        return b


class Header:
    def __init__(self, max_bat, bs, table=1536):
        self.h = dict(cookie=b'cxsparse', data_off=ONES64, table=table,
                      version=0x10000, max_bat=max_bat, bs=bs,
                      checksum=None, parent_uuid=bytes(16),
                      parent_name=bytes(512), loc=[])

    def build(self):
        h = self.h
        b = bytearray(1024)
        struct.pack_into('>8sQQIII', b, 0, h['cookie'], h['data_off'],
                         h['table'], h['version'], h['max_bat'], h['bs'])
        b[40:56] = h['parent_uuid']
        b[64:576] = h['parent_name']
        for i, (code, space, length, off) in enumerate(h['loc']):
            struct.pack_into('>IIIIQ', b, 576 + 24 * i, code, space, length,
                             0, off)
        struct.pack_into('>I', b, 36, csum(b) if h['checksum'] is None
                         else h['checksum'])
        return b


class Dyn:
    """A dynamic VHD laid out as vhd-util writes it (docs/vhd-encryption.md
    section 2): footer copy, header at 512, BAT at 1536, [batmap header and
    bitmap], then each allocated block (sector bitmap + data) with its
    bitmap sector b chosen so that (b + 1) % 8 == 0, then the footer."""

    def __init__(self, tag, size=4 * MIB, bs=BLOCK, alloc=(0,), tap=True,
                 encrypted=True, key=KEY, nonce=ZERO_NONCE, max_bat=None,
                 present=None):
        self.tag, self.size, self.bs = tag, size, bs
        self.alloc = sorted(set(alloc))
        self.tap, self.encrypted = tap, encrypted and tap
        self.key, self.nonce = key, nonce
        n = -(-size // bs)
        self.n = n if max_bat is None else max_bat
        app, ver = (b'tap\0', 0x00010003) if tap else (b'qem2', 0x00050003)
        self.footer = Footer(size, 3, app, ver)
        self.header = Header(self.n, bs)
        # present[i]: set of sectors of block i whose bitmap bit is set
        self.present = present or {}
        self.bat = [UNUSED] * self.n
        self.bat_off = 1536
        self.bat_len = roundup(4 * self.n, 512)
        end = self.bat_off + self.bat_len
        self.batmap_secs = max(1, -(-(-(-self.n // 8)) // 512))
        if tap:
            self.batmap_hdr = end
            self.batmap_off = end + 512
            end = self.batmap_off + 512 * self.batmap_secs
        self.bm_bytes = roundup(-(-(bs // 512) // 8), 512)
        sec = end // 512
        self.place = {}  # where block i is written; BAT may say otherwise
        for i in self.alloc:
            while (sec + 1) % 8:
                sec += 1
            self.bat[i] = self.place[i] = sec
            sec += (self.bm_bytes + bs) // 512
        self.end = sec * 512
        self.kh_cookie = 1 if self.encrypted else 0
        self.kh_hash = hashlib.sha256(nonce + key).digest() \
            if self.encrypted else bytes(32)
        self.batmap_version = 0x00010002
        self.batmap_checksum = None
        self.batmap_cookie = b'tdbatmap'
        self.batmap_map_off = None
        self.batmap_map_secs = None
        self.full = set(self.alloc) if tap else set()

    def plain_sector(self, lba):
        return sector_data(self.tag, lba)

    def stored_sector(self, lba):
        p = self.plain_sector(lba)
        return xts(self.key, lba, p) if self.encrypted else p

    def is_present(self, i, s):
        if i in self.full:
            return True
        return s in self.present.get(i, range(self.bs // 512))

    def bitmap(self, i):
        b = bytearray(self.bm_bytes)
        for s in range(self.bs // 512):
            if s in self.present.get(i, range(self.bs // 512)):
                b[s // 8] |= 0x80 >> (s % 8)
        return b

    def batmap_bits(self):
        b = bytearray(512 * self.batmap_secs)
        for i in self.full:
            b[i // 8] |= 0x80 >> (i % 8)
        return b

    def data_sectors(self, i):
        """Sectors of block i that carry content (the first and last few,
        so images stay sparse)."""
        spb = self.bs // 512
        return sorted(set(range(min(4, spb))) |
                      set(range(max(0, spb - 2), spb)))

    def build(self):
        f = self.footer.build()
        img = bytearray(self.end + 512)
        img[0:512] = f
        img[512:1536] = self.header.build()
        for i, e in enumerate(self.bat):
            struct.pack_into('>I', img, self.bat_off + 4 * i, e)
        if self.tap:
            bits = self.batmap_bits()
            h = bytearray(512)
            struct.pack_into(
                '>8sQIII', h, 0, self.batmap_cookie,
                self.batmap_off if self.batmap_map_off is None
                else self.batmap_map_off,
                self.batmap_secs if self.batmap_map_secs is None
                else self.batmap_map_secs,
                self.batmap_version,
                csum(bits) if self.batmap_checksum is None
                else self.batmap_checksum)
            h[29] = self.kh_cookie
            h[30:62] = self.nonce
            h[62:94] = self.kh_hash
            img[self.batmap_hdr:self.batmap_hdr + 512] = h
            img[self.batmap_off:self.batmap_off + len(bits)] = bits
        spb = self.bs // 512
        for i in self.alloc:
            off = self.place[i] * 512
            img[off:off + self.bm_bytes] = self.bitmap(i)
            data = off + self.bm_bytes
            for s in range(spb):
                lba = i * spb + s
                if self.encrypted or s in self.data_sectors(i):
                    img[data + 512 * s:data + 512 * (s + 1)] = \
                        self.stored_sector(lba)
        img[self.end:self.end + 512] = f
        return img

    def view(self, decrypted):
        """The virtual disk as a reader sees it, its virtual size:
        stored bytes (decrypted=False) or plaintext (True)."""
        disk = bytearray(roundup(self.size, BLOCK))
        spb = self.bs // 512
        for i in self.alloc:
            if i * self.bs >= self.size:
                continue
            for s in range(spb):
                lba = i * spb + s
                if lba * 512 >= self.size or not self.is_present(i, s):
                    continue
                if self.encrypted:
                    sec = self.plain_sector(lba) if decrypted else \
                        self.stored_sector(lba)
                elif s in self.data_sectors(i):
                    sec = self.plain_sector(lba)
                else:
                    continue
                disk[lba * 512:(lba + 1) * 512] = sec
        return bytes(disk[:self.size])


def sha(b):
    return hashlib.sha256(b).hexdigest()


def refix_footers(img, off=None):
    """Recompute the trailing footer's checksum and copy it to offset 0."""
    t = len(img) - 512 if off is None else off
    struct.pack_into('>I', img, t + 64, 0)
    struct.pack_into('>I', img, t + 64, csum(img[t:t + 512]))
    img[0:512] = img[t:t + 512]


CASES = []


def case(name, item, data, rows):
    CASES.append((name, item, data, rows))


def reject(code, regex):
    return [('*', 'reject', code, regex, '-')]


def plain_ok(d, info=r'type: +dynamic', verify=r'creator application is '
             r'not "tap"', verify_code=E_VERIFY):
    """Rows for a valid, unencrypted image (d a Dyn or raw bytes)."""
    enc = sha(d.view(False)) if isinstance(d, Dyn) else d
    return [('info', 'accept', 0, info, '-'),
            ('encrypt', 'accept', 0, r'encrypted VHD, [0-9]+ of', enc),
            ('decrypt', 'reject', E_BAD, r'not an encrypted VHD: no '
             r'keyhash', '-'),
            ('verify', 'reject', verify_code, verify, '-')]


def already(d):
    """The encrypt row of a file with a keyhash: refused, hash named."""
    return ('encrypt', 'reject', E_BAD, r'already encrypted with keyhash '
            r'%s' % d.kh_hash.hex(), '-')


def enc_ok(d, verify=r'encrypted VHD OK', verify_code=0):
    return [('info', 'accept', 0, r'keyhash: +present', '-'),
            already(d),
            ('decrypt', 'accept', 0, r'decrypted raw image',
             sha(d.view(True)[:d.size])),
            ('verify', 'accept' if verify_code == 0 else 'reject',
             verify_code, verify, '-')]


def fixed(size, data_tag='fixed', tail=None):
    body = bytearray(size)
    for lba in (0, size // 512 - 1):
        body[lba * 512:(lba + 1) * 512] = sector_data(data_tag, lba)
    foot = Footer(size, 2, b'qem2', 0x00050003, ONES64)
    if tail:
        tail(foot)
    return body, foot


def footer_cases():
    base = Dyn('plain', size=6 * MIB, alloc=(0, 2), tap=False)
    img = base.build()
    end = len(img) - 512

    # F1 file size
    case('f1-empty', 'F1', b'', reject(E_BAD, r'empty input'))
    # not whole sectors: no disk (vhd-util cannot open it either)
    raw = bytes(sector_data('raw100', 0)[:100])
    case('f1-raw-100-bytes', 'F1', raw,
         reject(E_BAD, r'100 bytes is not a whole number of 512-byte '
                r'sectors'))
    body, foot = fixed(MIB)
    vpc = bytes(body) + bytes(foot.build()[:511])
    case('f1-fixed-511-byte-footer', 'F1', vpc,
         plain_ok(sha(bytes(body)), info=r'type: +fixed',
                  verify=r'a fixed image, not a dynamic VHD'))
    f = Footer(512, 2, data_off=ONES64).build()
    case('f1-footer-only-512', 'F1', f,
         reject(E_BAD, r'fixed disk footer at offset 0: current size 512 '
                r'!= 0 bytes'))
    # under 512 bytes no footer is looked for at the end; the cookie at 0
    # then reads as a footer copy whose footer is missing
    case('f1-footer-only-511', 'F1', f[:511],
         reject(E_BAD, r'footer copy at offset 0 but no footer at the end '
                r'\(offset 0\)'))

    # F2 cookies
    b = bytearray(img)
    b[end:end + 8] = b'conectiX'
    case('f2-cookie-bad-at-end', 'F2', b,
         reject(E_BAD, r'footer copy at offset 0 but no footer at the end '
                r'\(offset %d\)' % end))
    b = bytearray(img)
    b[0:8] = b'conectiX'
    case('f2-cookie-bad-copy', 'F2', b,
         reject(E_BAD, r'footer copy at offset 0: cookie \(byte 7\) '
                r'differs from the footer at offset %d' % end))
    b = bytearray(img)
    b[0:8] = b[end:end + 8] = b'XXXXXXXX'
    case('f2-cookie-bad-both', 'F2', b,
         plain_ok(sha(bytes(b)), info=r'type: +raw',
                  verify=r'a raw image, not a dynamic VHD'))
    case('f2-truncated-copy-only', 'F2', img[:end],
         reject(E_BAD, r'footer copy at offset 0 but no footer at the end'))
    b = bytearray(img)
    b[end:end + 8] = b'v_poison'
    case('f2-cookie-v-poison', 'F2', b,
         reject(E_BAD, r'footer at offset %d: cookie .v_poison.' % end))

    # F3 checksums
    b = bytearray(img)
    b[end + 70] ^= 0xff
    b[70] ^= 0xff
    case('f3-footer-checksum', 'F3', b,
         reject(E_BAD, r'footer at offset %d: checksum 0x[0-9a-f]{8} != '
                r'computed' % end))
    b = bytearray(img)
    struct.pack_into('>I', b, 64, 0)
    case('f3-copy-checksum', 'F3', b,
         reject(E_BAD, r'footer copy at offset 0: checksum \(byte 6[4-7]\) '
                r'differs'))
    g = bytearray(sector_data('garbage', 0))
    g[0:8] = b'conectix'
    struct.pack_into('>I', g, 64, 0)
    struct.pack_into('>I', g, 64, csum(g))
    case('f3-checksum-over-garbage', 'F3', bytes(MIB) + bytes(g),
         reject(E_BAD, r'footer at offset %d: file format version' % MIB))

    # F4 disk type
    for t, name in ((0, 'none'), (1, 'deprecated-1'), (5, 'deprecated-5'),
                    (6, 'deprecated-6'), (0xffffffff, 'all-ones')):
        b = bytearray(img)
        struct.pack_into('>I', b, end + 60, t)
        refix_footers(b)
        case('f4-type-%s' % name, 'F4', b,
             reject(E_BAD, r'footer at offset %d: disk type %d is not 2, 3 '
                    r'or 4' % (end, t)))
    b = bytearray(img)
    struct.pack_into('>I', b, end + 60, 4)
    refix_footers(b)
    case('f4-differencing', 'F4', b,
         reject(E_REFUSED, r'differencing VHD: merge the chain first'))
    body, foot = fixed(MIB)
    foot.f['type'] = 3
    case('f4-dynamic-type-fixed-layout', 'F4', bytes(body) + foot.build(),
         reject(E_BAD, r'footer at offset %d: data offset 0xffffffffffffffff '
                r'is not a sector offset' % MIB))
    body, foot = fixed(MIB)
    foot.f['data_off'] = 512
    case('f4-fixed-type-dynamic-offset', 'F4', bytes(body) + foot.build(),
         reject(E_BAD, r'footer at offset %d: data offset 0x200 of a fixed '
                r'disk' % MIB))

    # F5 sizes
    for name, size, why in (
            ('zero', 0, r'current size 0 is not a positive multiple of 512'),
            ('unaligned', 6 * MIB - 100, r'current size %d is not a '
             r'positive multiple of 512' % (6 * MIB - 100)),
            ('over-2040g', (2040 << 30) + 512, r'current size %d exceeds '
             r'the VHD maximum of 2040 GiB' % ((2040 << 30) + 512))):
        b = bytearray(img)
        struct.pack_into('>Q', b, end + 48, size)
        refix_footers(b)
        case('f5-size-%s' % name, 'F5', b,
             reject(E_BAD, r'footer at offset %d: %s' % (end, why)))
    d = Dyn('chs', size=6 * MIB, alloc=(1,), tap=False)
    d.footer.f['geom'] = (65535, 16, 255)
    case('f5-chs-disagrees-plain', 'F5', d.build(), plain_ok(d))
    d = Dyn('chs-tap', size=4 * MIB, alloc=(0,))
    d.footer.f['geom'] = (65535, 16, 255)
    case('f5-chs-too-large-encrypted', 'F5', d.build(),
         enc_ok(d, verify=r'geometry 65535/16/255 is larger than',
                verify_code=E_VERIFY))
    d = Dyn('orig', size=4 * MIB, alloc=(1,))
    d.footer.f['orig'] = 1 << 50
    case('f5-original-size-differs', 'F5', d.build(), enc_ok(d))
    # the largest legal disk: 2040 GiB, nothing allocated (4 MiB BAT)
    d = Dyn('max', size=2040 << 30, alloc=(), tap=False)
    case('f5-size-2040g-empty', 'F5', d.build(),
         [('info', 'accept', 0, r'virtual size: +%d bytes' % (2040 << 30),
           '-'),
          ('encrypt', 'accept', 0, r'encrypted VHD, 0 of 1044480 blocks',
           '-'),
          ('decrypt', 'reject', E_BAD, r'not an encrypted VHD', '-'),
          ('verify', 'reject', E_VERIFY, r'creator application is not '
           r'"tap"', '-')])

    # F6 data offset of a dynamic disk
    for name, off, why in (
            ('zero', 0, 'sector'), ('256', 256, 'sector'),
            ('unaligned', 1000, 'sector'),
            ('past-eof', 1 << 40, 'past'), ('at-footer', end, 'past'),
            ('near-2^64', 2**64 - 512, 'past'),
            ('all-ones', ONES64, 'sector')):
        b = bytearray(img)
        struct.pack_into('>Q', b, end + 16, off)
        refix_footers(b)
        if why == 'sector':
            rx = r'footer at offset %d: data offset 0x%x is not a sector ' \
                r'offset past the footer copy' % (end, off)
        else:
            rx = r'footer at offset %d: data offset %d puts the dynamic ' \
                r'header past the footer' % (end, off)
        case('f6-data-offset-%s' % name, 'F6', b, reject(E_BAD, rx))
    b = bytearray(img)
    struct.pack_into('>Q', b, end + 16, 1536)
    refix_footers(b)
    case('f6-data-offset-at-bat', 'F6', b,
         reject(E_BAD, r'dynamic header at offset 1536: cookie is not '
                r'.cxsparse.'))

    # F7 version, features, saved state, hidden
    for name, off, fmt, val, rx in (
            ('version-2', 12, '>I', 0x20000, r'file format version '
             r'0x00020000 is not 0x00010000'),
            ('features-no-reserved', 8, '>I', 0, r'features 0x00000000'),
            ('features-unknown-bit', 8, '>I', 0x6, r'features 0x00000006'),
            ('saved-state-2', 84, 'B', 2, r'saved state byte is 2'),
            ('hidden-7', 85, 'B', 7, r'hidden byte is 7')):
        b = bytearray(img)
        struct.pack_into(fmt, b, end + off, val)
        refix_footers(b)
        case('f7-%s' % name, 'F7', b,
             reject(E_BAD, r'footer at offset %d: %s' % (end, rx)))
    d = Dyn('saved', size=6 * MIB, alloc=(0,), tap=False)
    d.footer.f['saved'] = 1
    case('f7-saved-state-1', 'F7', d.build(), plain_ok(d))
    d = Dyn('temp', size=6 * MIB, alloc=(2,), tap=False)
    d.footer.f['features'] = 3
    case('f7-temporary-feature', 'F7', d.build(), plain_ok(d))

    # F8 fixed disk whose length disagrees with its size
    for name, delta in (('short', -512), ('long', 4096)):
        body, foot = fixed(MIB)
        foot.f['curr'] = foot.f['orig'] = MIB - delta
        case('f8-fixed-size-%s' % name, 'F8', bytes(body) + foot.build(),
             reject(E_BAD, r'fixed disk footer at offset %d: current size '
                    r'%d != %d bytes of data' % (MIB, MIB - delta, MIB)))
    body, foot = fixed(3 * MIB)
    d = bytes(body) + foot.build()
    case('f8-fixed-good', 'F8', d,
         plain_ok(sha(bytes(body)), info=r'type: +fixed',
                  verify=r'a fixed image, not a dynamic VHD'))


def header_cases():
    def hdr_case(name, item, mutate, rows, tap=False, size=6 * MIB,
                 alloc=(0, 2)):
        d = Dyn(name, size=size, alloc=alloc, tap=tap)
        mutate(d)
        case(name, item, d.build(), rows(d) if callable(rows) else rows)

    def set_h(**kw):
        return lambda d: d.header.h.update(kw)

    # H1
    hdr_case('h1-cookie', 'H1', set_h(cookie=b'cxsparsE'),
             reject(E_BAD, r'dynamic header at offset 512: cookie is not '
                    r'.cxsparse.'))
    hdr_case('h1-version', 'H1', set_h(version=0x10001),
             reject(E_BAD, r'dynamic header at offset 512: header version '
                    r'0x00010001 is not 0x00010000'))
    hdr_case('h1-data-offset', 'H1', set_h(data_off=0),
             reject(E_BAD, r'dynamic header at offset 512: data offset 0x0 '
                    r'is not 0xffffffffffffffff'))
    hdr_case('h1-checksum', 'H1', set_h(checksum=0x12345678),
             reject(E_BAD, r'dynamic header at offset 512: checksum '
                    r'0x12345678 != computed'))

    # H2 block size
    for name, bs in (('0', 0), ('256', 256), ('1000', 1000),
                     ('3m', 3 * MIB), ('1536k', 1536 * 1024),
                     ('4m', 4 * MIB), ('2^31', 2**31),
                     ('ffffffff', 0xffffffff)):
        hdr_case('h2-block-size-%s' % name, 'H2', set_h(bs=bs),
                 reject(E_BAD, r'dynamic header at offset 512: block size '
                        r'%d is not a power of two in 512..2097152' % bs))
    # legal small blocks: bitmap rounding (B4) is checked with them
    for bs in (512, 4096, 512 * 1024):
        n = (MIB + 3 * bs) // bs
        d = Dyn('bs%d' % bs, size=MIB + 3 * bs, bs=bs, alloc=(0, 2, n - 1),
                tap=False)
        case('h2-block-size-%d' % bs, 'B4', d.build(), plain_ok(d))

    # H3 max table entries
    hdr_case('h3-max-bat-0', 'H3', set_h(max_bat=0),
             reject(E_BAD, r'dynamic header at offset 512: max table '
                    r'entries is 0'))
    hdr_case('h3-max-bat-too-small', 'H3', set_h(max_bat=2),
             reject(E_BAD, r'dynamic header at offset 512: max table '
                    r'entries 2 < 3 blocks'))
    for name, n in (('int-max-div-4', 0x20000000), ('2^30', 0x40000000),
                    ('ffffffff', 0xffffffff)):
        hdr_case('h3-max-bat-%s' % name, 'H3', set_h(max_bat=n),
                 reject(E_BAD, r'dynamic header at offset 512: table offset '
                        r'1536 \+ %d bytes of BAT passes the footer' %
                        (4 * n)))
    # 2040 GiB in 512-byte blocks: 4 G entries, over our BAT limit
    d = Dyn('batlimit', size=2040 << 30, bs=512, alloc=(), tap=False,
            max_bat=4)
    d.header.h['max_bat'] = 0xffffffff
    case('h3-bat-over-limit', 'H3', d.build(),
         reject(E_REFUSED, r'dynamic header at offset 512: 4278190080 '
                r'blocks of 512 bytes exceed our BAT limit'))

    # H4 table offset
    for name, off, rx in (
            ('0', 0, r'table offset 0x0 is not a sector offset'),
            ('unaligned', 1537, r'table offset 0x601 is not a sector '
             r'offset'),
            ('in-header', 1024, r'table offset 1024 overlaps the header'),
            ('past-eof', 1 << 40, r'table offset %d \+ 12 bytes of BAT '
             r'passes the footer' % (1 << 40)),
            ('wraps', 2**64 - 1024, r'table offset %d \+ 12 bytes of BAT '
             r'passes the footer' % (2**64 - 1024)),
            ('all-ones', ONES64, r'table offset 0xffffffffffffffff is not')):
        hdr_case('h4-table-offset-%s' % name, 'H4', set_h(table=off),
                 reject(E_BAD, r'dynamic header at offset 512: ' + rx))
    d = Dyn('h4-at-footer', size=6 * MIB, alloc=(0, 2), tap=False)
    img = d.build()
    d.header.h['table'] = len(img) - 512
    case('h4-table-offset-at-footer', 'H4', d.build(),
         reject(E_BAD, r'dynamic header at offset 512: table offset %d \+ '
                r'12 bytes of BAT passes the footer' % (len(img) - 512)))

    # H5 parent fields on a non-differencing disk: never read (we refuse
    # differencing disks), so accepted and not carried into the output
    hdr_case('h5-parent-uuid-on-dynamic', 'H5',
             set_h(parent_uuid=bytes(range(16))), plain_ok)
    hdr_case('h5-parent-name-unterminated', 'H5',
             set_h(parent_name=b'\x00A' * 256), plain_ok)
    hdr_case('h5-parent-name-lone-surrogate', 'H5',
             set_h(parent_name=b'\xd8\x00\x00A' + bytes(508)), plain_ok)
    hdr_case('h5-parent-name-odd-bytes', 'H5',
             set_h(parent_name=b'\x00A\x00B\x00' + bytes(507)), plain_ok)

    # H6 parent locators: likewise never followed
    hdr_case('h6-locator-unknown-code', 'H6',
             set_h(loc=[(0x41424344, 1, 10, 1 << 20)]), plain_ok)
    hdr_case('h6-locator-past-eof', 'H6',
             set_h(loc=[(0x57326b75, 1, 10, 1 << 50)]), plain_ok)
    hdr_case('h6-locator-length-over-space', 'H6',
             set_h(loc=[(0x57326b75, 1, 1 << 20, 4096)]), plain_ok)
    hdr_case('h6-locator-over-bat', 'H6',
             set_h(loc=[(0x57326b75, 1, 512, 1536)]), plain_ok)


def bat_cases():
    def bat_case(name, item, entries, rows, tap=False, alloc=(0, 2),
                 size=6 * MIB, after=None):
        d = Dyn(name, size=size, alloc=alloc, tap=tap)
        for i, v in entries.items():
            d.bat[i] = v(d) if callable(v) else v
        b = d.build()
        if after:
            after(d, b)
        case(name, item, b, rows(d) if callable(rows) else rows)
        return d

    span = 1 + 4096
    # B1 block inside metadata or past the end
    for name, sec, what in (('footer-copy', 0, 'footer copy at offset 0'),
                            ('header', 1, 'dynamic header at offset 512'),
                            ('bat', 3, 'BAT at offset 1536')):
        bat_case('b1-block-in-%s' % name, 'B1', {0: sec},
                 reject(E_BAD, r'BAT at offset 1536: entry 0 \(sector %d\) '
                        r'overlaps the %s' % (sec, what)))
    bat_case('b1-block-in-batmap', 'B1', {0: 5},
             reject(E_BAD, r'BAT at offset 1536: entry 0 \(sector 5\) '
                    r'overlaps the batmap at offset 2560'), tap=True,
             alloc=(0,), size=4 * MIB)
    bat_case('b1-block-past-eof', 'B1', {2: 1 << 24},
             lambda d: reject(E_BAD, r'BAT at offset 1536: entry 2 \(sector '
                              r'%d\) ends at byte [0-9]+, past the data '
                              r'area end %d' % (1 << 24, d.end)))
    bat_case('b1-block-over-footer', 'B1', {2: lambda d: d.bat[2] + 1},
             lambda d: reject(E_BAD, r'BAT at offset 1536: entry 2 \(sector '
                              r'%d\) ends at byte %d, past the data area '
                              r'end %d' % (d.bat[2], (d.bat[2] + span) * 512,
                                           d.end)))

    # B2 shared or overlapping blocks
    bat_case('b2-two-entries-one-block', 'B2', {2: lambda d: d.bat[0]},
             lambda d: reject(E_BAD, r'BAT at offset 1536: entries [02] and '
                              r'[02] overlap'))
    bat_case('b2-overlapping-blocks', 'B2', {2: lambda d: d.bat[0] + 8},
             lambda d: reject(E_BAD, r'BAT at offset 1536: entries 0 and 2 '
                              r'overlap \(sectors %d and %d\)' %
                              (d.bat[0], d.bat[0] + 8)))

    # B3 arithmetic at the top of the sector range
    for name, v in (('fffffffe', 0xfffffffe), ('fffff000', 0xfffff000)):
        bat_case('b3-entry-%s' % name, 'B3', {0: v},
                 lambda d, v=v: reject(E_BAD, r'BAT at offset 1536: entry 0 '
                                       r'\(sector %d\) ends at byte %d, past'
                                       % (v, (v + span) * 512)))

    # B5 allocated block whose bitmap leaves sectors out: they read as
    # zeros (spec: the bitmap decides), not as the stored bytes
    d = Dyn('b5', size=6 * MIB, alloc=(0, 2), tap=False,
            present={0: {0, 1}, 2: set()})
    case('b5-bitmap-sectors-absent', 'B5', d.build(), plain_ok(d))
    # ... unless the batmap marks the block full (tapdisk's rule)
    d = Dyn('b5full', size=4 * MIB, alloc=(0, 1), present={0: set(),
                                                           1: set()})
    d.full = {0}
    case('b5-batmap-full-overrides-bitmap', 'B5', d.build(),
         enc_ok(d, verify=r'block 1 is allocated but not marked full',
                verify_code=E_VERIFY))

    # B6 truncated files
    d = Dyn('b6', size=6 * MIB, alloc=(0, 2), tap=False)
    img = d.build()
    cut = img[:d.bat[2] * 512 + 4096] + img[-512:]
    case('b6-truncated-mid-block', 'B6', cut,
         reject(E_BAD, r'BAT at offset 1536: entry 2 \(sector %d\) ends at '
                r'byte [0-9]+, past the data area end %d' %
                (d.bat[2], d.bat[2] * 512 + 4096)))
    cut = img[:1540] + img[-512:]
    case('b6-truncated-mid-bat', 'B6', cut,
         reject(E_BAD, r'dynamic header at offset 512: table offset 1536 '
                r'\+ 12 bytes of BAT passes the footer at 1540'))
    b = bytearray(img)
    b[68] ^= 1
    struct.pack_into('>I', b, 64, 0)
    struct.pack_into('>I', b, 64, csum(b[0:512]))
    case('b6-footer-copy-differs', 'B6', b,
         reject(E_BAD, r'footer copy at offset 0: checksum \(byte 6[4-7]\) '
                r'differs from the footer at offset %d' % (len(b) - 512)))

    # B7 allocated entries past the virtual size: never read
    d = Dyn('b7', size=6 * MIB, alloc=(0, 2), tap=False, max_bat=8)
    d.bat[6] = 0xfffffff0
    d.bat[7] = 1
    case('b7-entries-past-size', 'B7', d.build(), plain_ok(d))


def batmap_cases():
    def bm_case(name, item, mutate, rows, alloc=(0,)):
        d = Dyn(name, size=4 * MIB, alloc=alloc)
        mutate(d)
        case(name, item, d.build(), rows(d) if callable(rows) else rows)

    def attr(**kw):
        return lambda d: d.__dict__.update(kw)

    H = 2048  # batmap header offset for 2 entries
    bm_case('e1-batmap-cookie', 'E1', attr(batmap_cookie=b'tdbatmaP'),
            reject(E_BAD, r'batmap header at offset %d: cookie is not '
                   r'.tdbatmap.' % H))
    bm_case('e1-batmap-version-1.3', 'E1', attr(batmap_version=0x10003),
            reject(E_BAD, r'batmap header at offset %d: batmap version '
                   r'0x00010003' % H))
    bm_case('e1-batmap-version-0', 'E1', attr(batmap_version=0),
            reject(E_BAD, r'batmap header at offset %d: batmap version '
                   r'0x00000000' % H))
    for name, off in (('past-eof', 1 << 40), ('in-bat', 1536),
                      ('unaligned', 2561), ('near-2^64', 2**64 - 512),
                      ('at-own-header', H)):
        bm_case('e1-batmap-offset-%s' % name, 'E1',
                attr(batmap_map_off=off),
                reject(E_BAD, r'batmap header at offset %d: batmap offset '
                       r'%d is not a sector between its header and the '
                       r'footer' % (H, off)))
    bm_case('e1-batmap-size-0', 'E1', attr(batmap_map_secs=0),
            reject(E_BAD, r'batmap header at offset %d: batmap size is 0 '
                   r'sectors' % H))
    bm_case('e1-batmap-size-huge', 'E1', attr(batmap_map_secs=0xffffffff),
            reject(E_BAD, r'batmap header at offset %d: batmap size '
                   r'4294967295 sectors at offset 2560 passes the footer'
                   % H))
    bm_case('e1-batmap-checksum', 'E1', attr(batmap_checksum=0x1234),
            reject(E_BAD, r'batmap header at offset %d: checksum 0x00001234 '
                   r'!= computed 0x[0-9a-f]{8} of the batmap at 2560' % H))
    bm_case('e1-batmap-bit-on-unallocated', 'E1', attr(full={0, 1}),
            reject(E_BAD, r'batmap at offset 2560: bit 1 marks an '
                   r'unallocated block full'))

    def v11(d):
        d.batmap_version = 0x10001
        bits = d.batmap_bits()
        d.batmap_checksum = (~sum(x - 256 if x > 127 else x
                                  for x in bits)) & 0xffffffff
    bm_case('e1-batmap-version-1.1-signed-sum', 'E1', v11, enc_ok)
    d = Dyn('tap11', size=4 * MIB, alloc=(0,))
    d.footer.f['ver'] = 0x00010001
    d.batmap_cookie = b'xxxxxxxx'
    case('e1-tap-1.1-without-batmap', 'E1', d.build(),
         [('info', 'accept', 0, r'keyhash: +none', '-'),
          ('encrypt', 'accept', 0, r'encrypted VHD', sha(d.view(False))),
          ('decrypt', 'reject', E_BAD, r'not an encrypted VHD', '-'),
          ('verify', 'reject', E_VERIFY, r'creator version 0x00010001 is '
           r'not tap 1.2 or 1.3', '-')])

    # E2 keyhash
    d = Dyn('good', size=4 * MIB, alloc=(0, 1))
    case('e2-encrypted-good', 'E2', d.build(), enc_ok(d))
    d = Dyn('nonce', size=4 * MIB, alloc=(1,), nonce=NONCE)
    case('e2-random-nonce', 'E2', d.build(), enc_ok(d))
    d = Dyn('nokh', size=4 * MIB, alloc=(0,), encrypted=False)
    case('e2-keyhash-cookie-0', 'E2', d.build(),
         [('info', 'accept', 0, r'keyhash: +none', '-'),
          ('encrypt', 'accept', 0, r'encrypted VHD', sha(d.view(False))),
          ('decrypt', 'reject', E_BAD, r'not an encrypted VHD', '-'),
          ('verify', 'reject', E_VERIFY, r'no keyhash: not an encrypted '
           r'VHD', '-')])
    bm_case('e2-keyhash-cookie-2', 'E2', attr(kh_cookie=2),
            reject(E_BAD, r'batmap header at offset %d: keyhash cookie 2 '
                   r'is not 0 or 1' % H))
    for name, h in (('wrong', bytes(32)),
                    ('other-key', hashlib.sha256(ZERO_NONCE + bytes(64))
                     .digest()),
                    ('nonce-ignored', hashlib.sha256(KEY).digest())):
        d = Dyn('kh-' + name, size=4 * MIB, alloc=(0,))
        d.kh_hash = h
        case('e2-keyhash-%s' % name, 'E2', d.build(),
             [('info', 'accept', 0, r'keyhash: +present', '-'),
              already(d),
              ('decrypt', 'reject', E_VERIFY, r'keyhash mismatch: this key '
               r'did not encrypt the VHD', '-'),
              ('verify', 'reject', E_VERIFY, r'keyhash mismatch', '-')])
    d = Dyn('wrongnonce', size=4 * MIB, alloc=(0,), nonce=NONCE)
    d.nonce = ZERO_NONCE[:31] + b'\x01'
    case('e2-keyhash-nonce-swapped', 'E2', d.build(),
         [('info', 'accept', 0, r'keyhash: +present', '-'),
          already(d),
          ('decrypt', 'reject', E_VERIFY, r'keyhash mismatch', '-'),
          ('verify', 'reject', E_VERIFY, r'keyhash mismatch', '-')])
    d = Dyn('qemu-kh', size=4 * MIB, alloc=(0,))
    d.footer.f['app'] = b'qemu'
    case('e2-keyhash-without-tap-creator', 'E2', d.build(),
         [('info', 'accept', 0, r'keyhash: +none', '-'),
          ('encrypt', 'accept', 0, r'encrypted VHD', sha(d.view(False))),
          ('decrypt', 'reject', E_BAD, r'not an encrypted VHD', '-'),
          ('verify', 'reject', E_VERIFY, r'creator application is not '
           r'"tap"', '-')])

    # E3 fixed disk claiming encryption: a batmap header in its data
    body, foot = fixed(MIB)
    d = Dyn('e3', size=MIB)
    body[2048:2560] = d.build()[2048:2560]
    foot.f['app'], foot.f['ver'] = b'tap\0', 0x00010003
    case('e3-fixed-with-keyhash', 'E3', bytes(body) + foot.build(),
         plain_ok(sha(bytes(body)), info=r'type: +fixed',
                  verify=r'a fixed image, not a dynamic VHD'))

    # E4 more than 2^32 sectors: the LE32 tweak would repeat
    d = Dyn('e4', size=4 * MIB, alloc=(0,))
    d.footer.f['curr'] = d.footer.f['orig'] = (1 << 41) + BLOCK
    b = d.build()
    case('e4-size-over-2^32-sectors', 'E4', b,
         reject(E_BAD, r'footer at offset %d: current size %d exceeds the '
                r'VHD maximum of 2040 GiB' % (len(b) - 512,
                                              (1 << 41) + BLOCK)))


SPARSE_SIZES = {}


def process_cases():
    # P2: a sparse raw input at the VHD maximum costs neither time nor
    # memory in proportion to its size (file is a hole; encrypt must not
    # read it): no SHA column, hashing 2 TiB of zeros would take minutes
    SPARSE_SIZES['p2-sparse-raw-2040g'] = 2040 << 30
    case('p2-sparse-raw-2040g', 'P2', b'',
         [('info', 'accept', 0, r'virtual size: +%d bytes' % (2040 << 30),
           '-'),
          ('encrypt', 'accept', 0, r'encrypted VHD, 0 of 1044480 blocks',
           '-'),
          ('decrypt', 'reject', E_BAD, r'not an encrypted VHD', '-'),
          ('verify', 'reject', E_VERIFY, r'a raw image, not a dynamic VHD',
           '-')])
    SPARSE_SIZES['p2-sparse-raw-over-2040g'] = (2040 << 30) + 512
    case('p2-sparse-raw-over-2040g', 'P2', b'',
         reject(E_REFUSED, r'raw input of %d bytes exceeds the VHD maximum'
                % ((2040 << 30) + 512)))


def write_sparse(path, data, size=None):
    with open(path, 'wb') as f:
        for o in range(0, len(data), 4096):
            chunk = data[o:o + 4096]
            if any(chunk):
                f.seek(o)
                f.write(chunk)
        f.truncate(len(data) if size is None else size)


def all_cases():
    footer_cases()
    header_cases()
    bat_cases()
    batmap_cases()
    process_cases()
    return CASES


def manifest_lines(cases):
    yield '# file\titem\tcommand\tverdict\texit\tregex\tsha256'
    for name, item, _, rows in cases:
        for cmd, verdict, code, rx, digest in rows:
            yield '\t'.join((name, item, cmd, verdict, str(code), rx,
                             digest))


def main(argv):
    if len(argv) == 2 and argv[1] == '--manifest':
        print('\n'.join(manifest_lines(all_cases())))
        return 0
    if len(argv) != 2:
        print('usage: gen.py OUTDIR | --manifest', file=sys.stderr)
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    cases = all_cases()
    names = [c[0] for c in cases]
    assert len(names) == len(set(names)), 'duplicate case names'
    for name, _, data, _ in cases:
        write_sparse(os.path.join(out, name), bytes(data),
                     SPARSE_SIZES.get(name))
    with open(os.path.join(out, 'corpus.key'), 'wb') as f:
        f.write(KEY)
    with open(os.path.join(out, 'expected.tsv'), 'w') as f:
        f.write('\n'.join(manifest_lines(cases)) + '\n')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
