#!/usr/bin/env python3
"""A small webhook client for the load tests (tests/t0410-webhook-load.sh).

post URL TOKEN EVENTS.jsonl [--threads N] [--barrier]
    POST every line of EVENTS to URL (Authorization: Bearer TOKEN) from N
    threads, each on its own keep-alive connection; thread i takes lines i,
    i+N, ... in order. With --barrier every thread connects first and all send
    their first request at once. Prints one line per request as soon as it is
    answered: "LINE STATUS ID REVISION CODE" (ID, REVISION, CODE are "-" when
    the body has none), or "LINE ERR REASON" when the request got no answer; a
    thread stops at its first request without an answer.

burst HOST PORT TOKEN EVENTS.jsonl N
    For each line of EVENTS in turn, post that event N times as nearly at
    once as a client can: N connections each send all of their request but
    its last byte, then the last bytes go out back to back. Prints each
    answer's status, one per line, in the order the connections were opened
    ("-" for none).

stall HOST PORT TOKEN N WAIT
    Open N connections ("stalled") that send the headers of a POST to
    /webhooks?token=TOKEN announcing a 100-byte body and then nothing, one
    that sends the same without the token ("anonymous") and one that sends
    nothing at all ("idle"). Prints "stalled" once all are open, then for each
    connection "WHAT closed SECONDS STATUS" when the server closes it (STATUS
    of the answer it sent first, "-" for none), or "WHAT open" when it is
    still open after WAIT seconds.
"""
import http.client
import json
import socket
import sys
import threading
import time

out_lock = threading.Lock()


def say(line):
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def post(url, token, path, threads, barrier):
    u = http.client.urlsplit(url)
    with open(path, "rb") as f:
        lines = [ln.rstrip(b"\n") for ln in f if ln.strip()]
    threads = max(1, min(threads, len(lines)))
    gate = threading.Barrier(threads) if barrier else None
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

    def worker(t):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=20)
        if gate:
            try:
                conn.connect()
            finally:
                gate.wait()
        for i in range(t, len(lines), threads):
            try:
                conn.request("POST", u.path or "/", body=lines[i], headers=headers)
                r = conn.getresponse()
                body = r.read()
            except Exception as e:  # refused, reset, timed out: no answer
                say("%d ERR %s" % (i + 1, type(e).__name__))
                conn.close()
                return
            try:
                o = json.loads(body)
            except ValueError:
                o = {}
            if not isinstance(o, dict):
                o = {}
            say("%d %d %s %s %s" % (i + 1, r.status, o.get("id", "-"), o.get("revision", "-"),
                                    o.get("verification_code", "-")))
        conn.close()

    ts = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def stall(host, port, token, n, wait):
    socks = []
    head = ("POST /webhooks%s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 100\r\n\r\n")
    for what in ["anonymous"] + ["stalled"] * n + ["idle"]:
        s = socket.create_connection((host, port), timeout=5)
        if what != "idle":
            s.sendall((head % ("?token=" + token if what == "stalled" else "")).encode())
        socks.append((what, s))
    t0 = time.monotonic()
    say("stalled")
    for what, s in socks:
        got = b""
        s.settimeout(max(wait - (time.monotonic() - t0), 0.01))
        try:
            while True:
                b = s.recv(4096)
                if not b:
                    break
                got += b
        except ConnectionResetError:
            pass
        except socket.timeout:
            say("%s open" % what)
            s.close()
            continue
        status = got.split(b" ", 2)[1].decode() if got.startswith(b"HTTP/") else "-"
        say("%s closed %.2f %s" % (what, time.monotonic() - t0, status))
        s.close()


def burst_one(host, port, token, body, n):
    req = ("POST /webhooks HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
           "Content-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
           % (host, token, len(body))).encode() + body
    socks = []
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=20)
        s.sendall(req[:-1])
        socks.append(s)
    time.sleep(0.05)  # every almost-request read by the server
    for s in socks:
        s.sendall(req[-1:])
    for s in socks:
        got = b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                got += d
        except OSError:
            pass
        say(got.split(b" ", 2)[1].decode() if got.startswith(b"HTTP/") else "-")
        s.close()


def burst(host, port, token, path, n):
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                burst_one(host, port, token, line.strip(), n)


def main(a):
    if len(a) >= 4 and a[0] == "post":
        threads = int(a[a.index("--threads") + 1]) if "--threads" in a else 1
        post(a[1], a[2], a[3], threads, "--barrier" in a)
    elif len(a) == 6 and a[0] == "burst":
        burst(a[1], int(a[2]), a[3], a[4], int(a[5]))
    elif len(a) == 6 and a[0] == "stall":
        stall(a[1], int(a[2]), a[3], int(a[4]), float(a[5]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
