#!/usr/bin/env python3
"""A local RFC 3161 timestamp authority for the tests: `openssl ts -reply`
behind an HTTP responder on 127.0.0.1 and a free port.

usage: tsa-server.py OPENSSL_TS_CONFIG PORT_FILE

The port is written to PORT_FILE once the socket listens. POST paths:
  /tsa      a real reply from `openssl ts -reply`
  /garbage  200 with bytes that are no timestamp reply
  /error    HTTP 500
  /slow     answers nothing for 60 s (longer than any client should wait)
"""
import http.server
import os
import subprocess
import sys
import tempfile
import time

CONFIG, PORT_FILE = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, status, body, ctype="application/timestamp-reply"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/slow":
            time.sleep(60)
            return self.reply(200, b"")
        if self.path == "/garbage":
            return self.reply(200, b"this is not a timestamp")
        if self.path == "/error":
            return self.reply(500, b"broken", "text/plain")
        if self.path != "/tsa":
            return self.reply(404, b"not here", "text/plain")
        with tempfile.TemporaryDirectory() as d:
            q, r = os.path.join(d, "q.tsq"), os.path.join(d, "r.tsr")
            with open(q, "wb") as f:
                f.write(query)
            p = subprocess.run(["openssl", "ts", "-reply", "-config", CONFIG, "-queryfile", q,
                                "-out", r], capture_output=True)
            if p.returncode != 0:
                sys.stderr.write(p.stderr.decode(errors="replace"))
                return self.reply(500, b"openssl ts failed", "text/plain")
            with open(r, "rb") as f:
                self.reply(200, f.read())

    def log_message(self, fmt, *args):
        sys.stderr.write("tsa: " + (fmt % args) + "\n")


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
