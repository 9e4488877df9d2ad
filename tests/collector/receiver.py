#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Test receivers for netlogd's streaming sinks, one protocol per run.

  receiver.py --protocol NAME [--port N] [--out FILE] [--fault SPEC]...
              [--control FILE] [--verbose] [protocol options]

NAME is one of splunk, elastic, datadog, axiom, loki, http, s3; each one's
checks and options live in protocols/NAME.py (receiver.py --protocol NAME
--help lists them). Listens on 127.0.0.1 (port 0 picks one) and prints the
port on stdout.

Every request is checked as the real service checks it and answered as the
real service answers. Request bodies may be sent with Content-Encoding gzip,
zstd (and deflate where the service takes it) or none; an encoding the
service does not take gets 415, a body that does not decode gets 400. A
malformed request gets the service's 4xx and a line on stderr, and counts in
"errors": tests fail on any. Each accepted netlog record (the
netlogtype.Message object inside the protocol's wrapper) is written once to
--out as a JSON line, keyed by what the protocol offers (an _id, an object
key, a stream entry) or else by its content; repeats count in "duplicates".

GET /stats returns the counters as JSON: requests, accepted, errors,
duplicates, faults, status (replies by code), encoding, content_type,
user_agent, paths, and the protocol's own.

Faults, applied to requests in order (--fault, repeatable, or the lines of
--control FILE, which is read and deleted at each request):

  500*2        answer 500 to the next 2 requests (any 3-digit status, with
               the service's error body)
  429*1/3      answer 429 with Retry-After: 3
  400*1        answer 400: a permanent rejection
  slow*1/2.5   store the batch, then stall 2.5 s before answering
  drop*1       read half the body, then close the connection
  500@0.3      answer 500 with probability 0.3, from now on
  item429*1/2  (elastic, axiom) in the next request, fail item 2 (from 0)
               alone: elastic answers 200 with that item's status 429
               es_rejected_execution_exception (item400: a
               document_parsing_exception), axiom with failed: 1. The item
               is not stored.

A count of 0 or no count means 1.
"""
import argparse
import datetime
import gzip
import hashlib
import importlib
import json
import os
import random
import re
import socket
import sys
import threading
import time
import zlib
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Run as a program, this file must still be the "receiver" the protocols
# import, or their Reject would be another class.
sys.modules.setdefault("receiver", sys.modules[__name__])

PROTOCOLS = ("splunk", "elastic", "datadog", "axiom", "loki", "http", "s3")
FAULT = re.compile(r"^(\d{3}|slow|drop|item\d{3})(?:\*(\d+)|@([0-9.]+))?(?:/([0-9.]+))?$")
TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z$")
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
RECORD_KEYS = {"nodeId", "start", "end", "srcNode", "dstNodes", "virtualTraffic",
               "subnetTraffic", "exitTraffic", "physicalTraffic"}
TRAFFIC = ("virtualTraffic", "subnetTraffic", "exitTraffic", "physicalTraffic")
COUNTS = {"proto", "src", "dst", "txPkts", "txBytes", "rxPkts", "rxBytes"}
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class Reject(Exception):
    """A request the service refuses: status, the service's body, and why."""

    def __init__(self, status, body, why, headers=()):
        super().__init__(why)
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode()
        self.why = why
        self.headers = list(headers)


class Fault:
    """One --fault SPEC; PATTERN is the grammar (collector.py's is narrower)."""
    PATTERN = FAULT

    def __init__(self, spec):
        m = self.PATTERN.match(spec.strip())
        if not m:
            raise ValueError(f"bad fault '{spec}'")
        self.kind = m.group(1)
        self.count = int(m.group(2) or 1) or 1
        self.prob = float(m.group(3)) if m.group(3) else None
        self.arg = m.group(4)
        self.status = int(self.kind) if self.kind.isdigit() else None
        self.item = int(self.kind[4:]) if self.kind.startswith("item") else None
        if self.item is not None and self.arg is not None and "." in self.arg:
            raise ValueError(f"bad fault '{spec}': item index must be an integer")

    def __repr__(self):
        return f"{self.kind}*{self.count}/{self.arg}"


def read_control(path):
    """The specs in a --control file, which is deleted: none if no file."""
    if not path or not os.path.exists(path):
        return []
    with open(path) as f:
        lines = f.read().split()
    os.unlink(path)
    return lines


def take_fault(faults):
    """The fault for the next request, from the list `faults`, or None."""
    while faults:
        f = faults[0]
        if f.prob is not None:
            return f if random.random() < f.prob else None
        f.count -= 1
        if f.count <= 0:
            faults.pop(0)
        return f
    return None


def serve(handler, port, **attrs):
    """Serve on 127.0.0.1:`port` (0 picks one), which goes to stdout, until
    interrupted; `attrs` are set on the server for the handler."""
    srv = ThreadingHTTPServer(("127.0.0.1", port), handler)
    srv.daemon_threads = True
    for name, value in attrs.items():
        setattr(srv, name, value)
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


def time_ns(s):
    """RFC 3339 UTC time with 0-9 fraction digits -> (ns since epoch, digits)."""
    m = TIME.match(s) if isinstance(s, str) else None
    if not m:
        raise ValueError(f"bad time {s!r}")
    dt = datetime.datetime(*map(int, m.groups()[:6]), tzinfo=datetime.timezone.utc)
    frac = m.group(7) or ""
    secs = (dt - EPOCH) // datetime.timedelta(seconds=1)
    return secs * 10**9 + int(frac.ljust(9, "0") or 0), len(frac)


def time_matches(ns, digits, rec):
    """Whether a timestamp of `digits` fraction digits is the record's start or
    end, truncated or rounded to that precision."""
    unit = 10 ** (9 - digits)
    for field in ("start", "end"):
        t = time_ns(rec[field])[0]
        if ns in (t // unit * unit, (t + unit // 2) // unit * unit):
            return True
    return False


def epoch_matches(value, rec):
    """A JSON number of epoch seconds (int or Decimal) against start/end."""
    d = Decimal(value)
    digits = max(0, -d.as_tuple().exponent)
    if digits > 9:
        return False
    return time_matches(int(d * 10**9), digits, rec)


def check_record(rec):
    """Why `rec` is not a netlogtype.Message, or None."""
    if not isinstance(rec, dict):
        return f"record is not an object: {str(rec)[:80]!r}"
    extra = set(rec) - RECORD_KEYS
    if extra:
        return f"record has unknown members {sorted(extra)}"
    if not isinstance(rec.get("nodeId"), str):
        return f"record nodeId {rec.get('nodeId')!r} is not a string"
    for f in ("start", "end"):
        try:
            time_ns(rec.get(f))
        except ValueError:
            return f"record {f} {rec.get(f)!r} is not an RFC 3339 UTC time"
    if time_ns(rec["start"])[0] > time_ns(rec["end"])[0]:
        return f"record start {rec['start']} is after end {rec['end']}"
    for f in TRAFFIC:
        v = rec.get(f, [])
        if not isinstance(v, list) or not all(isinstance(c, dict) for c in v):
            return f"record {f} is not an array of objects"
        for c in v:
            if set(c) - COUNTS:
                return f"record {f} entry has unknown members {sorted(set(c) - COUNTS)}"
            for k, x in c.items():
                if k in ("src", "dst"):
                    if not isinstance(x, str):
                        return f"record {f} {k} {x!r} is not a string"
                elif type(x) is not int or x < 0:
                    return f"record {f} {k} {x!r} is not a count"
    return None


def no_duplicates(pairs):
    d = dict(pairs)
    if len(d) != len(pairs):
        raise ValueError(f"duplicate member in {sorted(k for k, _ in pairs)}")
    return d


def loads(text, decimals=False):
    """Strict JSON: duplicate members are an error; numbers with a fraction
    come back as Decimal when asked, so their digits can be checked."""
    return json.loads(text, object_pairs_hook=no_duplicates,
                      parse_float=Decimal if decimals else float)


def decode(raw, enc):
    """Undo Content-Encoding `enc` ('none', 'gzip', 'zstd', 'deflate')."""
    if enc == "none":
        return raw
    if enc == "gzip":
        return gzip.decompress(raw)
    if enc == "deflate":
        return zlib.decompress(raw)
    if enc == "zstd":
        import zstandard
        if not raw.startswith(ZSTD_MAGIC):
            raise ValueError("not a zstd frame")
        # A frame need not say its size (streaming compressors omit it), so
        # read it to its end rather than ask decompress() for one.
        with zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True) as r:
            return r.read()
    raise ValueError(f"unknown encoding {enc!r}")


def record_line(line, fail, where):
    """The record a line of JSON holds, or raise fail(why), why starting
    with `where`."""
    try:
        rec = loads(line)
    except ValueError as e:
        raise fail(f"{where} is not JSON: {e}")
    why = check_record(rec)
    if why:
        raise fail(f"{where}: {why}")
    return rec


def content_key(rec):
    return hashlib.sha256(json.dumps(rec, sort_keys=True).encode()).hexdigest()


class Request:
    """One request as a protocol sees it."""

    def __init__(self, method, path, headers, raw, fault):
        self.method = method
        self.target = path
        url = urlsplit(path)
        self.path = url.path
        self.query_string = url.query
        self.query = parse_qs(url.query, keep_blank_values=True)
        self.headers = headers
        self.raw = raw
        self.body = raw
        self.encoding = "none"
        self.fault = fault


class Reply:
    def __init__(self, status, body=b"", headers=()):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode()
        self.headers = list(headers)


class State:
    def __init__(self, args, proto_mod):
        self.args = args
        self.lock = threading.Lock()
        self.faults = [Fault(f) for f in args.fault]
        for f in self.faults:
            self.check_fault(f, proto_mod)
        self.proto_mod = proto_mod
        self.seen = set()
        self.out = open(args.out, "a") if args.out else None
        self.stats = {
            "protocol": args.protocol, "requests": 0, "accepted": 0, "errors": 0,
            "duplicates": 0, "faults": 0, "status": {}, "encoding": {},
            "content_type": {}, "user_agent": {}, "paths": {},
        }

    @staticmethod
    def check_fault(f, mod):
        if f.item is not None and not getattr(mod, "ITEM_FAULTS", False):
            raise ValueError(f"fault '{f.kind}': {mod.NAME} has no per-item errors")

    def next_fault(self):
        with self.lock:
            for line in read_control(self.args.control):
                try:
                    fault = Fault(line)
                    self.check_fault(fault, self.proto_mod)
                except ValueError as e:
                    sys.stderr.write(f"receiver: {self.args.control}: {e}\n")
                    self.stats["errors"] += 1
                    continue
                self.faults.append(fault)
            return take_fault(self.faults)

    def count(self, name, key=None, n=1):
        with self.lock:
            if key is None:
                self.stats[name] += n
            else:
                d = self.stats[name]
                d[str(key)] = d.get(str(key), 0) + n

    def error(self, why):
        """A fault in what the client sent, even if the service took the rest."""
        self.count("errors")
        sys.stderr.write(f"receiver: {self.args.protocol}: {why}\n")

    def store(self, rec, key=None):
        """Keep `rec` once per key (its content when the protocol has none).
        Returns False for a repeat."""
        key = ("content", content_key(rec)) if key is None else key
        with self.lock:
            if key in self.seen:
                self.stats["duplicates"] += 1
                return False
            self.seen.add(key)
            self.stats["accepted"] += 1
            if self.out:
                self.out.write(json.dumps(rec, separators=(",", ":")) + "\n")
                self.out.flush()
            return True

    def is_seen(self, key):
        with self.lock:
            return key in self.seen


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "receiver"
    sys_version = ""

    def log_message(self, fmt, *args):
        if self.server.state.args.verbose:
            sys.stderr.write("receiver: " + fmt % args + "\n")

    def reply(self, r):
        st = self.server.state
        st.count("status", r.status)
        try:
            self.send_response(r.status)
            for k, v in r.headers:
                self.send_header(k, v)
            if r.status not in (204, 304):
                self.send_header("Content-Length", str(len(r.body)))
            self.end_headers()
            if r.status not in (204, 304) and self.command != "HEAD":
                self.wfile.write(r.body)
        except OSError:
            pass

    def do_GET(self):
        st = self.server.state
        if self.path == "/stats":
            with st.lock:
                stats = dict(st.stats)
                stats.update(self.server.proto.stats())
                body = json.dumps(stats).encode()
            return self.reply(Reply(200, body, [("Content-Type", "application/json")]))
        self.serve()

    do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = lambda self: self.serve()

    def read_chunked(self, limit=None):
        out = b""
        while True:
            line = self.rfile.readline(65537)
            size = int(line.split(b";")[0].strip() or b"x", 16)
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return out
            out += self.rfile.read(size)
            self.rfile.readline(3)
            if limit is not None and len(out) >= limit:
                return out

    def serve(self):
        st = self.server.state
        proto = self.server.proto
        st.count("requests")
        fault = st.next_fault()
        length = self.headers.get("Content-Length")
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        if fault and fault.kind == "drop":
            st.count("faults")
            if chunked:
                self.read_chunked(limit=1)
            else:
                self.rfile.read(int(length or 0) // 2)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            if chunked:
                raw = self.read_chunked()
            elif length is not None and length.isdigit():
                raw = self.rfile.read(int(length))
            elif self.command in ("POST", "PUT"):
                raise Reject(411, proto.error_body(411, "Content-Length is required"),
                             "no Content-Length")
            else:
                raw = b""
        except ValueError:
            self.close_connection = True
            return self.reject(Reject(400, proto.error_body(400, "bad chunked body"),
                                      "bad chunked body"))
        with st.lock:
            for name, value in (("content_type", self.headers.get("Content-Type")),
                                ("user_agent", self.headers.get("User-Agent")),
                                ("paths", urlsplit(self.path).path)):
                d = st.stats[name]
                d[str(value)] = d.get(str(value), 0) + 1
        if fault and fault.status:
            st.count("faults")
            hdrs = [("Retry-After", fault.arg)] if fault.arg else []
            body, ctype = proto.error_body(fault.status, "injected fault"), proto.CONTENT_TYPE
            return self.reply(Reply(fault.status, body, hdrs + [("Content-Type", ctype)]))
        req = Request(self.command, self.path, self.headers, raw, fault)
        try:
            if proto.DECODE:
                self.decode(req, proto)
            r = proto.handle(req)
        except Reject as e:
            return self.reject(e)
        if fault and fault.item is not None:
            st.count("faults")
        if fault and fault.kind == "slow":
            st.count("faults")
            time.sleep(float(fault.arg or 5))
        self.reply(r)

    def decode(self, req, proto):
        enc = (req.headers.get("Content-Encoding") or "none").strip().lower()
        if enc == "identity":
            enc = "none"
        if enc != "none" and (enc not in proto.ENCODINGS or enc not in ("gzip", "zstd", "deflate")):
            status = proto.BAD_ENCODING_STATUS
            raise Reject(status, proto.error_body(status, f"Content-Encoding {enc!r} not supported"),
                         f"unsupported Content-Encoding {enc!r}")
        try:
            req.body = decode(req.raw, enc)
        except Exception as e:  # gzip, zlib and zstandard each raise their own
            raise Reject(400, proto.error_body(400, f"body does not decode as {enc}"),
                         f"body does not decode as {enc}: {e}")
        req.encoding = enc
        self.server.state.count("encoding", enc)

    def reject(self, e):
        st = self.server.state
        st.error(f"{e.status}: {e.why}")
        hdrs = e.headers
        if not any(k.lower() == "content-type" for k, _ in hdrs) and e.body:
            hdrs = hdrs + [("Content-Type", self.server.proto.CONTENT_TYPE)]
        self.reply(Reply(e.status, e.body, hdrs))


def main(argv=None):
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--protocol", choices=PROTOCOLS)
    known, _ = pre.parse_known_args(argv)
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--protocol", choices=PROTOCOLS, required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--out", help="accepted records, one JSON line each")
    p.add_argument("--fault", action="append", default=[])
    p.add_argument("--control", help="file of faults, read and deleted at each request")
    p.add_argument("--encodings", help="comma-separated Content-Encodings taken besides none, "
                   "instead of the service's own")
    p.add_argument("--verbose", action="store_true")
    mod = None
    if known.protocol:
        mod = importlib.import_module(f"protocols.{known.protocol}")
        p.description = mod.__doc__
        mod.add_args(p.add_argument_group(known.protocol))
    args = p.parse_args(argv)
    try:
        state = State(args, mod)
        proto = mod.Protocol(args, state)
        for name, default in (("DECODE", True), ("ENCODINGS", ()), ("BAD_ENCODING_STATUS", 415),
                              ("CONTENT_TYPE", "text/plain")):
            setattr(proto, name, getattr(mod, name, default))
        if args.encodings is not None:
            proto.ENCODINGS = tuple(e for e in args.encodings.split(",") if e)
    except (ValueError, OSError) as e:
        p.error(str(e))
    serve(Handler, args.port, state=state, proto=proto)


if __name__ == "__main__":
    main()
