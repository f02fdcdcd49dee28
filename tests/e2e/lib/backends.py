#!/usr/bin/env python3
"""Misbehaving backends on loopback for the end-to-end tests, each bounded in time.

usage: backends.py --lifetime SECONDS [--healthy PORT] [--hang PORT] [--reset PORT]
                   [--close PORT] [--big-header PORT] [--unix PATH --unix-mode 0600]

--healthy     answers 200
--hang        accepts and never answers (NGINX: upstream timed out)
--reset       reads the request, then resets the connection (NGINX: recv() failed (104))
--close       reads the request, then closes cleanly (NGINX: prematurely closed)
--big-header  answers with a 64 KB header (NGINX: upstream sent too big header)
--unix        a healthy HTTP server on a unix socket, chmod to --unix-mode
Prints "ready" once every listener is up; exits after --lifetime seconds whatever happens.
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time


def serve(sock, behaviour):
    sock.settimeout(0.5)
    while True:
        try:
            conn, _ = sock.accept()
        except socket.timeout:
            continue
        except OSError:
            return
        threading.Thread(target=handle, args=(conn, behaviour), daemon=True).start()


def handle(conn, behaviour):
    try:
        conn.settimeout(5)
        if behaviour == "hang":
            time.sleep(30)
            return
        conn.recv(65536)
        if behaviour == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
            return
        if behaviour == "close":
            conn.close()
            return
        if behaviour == "big-header":
            conn.sendall(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 65536 + b"\r\nContent-Length: 2\r\n\r\nok")
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
    except OSError:
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def tcp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lifetime", type=float, default=60)
    for b in ("healthy", "hang", "reset", "close", "big-header"):
        ap.add_argument("--" + b, type=int, action="append", default=[])
    ap.add_argument("--unix")
    ap.add_argument("--unix-mode", default="0600")
    a = ap.parse_args()
    socks = []
    for b in ("healthy", "hang", "reset", "close", "big-header"):
        for port in getattr(a, b.replace("-", "_")):
            socks.append((tcp(port), b))
    if a.unix:
        try:
            os.unlink(a.unix)
        except FileNotFoundError:
            pass
        u = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        u.bind(a.unix)
        os.chmod(a.unix, int(a.unix_mode, 8))
        u.listen(64)
        socks.append((u, "healthy"))
    for s, b in socks:
        threading.Thread(target=serve, args=(s, b), daemon=True).start()
    print("ready", flush=True)
    time.sleep(a.lifetime)
    os._exit(0)


if __name__ == "__main__":
    main()
