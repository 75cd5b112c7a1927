#!/usr/bin/env python3
"""Answers every GET with the head of a 1000-byte body and 10 bytes of it, then sends nothing
more (a registry or link that hangs mid-blob), for swkube's idle-timeout tests. 127.0.0.1
only; the port (chosen by the kernel) is written to --port-file once the server listens."""
import argparse
import threading
from http.server import BaseHTTPRequestHandler

from fixture_serve import serve


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format, *values):
        pass

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self.wfile.write(b"x" * 10)
        self.wfile.flush()
        threading.Event().wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()
    serve(Handler, args.port_file)


if __name__ == "__main__":
    main()
