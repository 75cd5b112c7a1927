#!/usr/bin/env python3
"""Answers every GET with 307 to the same path under --target (another origin), for swkube's
tests of redirects (registries send blobs to storage URLs). 127.0.0.1 only; the port (chosen
by the kernel) is written to --port-file once the server listens."""
import argparse
from http.server import BaseHTTPRequestHandler

from fixture_serve import serve


class Handler(BaseHTTPRequestHandler):
    target = ""

    def log_message(self, format, *values):
        pass

    def do_GET(self):
        self.send_response(307)
        self.send_header("Location", self.target + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", required=True)
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()
    Handler.target = args.target
    serve(Handler, args.port_file)


if __name__ == "__main__":
    main()
