#!/usr/bin/env python3
"""A fake GitLab (REST API v4 and git over smart HTTP on one origin) for
rustreview's tests. Standard library only.

It behaves like GitLab where it matters to a review bot:
  * every /api/v4 call needs "PRIVATE-TOKEN: <token>" (or "Authorization:
    Bearer <token>"), else 401 {"message": "401 Unauthorized"};
  * git needs HTTP Basic auth as user "oauth2" with the token as password;
  * GET /projects/:id/merge_requests/:iid answers "diff_refs": null on the first
    read after the merge request is registered or pushed (GitLab computes it
    asynchronously), and the real diff_refs from the second read on;
  * POST .../discussions with a text position is refused with GitLab's 400
    (`Note {:line_code=>["can't be blank", "must be a valid line code"]}`)
    unless base_sha/start_sha/head_sha are the merge request's diff_refs,
    old_path and new_path are given, new_line alone is an ADDED line of
    base_sha..head_sha in new_path (a context line needs old_line too), and
    old_path is the file's path in base_sha (git diff -M: the rename's source
    for a renamed file, else new_path);
  * listings are paginated like GitLab: ?page=&per_page= (at most 100, and at
    most --max-per-page), X-Page / X-Per-Page / X-Total / X-Next-Page headers
    (X-Next-Page empty on the last page); no Link header unless --link.

Usage:
  python3 fakegitlab.py --port-file F --git-root DIR --token T [--max-per-page N] [--link]
                        [--faults SPEC]

  --faults: opt-in failures of API calls, or a lost answer (faults.py); git is
  never faulted.

API (under /api/v4):
  GET  /projects/:id/merge_requests/:iid
  GET  /projects/:id/merge_requests/:iid/discussions
  POST /projects/:id/merge_requests/:iid/discussions   201 discussion
  POST /projects/:id/merge_requests/:iid/notes         201 note (a new individual discussion)
  POST /projects/:id/statuses/:sha {state, name, description}   201
Control (no auth):
  POST /_fake/mrs {"project_id","iid","git_dir","base_sha","start_sha","head_sha"}
       registers a merge request, or a push to it (diff_refs null again once)
  POST /_fake/notes {"project_id","iid","body","type"}   seeds a note (a human's)
  GET  /_fake/discussions?project_id=&iid=   {"discussions": [...]}
  GET  /_fake/statuses                      {"statuses": [...]}
  GET  /_fake/requests                      [{"method","path","query","status"}]
"""
import hmac
import re
import subprocess
import sys
import uuid

from fakeforge import (ForgeHandler, Reply, World, arg_parser, diff_lines, link_header, paginate,
                       run)

BAD_POSITION = {"message": "400 Bad request - Note {:line_code=>[\"can't be blank\", "
                           "\"must be a valid line code\"]}"}
MR_PATH = re.compile(r"^/api/v4/projects/(\d+)/merge_requests/(\d+)(/discussions|/notes)?$")
STATUS_PATH = re.compile(r"^/api/v4/projects/(\d+)/statuses/([0-9a-f]{40})$")


def diff_old_paths(git_dir, base, head):
    """{new_path: old_path} of the files base..head renames (git diff -M, as
    GitLab detects them)."""
    out = subprocess.run(
        ["git", "--git-dir", git_dir, "-c", "core.quotePath=false", "diff", "--no-color",
         "--no-ext-diff", "-M", "--name-status", "-z", "%s..%s" % (base, head)],
        capture_output=True, check=True).stdout.decode("utf-8", "replace").split("\0")
    renamed, i = {}, 0
    while i < len(out) and out[i]:
        status = out[i]
        if status.startswith("R"):
            renamed[out[i + 2]] = out[i + 1]
            i += 3
        elif status.startswith("C"):
            i += 3
        else:
            i += 2
    return renamed


class Handler(ForgeHandler):
    server_version = "fakegitlab/1.0"
    api_prefix = "/api/v4/"

    def require_token(self):
        t = self.headers.get("PRIVATE-TOKEN")
        if t is None:
            auth = self.headers.get("Authorization") or ""
            if auth.startswith("Bearer "):
                t = auth[7:]
        if t is None or not hmac.compare_digest(t.encode(), self.server.api_token.encode()):
            raise Reply(401, {"message": "401 Unauthorized"})

    def mr(self, project, iid):
        m = self.world.mrs.get((int(project), int(iid)))
        if not m:
            raise Reply(404, {"message": "404 Not found"})
        return m

    def route(self, method, path, query):
        w = self.world
        if path.startswith("/_fake/"):
            return self.control(method, path, query)
        self.require_token()
        m = MR_PATH.match(path)
        if m and method == "GET" and not m.group(3):
            with w.lock:
                mr = self.mr(m.group(1), m.group(2))
                mr["reads"] += 1
                refs = None if mr["reads"] == 1 else {
                    "base_sha": mr["base_sha"], "start_sha": mr["start_sha"],
                    "head_sha": mr["head_sha"]}
                return 200, {"id": mr["iid"] + 5000, "iid": mr["iid"],
                             "project_id": mr["project_id"], "sha": mr["head_sha"],
                             "state": "opened", "draft": False, "diff_refs": refs}, {}
        if m and method == "GET" and m.group(3) == "/discussions":
            with w.lock:
                items = list(self.mr(m.group(1), m.group(2))["discussions"])
            return self.page(items, path, query)
        if m and method == "POST" and m.group(3) == "/discussions":
            return self.create_discussion(self.mr(m.group(1), m.group(2)), self.read_json())
        if m and method == "POST" and m.group(3) == "/notes":
            body = self.read_json() or {}
            if not isinstance(body.get("body"), str) or not body["body"]:
                raise Reply(400, {"message": "400 Bad request - body is missing"})
            with w.lock:
                d = self.new_discussion(self.mr(m.group(1), m.group(2)), body["body"], None, None)
            return 201, d["notes"][0], {}
        s = STATUS_PATH.match(path)
        if s and method == "POST":
            body = self.read_json() or {}
            if body.get("state") not in ("pending", "running", "success", "failed", "canceled"):
                raise Reply(400, {"message": "state does not have a valid value"})
            with w.lock:
                st = {"project_id": int(s.group(1)), "sha": s.group(2), "state": body["state"],
                      "name": body.get("name") or body.get("context") or "default",
                      "description": body.get("description")}
                w.statuses.append(st)
            return 201, st, {}
        raise Reply(404, {"message": "404 Not Found"})

    def page(self, items, path, query):
        chunk, nxt, per_page = paginate(items, query, self.server.max_per_page)
        total_pages = max(1, -(-len(items) // per_page))
        headers = {"X-Page": query.get("page", ["1"])[0], "X-Per-Page": str(per_page),
                   "X-Total": str(len(items)), "X-Total-Pages": str(total_pages),
                   "X-Next-Page": str(nxt) if nxt else ""}
        if self.server.link:
            headers["Link"] = link_header(self.base_url(), path, query, nxt, total_pages)
        return 200, chunk, headers

    def new_discussion(self, mr, body, note_type, position):
        """Caller holds the lock."""
        note = {"id": self.world.new_id(), "type": note_type, "body": body,
                "author": {"username": "rustreview-bot"}, "system": False,
                "noteable_type": "MergeRequest", "noteable_iid": mr["iid"],
                "project_id": mr["project_id"]}
        if position:
            note["position"] = position
        d = {"id": uuid.uuid4().hex, "individual_note": note_type is None, "notes": [note]}
        mr["discussions"].append(d)
        return d

    def create_discussion(self, mr, body):
        if not isinstance(body, dict) or not isinstance(body.get("body"), str):
            raise Reply(400, {"message": "400 Bad request - body is missing"})
        pos = body.get("position")
        if not isinstance(pos, dict) or pos.get("position_type") != "text":
            raise Reply(400, BAD_POSITION)
        with self.world.lock:
            refs = (mr["base_sha"], mr["start_sha"], mr["head_sha"])
        if (pos.get("base_sha"), pos.get("start_sha"), pos.get("head_sha")) != refs:
            raise Reply(400, BAD_POSITION)
        new_path, old_path = pos.get("new_path"), pos.get("old_path")
        line = pos.get("new_line")
        if not isinstance(new_path, str) or not isinstance(old_path, str) or \
                not isinstance(line, int) or "old_line" in pos:
            raise Reply(400, BAD_POSITION)
        shown = diff_lines(mr["git_dir"], mr["base_sha"], mr["head_sha"]).get(new_path, {})
        if shown.get(line) != "+":
            raise Reply(400, BAD_POSITION)
        # GitLab finds the diff file by both paths: a renamed file's old_path is
        # its path in the base, anything else's is its new path.
        if old_path != diff_old_paths(mr["git_dir"], mr["base_sha"],
                                      mr["head_sha"]).get(new_path, new_path):
            raise Reply(400, BAD_POSITION)
        with self.world.lock:
            d = self.new_discussion(mr, body["body"], "DiffNote", pos)
        return 201, d, {}

    def control(self, method, path, query):
        w = self.world
        if path == "/_fake/mrs" and method == "POST":
            b = self.read_json()
            key = (int(b["project_id"]), int(b["iid"]))
            with w.lock:
                mr = w.mrs.setdefault(key, {"project_id": key[0], "iid": key[1],
                                            "discussions": []})
                mr.update({"git_dir": b["git_dir"], "base_sha": b["base_sha"],
                           "start_sha": b.get("start_sha") or b["base_sha"],
                           "head_sha": b["head_sha"], "reads": 0})
            return 201, {"ok": True}, {}
        if path == "/_fake/notes" and method == "POST":
            b = self.read_json()
            with w.lock:
                d = self.new_discussion(self.mr(b["project_id"], b["iid"]), b["body"],
                                        b.get("type"), b.get("position"))
                d["notes"][0]["author"] = {"username": b.get("username", "a-human")}
            return 201, d, {}
        if path == "/_fake/discussions" and method == "GET":
            with w.lock:
                mr = self.mr(query["project_id"][0], query["iid"][0])
                return 200, {"discussions": list(mr["discussions"])}, {}
        raise Reply(404, {"message": "no such control endpoint"})


def main():
    ap = arg_parser(__doc__)
    ap.add_argument("--link", action="store_true")
    ap.add_argument("--faults", help="opt-in fault injection: JSON spec, see faults.py")
    args = ap.parse_args()
    world = World()
    world.mrs = {}
    Handler.world = world
    if args.faults:
        import faults
        faults.install(Handler, args.faults)
    return run(Handler, args, "oauth2", link=args.link)

if __name__ == "__main__":
    sys.exit(main())
