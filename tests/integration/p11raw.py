#!/usr/bin/python3
# p11raw.py - TEST-ONLY: the attacker's raw PKCS#11 client for the
# integration tests. It loads a module with ctypes and calls C_* directly
# with exactly the templates given, so an attack test does not depend on
# what p11seal or pkcs11-tool would send. One run is one session; steps
# run in order and session objects live until the run ends.
#
#   p11raw.py --module M [--init-args S] --token LABEL --pin-file F [--so]
#             STEP [; STEP ...]
#
# Steps (a KEY is LABEL/CLASS for a token object, or $NAME for a handle
# saved earlier with "as NAME"; ATTRS are name=value, see ATTR below):
#   genaes NAME ATTRS...                 C_GenerateKey (AES) -> $NAME
#   genrsa NAME BITS PUB-ATTRS... / PRIV-ATTRS...  -> $NAME.pub $NAME.priv
#   create NAME ATTRS...                 C_CreateObject -> $NAME
#   pubkey NAME PEM ATTRS...             C_CreateObject of an RSA public key
#   wrap WRAPPER KEY MECH OUT            C_WrapKey, blob to file OUT
#   unwrap NAME UNWRAPPER MECH IN ATTRS...  C_UnwrapKey -> $NAME
#   copy NAME KEY ATTRS...               C_CopyObject -> $NAME
#   set KEY ATTRS...                     C_SetAttributeValue
#   encrypt KEY MECH IN OUT / decrypt KEY MECH IN OUT
#   destroy KEY                          C_DestroyObject
#   get KEY NAMES...                     print name=value per attribute
#   logout / login so|user PINFILE       C_Logout / C_Login
# MECH: oaep-sha1, oaep-sha256, aes-kw, gcm:IVHEX, cbc-pad:IVHEX, ecb.
# get prints booleans as true/false, numbers in decimal, bytes in hex.
# Each step prints "STEP: CKR_..."; the exit status is 0 when every step
# returned CKR_OK, else 1 (the first failure stops the run), 2 on usage.
import ctypes
import sys

ULONG = ctypes.c_ulong
VOIDP = ctypes.c_void_p


class Attr(ctypes.Structure):
    _fields_ = [("type", ULONG), ("pValue", VOIDP), ("ulValueLen", ULONG)]


class Mech(ctypes.Structure):
    _fields_ = [("mechanism", ULONG), ("pParameter", VOIDP),
                ("ulParameterLen", ULONG)]


class OaepParams(ctypes.Structure):
    _fields_ = [("hashAlg", ULONG), ("mgf", ULONG), ("source", ULONG),
                ("pSourceData", VOIDP), ("ulSourceDataLen", ULONG)]


class GcmParams(ctypes.Structure):
    _fields_ = [("pIv", VOIDP), ("ulIvLen", ULONG), ("ulIvBits", ULONG),
                ("pAAD", VOIDP), ("ulAADLen", ULONG), ("ulTagBits", ULONG)]


class InitArgs(ctypes.Structure):
    _fields_ = [("CreateMutex", VOIDP), ("DestroyMutex", VOIDP),
                ("LockMutex", VOIDP), ("UnlockMutex", VOIDP),
                ("flags", ULONG), ("pReserved", VOIDP)]


class TokenInfo(ctypes.Structure):
    _fields_ = [("label", ctypes.c_char * 32), ("rest", ctypes.c_ubyte * 200)]


CKR = {0x0: "CKR_OK", 0x5: "CKR_GENERAL_ERROR", 0x10: "CKR_ATTRIBUTE_READ_ONLY",
       0x11: "CKR_ATTRIBUTE_SENSITIVE", 0x12: "CKR_ATTRIBUTE_TYPE_INVALID",
       0x13: "CKR_ATTRIBUTE_VALUE_INVALID", 0x1B: "CKR_ACTION_PROHIBITED",
       0x40: "CKR_ENCRYPTED_DATA_INVALID", 0x60: "CKR_KEY_HANDLE_INVALID",
       0x63: "CKR_KEY_TYPE_INCONSISTENT", 0x69: "CKR_KEY_NOT_WRAPPABLE",
       0x68: "CKR_KEY_FUNCTION_NOT_PERMITTED", 0x6A: "CKR_KEY_UNEXTRACTABLE",
       0x70: "CKR_MECHANISM_INVALID", 0x71: "CKR_MECHANISM_PARAM_INVALID",
       0x82: "CKR_OBJECT_HANDLE_INVALID", 0xD0: "CKR_TEMPLATE_INCOMPLETE",
       0xD1: "CKR_TEMPLATE_INCONSISTENT", 0xF0: "CKR_UNWRAPPING_KEY_HANDLE_INVALID",
       0xF2: "CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT",
       0x110: "CKR_WRAPPED_KEY_INVALID", 0x113: "CKR_WRAPPING_KEY_HANDLE_INVALID",
       0x115: "CKR_WRAPPING_KEY_TYPE_INCONSISTENT", 0x101: "CKR_USER_NOT_LOGGED_IN",
       0x150: "CKR_BUFFER_TOO_SMALL", 0x7: "CKR_ARGUMENTS_BAD",
       0x54: "CKR_FUNCTION_NOT_SUPPORTED", 0x30: "CKR_DEVICE_ERROR"}

BOOLS = {"token": 0x1, "private": 0x2, "trusted": 0x86, "sensitive": 0x103,
         "encrypt": 0x104, "decrypt": 0x105, "wrap": 0x106, "unwrap": 0x107,
         "sign": 0x108, "verify": 0x10A, "derive": 0x10C,
         "extractable": 0x162, "local": 0x163, "never_extractable": 0x164,
         "always_sensitive": 0x165, "modifiable": 0x170, "copyable": 0x171,
         "wrap_with_trusted": 0x210}
ULONGS = {"class": 0x0, "key_type": 0x100, "value_len": 0x161,
          "modulus_bits": 0x121}
BYTES = {"label": 0x3, "id": 0x102, "value": 0x11, "modulus": 0x120,
         "public_exponent": 0x122}
ARRAYS = {"wrap_template": 0x40000211, "unwrap_template": 0x40000212}
MECHLIST = 0x40000600  # CKA_ALLOWED_MECHANISMS
NAMES = {"secret": 4, "public": 2, "private": 3, "data": 0, "aes": 0x1F,
         "rsa": 0, "generic": 0x10, "aes_xts": 0x35}
MECHS = {"aes-kw": 0x2109, "ecb": 0x1081, "gcm": 0x1087, "cbc-pad": 0x1085,
         "oaep": 0x9, "aes-keygen": 0x1080, "rsa-keygen": 0x0}
CLASSES = {"secret": 4, "public": 2, "private": 3}


class Run:
    def __init__(self, lib):
        self.lib, self.h, self.keep = lib, ULONG(), []
        self.vars = {}

    def buf(self, data):
        b = ctypes.create_string_buffer(bytes(data), len(data))
        self.keep.append(b)
        return ctypes.cast(b, VOIDP), len(data)

    def attrs(self, specs):
        """name=value list -> (Attr array, count)."""
        out = []
        i = 0
        while i < len(specs):
            name, _, val = specs[i].partition("=")
            i += 1
            if name in ARRAYS:  # name=[ ... ]: the members up to "]"
                inner = []
                while i < len(specs) and specs[i] != "]":
                    inner.append(specs[i])
                    i += 1
                i += 1
                arr, n = self.attrs(inner)
                out.append((ARRAYS[name], ctypes.cast(arr, VOIDP),
                            n * ctypes.sizeof(Attr)))
            elif name in BOOLS:
                p, n = self.buf(b"\1" if val == "true" else b"\0")
                out.append((BOOLS[name], p, n))
            elif name in ULONGS:
                v = NAMES[val] if val in NAMES else int(val, 0)
                u = ULONG(v)
                self.keep.append(u)
                out.append((ULONGS[name], ctypes.cast(ctypes.pointer(u),
                                                      VOIDP),
                            ctypes.sizeof(ULONG)))
            elif name in BYTES:
                data = bytes.fromhex(val[4:]) if val.startswith("hex:") \
                    else val.encode()
                p, n = self.buf(data)
                out.append((BYTES[name], p, n))
            elif name == "allowed_mechanisms":
                ms = (ULONG * len(val.split(",")))(
                    *[MECHS[m] for m in val.split(",")])
                self.keep.append(ms)
                out.append((MECHLIST, ctypes.cast(ms, VOIDP),
                            ctypes.sizeof(ms)))
            else:
                raise SystemExit("p11raw: unknown attribute " + name)
        arr = (Attr * max(len(out), 1))(*[Attr(*a) for a in out])
        self.keep.append(arr)
        return arr, len(out)

    def mech(self, name):
        if name.startswith("oaep-"):
            h = {"oaep-sha1": (0x220, 1), "oaep-sha256": (0x250, 2)}[name]
            p = OaepParams(h[0], h[1], 1, None, 0)
            self.keep.append(p)
            return Mech(MECHS["oaep"], ctypes.cast(ctypes.pointer(p), VOIDP),
                        ctypes.sizeof(p))
        if name.startswith("gcm:"):
            iv, n = self.buf(bytes.fromhex(name[4:]))
            p = GcmParams(iv, n, 8 * n, None, 0, 128)
            self.keep.append(p)
            return Mech(MECHS["gcm"], ctypes.cast(ctypes.pointer(p), VOIDP),
                        ctypes.sizeof(p))
        if name.startswith("cbc-pad:"):
            iv, n = self.buf(bytes.fromhex(name[8:]))
            return Mech(MECHS["cbc-pad"], iv, n)
        return Mech(MECHS[name], None, 0)

    def obj(self, ref):
        if ref.startswith("$"):
            return self.vars[ref[1:]]
        label, _, cls = ref.rpartition("/")
        arr, n = self.attrs(["label=" + label, "class=" + cls])
        found, count = ULONG(), ULONG()
        self.lib.C_FindObjectsInit(self.h, arr, ULONG(n))
        self.lib.C_FindObjects(self.h, ctypes.byref(found), ULONG(1),
                               ctypes.byref(count))
        self.lib.C_FindObjectsFinal(self.h)
        if count.value != 1:
            raise SystemExit("p11raw: no object " + ref)
        return found.value

    def out_len(self, cap=8192):
        b = ctypes.create_string_buffer(cap)
        return b, ULONG(cap)

    def step(self, op, a):
        lib, h = self.lib, self.h
        new = ULONG()
        if op == "genaes":
            arr, n = self.attrs(a[1:])
            m = Mech(MECHS["aes-keygen"], None, 0)
            rv = lib.C_GenerateKey(h, ctypes.byref(m), arr, ULONG(n),
                                   ctypes.byref(new))
            self.vars[a[0]] = new.value
        elif op == "genrsa":
            cut = a.index("/")
            pa, pn = self.attrs(["modulus_bits=" + a[1],
                                 "public_exponent=hex:010001"] + a[2:cut])
            va, vn = self.attrs(a[cut + 1:])
            m = Mech(MECHS["rsa-keygen"], None, 0)
            priv = ULONG()
            rv = lib.C_GenerateKeyPair(h, ctypes.byref(m), pa, ULONG(pn), va,
                                       ULONG(vn), ctypes.byref(new),
                                       ctypes.byref(priv))
            self.vars[a[0] + ".pub"] = new.value
            self.vars[a[0] + ".priv"] = priv.value
        elif op in ("create", "pubkey"):
            extra = []
            if op == "pubkey":
                extra = pem_numbers(a[1])
                a = a[:1] + a[2:]
            arr, n = self.attrs(extra + a[1:])
            rv = lib.C_CreateObject(h, arr, ULONG(n), ctypes.byref(new))
            self.vars[a[0]] = new.value
        elif op == "wrap":
            m = self.mech(a[2])
            b, n = self.out_len()
            rv = lib.C_WrapKey(h, ctypes.byref(m), ULONG(self.obj(a[0])),
                               ULONG(self.obj(a[1])), b, ctypes.byref(n))
            if rv == 0:
                open(a[3], "wb").write(b.raw[:n.value])
        elif op == "unwrap":
            m = self.mech(a[2])
            blob = open(a[3], "rb").read()
            p, bn = self.buf(blob)
            arr, n = self.attrs(a[4:])
            rv = lib.C_UnwrapKey(h, ctypes.byref(m), ULONG(self.obj(a[1])),
                                 p, ULONG(bn), arr, ULONG(n),
                                 ctypes.byref(new))
            self.vars[a[0]] = new.value
        elif op == "copy":
            arr, n = self.attrs(a[2:])
            rv = lib.C_CopyObject(h, ULONG(self.obj(a[1])), arr, ULONG(n),
                                  ctypes.byref(new))
            self.vars[a[0]] = new.value
        elif op == "set":
            arr, n = self.attrs(a[1:])
            rv = lib.C_SetAttributeValue(h, ULONG(self.obj(a[0])), arr,
                                         ULONG(n))
        elif op in ("encrypt", "decrypt"):
            m = self.mech(a[1])
            data = open(a[2], "rb").read()
            p, dn = self.buf(data)
            b, n = self.out_len(len(data) + 64)
            init = lib.C_EncryptInit if op == "encrypt" else lib.C_DecryptInit
            run = lib.C_Encrypt if op == "encrypt" else lib.C_Decrypt
            rv = init(h, ctypes.byref(m), ULONG(self.obj(a[0])))
            if rv == 0:
                rv = run(h, p, ULONG(dn), b, ctypes.byref(n))
            if rv == 0:
                open(a[3], "wb").write(b.raw[:n.value])
        elif op == "destroy":
            rv = lib.C_DestroyObject(h, ULONG(self.obj(a[0])))
        elif op == "logout":
            rv = lib.C_Logout(h)
        elif op == "login":
            pin = open(a[1]).read().strip().encode()
            rv = lib.C_Login(h, 0 if a[0] == "so" else 1, pin,
                             ULONG(len(pin)))
        elif op == "get":
            return self.get(self.obj(a[0]), a[1:])
        else:
            raise SystemExit("p11raw: unknown step " + op)
        print("%s: %s" % (op, CKR.get(rv, "CKR_0x%lx" % rv)))
        return rv

    def get(self, o, names):
        for name in names:
            cap = 256 if name in BYTES else 8
            v = ctypes.create_string_buffer(cap)
            code = BOOLS.get(name, ULONGS.get(name, BYTES.get(name)))
            at = (Attr * 1)(Attr(code, ctypes.cast(v, VOIDP), cap))
            rv = self.lib.C_GetAttributeValue(self.h, ULONG(o), at, ULONG(1))
            if rv != 0:
                print("%s=unavailable" % name)
            elif name in BYTES:
                print("%s=%s" % (name, v.raw[:at[0].ulValueLen].hex()))
            elif name in BOOLS:
                print("%s=%s" % (name, "true" if v.raw[0] else "false"))
            else:
                print("%s=%d" % (name, int.from_bytes(v.raw, "little")))
        return 0


def pem_numbers(path):
    from cryptography.hazmat.primitives import serialization
    k = serialization.load_pem_public_key(open(path, "rb").read())
    nums = k.public_numbers()
    n = nums.n.to_bytes((nums.n.bit_length() + 7) // 8, "big")
    e = nums.e.to_bytes((nums.e.bit_length() + 7) // 8, "big")
    return ["class=public", "key_type=rsa", "modulus=hex:" + n.hex(),
            "public_exponent=hex:" + e.hex()]


def open_session(lib, init_args, token, pin, so):
    if init_args:
        s = ctypes.create_string_buffer(init_args.encode())
        ia = InitArgs(None, None, None, None, 0, ctypes.cast(s, VOIDP))
        rv = lib.C_Initialize(ctypes.byref(ia))
    else:
        rv = lib.C_Initialize(None)
    slots, n = (ULONG * 64)(), ULONG(64)
    lib.C_GetSlotList(1, slots, ctypes.byref(n))
    for i in range(n.value):
        info = TokenInfo()
        lib.C_GetTokenInfo(slots[i], ctypes.byref(info))
        if info.label.decode().rstrip() == token:
            h = ULONG()
            rv = lib.C_OpenSession(slots[i], 0x6, None, None, ctypes.byref(h))
            if rv == 0:
                p = pin.encode()
                rv = lib.C_Login(h, 0 if so else 1, p, ULONG(len(p)))
            if rv != 0:
                raise SystemExit("p11raw: session/login: %s" %
                                 CKR.get(rv, hex(rv)))
            return h
    raise SystemExit("p11raw: no token " + token)


def main(argv):
    opts = {"--init-args": "", "--so": False}
    while argv and argv[0].startswith("--"):
        if argv[0] == "--so":
            opts["--so"] = True
            argv = argv[1:]
        else:
            opts[argv[0]] = argv[1]
            argv = argv[2:]
    if not argv or "--module" not in opts or "--token" not in opts:
        print(__doc__ if __doc__ else "usage: see p11raw.py", file=sys.stderr)
        return 2
    lib = ctypes.CDLL(opts["--module"])
    pin = open(opts["--pin-file"]).read().strip()
    run = Run(lib)
    run.h = open_session(lib, opts["--init-args"], opts["--token"], pin,
                         opts["--so"])
    steps, cur = [], []
    for a in argv + [";"]:
        if a == ";":
            if cur:
                steps.append(cur)
            cur = []
        else:
            cur.append(a)
    status = 0
    for s in steps:
        rv = run.step(s[0], s[1:])
        if rv != 0:
            status = 1
            break
    lib.C_Finalize(None)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
