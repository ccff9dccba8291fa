#!/usr/bin/env python3
"""Loopback RFC 3161 time-stamp authority for fixture generation.

Listens on 127.0.0.1 only. Every POSTed TimeStampReq (DER) is answered by
`openssl ts -reply` using the fixture TSA certificate, so signed fixtures can
carry a real time-stamp token without network access.

usage: tsa-server.py --config TSA_CNF --port-file FILE [--port N]

The server prints nothing on success; the chosen port is written to
--port-file once the socket is listening (port 0 = pick a free one).
"""

import argparse
import http.server
import os
import subprocess
import sys
import tempfile


class Handler(http.server.BaseHTTPRequestHandler):
    config = None

    def log_message(self, fmt, *args):  # keep the build output quiet
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        query = self.rfile.read(length)
        with tempfile.TemporaryDirectory() as tmp:
            qpath = os.path.join(tmp, "query.tsq")
            rpath = os.path.join(tmp, "reply.tsr")
            with open(qpath, "wb") as f:
                f.write(query)
            proc = subprocess.run(
                ["openssl", "ts", "-reply", "-config", self.config,
                 "-queryfile", qpath, "-out", rpath],
                capture_output=True,
            )
            if proc.returncode != 0 or not os.path.exists(rpath):
                sys.stderr.write(proc.stderr.decode(errors="replace"))
                self.send_response(500)
                self.end_headers()
                return
            with open(rpath, "rb") as f:
                reply = f.read()
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="openssl ts configuration file")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file", required=True)
    args = ap.parse_args()

    Handler.config = args.config
    server = http.server.HTTPServer(("127.0.0.1", args.port), Handler)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
