#!/usr/bin/env python3
"""A smart-HTTP git server for tests (Python standard library only).

    python3 githttp.py --root DIR --port-file FILE [--token-file FILE]

Listens on 127.0.0.1 on a free port, writes the port to FILE once it is
listening (atomically, so a reader never sees a partial number), and serves
/<path> by running `git http-backend` as a CGI program with
GIT_PROJECT_ROOT=DIR. With --token-file every request needs HTTP Basic auth
whose password is one of the tokens in that file (one per line, re-read on
every request so another process can rotate them); otherwise 401 with
`WWW-Authenticate: Basic realm="git"`. An empty token file rejects everyone.

Each request is logged to stderr as method, path and status; the
Authorization header and the token never are. SIGTERM stops it cleanly.
"""
import argparse
import base64
import binascii
import hmac
import os
import socket
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from serveutil import serve

MAX_BODY = 256 << 20   # refuse absurd request bodies instead of buffering them


def read_tokens(path):
    """The valid tokens, read afresh so rotation by another process takes effect."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip()]
    except OSError:
        return []


def basic_password(header):
    """The password of an HTTP Basic Authorization header, or None."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    if not sep:
        return None
    return user, password


def token_accepted(password, tokens):
    """Constant-time comparison against every token (no early exit on a match)."""
    ok = False
    for t in tokens:
        if hmac.compare_digest(password.encode(), t.encode()):
            ok = True
    return ok


def parse_cgi_output(raw):
    """Splits CGI output into (status, reason, [(name, value)], body)."""
    sep = raw.find(b"\r\n\r\n")
    sep_len = 4
    lf = raw.find(b"\n\n")
    if sep < 0 or (0 <= lf < sep):
        sep, sep_len = lf, 2
    if sep < 0:
        return 502, "Bad Gateway", [], b"malformed CGI output\n"
    head, body = raw[:sep], raw[sep + sep_len:]
    status, reason, headers = 200, "OK", []
    for line in head.decode("latin-1").splitlines():
        if not line.strip():
            continue
        name, _, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if name.lower() == "status":
            code, _, text = value.partition(" ")
            try:
                status = int(code)
            except ValueError:
                return 502, "Bad Gateway", [], b"bad CGI status\n"
            reason = text or reason
        else:
            headers.append((name, value))
    return status, reason, headers, body


class GitHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "githttp/1"

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle plus
        # the client's delayed ACK stall a response by ~40 ms (a real git host
        # answers in one go; the tests and the bench must not measure the stall).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):  # the default would print the request line only
        pass

    def log_request_line(self, status):
        path = urlsplit(self.path).path
        sys.stderr.write("githttp: %s %s %d\n" % (self.command, path, status))
        sys.stderr.flush()

    def send_plain(self, status, text, extra=()):
        body = text.encode()
        # Logged before answering, so a client that has its answer finds the line.
        self.log_request_line(status)
        self.send_response(status)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def authorised_user(self):
        """(ok, user): ok is False when a token is required and not presented."""
        if not self.server.token_file:
            return True, ""
        creds = basic_password(self.headers.get("Authorization"))
        if creds is None:
            return False, ""
        user, password = creds
        if not token_accepted(password, read_tokens(self.server.token_file)):
            return False, ""
        return True, user

    def read_body(self):
        length = self.headers.get("Content-Length")
        if length is not None:
            n = int(length)
            if n < 0 or n > MAX_BODY:
                raise ValueError("bad Content-Length")
            return self.rfile.read(n)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self.read_chunked()
        return b""

    def read_chunked(self):
        out = bytearray()
        while True:
            size_line = self.rfile.readline(1024)
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return bytes(out)
            if len(out) + size > MAX_BODY:
                raise ValueError("body too large")
            out += self.rfile.read(size)
            self.rfile.readline(16)

    def cgi_env(self, body_len, user):
        url = urlsplit(self.path)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": self.server.root,
            "GIT_HTTP_EXPORT_ALL": "1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REQUEST_METHOD": self.command,
            "PATH_INFO": url.path,
            "QUERY_STRING": url.query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(body_len),
            "REMOTE_ADDR": self.client_address[0],
            "REMOTE_USER": user,
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": self.server.root,
        }
        encoding = self.headers.get("Content-Encoding")
        if encoding:
            env["HTTP_CONTENT_ENCODING"] = encoding
        protocol = self.headers.get("Git-Protocol")
        if protocol:
            env["GIT_PROTOCOL"] = protocol
        return env

    def handle_git(self):
        ok, user = self.authorised_user()
        if not ok:
            # Drain the body so the connection stays usable for the retry.
            try:
                self.read_body()
            except ValueError:
                self.close_connection = True
            self.send_plain(401, "authentication required\n",
                            [("WWW-Authenticate", 'Basic realm="git"')])
            return
        try:
            body = self.read_body()
        except ValueError:
            self.close_connection = True
            self.send_plain(400, "bad request body\n")
            return
        proc = subprocess.run(["git", "http-backend"], input=body,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=self.cgi_env(len(body), user), check=False)
        if proc.returncode != 0 and not proc.stdout:
            self.send_plain(500, "git http-backend failed\n")
            return
        status, reason, headers, out = parse_cgi_output(proc.stdout)
        self.log_request_line(status)
        self.send_response(status, reason)
        for name, value in headers:
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(out)

    do_GET = handle_git
    do_POST = handle_git
    do_HEAD = handle_git


class GitServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root, token_file):
        super().__init__(("127.0.0.1", 0), GitHandler)
        self.root = root
        self.token_file = token_file


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", required=True, help="directory holding the repositories")
    ap.add_argument("--port-file", required=True, help="where to write the listening port")
    ap.add_argument("--token-file", help="tokens accepted as the Basic auth password")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    ap.add_argument("--tls-key", help="the certificate's private key (PEM)")
    args = ap.parse_args()

    server = GitServer(os.path.abspath(args.root),
                       os.path.abspath(args.token_file) if args.token_file else None)
    if args.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)

    def listening():
        sys.stderr.write("githttp: listening on 127.0.0.1:%d root=%s\n"
                         % (server.server_address[1], server.root))
        sys.stderr.flush()

    return serve(server, args.port_file, listening)

if __name__ == "__main__":
    sys.exit(main())
