# SPDX-License-Identifier: GPL-2.0
"""S3-compatible PutObject, path style, signed with AWS Signature Version 4.

PUT /{bucket}/{key}, no query string. The signature is recomputed with
botocore's S3SigV4Auth over the request as received (method, raw path,
the headers named in SignedHeaders, x-amz-content-sha256) and compared;
x-amz-date must be within 15 minutes, the credential scope must be
DATE/--region/s3/aws4_request with --access-key, every x-amz-* header must
be signed, x-amz-content-sha256 must be the SHA-256 of the body as sent (not
UNSIGNED-PAYLOAD), and x-amz-security-token must be --session-token when
one is configured. Errors are S3's XML documents (SignatureDoesNotMatch 403,
XAmzContentSHA256Mismatch 400, ...).

The key must be {--prefix/}year=YYYY/month=MM/day=DD/hour=HH/
{node}-{proc_id}-{seq}.ndjson[.gz|.zst]; the object is NDJSON records,
gzip or zstd compressed as the extension says (a Content-Encoding header,
if sent, must agree). Objects are written under --out-dir/{bucket}/{key}
and listed in /stats; records are kept once per (key, line). Putting a
different object under a key already written is counted as an error (the
first one is lost), the same object again as duplicates. Answers 200 with
the ETag (the MD5 of the body, quoted).
"""
import base64
import datetime
import hashlib
import hmac
import os
import re
import threading
import uuid
from urllib.parse import unquote
from xml.sax.saxutils import escape

from receiver import Reject, Reply, decode, record_line

NAME = "s3"
ENCODINGS = ()
DECODE = False
CONTENT_TYPE = "application/xml"
AUTH = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request,"
                  r"\s*SignedHeaders=([a-z0-9;_-]+),\s*Signature=([0-9a-f]{64})$")
AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
KEY = (r"year=(\d{4})/month=(\d\d)/day=(\d\d)/hour=(\d\d)/"
       r"([A-Za-z0-9._-]+)-(\d+)-(\d+)\.ndjson(\.gz|\.zst)?")
SKEW = datetime.timedelta(minutes=15)
EXT_ENCODING = {None: "none", ".gz": "gzip", ".zst": "zstd"}


def add_args(p):
    p.add_argument("--bucket", required=True)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--access-key", required=True)
    p.add_argument("--secret-key", required=True)
    p.add_argument("--session-token", help="required x-amz-security-token")
    p.add_argument("--prefix", default="", help="key prefix, without the trailing /")
    p.add_argument("--out-dir", help="write each object as OUT_DIR/BUCKET/KEY")


def xml_error(code, message, **extra):
    rid = uuid.uuid4().hex[:16].upper()
    parts = [f"<Code>{code}</Code>", f"<Message>{escape(message)}</Message>"]
    parts += [f"<{k}>{escape(str(v))}</{k}>" for k, v in extra.items()]
    parts.append(f"<RequestId>{rid}</RequestId>")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<Error>' + "".join(parts) + "</Error>"


def s3err(status, code, message, why=None, **extra):
    return Reject(status, xml_error(code, message, **extra), why or f"{code}: {message}")


class Protocol:
    def __init__(self, args, state):
        import botocore.auth
        import botocore.awsrequest
        import botocore.compat
        import botocore.credentials
        self.botocore = botocore
        self.args = args
        self.state = state
        self.creds = botocore.credentials.Credentials(args.access_key, args.secret_key,
                                                      args.session_token)
        self.key_re = re.compile("^" + (re.escape(args.prefix) + "/" if args.prefix else "") + KEY + "$")
        self.objects = {}  # key -> {size, etag, encoding, records}
        self.lock = threading.Lock()

    def error_body(self, status, text):
        code = {500: "InternalError", 503: "SlowDown", 429: "SlowDown", 400: "InvalidRequest",
                403: "AccessDenied", 404: "NoSuchKey", 411: "MissingContentLength"}.get(status, "InternalError")
        return xml_error(code, text)

    def stats(self):
        with self.lock:
            return {"objects": [dict(v, key=k) for k, v in sorted(self.objects.items())]}

    def handle(self, req):
        if req.method != "PUT":
            raise s3err(405, "MethodNotAllowed", "The specified method is not allowed against this resource.",
                        f"method {req.method}", Method=req.method)
        if req.query_string:
            raise s3err(400, "InvalidRequest", "a sink only puts whole objects",
                        f"query string {req.query_string!r}")
        bucket, _, raw_key = req.path.lstrip("/").partition("/")
        if not raw_key:
            raise s3err(400, "InvalidRequest", "no key", f"no key in {req.path!r}")
        self.verify(req)
        if bucket != self.args.bucket:
            raise s3err(404, "NoSuchBucket", "The specified bucket does not exist", BucketName=bucket)
        key = unquote(raw_key)
        m = self.key_re.match(key)
        if not m:
            raise s3err(400, "InvalidArgument", f"test: key {key!r} is not "
                        f"{self.key_re.pattern}", f"bad key {key!r}")
        enc = EXT_ENCODING[m.group(8)]
        hdr = req.headers.get("Content-Encoding")
        if hdr is not None and hdr != enc:
            raise s3err(400, "InvalidArgument", f"test: Content-Encoding {hdr!r} but the key says {enc}")
        md5 = hashlib.md5(req.raw).digest()
        if req.headers.get("Content-MD5") is not None:
            try:
                want = base64.b64decode(req.headers["Content-MD5"], validate=True)
            except ValueError:
                want = b""
            if len(want) != 16:
                raise s3err(400, "InvalidDigest", "The Content-MD5 you specified is not valid.")
            if want != md5:
                raise s3err(400, "BadDigest", "The Content-MD5 you specified did not match what we received.")
        try:
            text = decode(req.raw, enc).decode("utf-8")
        except Exception as e:
            raise s3err(400, "InvalidArgument", f"test: object does not decode as {enc}: {e}")
        if not text.endswith("\n"):
            raise s3err(400, "InvalidArgument", "test: object's last line does not end in a newline")
        records = [record_line(line, lambda why: s3err(400, "InvalidArgument", why),
                               f"test: line {n}")
                   for n, line in enumerate(text[:-1].split("\n"), 1)]
        etag = '"' + md5.hex() + '"'
        with self.lock:
            old = self.objects.get(key)
            if old is not None and old["etag"] != etag:
                self.state.error(f"object {key} overwritten with different content: "
                                 f"{old['records']} records lost")
            self.objects[key] = {"size": len(req.raw), "etag": etag, "encoding": enc,
                                 "content_type": req.headers.get("Content-Type"),
                                 "records": len(records)}
            if self.args.out_dir:
                path = os.path.join(self.args.out_dir, bucket, key)
                os.makedirs(os.path.dirname(path), exist_ok=True)
                with open(path, "wb") as f:
                    f.write(req.raw)
        for i, rec in enumerate(records):
            self.state.store(rec, ("s3", key, etag, i))
        return Reply(200, b"", [("ETag", etag), ("x-amz-request-id", uuid.uuid4().hex[:16].upper())])

    def verify(self, req):
        h = req.headers.get("Authorization")
        if h is None:
            raise s3err(403, "AccessDenied", "Access Denied", "no Authorization")
        m = AUTH.match(h)
        if not m:
            raise s3err(400, "AuthorizationHeaderMalformed",
                        "The authorization header is malformed.", f"Authorization {h!r}")
        akid, date, region, service, signed, sig = m.groups()
        amz_date = req.headers.get("x-amz-date")
        if amz_date is None or not AMZ_DATE.match(amz_date):
            raise s3err(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header",
                        f"x-amz-date {amz_date!r}")
        if akid != self.args.access_key:
            raise s3err(403, "InvalidAccessKeyId",
                        "The AWS Access Key Id you provided does not exist in our records.",
                        AWSAccessKeyId=akid)
        if date != amz_date[:8]:
            raise s3err(400, "AuthorizationHeaderMalformed",
                        f"Invalid credential date. Date is not the same as X-Amz-Date: {date}.")
        if region != self.args.region:
            raise s3err(400, "AuthorizationHeaderMalformed",
                        f"The authorization header is malformed; the region '{region}' is wrong; "
                        f"expecting '{self.args.region}'", Region=self.args.region)
        if service != "s3":
            raise s3err(400, "AuthorizationHeaderMalformed",
                        f"The authorization header is malformed; incorrect service '{service}'. "
                        "This endpoint belongs to 's3'.")
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        now = datetime.datetime.now(datetime.timezone.utc)
        if abs(now - when) > SKEW:
            raise s3err(403, "RequestTimeTooSkewed",
                        "The difference between the request time and the current time is too large.",
                        RequestTime=amz_date, ServerTime=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        MaxAllowedSkewMilliseconds=900000)
        names = signed.split(";")
        if names != sorted(set(names)) or "host" not in names:
            raise s3err(400, "AuthorizationHeaderMalformed",
                        f"SignedHeaders {signed!r} must be sorted, unique and include host")
        missing = [n for n in names if req.headers.get(n) is None]
        if missing:
            raise s3err(403, "SignatureDoesNotMatch", f"signed headers {missing} are not in the request")
        unsigned = sorted({k.lower() for k in req.headers.keys()
                           if k.lower().startswith("x-amz-")} - set(names))
        if unsigned:
            raise s3err(403, "AccessDenied", "There were headers present in the request which were not signed",
                        HeadersNotSigned=", ".join(unsigned))
        token = req.headers.get("x-amz-security-token")
        if self.args.session_token and token is None:
            raise s3err(403, "InvalidAccessKeyId",
                        "The AWS Access Key Id you provided does not exist in our records.",
                        "session token configured but no x-amz-security-token", AWSAccessKeyId=akid)
        if token is not None and token != self.args.session_token:
            raise s3err(400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
        sha = req.headers.get("x-amz-content-sha256")
        if sha is None:
            raise s3err(400, "InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
        if not HEX64.match(sha):
            raise s3err(400, "InvalidArgument", f"test: x-amz-content-sha256 {sha!r} is not the "
                        "SHA-256 of the body", f"x-amz-content-sha256 {sha!r}")
        computed = hashlib.sha256(req.raw).hexdigest()
        if sha != computed:
            raise s3err(400, "XAmzContentSHA256Mismatch",
                        "The provided 'x-amz-content-sha256' header does not match what was computed.",
                        ClientComputedContentSHA256=sha, S3ComputedContentSHA256=computed)
        want, canonical, sts = self.sign(req, names, amz_date)
        if not hmac.compare_digest(want, sig):
            raise s3err(403, "SignatureDoesNotMatch",
                        "The request signature we calculated does not match the signature you provided. "
                        "Check your key and signing method.",
                        f"signature {sig}, computed {want}; canonical request:\n{canonical}",
                        AWSAccessKeyId=akid, StringToSign=sts, SignatureProvided=sig,
                        CanonicalRequest=canonical)

    def sign(self, req, names, amz_date):
        """botocore's signature over the request as received."""
        bc = self.botocore
        headers = bc.compat.HTTPHeaders()
        for n in names:
            for v in req.headers.get_all(n):
                headers[n] = v
        url = "http://" + req.headers["Host"] + req.path
        aws = bc.awsrequest.AWSRequest(method=req.method, url=url, headers={}, data=req.raw)
        aws.headers = headers
        aws.context["timestamp"] = amz_date

        class Signer(bc.auth.S3SigV4Auth):
            def headers_to_sign(self, request):
                return headers  # exactly the ones the client signed, user-agent included

        signer = Signer(self.creds, "s3", self.args.region)
        canonical = signer.canonical_request(aws)
        sts = signer.string_to_sign(aws, canonical)
        return signer.signature(sts, aws), canonical, sts
