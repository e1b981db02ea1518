#!/usr/bin/env python3
"""A token server for a docker-registry configured with `auth: token:`, for
the image tests.

usage: tokenserver.py --key KEY.pem --cert CERT.pem [--issuer NAME]
                      [--user NAME:PASSWORD]... [--public REPOSITORY]... [--log FILE]

Listens on 127.0.0.1 on a free port and prints "PORT <n>" once it accepts
connections. GET /token?service=...&scope=repository:NAME:pull,push issues a
JWT (RS256, signed with `openssl dgst`, the certificate in its x5c header):

  - with valid Basic credentials of a --user: pull and push on any repository;
  - with wrong credentials: 401;
  - anonymously: pull on the --public repositories, nothing elsewhere (the
    registry then answers 401 for those, as Docker Hub does for private ones).

Each request is logged as one JSON line: {"path", "user", "scopes"}.
Exits when stdin closes.
"""
import argparse
import base64
import json
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
CERT_DER = None
LOG_LOCK = threading.Lock()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(payload):
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(CERT_DER).decode()]}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(payload).encode())
    signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", ARGS.key], input=signing_input.encode(),
                               stdout=subprocess.PIPE, check=True).stdout
    return signing_input + "." + b64url(signature)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="dotslash-test-token"')
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        user = None
        authorization = self.headers.get("Authorization", "")
        if authorization.startswith("Basic "):
            name, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
            if f"{name}:{password}" not in ARGS.user:
                self.record(url.path, name + " (refused)", [])
                return self.reply(401, {"details": "wrong user name or password"})
            user = name
        access = []
        for scope in query.get("scope", []):
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            if kind != "repository":
                continue
            wanted = actions.split(",")
            granted = wanted if user else (["pull"] if name in ARGS.public and "pull" in wanted else [])
            if granted:
                access.append({"type": "repository", "name": name, "actions": granted})
        self.record(url.path, user, query.get("scope", []))
        now = int(time.time())
        token = sign({
            "iss": ARGS.issuer, "sub": user or "", "aud": query.get("service", [""])[0],
            "exp": now + 300, "nbf": now - 10, "iat": now, "jti": uuid.uuid4().hex, "access": access,
        })
        self.reply(200, {"token": token, "access_token": token, "expires_in": 300})

    def record(self, path, user, scopes):
        if not ARGS.log:
            return
        with LOG_LOCK, open(ARGS.log, "a") as log:
            log.write(json.dumps({"path": path, "user": user, "scopes": scopes}) + "\n")


def main():
    global ARGS, CERT_DER
    parser = argparse.ArgumentParser()
    parser.add_argument("--key", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--issuer", default="dotslash-test-issuer")
    parser.add_argument("--user", action="append", default=[])
    parser.add_argument("--public", action="append", default=[])
    parser.add_argument("--log")
    ARGS = parser.parse_args()
    CERT_DER = subprocess.run(["openssl", "x509", "-in", ARGS.cert, "-outform", "DER"],
                              stdout=subprocess.PIPE, check=True).stdout
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(f"PORT {server.server_address[1]}", flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()


if __name__ == "__main__":
    main()
