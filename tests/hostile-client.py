#!/usr/bin/env python3
"""Clients that misbehave on purpose, for tests/t0600-hostile.sh.

raw HOST PORT < REQUEST
    Send the bytes on standard input as they are, while reading the answer
    (a server that stops reading early and closes must not make the answer
    get lost). Prints the status of the answer ("414"), or "ERR REASON" when
    the connection ends without one.

slow HOST PORT WHAT N DELAY WAIT [TOKEN]
    Open N connections that trickle a request one byte every DELAY seconds:
    WHAT "headers" sends a GET /healthz whose headers never end, "body" sends
    the headers of a POST /webhooks?token=TOKEN at once and then its
    1000-byte body a byte at a time. Prints "open" once all are connected,
    then "closed SECONDS SENT" for each connection the server closes (SENT:
    bytes it had sent), or "open SECONDS" for each still open after WAIT.

noread HOST PORT PATH HEADER WAIT
    GET PATH (HEADER a "Name: value" line, or "-") with a small receive
    buffer, read the status line and stop reading for WAIT seconds, then
    drain what is left. Prints "STATUS BYTES END", END being "eof" or
    "reset" when the server closed the connection, "open" when it did not.
"""
import socket
import sys
import threading
import time


def raw(host, port):
    data = sys.stdin.buffer.read()
    s = socket.create_connection((host, port), timeout=20)

    def sender():
        try:
            s.sendall(data)
        except OSError:
            pass  # the server closed early: its answer is what counts

    t = threading.Thread(target=sender, daemon=True)
    t.start()
    got = b""
    try:
        while b"\r\n" not in got:
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    except OSError as e:
        if not got:
            print("ERR %s" % type(e).__name__)
            return
    if not got.startswith(b"HTTP/1."):
        print("ERR no answer")
        return
    print(got.split(b" ", 2)[1].decode())


def slow(host, port, what, n, delay, wait, token=""):
    if what == "headers":
        req = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 10000
        head = b""
    else:
        head = (b"POST /webhooks?token=" + token.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        req = b" " * 1000
    conns = []
    for _ in range(n):
        s = socket.create_connection((host, port), timeout=10)
        if head:
            s.sendall(head)
        s.setblocking(False)
        conns.append({"s": s, "sent": 0})
    t0 = time.monotonic()
    print("open", flush=True)
    while conns and time.monotonic() - t0 < wait:
        for c in list(conns):
            gone = False
            try:
                if c["s"].recv(4096) == b"":
                    gone = True
            except BlockingIOError:
                pass
            except OSError:
                gone = True
            if not gone:
                try:
                    c["s"].send(req[c["sent"] % len(req):][:1])
                    c["sent"] += 1
                except BlockingIOError:
                    pass
                except OSError:
                    gone = True
            if gone:
                print("closed %.1f %d" % (time.monotonic() - t0, c["sent"]), flush=True)
                c["s"].close()
                conns.remove(c)
        time.sleep(delay)
    for c in conns:
        print("open %.1f" % (time.monotonic() - t0), flush=True)
        c["s"].close()


def noread(host, port, path, header, wait):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect((host, port))
    extra = "" if header == "-" else header + "\r\n"
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n%s\r\n" % (path, extra)).encode())
    got = s.recv(64)
    status = got.split(b" ", 2)[1].decode() if got.startswith(b"HTTP/1.") else "-"
    total = len(got)
    time.sleep(wait)
    end = "open"
    s.settimeout(3)
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                end = "eof"
                break
            total += len(chunk)
    except socket.timeout:
        pass
    except OSError:
        end = "reset"
    print("%s %d %s" % (status, total, end))


def main(argv):
    if len(argv) == 3 and argv[0] == "raw":
        raw(argv[1], int(argv[2]))
    elif len(argv) in (7, 8) and argv[0] == "slow":
        slow(argv[1], int(argv[2]), argv[3], int(argv[4]), float(argv[5]), float(argv[6]),
             *argv[7:])
    elif len(argv) == 6 and argv[0] == "noread":
        noread(argv[1], int(argv[2]), argv[3], argv[4], float(argv[5]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
