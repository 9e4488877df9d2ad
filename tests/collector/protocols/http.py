# SPDX-License-Identifier: GPL-2.0
"""Generic HTTP NDJSON source (Vector http_server, Fluent Bit http, Cribl).

POST to --path (default any), Content-Type application/x-ndjson, one record
per line, each line ending in a newline, no blank lines. Headers given with
--header NAME:VALUE (repeatable, or --header-file with one a line) must be
present with exactly that value: a missing one gets 401. Answers --status
(200; Fluent Bit answers 201, Vector 200, some 204) with an empty body.
Lines carry no id, so records are kept once by content.
"""
from receiver import Reject, Reply, record_line

NAME = "http"
ENCODINGS = ("gzip", "zstd")
DECODE = True
CONTENT_TYPE = "text/plain; charset=utf-8"


def add_args(p):
    p.add_argument("--path", help="the only path accepted")
    p.add_argument("--header", action="append", default=[], metavar="NAME:VALUE",
                   help="a header every request must carry (repeatable)")
    p.add_argument("--header-file", help="file of NAME: VALUE lines, as netlogd reads them")
    p.add_argument("--status", type=int, default=200, choices=(200, 201, 202, 204))
    p.add_argument("--content-type", default="application/x-ndjson")


class Protocol:
    def __init__(self, args, state):
        self.args = args
        self.state = state
        self.lines = 0
        specs = list(args.header)
        if args.header_file:
            with open(args.header_file) as f:
                specs += [line for line in f.read().splitlines() if line.strip()]
        self.headers = []
        for spec in specs:
            name, sep, value = spec.partition(":")
            if not sep or not name.strip():
                raise ValueError(f"bad header {spec!r}, want NAME:VALUE")
            self.headers.append((name.strip(), value.strip()))

    def error_body(self, status, text):
        return text + "\n"

    def stats(self):
        return {"lines": self.lines}

    def bad(self, status, why):
        return Reject(status, why + "\n", why)

    def handle(self, req):
        if self.args.path and req.path != self.args.path:
            raise self.bad(404, f"bad path {req.path!r}, want {self.args.path!r}")
        if req.method != "POST":
            raise self.bad(405, f"method {req.method}")
        for name, value in self.headers:
            got = req.headers.get(name)
            if got != value:
                raise self.bad(401, f"header {name} is {got!r}, want {value!r}")
        ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != self.args.content_type:
            raise self.bad(415, f"Content-Type {req.headers.get('Content-Type')!r}, "
                           f"want {self.args.content_type}")
        try:
            text = req.body.decode("utf-8")
        except UnicodeDecodeError:
            raise self.bad(400, "body is not UTF-8")
        if not text:
            raise self.bad(400, "empty body")
        if not text.endswith("\n"):
            raise self.bad(400, "last line does not end in a newline")
        records = [record_line(line, lambda why: self.bad(400, why), f"line {n}")
                   for n, line in enumerate(text[:-1].split("\n"), 1)]
        for rec in records:
            self.state.store(rec)
        self.lines += len(records)
        return Reply(self.args.status)
