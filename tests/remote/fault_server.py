#!/usr/bin/env python3
"""A loopback HTTP server that misbehaves on purpose, for tensorio's remote-file tests.

    fault_server.py ROOT

Binds 127.0.0.1 on an ephemeral port, prints the port on its first line of stdout, and serves
the files under ROOT with byte ranges (RFC 9110: 206 + Content-Range, suffix ranges, If-Range,
416) until stdin closes or it has been idle for 10 minutes. Paths are

    /FAULT/TOKEN/FILE

where TOKEN is any name the test picks, so that each test has its own request counter, and FAULT
is one of the behaviours below. "After open" faults leave a token's first request (the client's
open) alone and misbehave from its second request on:

    ok          ranges as they should be
    norange     200 with the whole file to every request (a server that ignores Range)
    gzip        206 with Content-Encoding: gzip
    gone        404
    flaky       after open: 503 with Retry-After: 0 to the next two requests, then ok
    fail500     after open: 500 to every request
    drop        after open: the next answer sends half its body and drops the connection, then ok
    short       after open: the next answer declares more bytes than it sends and closes, then ok
    shortall    after open: every answer does that
    overlong    after open: the next answer sends more bytes than its Content-Range (no
                Content-Length, connection closed), then ok
    overlongall after open: every answer does that
    shift       after open: every 206 starts one byte later than asked (and says so)
    stall       after open: every answer sends its headers and then nothing for 30 s
    etagflip    after open: the file is replaced (other bytes, ETag "v2"); If-Range is honoured
    etagignore  after open: the file is replaced, and If-Range is ignored (206 of the new bytes)
    redirect    302 to the same path under /ok/ on the host "localhost" (another origin)
    redirectexpire  302 to the same path under /expire/ on "localhost"
    expire      the token's third request is answered 403 (an expired presigned URL), the
                others as ok
    whole200    after open: 200 with the whole file (same ETag) to every range request

GET /stats/TOKEN answers {"requests": N, "authorization": [the Authorization header of each
request, or null], "hosts": [the Host header of each]} for the token's requests.
"""
import email.utils
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.abspath(sys.argv[1])
LAST_MODIFIED = email.utils.formatdate(1700000000, usegmt=True)
FLIP = bytes(255 - i for i in range(256))
AFTER_OPEN = {"whole200", "flaky", "fail500", "drop", "short", "shortall", "overlong", "overlongall", "shift",
              "stall", "etagflip", "etagignore"}

lock = threading.Lock()
tokens = {}  # token -> {"requests": n, "authorization": [...], "hosts": [...]}
last_activity = [time.monotonic()]


def parse_range(header, size):
    """(first, last) inclusive for a single 'bytes=' range, None when absent or unusable."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    spec = header[6:].strip()
    first, _, last = spec.partition("-")
    try:
        if first == "":
            n = int(last)
            return (max(size - n, 0), size - 1) if n > 0 and size > 0 else None
        a = int(first)
        b = int(last) if last else size - 1
    except ValueError:
        return None
    if a >= size or b < a:
        return "unsatisfiable"
    return a, min(b, size - 1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_plain(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        last_activity[0] = time.monotonic()
        parts = self.path.split("?", 1)[0].split("/", 3)
        if len(parts) == 3 and parts[1] == "stats":
            with lock:
                body = json.dumps(tokens.get(parts[2], {"requests": 0, "authorization": [],
                                                        "hosts": []})).encode()
            return self.send_plain(200, body, [("Content-Type", "application/json")])
        if len(parts) != 4:
            return self.send_plain(404)
        _, fault, token, name = parts
        with lock:
            state = tokens.setdefault(token, {"requests": 0, "authorization": [], "hosts": []})
            state["requests"] += 1
            state["authorization"].append(self.headers.get("Authorization"))
            state["hosts"].append(self.headers.get("Host"))
            number = state["requests"]
        path = os.path.join(ROOT, name)
        if fault == "gone" or not os.path.isfile(path):
            return self.send_plain(404, b"not found")
        if fault in ("redirect", "redirectexpire"):
            port = self.server.server_address[1]
            target = "ok" if fault == "redirect" else "expire"
            return self.send_plain(302, b"", [("Location", f"http://localhost:{port}/{target}/{token}/{name}")])
        if fault == "expire" and number == 3:
            return self.send_plain(403, b"Request has expired")
        with open(path, "rb") as f:
            data = f.read()
        after_open = fault in AFTER_OPEN and number >= 2
        etag = '"v1"'
        if fault in ("etagflip", "etagignore") and after_open:
            data = data.translate(FLIP)
            etag = '"v2"'
        size = len(data)
        base = [("ETag", etag), ("Last-Modified", LAST_MODIFIED), ("Accept-Ranges", "bytes")]
        if fault == "flaky" and after_open and number <= 3:
            return self.send_plain(503, b"busy", [("Retry-After", "0")])
        if fault == "fail500" and after_open:
            return self.send_plain(500, b"broken")
        rng = parse_range(self.headers.get("Range"), size)
        if_range = self.headers.get("If-Range")
        if if_range is not None and if_range != etag and fault != "etagignore":
            rng = None  # RFC 9110 13.1.5: a validator that does not match gets the whole file
        if fault == "norange" or rng is None or (fault == "whole200" and after_open):
            return self.send_plain(200, data, base)
        if rng == "unsatisfiable":
            return self.send_plain(416, b"", base + [("Content-Range", f"bytes */{size}")])
        first, last = rng
        if fault == "shift" and after_open:
            first = min(first + 1, last)
        body = data[first:last + 1]
        headers = base + [("Content-Range", f"bytes {first}-{last}/{size}")]
        if fault == "gzip":
            headers.append(("Content-Encoding", "gzip"))
        once = number == 2
        if (fault == "drop" and once) or (fault in ("short", "shortall") and
                                          (once or fault == "shortall") and after_open):
            self.send_response(206)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if fault in ("overlong", "overlongall") and after_open and (once or fault == "overlongall"):
            self.send_response(206)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body + b"\0" * 4096)
            self.wfile.flush()
            self.close_connection = True
            return
        if fault == "stall" and after_open:
            self.send_response(206)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.flush()
            time.sleep(30)
            self.close_connection = True
            return
        self.send_response(206)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # clients hanging up on a fault are expected


def main():
    server = Server(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def watch_stdin():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    while time.monotonic() - last_activity[0] < 600:
        time.sleep(1)


if __name__ == "__main__":
    main()
