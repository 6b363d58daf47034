#!/usr/bin/env python3
"""A fake GitHub REST API for rustreview's tests (Python standard library only).

It behaves like GitHub where it matters to a review bot: GitHub App JWTs are
verified (RS256, real signature check), installation tokens are issued and
required, review comments are listed with GitHub's pagination (Link headers),
and a review whose comments are not on lines of the pull request's diff is
refused with GitHub's 422 — storing nothing.

Usage:
  python3 fakegithub.py --port-file F --app-id ID --public-key PEM
                        [--token-file FILE] [--pat TOKEN] [--max-per-page N]
                        [--tls-cert PEM --tls-key PEM]

  Listens on 127.0.0.1 on a free port and writes the port number to F once it
  accepts connections. --token-file: every installation token issued is
  appended to it, one a line (the fake git server accepts those as passwords).
  --pat: a personal access token accepted on /repos/... as well.
  --max-per-page: caps the page size of listings below GitHub's 100 so that
  tests exercise pagination with few comments.
  --tls-cert/--tls-key: serve HTTPS with this certificate chain and key (the
  tests make a throwaway CA with openssl); Link URLs then say https.

GitHub endpoints:
  POST /app/installations/{id}/access_tokens
      Needs "Authorization: Bearer <JWT>": RS256 verified with --public-key
      (modulus taken once with `openssl rsa -pubin -modulus`, then
      pow(sig, e, n) compared with the EMSA-PKCS1-v1_5 encoding of
      SHA-256(header.payload)); "iss" must equal --app-id; "iat"/"exp" must be
      numbers with exp > now, iat <= now + 60 and exp - iat <= 660.
      401 {"message": "A JSON web token could not be decoded"} (or a more
      specific message) otherwise. 201 {"token": "ghs_...", "expires_at": now+1h
      ISO 8601, "permissions": {...}, "repository_selection": "all"}.
  Every /repos/... endpoint needs "Authorization: Bearer|token <installation
  token or --pat>", else 401 {"message": "Bad credentials"}.
  GET  /repos/{o}/{r}/pulls/{n}/reviews?per_page=&page=
      The PR's reviews (without comments), paginated like the comments.
  GET  /repos/{o}/{r}/pulls/{n}/comments?per_page=&page=
      The PR's review comments in creation order; page size
      min(per_page (default 30, max 100), --max-per-page); Link header with
      absolute rel="next" and rel="last" URLs on this server when more pages
      exist. 404 for an unknown PR.
  POST /repos/{o}/{r}/pulls/{n}/reviews
      404 for an unknown PR. Body must be a JSON object; "event" one of
      COMMENT/APPROVE/REQUEST_CHANGES (default PENDING is refused here);
      "body" required for COMMENT and REQUEST_CHANGES; each comment needs
      "path" (string), "body" (string), "line" (int) and "side" ("RIGHT" or
      "LEFT"). When the PR is registered with a git_dir, every (path, line)
      with side RIGHT must be a line of the new file shown in the diff
      (an added or context line of a hunk of `git diff -U3 base...commit`,
      i.e. merge base to the review's commit_id or the PR head), and
      start_line, if given, must be in the same hunk and not after line.
      Otherwise 422 {"message": "Unprocessable Entity", "errors": [...],
      "documentation_url": ..., "status": "422"} and NOTHING is stored. On
      success the review (id, user rustreview[bot], body, state COMMENTED,
      commit_id) and its comments are stored; 200 with the review JSON.

Control endpoints for tests (no auth):
  POST /_fake/pulls {"owner","repo","number","git_dir","base_sha","head_sha"}
      registers a PR, or updates it (a new push); git_dir may be null.
  POST /_fake/comments {"owner","repo","number","path","line","body","login"}
      seeds an existing review comment (e.g. by a human); registers the PR
      (without git_dir) if needed.
  GET  /_fake/reviews?owner=&repo=&number=  -> {"reviews": [{..., "comments": [...]}]}
  POST /repos/{o}/{r}/statuses/{sha}   a commit status (state, description <= 140, context); 201
  GET  /_fake/statuses                 -> {"statuses": [...]} in creation order
  GET  /_fake/requests -> [{"method","path","query","status","t0","t1"}] of every
      non-control request, in order of arrival: t0 when it arrived, t1 when its
      answer was sent (unix seconds).
  POST /_fake/inject {"method","path","status","headers":{},"body":<json>|"raw":"text",
                      "times":1,"delay_ms":0}
      the next `times` requests with that method and path (no query) get this
      canned response instead (after delay_ms); for failure tests. "status"
      may be 0 with "close": true to drop the connection without answering.
  POST /_fake/expire_tokens  the installation tokens issued so far stop working
      (401 Bad credentials), as when they expire or are revoked.
  --faults SPEC (opt-in): a share of API calls fail as GitHub's do (502, reset,
  stall, 429, secondary-limit 403), or one answer is lost; see faults.py.
  POST /_fake/reset   forgets PRs, comments, reviews, tokens, requests and injections.

Every /repos/... answer (not the injected ones) carries GitHub's rate-limit
headers: X-RateLimit-Limit 5000, X-RateLimit-Remaining (5000 minus the requests
made so far with the same Authorization), -Used, -Reset and -Resource.

Stops cleanly on SIGTERM/SIGINT.
"""
import argparse
import base64
import datetime
import hashlib
import json
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from fakeforge import JsonApi, Reply, diff_new_side
from serveutil import serve

DOCS = "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request"
LINE_ERROR = ("Pull request review thread line must be part of the diff and "
              "Pull request review thread diff hunk can't be blank")
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
BOT = {"login": "rustreview[bot]", "id": 1000001, "type": "Bot"}


# --- RS256 without third-party packages ----------------------------------------

def load_public_key(path):
    """(n, e) of an RSA public key PEM, via the openssl CLI."""
    mod = subprocess.run(["openssl", "rsa", "-pubin", "-in", path, "-noout", "-modulus"],
                         check=True, capture_output=True, text=True).stdout.strip()
    n = int(mod.split("=", 1)[1], 16)
    text = subprocess.run(["openssl", "rsa", "-pubin", "-in", path, "-noout", "-text"],
                          check=True, capture_output=True, text=True).stdout
    m = re.search(r"Exponent:\s*(\d+)", text)
    e = int(m.group(1)) if m else 65537
    return n, e


def b64url_decode(s):
    if not re.fullmatch(r"[A-Za-z0-9_-]*", s):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def rs256_valid(signing_input, sig, n, e):
    k = (n.bit_length() + 7) // 8
    if len(sig) != k:
        return False
    s = int.from_bytes(sig, "big")
    if s >= n:
        return False
    em = pow(s, e, n).to_bytes(k, "big")
    t = SHA256_DIGEST_INFO + hashlib.sha256(signing_input).digest()
    expected = b"\x00\x01" + b"\xff" * (k - len(t) - 3) + b"\x00" + t
    return em == expected


def check_jwt(token, n, e, app_id):
    """None when valid, else the reason."""
    parts = token.split(".")
    if len(parts) != 3:
        return "A JSON web token could not be decoded"
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        sig = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError):
        return "A JSON web token could not be decoded"
    if not isinstance(header, dict) or header.get("alg") != "RS256":
        return "A JSON web token could not be decoded"
    if not rs256_valid((parts[0] + "." + parts[1]).encode(), sig, n, e):
        return "A JSON web token could not be decoded"
    if not isinstance(claims, dict) or str(claims.get("iss")) != str(app_id):
        return "'Issuer' claim ('iss') must be an Integer"
    iat, exp, now = claims.get("iat"), claims.get("exp"), time.time()
    if not isinstance(iat, int) or not isinstance(exp, int) or isinstance(iat, bool):
        return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
    if exp <= now:
        return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
    if iat > now + 60:
        return "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
    if exp - iat > 660:
        return "Expiration time' claim ('exp') is too far in the future"
    return None


# --- diffs ------------------------------------------------------------------------

def diff_lines(git_dir, base, head):
    """{path: {new_line: hunk_index}} of lines shown on the RIGHT side of base...head."""
    return {path: {line: hunk for line, hunk, _ in rows}
            for path, rows in diff_new_side(git_dir, "%s...%s" % (base, head)).items()}


def iso(t):
    return datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- state --------------------------------------------------------------------------

class World:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.n, self.e = load_public_key(args.public_key)
        self.reset()

    def reset(self):
        self.statuses = []       # commit statuses in creation order
        self.pulls = {}          # (owner, repo, number) -> pr dict
        self.tokens = set()
        self.requests = []
        self.injections = []
        self.next_id = 1
        self.diff_cache = {}
        self.rate_used = {}      # Authorization -> requests counted (X-RateLimit-*)
        self.rate_reset = {}

    def new_id(self):
        i = self.next_id
        self.next_id += 1
        return i

    def pull(self, owner, repo, number, create=False):
        key = (owner, repo, int(number))
        if key not in self.pulls and create:
            self.pulls[key] = {"owner": owner, "repo": repo, "number": int(number),
                               "git_dir": None, "base_sha": None, "head_sha": None,
                               "comments": [], "reviews": []}
        return self.pulls.get(key)


def unprocessable(*errors):
    return Reply(422, {"message": "Unprocessable Entity", "errors": list(errors),
                       "documentation_url": DOCS, "status": "422"})


# --- HTTP ------------------------------------------------------------------------------

class Handler(JsonApi, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"       # keep-alive, like api.github.com
    server_version = "fakegithub/1.0"
    world = None
    content_type = "application/json; charset=utf-8"
    bad_json = {"message": "Problems parsing JSON", "documentation_url": "https://docs.github.com/rest"}

    # plumbing
    def dispatch(self, method):
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, urllib.parse.parse_qs(url.query)
        control = path.startswith("/_fake/")
        t0 = time.time()
        if not control and self.injected(method, path, t0):
            return
        entry = None
        status, body, headers = self.answer(method, path, query)
        if not control:
            entry = {"method": method, "path": path, "query": url.query, "status": status,
                     "t0": t0}
            with self.world.lock:
                self.world.requests.append(entry)
        if path.startswith("/repos/"):
            headers = dict(headers or {}, **self.rate_limit_headers())
        self.send_json(status, body, headers)
        if entry is not None:
            entry["t1"] = time.time()

    def rate_limit_headers(self):
        """GitHub's primary rate limit, as every REST answer reports it: 5000
        requests an hour per token, counted here per Authorization value."""
        key = self.headers.get("Authorization") or "anonymous"
        w = self.world
        with w.lock:
            used = w.rate_used[key] = w.rate_used.get(key, 0) + 1
            reset = w.rate_reset.setdefault(key, int(time.time()) + 3600)
        return {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": str(max(0, 5000 - used)),
                "X-RateLimit-Used": str(used), "X-RateLimit-Reset": str(reset),
                "X-RateLimit-Resource": "core"}

    def injected(self, method, path, t0):
        w = self.world
        entry = None
        with w.lock:
            inj = next((i for i in w.injections
                        if i["method"] == method and i["path"] == path and i["times"] > 0), None)
            if inj:
                inj["times"] -= 1
                entry = {"method": method, "path": path, "query": "",
                         "status": inj.get("status", 0), "t0": t0}
                w.requests.append(entry)
        if not inj:
            return False
        try:
            return self.answer_injected(inj)
        finally:
            entry["t1"] = time.time()

    def answer_injected(self, inj):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        if inj.get("delay_ms"):
            time.sleep(inj["delay_ms"] / 1000.0)
        if inj.get("close"):
            self.close_connection = True
            return True
        if "raw" in inj:
            data = inj["raw"].encode()
            self.send_response(inj["status"])
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            for k, v in inj.get("headers", {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        else:
            self.send_json(inj["status"], inj.get("body"), inj.get("headers"))
        return True

    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    # routing
    def route(self, method, path, query):
        m = re.fullmatch(r"/app/installations/(\d+)/access_tokens", path)
        if m and method == "POST":
            return self.access_token(int(m.group(1)))
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/pulls/(\d+)/(comments|reviews)", path)
        if m:
            self.require_token()
            owner, repo, number, what = m.group(1), m.group(2), int(m.group(3)), m.group(4)
            if method == "GET":
                return self.list_paginated(owner, repo, number, query, what)
            if what == "reviews" and method == "POST":
                return self.create_review(owner, repo, number)
        m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/statuses/([0-9a-f]{40})", path)
        if m and method == "POST":
            self.require_token()
            return self.create_status(m.group(1), m.group(2), m.group(3))
        if path.startswith("/repos/"):
            self.require_token()
        if path == "/_fake/statuses" and method == "GET":
            with self.world.lock:
                return 200, {"statuses": list(self.world.statuses)}, {}
        if path == "/_fake/pulls" and method == "POST":
            return self.fake_pull()
        if path == "/_fake/comments" and method == "POST":
            return self.fake_comment()
        if path == "/_fake/reviews" and method == "GET":
            return self.fake_reviews(query)
        if path == "/_fake/requests" and method == "GET":
            with self.world.lock:
                return 200, list(self.world.requests), {}
        if path == "/_fake/inject" and method == "POST":
            return self.fake_inject()
        if path == "/_fake/expire_tokens" and method == "POST":
            with self.world.lock:
                self.world.tokens.clear()
            return 200, {"ok": True}, {}
        if path == "/_fake/reset" and method == "POST":
            with self.world.lock:
                self.world.reset()
            return 200, {"ok": True}, {}
        raise Reply(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})

    # auth
    def bearer(self, schemes):
        auth = self.headers.get("Authorization") or ""
        parts = auth.split(None, 1)
        if len(parts) == 2 and parts[0].lower() in schemes:
            return parts[1].strip()
        return None

    def access_token(self, installation):
        jwt = self.bearer(("bearer",))
        w = self.world
        if not jwt:
            raise Reply(401, {"message": "A JSON web token could not be decoded",
                              "documentation_url": "https://docs.github.com/rest"})
        reason = check_jwt(jwt, w.n, w.e, w.args.app_id)
        if reason:
            raise Reply(401, {"message": reason, "documentation_url": "https://docs.github.com/rest"})
        token = "ghs_" + secrets.token_urlsafe(27).replace("-", "A").replace("_", "B")[:36]
        with w.lock:
            w.tokens.add(token)
            if w.args.token_file:
                with open(w.args.token_file, "a") as f:
                    f.write(token + "\n")
        return 201, {"token": token, "expires_at": iso(time.time() + 3600),
                     "permissions": {"contents": "read", "pull_requests": "write",
                                     "metadata": "read"},
                     "repository_selection": "all"}, {}

    def require_token(self):
        token = self.bearer(("bearer", "token"))
        w = self.world
        with w.lock:
            ok = token is not None and (token in w.tokens or (w.args.pat and token == w.args.pat))
        if not ok:
            raise Reply(401, {"message": "Bad credentials",
                              "documentation_url": "https://docs.github.com/rest"})

    # review comments and reviews
    def list_paginated(self, owner, repo, number, query, what):
        w = self.world
        try:
            per_page = int(query.get("per_page", ["30"])[0])
            page = int(query.get("page", ["1"])[0])
        except ValueError:
            raise Reply(400, {"message": "Invalid pagination parameters"})
        per_page = max(1, min(per_page, 100))
        if w.args.max_per_page:
            per_page = min(per_page, w.args.max_per_page)
        page = max(page, 1)
        with w.lock:
            pr = w.pull(owner, repo, number)
            if not pr:
                raise Reply(404, {"message": "Not Found"})
            if what == "comments":
                listed = [dict(c) for c in pr["comments"]]
            else:   # reviews as GitHub lists them: without their comments
                listed = [{k: v for k, v in r.items() if k not in ("comments", "event")}
                          for r in pr["reviews"]]
        last = max(1, (len(listed) + per_page - 1) // per_page)
        items = listed[(page - 1) * per_page: page * per_page]
        headers = {}
        if page < last:
            host, port = self.server.server_address[:2]
            scheme = "https" if getattr(self.server, "tls", False) else "http"
            base = scheme + "://%s:%d/repos/%s/%s/pulls/%d/%s" % (host, port, owner, repo, number, what)
            link = lambda p: "<%s?per_page=%d&page=%d>" % (base, per_page, p)  # noqa: E731
            headers["Link"] = '%s; rel="next", %s; rel="last"' % (link(page + 1), link(last))
        return 200, items, headers

    def validate_review(self, pr, body):
        if not isinstance(body, dict):
            raise Reply(400, {"message": "Problems parsing JSON"})
        event = body.get("event")
        if event not in ("COMMENT", "APPROVE", "REQUEST_CHANGES"):
            raise unprocessable("Unprocessable Entity: event must be COMMENT, APPROVE or REQUEST_CHANGES")
        if event in ("COMMENT", "REQUEST_CHANGES") and not isinstance(body.get("body"), str):
            raise unprocessable("Body is required for %s reviews" % event)
        comments = body.get("comments", [])
        if not isinstance(comments, list):
            raise Reply(422, {"message": "Invalid request.\n\nFor 'properties/comments', is not an array.",
                              "documentation_url": DOCS, "status": "422"})
        for c in comments:
            if (not isinstance(c, dict) or not isinstance(c.get("path"), str)
                    or not isinstance(c.get("body"), str) or type(c.get("line")) is not int
                    or c.get("side") not in ("RIGHT", "LEFT")):
                raise Reply(422, {"message": "Invalid request.\n\nEach comment needs path, body, line and side.",
                                  "documentation_url": DOCS, "status": "422"})
        commit = body.get("commit_id") or pr["head_sha"]
        if pr["git_dir"] and comments:
            self.validate_lines(pr, commit, comments)
        return event, commit, comments

    def validate_lines(self, pr, commit, comments):
        key = (pr["git_dir"], pr["base_sha"], commit)
        w = self.world
        with w.lock:
            shown = w.diff_cache.get(key)
        if shown is None:
            try:
                shown = diff_lines(pr["git_dir"], pr["base_sha"], commit)
            except subprocess.CalledProcessError:
                raise unprocessable("No commit found for SHA: %s" % commit)
            with w.lock:
                w.diff_cache[key] = shown
        for c in comments:
            if c["side"] != "RIGHT":
                continue
            lines = shown.get(c["path"], {})
            hunk = lines.get(c["line"])
            start = c.get("start_line")
            if hunk is None or (start is not None and (type(start) is not int or start > c["line"]
                                                      or lines.get(start) != hunk)):
                raise unprocessable(LINE_ERROR)

    def create_review(self, owner, repo, number):
        w = self.world
        with w.lock:
            pr = w.pull(owner, repo, number)
        if not pr:
            raise Reply(404, {"message": "Not Found"})
        body = self.read_json()
        event, commit, comments = self.validate_review(pr, body)
        now = iso(time.time())
        with w.lock:
            review = {"id": w.new_id(), "user": dict(BOT), "body": body.get("body") or "",
                      "state": {"COMMENT": "COMMENTED", "APPROVE": "APPROVED",
                                "REQUEST_CHANGES": "CHANGES_REQUESTED"}[event],
                      "commit_id": commit, "submitted_at": now,
                      "pull_request_url": "/repos/%s/%s/pulls/%d" % (owner, repo, number)}
            stored = []
            for c in comments:
                stored.append({"id": w.new_id(), "pull_request_review_id": review["id"],
                               "path": c["path"], "line": c["line"], "original_line": c["line"],
                               "start_line": c.get("start_line"), "side": c["side"],
                               "commit_id": commit, "original_commit_id": commit,
                               "body": c["body"], "user": dict(BOT), "created_at": now,
                               "updated_at": now})
            pr["comments"].extend(stored)
            pr["reviews"].append(dict(review, event=event, comments=stored))
        return 200, review, {}

    # commit statuses
    def create_status(self, owner, repo, sha):
        b = self.read_json()
        if not isinstance(b, dict) or b.get("state") not in ("error", "failure", "pending", "success"):
            raise Reply(422, {"message": "Validation Failed",
                              "errors": [{"resource": "Status", "field": "state", "code": "custom"}]})
        desc = b.get("description")
        if desc is not None and (not isinstance(desc, str) or len(desc) > 140):
            raise Reply(422, {"message": "Validation Failed",
                              "errors": [{"resource": "Status", "field": "description", "code": "custom"}]})
        st = {"owner": owner, "repo": repo, "sha": sha, "state": b["state"], "description": desc,
              "context": b.get("context") or "default"}
        with self.world.lock:
            st["id"] = self.world.new_id()
            self.world.statuses.append(st)
        return 201, st, {}

    # control
    def fake_pull(self):
        b = self.read_json() or {}
        w = self.world
        with w.lock:
            pr = w.pull(b["owner"], b["repo"], b["number"], create=True)
            existed = pr["head_sha"] is not None or pr["git_dir"] is not None
            for k in ("git_dir", "base_sha", "head_sha"):
                if k in b:
                    pr[k] = b[k]
        return (200 if existed else 201), {"ok": True}, {}

    def fake_comment(self):
        b = self.read_json() or {}
        w = self.world
        now = iso(time.time())
        with w.lock:
            pr = w.pull(b["owner"], b["repo"], b["number"], create=True)
            login = b.get("login") or "octocat"
            c = {"id": w.new_id(), "pull_request_review_id": None, "path": b["path"],
                 "line": b["line"], "original_line": b["line"], "side": "RIGHT",
                 "commit_id": pr["head_sha"], "original_commit_id": pr["head_sha"],
                 "body": b["body"], "created_at": now, "updated_at": now,
                 "user": {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"}}
            pr["comments"].append(c)
        return 201, c, {}

    def fake_reviews(self, query):
        w = self.world
        try:
            key = (query["owner"][0], query["repo"][0], int(query["number"][0]))
        except (KeyError, ValueError):
            raise Reply(400, {"message": "owner, repo and number required"})
        with w.lock:
            pr = w.pulls.get(key)
            reviews = json.loads(json.dumps(pr["reviews"])) if pr else []
        return 200, {"reviews": reviews}, {}

    def fake_inject(self):
        b = self.read_json() or {}
        inj = {"method": b.get("method", "GET"), "path": b["path"], "status": b.get("status", 500),
               "headers": b.get("headers", {}), "times": b.get("times", 1),
               "delay_ms": b.get("delay_ms", 0), "close": b.get("close", False)}
        if "raw" in b:
            inj["raw"] = b["raw"]
        else:
            inj["body"] = b.get("body")
        with self.world.lock:
            self.world.injections.append(inj)
        return 200, {"ok": True}, {}


def tls_wrap(sock, cert, key):
    """The listening socket wrapped for TLS; the handshake happens in each
    handler thread (do_handshake_on_connect), so one stuck client cannot stall
    accept()."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--app-id", required=True)
    ap.add_argument("--public-key", required=True)
    ap.add_argument("--token-file")
    ap.add_argument("--pat")
    ap.add_argument("--max-per-page", type=int, default=0)
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--faults", help="opt-in fault injection: JSON spec, see faults.py")
    args = ap.parse_args()
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error("--tls-cert and --tls-key go together")

    Handler.world = World(args)
    if args.faults:
        import faults
        faults.install(Handler, args.faults)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.tls = bool(args.tls_cert)
    if server.tls:
        server.socket = tls_wrap(server.socket, args.tls_cert, args.tls_key)

    return serve(server, args.port_file)

if __name__ == "__main__":
    sys.exit(main())
