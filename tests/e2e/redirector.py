#!/usr/bin/env python3
"""redirector.py — a git host that redirects, and a second origin that records.

Two listeners on 127.0.0.1. The "front" plays the configured git host: a request
without Authorization gets 401 (Basic) (or, with --at-once, the redirect
straight away), one with it gets a 302 to the same path
on the "elsewhere" listener, named by --redirect-host (e.g. "localhost", a
different host name for the same loopback address, or "127.0.0.1", the same host
on another port). "elsewhere" appends each request's Authorization header (or
"-" when none) as one line to --record, and answers 401 so a client that holds
credentials would offer them. Standard library only; serves until SIGTERM.
"""
import argparse
import http.server
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serveutil  # noqa: E402


class Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("redirector: " + (fmt % args) + "\n")

    def answer(self, status, headers=()):
        # No body: libgit2 1.5 leaves a 401's body unread and then takes it
        # for the start of the next response.
        body = b""
        lines = ["HTTP/1.1 %d %s" % (status, self.responses.get(status, ("",))[0])]
        lines += ["%s: %s" % (k, v) for k, v in headers]
        lines += ["Content-Length: %d" % len(body), "", ""]
        self.wfile.write("\r\n".join(lines).encode() + body)
        self.log_request(status)

    do_POST = None  # set per class


def front_handler(redirect_host, elsewhere_port, at_once):
    class Front(Quiet):
        def do_GET(self):
            if not at_once and not self.headers.get("Authorization"):
                self.answer(401, [("WWW-Authenticate", 'Basic realm="git"')])
                return
            self.answer(302, [("Location", "http://%s:%d%s" % (redirect_host, elsewhere_port(), self.path))])
        do_POST = do_GET
    return Front


def elsewhere_handler(record):
    class Elsewhere(Quiet):
        def do_GET(self):
            with open(record, "a") as f:
                f.write((self.headers.get("Authorization") or "-") + "\n")
            self.answer(401, [("WWW-Authenticate", 'Basic realm="elsewhere"')])
        do_POST = do_GET
    return Elsewhere


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True, help="the front's port is written here")
    ap.add_argument("--record", required=True)
    ap.add_argument("--redirect-host", default="localhost")
    ap.add_argument("--at-once", action="store_true",
                    help="redirect before asking for credentials, too")
    a = ap.parse_args()
    open(a.record, "a").close()
    elsewhere = http.server.ThreadingHTTPServer(("127.0.0.1", 0), elsewhere_handler(a.record))
    front = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), front_handler(a.redirect_host, lambda: elsewhere.server_address[1], a.at_once))
    threading.Thread(target=elsewhere.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    try:
        return serveutil.serve(front, a.port_file)
    finally:
        elsewhere.shutdown()
        elsewhere.server_close()


if __name__ == "__main__":
    sys.exit(main())
