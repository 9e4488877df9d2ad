# SPDX-License-Identifier: GPL-2.0
"""Grafana Loki push API, JSON form.

POST /loki/api/v1/push, Content-Type application/json (Loki reads anything
else as snappy protobuf and fails), Content-Encoding gzip, deflate or none
(Loki answers 400 to others), optional Basic or Bearer credentials and
X-Scope-OrgID tenant. The body is {"streams":[{"stream":{labels},
"values":[["<ns epoch>","<record as JSON>"(, {metadata})],...]}]}; the
timestamp is the record's start or end to the nanosecond. Streams need at
least one label, names [a-zA-Z_][a-zA-Z0-9_]* not starting with __, at most
15, values up to 2048 bytes; lines up to 256 KiB. As Loki with
unordered_writes off: an entry older than its stream's newest is refused
("entry out of order"), the rest of the push is kept and the answer is 400
listing what was ignored; an entry equal to the stream's newest (time and
line) is dropped silently. Records are kept once per (tenant, stream, time,
line). Answers 204.
"""
import base64
import datetime
import re
import threading

from receiver import Reject, Reply, loads, record_line, time_ns

NAME = "loki"
ENCODINGS = ("gzip", "deflate")
BAD_ENCODING_STATUS = 400
DECODE = True
CONTENT_TYPE = "text/plain; charset=utf-8"
PATH = "/loki/api/v1/push"
LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
MAX_LABELS = 15
MAX_LABEL_VALUE = 2048
MAX_LINE = 256 * 1024
TS = re.compile(r"^-?\d{1,19}$")


def add_args(p):
    p.add_argument("--user", help="USER:PASSWORD required as Basic")
    p.add_argument("--token", help="token required as Bearer")
    p.add_argument("--tenant", help="required X-Scope-OrgID")
    p.add_argument("--require-label", action="append", default=[], metavar="NAME",
                   help="a label every stream must have (repeatable)")


def label_string(labels):
    return "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def go_time(ns):
    t = datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=ns // 1000)
    return t.strftime("%Y-%m-%d %H:%M:%S.") + f"{ns % 10**9:09d} +0000 UTC"


class Protocol:
    def __init__(self, args, state):
        self.args = args
        self.state = state
        self.newest = {}  # (tenant, labels) -> (ns, line) of the newest entry kept
        self.streams = {}
        self.entries = 0
        self.lock = threading.Lock()  # newest: a push is checked and kept whole

    def error_body(self, status, text):
        return text + "\n"

    def stats(self):
        return {"streams": dict(self.streams), "entries": self.entries}

    def bad(self, status, why):
        return Reject(status, why + "\n", why)

    def auth(self, req):
        h = req.headers.get("Authorization")
        want = []
        if self.args.user:
            want.append("Basic " + base64.b64encode(self.args.user.encode()).decode())
        if self.args.token:
            want.append("Bearer " + self.args.token)
        if want and h not in want:
            raise self.bad(401, f"Authorization {h!r} is not accepted")
        tenant = req.headers.get("X-Scope-OrgID")
        if self.args.tenant and tenant != self.args.tenant:
            raise self.bad(401, "no org id" if tenant is None else
                           f"X-Scope-OrgID {tenant!r}, want {self.args.tenant!r}")
        return tenant or "fake"

    def handle(self, req):
        if req.path != PATH:
            raise self.bad(404, f"404 page not found: {req.path!r}")
        if req.method != "POST":
            raise self.bad(405, f"method {req.method}")
        tenant = self.auth(req)
        ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype != "application/json":
            raise self.bad(400, f"Content-Type {req.headers.get('Content-Type')!r}: "
                           "read as snappy protobuf, which this JSON body is not")
        try:
            body = loads(req.body.decode("utf-8"))
        except ValueError as e:
            raise self.bad(400, f"couldn't parse push request: {e}")
        if not isinstance(body, dict) or set(body) != {"streams"} or not isinstance(body["streams"], list):
            raise self.bad(400, "couldn't parse push request: want {\"streams\": [...]}")
        streams = []
        for s in body["streams"]:
            streams.append(self.check_stream(s))
        with self.lock:
            return self.push(tenant, streams)

    def push(self, tenant, streams):
        ignored, total = [], 0
        for labels, entries in streams:
            key = (tenant, tuple(sorted(labels.items())))
            for ns, line, rec in entries:
                total += 1
                last = self.newest.get(key)
                if last == (ns, line):
                    self.state.count("duplicates")
                    continue
                if last is not None and ns < last[0]:
                    ekey = ("entry", key, ns, line)
                    if self.state.is_seen(ekey):
                        self.state.count("duplicates")
                    else:
                        self.state.error(f"entry {go_time(ns)} is older than {go_time(last[0])} "
                                         f"in stream {label_string(labels)}")
                    ignored.append(f"entry with timestamp {go_time(ns)} ignored, reason: "
                                   f"'entry out of order' for stream: {label_string(labels)},")
                    continue
                self.newest[key] = (ns, line)
                self.state.store(rec, ("entry", key, ns, line))
                self.entries += 1
                ls = label_string(labels)
                self.streams[ls] = self.streams.get(ls, 0) + 1
        if ignored:
            # Loki keeps the rest of the push and says what it dropped.
            return Reply(400, "\n".join(ignored) + f"\ntotal ignored: {len(ignored)} out of {total}\n",
                         [("Content-Type", CONTENT_TYPE)])
        return Reply(204)

    def check_stream(self, s):
        if not isinstance(s, dict) or set(s) - {"stream", "values"} or "values" not in s:
            raise self.bad(400, f"couldn't parse push request: bad stream {str(s)[:80]!r}")
        labels = s.get("stream") or {}
        if not isinstance(labels, dict) or not all(isinstance(v, str) for v in labels.values()):
            raise self.bad(400, f"couldn't parse push request: labels {labels!r} are not strings")
        if not labels:
            raise self.bad(400, "error at least one label pair is required per stream")
        ls = label_string(labels)
        for k, v in labels.items():
            if not LABEL.match(k) or k.startswith("__"):
                raise self.bad(400, f"error parsing labels '{ls}': invalid label name {k!r}")
            if not v:
                raise self.bad(400, f"error parsing labels '{ls}': empty value for {k!r}")
            if len(v.encode()) > MAX_LABEL_VALUE:
                raise self.bad(400, f"stream '{ls}' has label value too long: {k!r}")
        if len(labels) > MAX_LABELS:
            raise self.bad(400, f"entry for stream '{ls}' has {len(labels)} label names; "
                           f"limit {MAX_LABELS}")
        for name in self.args.require_label:
            if name not in labels:
                raise self.bad(400, f"stream '{ls}' has no label {name!r} (test requirement)")
        values = s["values"]
        if not isinstance(values, list) or not values:
            raise self.bad(400, f"couldn't parse push request: stream '{ls}' has no values")
        entries = []
        for v in values:
            if not isinstance(v, list) or len(v) not in (2, 3) or not all(isinstance(x, str) for x in v[:2]):
                raise self.bad(400, f"couldn't parse push request: bad entry {str(v)[:80]!r}")
            if len(v) == 3 and (not isinstance(v[2], dict) or
                                not all(isinstance(x, str) for x in v[2].values())):
                raise self.bad(400, f"couldn't parse push request: bad structured metadata {v[2]!r}")
            ts, line = v[0], v[1]
            if not TS.match(ts):
                raise self.bad(400, f"couldn't parse push request: timestamp {ts!r} is not ns")
            if len(line.encode()) > MAX_LINE:
                raise self.bad(400, f"Max entry size '{MAX_LINE}' bytes exceeded for stream '{ls}' "
                               f"while adding an entry with length '{len(line.encode())}' bytes")
            rec = record_line(line, lambda why: self.bad(400, why), f"line in stream '{ls}'")
            ns = int(ts)
            if ns not in (time_ns(rec["start"])[0], time_ns(rec["end"])[0]):
                raise self.bad(400, f"timestamp {ts} is neither start {rec['start']} nor end {rec['end']}")
            entries.append((ns, line, rec))
        return labels, entries
