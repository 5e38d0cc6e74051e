#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# kp_fake.py - a scripted HTTPS responder for the Key Protect client's
# transport and hostile-response tests (drops, trickles, oversize bodies,
# 429/503 with Retry-After, malformed JSON). It is not a Key Protect
# emulator: tests/kp-server is. Binds 127.0.0.1 only.
#
# usage: kp_fake.py CERT KEY PORT_FILE SCRIPT LOG
# SCRIPT (re-read whenever it changes) is JSON: {"rules": [RULE...]} where
# RULE = {"match": "POST /api/v2/keys", "times": N (-1: always),
#         "status": 201, "headers": {...}, "body": "..." | "body_json": {...},
#         "drop": true (close without answering), "trickle": SECONDS,
#         "big": BYTES, "delay": SECONDS}
# The first rule whose match prefixes "METHOD PATH" and has times left
# answers. Without one: POST */token answers an IAM token, else 404.
# Every request is appended to LOG as one JSON line.
#
# RULE may instead name a "handler" that plays Key Protect's secure import
# with the real service's checks and its own RSA key (Python
# `cryptography`: run this with /usr/bin/python3 for these):
#   import_token_create, import_token_get (RSA-4096 key, 12-byte nonce),
#   keys_list (the keys imported so far), keys_create (envelope and field
#   checks, RSA-OAEP SHA-256/MGF1-SHA-256 payload -> K, AES-GCM nonce under
#   K, or with "hpcs": true OAEP SHA-1 and AES-CBC; KP's error envelopes
#   and reason codes). Each accepted import logs {"imported": {"id",
#   "name", "key": hex K}} to LOG, so a test can compare K with the token.
import base64
import binascii
import hashlib
import http.server
import json
import os
import socket
import ssl
import sys
import threading
import time
import uuid

CERT, KEY, PORT_FILE, SCRIPT, LOG = sys.argv[1:6]
lock = threading.Lock()
state = {"digest": None, "rules": [], "left": []}
KT = "application/vnd.ibm.kms.key+json"
imp = {"priv": None, "nonce": None, "keys": []}


def rules():
    try:
        with open(SCRIPT, "rb") as f:
            data = f.read()
    except OSError:
        data = b'{"rules": []}'
    digest = hashlib.sha256(data).hexdigest()
    if digest != state["digest"]:
        state["digest"] = digest
        state["rules"] = json.loads(data)["rules"]
        state["left"] = [r.get("times", -1) for r in state["rules"]]
    return state["rules"]


def pick(line):
    with lock:
        for i, r in enumerate(rules()):
            if line.startswith(r["match"]) and state["left"][i] != 0:
                if state["left"][i] > 0:
                    state["left"][i] -= 1
                return r
    if line.startswith("POST ") and line.split("?")[0].endswith("/token"):
        return {"status": 200, "body_json": {
            "access_token": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.x",
            "token_type": "Bearer", "expires_in": 3600,
            "expiration": int(time.time()) + 3600}}
    return {"status": 404, "body_json": {
        "metadata": {"collectionType": "application/vnd.ibm.kms.error+json",
                     "collectionTotal": 1},
        "resources": [{"errorMsg": "Not Found: no rule for " + line}]}}


def log_line(entry):
    with lock:
        with open(LOG, "a") as f:
            f.write(json.dumps(entry) + "\n")


def kp_error(status, code, msg, target=None):
    reason = {"code": code, "message": msg, "status": status,
              "moreInfo": "https://cloud.ibm.com/apidocs/key-protect"}
    if target:
        reason["target"] = {"type": "field", "name": target}
    phrase = {400: "Bad Request", 404: "Not Found", 409: "Conflict"}[status]
    return {"status": status, "body_json": {
        "metadata": {"collectionType": "application/vnd.ibm.kms.error+json",
                     "collectionTotal": 1},
        "resources": [{"errorMsg": "%s: Key could not be created: Please "
                       "see `reasons` for more details (%s)" % (phrase, code),
                       "reasons": [reason]}]}}


def token_create(rule, body):
    from cryptography.hazmat.primitives.asymmetric import rsa
    imp["priv"] = rsa.generate_private_key(public_exponent=65537,
                                           key_size=4096)
    imp["nonce"] = os.urandom(12)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 600))
    imp["meta"] = {"creationDate": now, "expirationDate": end,
                   "maxAllowedRetrievals": 1, "remainingRetrievals": 1}
    return {"status": 200, "body_json": imp["meta"]}


def token_get(rule, body):
    from cryptography.hazmat.primitives import serialization
    if imp["priv"] is None:
        return kp_error(404, "IMPORT_TOKEN_NOT_FOUND_ERR", "no import token")
    pem = imp["priv"].public_key().public_bytes(
        serialization.Encoding.PEM,
        serialization.PublicFormat.SubjectPublicKeyInfo)
    out = dict(imp["meta"], remainingRetrievals=0,
               payload=base64.b64encode(pem).decode(),
               nonce=base64.b64encode(imp["nonce"]).decode())
    return {"status": 200, "body_json": out}


def keys_list(rule, body):
    return {"status": 200, "body_json": {
        "metadata": {"collectionType": KT,
                     "collectionTotal": len(imp["keys"])},
        "resources": imp["keys"]}}


def b64field(res, name):
    try:
        return base64.b64decode(res[name], validate=True)
    except (KeyError, TypeError, ValueError, binascii.Error):
        return None


def import_checks(rule, res):
    """The real service's checks on a secure import; K or an error."""
    from cryptography.hazmat.primitives import hashes, padding
    from cryptography.hazmat.primitives.asymmetric import padding as apad
    from cryptography.hazmat.primitives.ciphers import (Cipher, algorithms,
                                                        modes)
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    hpcs = rule.get("hpcs", False)
    want = "RSAES_OAEP_SHA_1" if hpcs else "RSAES_OAEP_SHA_256"
    if res.get("encryptionAlgorithm") != want:
        return None, kp_error(400, "INVALID_FIELD_ERR", "must be " + want,
                              "encryptionAlgorithm")
    if imp["priv"] is None:
        return None, kp_error(409, "IMPORT_TOKEN_EXPIRED_ERR",
                              "The import token has expired.")
    payload, enc, iv = (b64field(res, n) for n in
                        ("payload", "encryptedNonce", "iv"))
    if payload is None or enc is None or iv is None:
        return None, kp_error(400, "INVALID_FIELD_ERR", "bad base64",
                              "payload")
    h = hashes.SHA1() if hpcs else hashes.SHA256()
    try:
        k = imp["priv"].decrypt(payload, apad.OAEP(
            mgf=apad.MGF1(algorithm=h), algorithm=h, label=None))
    except ValueError:
        return None, kp_error(400, "INVALID_FIELD_ERR",
                              "payload does not decrypt", "payload")
    if len(k) not in (16, 24, 32):
        return None, kp_error(400, "INVALID_FIELD_ERR", "key length",
                              "payload")
    try:
        if hpcs:
            if len(iv) != 16:
                raise ValueError
            d = Cipher(algorithms.AES(k), modes.CBC(iv)).decryptor()
            u = padding.PKCS7(128).unpadder()
            nonce = u.update(d.update(enc) + d.finalize()) + u.finalize()
        else:
            if len(iv) != 12:
                raise ValueError
            nonce = AESGCM(k).decrypt(iv, enc, None)
    except Exception:
        return None, kp_error(400, "INCORRECT_NONCE_IV_ERR",
                              "nonce not encrypted with this key and IV")
    if nonce != imp["nonce"]:
        return None, kp_error(400, "INCORRECT_NONCE_ERR",
                              "nonce is not the import token's")
    return k, None


def keys_create(rule, body):
    try:
        env = json.loads(body)
        meta, res = env["metadata"], env["resources"]
        if meta["collectionType"] != KT or meta["collectionTotal"] != 1 \
                or len(res) != 1:
            raise ValueError
        res = res[0]
        if res["type"] != KT or not 2 <= len(res["name"]) <= 90 \
                or res.get("extractable", True) is not False:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        return kp_error(400, "BAD_BODY_ERR", "not one root key")
    k, err = import_checks(rule, res)
    if err:
        return err
    kid = str(uuid.uuid4())
    key = {"type": KT, "id": kid, "name": res["name"], "state": 1,
           "extractable": False, "imported": True,
           "aliases": res.get("aliases", []),
           "crn": "crn:v1:bluemix:public:kms:us-south:a/acct:%s:key:%s"
                  % (rule.get("instance", "fake"), kid),
           "keyVersion": {"id": kid}}
    imp["keys"].append(key)
    log_line({"imported": {"id": kid, "name": res["name"], "key": k.hex()}})
    return {"status": 201, "body_json": {
        "metadata": {"collectionType": KT, "collectionTotal": 1},
        "resources": [key]}}


HANDLERS = {"import_token_create": token_create,
            "import_token_get": token_get, "keys_list": keys_list,
            "keys_create": keys_create}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace") if n else ""
        line = "%s %s" % (self.command, self.path)
        entry = {"line": line, "body": body,
                 "auth": self.headers.get("Authorization", ""),
                 "instance": self.headers.get("Bluemix-Instance", ""),
                 "correlation": self.headers.get("Correlation-Id", ""),
                 "ctype": self.headers.get("Content-Type", ""),
                 "accept": self.headers.get("Accept", ""),
                 "encoding": self.headers.get("Accept-Encoding", ""),
                 "prefer": self.headers.get("Prefer", ""),
                 "peer": self.client_address[1]}
        log_line(entry)
        r = pick(line)
        if r.get("handler"):
            r = HANDLERS[r["handler"]](r, body)
        self.reply(r)

    def reply(self, r):
        time.sleep(r.get("delay", 0))
        if r.get("drop"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if "body_json" in r:
            data = json.dumps(r["body_json"]).encode()
        else:
            data = r.get("body", "").encode("utf-8", "surrogateescape")
        if r.get("big"):
            data = b"{" + b" " * (r["big"] - 2) + b"}"
        self.send_response(r.get("status", 200))
        for k, v in r.get("headers", {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if r.get("trickle"):
            for b in data:
                self.wfile.write(bytes([b]))
                self.wfile.flush()
                time.sleep(r["trickle"])
            return
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = handle_any


def main():
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(CERT, KEY)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.daemon_threads = True
    tmp = PORT_FILE + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, PORT_FILE)
    srv.serve_forever()


main()
