#!/usr/bin/python3
"""Known traffic for the end-to-end tests.

traffic.py udp-echo ADDR PORT              echo datagrams back, forever
The servers print "listening" once their socket is bound.
traffic.py udp-send DST PORT COUNT SIZE SPORT
                                           COUNT datagrams of SIZE bytes, each echoed
traffic.py udp-spray DST BASEPORT N SIZE   one datagram to each of N ports, no reply
traffic.py tcp-sink ADDR PORT              accept one connection, read to EOF
traffic.py tcp-send DST PORT NBYTES [SPORT]
                                           send NBYTES, then wait for the close
"""
import socket
import sys


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def udp_echo(addr, port):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, int(port)))
    print("listening", flush=True)
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(data, peer)


def udp_send(dst, port, count, size, sport):
    s = socket.socket(family(dst), socket.SOCK_DGRAM)
    s.bind(("", int(sport)))
    s.settimeout(5)
    for i in range(int(count)):
        s.sendto(bytes([i & 0xff]) * int(size), (dst, int(port)))
        data, _ = s.recvfrom(65535)
        if len(data) != int(size):
            sys.exit(f"udp-send: echo {i} has {len(data)} bytes")


def udp_spray(dst, baseport, n, size):
    s = socket.socket(family(dst), socket.SOCK_DGRAM)
    for i in range(int(n)):
        s.sendto(b"x" * int(size), (dst, int(baseport) + i))


def tcp_sink(addr, port):
    ls = socket.socket(family(addr), socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(1)
    print("listening", flush=True)
    c, _ = ls.accept()
    total = 0
    while True:
        data = c.recv(65536)
        if not data:
            break
        total += len(data)
    c.close()
    print(total, flush=True)


def tcp_send(dst, port, nbytes, sport=0):
    s = socket.create_connection((dst, int(port)), timeout=30,
                                 source_address=("", int(sport)))
    s.sendall(b"n" * int(nbytes))
    s.shutdown(socket.SHUT_WR)
    while s.recv(65536):
        pass
    s.close()


CMDS = {"udp-echo": udp_echo, "udp-send": udp_send, "udp-spray": udp_spray,
        "tcp-sink": tcp_sink, "tcp-send": tcp_send}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CMDS:
        sys.exit(__doc__)
    CMDS[sys.argv[1]](*sys.argv[2:])
