# tests/integration/secrets.sh - scan_secrets: find secrets in what a test
# wrote. Source after lib.sh.
#
#   scan_secrets DIR [FILE...]   search every regular file under DIR (and
#                                the FILEs) for the secrets below in raw,
#                                hex (lower/upper, plain, ':' or ' '
#                                separated) and base64 (standard and URL
#                                alphabet, at all three byte alignments, so
#                                a secret inside a longer base64 blob is
#                                found too) forms; a 32/64-byte DEK also
#                                half by half (one XTS half is a leak).
#                                Prints "# leak: FILE: WHAT as FORM at N"
#                                per hit and "# scanned N files, M bytes,
#                                K patterns"; fails if anything is found.
# Secrets come from the environment: SECRET_DEK_HEX (the DEK bytes in hex),
# SECRET_PIN and SECRET_API_KEY (text); unset ones are not searched.
# SECRET_SKIP lists (space-separated) paths that hold a secret by design,
# e.g. the PIN file given to --pin-source.
scan_secrets() {
	/usr/bin/python3 - "$@" <<'PYEOF'
import base64, mmap, os, sys

def b64_cores(b):
    """Base64 text that encodes only secret bits, at each alignment."""
    out = []
    for pad in range(3):
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            s = enc(bytes(pad) + b)
            first = -(-8 * pad // 6)
            last = 8 * (pad + len(b)) // 6
            out.append(s[first:last])
    return out

def forms(name, b):
    h = b.hex()
    yield name, 'raw', b
    for case in (str.lower, str.upper):
        x = case(h)
        yield name, 'hex', x.encode()
        for sep in (':', ' '):
            yield name, 'hex with %r' % sep, \
                sep.join(x[i:i + 2] for i in range(0, len(x), 2)).encode()
    for i, core in enumerate(b64_cores(b)):
        yield name, 'base64 (variant %d)' % i, core

needles = []
dek = os.environ.get('SECRET_DEK_HEX', '')
if dek:
    d = bytes.fromhex(dek)
    needles += list(forms('DEK', d))
    if len(d) in (32, 64):
        h = len(d) // 2
        needles += list(forms('DEK first half', d[:h]))
        needles += list(forms('DEK second half', d[h:]))
for var, what in (('SECRET_PIN', 'PIN'), ('SECRET_API_KEY', 'API key')):
    v = os.environ.get(var, '')
    if v:
        needles += list(forms(what, v.encode()))
needles = [n for n in needles if len(n[2]) >= 8]
skip = {os.path.realpath(p) for p in os.environ.get('SECRET_SKIP', '').split()}

paths = []
for top in sys.argv[1:]:
    if os.path.isdir(top):
        for d, _, files in os.walk(top):
            paths += [os.path.join(d, f) for f in files]
    else:
        paths.append(top)

hits = files = total = 0
for p in sorted(set(paths)):
    if os.path.realpath(p) in skip or os.path.islink(p):
        continue
    try:
        st = os.stat(p)
        if not os.path.isfile(p) or st.st_size == 0:
            continue
        with open(p, 'rb') as f, \
                mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
            files += 1
            total += st.st_size
            for what, form, pat in needles:
                at = m.find(pat)
                if at >= 0:
                    hits += 1
                    print('# leak: %s: %s as %s at %d' % (p, what, form, at))
    except (OSError, ValueError):
        continue
print('# scanned %d files, %d bytes, %d patterns' % (files, total,
                                                     len(needles)))
sys.exit(1 if hits else 0)
PYEOF
}
