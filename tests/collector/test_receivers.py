#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Self-test of the sink receivers: each takes a well-made request and
stores exactly its records, refuses each malformed variant with the
service's status, and injects the faults it is told to.

  /usr/bin/python3 tests/collector/test_receivers.py [-v] [Class.test]

Needs python3-botocore, python3-zstandard and curl; no netlogd.
"""
import base64
import gzip
import hashlib
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

import zstandard
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

HERE = os.path.dirname(os.path.abspath(__file__))
RECEIVER = os.path.join(HERE, "receiver.py")

REC1 = {"nodeId": "n5sVhFz1CNTRL", "start": "2025-11-18T20:23:09.6441Z",
        "end": "2025-11-18T20:23:14.650873112Z",
        "srcNode": {"nodeId": "n5sVhFz1CNTRL", "name": "alpha.example-tailnet.ts.net",
                    "addresses": ["100.101.102.103"], "os": "linux"},
        "virtualTraffic": [{"proto": 6, "src": "100.101.102.103:51514", "dst": "100.90.80.70:5432",
                            "txPkts": 12, "txBytes": 1880, "rxPkts": 10, "rxBytes": 5320}]}
REC2 = {"nodeId": "n5sVhFz1CNTRL", "start": "2025-11-18T20:23:14.650873112Z",
        "end": "2025-11-18T20:23:19.651000000Z",
        "physicalTraffic": [{"src": "100.90.80.70:0", "dst": "127.3.3.40:1", "txPkts": 17,
                             "txBytes": 2832, "rxPkts": 15, "rxBytes": 6190}]}
END1_NS = 1763497394650873112
END2_NS = 1763497399651000000


def js(o):
    return json.dumps(o, separators=(",", ":"))


def ndjson(recs):
    return "".join(js(r) + "\n" for r in recs).encode()


def zst(b):
    return zstandard.ZstdCompressor().compress(b)


class Receiver:
    """One receiver process on a free port, with its --out and --control."""

    def __init__(self, protocol, *args):
        self.dir = tempfile.mkdtemp(prefix=f"recv-{protocol}-")
        self.out = os.path.join(self.dir, "out.jsonl")
        self.control = os.path.join(self.dir, "control")
        self.proc = subprocess.Popen(
            [sys.executable, RECEIVER, "--protocol", protocol, "--out", self.out,
             "--control", self.control, *args],
            stdout=subprocess.PIPE, stderr=open(os.path.join(self.dir, "stderr"), "w"), text=True)
        self.port = int(self.proc.stdout.readline())

    def close(self):
        self.proc.terminate()
        self.proc.wait()
        self.proc.stdout.close()
        shutil.rmtree(self.dir)

    def fault(self, *specs):
        with open(self.control, "w") as f:
            f.write("\n".join(specs) + "\n")

    def request(self, method, path, body=b"", headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict(r.getheaders()), data

    def stats(self):
        return json.loads(self.request("GET", "/stats")[2])

    def records(self):
        if not os.path.exists(self.out):
            return []
        with open(self.out) as f:
            return [json.loads(line) for line in f]


class Base(unittest.TestCase):
    protocol = None
    args = ()

    def setUp(self):
        self.r = Receiver(self.protocol, *self.args)

    def tearDown(self):
        self.r.close()

    def assertCounts(self, accepted, duplicates, errors=0):
        """The stats' accepted, duplicates and errors; the stats."""
        st = self.r.stats()
        self.assertEqual((st["accepted"], st["duplicates"], st["errors"]), (accepted, duplicates, errors))
        return st

    def assertRejected(self, status, path, body, headers, errors=1):
        got, _, data = self.r.request("POST", path, body, headers)
        self.assertEqual(got, status, data)
        self.assertEqual(self.r.stats()["errors"], errors)
        self.assertEqual(self.r.records(), [])
        return data


def hec(rec, t=None, **extra):
    env = {"time": t if t is not None else "1763497394.650873112", "event": rec}
    env.update(extra)
    return js(env)


class Splunk(Base):
    protocol = "splunk"
    args = ("--token", "T0K", "--index", "netlog")
    path = "/services/collector/event"
    auth = {"Authorization": "Splunk T0K", "Content-Type": "application/json"}

    def body(self):
        # Two envelopes back to back, the second with time in whole ms.
        return (hec(REC1, sourcetype="tailscale:netlog", index="netlog") + "\n" +
                '{"time":1763497399.651,"event":' + js(REC2) + ',"host":"gw1"}').encode()

    def test_accepts_and_stores_exactly(self):
        for enc, data in (("none", self.body()), ("gzip", gzip.compress(self.body())),
                          ("zstd", zst(self.body()))):
            h = dict(self.auth, **({"Content-Encoding": enc} if enc != "none" else {}))
            status, _, reply = self.r.request("POST", self.path, data, h)
            self.assertEqual((status, json.loads(reply)), (200, {"text": "Success", "code": 0}))
        st = self.assertCounts(2, 4)
        self.assertEqual(st["encoding"], {"none": 1, "gzip": 1, "zstd": 1})
        self.assertEqual(self.r.records(), [REC1, REC2])

    def test_rejects_as_hec_does(self):
        cases = [
            ({}, self.body(), 401, 2),
            ({"Authorization": "Bearer T0K"}, self.body(), 401, 3),
            ({"Authorization": "Splunk nope"}, self.body(), 403, 4),
            (self.auth, b"  \n", 400, 5),
            (self.auth, b'{"time":1763497394.650873112}', 400, 12),
            (self.auth, hec("", "1").encode(), 400, 13),
            (self.auth, hec(REC1, index="main").encode(), 400, 7),
            (self.auth, hec(REC1, "1763497394.5").encode(), 400, 6),
            (self.auth, b"[" + hec(REC1).encode() + b"]", 400, 6),
            (self.auth, hec(dict(REC1, logtail={})).encode(), 400, 6),
            (self.auth, hec(REC1, fields={"a": {"b": "c"}}).encode(), 400, 15),
        ]
        for n, (h, body, status, code) in enumerate(cases, 1):
            got, _, reply = self.r.request("POST", self.path, body, h)
            self.assertEqual((got, json.loads(reply)["code"]), (status, code), body)
            self.assertEqual(self.r.stats()["errors"], n)
        got, _, reply = self.r.request("POST", self.path + "?token=T0K", self.body(), {})
        self.assertEqual((got, json.loads(reply)["code"]), (400, 16))
        got, _, _ = self.r.request("POST", self.path, b"\x1f\x8b garbage",
                                   dict(self.auth, **{"Content-Encoding": "gzip"}))
        self.assertEqual(got, 400)
        got, _, _ = self.r.request("POST", self.path, self.body(),
                                   dict(self.auth, **{"Content-Encoding": "br"}))
        self.assertEqual(got, 415)
        self.assertEqual(self.r.records(), [])
        self.assertEqual(self.r.stats()["errors"], len(cases) + 3)

    def test_faults(self):
        ok = (self.path, self.body(), self.auth)
        self.r.fault("500*2", "429*1/3", "400*1", "slow*1/0.4", "drop*1")
        self.assertEqual(self.r.request("POST", *ok)[0], 500)
        status, _, reply = self.r.request("POST", *ok)
        self.assertEqual((status, json.loads(reply)["code"]), (500, 8))
        status, hdrs, _ = self.r.request("POST", *ok)
        self.assertEqual((status, hdrs.get("Retry-After")), (429, "3"))
        self.assertEqual(self.r.request("POST", *ok)[0], 400)
        self.assertEqual(self.r.records(), [])
        t = time.monotonic()
        self.assertEqual(self.r.request("POST", *ok)[0], 200)
        self.assertGreaterEqual(time.monotonic() - t, 0.4)
        self.assertEqual(len(self.r.records()), 2)
        with self.assertRaises((http.client.HTTPException, ConnectionError)):
            self.r.request("POST", *ok)
        self.assertEqual(self.r.request("POST", *ok)[0], 200)
        st = self.r.stats()
        self.assertEqual((st["faults"], st["errors"], st["duplicates"]), (6, 0, 2))
        self.assertEqual(st["status"], {"500": 2, "429": 1, "400": 1, "200": 2})
        self.r.fault("503@1.0")
        self.assertEqual(self.r.request("POST", *ok)[0], 503)
        self.assertEqual(self.r.request("POST", *ok)[0], 503)


class Elastic(Base):
    protocol = "elastic"
    args = ("--index", "logs-netlog-default", "--data-stream", "--api-key", "id1:k3y")
    path = "/logs-netlog-default/_bulk"
    auth = {"Authorization": "ApiKey " + base64.b64encode(b"id1:k3y").decode(),
            "Content-Type": "application/x-ndjson"}

    def bulk(self, *docs, op="create", ids=None):
        lines = []
        for i, d in enumerate(docs):
            meta = {"_id": ids[i]} if ids else {}
            lines += [js({op: meta}), js(d)]
        return ("\n".join(lines) + "\n").encode()

    def docs(self):
        return (dict(REC1, **{"@timestamp": REC1["end"]}),
                dict(REC2, **{"@timestamp": "2025-11-18T20:23:19.651Z"}))

    def post(self, body, headers=None, path=None):
        status, _, reply = self.r.request("POST", path or self.path, body, headers or self.auth)
        return status, json.loads(reply)

    def test_accepts_and_stores_exactly(self):
        status, reply = self.post(gzip.compress(self.bulk(*self.docs())),
                                  dict(self.auth, **{"Content-Encoding": "gzip"}))
        self.assertEqual((status, reply["errors"]), (200, False))
        self.assertEqual([i["create"]["status"] for i in reply["items"]], [201, 201])
        self.assertTrue(reply["items"][0]["create"]["_index"].startswith(".ds-logs-netlog-default-"))
        self.assertEqual(self.r.records(), [REC1, REC2])
        self.assertEqual(self.r.stats()["errors"], 0)

    def test_duplicate_id_is_a_409_item(self):
        self.post(self.bulk(*self.docs(), ids=["a", "b"]))
        status, reply = self.post(self.bulk(*self.docs(), ids=["a", "c"]))
        self.assertEqual((status, reply["errors"]), (200, True))
        self.assertEqual([i["create"]["status"] for i in reply["items"]], [409, 201])
        self.assertEqual(reply["items"][0]["create"]["error"]["type"], "version_conflict_engine_exception")
        self.assertCounts(3, 1)

    def test_item_faults_fail_alone(self):
        self.r.fault("item429*1/1")
        status, reply = self.post(self.bulk(*self.docs()))
        self.assertEqual((status, reply["errors"]), (200, True))
        items = [i["create"] for i in reply["items"]]
        self.assertEqual([i["status"] for i in items], [201, 429])
        self.assertEqual(items[1]["error"]["type"], "es_rejected_execution_exception")
        self.assertEqual(self.r.records(), [REC1])
        self.r.fault("item400*1/0")
        status, reply = self.post(self.bulk(*self.docs()))
        self.assertEqual(reply["items"][0]["create"]["error"]["type"], "document_parsing_exception")
        self.assertEqual(self.r.stats()["errors"], 0)

    def test_rejects_as_elasticsearch_does(self):
        self.assertRejected(401, self.path, self.bulk(*self.docs()), {"Content-Type": "application/x-ndjson"})
        self.assertRejected(400, self.path, self.bulk(*self.docs())[:-1], self.auth, 2)
        self.assertRejected(400, self.path + "?foo=1", self.bulk(*self.docs()), self.auth, 3)
        self.assertRejected(406, self.path, self.bulk(*self.docs()), dict(self.auth, **{"Content-Type": "text/plain"}), 4)
        self.assertRejected(400, self.path, b"", self.auth, 5)
        self.assertRejected(400, self.path, b"{\"create\":{}}\n", self.auth, 6)
        self.assertRejected(415, self.path, zst(self.bulk(*self.docs())),
                            dict(self.auth, **{"Content-Encoding": "zstd"}), 7)
        # Refused items: an index op on a data stream, a document without
        # @timestamp, one that is not a record.
        for n, body in enumerate((self.bulk(self.docs()[0], op="index"), self.bulk(REC1),
                                  self.bulk(dict(self.docs()[0], extra=1))), 8):
            status, reply = self.post(body)
            self.assertEqual((status, reply["items"][0][next(iter(reply["items"][0]))]["status"]), (200, 400))
            self.assertEqual(self.r.stats()["errors"], n)
        self.assertEqual(self.r.records(), [])


class Datadog(Base):
    protocol = "datadog"
    args = ("--api-key", "DDK", "--service", "netlog")
    path = "/api/v2/logs"
    auth = {"DD-API-KEY": "DDK", "Content-Type": "application/json"}

    def entries(self, *recs):
        return js([{"ddsource": "tailscale", "service": "netlog", "hostname": "gw1",
                    "ddtags": "env:test", "message": js(r)} for r in recs]).encode()

    def test_accepts_and_stores_exactly(self):
        for enc, data in (("gzip", gzip.compress(self.entries(REC1))), ("deflate", zlib.compress(self.entries(REC2))),
                          ("zstd", zst(self.entries(REC1, REC2)))):
            status, _, reply = self.r.request("POST", self.path, data, dict(self.auth, **{"Content-Encoding": enc}))
            self.assertEqual((status, reply), (202, b"{}"))
        self.assertCounts(2, 2)
        self.assertEqual(self.r.records(), [REC1, REC2])

    def test_rejects_as_datadog_does(self):
        self.assertRejected(401, self.path, self.entries(REC1), {"Content-Type": "application/json"})
        self.assertRejected(403, self.path, self.entries(REC1), dict(self.auth, **{"DD-API-KEY": "x"}), 2)
        self.assertRejected(413, self.path, self.entries(*[REC1] * 1001), self.auth, 3)
        self.assertRejected(400, self.path, js([{"message": "hello", "service": "netlog"}]).encode(), self.auth, 4)
        self.assertRejected(400, self.path, js([{"message": js(REC1)}]).encode(), self.auth, 5)
        self.assertRejected(400, self.path, b"[{", self.auth, 6)
        data = self.r.request("POST", self.path, b"x", dict(self.auth, **{"Content-Encoding": "gzip"}))
        self.assertEqual(data[0], 400)
        self.assertEqual(json.loads(data[2])["errors"][0]["status"], "400")


class Axiom(Base):
    protocol = "axiom"
    args = ("--dataset", "netlog", "--token", "xaat-1")
    path = "/v1/datasets/netlog/ingest"
    auth = {"Authorization": "Bearer xaat-1", "Content-Type": "application/x-ndjson"}

    def events(self):
        return [dict(REC1, _time=REC1["end"]), dict(REC2, _time=REC2["end"])]

    def test_accepts_and_stores_exactly(self):
        status, _, reply = self.r.request("POST", self.path, zst(ndjson(self.events())),
                                          dict(self.auth, **{"Content-Encoding": "zstd"}))
        reply = json.loads(reply)
        self.assertEqual((status, reply["ingested"], reply["failed"], reply["failures"]), (200, 2, 0, []))
        status, _, reply = self.r.request("POST", self.path + "?timestamp-field=end", js([REC1]).encode(),
                                          dict(self.auth, **{"Content-Type": "application/json"}))
        self.assertEqual((status, json.loads(reply)["ingested"]), (200, 1))
        self.assertCounts(2, 1)
        self.assertEqual(self.r.records(), [REC1, REC2])

    def test_item_fault(self):
        self.r.fault("item500*1/0")
        status, _, reply = self.r.request("POST", self.path, ndjson(self.events()), self.auth)
        reply = json.loads(reply)
        self.assertEqual((status, reply["ingested"], reply["failed"]), (200, 1, 1))
        self.assertEqual(self.r.records(), [REC2])

    def test_rejects_as_axiom_does(self):
        self.assertRejected(403, self.path, ndjson(self.events()), dict(self.auth, Authorization="Bearer no"))
        self.assertRejected(404, "/v1/datasets/other/ingest", ndjson(self.events()), self.auth, 2)
        self.assertRejected(400, self.path, ndjson([dict(REC1, _time=REC2["end"])]), self.auth, 3)
        self.assertRejected(415, self.path, ndjson(self.events()), dict(self.auth, **{"Content-Type": "text/csv"}), 4)
        self.assertRejected(400, self.path + "?x=1", ndjson(self.events()), self.auth, 5)


class Loki(Base):
    protocol = "loki"
    args = ("--tenant", "t1", "--token", "lk", "--require-label", "node")
    path = "/loki/api/v1/push"
    auth = {"Authorization": "Bearer lk", "X-Scope-OrgID": "t1", "Content-Type": "application/json"}

    def push(self, *entries, labels=None):
        return js({"streams": [{"stream": labels or {"node": "gw1", "traffic": "virtual"},
                                "values": [[str(ns), js(rec)] for ns, rec in entries]}]}).encode()

    def test_accepts_and_stores_exactly(self):
        status, _, _ = self.r.request("POST", self.path, gzip.compress(self.push((END1_NS, REC1), (END2_NS, REC2))),
                                      dict(self.auth, **{"Content-Encoding": "gzip"}))
        self.assertEqual(status, 204)
        # The newest entry again is dropped silently, as Loki does.
        self.assertEqual(self.r.request("POST", self.path, self.push((END2_NS, REC2)), self.auth)[0], 204)
        st = self.assertCounts(2, 1)
        self.assertEqual(st["streams"], {'{node="gw1", traffic="virtual"}': 2})
        self.assertEqual(self.r.records(), [REC1, REC2])

    def test_out_of_order_is_refused_the_rest_kept(self):
        status, _, reply = self.r.request("POST", self.path, self.push((END2_NS, REC2), (END1_NS, REC1)), self.auth)
        self.assertEqual(status, 400)
        self.assertIn(b"entry out of order", reply)
        self.assertIn(b"total ignored: 1 out of 2", reply)
        self.assertEqual(self.r.records(), [REC2])
        self.assertEqual(self.r.stats()["errors"], 1)

    def test_rejects_as_loki_does(self):
        self.assertRejected(401, self.path, self.push((END1_NS, REC1)), dict(self.auth, **{"X-Scope-OrgID": "t2"}))
        self.assertRejected(400, self.path, self.push((END1_NS, REC1)),
                            dict(self.auth, **{"Content-Type": "application/x-protobuf"}), 2)
        self.assertRejected(400, self.path, zst(self.push((END1_NS, REC1))),
                            dict(self.auth, **{"Content-Encoding": "zstd"}), 3)
        self.assertRejected(400, self.path, self.push((END1_NS, REC1), labels={"traffic": "x"}), self.auth, 4)
        self.assertRejected(400, self.path, self.push((END1_NS, REC1), labels={"node": "a", "__n": "b"}), self.auth, 5)
        self.assertRejected(400, self.path, self.push((END1_NS + 1, REC1)), self.auth, 6)
        self.assertRejected(400, self.path, js({"streams": [{"stream": {"node": "a"},
                                                             "values": [[END1_NS, js(REC1)]]}]}).encode(),
                            self.auth, 7)


class Http(Base):
    protocol = "http"
    path = "/netlog"
    auth = {"Authorization": "Bearer x", "Content-Type": "application/x-ndjson"}

    def setUp(self):
        self.hdr = tempfile.NamedTemporaryFile("w", suffix=".hdr", delete=False)
        self.hdr.write("Authorization: Bearer x\n")
        self.hdr.close()
        self.args = ("--path", "/netlog", "--header-file", self.hdr.name, "--status", "204")
        super().setUp()

    def tearDown(self):
        super().tearDown()
        os.unlink(self.hdr.name)

    def test_accepts_and_stores_exactly(self):
        for h, data in (({}, ndjson([REC1])), ({"Content-Encoding": "gzip"}, gzip.compress(ndjson([REC1, REC2]))),
                        ({"Content-Encoding": "zstd"}, zst(ndjson([REC2])))):
            self.assertEqual(self.r.request("POST", self.path, data, dict(self.auth, **h))[0], 204)
        self.assertCounts(2, 2)
        self.assertEqual(self.r.records(), [REC1, REC2])

    def test_rejects(self):
        self.assertRejected(401, self.path, ndjson([REC1]), {"Content-Type": "application/x-ndjson"})
        self.assertRejected(400, self.path, ndjson([REC1])[:-1], self.auth, 2)
        self.assertRejected(400, self.path, ndjson([REC1]) + b"\n", self.auth, 3)
        self.assertRejected(415, self.path, ndjson([REC1]), dict(self.auth, **{"Content-Type": "text/plain"}), 4)
        self.assertRejected(404, "/other", ndjson([REC1]), self.auth, 5)
        self.assertRejected(400, self.path, b"\x28\xb5\x2f\xfd\x00", dict(self.auth, **{"Content-Encoding": "zstd"}), 6)


class S3(Base):
    protocol = "s3"
    args = ("--bucket", "logs", "--region", "eu-west-1", "--access-key", "AKIDTEST",
            "--secret-key", "s3cr3t", "--prefix", "netlog/gw1")
    key = "netlog/gw1/year=2025/month=11/day=18/hour=20/gw1-2766151419-{}.ndjson{}"

    def put(self, key, body, secret="s3cr3t", token=None, extra=None, sha=None, region="eu-west-1"):
        url = f"http://127.0.0.1:{self.r.port}/logs/{key}"
        req = AWSRequest(method="PUT", url=url, data=body,
                         headers={"Content-Type": "application/x-ndjson", **(extra or {})})
        S3SigV4Auth(Credentials("AKIDTEST", secret, token), "s3", region).add_auth(req)
        if sha is not None:
            req.headers.replace_header("X-Amz-Content-SHA256", sha)
        return self.r.request("PUT", f"/logs/{key}", body, dict(req.headers.items()))

    def code(self, reply):
        return reply[2].split(b"<Code>")[1].split(b"</Code>")[0].decode()

    def test_botocore_and_curl_signatures_verify(self):
        body = gzip.compress(ndjson([REC1]))
        status, hdrs, _ = self.put(self.key.format(1, ".gz"), body, extra={"Content-Encoding": "gzip"})
        self.assertEqual((status, hdrs["ETag"]), (200, '"' + hashlib.md5(body).hexdigest() + '"'))
        data = zst(ndjson([REC2]))
        with tempfile.NamedTemporaryFile(suffix=".zst") as f:
            f.write(data)
            f.flush()
            url = f"http://127.0.0.1:{self.r.port}/logs/" + self.key.format(2, ".zst")
            out = subprocess.run(
                ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--aws-sigv4", "aws:amz:eu-west-1:s3",
                 "--user", "AKIDTEST:s3cr3t", "-H", "x-amz-content-sha256: " + hashlib.sha256(data).hexdigest(),
                 "-H", "Content-Type: application/x-ndjson", "-T", f.name, url],
                capture_output=True, text=True, check=True)
        self.assertEqual(out.stdout, "200", out.stderr)
        st = self.r.stats()
        self.assertEqual([(o["key"], o["encoding"], o["records"]) for o in st["objects"]],
                         [(self.key.format(1, ".gz"), "gzip", 1), (self.key.format(2, ".zst"), "zstd", 1)])
        self.assertEqual((st["accepted"], st["errors"]), (2, 0))
        self.assertEqual(self.r.records(), [REC1, REC2])
        # The same object again is a duplicate; another under its key loses the first.
        self.assertEqual(self.put(self.key.format(1, ".gz"), body)[0], 200)
        self.assertEqual(self.r.stats()["duplicates"], 1)
        self.assertEqual(self.put(self.key.format(1, ".gz"), gzip.compress(ndjson([REC2])))[0], 200)
        self.assertEqual(self.r.stats()["errors"], 1)

    def test_rejects_as_s3_does(self):
        body = ndjson([REC1])
        k = self.key.format(1, "")
        cases = [
            (self.put(k, body, secret="wrong"), 403, "SignatureDoesNotMatch"),
            (self.put(k, body, sha=hashlib.sha256(b"x").hexdigest()), 400, "XAmzContentSHA256Mismatch"),
            (self.put(k, body, sha="UNSIGNED-PAYLOAD"), 400, "InvalidArgument"),
            (self.put(k, body, region="us-east-1"), 400, "AuthorizationHeaderMalformed"),
            (self.put(k, body, token="tok"), 400, "InvalidToken"),
            (self.put("netlog/other/" + k, body), 400, "InvalidArgument"),
            (self.put(self.key.format(1, ".gz"), body), 400, "InvalidArgument"),
            (self.r.request("PUT", "/logs/" + k, body, {"Content-Type": "application/x-ndjson"}), 403, "AccessDenied"),
        ]
        for reply, status, code in cases:
            self.assertEqual((reply[0], self.code(reply)), (status, code), reply[2])
        self.assertEqual(self.r.stats()["errors"], len(cases))
        # An x-amz-* header added after signing.
        url = f"http://127.0.0.1:{self.r.port}/logs/{k}"
        req = AWSRequest(method="PUT", url=url, data=body)
        S3SigV4Auth(Credentials("AKIDTEST", "s3cr3t"), "s3", "eu-west-1").add_auth(req)
        reply = self.r.request("PUT", f"/logs/{k}", body, dict(req.headers.items(), **{"x-amz-meta-a": "b"}))
        self.assertEqual((reply[0], self.code(reply)), (403, "AccessDenied"))
        self.assertEqual(self.r.records(), [])

    def test_session_token(self):
        self.r.close()
        self.r = Receiver("s3", *self.args, "--session-token", "FwoGZX")
        k = self.key.format(1, "")
        reply = self.put(k, ndjson([REC1]))
        self.assertEqual((reply[0], self.code(reply)), (403, "InvalidAccessKeyId"))
        self.assertEqual(self.put(k, ndjson([REC1]), token="FwoGZX")[0], 200)
        self.assertEqual(self.r.records(), [REC1])

    def test_fault_bodies_are_s3_xml(self):
        self.r.fault("503*1/1")
        reply = self.put(self.key.format(1, ""), ndjson([REC1]))
        self.assertEqual((reply[0], self.code(reply), reply[1].get("Retry-After")), (503, "SlowDown", "1"))


if __name__ == "__main__":
    unittest.main()
