#!/usr/bin/env python3
"""Loopback flood of short TCP connections, for measuring `capture` under load.

Usage: loopback-flood.py SECONDS [PORT] [WORKERS]
Each worker connects to a local listener, sends a few bytes, reads the echo and closes; a share of
them close with SO_LINGER 0 (a RST) and some connect to a closed port (refused), so the diagnosis
has resets to work on. Prints connections made per second.
"""
import multiprocessing as mp
import socket
import struct
import sys
import time


def serve(port, stop):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(4096)
    listener.settimeout(0.2)
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except socket.timeout:
            continue
        try:
            data = conn.recv(64)
            if data:
                conn.sendall(data)
        except OSError:
            pass
        conn.close()


def client(port, seconds, counter):
    end = time.time() + seconds
    made = 0
    linger = struct.pack("ii", 1, 0)
    while time.time() < end:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if made % 10 == 9:
                try:
                    s.connect(("127.0.0.1", port + 1))  # nothing listens there: refused
                except OSError:
                    pass
            else:
                s.connect(("127.0.0.1", port))
                s.sendall(b"hello")
                s.recv(64)
                if made % 5 == 0:
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        except OSError:
            pass
        finally:
            s.close()
        made += 1
    with counter.get_lock():
        counter.value += made


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 18080
    workers = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    stop = mp.Event()
    server = mp.Process(target=serve, args=(port, stop))
    server.start()
    time.sleep(0.3)
    counter = mp.Value("l", 0)
    clients = [mp.Process(target=client, args=(port, seconds, counter)) for _ in range(workers)]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    stop.set()
    server.join()
    print(f"{counter.value} connections in {seconds:g} s: {counter.value / seconds:.0f} per second")
