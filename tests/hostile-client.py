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

exchange HOST PORT WAIT < REQUEST
    Send the bytes on standard input and read for up to WAIT seconds.
    Prints one line "STATUS... END SECONDS": the status of every answer
    seen, END "closed" when the server closed the connection within WAIT
    ("open" otherwise) and when; then the answers as received.

flood HOST PORT N CONNS PATH [HEADER]
    POST "{}" to PATH N times in all from CONNS clients at once, each over
    keep-alive connections (HEADER a "Name: value" line), as fast as the
    answers come. Prints "N x STATUS" for each status seen and
    "connections C".

noread HOST PORT PATH HEADER WAIT
    GET PATH (HEADER a "Name: value" line, or "-") with a small receive
    buffer, read the status line and stop reading for WAIT seconds, then
    drain what is left. Prints "STATUS BYTES END", END being "eof" or
    "reset" when the server closed the connection, "open" when it did not.
"""
import re
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


def exchange(host, port, wait):
    data = sys.stdin.buffer.read()
    s = socket.create_connection((host, port), timeout=10)
    t0 = time.monotonic()
    s.sendall(data)
    s.settimeout(0.1)
    got, end, when = b"", "open", wait
    while time.monotonic() - t0 < wait:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            chunk = b""
        if not chunk:
            end, when = "closed", time.monotonic() - t0
            break
        got += chunk
    statuses = re.findall(rb"HTTP/1\.[01] (\d{3}) ", got)
    print(" ".join(x.decode() for x in statuses) or "-", end, "%.1f" % when)
    sys.stdout.write(got.decode("utf-8", "replace") + "\n")


def flood(host, port, n, nconns, path, header=None):
    extra = (header + "\r\n") if header else ""
    req = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s"
           "Content-Length: 2\r\n\r\n{}" % (path, extra)).encode()
    counts, conns, lock = {}, [0], threading.Lock()
    share = [n // nconns + (1 if i < n % nconns else 0) for i in range(nconns)]
    threads = [threading.Thread(target=flood_one, args=(host, port, k, req, counts, conns, lock))
               for k in share]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for st in sorted(counts):
        print("%d x %s" % (counts[st], st))
    print("connections %d" % conns[0])


def flood_one(host, port, n, req, counts, conns, lock):
    s, buf = None, b""
    for _ in range(n):
        for _attempt in range(3):
            try:
                if s is None:
                    s = socket.create_connection((host, port), timeout=10)
                    with lock:
                        conns[0] += 1
                    buf = b""
                s.sendall(req)
                while True:  # one answer: headers, then Content-Length bytes
                    m = re.search(rb"\r\n\r\n", buf)
                    if m:
                        head = buf[:m.end()]
                        cl = re.search(rb"(?i)content-length: *(\d+)", head)
                        total = m.end() + (int(cl.group(1)) if cl else 0)
                        if len(buf) >= total:
                            break
                    chunk = s.recv(65536)
                    if not chunk:
                        raise OSError("closed")
                    buf += chunk
                st = head.split(b" ", 2)[1].decode()
                with lock:
                    counts[st] = counts.get(st, 0) + 1
                buf = buf[total:]
                if re.search(rb"(?i)connection: *close", head):
                    s.close()
                    s = None
                break
            except OSError:
                if s is not None:
                    s.close()
                s = None


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
    elif len(argv) == 4 and argv[0] == "exchange":
        exchange(argv[1], int(argv[2]), float(argv[3]))
    elif len(argv) in (6, 7) and argv[0] == "flood":
        flood(argv[1], int(argv[2]), int(argv[3]), int(argv[4]), argv[5], *argv[6:])
    elif len(argv) == 6 and argv[0] == "noread":
        noread(argv[1], int(argv[2]), argv[3], argv[4], float(argv[5]))
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
