#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# bundle_tool.py - DEK bundles made and checked without p11seal, for the
# custody tests: the canonical forms of keymgmt/km_bundle.h written again
# in Python, a forger who holds only the station's public key, and an
# independent check of a bundle's ECDSA signature.
#
#   forge STATION.pem OUT [--sign-key KEY.pem] [--claim FP] [--v1]
#         a bundle of a fresh random DEK for the station, with a correct
#         keyhash and binding; signed with KEY.pem (its fingerprint, or FP,
#         named as signer), or with 64 zero bytes, or format 1 (unsigned)
#   keygen OUT.pem OUT-PUB.pem   a P-256 key pair of the forger's
#   digest BUNDLE OUT            SHA-256 of the signed form, 32 raw bytes
#   set-sig BUNDLE RAW           put RAW (r || s) in as the signature
#   verify BUNDLE SIGNER.pem     exit 0 if the signature holds (cryptography)
#   openssl BUNDLE FORM SIG.der  the signed form and the DER signature, for
#                                `openssl dgst -sha256 -verify`
import base64
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed, decode_dss_signature, encode_dss_signature)


def canonical(b, signed):
    drop = {'signature'} if signed else {'signature', 'binding'}
    d = {k: v for k, v in b.items() if k not in drop}
    return json.dumps(d, sort_keys=True, separators=(',', ':'),
                      ensure_ascii=False).encode('utf-8')


def fingerprint(pub):
    der = pub.public_bytes(serialization.Encoding.DER,
                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def load(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def save(b, path):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(b, f, indent='\t', ensure_ascii=False)
        f.write('\n')


def sign(b, key):
    md = hashlib.sha256(canonical(b, True)).digest()
    der = key.sign(md, ec.ECDSA(Prehashed(hashes.SHA256())))
    r, s = decode_dss_signature(der)
    return base64.b64encode(r.to_bytes(32, 'big') +
                            s.to_bytes(32, 'big')).decode()


def forge(station_pem, out, sign_key=None, claim=None, v1=False):
    with open(station_pem, 'rb') as f:
        station = serialization.load_pem_public_key(f.read())
    dek = os.urandom(64)
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()),
                        algorithm=hashes.SHA1(), label=None)
    b = {
        'format': 'p11seal-dek-bundle/1' if v1 else 'p11seal-dek-bundle/2',
        'label': 'forged',
        'dek_size': 64,
        'wrap': {'alg': 'RSA-OAEP', 'hash': 'SHA-1', 'mgf': 'MGF1-SHA-1'},
        'recipient_fingerprint': fingerprint(station),
        'keyhash': hashlib.sha256(bytes(32) + dek).hexdigest(),
        'data_half': base64.b64encode(station.encrypt(dek[:32], oaep)).decode(),
        'tweak_half': base64.b64encode(station.encrypt(dek[32:], oaep)).decode(),
        'wrapped_dek': 'eyJjaXBoZXJ0ZXh0IjoiZm9yZ2VkIn0=',
        'root_key_crn': 'crn:v1:bluemix:public:kms:us-south:a/evil:1::key:2',
        'created': '2026-01-02T03:04:05Z',
    }
    key = None
    if sign_key:
        with open(sign_key, 'rb') as f:
            key = serialization.load_pem_private_key(f.read(), None)
    if not v1:
        b['signer_fingerprint'] = claim or (
            fingerprint(key.public_key()) if key else '00' * 32)
    inner = hashlib.sha256(canonical(b, False)).digest()
    b['binding'] = hashlib.sha256(inner + dek).hexdigest()
    if not v1:
        b['signature'] = sign(b, key) if key else \
            base64.b64encode(bytes(64)).decode()
    save(b, out)


def keygen(priv_out, pub_out):
    key = ec.generate_private_key(ec.SECP256R1())
    with open(priv_out, 'wb') as f:
        f.write(key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    with open(pub_out, 'wb') as f:
        f.write(key.public_key().public_bytes(
            serialization.Encoding.PEM,
            serialization.PublicFormat.SubjectPublicKeyInfo))


def der_sig(b):
    raw = base64.b64decode(b['signature'])
    return encode_dss_signature(int.from_bytes(raw[:32], 'big'),
                                int.from_bytes(raw[32:], 'big'))


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == 'forge':
        opts = dict(zip(args[2::2], args[3::2]))
        forge(args[0], args[1], opts.get('--sign-key'), opts.get('--claim'),
              '--v1' in args)
    elif cmd == 'keygen':
        keygen(args[0], args[1])
    elif cmd == 'digest':
        with open(args[1], 'wb') as f:
            f.write(hashlib.sha256(canonical(load(args[0]), True)).digest())
    elif cmd == 'set-sig':
        b = load(args[0])
        with open(args[1], 'rb') as f:
            b['signature'] = base64.b64encode(f.read()).decode()
        save(b, args[0])
    elif cmd == 'verify':
        b = load(args[0])
        with open(args[1], 'rb') as f:
            pub = serialization.load_pem_public_key(f.read())
        if fingerprint(pub) != b['signer_fingerprint']:
            return 1
        try:
            pub.verify(der_sig(b), canonical(b, True),
                       ec.ECDSA(hashes.SHA256()))
        except Exception:  # cryptography's InvalidSignature
            return 1
    elif cmd == 'openssl':
        b = load(args[0])
        with open(args[1], 'wb') as f:
            f.write(canonical(b, True))
        with open(args[2], 'wb') as f:
            f.write(der_sig(b))
    else:
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
