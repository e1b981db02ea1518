#!/usr/bin/env python3
"""Runs Debian's docker-registry (the CNCF distribution registry) on a free
port of 127.0.0.1 for the image tests.

usage: registry.py --dir DIR [--token-realm URL --token-service NAME
                              --token-issuer NAME --token-cert PEM]

Writes DIR/config.yml (storage in DIR/storage), starts the registry, waits
until /v2/ answers and prints "PORT <n>" on stdout. Stops the registry and
exits when stdin closes or on SIGTERM/SIGINT, so it never outlives the test
that started it. With --token-*, the registry wants bearer tokens from the
token server (Tests/Support/tokenserver.py) signed by the key of PEM.
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(args, port):
    lines = [
        "version: 0.1",
        "log:",
        "  level: error",
        "  accesslog:",
        "    disabled: true",
        "storage:",
        "  filesystem:",
        f"    rootdirectory: {os.path.join(args.dir, 'storage')}",
        "  delete:",
        "    enabled: true",
        "http:",
        f"  addr: 127.0.0.1:{port}",
    ]
    if args.token_realm:
        lines += [
            "auth:",
            "  token:",
            f"    realm: {args.token_realm}",
            f"    service: {args.token_service}",
            f"    issuer: {args.token_issuer}",
            f"    rootcertbundle: {args.token_cert}",
        ]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--binary", default="docker-registry")
    parser.add_argument("--token-realm")
    parser.add_argument("--token-service", default="dotslash-test-registry")
    parser.add_argument("--token-issuer", default="dotslash-test-issuer")
    parser.add_argument("--token-cert")
    args = parser.parse_args()

    os.makedirs(os.path.join(args.dir, "storage"), exist_ok=True)
    for attempt in range(5):
        port = free_port()
        path = os.path.join(args.dir, "config.yml")
        with open(path, "w") as f:
            f.write(config(args, port))
        log = open(os.path.join(args.dir, "registry.log"), "ab")
        child = subprocess.Popen([args.binary, "serve", path], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        deadline = time.time() + 20
        ready = False
        while time.time() < deadline and child.poll() is None:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=1)
                ready = True
            except urllib.error.HTTPError:
                ready = True  # 401: up, and wants a token
            except OSError:
                time.sleep(0.05)
            if ready:
                break
        if ready:
            break
        child.kill()
        child.wait()
    else:
        sys.stderr.write(open(os.path.join(args.dir, "registry.log")).read())
        sys.exit("registry.py: docker-registry did not start")

    def stop(*_):
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"PORT {port}", flush=True)
    # The test holds our stdin open: its end (even a crash) stops the registry.
    threading.Thread(target=lambda: (sys.stdin.read(), stop()), daemon=True).start()
    child.wait()
    sys.exit(child.returncode)


if __name__ == "__main__":
    main()
