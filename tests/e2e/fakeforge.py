"""fakeforge.py — what the fake GitLab and Gitea servers share (standard library only),
and with the fake GitHub: Reply, JSON in and out (JsonApi) and the diff's new side.

A real forge serves its REST API and git on one origin, so each fake does too:
paths under its API prefix and /_fake/ (control, no auth) are the fake API;
every other path is real git over smart HTTP (githttp.py's handler, `git
http-backend`), requiring HTTP Basic auth with the forge's token as password
and, when the forge has one, its git user name.

Every non-control request is recorded (method, path, query, status) and
returned by GET /_fake/requests; the auth headers and tokens never are.
"""
import argparse
import json
import os
import re
import socket
import subprocess
import threading
import urllib.parse
from http.server import ThreadingHTTPServer

import githttp


class Reply(Exception):
    """Raised by a route to answer with a status and JSON body."""

    def __init__(self, status, body=None, headers=None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")


def diff_new_side(git_dir, revs):
    """{path: [(new_line, hunk index, "+" or " "), ...]} of the lines `git diff
    revs` (-U3, renames followed) shows on its new side, added or context: the
    lines a forge shows in the diff. Every file with a new side is a key."""
    out = subprocess.run(
        ["git", "--git-dir", git_dir, "-c", "core.quotePath=false", "diff", "--no-color",
         "--no-ext-diff", "-M", "-U3", revs],
        capture_output=True, check=True).stdout.decode("utf-8", "replace")
    files, path, line, hunk = {}, None, 0, -1
    for raw in out.split("\n"):
        if raw.startswith("diff --git "):
            path = None
        elif raw.startswith("+++ "):
            target = raw[4:]
            path = target[2:] if target.startswith("b/") else None
            if path is not None:
                files.setdefault(path, [])
        elif raw.startswith("@@"):
            m = HUNK.match(raw)
            if m:
                line, hunk = int(m.group(1)), hunk + 1
        elif path is None or hunk < 0:
            continue
        elif raw.startswith("+") or raw.startswith(" "):
            files[path].append((line, hunk, raw[0]))
            line += 1
        # "-" lines exist on the old side only; "\ No newline" lines are markers.
    return files


def diff_lines(git_dir, base, head):
    """{path: {new_line: "+" or " "}} of the new side of base..head."""
    return {path: {line: kind for line, _, kind in rows}
            for path, rows in diff_new_side(git_dir, "%s..%s" % (base, head)).items()}


def canonical_path(root, path):
    """path with each existing directory component spelled as on disk (matched
    without regard to case), the rest unchanged."""
    parts, cur, out = [p for p in path.split("/") if p], root, []
    for i, part in enumerate(parts):
        try:
            names = os.listdir(cur)
        except OSError:
            return "/" + "/".join(out + parts[i:])
        match = next((n for n in names if n.lower() == part.lower()), None)
        if match is None:
            return "/" + "/".join(out + parts[i:])
        out.append(match)
        cur = os.path.join(cur, match)
    return "/" + "/".join(out)


class World:
    """State shared by the handler threads; every access holds lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.statuses = []       # commit statuses in creation order (GET /_fake/statuses)
        self.next_id = 1000

    def new_id(self):
        self.next_id += 1
        return self.next_id


class JsonApi:
    """Mixed into a fake forge's request handler (listed before the
    BaseHTTPRequestHandler): answers and reads JSON the way the forge does
    (content_type, the body of a 400 for bad JSON), keeps quiet (the request
    log is /_fake/requests) and sends without Nagle's delay."""
    content_type = "application/json"
    bad_json = {"message": "invalid JSON"}

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle plus
        # delayed ACKs stall every keep-alive response by ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):
        pass

    def send_json(self, status, body, headers=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_json(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            raise Reply(400, self.bad_json)

    def answer(self, method, path, query):
        """(status, body, headers) of route(): as a Reply raised says, and a 500
        that says so loudly for any other exception (a bug in the fake)."""
        try:
            return self.route(method, path, query)
        except Reply as r:
            return r.status, r.body, r.headers
        except Exception as ex:
            return 500, {"message": "fake error: %r" % (ex,)}, {}


class ForgeHandler(JsonApi, githttp.GitHandler):
    protocol_version = "HTTP/1.1"
    api_prefix = "/api/"
    world = None

    # git: Basic auth with the token, and the forge's user name when it has one
    def authorised_user(self):
        ok, user = super().authorised_user()
        want = self.server.git_user
        if ok and want and user != want:
            return False, ""
        return ok, user

    def handle_git(self):
        # Forges look repositories up without regard to case: so does the fake.
        url = urllib.parse.urlsplit(self.path)
        self.path = urllib.parse.urlunsplit(("", "", canonical_path(self.server.root, url.path),
                                             url.query, ""))
        super().handle_git()

    def is_api(self, path):
        return path.startswith(self.api_prefix) or path.startswith("/_fake/")

    def do_GET(self):
        if self.is_api(urllib.parse.urlsplit(self.path).path):
            self.dispatch("GET")
        else:
            self.handle_git()

    def do_POST(self):
        if self.is_api(urllib.parse.urlsplit(self.path).path):
            self.dispatch("POST")
        else:
            self.handle_git()

    def base_url(self):
        return "http://%s:%d" % self.server.server_address[:2]

    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        control = path.startswith("/_fake/")
        if method == "GET" and path == "/_fake/requests":
            with self.world.lock:
                status, body, headers = 200, list(self.world.requests), {}
        elif method == "GET" and path == "/_fake/statuses":
            with self.world.lock:
                status, body, headers = 200, {"statuses": list(self.world.statuses)}, {}
        else:
            status, body, headers = self.answer(method, path, query)
        if not control:
            with self.world.lock:
                self.world.requests.append({"method": method, "path": path,
                                            "query": url.query, "status": status})
        self.send_json(status, body, headers)

    def route(self, method, path, query):
        raise Reply(404, {"message": "404 Not Found"})


def paginate(items, query, max_per_page, default=20, limit_key="per_page"):
    """(page items, next page number or None) for ?page=&<limit_key>=."""
    try:
        per_page = int(query.get(limit_key, [default])[0])
        page = int(query.get("page", ["1"])[0])
    except ValueError:
        raise Reply(400, {"message": "bad pagination parameters"})
    per_page = max(1, min(per_page, 100))
    if max_per_page:
        per_page = min(per_page, max_per_page)
    page = max(page, 1)
    start = (page - 1) * per_page
    chunk = items[start:start + per_page]
    more = start + per_page < len(items)
    return chunk, (page + 1 if more else None), per_page


def link_header(base, path, query, next_page, last_page):
    """A Link header with rel="next" and rel="last" on this server's URL."""
    def url(n):
        q = {k: v[0] for k, v in query.items()}
        q["page"] = str(n)
        return "<%s%s?%s>" % (base, path, urllib.parse.urlencode(q))
    parts = []
    if next_page:
        parts.append('%s; rel="next"' % url(next_page))
    parts.append('%s; rel="last"' % url(last_page))
    return ", ".join(parts)


class ForgeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler, git_root, token_file, git_user):
        super().__init__(("127.0.0.1", 0), handler)
        self.root = git_root
        self.token_file = token_file
        self.git_user = git_user



def arg_parser(doc):
    """The options every fake forge takes (its own are added by the caller)."""
    ap = argparse.ArgumentParser(description=doc.split("\n", 1)[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--git-root", required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--max-per-page", type=int, default=0)
    return ap


def run(handler, args, git_user, **attrs):
    """Serves handler (its world already set) on 127.0.0.1 until a signal. Git
    needs args.token as password (githttp's token check reads it from a private
    temp file, removed on exit) and git_user as user name. attrs are set on the
    server for the handler (e.g. link=True)."""
    import tempfile
    from serveutil import serve
    fd, token_file = tempfile.mkstemp(prefix="fakeforge-token-")
    with os.fdopen(fd, "w") as f:
        f.write(args.token + "\n")
    try:
        server = ForgeServer(handler, os.path.abspath(args.git_root), token_file, git_user)
        server.api_token, server.max_per_page = args.token, args.max_per_page
        for k, v in attrs.items():
            setattr(server, k, v)
        return serve(server, args.port_file)
    finally:
        os.unlink(token_file)
