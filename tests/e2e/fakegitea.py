#!/usr/bin/env python3
"""A fake Gitea (REST API v1 and git over smart HTTP on one origin) for
rustreview's tests. Standard library only.

It behaves like Gitea 1.22 where it matters to a review bot:
  * every /api/v1 call needs "Authorization: token <token>" (or "Bearer
    <token>"), else 401 {"message": "token is required", ...};
  * git needs HTTP Basic auth as the token's own user with the token as password;
  * a review comment on a line outside the diff is STORED WITHOUT ANY ERROR, as
    Gitea does (it cuts whatever hunk it can around the line): the fake marks it
    "off_diff": true in its control view, so a test can assert none was sent;
    new_position must be an ADDED line of the diff to count as on it;
  * reviews are listed with ?page=&limit= (at most --max-per-page), a Link
    header (rel="next", rel="last") and X-Total-Count; each review's comments
    come from GET .../reviews/{id}/comments.

Usage:
  python3 fakegitea.py --port-file F --git-root DIR --token T --login NAME [--max-per-page N]

API (under /api/v1):
  GET  /user                                            {"id","login"}
  GET  /repos/{o}/{r}/pulls/{n}/reviews                 PullReview list
  GET  /repos/{o}/{r}/pulls/{n}/reviews/{id}/comments   PullReviewComment list
  POST /repos/{o}/{r}/pulls/{n}/reviews                 200 PullReview
  POST /repos/{o}/{r}/statuses/{sha} {state, context, description}   201
Control (no auth):
  POST /_fake/pulls {"owner","repo","number","git_dir","base_sha","head_sha"}
  POST /_fake/reviews {"owner","repo","number","body","login","comments":[{path,body,new_position}]}
  GET  /_fake/reviews?owner=&repo=&number=   {"reviews": [{..., "comments": [...]}]}
  GET  /_fake/statuses                       {"statuses": [...]}
  GET  /_fake/requests                       [{"method","path","query","status"}]
"""
import hmac
import re
import subprocess
import sys

from fakeforge import (ForgeHandler, Reply, World, arg_parser, diff_lines, link_header, paginate,
                       run)

PULL = re.compile(r"^/api/v1/repos/([^/]+)/([^/]+)/pulls/(\d+)/reviews(?:/(\d+)/comments)?$")
STATUS = re.compile(r"^/api/v1/repos/([^/]+)/([^/]+)/statuses/([0-9a-f]{40})$")
EVENTS = ("APPROVED", "PENDING", "COMMENT", "REQUEST_CHANGES", "REQUEST_REVIEW")


def merge_base(git_dir, base, head):
    return subprocess.run(["git", "--git-dir", git_dir, "merge-base", base, head],
                          capture_output=True, check=True, text=True).stdout.strip()


class Handler(ForgeHandler):
    server_version = "fakegitea/1.0"
    api_prefix = "/api/v1/"

    def require_token(self):
        auth = self.headers.get("Authorization") or ""
        scheme, _, t = auth.partition(" ")
        if scheme.lower() not in ("token", "bearer") or \
                not hmac.compare_digest(t.encode(), self.server.api_token.encode()):
            raise Reply(401, {"message": "token is required", "url": self.base_url() + "/api/swagger"})

    def pull(self, owner, repo, number):
        # Gitea looks owners and repositories up without regard to case.
        p = self.world.pulls.get((owner.lower(), repo.lower(), int(number)))
        if not p:
            raise Reply(404, {"message": "The target couldn't be found.", "errors": []})
        return p

    def route(self, method, path, query):
        w = self.world
        if path.startswith("/_fake/"):
            return self.control(method, path, query)
        self.require_token()
        if path == "/api/v1/user" and method == "GET":
            return 200, {"id": 7, "login": self.server.login}, {}
        m = PULL.match(path)
        if m and method == "GET" and not m.group(4):
            with w.lock:
                items = [self.review_json(r) for r in self.pull(*m.group(1, 2, 3))["reviews"]]
            chunk, nxt, per_page = paginate(items, query, self.server.max_per_page,
                                            default=50, limit_key="limit")
            last = max(1, -(-len(items) // per_page))
            return 200, chunk, {"Link": link_header(self.base_url(), path, query, nxt, last),
                                "X-Total-Count": str(len(items))}
        if m and method == "GET":
            with w.lock:
                pr = self.pull(*m.group(1, 2, 3))
                r = next((r for r in pr["reviews"] if r["id"] == int(m.group(4))), None)
                if not r:
                    raise Reply(404, {"message": "review does not exist"})
                return 200, [self.comment_json(c) for c in r["comments"]], {}
        if m and method == "POST" and not m.group(4):
            return self.create_review(self.pull(*m.group(1, 2, 3)), self.read_json())
        s = STATUS.match(path)
        if s and method == "POST":
            b = self.read_json() or {}
            if b.get("state") not in ("pending", "success", "error", "failure", "warning"):
                raise Reply(422, {"message": "invalid state"})
            with w.lock:
                st = {"owner": s.group(1), "repo": s.group(2), "sha": s.group(3),
                      "state": b["state"], "context": b.get("context") or "default",
                      "description": b.get("description")}
                w.statuses.append(st)
            return 201, st, {}
        raise Reply(404, {"message": "not found"})

    def review_json(self, r):
        return {"id": r["id"], "body": r["body"], "commit_id": r["commit_id"], "state": r["state"],
                "comments_count": len(r["comments"]), "user": {"login": r["login"]},
                "stale": False, "official": False, "dismissed": False}

    def comment_json(self, c):
        return {"id": c["id"], "body": c["body"], "path": c["path"], "position": c["position"],
                "original_position": 0, "commit_id": c["commit_id"], "user": {"login": c["login"]},
                "pull_request_review_id": c["review_id"]}

    def create_review(self, pr, body):
        if not isinstance(body, dict):
            raise Reply(422, {"message": "invalid body"})
        event = body.get("event") or "PENDING"
        if event not in EVENTS:
            raise Reply(422, {"message": "Unknown review event: %s" % event})
        comments = body.get("comments") or []
        for c in comments:
            if not isinstance(c.get("path"), str) or not isinstance(c.get("body"), str) or \
                    not isinstance(c.get("new_position"), int) or \
                    not isinstance(c.get("old_position", 0), int):
                raise Reply(422, {"message": "invalid comment"})
        commit = body.get("commit_id") or pr["head_sha"]
        base = merge_base(pr["git_dir"], pr["base_sha"], commit)
        shown = diff_lines(pr["git_dir"], base, commit)
        with self.world.lock:
            rid = self.world.new_id()
            r = {"id": rid, "body": body.get("body") or "", "commit_id": commit,
                 "state": "COMMENT" if event == "COMMENT" else event, "login": self.server.login,
                 "comments": []}
            for c in comments:
                line = c["old_position"] if c.get("old_position", 0) > 0 else c["new_position"]
                # Stored whatever the line: Gitea has no "not part of the diff" error.
                r["comments"].append({
                    "id": self.world.new_id(), "review_id": rid, "body": c["body"],
                    "path": c["path"], "position": line, "commit_id": commit,
                    "login": self.server.login,
                    "off_diff": c.get("old_position", 0) > 0 or
                    shown.get(c["path"], {}).get(line) != "+"})
            pr["reviews"].append(r)
            return 200, self.review_json(r), {}

    def control(self, method, path, query):
        w = self.world
        if path == "/_fake/pulls" and method == "POST":
            b = self.read_json()
            key = (b["owner"].lower(), b["repo"].lower(), int(b["number"]))
            with w.lock:
                pr = w.pulls.setdefault(key, {"reviews": []})
                pr.update({"git_dir": b["git_dir"], "base_sha": b["base_sha"],
                           "head_sha": b["head_sha"]})
            return 201, {"ok": True}, {}
        if path == "/_fake/reviews" and method == "POST":
            b = self.read_json()
            with w.lock:
                pr = self.pull(b["owner"], b["repo"], b["number"])
                rid = w.new_id()
                pr["reviews"].append({
                    "id": rid, "body": b.get("body", ""), "commit_id": pr["head_sha"],
                    "state": "COMMENT", "login": b.get("login", "a-human"),
                    "comments": [{"id": w.new_id(), "review_id": rid, "body": c["body"],
                                  "path": c["path"], "position": c["new_position"],
                                  "commit_id": pr["head_sha"], "login": b.get("login", "a-human"),
                                  "off_diff": False} for c in b.get("comments", [])]})
            return 201, {"id": rid}, {}
        if path == "/_fake/reviews" and method == "GET":
            with w.lock:
                pr = self.pull(query["owner"][0], query["repo"][0], query["number"][0])
                return 200, {"reviews": [dict(r, comments=list(r["comments"]))
                                         for r in pr["reviews"]]}, {}
        raise Reply(404, {"message": "no such control endpoint"})


def main():
    ap = arg_parser(__doc__)
    ap.add_argument("--login", default="rustreview-bot")
    args = ap.parse_args()
    world = World()
    world.pulls = {}
    Handler.world = world
    return run(Handler, args, args.login, login=args.login)

if __name__ == "__main__":
    sys.exit(main())
