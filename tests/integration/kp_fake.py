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
import hashlib
import http.server
import json
import os
import socket
import ssl
import sys
import threading
import time

CERT, KEY, PORT_FILE, SCRIPT, LOG = sys.argv[1:6]
lock = threading.Lock()
state = {"digest": None, "rules": [], "left": []}


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
        with lock:
            with open(LOG, "a") as f:
                f.write(json.dumps(entry) + "\n")
        self.reply(pick(line))

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
