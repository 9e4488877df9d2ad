#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A logtail collector for tests: checks every request netlogd makes.

  collector.py [--port N] [--out FILE] [--bodies DIR] [--fault SPEC]...
               [--control FILE] [--collection NAME] [--copy-id HEX]

Listens on 127.0.0.1 (port 0 picks one) and prints the port on stdout.

POST /c/<collection>/<64 hex>[?copyId=<64 hex>] is checked strictly: the
path, Content-Length, Content-Encoding (zstd, gzip or none; with zstd or
gzip, Orig-Content-Length must equal the decompressed length, and a zstd
body must be one frame with its content size and a checksum, as Tailscale's
client sends it), no Accept-Encoding,
a JSON array of objects whose first member is "logtail" with client_time
(RFC 3339, UTC), proc_id (1..2^32-1) and proc_seq (>= 1), and at most
262144 bytes unless it holds one entry. The one entry without a logtail
member is logtail's own marker of entries lost, exactly
{"text":"----------- N logs dropped ----------"} (N >= 1), as Tailscale's
client uploads it: it is counted ("markers": each N, in order) and written to
--out where it came. A bad request gets 400 and a line on stderr, and counts
in "errors": tests fail on any. Good entries are stored once per (proc_id,
proc_seq) as JSON lines in --out; repeats count in "duplicates".

GET /stats returns the counters as JSON.

Faults, applied to POSTs in order (--fault, repeatable, or the lines of
--control FILE, which is read and deleted at each request):

  500*2        respond 500 to the next 2 requests (any 3-digit status)
  429*1/3      respond 429 with Retry-After: 3
  slow*1/2.5   store the batch, then stall 2.5 s before answering 200
  drop*1       read half the body, then close the connection
  500@0.3      respond 500 with probability 0.3, from now on

A count of 0 or no count means 1.
"""
import argparse
import gzip
import json
import os
import re
import socket
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import receiver

try:
    import zstandard  # Debian's python3-zstandard
except ImportError:
    zstandard = None

BATCH_MAX = 262144
HEX64 = re.compile(r"^[0-9a-f]{64}$")
PATH = re.compile(r"^/c/([A-Za-z0-9._-]+)/([0-9a-f]{64})$")
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")
MARKER = re.compile(r"^----------- ([1-9][0-9]*) logs dropped ----------$")
FAULT = re.compile(r"^(\d{3}|slow|drop)(?:\*(\d+)|@([0-9.]+))?(?:/([0-9.]+))?$")


class Fault(receiver.Fault):
    PATTERN = FAULT


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.faults = [Fault(f) for f in args.fault]
        self.seen = set()
        self.out = open(args.out, "a") if args.out else None
        self.stats = {
            "requests": 0, "ok": 0, "errors": 0, "entries": 0,
            "duplicates": 0, "gzip": 0, "zstd": 0, "identity": 0, "max_body": 0,
            "faults": 0, "paths": [], "last_seq": {},
            "user_agent": [], "content_type": [], "content_encoding": [],
            "orig_length": [], "markers": [],
        }

    def next_fault(self):
        with self.lock:
            self.faults += [Fault(l) for l in receiver.read_control(self.args.control)]
            return receiver.take_fault(self.faults)

    def store(self, entries):
        with self.lock:
            for e in entries:
                if "logtail" not in e:
                    self.stats["markers"].append(int(MARKER.match(e["text"]).group(1)))
                    if self.out:
                        self.out.write(json.dumps(e, separators=(",", ":")) + "\n")
                    continue
                lt = e["logtail"]
                key = (lt["proc_id"], lt["proc_seq"])
                if key in self.seen:
                    self.stats["duplicates"] += 1
                    continue
                self.seen.add(key)
                self.stats["entries"] += 1
                self.stats["last_seq"][str(lt["proc_id"])] = lt["proc_seq"]
                if self.out:
                    self.out.write(json.dumps(e, separators=(",", ":")) + "\n")
            if self.out:
                self.out.flush()


class BadRequest(Exception):
    pass


def no_duplicates(pairs):
    d = dict(pairs)
    if len(d) != len(pairs):
        raise BadRequest(f"duplicate member in {sorted(k for k, _ in pairs)}")
    return d


def zstd_decompress(raw):
    """One frame, its size and checksum in it, nothing after it."""
    if zstandard is None:
        raise BadRequest("zstd body, but python3-zstandard is not installed")
    try:
        fp = zstandard.get_frame_parameters(raw)
        d = zstandard.ZstdDecompressor().decompressobj()
        body = d.decompress(raw)
    except zstandard.ZstdError as e:
        raise BadRequest(f"bad zstd: {e}")
    if fp.content_size == zstandard.CONTENTSIZE_UNKNOWN:
        raise BadRequest("zstd frame without its content size")
    if not fp.has_checksum:
        raise BadRequest("zstd frame without a checksum")
    if not d.eof or d.unused_data:
        raise BadRequest(f"zstd body is not exactly one frame "
                         f"({'truncated' if not d.eof else f'{len(d.unused_data)} bytes after it'})")
    if fp.content_size != len(body):
        raise BadRequest(f"zstd frame content size {fp.content_size}, body is {len(body)}")
    return body


def is_marker(e):
    """logtail's "N logs dropped" entry: a text member alone, no logtail."""
    return (isinstance(e, dict) and list(e) == ["text"] and isinstance(e["text"], str)
            and MARKER.match(e["text"]) is not None)


def check_entries(body, raw_len):
    try:
        entries = json.loads(body, object_pairs_hook=no_duplicates)
    except ValueError as e:
        raise BadRequest(f"body is not JSON: {e}")
    if not isinstance(entries, list) or not entries:
        raise BadRequest("body is not a non-empty JSON array")
    if len(entries) > 1 and raw_len > BATCH_MAX:
        raise BadRequest(f"body of {len(entries)} entries is {raw_len} bytes, over {BATCH_MAX}")
    for i, e in enumerate(entries):
        if is_marker(e):
            continue
        if not isinstance(e, dict) or next(iter(e), None) != "logtail":
            raise BadRequest(f"entry {i} does not start with a logtail member")
        lt = e["logtail"]
        if not isinstance(lt, dict):
            raise BadRequest(f"entry {i}: logtail is not an object")
        if not isinstance(lt.get("client_time"), str) or not TIME.match(lt["client_time"]):
            raise BadRequest(f"entry {i}: bad client_time {lt.get('client_time')!r}")
        pid, seq = lt.get("proc_id"), lt.get("proc_seq")
        if type(pid) is not int or not 0 < pid < 2**32:
            raise BadRequest(f"entry {i}: bad proc_id {pid!r}")
        if type(seq) is not int or seq < 1:
            raise BadRequest(f"entry {i}: bad proc_seq {seq!r}")
    return entries


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "collector"
    sys_version = ""

    def log_message(self, fmt, *args):
        if self.server.state.args.verbose:
            sys.stderr.write("collector: " + fmt % args + "\n")

    def reply(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        st = self.server.state
        if self.path != "/stats":
            return self.reply(404)
        with st.lock:
            body = json.dumps(st.stats).encode()
        self.reply(200, body, [("Content-Type", "application/json")])

    def do_POST(self):
        st = self.server.state
        with st.lock:
            st.stats["requests"] += 1
            n = st.stats["requests"]
        fault = st.next_fault()
        length = int(self.headers.get("Content-Length") or -1)
        if fault and fault.kind == "drop":
            with st.lock:
                st.stats["faults"] += 1
            self.rfile.read(max(length, 0) // 2)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if length < 0:
            return self.bad("no Content-Length")
        raw = self.rfile.read(length)
        if fault and fault.kind not in ("slow", "drop"):
            with st.lock:
                st.stats["faults"] += 1
            hdrs = [("Retry-After", fault.arg)] if fault.arg else []
            return self.reply(int(fault.kind), b"injected fault\n", hdrs)
        try:
            entries, body = self.check(raw)
        except BadRequest as e:
            return self.bad(str(e))
        if st.args.bodies:
            with open(os.path.join(st.args.bodies, f"req-{n}.json"), "wb") as f:
                f.write(body)
        st.store(entries)
        if fault and fault.kind == "slow":
            with st.lock:
                st.stats["faults"] += 1
            time.sleep(float(fault.arg or 5))
        with st.lock:
            st.stats["ok"] += 1
        try:
            self.reply(200)
        except OSError:
            pass

    def check(self, raw):
        st = self.server.state
        url = urlsplit(self.path)
        m = PATH.match(url.path)
        if not m:
            raise BadRequest(f"bad path {url.path!r}")
        if st.args.collection and m.group(1) != st.args.collection:
            raise BadRequest(f"collection {m.group(1)!r}, want {st.args.collection!r}")
        q = parse_qs(url.query, keep_blank_values=True)
        if set(q) - {"copyId"} or len(q.get("copyId", [])) > 1:
            raise BadRequest(f"bad query {url.query!r}")
        copy = q.get("copyId", [None])[0]
        if copy is not None and not HEX64.match(copy):
            raise BadRequest(f"bad copyId {copy!r}")
        if st.args.copy_id is not None and (copy or "") != st.args.copy_id:
            raise BadRequest(f"copyId {copy!r}, want {st.args.copy_id!r}")
        if "Accept-Encoding" in self.headers:
            raise BadRequest("unexpected Accept-Encoding")
        enc = self.headers.get("Content-Encoding")
        orig = self.headers.get("Orig-Content-Length")
        if enc in ("gzip", "zstd"):
            if enc == "zstd":
                body = zstd_decompress(raw)
            else:
                try:
                    body = gzip.decompress(raw)
                except (OSError, EOFError, zlib.error) as e:
                    raise BadRequest(f"bad gzip: {e}")
            if orig is None or not orig.isdigit() or int(orig) != len(body):
                raise BadRequest(f"Orig-Content-Length {orig!r}, body is {len(body)}")
            kind = enc
        elif enc is None:
            body, kind = raw, "identity"
        else:
            raise BadRequest(f"unsupported Content-Encoding {enc!r}")
        entries = check_entries(body, len(body))
        with st.lock:
            st.stats[kind] += 1
            st.stats["max_body"] = max(st.stats["max_body"], len(body))
            st.stats["paths"].append(self.path)
            st.stats["user_agent"].append(self.headers.get("User-Agent"))
            st.stats["content_type"].append(self.headers.get("Content-Type"))
            st.stats["content_encoding"].append(enc)
            st.stats["orig_length"].append(orig)
        return entries, body

    def bad(self, why):
        st = self.server.state
        with st.lock:
            st.stats["errors"] += 1
        sys.stderr.write(f"collector: 400: {why}\n")
        self.reply(400, (why + "\n").encode())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--out")
    p.add_argument("--bodies", help="keep each accepted body, decompressed, as DIR/req-N.json")
    p.add_argument("--fault", action="append", default=[])
    p.add_argument("--control")
    p.add_argument("--collection")
    p.add_argument("--copy-id", help="required copyId; '' requires none")
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()
    try:
        state = State(args)
    except ValueError as e:
        p.error(str(e))
    receiver.serve(Handler, args.port, state=state)


if __name__ == "__main__":
    main()
