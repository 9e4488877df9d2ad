# SPDX-License-Identifier: GPL-2.0
"""Elasticsearch bulk API into an index or a data stream.

POST /{target}/_bulk (or /_bulk with _index in each action), Content-Type
application/x-ndjson (application/json is taken too, as Elasticsearch does),
Authorization: ApiKey <base64 id:key> or Basic. The body is action lines
each followed by a document line, ending in a newline. A document is the
record, plus "@timestamp" (the record's start or end) which a data stream
requires; it is stored without "@timestamp". Query parameters Elasticsearch
does not know get 400. Answers 200 {"took","errors","items":[...]}: an item
fails alone (a document that is not a record, an index op on a data stream,
a repeated _id for create: 409) and the sink must treat failed items as not
delivered. Documents with an _id are kept once per _id, others by content.
"""
import base64
import json
import random
import string
import time

from receiver import Reject, Reply, check_record, loads, time_matches, time_ns

NAME = "elastic"
ENCODINGS = ("gzip",)
DECODE = True
ITEM_FAULTS = True
CONTENT_TYPE = "application/json"
BULK_PARAMS = {"pretty", "human", "error_trace", "filter_path", "refresh", "pipeline",
               "require_alias", "require_data_stream", "routing", "timeout",
               "wait_for_active_shards", "_source", "_source_includes", "_source_excludes",
               "list_executed_pipelines", "include_source_on_error"}
ACTION_META = {"_index", "_id", "require_alias", "require_data_stream", "pipeline",
               "routing", "dynamic_templates", "if_seq_no", "if_primary_term",
               "version", "version_type", "list_executed_pipelines"}
CONTENT_TYPES = ("application/x-ndjson", "application/json",
                 "application/vnd.elasticsearch+x-ndjson", "application/vnd.elasticsearch+json")


def add_args(p):
    p.add_argument("--index", required=True, help="the index or data stream written")
    p.add_argument("--data-stream", action="store_true",
                   help="the target is a data stream: create only, @timestamp required")
    p.add_argument("--api-key", help="ID:KEY accepted as Authorization: ApiKey base64(ID:KEY)")
    p.add_argument("--user", help="USER:PASSWORD accepted as Basic")


def es_error(status, etype, reason, **extra):
    cause = {"type": etype, "reason": reason}
    cause.update(extra)
    return json.dumps({"error": {"root_cause": [cause], **cause}, "status": status})


class Protocol:
    def __init__(self, args, state):
        if not args.api_key and not args.user:
            raise ValueError("elastic needs --api-key or --user")
        self.args = args
        self.state = state
        self.seq = 0
        self.items = {"created": 0, "failed": 0}
        day = time.strftime("%Y.%m.%d", time.gmtime())
        self.backing = f".ds-{args.index}-{day}-000001" if args.data_stream else args.index

    def error_body(self, status, text):
        etype = {429: "es_rejected_execution_exception", 503: "unavailable_shards_exception",
                 401: "security_exception", 403: "security_exception"}.get(
            status, "illegal_argument_exception" if status < 500 else "exception")
        return es_error(status, etype, text)

    def stats(self):
        return {"items": dict(self.items)}

    def auth(self, req):
        h = req.headers.get("Authorization")
        hdrs = [("WWW-Authenticate", 'Basic realm="security" charset="UTF-8"'),
                ("WWW-Authenticate", "ApiKey")]
        if h is None:
            raise Reject(401, es_error(401, "security_exception",
                                       f"missing authentication credentials for REST request [{req.target}]"),
                         "no Authorization", hdrs)
        scheme, _, cred = h.partition(" ")
        want = {"ApiKey": self.args.api_key, "Basic": self.args.user}.get(scheme)
        try:
            got = base64.b64decode(cred, validate=True).decode()
        except ValueError:
            got = None
        if want is None or got != want:
            raise Reject(401, es_error(401, "security_exception",
                                       f"unable to authenticate with provided credentials and anonymous access "
                                       f"is not allowed for REST request [{req.target}]"),
                         f"Authorization {h!r} does not match", hdrs)

    def bad(self, reason, etype="illegal_argument_exception"):
        return Reject(400, es_error(400, etype, reason), reason)

    def handle(self, req):
        parts = req.path.strip("/").split("/")
        if parts == ["_bulk"]:
            target = None
        elif len(parts) == 2 and parts[1] == "_bulk":
            target = parts[0]
        else:
            raise Reject(404, es_error(404, "index_not_found_exception", f"no such index [{req.path}]"),
                         f"bad path {req.path!r}")
        if req.method not in ("POST", "PUT"):
            raise Reject(405, es_error(405, "illegal_argument_exception",
                                       f"Incorrect HTTP method for uri [{req.target}] and method "
                                       f"[{req.method}], allowed: [POST, PUT]"), f"method {req.method}")
        self.auth(req)
        unknown = sorted(set(req.query) - BULK_PARAMS)
        if unknown:
            raise self.bad(f"request [{req.path}] contains unrecognized parameter: [{unknown[0]}]")
        ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype not in CONTENT_TYPES:
            raise Reject(406, json.dumps({"error": f"Content-Type header [{req.headers.get('Content-Type')}] "
                                                   "is not supported", "status": 406}),
                         f"Content-Type {req.headers.get('Content-Type')!r}")
        if target is not None and target != self.args.index:
            raise Reject(404, es_error(404, "index_not_found_exception", f"no such index [{target}]",
                                       index=target), f"target {target!r}, want {self.args.index!r}")
        try:
            text = req.body.decode("utf-8")
        except UnicodeDecodeError:
            raise self.bad("body is not UTF-8")
        if not text:
            raise Reject(400, es_error(400, "action_request_validation_exception",
                                       "Validation Failed: 1: no requests added;"), "empty body")
        if not text.endswith("\n"):
            raise self.bad("The bulk request must be terminated by a newline [\\n]")
        lines = text[:-1].split("\n")
        if len(lines) % 2:
            raise self.bad(f"action on line [{len(lines)}] has no document line after it")
        started = time.monotonic()
        items = []
        for n in range(0, len(lines), 2):
            items.append(self.item(n // 2, n + 1, lines[n], lines[n + 1], target, req.fault))
        took = int((time.monotonic() - started) * 1000)
        errors = any("error" in next(iter(i.values())) for i in items)
        return Reply(200, json.dumps({"errors": errors, "took": took, "items": items}),
                     [("Content-Type", CONTENT_TYPE)])

    def item(self, k, lineno, action_line, doc_line, target, fault):
        try:
            action = loads(action_line)
        except ValueError:
            raise self.bad(f"Malformed action/metadata line [{lineno}], expected START_OBJECT")
        if not isinstance(action, dict) or len(action) != 1:
            raise self.bad(f"Malformed action/metadata line [{lineno}], expected a single action")
        op, meta = next(iter(action.items()))
        if op not in ("create", "index", "update", "delete"):
            raise self.bad(f"Malformed action/metadata line [{lineno}], expected one of "
                           f"[create, delete, index, update] but found [{op}]")
        if op in ("update", "delete"):
            raise self.bad(f"action [{op}] on line [{lineno}]: a sink only adds documents")
        if not isinstance(meta, dict) or set(meta) - ACTION_META:
            raise self.bad(f"Action/metadata line [{lineno}] contains an unknown parameter "
                           f"[{sorted(set(meta) - ACTION_META)[0] if isinstance(meta, dict) else meta}]")
        index = meta.get("_index", target)
        if index is None:
            raise Reject(400, es_error(400, "action_request_validation_exception",
                                       f"Validation Failed: 1: index is missing for item [{k}];"),
                         f"item {k}: no index")
        if index != self.args.index:
            raise self.bad(f"item {k}: index [{index}], want [{self.args.index}]")
        doc_id = meta.get("_id")
        if doc_id is not None and (not isinstance(doc_id, str) or not doc_id or len(doc_id.encode()) > 512):
            raise self.bad(f"item {k}: bad _id {doc_id!r}")
        res = {"_index": self.backing, "_id": doc_id or self.new_id()}

        def fail(status, etype, reason, count_error=True):
            if count_error:
                self.state.error(f"item {k}: {reason}")
            self.items["failed"] += 1
            res.update(status=status, error={"type": etype, "reason": reason})
            return {op: res}

        if self.args.data_stream and op != "create":
            return fail(400, "illegal_argument_exception",
                        "only write ops with an op_type of create are allowed in data streams")
        try:
            doc = loads(doc_line)
        except ValueError as e:
            return fail(400, "document_parsing_exception", f"[1:1] failed to parse: {e}")
        if not isinstance(doc, dict):
            return fail(400, "document_parsing_exception", "[1:1] failed to parse: not an object")
        ts = doc.pop("@timestamp", None)
        if ts is None and self.args.data_stream:
            return fail(400, "document_parsing_exception",
                        "[1:1] failed to parse: data stream timestamp field [@timestamp] is missing")
        why = check_record(doc)
        if why:
            return fail(400, "document_parsing_exception", f"[1:1] failed to parse: {why}")
        if ts is not None and not self.timestamp_ok(ts, doc):
            return fail(400, "document_parsing_exception",
                        f"[1:1] failed to parse field [@timestamp]: {ts!r} is neither start nor end")
        if fault and fault.item is not None and k == int(fault.arg or 0):
            status = fault.item
            if status == 429:
                return fail(429, "es_rejected_execution_exception",
                            "rejected execution of coordinating operation (injected fault)", False)
            return fail(status, "document_parsing_exception",
                        "[1:1] failed to parse (injected fault)", False)
        key = ("_id", doc_id) if doc_id is not None else None
        if key is not None and self.state.is_seen(key):
            if op == "create":
                self.state.count("duplicates")
                return fail(409, "version_conflict_engine_exception",
                            f"[{doc_id}]: version conflict, document already exists "
                            "(current version [1])", False)
            self.state.store(doc, key)
            res.update(_version=2, result="updated", status=200)
        else:
            self.state.store(doc, key)
            res.update(_version=1, result="created", status=201)
        self.seq += 1
        self.items["created"] += 1
        res.update(_shards={"total": 2, "successful": 1, "failed": 0},
                   _seq_no=self.seq - 1, _primary_term=1)
        return {op: res}

    @staticmethod
    def timestamp_ok(ts, doc):
        if isinstance(ts, int) and not isinstance(ts, bool):  # epoch_millis
            return time_matches(ts * 10**6, 3, doc)
        try:
            ns, digits = time_ns(ts)
        except ValueError:
            return False
        return time_matches(ns, digits, doc)

    @staticmethod
    def new_id():
        return "".join(random.choice(string.ascii_letters + string.digits + "-_") for _ in range(20))
