#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# gen_bundle_corpus.py - writes the seed corpus of fuzz_bundle into
# corpus/bundle/: valid format-2 bundles (SHA-1 and SHA-256, with and
# without the Key Protect fields, escaped and non-ASCII labels) and near
# misses the parser must refuse, an unsigned format-1 bundle among them.
# Blobs, hashes and signatures are fixed patterns, not secrets.
import base64
import json
import os

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus',
                   'bundle')


def bundle(**over):
    b = {
        'format': 'p11seal-dek-bundle/2',
        'label': 'disk-1',
        'dek_size': 64,
        'wrap': {'alg': 'RSA-OAEP', 'hash': 'SHA-1', 'mgf': 'MGF1-SHA-1'},
        'recipient_fingerprint': 'ab' * 32,
        'keyhash': '33' * 32,
        'data_half': base64.b64encode(bytes([0x11]) * 384).decode(),
        'tweak_half': base64.b64encode(bytes([0x22]) * 384).decode(),
        'created': '2026-01-02T03:04:05Z',
        'signer_fingerprint': 'cd' * 32,
        'binding': '44' * 32,
        'signature': base64.b64encode(bytes([0x55]) * 64).decode(),
    }
    for k, v in over.items():
        if v is None:
            b.pop(k, None)
        else:
            b[k] = v
    return b


def kp(**over):
    fields = {
        'wrapped_dek': 'eyJjaXBoZXJ0ZXh0IjoiYWJjIn0=',
        'root_key_crn': 'crn:v1:bluemix:public:kms:us-south:a/1::key:2',
        'root_key_id': '6b0f2c1e-1d2a-4c3b-9a8e-2f4a5b6c7d8e',
        'key_version': '0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6',
    }
    fields.update(over)
    return bundle(**fields)


SHA256 = {'alg': 'RSA-OAEP', 'hash': 'SHA-256', 'mgf': 'MGF1-SHA-256'}
SEEDS = {
    'valid-minimal': json.dumps(bundle(), indent='\t'),
    'valid-kp': json.dumps(kp(), indent='\t'),
    'valid-sha256-4096': json.dumps(bundle(
        wrap=SHA256, dek_size=32,
        data_half=base64.b64encode(bytes(range(256)) * 2).decode(),
        tweak_half=base64.b64encode(bytes(range(255, -1, -1)) * 2).decode())),
    'valid-label-escapes': json.dumps(bundle(label='a"b\\c/\u00e9\u03b1')),
    'valid-compact-null': json.dumps(kp(root_key_id=None), separators=(',', ':'))
    .replace('"wrapped_dek"', '"root_key_id":null,"wrapped_dek"'),
    'bad-duplicate-label': json.dumps(bundle()).replace(
        '"label": "disk-1"', '"label": "disk-1", "label": "evil"'),
    'bad-unknown-member': json.dumps(bundle(note='hi')),
    'bad-wrap-mgf': json.dumps(bundle(wrap={'alg': 'RSA-OAEP', 'hash': 'SHA-1',
                                            'mgf': 'MGF1-SHA-256'})),
    'bad-format-v3': json.dumps(bundle(format='p11seal-dek-bundle/3')),
    'bad-unsigned-v1': json.dumps(bundle(format='p11seal-dek-bundle/1',
                                         signer_fingerprint=None,
                                         signature=None), indent='\t'),
    'bad-signature-der': json.dumps(bundle(signature=base64.b64encode(
        bytes([0x30, 0x44, 0x02, 0x20]) + bytes([0x55]) * 32 +
        bytes([0x02, 0x20]) + bytes([0x55]) * 32).decode())),
    'bad-no-signer': json.dumps(bundle(signer_fingerprint=None)),
    'bad-b64-padding': json.dumps(bundle(
        data_half=base64.b64encode(bytes([0x11]) * 385).decode()[:-3] + 'R==',
        tweak_half=base64.b64encode(bytes([0x22]) * 385).decode())),
    'bad-b64-newline': json.dumps(bundle(
        data_half=base64.encodebytes(bytes([0x11]) * 384).decode())),
    'bad-halves-differ': json.dumps(bundle(
        tweak_half=base64.b64encode(bytes(387)).decode())),
    'bad-size': json.dumps(bundle(dek_size=64.5)),
    'bad-upper-hex': json.dumps(bundle(keyhash='AB' * 32)),
    'bad-control-char': json.dumps(bundle(label='a\u001bb')),
    'bad-nul-escape': json.dumps(bundle()).replace('disk-1', 'dis\\u0000'),
    'bad-trailing': json.dumps(bundle()) + '{}',
    'bad-truncated': json.dumps(bundle())[:300],
    'bad-deep': '{"wrap":' + '[' * 64 + ']' * 64 + '}',
    # found by the fuzzer: a duplicate member whose name holds DEL bytes
    # must not reach the error line raw
    'bad-dup-del-name': '{"\x7f\x7fz": 1, "\x7f\x7fz": 2}',
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, text in SEEDS.items():
        with open(os.path.join(OUT, name), 'wb') as f:
            f.write(text.encode())


if __name__ == '__main__':
    main()
