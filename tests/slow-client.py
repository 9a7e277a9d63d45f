#!/usr/bin/env python3
"""A webhook delivery that is still arriving when the server reloads.

slow-client.py PORT TOKEN BODY.json SERVER_PID LOG PATTERN COUNT OUT

Sends the headers (with Expect: 100-continue, so that the server's answer
"100 Continue" says it has taken the request in), then half of the body;
sends SIGHUP to the server and waits until LOG holds COUNT lines matching
PATTERN (the reload's own log line), at most 30 s; then sends the rest and
writes the answer's body to OUT. Prints the status code; exit 1 when a step
times out.
"""
import os
import re
import signal
import socket
import sys
import time


def lines_matching(log, pattern):
    try:
        with open(log, encoding="utf-8", errors="replace") as f:
            return sum(1 for line in f if re.search(pattern, line))
    except OSError:
        return 0


def main():
    port, token, body_file, pid, log, pattern, count, out = sys.argv[1:]
    body = open(body_file, "rb").read()
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=30)
    s.sendall(
        b"POST /webhooks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer " + token.encode() + b"\r\n"
        b"Content-Type: application/json\r\nExpect: 100-continue\r\n"
        b"Connection: close\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    )
    got = b""
    while b"\r\n\r\n" not in got:
        chunk = s.recv(4096)
        if not chunk:
            print("closed before 100 Continue")
            return 1
        got += chunk
    if not got.startswith(b"HTTP/1.1 100"):
        print("no 100 Continue: " + got.split(b"\r\n")[0].decode(errors="replace"))
        return 1
    half = len(body) // 2
    s.sendall(body[:half])
    os.kill(int(pid), signal.SIGHUP)
    deadline = time.monotonic() + 30
    while lines_matching(log, pattern) < int(count):
        if time.monotonic() > deadline:
            print("no reload line in the log")
            return 1
        time.sleep(0.05)
    s.sendall(body[half:])
    got = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    head, _, rest = got.partition(b"\r\n\r\n")
    if re.search(rb"(?i)\r\ntransfer-encoding: *chunked", head):
        body, rest = rest, b""
        while body:
            size, _, body = body.partition(b"\r\n")
            n = int(size.split(b";")[0], 16)
            if n == 0:
                break
            rest += body[:n]
            body = body[n + 2:]
    with open(out, "wb") as f:
        f.write(rest)
    print(head.split(b" ")[1].decode() if b" " in head else "0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
