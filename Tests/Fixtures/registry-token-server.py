#!/usr/bin/env python3
"""A token server for docker-registry's `auth: token`, for swkube's tests (127.0.0.1 only).

GET /token?service=S&scope=repository:NAME:pull,push answers {"token": JWT} where the JWT is
RS256-signed (with the openssl CLI) by --key, carries --cert in its `x5c` header (the registry
checks that it chains to its rootcertbundle) and grants the requested actions on the requested
repositories: all of them to the user of --credentials (HTTP Basic), none to anonymous callers.
A wrong password is a 401. Each grant is logged to --log as `USER SCOPE...` (anonymous is `-`).
The port (chosen by the kernel) is written to --port-file once the server listens.
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlparse

from fixture_serve import serve


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def cert_der_base64(path: str) -> str:
    lines = open(path).read().splitlines()
    start = lines.index("-----BEGIN CERTIFICATE-----")
    end = lines.index("-----END CERTIFICATE-----")
    return "".join(lines[start + 1:end])


class Handler(BaseHTTPRequestHandler):
    args = None

    def log_message(self, format, *values):
        pass

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 401:
            self.send_header("WWW-Authenticate", 'Basic realm="swkube-test-tokens"')
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlparse(self.path)
        if url.path != "/token":
            return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such endpoint"}]})
        query = parse_qs(url.query)
        user = None
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                given = base64.b64decode(header[6:]).decode()
            except ValueError:
                given = ""
            if given != self.args.credentials:
                return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "invalid username or password"}]})
            user = given.split(":", 1)[0]
        access, granted = [], []
        for scope in " ".join(query.get("scope", [])).split():
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            allowed = [a for a in actions.split(",") if a in ("pull", "push")] if user else []
            access.append({"type": kind, "name": name, "actions": allowed})
            granted.append(f"{kind}:{name}:{','.join(allowed)}")
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [cert_der_base64(self.args.cert)]}
        claims = {"iss": self.args.issuer, "sub": user or "", "aud": query.get("service", [""])[0],
                  "exp": now + 300, "nbf": now - 10, "iat": now, "jti": b64url(os.urandom(12)), "access": access}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.args.key],
                                   input=signing_input.encode(), capture_output=True, check=True).stdout
        token = signing_input + "." + b64url(signature)
        with open(self.args.log, "a") as log:
            log.write(f"{user or '-'} {' '.join(granted)}\n")
        self.reply(200, {"token": token, "access_token": token, "expires_in": 300})


def main():
    parser = argparse.ArgumentParser()
    for name in ("--port-file", "--key", "--cert", "--issuer", "--credentials", "--log"):
        parser.add_argument(name, required=True)
    Handler.args = parser.parse_args()
    serve(Handler, Handler.args.port_file)


if __name__ == "__main__":
    sys.exit(main())
