"""HTTP hardening (docs/SECURITY.md SEC-40..SEC-43): oversize bodies (413)
and header blocks (431), slow clients cut off by the header and body
deadline however they trickle, the connection limit, and 500 slowloris
connections that neither starve normal clients nor bring the server down.
Each case fails if its defence is removed: without the watchdog a trickling
client keeps its connection, and without the caps the oversize requests are
answered like any other."""

import json
import os
import resource
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (HOST, case, eq, expect, http_call, main, ok, stack,  # noqa: E402
                     unique_phone, wait_until)

SLOWLORIS_CONNECTIONS = 500
NORMAL_REQUESTS = 40


def raise_fd_limit(want):
    """Raises this process's open-file limit (inherited by the server it starts)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        new = want if hard == resource.RLIM_INFINITY else min(want, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def raw_request(port, data, timeout=10):
    """Sends raw bytes and returns the status line's code (0 if the server closed)."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(data)
        buf = b""
        deadline = time.monotonic() + timeout
        while b"\r\n" not in buf and time.monotonic() < deadline:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
    line = buf.split(b"\r\n", 1)[0].split()
    return int(line[1]) if len(line) >= 2 and line[1].isdigit() else 0


def is_closed(s):
    """True once the server has closed (or reset) the connection; never blocks."""
    s.setblocking(False)
    try:
        return s.recv(4096) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def slow_connections(port, count, partial=b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "):
    socks = []
    for _ in range(count):
        s = socket.create_connection((HOST, port), timeout=5)
        s.sendall(partial)
        socks.append(s)
    return socks


def trickle(socks, byte=b"a"):
    for s in socks:
        try:
            s.send(byte)
        except OSError:
            pass


@case
def oversize_bodies_and_headers_are_refused():
    gw, og = stack()
    t = og.setup_tenant()
    big = json.dumps({"phone": unique_phone(), "pad": "x" * (64 * 1024)})
    st, _, body = og.call("POST", "/v1/otp/send", big, t.key)
    eq((st, body["error"]["code"]), (413, "payload_too_large"), "a body over 64 KiB")
    just = json.dumps({"phone": unique_phone()}) + " " * (64 * 1024 - 60)
    ok(len(just) <= 64 * 1024, "the body under the cap")
    expect(og.call("POST", "/v1/otp/send", just, t.key), 202, msg="a body just under 64 KiB")
    # A header block past the connection's memory is refused before any handler.
    for size in (40 * 1024, 200 * 1024):
        req = ("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n" % ("a" * size)).encode()
        code = raw_request(og.port, req)
        ok(code in (400, 431), "a %d KiB header answered %d, not refused" % (size // 1024, code))
    many = "".join("X-H%d: %s\r\n" % (i, "v" * 100) for i in range(600))
    code = raw_request(og.port, ("GET /healthz HTTP/1.1\r\nHost: x\r\n%s\r\n" % many).encode())
    ok(code in (400, 431), "600 headers answered %d" % code)
    # Ordinary headers still pass, and the server is fine.
    ok(raw_request(og.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Ok: " + b"a" * 4096 +
                   b"\r\n\r\n") == 200, "a 4 KiB header")
    expect(og.call("GET", "/healthz"), 200)


@case
def trickling_clients_are_cut_off_at_the_deadline():
    gw, og = stack(extra=["--http-timeout-sec", "2"])
    # Headers trickled a byte at a time: each byte would reset an idle timer.
    heads = slow_connections(og.port, 5)
    # A body trickled after complete headers.
    bodies = slow_connections(og.port, 5, b"POST /v1/otp/send HTTP/1.1\r\nHost: x\r\n"
                              b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
    socks = heads + bodies
    start = time.monotonic()
    closed_after = None
    for _ in range(100):  # 100 x 0.3 s: far past the 2 s deadline
        trickle(socks)
        time.sleep(0.3)
        if all(is_closed(s) for s in socks):
            closed_after = time.monotonic() - start
            break
    for s in socks:
        s.close()
    ok(closed_after is not None, "trickling clients were never cut off")
    text = og.call("GET", "/metrics")[2]
    cut = [ln for ln in text.splitlines() if ln.startswith("otpgate_http_slow_clients_cut_total")]
    ok(cut and float(cut[0].split()[-1]) >= len(socks), "the cut is counted: %r" % cut)
    # A prompt request on a kept-alive connection is unaffected.
    import http.client
    c = http.client.HTTPConnection(HOST, og.port, timeout=10)
    for _ in range(3):
        c.request("GET", "/healthz")
        r = c.getresponse()
        r.read()
        eq(r.status, 200, "keep-alive request")
        time.sleep(0.5)
    c.close()


@case(timeout=180)
def slowloris_does_not_starve_normal_clients():
    limit = raise_fd_limit(4096)
    ok(limit >= 2 * SLOWLORIS_CONNECTIONS + 200, "open-file limit %d is too low" % limit)
    gw, og = stack(extra=["--http-timeout-sec", "3"])
    t = og.setup_tenant()
    socks = slow_connections(og.port, SLOWLORIS_CONNECTIONS)
    try:
        # While all 500 trickle, normal clients get prompt answers.
        answered = 0
        for i in range(NORMAL_REQUESTS):
            trickle(socks[i::NORMAL_REQUESTS])
            st, _, _ = http_call(og.port, "GET", "/healthz", timeout=10)
            answered += st == 200
            if i % 4 == 0:
                st, _, _ = http_call(og.port, "POST", "/v1/otp/send",
                                     {"phone": unique_phone()}, key=t.key, timeout=10)
                answered += st == 202
        eq(answered, NORMAL_REQUESTS + NORMAL_REQUESTS // 4, "normal requests answered")
        # The attackers keep trickling and are cut off anyway.

        def all_cut():
            trickle(socks)
            return sum(1 for s in socks if is_closed(s)) == len(socks)
        wait_until(all_cut, 60, interval=0.5, what="the slowloris connections to be cut")
    finally:
        for s in socks:
            s.close()
    ok(og.proc.alive(), "the server is still running")
    expect(og.call("GET", "/healthz"), 200, msg="after the attack")
    expect(og.call("POST", "/v1/otp/send", {"phone": unique_phone()}, t.key), 202,
           msg="a send after the attack")


def socket_fds(pid):
    """How many sockets the process holds open (Linux /proc)."""
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:")
        except OSError:
            pass
    return n


@case(timeout=120)
def the_connection_limit_holds_and_frees():
    raise_fd_limit(1024)
    limit, attackers = 50, 120
    gw, og = stack(extra=["--http-max-connections", str(limit), "--http-timeout-sec", "2",
                          "--workers", "4"])
    baseline = socket_fds(og.proc.pid)
    socks = slow_connections(og.port, attackers)
    try:
        # The server takes at most `limit` of them; the rest wait unaccepted.
        held = wait_until(lambda: (lambda n: n if n >= baseline + limit // 2 else None)(
            socket_fds(og.proc.pid)), 10, what="the server to accept connections")
        peak = held
        for _ in range(10):
            trickle(socks)
            peak = max(peak, socket_fds(og.proc.pid))
            time.sleep(0.1)
        ok(peak <= baseline + limit + 2,
           "the server held %d sockets over its baseline %d with a limit of %d" %
           (peak - baseline, baseline, limit))

        # As the deadline frees slots, every waiting connection is taken and cut
        # in turn, and normal clients get in again.
        def all_cut():
            trickle(socks)
            return all(is_closed(s) for s in socks)
        wait_until(all_cut, 60, interval=0.5, what="every slow connection to be cut")
        expect(og.call("GET", "/healthz"), 200, msg="a normal client after the flood")
    finally:
        for s in socks:
            s.close()
    ok(og.proc.alive(), "the server is still running")
    ok(og.stderr().count('"http.mhd"') <= 200, "MHD's per-connection lines are rate limited")


if __name__ == "__main__":
    main()
