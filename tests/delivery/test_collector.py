#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The collector's own checks: the delivery tests trust it to reject what a
broken uploader would send, so every rejection is exercised here.

  test_collector.py [path/to/collector.py]
"""
import gzip
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

import zstandard

HERE = os.path.dirname(os.path.abspath(__file__))
COLLECTOR = os.path.join(HERE, "..", "collector", "collector.py")
PRIV = "ab" * 32
DOM = "cd" * 32
PATH = f"/c/tailtraffic.log.tailscale.io/{PRIV}?copyId={DOM}"


def entry(seq, pid=1234, **members):
    e = {"logtail": {"client_time": "2025-11-26T20:00:05.2Z", "proc_id": pid,
                     "proc_seq": seq}}
    e.update(members)
    return e


def body(*entries):
    return json.dumps(list(entries), separators=(",", ":")).encode()


def zstd(data, checksum=True, size=True):
    """One frame, with a checksum and the content size unless told."""
    return zstandard.ZstdCompressor(level=1, write_checksum=checksum,
                                    write_content_size=size).compress(data)


class CollectorTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "out.jsonl")
        self.control = os.path.join(self.tmp.name, "control")
        self.proc = subprocess.Popen(
            [sys.executable, COLLECTOR, "--out", self.out, "--control", self.control,
             "--collection", "tailtraffic.log.tailscale.io"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.port = int(self.proc.stdout.readline())

    def tearDown(self):
        self.proc.terminate()
        self.proc.wait()
        self.proc.stdout.close()
        self.tmp.cleanup()

    def post(self, data, path=PATH, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.putrequest("POST", path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            c.putheader(k, v)
        c.putheader("Content-Length", str(len(data)))
        c.endheaders(data)
        r = c.getresponse()
        r.read()
        c.close()
        return r.status, r.getheader("Retry-After")

    def stats(self):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", "/stats")
        s = json.loads(c.getresponse().read())
        c.close()
        return s

    def test_good_batches_are_stored_once(self):
        self.assertEqual(self.post(body(entry(1, nodeId="n"), entry(2)))[0], 200)
        gz = gzip.compress(body(entry(2), entry(3)))
        self.assertEqual(self.post(gz, headers={
            "Content-Encoding": "gzip",
            "Orig-Content-Length": str(len(body(entry(2), entry(3))))})[0], 200)
        b = body(entry(4))
        self.assertEqual(self.post(zstd(b), headers={
            "Content-Encoding": "zstd",
            "Orig-Content-Length": str(len(b))})[0], 200)
        s = self.stats()
        self.assertEqual((s["entries"], s["duplicates"], s["errors"], s["gzip"],
                          s["zstd"], s["identity"]), (4, 1, 0, 1, 1, 1))
        self.assertEqual(s["content_encoding"], [None, "gzip", "zstd"])
        self.assertEqual(s["orig_length"], [None, str(len(body(entry(2), entry(3)))),
                                            str(len(b))])
        with open(self.out) as f:
            seqs = [json.loads(line)["logtail"]["proc_seq"] for line in f]
        self.assertEqual(seqs, [1, 2, 3, 4])

    def test_bad_requests_get_400(self):
        good = body(entry(1))
        bad = [
            (good, f"/c/tailtraffic.log.tailscale.io/{PRIV[:-1]}", {}),
            (good, f"/c/other.collection/{PRIV}", {}),
            (good, f"/x/tailtraffic.log.tailscale.io/{PRIV}", {}),
            (good, f"{PATH}&extra=1", {}),
            (good, f"/c/tailtraffic.log.tailscale.io/{PRIV}?copyId=zz", {}),
            (b"not gzip", PATH, {"Content-Encoding": "gzip",
                                 "Orig-Content-Length": "8"}),
            (gzip.compress(good), PATH, {"Content-Encoding": "gzip",
                                         "Orig-Content-Length": "1"}),
            (gzip.compress(good), PATH, {"Content-Encoding": "gzip"}),
            (good, PATH, {"Content-Encoding": "zstd"}),
            (good, PATH, {"Content-Encoding": "br"}),
            (zstd(good), PATH, {"Content-Encoding": "zstd",
                                "Orig-Content-Length": str(len(good) + 1)}),
            (zstd(good), PATH, {"Content-Encoding": "zstd"}),
            (zstd(good, checksum=False), PATH, {
                "Content-Encoding": "zstd", "Orig-Content-Length": str(len(good))}),
            (zstd(good, size=False), PATH, {
                "Content-Encoding": "zstd", "Orig-Content-Length": str(len(good))}),
            (zstd(good)[:-1], PATH, {
                "Content-Encoding": "zstd", "Orig-Content-Length": str(len(good))}),
            (zstd(good) + zstd(b""), PATH, {
                "Content-Encoding": "zstd", "Orig-Content-Length": str(len(good))}),
            (good, PATH, {"Accept-Encoding": "gzip"}),
            (b"[{\"logtail\":", PATH, {}),
            (b"{}", PATH, {}),
            (b"[]", PATH, {}),
            (body({"nodeId": "n", "logtail": entry(1)["logtail"]}), PATH, {}),
            (body({"text": "logger closing down"}), PATH, {}),
            (body({"text": "----------- 0 logs dropped ----------"}), PATH, {}),
            (body({"text": "----------- 1 logs dropped ---------- "}), PATH, {}),
            (body({"text": "----------- 1 logs dropped ----------", "x": 1}), PATH, {}),
            (body({"text": 1}), PATH, {}),
            (body(entry(0)), PATH, {}),
            (body(entry(1, pid=0)), PATH, {}),
            (body(entry(1, pid=2**32)), PATH, {}),
            (body({"logtail": {"client_time": "yesterday", "proc_id": 1,
                               "proc_seq": 1}}), PATH, {}),
            (b'[{"logtail":{"client_time":"2025-11-26T20:00:05Z","proc_id":1,'
             b'"proc_seq":1},"a":1,"a":2}]', PATH, {}),
            (body(*[entry(i, pad="x" * 100000) for i in range(1, 4)]), PATH, {}),
        ]
        for data, path, headers in bad:
            with self.subTest(path=path, headers=headers, data=data[:60]):
                self.assertEqual(self.post(data, path, headers)[0], 400)
        s = self.stats()
        self.assertEqual((s["errors"], s["entries"]), (len(bad), 0))
        # one big entry alone may exceed 256 KiB
        self.assertEqual(self.post(body(entry(9, pad="x" * 300000)))[0], 200)

    def test_dropped_marker_as_tailscale_sends_it(self):
        # logtail's marker carries no logtail member and comes first
        marker = {"text": "----------- 17 logs dropped ----------"}
        b = body(marker, entry(20, nodeId="n"), entry(21))
        self.assertEqual(self.post(zstd(b), headers={
            "Content-Encoding": "zstd", "Orig-Content-Length": str(len(b))})[0], 200)
        self.assertEqual(self.post(body({"text": "----------- 2 logs dropped ----------"},
                                        entry(30)))[0], 200)
        s = self.stats()
        self.assertEqual((s["entries"], s["errors"], s["markers"]), (3, 0, [17, 2]))
        with open(self.out) as f:
            lines = [json.loads(line) for line in f]
        self.assertEqual(lines[0], marker)
        self.assertEqual([e["logtail"]["proc_seq"] for e in lines if "logtail" in e],
                         [20, 21, 30])
        self.assertEqual(len(lines), 5)

    def test_faults_from_control_file(self):
        with open(self.control + ".tmp", "w") as f:
            f.write("500*2\n429*1/7\n")
        os.rename(self.control + ".tmp", self.control)
        data = body(entry(1))
        self.assertEqual(self.post(data), (500, None))
        self.assertEqual(self.post(data), (500, None))
        self.assertEqual(self.post(data), (429, "7"))
        self.assertEqual(self.post(data)[0], 200)
        with open(self.control + ".tmp", "w") as f:
            f.write("drop*1 slow*1/1\n")
        os.rename(self.control + ".tmp", self.control)
        with self.assertRaises((http.client.HTTPException, ConnectionError)):
            self.post(data)
        t0 = time.monotonic()
        self.assertEqual(self.post(body(entry(2)))[0], 200)
        self.assertGreaterEqual(time.monotonic() - t0, 1.0)
        s = self.stats()
        self.assertEqual((s["faults"], s["entries"], s["errors"], s["requests"]),
                         (5, 2, 0, 6))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].endswith(".py"):
        COLLECTOR = sys.argv.pop(1)
    unittest.main(verbosity=1)
