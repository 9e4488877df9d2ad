# SPDX-License-Identifier: GPL-2.0
"""Datadog logs intake, API v2.

POST /api/v2/logs, DD-API-KEY: <key>, Content-Type application/json, a JSON
array of log entries (or one entry) of at most 1000 entries and 5 MB
uncompressed; more gets 413. An entry is {"message": "<the record as JSON
text>", "ddsource"?, "ddtags"?, "hostname"?, "service"?, "status"?}, all
strings: Datadog parses a JSON message into attributes. An entry over 1 MB
is taken and truncated by Datadog (202); here it counts as an error and is
not stored, since its record is lost. Answers 202 {}; errors as
{"errors":[{"status","title","detail"}]}. Entries carry no id, so records
are kept once by content.
"""
import json

from receiver import Reject, Reply, check_record, loads

NAME = "datadog"
ENCODINGS = ("gzip", "deflate", "zstd")
DECODE = True
CONTENT_TYPE = "application/json"
PATH = "/api/v2/logs"
MAX_BODY = 5 * 1000 * 1000
MAX_ENTRY = 1000 * 1000
MAX_ENTRIES = 1000
ENTRY = {"message", "ddsource", "ddtags", "hostname", "service", "status"}
QUERY = {"ddtags"}
TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          408: "Request Timeout", 413: "Payload Too Large", 415: "Unsupported Media Type",
          429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}


def add_args(p):
    p.add_argument("--api-key", required=True, help="the DD-API-KEY accepted")
    p.add_argument("--service", help="required service")
    p.add_argument("--ddsource", help="required ddsource")


def dd_error(status, detail):
    return json.dumps({"errors": [{"status": str(status), "title": TITLES.get(status, "Error"),
                                   "detail": detail}]})


class Protocol:
    def __init__(self, args, state):
        self.args = args
        self.state = state
        self.entries = 0
        self.max_entries = 0

    def error_body(self, status, text):
        return dd_error(status, text)

    def stats(self):
        return {"entries": self.entries, "max_entries": self.max_entries}

    def bad(self, status, why):
        return Reject(status, dd_error(status, why), why)

    def handle(self, req):
        if req.path != PATH:
            raise self.bad(404, f"bad path {req.path!r}")
        if req.method != "POST":
            raise self.bad(405, f"method {req.method}")
        key = req.headers.get("DD-API-KEY")
        if key is None:
            raise self.bad(401, "no DD-API-KEY")
        if key != self.args.api_key:
            raise self.bad(403, f"DD-API-KEY {key!r} is not valid")
        if set(req.query) - QUERY:
            raise self.bad(400, f"unknown query parameters {sorted(set(req.query) - QUERY)}")
        ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/json":
            raise self.bad(415, f"Content-Type {req.headers.get('Content-Type')!r}, want application/json")
        if len(req.body) > MAX_BODY:
            raise self.bad(413, f"body of {len(req.body)} bytes is over {MAX_BODY}")
        try:
            body = loads(req.body.decode("utf-8"))
        except ValueError as e:
            raise self.bad(400, f"body is not JSON: {e}")
        entries = body if isinstance(body, list) else [body]
        if not entries:
            raise self.bad(400, "empty array")
        if len(entries) > MAX_ENTRIES:
            raise self.bad(413, f"{len(entries)} entries, over {MAX_ENTRIES}")
        records = []
        for i, e in enumerate(entries):
            records.append(self.check(i, e))
        for rec in records:
            if rec is not None:
                self.state.store(rec)
        self.entries += len(entries)
        self.max_entries = max(self.max_entries, len(entries))
        return Reply(202, b"{}", [("Content-Type", CONTENT_TYPE)])

    def check(self, i, e):
        if not isinstance(e, dict):
            raise self.bad(400, f"entry {i} is not an object")
        extra = set(e) - ENTRY
        if extra:
            raise self.bad(400, f"entry {i} has unknown members {sorted(extra)}")
        for k, v in e.items():
            if not isinstance(v, str):
                raise self.bad(400, f"entry {i}: {k} {v!r} is not a string")
        if "message" not in e:
            raise self.bad(400, f"entry {i} has no message")
        for k in ("service", "ddsource"):
            want = getattr(self.args, k)
            if want is not None and e.get(k) != want:
                raise self.bad(400, f"entry {i}: {k} {e.get(k)!r}, want {want!r}")
        size = len(json.dumps(e, separators=(",", ":")).encode())
        if size > MAX_ENTRY:
            self.state.error(f"entry {i} of {size} bytes is over {MAX_ENTRY}: Datadog truncates it")
            return None
        try:
            rec = loads(e["message"])
        except ValueError as err:
            raise self.bad(400, f"entry {i}: message is not JSON: {err}")
        why = check_record(rec)
        if why:
            raise self.bad(400, f"entry {i}: {why}")
        return rec
