"""What swkube's test servers share: listen on 127.0.0.1 on a port the kernel picks, and write
that port to the file the test named (atomically, so the test never reads half a number)."""
import os
from http.server import ThreadingHTTPServer


def serve(handler, port_file):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()
