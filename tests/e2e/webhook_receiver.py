#!/usr/bin/env python3
"""A webhook receiver for tests/e2e/fleet.sh: accepts alert POSTs on loopback and appends one
line per request to OUT: "<idempotency key> <status answered> <signature ok|bad> <kind> <vuln>".
  webhook_receiver.py PORT_FILE OUT SECRET_FILE [--fail N] [--delay SECONDS]
--fail N answers the first N requests 500 (then 429 with Retry-After: 1 once), --delay waits
before answering each (a slow receiver). The port it listens on is written to PORT_FILE."""
import hashlib
import hmac
import http.server
import json
import os
import sys
import threading
import time

port_file, out, secret_file = sys.argv[1:4]
fail = 0
delay = 0.0
args = sys.argv[4:]
while args:
    if args[0] == "--fail":
        fail = int(args[1])
        args = args[2:]
    elif args[0] == "--delay":
        delay = float(args[1])
        args = args[2:]
    else:
        sys.exit("unknown option " + args[0])
lock = threading.Lock()
calls = {"n": 0, "throttled": False}


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(secret_file, "rb") as f:
            secret = f.read().strip()
        want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
        sig = "ok" if hmac.compare_digest(want, self.headers.get("X-Vigil-Signature", "")) else "bad"
        key = self.headers.get("Idempotency-Key", "-")
        try:
            alert = json.loads(body)
            kind, vuln = alert.get("kind", "-"), alert.get("vulnerability", "-")
            if alert.get("idempotency_key") != key:
                sig = "keymismatch"
        except ValueError:
            kind, vuln = "-", "-"
        if delay:
            time.sleep(delay)
        with lock:
            calls["n"] += 1
            status, extra = 200, {}
            if calls["n"] <= fail:
                status = 500
            elif fail and not calls["throttled"]:
                calls["throttled"] = True
                status, extra = 429, {"Retry-After": "1"}
            with open(out, "a") as f:
                f.write(f"{key} {status} {sig} {kind} {vuln}\n")
        try:
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
        except OSError:
            pass  # the server was killed while waiting for the answer: the test's point


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
