# SPDX-License-Identifier: GPL-2.0
"""Axiom ingest API.

POST /v1/datasets/{dataset}/ingest, Authorization: Bearer <token>,
Content-Type application/x-ndjson (one event a line) or application/json (an
array of events); query parameters timestamp-field and timestamp-format
only. An event is the record, plus "_time" (the record's start or end as
RFC 3339) unless ?timestamp-field names start or end; it is stored without
"_time". Answers 200 {"ingested","failed","failures":[{"timestamp","error"}],
"processedBytes","blocksCreated","walLength"}: with item faults some events
fail alone and the sink must treat them as not delivered. Events carry no
id, so records are kept once by content.
"""
import datetime
import json

from receiver import Reject, Reply, check_record, loads, time_matches, time_ns

NAME = "axiom"
ENCODINGS = ("gzip", "zstd")
DECODE = True
ITEM_FAULTS = True
CONTENT_TYPE = "application/json"
QUERY = {"timestamp-field", "timestamp-format"}


def add_args(p):
    p.add_argument("--dataset", required=True)
    p.add_argument("--token", required=True, help="the API token accepted as Bearer")


class Protocol:
    def __init__(self, args, state):
        self.args = args
        self.state = state
        self.ingested = 0
        self.failed = 0

    def error_body(self, status, text):
        return json.dumps({"code": status, "message": text})

    def stats(self):
        return {"ingested": self.ingested, "failed": self.failed}

    def bad(self, status, why):
        return Reject(status, self.error_body(status, why), why)

    def handle(self, req):
        want = f"/v1/datasets/{self.args.dataset}/ingest"
        if req.path != want:
            if req.path.startswith("/v1/datasets/") and req.path.endswith("/ingest"):
                raise self.bad(404, f"dataset in {req.path!r} not found, want {want!r}")
            raise self.bad(404, f"bad path {req.path!r}")
        if req.method != "POST":
            raise self.bad(405, f"method {req.method}")
        h = req.headers.get("Authorization")
        if h is None:
            raise self.bad(401, "no Authorization")
        if h != f"Bearer {self.args.token}":
            raise self.bad(403, f"Authorization {h!r} is not the token")
        unknown = set(req.query) - QUERY
        if unknown:
            raise self.bad(400, f"unknown query parameters {sorted(unknown)}")
        tsfield = req.query.get("timestamp-field", ["_time"])[-1]
        if tsfield not in ("_time", "start", "end"):
            raise self.bad(400, f"timestamp-field {tsfield!r} is not start or end")
        ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip()
        try:
            text = req.body.decode("utf-8")
            if ctype == "application/x-ndjson":
                if text and not text.endswith("\n"):
                    text += "\n"
                lines = text.split("\n")[:-1]
                if any(not line.strip() for line in lines):
                    raise self.bad(400, "empty line in NDJSON")
                events = [loads(line) for line in lines]
            elif ctype == "application/json":
                events = loads(text)
                if not isinstance(events, list):
                    events = [events]
            else:
                raise self.bad(415, f"Content-Type {req.headers.get('Content-Type')!r} "
                               "is not application/x-ndjson or application/json")
        except ValueError as e:
            raise self.bad(400, f"body is not JSON: {e}")
        if not events:
            raise self.bad(400, "no events")
        records = []
        for i, ev in enumerate(events):
            if not isinstance(ev, dict):
                raise self.bad(400, f"event {i} is not an object")
            t = ev.pop("_time", None)
            why = check_record(ev)
            if why:
                raise self.bad(400, f"event {i}: {why}")
            if tsfield == "_time":
                try:
                    ok = time_matches(*time_ns(t), ev)
                except ValueError:
                    ok = False
                if not ok:
                    raise self.bad(400, f"event {i}: _time {t!r} is neither start nor end")
            elif t is not None:
                raise self.bad(400, f"event {i}: _time given with timestamp-field={tsfield}")
            records.append(ev)
        failures = []
        f = req.fault
        for i, rec in enumerate(records):
            if f and f.item is not None and i == int(f.arg or 0):
                now = datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
                failures.append({"timestamp": now, "error": "injected fault"})
                continue
            self.state.store(rec)
        self.ingested += len(records) - len(failures)
        self.failed += len(failures)
        return Reply(200, json.dumps({
            "ingested": len(records) - len(failures), "failed": len(failures),
            "failures": failures, "processedBytes": len(req.body),
            "blocksCreated": 0, "walLength": len(records)}), [("Content-Type", CONTENT_TYPE)])
