#!/usr/bin/python3
"""Seeded, model-based fuzzer of the "netlog" generic netlink family.

usage: nlfuzz.py [--seed N] [--count N] [--verbose] [--skip-known-bugs]

Runs as root in a fresh network namespace (only "lo" there, up, nothing
configured) with netlog.ko loaded; Python 3 standard library only. It sends
COUNT requests drawn from random.Random(SEED) on one NETLINK_GENERIC socket
(NETLINK_EXT_ACK and NETLINK_CAP_ACK set), reads every answer to each before
sending the next, and compares the answers with a model. Then it counts known
UDP traffic on "lo" and checks the flows and statistics exactly. Exit status:
0 when everything matched, 1 on any mismatch (the first ten are reported in
full: seed, message index, hex dump, expected and actual answers, extack
text) or error.

The model
---------
Requests are mostly well formed, and otherwise broken at one level on purpose
(netlink header, genetlink header, attribute, list item), sometimes fully
random. The expected answer is not attached by the generator: Model.expect()
derives it from the bytes actually sent, doing what Linux 6.1 and netlog.ko
do with them, in their order:

1. netlink_rcv_skb() (net/netlink/af_netlink.c): a message whose nlmsg_len is
   below 16 or beyond the data sent is dropped without an answer; one without
   NLM_F_REQUEST is only acknowledged (0), if NLM_F_ACK asks for it. Bytes
   after the message (the generator keeps them under 16) are ignored.
2. genl_family_rcv_msg() (net/netlink/genetlink.c): nlmsg_len shorter than the
   genetlink header: EINVAL. The family leaves resv_start_op at 0, so for every
   command a non-zero reserved field, or nlmsg_flags beyond REQUEST, ACK, ECHO
   and the NLM_F_DUMP pair: EINVAL. Unknown command (0, 6 = HIGH_WATER, 7-255):
   EOPNOTSUPP. NLM_F_DUMP on a command without dumpit, or no NLM_F_DUMP on
   GET_FLOWS (no doit): EOPNOTSUPP. The version byte is not looked at.
3. __nla_validate_parse() with NL_VALIDATE_STRICT (lib/nlattr.c), attribute by
   attribute in message order, the first error wins: type 0 or above
   NETLOG_A_MAX, or a type without policy in this command: EINVAL; U8, U32 or
   U64 of the wrong length: EINVAL; NLA_F_NESTED missing on a nest or set on a
   scalar: EINVAL; a nest of 1 to 3 bytes: ERANGE; max_flows outside
   [16, 4194304] or high_water outside [1, 100]: ERANGE; unknown FLAGS bits:
   EINVAL; then bytes left after the last whole attribute: EINVAL (the last
   attribute may lack its padding). Duplicates are all validated and accepted;
   the handlers of doit commands see the last one, GET_FLOWS reads the first
   FLAGS (nlmsg_find_attr() in flows_start()).
4. netlog's handlers, per uapi/linux/netlog.h. SET_CONFIG lists (DEVICES,
   PORTS, EXCLUDE) take items of any attribute type: a device is a
   NUL-terminated name of 2 to 16 bytes with no other NUL that
   dev_valid_name() accepts; a port exactly 2 bytes, not 0; an address
   exactly 4 or 16 bytes. More than 8/8/32 items: E2BIG; a malformed item, or
   a remainder in the nest that is not a whole item: EINVAL; then nothing of
   the request is applied. Which of E2BIG and EINVAL wins when one request
   has several list faults is not part of the contract: the model then accepts
   either (every other expectation is a single errno). ACK_WINDOW: missing
   SEQ: EINVAL, nothing pending: ESRCH, another seq: ESTALE, else 0.

The model's state is the configuration, the window state (next sequence
number, the pending window and its time stamps, windows drained and
acknowledged), whether the namespace has a live window yet, and the traffic
sent (none until the final check). A request's effect is applied to the
model only once the kernel's answer matched; after a mismatch the model is
reloaded from GET_CONFIG and GET_STATS.

Answers are read without blocking: genetlink handles a request inside
sendmsg(), and each dump part is produced inside the recvmsg() that takes the
previous one, so everything is queued by the time it is read, and "no answer"
is an empty queue. Every answer carries the request's sequence number. An
error is one NLMSG_ERROR echoing the request's header; a success is the reply
(GET_CONFIG, GET_STATS: exact contents), then the ack if NLM_F_ACK; a dump is
its messages, all with NLM_F_MULTI and none with NLM_F_DUMP_INTR, the first
one holding the window, then NLMSG_DONE with 0 (never an ack). A peek reads
window seq 0; a drain the pending window if any (same seq and time stamps),
else the next seq. Message 0 is always a peek of the namespace as the caller
made it, never configured. GET_CONFIG is checked against the model after
every rejected SET_CONFIG and every 50 messages.

Known bugs (--skip-known-bugs)
------------------------------
Two classes fail against netlog.ko before its list and peek fixes: a
SET_CONFIG whose only fault is a list remainder (accepted, part of the list
applied), and a peek of a namespace that never had a window (NLM_F_DUMP_INTR
set). With --skip-known-bugs the first kind is not generated and the second
is not checked for NLM_F_DUMP_INTR; the run is otherwise the same checks.

Final check
-----------
DEVICES ["lo"], no ports, the default exclusions; the pending window acked,
one drain and ack for a clean window boundary; then 37 UDP datagrams
127.0.0.1:40001 -> 127.0.0.1:40002 and 23 datagrams [::1]:40001 ->
[::1]:40002, all received. On lo the POST_ROUTING hook counts each datagram
as virtual tx with local = source, and LOCAL_IN as virtual rx with local =
destination: two flows per address family, one tx only and one rx only, of
IP packet lengths (20 or 40 + 8 + payload bytes). A peek, a drain and
GET_STATS must show exactly that.
"""

import argparse
import errno
import os
import random
import socket
import struct
import sys
import time

# uapi/linux/netlog.h
GENL_NAME = b"netlog"
GENL_VERSION = 1
MAX_DEVICES, MAX_PORTS, MAX_EXCLUDE = 8, 8, 32
MIN_FLOWS, MAX_FLOWS = 16, 4194304
DEFAULT_HIGH_WATER = 75
FLOWS_DRAIN = 0x1
KIND_VIRTUAL = 0
(CMD_GET_CONFIG, CMD_SET_CONFIG, CMD_GET_FLOWS, CMD_ACK_WINDOW, CMD_GET_STATS,
 CMD_HIGH_WATER) = range(1, 7)
(A_PAD, A_DEVICES, A_DEVICE_IFINDEXES, A_PORTS, A_EXCLUDE, A_MAX_FLOWS,
 A_HIGH_WATER, A_FLAGS, A_WINDOW, A_FLOWS, A_WINDOW_SEQ, A_STATS) = range(1, 13)
A_MAX = A_STATS
(W_PAD, W_SEQ, W_START_NS, W_END_NS, W_NFLOWS, W_MISSES, W_EXCLUDED) = range(1, 8)
MISS_TABLE_FULL = 1
C_PAD, C_PKTS, C_BYTES = 1, 2, 3
(F_PAD, F_KIND, F_PROTO, F_LOCAL_ADDR, F_LOCAL_PORT, F_REMOTE_ADDR,
 F_REMOTE_PORT, F_TX_PKTS, F_TX_BYTES, F_RX_PKTS, F_RX_BYTES) = range(1, 12)
(S_PAD, S_VIRT_TX_PKTS, S_VIRT_TX_BYTES, S_VIRT_RX_PKTS, S_VIRT_RX_BYTES,
 S_PHYS_TX_PKTS, S_PHYS_TX_BYTES, S_PHYS_RX_PKTS, S_PHYS_RX_BYTES,
 S_FLOWS_CREATED, S_MISS_PKTS, S_MISS_BYTES, S_EXCL_PKTS, S_EXCL_BYTES,
 S_WINDOWS_DRAINED, S_WINDOWS_ACKED, S_LIVE_FLOWS, S_LIVE_FILL_MAX,
 S_PENDING_SEQ) = range(1, 20)
DEFAULT_EXCLUDE = [socket.inet_pton(socket.AF_INET, "100.100.100.100"),
                   socket.inet_pton(socket.AF_INET6, "fd7a:115c:a1e0::53")]

# linux/netlink.h, linux/genetlink.h
NETLINK_GENERIC, SOL_NETLINK = 16, 270
NETLINK_CAP_ACK, NETLINK_EXT_ACK = 10, 11
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_MULTI, NLM_F_ACK, NLM_F_ECHO = 0x1, 0x2, 0x4, 0x8
NLM_F_DUMP_INTR, NLM_F_DUMP_FILTERED = 0x10, 0x20
NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC = 0x100, 0x200, 0x400
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
NLMSGERR_ATTR_MSG = 1
NLA_F_NESTED, NLA_TYPE_MASK = 0x8000, 0x3fff
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2

NLMSGHDR = struct.Struct("=IHHII")
GENLHDR = struct.Struct("=BBH")
NLAHDR = struct.Struct("=HH")
U16, U32, U64 = struct.Struct("=H"), struct.Struct("=I"), struct.Struct("=Q")

CMD_NAMES = {CMD_GET_CONFIG: "get_config", CMD_SET_CONFIG: "set_config",
             CMD_GET_FLOWS: "get_flows", CMD_ACK_WINDOW: "ack_window",
             CMD_GET_STATS: "get_stats"}
FULL_REPORTS = 10       # mismatches reported in full; later ones in one line
CONFIG_CHECK_EVERY = 50
DEV_SPACES = b" \t\n\v\f\r\xa0"   # isspace() of lib/ctype.c


def align4(n):
    return (n + 3) & ~3


def nla(atype, payload=b""):
    """One attribute, padded."""
    pad = b"\0" * (align4(len(payload)) - len(payload))
    return NLAHDR.pack(4 + len(payload), atype) + payload + pad


def walk(buf, start, end):
    """nla_for_each_attr(): [(raw type, data offset, data length)], rem.

    rem > 0 means bytes that are not a whole attribute were left over."""
    items, pos, rem = [], start, end - start
    while rem >= 4:
        alen, atype = NLAHDR.unpack_from(buf, pos)
        if alen < 4 or alen > rem:
            break
        items.append((atype, pos + 4, alen - 4))
        pos += align4(alen)
        rem -= align4(alen)
    return items, rem


ERRNAMES = {**errno.errorcode, errno.EOPNOTSUPP: "EOPNOTSUPP"}   # not ENOTSUP


def errname(e):
    return ERRNAMES.get(e, str(e)).lower() if e else "ok"


def hexdump(data):
    return "\n".join(f"    {i:04x}: {data[i:i + 16].hex(' ')}"
                     for i in range(0, len(data), 16))


class BadReply(Exception):
    """An answer that is malformed or differs from the model."""


# --------------------------------------------------------------- the socket

class Reply:
    __slots__ = ("type", "flags", "seq", "pid", "payload")

    def __init__(self, mtype, flags, seq, pid, payload):
        self.type, self.flags, self.seq, self.pid = mtype, flags, seq, pid
        self.payload = payload

    def error(self):
        """(errno, extack message) of an NLMSG_ERROR."""
        err = -struct.unpack_from("=i", self.payload)[0]
        msg = ""
        if self.flags & NLM_F_ACK_TLVS and self.flags & NLM_F_CAPPED:
            for atype, off, alen in walk(self.payload, 4 + NLMSGHDR.size,
                                         len(self.payload))[0]:
                if atype & NLA_TYPE_MASK == NLMSGERR_ATTR_MSG:
                    msg = self.payload[off:off + alen].rstrip(b"\0").decode(errors="replace")
        return err, msg

    def describe(self):
        if self.type == NLMSG_ERROR:
            err, msg = self.error()
            text = "ack" if not err else errname(err).upper()
            return text + (f" (extack {msg!r})" if msg else "")
        if self.type == NLMSG_DONE:
            return f"NLMSG_DONE {struct.unpack_from('=i', self.payload)[0]}"
        cmd = self.payload[0] if self.payload else None
        return f"message type {self.type} cmd {cmd} flags {self.flags:#x} ({len(self.payload)} bytes)"


class Netlink:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.bind((0, 0))
        self.portid = self.sock.getsockname()[0]
        self.seq = 0

    def next_seq(self):
        self.seq += 1
        return self.seq

    def exchange(self, data):
        """Send one request and return every answer queued for it."""
        self.sock.send(data)
        replies = []
        while True:
            try:
                buf = self.sock.recv(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return replies
            pos = 0
            while pos + 16 <= len(buf):
                mlen, mtype, flags, seq, pid = NLMSGHDR.unpack_from(buf, pos)
                if mlen < 16 or pos + mlen > len(buf):
                    raise BadReply(f"truncated answer: {buf[pos:].hex()}")
                replies.append(Reply(mtype, flags, seq, pid, buf[pos + 16:pos + mlen]))
                pos += align4(mlen)

    def resolve_family(self, name):
        seq = self.next_seq()
        body = GENLHDR.pack(CTRL_CMD_GETFAMILY, 2, 0) + nla(CTRL_ATTR_FAMILY_NAME, name + b"\0")
        replies = self.exchange(NLMSGHDR.pack(16 + len(body), GENL_ID_CTRL,
                                              NLM_F_REQUEST, seq, 0) + body)
        for r in replies:
            if r.type == NLMSG_ERROR:
                err, msg = r.error()
                sys.exit(f"nlfuzz: family {name.decode()}: {errname(err).upper()} {msg} "
                         "(is netlog.ko loaded?)")
            for atype, off, alen in walk(r.payload, 4, len(r.payload))[0]:
                if atype & NLA_TYPE_MASK == CTRL_ATTR_FAMILY_ID:
                    return U16.unpack_from(r.payload, off)[0]
        sys.exit(f"nlfuzz: no id for family {name.decode()}")


# ---------------------------------------------------------------- requests

class Req:
    """A request under construction: attributes as encoded bytes, and the
    header or length faults to apply when it is encoded."""

    def __init__(self, cmd, attrs=(), flags=NLM_F_REQUEST | NLM_F_ACK, label=""):
        self.cmd, self.attrs, self.flags, self.label = cmd, list(attrs), flags, label
        self.version, self.reserved = GENL_VERSION, 0
        self.trailer = b""
        self.nlmsg_len = None     # a lie, when set
        self.truncate = None      # send only that many bytes

    def body(self):
        return (GENLHDR.pack(self.cmd, self.version, self.reserved)
                + b"".join(self.attrs) + self.trailer)

    def encode(self, family, seq):
        body = self.body()
        data = NLMSGHDR.pack(16 + len(body) if self.nlmsg_len is None else self.nlmsg_len,
                             family, self.flags, seq, 0) + body
        return data if self.truncate is None else data[:self.truncate]


def item_type(rng):
    """List items' attribute types are ignored: mostly 0, sometimes anything."""
    return 0 if rng.random() < 0.7 else rng.randrange(65536)


DEV_POOL = [b"fz%d" % i for i in range(10)] + [b"lo", b"wg0", b"a", b"abcdefghijklmno",
                                               b"\xe9t\xe9", b"x-y_z.0"]
BAD_DEV_ITEMS = [b"", b"\0", b".\0", b"..\0", b"a/b\0", b"a:b\0", b"a b\0", b"\tx\0",
                 b"x\n\0", b"x\x0b\0", b"x\x0c\0", b"x\r\0", b"\xa0x\0", b"fz0",
                 b"fz\0" + b"0\0", b"x" * 16 + b"\0", b"y" * 20 + b"\0", b"lo\0\0"]


def valid_items(rng, which, n):
    if which == A_DEVICES:
        return [nla(item_type(rng), name + b"\0") for name in rng.choices(DEV_POOL, k=n)]
    if which == A_PORTS:
        return [nla(item_type(rng), U16.pack(rng.randint(1, 65535))) for _ in range(n)]
    return [nla(item_type(rng), rng.randbytes(rng.choice((4, 16)))) for _ in range(n)]


def bad_item(rng, which):
    if which == A_DEVICES:
        payload = rng.choice(BAD_DEV_ITEMS)
    elif which == A_PORTS:
        payload = rng.choice((b"", b"\1", U16.pack(0), b"\1\2\3", U32.pack(80)))
    else:
        payload = rng.randbytes(rng.choice((0, 1, 2, 3, 5, 6, 8, 12, 15, 17, 20, 32)))
    return nla(item_type(rng), payload)


def list_remainder(rng):
    """What must not end a list: junk, a header shorter than itself, a header
    running past the nest."""
    kind = rng.randrange(3)
    if kind == 0:
        return "junk", rng.randbytes(rng.randint(1, 3))
    if kind == 1:
        return "short item header", NLAHDR.pack(rng.randint(0, 3), item_type(rng)) + \
            rng.randbytes(rng.choice((0, 0, 4, 8)))
    data = rng.randbytes(rng.randint(0, 12))
    return "item past the nest", NLAHDR.pack(4 + len(data) + rng.randint(1, 40),
                                             item_type(rng)) + data


def deep_item(rng, depth):
    """Nested garbage: nests of nests of random bytes."""
    if depth == 0 or rng.random() < 0.3:
        return nla(item_type(rng), rng.randbytes(rng.randint(0, 17)))
    inner = b"".join(deep_item(rng, depth - 1) for _ in range(rng.randint(1, 3)))
    return nla(rng.randrange(65536) | NLA_F_NESTED, inner)


def list_attr(which, items, nested=True):
    return nla(which | (NLA_F_NESTED if nested else 0), b"".join(items))


def random_set_fields(rng, min_fields=0):
    """A random valid SET_CONFIG: {attribute type: value}."""
    fields = {}
    keys = [A_DEVICES, A_PORTS, A_EXCLUDE, A_MAX_FLOWS, A_HIGH_WATER]
    for key in rng.sample(keys, rng.randint(min_fields, len(keys))):
        if key == A_DEVICES:
            fields[key] = rng.choices(DEV_POOL, k=rng.randint(0, MAX_DEVICES))
        elif key == A_PORTS:
            fields[key] = [rng.randint(1, 65535) for _ in range(rng.randint(0, MAX_PORTS))]
        elif key == A_EXCLUDE:
            n = rng.choice((0, 1, 2, 3, rng.randint(0, MAX_EXCLUDE)))
            fields[key] = [rng.randbytes(rng.choice((4, 16))) for _ in range(n)]
        elif key == A_MAX_FLOWS:
            fields[key] = rng.choice((MIN_FLOWS, 4096, rng.randint(MIN_FLOWS, 4096)))
        else:
            fields[key] = rng.choice((1, 100, rng.randint(1, 100)))
    return fields


def encode_set(rng, fields):
    attrs = []
    for key, value in fields.items():
        if key == A_DEVICES:
            attrs.append(list_attr(key, [nla(item_type(rng), n + b"\0") for n in value]))
        elif key == A_PORTS:
            attrs.append(list_attr(key, [nla(item_type(rng), U16.pack(p)) for p in value]))
        elif key == A_EXCLUDE:
            attrs.append(list_attr(key, [nla(item_type(rng), a) for a in value]))
        elif key == A_MAX_FLOWS:
            attrs.append(nla(key, U32.pack(value)))
        else:
            attrs.append(nla(key, bytes([value])))
    rng.shuffle(attrs)
    return attrs


def insert(rng, attrs, attr):
    attrs.insert(rng.randint(0, len(attrs)), attr)


def gen_set_valid(rng, model):
    return Req(CMD_SET_CONFIG, encode_set(rng, random_set_fields(rng)),
               label="set_config: valid")


def gen_set_fault(rng, model):
    """A SET_CONFIG with one fault in a list or scalar attribute (the only
    attribute of its type, which a later duplicate would override)."""
    fault = rng.choice(("too many items", "bad item", "remainder", "remainder",
                        "nested garbage", "random list", "nest without NLA_F_NESTED",
                        "nest of 1-3 bytes", "scalar out of range",
                        "scalar of wrong length", "scalar with NLA_F_NESTED",
                        "duplicate", "generic"))
    which = rng.choice((A_DEVICES, A_PORTS, A_EXCLUDE))
    limit = {A_DEVICES: MAX_DEVICES, A_PORTS: MAX_PORTS, A_EXCLUDE: MAX_EXCLUDE}[which]
    scalar = rng.choice((A_MAX_FLOWS, A_HIGH_WATER))
    fields = random_set_fields(rng)
    if fault not in ("duplicate", "generic"):
        fields.pop(scalar if fault.startswith("scalar") else which, None)
    attrs = encode_set(rng, fields)
    label = fault
    if fault == "too many items":
        bad = list_attr(which, valid_items(rng, which, limit + rng.randint(1, 4)))
    elif fault == "bad item":
        items = valid_items(rng, which, rng.randint(0, limit - 1))
        insert(rng, items, bad_item(rng, which))
        bad = list_attr(which, items)
    elif fault == "remainder":
        what, tail = list_remainder(rng)
        label = f"list remainder: {what}"
        bad = list_attr(which, valid_items(rng, which, rng.randint(0, limit)) + [tail])
    elif fault == "nested garbage":
        items = valid_items(rng, which, rng.randint(0, 3))
        for _ in range(rng.randint(1, 2)):
            insert(rng, items, deep_item(rng, 3))
        bad = list_attr(which, items)
    elif fault == "random list":
        bad = list_attr(which, [rng.randbytes(rng.randint(4, 48))])
    elif fault == "nest without NLA_F_NESTED":
        bad = list_attr(which, valid_items(rng, which, rng.randint(0, 3)), nested=False)
    elif fault == "nest of 1-3 bytes":
        bad = nla(which | NLA_F_NESTED, rng.randbytes(rng.randint(1, 3)))
    elif fault == "scalar out of range":
        if scalar == A_MAX_FLOWS:
            value = rng.choice((0, 1, MIN_FLOWS - 1, MAX_FLOWS + 1, 0xffffffff,
                                rng.randint(MAX_FLOWS + 1, 0xffffffff)))
            bad = nla(scalar, U32.pack(value))
        else:
            bad = nla(scalar, bytes([rng.choice((0, 101, 255, rng.randint(101, 255)))]))
    elif fault == "scalar of wrong length":
        good = 4 if scalar == A_MAX_FLOWS else 1
        bad = nla(scalar, rng.randbytes(rng.choice([n for n in range(9) if n != good])))
    elif fault == "scalar with NLA_F_NESTED":
        bad = nla(scalar | NLA_F_NESTED, U32.pack(64) if scalar == A_MAX_FLOWS else b"\x32")
    elif fault == "duplicate":
        # All copies pass the policy; the handler parses the last one only.
        first = encode_set(rng, random_set_fields(rng, 1))
        if rng.random() < 0.5:
            first.insert(0, list_attr(which, [bad_item(rng, which)]))
        attrs = first + attrs
        bad = None
    else:
        return generic_fault(rng, Req(CMD_SET_CONFIG, attrs))
    if bad is not None:
        insert(rng, attrs, bad)
    return Req(CMD_SET_CONFIG, attrs, label=f"set_config: {label}")


FOREIGN = {CMD_GET_CONFIG: range(1, A_MAX + 1), CMD_GET_STATS: range(1, A_MAX + 1),
           CMD_SET_CONFIG: (A_PAD, A_DEVICE_IFINDEXES, A_FLAGS, A_WINDOW, A_FLOWS,
                            A_WINDOW_SEQ, A_STATS),
           CMD_GET_FLOWS: [t for t in range(1, A_MAX + 1) if t != A_FLAGS],
           CMD_ACK_WINDOW: [t for t in range(1, A_MAX + 1) if t != A_WINDOW_SEQ]}


def foreign_attr(rng, cmd):
    """An attribute of a type that this command's policy does not have."""
    atype = rng.choice(FOREIGN[cmd])
    if atype in (A_DEVICES, A_DEVICE_IFINDEXES, A_PORTS, A_EXCLUDE, A_WINDOW,
                 A_FLOWS, A_STATS):
        return nla(atype | NLA_F_NESTED, nla(0, U32.pack(1)))
    if atype in (A_MAX_FLOWS, A_FLAGS):
        return nla(atype, U32.pack(rng.choice((0, 1, 64))))
    if atype == A_HIGH_WATER:
        return nla(atype, b"\x32")
    if atype == A_WINDOW_SEQ:
        return nla(atype, U64.pack(rng.randint(0, 3)))
    return nla(atype)


def generic_fault(rng, req):
    """An attribute-level fault that any command can carry."""
    fault = rng.choice(("unknown type", "foreign attribute", "attribute shorter than its header",
                        "attribute past the message", "trailing bytes", "no padding at the end"))
    if fault == "unknown type":
        atype = rng.choice((0, A_MAX + 1, rng.randint(A_MAX + 1, NLA_TYPE_MASK)))
        atype |= rng.choice((0, 0, NLA_F_NESTED, 0x4000))
        insert(rng, req.attrs, nla(atype, rng.randbytes(rng.randint(0, 8))))
    elif fault == "foreign attribute":
        insert(rng, req.attrs, foreign_attr(rng, req.cmd))
    elif fault == "attribute shorter than its header":
        req.trailer = NLAHDR.pack(rng.randint(0, 3), rng.randint(1, A_MAX)) + \
            rng.randbytes(rng.choice((0, 4, 8)))
    elif fault == "attribute past the message":
        data = rng.randbytes(rng.randint(0, 12))
        req.trailer = NLAHDR.pack(4 + len(data) + rng.randint(1, 64),
                                  rng.randint(1, A_MAX)) + data
    elif fault == "trailing bytes":
        req.trailer = rng.randbytes(rng.randint(1, 3))
    else:
        # A last attribute without its padding is fine for nla_parse().
        req.attrs.append(nla(A_HIGH_WATER, b"\x28") if req.cmd == CMD_SET_CONFIG
                         else nla(rng.randint(A_MAX + 1, 99), b"\1"))
        req.attrs[-1] = req.attrs[-1][:5]
    req.label = f"{CMD_NAMES.get(req.cmd, req.cmd)}: {fault}"
    return req


def gen_get_config(rng, model):
    return Req(CMD_GET_CONFIG, flags=NLM_F_REQUEST | rng.choice((0, NLM_F_ACK)),
               label="get_config")


def gen_get_stats(rng, model):
    return Req(CMD_GET_STATS, flags=NLM_F_REQUEST | rng.choice((0, NLM_F_ACK)),
               label="get_stats")


def flows_req(attrs, label, ack=False):
    return Req(CMD_GET_FLOWS, attrs, NLM_F_REQUEST | NLM_F_DUMP | (NLM_F_ACK if ack else 0),
               label=label)


def gen_peek(rng, model):
    attrs = rng.choice(([], [nla(A_FLAGS, U32.pack(0))],
                        [nla(A_FLAGS, U32.pack(0)), nla(A_FLAGS, U32.pack(FLOWS_DRAIN))]))
    return flows_req(attrs, "get_flows: peek", rng.random() < 0.3)


def gen_drain(rng, model):
    attrs = rng.choice(([nla(A_FLAGS, U32.pack(FLOWS_DRAIN))],
                        [nla(A_FLAGS, U32.pack(FLOWS_DRAIN)), nla(A_FLAGS, U32.pack(0))]))
    return flows_req(attrs, "get_flows: drain", rng.random() < 0.3)


def gen_flows_fault(rng, model):
    fault = rng.choice(("unknown flag bits", "wrong length", "NLA_F_NESTED", "generic"))
    if fault == "unknown flag bits":
        attr = nla(A_FLAGS, U32.pack(rng.choice((2, 0x80000000, rng.randint(2, 0xffffffff)))))
    elif fault == "wrong length":
        attr = nla(A_FLAGS, rng.randbytes(rng.choice((0, 1, 2, 3, 5, 8))))
    elif fault == "NLA_F_NESTED":
        attr = nla(A_FLAGS | NLA_F_NESTED, U32.pack(rng.randint(0, 1)))
    else:
        return generic_fault(rng, flows_req([nla(A_FLAGS, U32.pack(rng.randint(0, 1)))], ""))
    attrs = [attr]
    if rng.random() < 0.3:
        insert(rng, attrs, nla(A_FLAGS, U32.pack(rng.randint(0, 1))))
    return flows_req(attrs, f"get_flows: {fault}")


def gen_ack(rng, model):
    pending = model.pending
    if pending and rng.random() < 0.6:
        seq, what = pending, "right seq"
    else:
        base = pending or model.next_seq
        seq = rng.choice((0, base - 1, base + 1, rng.randrange(1 << 64)))
        what = "other seq"
    flags = NLM_F_REQUEST | rng.choice((0, NLM_F_ACK))
    return Req(CMD_ACK_WINDOW, [nla(A_WINDOW_SEQ, U64.pack(seq % (1 << 64)))], flags,
               label=f"ack_window: {what}")


def gen_ack_fault(rng, model):
    fault = rng.choice(("no seq", "wrong length", "NLA_F_NESTED", "duplicate", "generic"))
    seq = U64.pack(model.pending or rng.randint(0, 3))
    if fault == "no seq":
        attrs = []
    elif fault == "wrong length":
        attrs = [nla(A_WINDOW_SEQ, rng.randbytes(rng.choice((0, 1, 4, 7, 9, 16))))]
    elif fault == "NLA_F_NESTED":
        attrs = [nla(A_WINDOW_SEQ | NLA_F_NESTED, seq)]
    elif fault == "duplicate":
        attrs = [nla(A_WINDOW_SEQ, U64.pack(rng.randint(0, 3))), nla(A_WINDOW_SEQ, seq)]
        rng.shuffle(attrs)
    else:
        return generic_fault(rng, Req(CMD_ACK_WINDOW, [nla(A_WINDOW_SEQ, seq)]))
    return Req(CMD_ACK_WINDOW, attrs, label=f"ack_window: {fault}")


def gen_noattr_fault(rng, model):
    """GET_CONFIG or GET_STATS with attributes, which they take none of."""
    return generic_fault(rng, Req(rng.choice((CMD_GET_CONFIG, CMD_GET_STATS))))


def gen_unknown_cmd(rng, model):
    cmd = rng.choice((0, CMD_HIGH_WATER, rng.randint(7, 255)))
    attrs = [] if rng.random() < 0.5 else [nla(rng.randint(0, 20), rng.randbytes(4))]
    flags = NLM_F_REQUEST | rng.choice((0, NLM_F_ACK, NLM_F_DUMP))
    return Req(cmd, attrs, flags, label="unknown command")


def gen_wrong_dump(rng, model):
    cmd = rng.choice((CMD_GET_CONFIG, CMD_SET_CONFIG, CMD_ACK_WINDOW, CMD_GET_STATS,
                      CMD_GET_FLOWS))
    req = any_valid(rng, model, cmd)
    req.flags ^= NLM_F_DUMP
    req.label = f"{CMD_NAMES[cmd]}: " + ("no NLM_F_DUMP" if cmd == CMD_GET_FLOWS
                                          else "NLM_F_DUMP on a doit command")
    return req


def any_valid(rng, model, cmd):
    return {CMD_GET_CONFIG: gen_get_config, CMD_SET_CONFIG: gen_set_valid,
            CMD_GET_FLOWS: rng.choice((gen_peek, gen_drain)), CMD_ACK_WINDOW: gen_ack,
            CMD_GET_STATS: gen_get_stats}[cmd](rng, model)


def gen_header_fault(rng, model):
    """A valid request of any command, broken in its netlink or genetlink
    header, or in its length."""
    req = any_valid(rng, model, rng.randint(CMD_GET_CONFIG, CMD_GET_STATS))
    fault = rng.choice(("bad nlmsg_flags", "reserved not 0", "not a request",
                        "genl header cut", "nlmsg_len short", "nlmsg_len long",
                        "version byte"))
    total = 16 + len(req.body())
    if fault == "bad nlmsg_flags":
        req.flags |= rng.choice((NLM_F_MULTI, NLM_F_DUMP_INTR, NLM_F_DUMP_FILTERED,
                                 NLM_F_ROOT, NLM_F_MATCH, NLM_F_ATOMIC, 0x800,
                                 rng.randrange(0x40, 0x10000) & ~0x300))
    elif fault == "reserved not 0":
        req.reserved = rng.randint(1, 65535)
    elif fault == "not a request":
        req.flags &= ~NLM_F_REQUEST
    elif fault in ("genl header cut", "nlmsg_len short"):
        cut = rng.randint(16, 19) if fault == "genl header cut" else rng.randint(16, total - 1)
        req.nlmsg_len = cut
        req.truncate = min(total, align4(cut) + rng.randint(0, 15))
    elif fault == "nlmsg_len long":
        req.nlmsg_len = total + rng.randint(1, 64)
    else:
        req.version = rng.choice((0, 2, 255))
    req.label = f"{req.label}: {fault}"
    return req


def gen_soup(rng, model):
    """Random attributes for a random command."""
    attrs = []
    for _ in range(rng.randint(1, 4)):
        atype = rng.randint(0, A_MAX + 2) | rng.choice((0, 0, NLA_F_NESTED))
        payload = rng.choice((rng.randbytes(rng.choice((0, 1, 2, 4, 8, 9))),
                              b"".join(valid_items(rng, rng.choice((A_DEVICES, A_PORTS,
                                                                    A_EXCLUDE)),
                                                   rng.randint(0, 3)))))
        attrs.append(nla(atype, payload))
    cmd = rng.randint(CMD_GET_CONFIG, CMD_GET_STATS)
    flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if cmd == CMD_GET_FLOWS else 0)
    return Req(cmd, attrs, flags, label=f"{CMD_NAMES[cmd]}: random attributes")


# Each generator is f(rng, model) -> Req, with a weight; the model lets them
# aim at the pending window's seq. Rejected SET_CONFIGs cost a GET_CONFIG more.
GENERATORS = [(gen_get_config, 6), (gen_get_stats, 5), (gen_set_valid, 14),
              (gen_set_fault, 26), (gen_peek, 6), (gen_drain, 3), (gen_ack, 6),
              (gen_flows_fault, 4), (gen_ack_fault, 3), (gen_noattr_fault, 3),
              (gen_unknown_cmd, 4), (gen_wrong_dump, 3), (gen_header_fault, 8),
              (gen_soup, 5)]


# ------------------------------------------------------------------- model

class Expect:
    """What the kernel must answer to one request. errnos: the acceptable
    errors, or {0}. reply: None, "config", "stats" or "dump"."""

    def __init__(self, cmd, errnos=frozenset((0,)), reply=None, ack=False, silent=False):
        self.cmd, self.errnos, self.reply, self.ack, self.silent = cmd, errnos, reply, ack, silent
        self.apply = None          # model update once the answer matched
        self.drain = False
        self.times = None          # (start, end) of a drained window, once read
        self.known_bug = None      # "list remainder" or "empty peek"

    def describe(self):
        if self.silent:
            return "no answer"
        if self.errnos != {0}:
            return " or ".join(sorted(errname(e).upper() for e in self.errnos))
        if self.reply == "dump":
            return "drain dump" if self.drain else "peek dump"
        parts = [f"{self.reply} reply"] if self.reply else []
        return " + ".join(parts + ["ack"] * self.ack) or "nothing (success)"


def error(cmd, *errnos):
    return Expect(cmd, frozenset(errnos))


# Policies: type -> (kind, min, max); a type absent here is NLA_UNSPEC.
POLICIES = {
    CMD_GET_CONFIG: {},
    CMD_SET_CONFIG: {A_DEVICES: ("nest",), A_PORTS: ("nest",), A_EXCLUDE: ("nest",),
                     A_MAX_FLOWS: ("u32", MIN_FLOWS, MAX_FLOWS),
                     A_HIGH_WATER: ("u8", 1, 100)},
    CMD_GET_FLOWS: {A_FLAGS: ("mask32", FLOWS_DRAIN)},
    CMD_ACK_WINDOW: {A_WINDOW_SEQ: ("u64",)},
    CMD_GET_STATS: {},
}
SCALAR_LEN = {"u8": 1, "u32": 4, "mask32": 4, "u64": 8}


def validate(msg, policy):
    """Strict nla_parse() of a message's attributes: (errno, last, first),
    last and first mapping types to (offset, length)."""
    items, rem = walk(msg, 20, len(msg))
    last, first = {}, {}
    for raw, off, alen in items:
        atype = raw & NLA_TYPE_MASK
        if atype == 0 or atype > A_MAX or atype not in policy:
            return errno.EINVAL, None, None
        kind = policy[atype]
        if kind[0] in SCALAR_LEN and alen != SCALAR_LEN[kind[0]]:
            return errno.EINVAL, None, None
        if (kind[0] == "nest") != bool(raw & NLA_F_NESTED):
            return errno.EINVAL, None, None
        if kind[0] == "nest" and 0 < alen < 4:
            return errno.ERANGE, None, None
        if kind[0] in ("u8", "u32"):
            value = msg[off] if kind[0] == "u8" else U32.unpack_from(msg, off)[0]
            if not kind[1] <= value <= kind[2]:
                return errno.ERANGE, None, None
        if kind[0] == "mask32" and U32.unpack_from(msg, off)[0] & ~kind[1]:
            return errno.EINVAL, None, None
        last[atype] = (off, alen)
        first.setdefault(atype, (off, alen))
    if rem > 0:
        return errno.EINVAL, None, None
    return 0, last, first


def dev_item_ok(b):
    if not 2 <= len(b) <= 16 or b[-1] != 0:
        return False
    name = b[:-1]
    return (0 not in name and name not in (b".", b"..")
            and not any(c in b"/:" or c in DEV_SPACES for c in name))


def parse_list(msg, off, alen, which):
    """A SET_CONFIG list: (values, fault errnos, remainder only)."""
    items, rem = walk(msg, off, off + alen)
    limit = {A_DEVICES: MAX_DEVICES, A_PORTS: MAX_PORTS, A_EXCLUDE: MAX_EXCLUDE}[which]
    values, faults = [], set()
    for _, ioff, ilen in items:
        data = msg[ioff:ioff + ilen]
        if which == A_DEVICES:
            ok = dev_item_ok(data)
            value = data[:-1]
        elif which == A_PORTS:
            ok = ilen == 2 and U16.unpack(data)[0] != 0
            value = U16.unpack(data)[0] if ok else None
        else:
            ok, value = ilen in (4, 16), data
        if not ok:
            faults.add(errno.EINVAL)
        values.append(value)
    if len(items) > limit:
        faults.add(errno.E2BIG)
    remainder_only = rem > 0 and not faults
    if rem > 0:
        faults.add(errno.EINVAL)
    return values, faults, remainder_only


class Model:
    """What the namespace must look like to netlink."""

    def __init__(self, ifindex):
        self.ifindex = ifindex     # name -> ifindex of the namespace's devices
        self.config = None         # loaded from the first GET_CONFIG
        self.next_seq = 1
        self.pending = 0           # seq of the window waiting for its ack
        self.pending_times = None  # (start, end) of that window, once seen
        self.drained = self.acked = 0
        self.live_exists = False   # a SET_CONFIG or drain made a live window
        self.live_flows = {}       # flow key -> [tx pkts, tx bytes, rx pkts, rx bytes]
        self.pending_flows = {}
        self.totals = {}           # stats attribute -> value, traffic sent
        self.created = [0, 0]      # table entries created: lowest, highest
        self.cpus = len(os.sched_getaffinity(0)) or 1

    def expect(self, data):
        """The answer to the bytes @data, as netlink_rcv_skb() sees them."""
        if len(data) < 16:
            return Expect("other", silent=True)
        mlen, _, flags, _, _ = NLMSGHDR.unpack_from(data)
        cmd = CMD_NAMES.get(data[16], "other") if len(data) > 16 else "other"
        if mlen < 16 or mlen > len(data):
            return Expect(cmd, silent=True)
        assert len(data) - align4(mlen) < 16, "a second message would follow"
        ack = bool(flags & NLM_F_ACK)
        if not flags & NLM_F_REQUEST:
            return Expect(cmd, ack=ack, silent=not ack)
        return self.genl(data[:mlen], flags, ack, cmd)

    def genl(self, msg, flags, ack, cmd_name):
        if len(msg) < 20:
            return error(cmd_name, errno.EINVAL)
        cmd, _, reserved = GENLHDR.unpack_from(msg, 16)
        dump = flags & NLM_F_DUMP == NLM_F_DUMP
        if dump:
            flags &= ~NLM_F_DUMP
        if reserved or flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO):
            return error(cmd_name, errno.EINVAL)
        if cmd not in POLICIES or dump != (cmd == CMD_GET_FLOWS):
            return error(cmd_name, errno.EOPNOTSUPP)
        err, last, first = validate(msg, POLICIES[cmd])
        if err:
            return error(cmd_name, err)
        if cmd == CMD_GET_CONFIG:
            return Expect(cmd_name, reply="config", ack=ack)
        if cmd == CMD_GET_STATS:
            return Expect(cmd_name, reply="stats", ack=ack)
        if cmd == CMD_SET_CONFIG:
            return self.set_config(msg, last, ack)
        if cmd == CMD_GET_FLOWS:
            return self.get_flows(msg, first)
        return self.ack_window(msg, last, ack)

    def set_config(self, msg, attrs, ack):
        new = dict(self.config)
        faults, remainder_only = set(), []
        for which, key in ((A_DEVICES, "devices"), (A_PORTS, "ports"), (A_EXCLUDE, "exclude")):
            if which in attrs:
                values, list_faults, rem_only = parse_list(msg, *attrs[which], which)
                new[key] = values
                faults |= list_faults
                remainder_only.append(rem_only or not list_faults)
        if faults:
            exp = error("set_config", *faults)
            if all(remainder_only):
                exp.known_bug = "list remainder"
            return exp
        if A_MAX_FLOWS in attrs:
            new["max_flows"] = U32.unpack_from(msg, attrs[A_MAX_FLOWS][0])[0]
        if A_HIGH_WATER in attrs:
            new["high_water"] = msg[attrs[A_HIGH_WATER][0]]
        exp = Expect("set_config", ack=ack)

        def apply():
            self.config = new
            self.live_exists = True
        exp.apply = apply
        return exp

    def get_flows(self, msg, attrs):
        exp = Expect("get_flows", reply="dump")
        exp.drain = A_FLAGS in attrs and bool(U32.unpack_from(msg, attrs[A_FLAGS][0])[0]
                                              & FLOWS_DRAIN)
        if not exp.drain and not self.live_exists:
            exp.known_bug = "empty peek"
        if exp.drain and not self.pending:
            def close():
                self.pending = self.next_seq
                self.next_seq += 1
                self.drained += 1
                self.live_exists = True
                self.pending_times = exp.times
                self.pending_flows, self.live_flows = self.live_flows, {}
            exp.apply = close
        return exp

    def ack_window(self, msg, attrs, ack):
        if A_WINDOW_SEQ not in attrs:
            return error("ack_window", errno.EINVAL)
        seq = U64.unpack_from(msg, attrs[A_WINDOW_SEQ][0])[0]
        if not self.pending:
            return error("ack_window", errno.ESRCH)
        if seq != self.pending:
            return error("ack_window", errno.ESTALE)
        exp = Expect("ack_window", ack=ack)

        def release():
            self.pending = 0
            self.pending_times = None
            self.pending_flows = {}
            self.acked += 1
        exp.apply = release
        return exp

    def window_seq(self):
        """The seq a drain returns now."""
        return self.pending or self.next_seq

    def add_traffic(self, key, rx, pkts, nbytes):
        """Packets that the live window counts as virtual tx or rx."""
        counts = self.live_flows.setdefault(key, [0, 0, 0, 0])
        if not counts[0] and not counts[2]:
            self.created[0] += 1
            self.created[1] += self.cpus
        counts[2 * rx] += pkts
        counts[2 * rx + 1] += nbytes
        pkts_attr = S_VIRT_RX_PKTS if rx else S_VIRT_TX_PKTS
        self.totals[pkts_attr] = self.totals.get(pkts_attr, 0) + pkts
        self.totals[pkts_attr + 1] = self.totals.get(pkts_attr + 1, 0) + nbytes


# ------------------------------------------------------- parsing of answers

def attr_map(buf, start, end, what):
    """Attributes of a reply: {type: (nested, bytes)}, strictly well formed."""
    items, rem = walk(buf, start, end)
    if rem:
        raise BadReply(f"{what}: {rem} bytes after the last attribute")
    out = {}
    for raw, off, alen in items:
        atype = raw & NLA_TYPE_MASK
        if atype in out:
            raise BadReply(f"{what}: attribute {atype} twice")
        out[atype] = (bool(raw & NLA_F_NESTED), buf[off:off + alen])
    return out


def uint(data, size, what):
    if len(data) != size:
        raise BadReply(f"{what}: {len(data)} bytes, want {size}")
    return int.from_bytes(data, sys.byteorder)


def scalar(attrs, atype, size, what):
    if atype not in attrs:
        raise BadReply(f"{what}: attribute {atype} missing")
    nested, data = attrs[atype]
    if nested:
        raise BadReply(f"{what}: attribute {atype} with NLA_F_NESTED")
    return uint(data, size, f"{what}: attribute {atype}")


def nest(attrs, atype, what):
    if atype not in attrs:
        raise BadReply(f"{what}: nest {atype} missing")
    nested, data = attrs[atype]
    if not nested:
        raise BadReply(f"{what}: nest {atype} without NLA_F_NESTED")
    return data


def list_items(data, what, nests=False):
    """A reply list: items of types 0, 1, 2... (put_config()), or nests of
    type 0 (the flows)."""
    items, rem = walk(data, 0, len(data))
    if rem:
        raise BadReply(f"{what}: {rem} bytes after the last item")
    out = []
    for i, (raw, off, alen) in enumerate(items):
        if raw != (NLA_F_NESTED if nests else i):
            raise BadReply(f"{what}: item {i} has type {raw:#x}")
        out.append(data[off:off + alen])
    return out


def parse_config(payload):
    attrs = attr_map(payload, 4, len(payload), "config")
    if set(attrs) != {A_DEVICES, A_DEVICE_IFINDEXES, A_PORTS, A_EXCLUDE, A_MAX_FLOWS,
                      A_HIGH_WATER}:
        raise BadReply(f"config: attributes {sorted(attrs)}")
    devices = []
    for item in list_items(nest(attrs, A_DEVICES, "config"), "devices"):
        if not item.endswith(b"\0") or 0 in item[:-1]:
            raise BadReply(f"devices: bad name {item!r}")
        devices.append(item[:-1])
    ifindexes = [uint(i, 4, "ifindex")
                 for i in list_items(nest(attrs, A_DEVICE_IFINDEXES, "config"), "ifindexes")]
    ports = [uint(p, 2, "port") for p in list_items(nest(attrs, A_PORTS, "config"), "ports")]
    exclude = list_items(nest(attrs, A_EXCLUDE, "config"), "exclude")
    return {"devices": devices, "ifindexes": ifindexes, "ports": ports,
            "exclude": exclude, "max_flows": scalar(attrs, A_MAX_FLOWS, 4, "config"),
            "high_water": scalar(attrs, A_HIGH_WATER, 1, "config")}


def parse_stats(payload):
    attrs = attr_map(payload, 4, len(payload), "stats")
    if set(attrs) != {A_STATS}:
        raise BadReply(f"stats: attributes {sorted(attrs)}")
    stats = attr_map(nest(attrs, A_STATS, "stats"), 0, len(attrs[A_STATS][1]), "stats nest")
    stats.pop(S_PAD, None)
    if set(stats) != set(range(S_VIRT_TX_PKTS, S_PENDING_SEQ + 1)):
        raise BadReply(f"stats: attributes {sorted(stats)}")
    return {t: scalar(stats, t, 4 if t in (S_LIVE_FLOWS, S_LIVE_FILL_MAX) else 8, "stats")
            for t in stats}


def counts(data, what):
    attrs = attr_map(data, 0, len(data), what)
    attrs.pop(C_PAD, None)
    if set(attrs) != {C_PKTS, C_BYTES}:
        raise BadReply(f"{what}: attributes {sorted(attrs)}")
    return scalar(attrs, C_PKTS, 8, what), scalar(attrs, C_BYTES, 8, what)


def parse_window(data):
    attrs = attr_map(data, 0, len(data), "window")
    attrs.pop(W_PAD, None)
    if set(attrs) != {W_SEQ, W_START_NS, W_END_NS, W_NFLOWS, W_MISSES, W_EXCLUDED}:
        raise BadReply(f"window: attributes {sorted(attrs)}")
    misses = attr_map(nest(attrs, W_MISSES, "window"), 0, len(attrs[W_MISSES][1]), "misses")
    if set(misses) != {MISS_TABLE_FULL}:
        raise BadReply(f"misses: attributes {sorted(misses)}")
    return {"seq": scalar(attrs, W_SEQ, 8, "window"),
            "start": scalar(attrs, W_START_NS, 8, "window"),
            "end": scalar(attrs, W_END_NS, 8, "window"),
            "nflows": scalar(attrs, W_NFLOWS, 4, "window"),
            "misses": counts(nest(misses, MISS_TABLE_FULL, "misses"), "table full"),
            "excluded": counts(nest(attrs, W_EXCLUDED, "window"), "excluded")}


def parse_flow(data):
    attrs = attr_map(data, 0, len(data), "flow")
    attrs.pop(F_PAD, None)
    if set(attrs) != set(range(F_KIND, F_RX_BYTES + 1)):
        raise BadReply(f"flow: attributes {sorted(attrs)}")
    laddr, raddr = attrs[F_LOCAL_ADDR][1], attrs[F_REMOTE_ADDR][1]
    if len(laddr) not in (4, 16) or len(raddr) != len(laddr):
        raise BadReply(f"flow: addresses of {len(laddr)} and {len(raddr)} bytes")
    key = (scalar(attrs, F_KIND, 1, "flow"), scalar(attrs, F_PROTO, 1, "flow"), laddr,
           scalar(attrs, F_LOCAL_PORT, 2, "flow"), raddr,
           scalar(attrs, F_REMOTE_PORT, 2, "flow"))
    return key, [scalar(attrs, t, 8, "flow")
                 for t in (F_TX_PKTS, F_TX_BYTES, F_RX_PKTS, F_RX_BYTES)]


def parse_dump(data_msgs, family, allow_intr):
    """The messages of a GET_FLOWS dump: (window, {key: counts})."""
    window, flows = None, {}
    for i, r in enumerate(data_msgs):
        if r.type != family or r.payload[:2] != bytes((CMD_GET_FLOWS, GENL_VERSION)):
            raise BadReply(f"dump message {i}: {r.describe()}")
        if not r.flags & NLM_F_MULTI:
            raise BadReply(f"dump message {i}: no NLM_F_MULTI")
        if r.flags & NLM_F_DUMP_INTR and not allow_intr:
            raise BadReply(f"dump message {i}: NLM_F_DUMP_INTR")
        attrs = attr_map(r.payload, 4, len(r.payload), "dump")
        if (A_WINDOW in attrs) != (i == 0) or set(attrs) - {A_WINDOW, A_FLOWS}:
            raise BadReply(f"dump message {i}: attributes {sorted(attrs)}")
        if i == 0:
            window = parse_window(nest(attrs, A_WINDOW, "dump"))
        if A_FLOWS in attrs:
            for item in list_items(nest(attrs, A_FLOWS, "dump"), "flows", nests=True):
                key, c = parse_flow(item)
                if key in flows:
                    raise BadReply(f"flow {key} twice in the window")
                flows[key] = c
    if window is None:
        raise BadReply("dump without a window")
    return window, flows


# ------------------------------------------------------------------ fuzzer

class Fuzzer:
    def __init__(self, args):
        self.args = args
        self.nl = Netlink()
        self.family = self.nl.resolve_family(GENL_NAME)
        self.model = Model({os.fsencode(n): i for i, n in socket.if_nameindex()})
        self.mismatches = 0
        self.outcomes = {}        # command -> {outcome: count}
        self.config_checks = 0
        self.skipped = {"list remainder": 0, "empty peek": 0}

    # -- one exchange

    def run(self, req, index, count=True):
        """Send @req and check every answer against the model: the Expect it
        met, or None after a mismatch."""
        seq = self.nl.next_seq()
        data = req.encode(self.family, seq)
        exp = self.model.expect(data)
        replies = self.nl.exchange(data)
        got = "; ".join(r.describe() for r in replies) or "no answer"
        try:
            self.check(exp, replies, data, seq)
        except BadReply as e:
            self.count(count, exp.cmd, "mismatch")
            self.mismatch(index, req, data, exp, f"{got}\n  problem:  {e}")
            return None
        if exp.apply:
            exp.apply()
        self.count(count, exp.cmd, "silent" if exp.silent else errname(next(
            (r.error()[0] for r in replies if r.type == NLMSG_ERROR), 0)))
        if self.args.verbose:
            print(f"{index}: {req.label}: {exp.describe()}: {got}")
        return exp

    def count(self, count, cmd, outcome):
        if count:
            per_cmd = self.outcomes.setdefault(cmd, {})
            per_cmd[outcome] = per_cmd.get(outcome, 0) + 1

    def check(self, exp, replies, data, seq):
        for r in replies:
            if r.seq != seq or r.pid != self.nl.portid:
                raise BadReply(f"answer with seq {r.seq} pid {r.pid}, want {seq} {self.nl.portid}")
        if exp.silent:
            if replies:
                raise BadReply("an answer where none is due")
            return
        if exp.errnos != {0}:
            if len(replies) != 1 or replies[0].type != NLMSG_ERROR:
                raise BadReply(f"want one NLMSG_ERROR ({exp.describe()})")
            self.check_error(replies[0], data, exp.errnos)
            return
        if exp.reply == "dump":
            self.check_dump(exp, replies)
            return
        want = (1 if exp.reply else 0) + (1 if exp.ack else 0)
        if len(replies) != want:
            raise BadReply(f"{len(replies)} answers, want {want} ({exp.describe()})")
        if exp.ack:
            self.check_error(replies[-1], data, {0})
        if exp.reply:
            self.check_reply(exp.reply, replies[0])

    def check_error(self, r, data, errnos):
        if r.type != NLMSG_ERROR:
            raise BadReply(f"want NLMSG_ERROR, got {r.describe()}")
        err, _ = r.error()
        if err not in errnos:
            raise BadReply(f"errno {errname(err).upper()}, want "
                           + " or ".join(errname(e).upper() for e in sorted(errnos)))
        if not r.flags & NLM_F_CAPPED or r.payload[4:20] != data[:16]:
            raise BadReply("NLMSG_ERROR does not echo the request's header (capped)")

    def check_reply(self, kind, r):
        cmd = CMD_GET_CONFIG if kind == "config" else CMD_GET_STATS
        if r.type != self.family or r.flags & NLM_F_MULTI or \
                r.payload[:2] != bytes((cmd, GENL_VERSION)):
            raise BadReply(f"want a {kind} reply, got {r.describe()}")
        if kind == "config":
            got, want = parse_config(r.payload), self.want_config()
            if got != want:
                raise BadReply(f"config {got}, want {want}")
            return
        stats, m = parse_stats(r.payload), self.model
        want = {t: m.totals.get(t, 0) for t in range(S_VIRT_TX_PKTS, S_EXCL_BYTES + 1)}
        want.update({S_WINDOWS_DRAINED: m.drained, S_WINDOWS_ACKED: m.acked,
                     S_PENDING_SEQ: m.pending, S_LIVE_FLOWS: len(m.live_flows)})
        del want[S_FLOWS_CREATED]
        for t, value in want.items():
            if stats[t] != value:
                raise BadReply(f"stats attribute {t} = {stats[t]}, want {value}")
        if not m.created[0] <= stats[S_FLOWS_CREATED] <= m.created[1]:
            raise BadReply(f"flows created {stats[S_FLOWS_CREATED]}, want {m.created}")
        fill = stats[S_LIVE_FILL_MAX]
        if fill > len(m.live_flows) or (fill == 0) != (not m.live_flows):
            raise BadReply(f"live fill max {fill} with {len(m.live_flows)} live flows")

    def check_dump(self, exp, replies):
        m = self.model
        if not replies or replies[-1].type != NLMSG_DONE:
            raise BadReply("dump not ended by NLMSG_DONE")
        done = replies[-1]
        if done.payload[:4] != b"\0\0\0\0" or not done.flags & NLM_F_MULTI:
            raise BadReply(f"dump ended by {done.describe()}")
        allow_intr = exp.known_bug == "empty peek" and self.args.skip_known_bugs
        if allow_intr and any(r.flags & NLM_F_DUMP_INTR for r in replies):
            self.skipped["empty peek"] += 1
        window, flows = parse_dump(replies[:-1], self.family, allow_intr)
        want_flows = (m.pending_flows if m.pending else m.live_flows) if exp.drain \
            else m.live_flows
        want_seq = m.window_seq() if exp.drain else 0
        if window["seq"] != want_seq:
            raise BadReply(f"window seq {window['seq']}, want {want_seq}")
        if flows != want_flows or window["nflows"] != len(want_flows):
            raise BadReply(f"window of {window['nflows']} flows {flows}, want {want_flows}")
        if window["misses"] != (0, 0) or window["excluded"] != (0, 0):
            raise BadReply(f"window misses {window['misses']} excluded {window['excluded']}")
        if window["start"] > window["end"] or (not want_flows and window["start"] != window["end"]):
            raise BadReply(f"window from {window['start']} to {window['end']}")
        if exp.drain:
            times = (window["start"], window["end"])
            if m.pending and m.pending_times and times != m.pending_times:
                raise BadReply(f"pending window times {times}, were {m.pending_times}")
            if m.pending:
                m.pending_times = times
            else:
                exp.times = times

    def want_config(self):
        c = self.model.config
        return dict(c, ifindexes=[self.model.ifindex.get(d, 0) for d in c["devices"]])

    # -- reports and state

    def mismatch(self, index, req, data, exp, got):
        self.mismatches += 1
        if self.mismatches <= FULL_REPORTS:
            known = f"\n  known bug: {exp.known_bug}" if exp.known_bug else ""
            print(f"nlfuzz: MISMATCH seed {self.args.seed} message {index} ({req.label})\n"
                  f"  request ({len(data)} bytes):\n{hexdump(data)}\n"
                  f"  expected: {exp.describe()}\n  got:      {got}{known}", flush=True)
        else:
            print(f"nlfuzz: MISMATCH seed {self.args.seed} message {index} ({req.label}): "
                  f"expected {exp.describe()}", flush=True)
        self.resync()

    def fetch(self, cmd, parse):
        seq = self.nl.next_seq()
        replies = self.nl.exchange(Req(cmd, flags=NLM_F_REQUEST).encode(self.family, seq))
        if len(replies) != 1 or replies[0].type != self.family:
            raise BadReply(f"{CMD_NAMES[cmd]}: " + "; ".join(r.describe() for r in replies))
        return parse(replies[0].payload)

    def resync(self):
        """Reload the model from the kernel after a mismatch."""
        m = self.model
        config = self.fetch(CMD_GET_CONFIG, parse_config)
        del config["ifindexes"]
        stats = self.fetch(CMD_GET_STATS, parse_stats)
        m.live_exists = m.live_exists or config != m.config or stats[S_WINDOWS_DRAINED] > 0
        m.config = config
        if m.pending != stats[S_PENDING_SEQ]:
            m.pending_times = None
        m.pending, m.drained = stats[S_PENDING_SEQ], stats[S_WINDOWS_DRAINED]
        m.acked, m.next_seq = stats[S_WINDOWS_ACKED], stats[S_WINDOWS_DRAINED] + 1

    def start(self):
        """Load the model from the namespace, which must be fresh."""
        m = self.model
        config = self.fetch(CMD_GET_CONFIG, parse_config)
        del config["ifindexes"]
        m.config = dict(config)
        stats = self.fetch(CMD_GET_STATS, parse_stats)
        m.pending, m.drained = stats[S_PENDING_SEQ], stats[S_WINDOWS_DRAINED]
        m.acked, m.next_seq = stats[S_WINDOWS_ACKED], stats[S_WINDOWS_DRAINED] + 1
        m.live_exists = m.drained > 0     # or a SET_CONFIG, which a fresh namespace had not
        fresh = dict(config, max_flows=0) == {
            "devices": [], "ports": [], "exclude": DEFAULT_EXCLUDE, "max_flows": 0,
            "high_water": DEFAULT_HIGH_WATER}
        if not fresh or not MIN_FLOWS <= config["max_flows"] <= 65536 or any(
                stats[t] for t in range(S_VIRT_TX_PKTS, S_PENDING_SEQ + 1)):
            print(f"nlfuzz: MISMATCH seed {self.args.seed}: the namespace is not fresh or "
                  f"its defaults are wrong: config {config}, stats {stats}")
            self.mismatches += 1

    # -- the run

    def generate(self, rng, index):
        """The next request; message 0 peeks into the unconfigured namespace."""
        if index == 0:
            return flows_req([], "get_flows: peek before any configuration")
        gens, weights = zip(*GENERATORS)
        while True:
            req = rng.choices(gens, weights)[0](rng, self.model)
            if not self.args.skip_known_bugs:
                return req
            exp = self.model.expect(req.encode(self.family, 0))
            if exp.known_bug != "list remainder":
                return req
            self.skipped["list remainder"] += 1

    def fuzz(self):
        rng = random.Random(self.args.seed)
        for index in range(self.args.count):
            exp = self.run(self.generate(rng, index), index)
            rejected_set = exp and exp.cmd == "set_config" and exp.errnos != {0}
            if rejected_set or index % CONFIG_CHECK_EVERY == CONFIG_CHECK_EVERY - 1:
                self.config_checks += 1
                self.run(Req(CMD_GET_CONFIG, label="get_config: model check"), index,
                         count=False)

    def final_check(self):
        """Count known UDP traffic on lo; True if every answer matched. Stops
        at the first mismatch: the steps build on each other."""
        m = self.model
        fields = {A_DEVICES: [b"lo"], A_PORTS: [], A_EXCLUDE: DEFAULT_EXCLUDE,
                  A_MAX_FLOWS: 64, A_HIGH_WATER: DEFAULT_HIGH_WATER}
        drain = [nla(A_FLAGS, U32.pack(FLOWS_DRAIN))]
        steps = [lambda: Req(CMD_SET_CONFIG, encode_set(random.Random(0), fields),
                             label="configure lo"),
                 lambda: ack_req(m.pending, "ack the pending window") if m.pending else None,
                 lambda: flows_req(drain, "drain for a window boundary"),
                 lambda: ack_req(m.pending, "ack it"),
                 self.send_traffic,
                 lambda: Req(CMD_GET_STATS, label="stats with a live window"),
                 lambda: flows_req([], "peek"),
                 lambda: flows_req(drain, "drain"),
                 lambda: ack_req(m.pending, "ack"),
                 lambda: Req(CMD_GET_STATS, label="stats")]
        for step in steps:
            req = step()
            if req and not self.run(req, "final", count=False):
                return False
        return True

    def send_traffic(self):
        """UDP on lo, over IPv4 and IPv6, into the model as four flows."""
        for family, addr, iphdr, n, size in ((socket.AF_INET, "127.0.0.1", 20, 37, 100),
                                             (socket.AF_INET6, "::1", 40, 23, 60)):
            send_udp(family, addr, n, size)
            a = socket.inet_pton(family, addr)
            nbytes = n * (iphdr + 8 + size)
            self.model.add_traffic((KIND_VIRTUAL, socket.IPPROTO_UDP, a, 40001, a, 40002),
                                   0, n, nbytes)
            self.model.add_traffic((KIND_VIRTUAL, socket.IPPROTO_UDP, a, 40002, a, 40001),
                                   1, n, nbytes)

    def summary(self, elapsed, final_ok):
        parts = []
        for cmd in list(CMD_NAMES.values()) + ["other"]:
            if cmd in self.outcomes:
                outs = self.outcomes[cmd]
                parts.append(cmd + " " + " ".join(f"{o} {outs[o]}" for o in sorted(outs)))
        skipped = ""
        if self.args.skip_known_bugs:
            skipped = (f"; known bugs skipped: {self.skipped['list remainder']} list-remainder "
                       f"requests, {self.skipped['empty peek']} empty peeks with DUMP_INTR")
        print(f"nlfuzz: seed {self.args.seed}: {self.args.count} messages, {self.mismatches} "
              f"mismatches; {'; '.join(parts)}; {self.config_checks} config checks; final check "
              f"{'ok' if final_ok else 'FAILED'}{skipped}; {elapsed:.1f}s")


def ack_req(seq, label):
    return Req(CMD_ACK_WINDOW, [nla(A_WINDOW_SEQ, U64.pack(seq))], label=label)


def send_udp(family, addr, n, size):
    """@n datagrams of @size bytes from port 40001 to 40002, all received."""
    payload = bytes(range(size))
    with socket.socket(family, socket.SOCK_DGRAM) as rx, \
            socket.socket(family, socket.SOCK_DGRAM) as tx:
        rx.bind((addr, 40002))
        rx.settimeout(10)
        tx.bind((addr, 40001))
        for _ in range(n):
            tx.sendto(payload, (addr, 40002))
        for _ in range(n):
            if rx.recv(65536) != payload:
                raise SystemExit("nlfuzz: final check: a datagram came back changed")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--count", type=int, default=20000)
    p.add_argument("--verbose", action="store_true", help="print every message")
    p.add_argument("--skip-known-bugs", action="store_true",
                   help="do not send list remainders, allow DUMP_INTR on a peek "
                        "of a namespace without a window")
    args = p.parse_args()
    t0 = time.monotonic()
    fz = Fuzzer(args)
    try:
        fz.start()
        fz.fuzz()
        final_ok = fz.final_check()
    except BadReply as e:
        print(f"nlfuzz: seed {args.seed}: cannot read the kernel's state: {e}")
        return 1
    fz.summary(time.monotonic() - t0, final_ok)
    return 1 if fz.mismatches or not final_ok else 0


if __name__ == "__main__":
    sys.exit(main())
