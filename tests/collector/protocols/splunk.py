# SPDX-License-Identifier: GPL-2.0
"""Splunk HTTP Event Collector (HEC), JSON event endpoint.

POST /services/collector/event (also /services/collector/event/1.0 and
/services/collector), Authorization: Splunk <token> (or Basic with the token
as password; a token in the query string is refused, as HEC does by
default). The body is JSON event envelopes one after another, no array and
no commas: {"time": <epoch seconds, the record's start or end, to any
precision up to ns>, "event": {record}, "host"?, "source"?, "sourcetype"?,
"index"?, "fields"?}. Answers 200 {"text":"Success","code":0}, and errors
with HEC's status codes and {"text":..,"code":..[,"invalid-event-number":i]}.
Records carry no id in HEC, so they are kept once by content.
"""
import base64
import json
from decimal import Decimal

from receiver import Reject, Reply, check_record, epoch_matches, no_duplicates

NAME = "splunk"
ENCODINGS = ("gzip", "zstd")
DECODE = True
CONTENT_TYPE = "application/json; charset=UTF-8"
PATHS = ("/services/collector/event", "/services/collector/event/1.0", "/services/collector")
ENVELOPE = {"time", "event", "host", "source", "sourcetype", "index", "fields"}

# HEC's status table: code -> (HTTP status, text).
CODES = {
    0: (200, "Success"), 1: (403, "Token disabled"), 2: (401, "Token is required"),
    3: (401, "Invalid authorization"), 4: (403, "Invalid token"), 5: (400, "No data"),
    6: (400, "Invalid data format"), 7: (400, "Incorrect index"),
    8: (500, "Internal server error"), 9: (503, "Server is busy"),
    10: (400, "Data channel is missing"), 11: (400, "Invalid data channel"),
    12: (400, "Event field is required"), 13: (400, "Event field cannot be blank"),
    14: (400, "ACK is disabled"), 15: (400, "Error in handling indexed fields"),
    16: (400, "Query string authorization is not enabled"),
}
BY_STATUS = {400: 6, 401: 3, 403: 4, 500: 8, 503: 9}


def add_args(p):
    p.add_argument("--token", required=True, help="the HEC token")
    p.add_argument("--index", help="the only index the token may write")
    p.add_argument("--sourcetype", help="required sourcetype")


def body(code, **extra):
    d = {"text": CODES[code][1], "code": code}
    d.update(extra)
    return json.dumps(d, separators=(",", ":"))


def hec(code, why, **extra):
    return Reject(CODES[code][0], body(code, **extra), why)


def iter_objects(text):
    """The envelopes of a HEC body: JSON values one after another."""
    dec = json.JSONDecoder(object_pairs_hook=no_duplicates, parse_float=Decimal)
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if i >= n:
            return
        obj, i = dec.raw_decode(text, i)
        yield obj


class Protocol:
    def __init__(self, args, state):
        self.args = args
        self.state = state
        self.events = 0

    def error_body(self, status, text):
        code = BY_STATUS.get(status)
        if code is None:
            return json.dumps({"text": text, "code": status})
        return body(code)

    def stats(self):
        return {"events": self.events}

    def auth(self, req):
        if "token" in req.query:
            raise hec(16, "token in the query string")
        h = req.headers.get("Authorization")
        if h is None:
            raise hec(2, "no Authorization")
        scheme, _, cred = h.partition(" ")
        if scheme == "Splunk":
            token = cred
        elif scheme == "Basic":
            try:
                token = base64.b64decode(cred, validate=True).decode().partition(":")[2]
            except ValueError:
                raise hec(3, f"bad Basic credentials {cred!r}")
        else:
            raise hec(3, f"Authorization {h!r} is not 'Splunk <token>'")
        if token != self.args.token:
            raise hec(4, f"token {token!r}, want {self.args.token!r}")

    def handle(self, req):
        if req.path not in PATHS:
            raise Reject(404, json.dumps({"text": "The requested URL was not found on this server.",
                                          "code": 404}), f"bad path {req.path!r}")
        if req.method != "POST":
            raise Reject(405, "", f"method {req.method}")
        self.auth(req)
        try:
            text = req.body.decode("utf-8")
        except UnicodeDecodeError:
            raise hec(6, "body is not UTF-8", **{"invalid-event-number": 0})
        if not text.strip():
            raise hec(5, "empty body")
        envelopes = []
        i = -1
        try:
            for i, env in enumerate(iter_objects(text)):
                envelopes.append(env)
        except ValueError as e:
            raise hec(6, f"event {i + 1} is not JSON: {e}", **{"invalid-event-number": i + 1})
        for i, env in enumerate(envelopes):
            self.check(i, env)
        for env in envelopes:
            self.state.store(env["event"])
        self.events += len(envelopes)
        return Reply(200, body(0), [("Content-Type", CONTENT_TYPE)])

    def check(self, i, env):
        num = {"invalid-event-number": i}
        if not isinstance(env, dict):
            raise hec(6, f"event {i} is not an object", **num)
        if "event" not in env:
            raise hec(12, f"event {i} has no event field", **num)
        ev = env["event"]
        if ev in ("", {}, None):
            raise hec(13, f"event {i}: event is blank", **num)
        extra = set(env) - ENVELOPE
        if extra:
            raise hec(6, f"event {i}: unknown envelope members {sorted(extra)}", **num)
        for k in ("host", "source", "sourcetype", "index"):
            if k in env and not isinstance(env[k], str):
                raise hec(6, f"event {i}: {k} {env[k]!r} is not a string", **num)
        if self.args.index and env.get("index", self.args.index) != self.args.index:
            raise hec(7, f"event {i}: index {env['index']!r}, want {self.args.index!r}", **num)
        if self.args.sourcetype and env.get("sourcetype") != self.args.sourcetype:
            raise hec(6, f"event {i}: sourcetype {env.get('sourcetype')!r}, "
                      f"want {self.args.sourcetype!r}", **num)
        fields = env.get("fields", {})
        if not isinstance(fields, dict) or not all(
                isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
                for v in fields.values()):
            raise hec(15, f"event {i}: fields {fields!r} is not flat strings", **num)
        why = check_record(ev)
        if why:
            raise hec(6, f"event {i}: {why}", **num)
        t = env.get("time")
        if isinstance(t, str):  # HEC takes "1731961389.644" as well
            try:
                t = Decimal(t)
            except ArithmeticError:
                t = None
        if isinstance(t, bool) or not isinstance(t, (int, Decimal)) or \
                isinstance(t, Decimal) and not t.is_finite():
            raise hec(6, f"event {i}: time {env.get('time')!r} is not epoch seconds", **num)
        if not epoch_matches(t, ev):
            raise hec(6, f"event {i}: time {t} is neither start {ev['start']} nor end {ev['end']}",
                      **num)
