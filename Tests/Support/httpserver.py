#!/usr/bin/env python3
"""A local HTTP server for the store tests and the fetch benchmark.

usage: httpserver.py --root DIR [--log FILE]

Listens on 127.0.0.1 on a free port and prints "PORT <n>" on stdout once it
accepts connections. Serves the files under DIR, with fault modes chosen by
the path:

  /files/NAME              the file; honours Range (206 + Content-Range)
  /status/CODE             that status, no body
  /flaky/KEY/N/NAME        503 for the first N requests with KEY, then as /files/NAME
  /cut/NAME                announces the whole length, sends half, closes; ignores Range
  /cut-once/KEY/NAME       the first request with KEY is cut at half; later ones as /files/NAME
  /trickle/NAME            headers, then one byte per second
  /redirect/N/NAME         302 to /redirect/N-1/NAME; /redirect/0/NAME is /files/NAME
  /loop/a, /loop/b         302 to each other
  /norange/NAME            ignores Range: always 200 with the whole file
  /badrange/NAME           answers a Range request with 206 starting at byte 0
  /slow/RATE/NAME          as /files/NAME, at RATE bytes per second

Every request is appended to the log as one JSON object per line:
{"method": ..., "path": ..., "range": ..., "authorization": ...}.
"""
import argparse
import json
import os
import re
import stat
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = "."
LOG = None
LOG_LOCK = threading.Lock()
COUNTS = {}
COUNTS_LOCK = threading.Lock()


def count(key):
    """How many requests with KEY came before this one."""
    with COUNTS_LOCK:
        seen = COUNTS.get(key, 0)
        COUNTS[key] = seen + 1
        return seen


class Handler(BaseHTTPRequestHandler):
    server_version = "dotslash-test/1"

    def log_message(self, fmt, *args):
        pass

    def record(self):
        if LOG is None:
            return
        entry = {"method": self.command, "path": self.path, "range": self.headers.get("Range"),
                 "authorization": self.headers.get("Authorization")}
        with LOG_LOCK:
            with open(LOG, "a") as log:
                log.write(json.dumps(entry) + "\n")

    def do_GET(self):
        self.record()
        parts = self.path.lstrip("/").split("/")
        mode = parts[0]
        try:
            if mode == "files":
                self.send_file(parts[1])
            elif mode == "status":
                self.send_response(int(parts[1]))
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif mode == "flaky":
                key, failures, name = parts[1], int(parts[2]), parts[3]
                if count("flaky/" + key) < failures:
                    self.send_response(503)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                else:
                    self.send_file(name)
            elif mode == "cut":
                self.send_cut(parts[1])
            elif mode == "cut-once":
                if count("cut-once/" + parts[1]) == 0:
                    self.send_cut(parts[2])
                else:
                    self.send_file(parts[2])
            elif mode == "trickle":
                self.send_trickle(parts[1])
            elif mode == "redirect":
                hops, name = int(parts[1]), parts[2]
                target = "/files/%s" % name if hops == 0 else "/redirect/%d/%s" % (hops - 1, name)
                self.redirect(target)
            elif mode == "loop":
                self.redirect("/loop/b" if parts[1] == "a" else "/loop/a")
            elif mode == "norange":
                self.send_file(parts[1], ranges=False)
            elif mode == "badrange":
                self.send_file(parts[1], wrong_range=True)
            elif mode == "slow":
                self.send_file(parts[2], rate=int(parts[1]))
            else:
                self.send_error(404)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def redirect(self, target):
        self.send_response(302)
        self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def open_file(self, name):
        path = os.path.join(ROOT, os.path.basename(name))
        if not os.path.isfile(path):
            self.send_error(404)
            return None, 0
        return open(path, "rb"), os.path.getsize(path)

    def send_file(self, name, ranges=True, wrong_range=False, rate=None):
        handle, size = self.open_file(name)
        if handle is None:
            return
        with handle:
            start = 0
            match = re.match(r"bytes=(\d+)-$", self.headers.get("Range") or "")
            if match and ranges and int(match.group(1)) < size:
                start = int(match.group(1))
                self.send_response(206)
                shown = 0 if wrong_range else start
                self.send_header("Content-Range", "bytes %d-%d/%d" % (shown, size - 1, size))
            elif match and ranges:
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % size)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            else:
                self.send_response(200)
            if ranges:
                self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(size - start))
            self.end_headers()
            if rate:
                self.send_slowly(handle, start, size, rate)
            else:
                self.send_fast(handle, start, size)

    def send_fast(self, handle, start, size):
        offset = start
        while offset < size:
            sent = os.sendfile(self.connection.fileno(), handle.fileno(), offset, size - offset)
            if sent == 0:
                return
            offset += sent

    def send_slowly(self, handle, start, size, rate):
        chunk = max(1, rate // 20)
        handle.seek(start)
        while True:
            data = handle.read(chunk)
            if not data:
                return
            self.wfile.write(data)
            time.sleep(0.05)

    def start_whole(self, name):
        """Sends 200 with the whole file's length; returns the open file or None."""
        handle, size = self.open_file(name)
        if handle is not None:
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
        return handle, size

    def send_cut(self, name):
        handle, size = self.start_whole(name)
        if handle is None:
            return
        with handle:
            self.wfile.write(handle.read(size // 2))
            self.wfile.flush()
            self.close_connection = True

    def send_trickle(self, name):
        handle, _ = self.start_whole(name)
        if handle is None:
            return
        with handle:
            deadline = time.time() + 60
            while time.time() < deadline:
                byte = handle.read(1)
                if not byte:
                    return
                self.wfile.write(byte)
                self.wfile.flush()
                time.sleep(1)


def main():
    global ROOT, LOG
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--log")
    args = parser.parse_args()
    ROOT, LOG = args.root, args.log
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    sys.stdout.write("PORT %d\n" % server.server_address[1])
    sys.stdout.flush()
    # Started by a test with a pipe on stdin: its end (even a crash) stops us.
    if stat.S_ISFIFO(os.fstat(0).st_mode):
        threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
