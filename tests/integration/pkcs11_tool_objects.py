#!/usr/bin/python3
# Turn `pkcs11-tool --list-objects` text into JSON (label -> attributes) so
# tests can compare an independent tool's view with p11seal's.
import json
import sys

objs, cur = {}, None
for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.startswith(" "):
        cur = None
        if line.startswith("Secret Key Object") or \
           line.startswith("Private Key Object") or \
           line.startswith("Public Key Object"):
            cur = {"header": line, "usage": [], "access": []}
        continue
    if cur is None:
        continue
    key, _, val = line.strip().partition(":")
    val = val.strip()
    if key == "label":
        cur["label"] = val
        objs[val] = cur
    elif key == "ID":
        cur["id"] = val
    elif key == "Usage":
        cur["usage"] = [u.strip() for u in val.split(",") if u.strip()]
    elif key == "Access":
        cur["access"] = [a.strip() for a in val.split(",") if a.strip()]
json.dump(objs, sys.stdout, indent=1)
