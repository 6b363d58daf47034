"""A review made only of a summary (a notice, no line comment) whose POST answer
is lost (issue 10): the forge stored it, the connection dropped, the job is
retried; the retry must find it by listing what is there (GitHub: the PR's
reviews; GitLab: the merge request's notes) and post nothing again.

No comment carries a fingerprint here, so only the listing of summaries and
their markers can tell the retry that the notice was said. The pull request
changes one Rust file over RUSTREVIEW_MAX_FILE_BYTES (1024): nothing is
reviewed, and the review is the notice naming the skipped file.
"""
import json
import os
import sqlite3
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from test_reliability_e2e import (BASE_LIB, OWNER, REPO, World, fixture_exists,  # noqa: E402
                                  sqlite_states, wait_until)

# Over 1024 bytes and free of findings: skipped, so the review is a notice only.
BIG_LIB = BASE_LIB + "".join("// padding line %03d of a file over the size limit\n" % i
                             for i in range(30))
NOTICE = ("**rustreview did not review 1 changed Rust file**: over the per-pull-request "
          "limits (at most 300 files, each at most 1024 bytes; `RUSTREVIEW_MAX_FILES`, "
          "`RUSTREVIEW_MAX_FILE_BYTES`).")
SKIP_ENV = {"RUSTREVIEW_MAX_FILE_BYTES": "1024", "RUSTREVIEW_RETRY_MAX_BACKOFF": "1"}

GL_NAMESPACE, GL_PROJECT, GL_PROJECT_ID, GL_IID = "group", "hello", 21, 3
GL_SECRET = "gitlab-lost-summary-hook-7f1c"
GL_TOKEN = "glpat-lost-summary-0123456789"


def attempts_of(db, delivery):
    c = sqlite3.connect(db, timeout=10)
    try:
        return c.execute("SELECT attempts FROM jobs WHERE delivery_id = ?", (delivery,)).fetchone()[0]
    finally:
        c.close()


def requests_of(base):
    st, _, body = h.http("GET", base + "/_fake/requests")
    assert st == 200, body
    return json.loads(body)


def faults_of(base):
    st, _, body = h.http("GET", base + "/_fake/faults")
    assert st == 200, body
    return json.loads(body)


class LostSummary(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not fixture_exists():
            raise unittest.SkipTest("no pull_request_opened fixture")

    def test_01_github_summary_only_review(self):
        n = 21
        w = World("lost-summary-gh", faults={"rate": 0.0, "lost_answer": {
            "method": "POST", "path_suffix": "/pulls/%d/reviews" % n, "times": 1}})
        bot = None
        try:
            w.add_pr(n, {"src/lib.rs": BIG_LIB})
            port = h.free_port()
            url = "http://127.0.0.1:%d" % port
            data = os.path.join(w.t, "data")
            bot = h.Proc("bot", [h.BINARY, "serve"], w.t, env=w.env(port, data, SKIP_ENV))
            h.wait_http_ok(url + "/healthz")
            self.assertEqual(w.deliver(url, n, "lost-summary-1"), 202)
            db = os.path.join(data, "rustreview.db")
            self.assertTrue(wait_until(lambda: sqlite_states(db).get("lost-summary-1") == "done",
                                       30), sqlite_states(db))
            self.assertEqual(faults_of(w.api)["lost_answers"], 1)
            path = "/repos/%s/%s/pulls/%d/reviews" % (OWNER, REPO, n)
            calls = [(r["method"], r["path"]) for r in requests_of(w.api)
                     if r["path"] == path]
            # Listed, posted once (its answer lost), then the retry listed the
            # reviews again (the only place the notice's marker is) and posted nothing.
            self.assertEqual(calls, [("GET", path), ("POST", path), ("GET", path)])
            st, _, body = h.http("GET", w.api + "/_fake/reviews?owner=%s&repo=%s&number=%d"
                                 % (OWNER, REPO, n))
            reviews = json.loads(body)["reviews"]
            self.assertEqual(len(reviews), 1, reviews)
            self.assertEqual(reviews[0]["comments"], [])
            self.assertTrue(reviews[0]["body"].startswith(
                "**rustreview** has no new comments on this pull request.\n\n" + NOTICE + "\n"
                "<!-- rustreview:notice="), reviews[0]["body"])
            self.assertEqual(attempts_of(db, "lost-summary-1"), 1)
            h.log("e2e: GitHub summary-only review whose answer was lost: 1 POST, the retry "
                  "listed the reviews and posted nothing; 1 review on the PR")
            bot.close()
            self.assertEqual(bot.p.returncode, 0)
        finally:
            if bot:
                bot.close()
            w.close()

    def gitlab_world(self, t):
        """A project whose merge request changes only a file over the size limit."""
        root = os.path.join(t, "git")
        bare = os.path.join(root, GL_NAMESPACE, GL_PROJECT + ".git")
        os.makedirs(bare)
        h.git(bare, "init", "-q", "--bare", "-b", "master")
        w = os.path.join(t, "work")
        os.makedirs(w)
        h.git(w, "init", "-q", "-b", "master")
        h.write(os.path.join(w, "src/lib.rs"), BASE_LIB)
        h.git(w, "add", "-A")
        h.git(w, "commit", "-q", "-m", "base")
        base = h.git(w, "rev-parse", "HEAD")
        h.git(w, "checkout", "-q", "-b", "changes")
        h.write(os.path.join(w, "src/lib.rs"), BIG_LIB)
        h.git(w, "commit", "-q", "-am", "big")
        head = h.git(w, "rev-parse", "HEAD")
        h.git(w, "push", "-q", bare, "master", "changes",
              "%s:refs/merge-requests/%d/head" % (head, GL_IID))
        return root, bare, base, head

    def gitlab_payload(self, gitlab, head):
        with open(os.path.join(h.FIXTURES, "gitlab", "merge_request.open.json")) as f:
            p = json.load(f)
        oa = p["object_attributes"]
        oa.update({"iid": GL_IID, "target_project_id": GL_PROJECT_ID, "target_branch": "master",
                   "draft": False, "work_in_progress": False})
        oa["last_commit"]["id"] = head
        oa["target"]["git_http_url"] = "%s/%s/%s.git" % (gitlab, GL_NAMESPACE, GL_PROJECT)
        oa["target"]["path_with_namespace"] = "%s/%s" % (GL_NAMESPACE, GL_PROJECT)
        oa.pop("oldrev", None)
        return json.dumps(p).encode()

    def test_02_gitlab_summary_note(self):
        tmp = h.TempDir("lost-summary-gl")
        t = tmp.path
        procs = []
        try:
            root, bare, base, head = self.gitlab_world(t)
            notes = "/api/v4/projects/%d/merge_requests/%d/notes" % (GL_PROJECT_ID, GL_IID)
            port_file = os.path.join(t, "gitlab.port")
            procs.append(h.Proc("fakegitlab", [
                sys.executable, os.path.join(h.HERE, "fakegitlab.py"), "--port-file", port_file,
                "--git-root", root, "--token", GL_TOKEN, "--faults",
                json.dumps({"rate": 0.0, "lost_answer": {"method": "POST",
                                                        "path_suffix": notes, "times": 1}})], t))
            gitlab = "http://127.0.0.1:%s" % h.wait_for_file(port_file)
            st, _, body = h.http("POST", gitlab + "/_fake/mrs", {
                "project_id": GL_PROJECT_ID, "iid": GL_IID, "git_dir": bare, "base_sha": base,
                "start_sha": base, "head_sha": head})
            self.assertEqual(st, 201, body)
            data = os.path.join(t, "data")
            port = h.free_port()
            url = "http://127.0.0.1:%d" % port
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                   "RUSTREVIEW_LISTEN": "127.0.0.1:%d" % port, "RUSTREVIEW_DATA_DIR": data,
                   "RUSTREVIEW_WORKERS": "2", "RUSTREVIEW_LOG_LEVEL": "info",
                   "RUSTREVIEW_GITLAB_URL": gitlab, "RUSTREVIEW_GITLAB_TOKEN": GL_TOKEN,
                   "RUSTREVIEW_GITLAB_WEBHOOK_SECRET": GL_SECRET}
            env.update(SKIP_ENV)
            bot = h.Proc("bot", [h.BINARY, "serve"], t, env=env)
            procs.append(bot)
            h.wait_http_ok(url + "/healthz")
            key = str(uuid.uuid4())
            st, _, body = h.http("POST", url + "/webhooks/gitlab", self.gitlab_payload(gitlab, head),
                                 {"Content-Type": "application/json",
                                  "X-Gitlab-Event": "Merge Request Hook",
                                  "X-Gitlab-Event-UUID": key, "Idempotency-Key": key,
                                  "X-Gitlab-Token": GL_SECRET, "User-Agent": "GitLab/17.0.0"})
            self.assertEqual(st, 202, body)
            db = os.path.join(data, "rustreview.db")
            self.assertTrue(wait_until(lambda: sqlite_states(db).get(key) == "done", 30),
                            (sqlite_states(db), bot.output()[-3000:]))
            self.assertEqual(faults_of(gitlab)["lost_answers"], 1)
            reqs = requests_of(gitlab)
            discussions = notes.replace("/notes", "/discussions")
            self.assertEqual([r["method"] for r in reqs if r["path"] == notes], ["POST"])
            self.assertEqual([r["method"] for r in reqs if r["path"] == discussions],
                             ["GET", "GET"])      # each run listed; only the first posted
            st, _, body = h.http("GET", "%s/_fake/discussions?project_id=%d&iid=%d"
                                 % (gitlab, GL_PROJECT_ID, GL_IID))
            ds = json.loads(body)["discussions"]
            self.assertEqual(len(ds), 1, ds)
            note = ds[0]["notes"][0]
            self.assertIsNone(note["type"])
            self.assertTrue(note["body"].startswith(
                "**rustreview** has no new comments on this merge request.\n\n" + NOTICE + "\n"
                "<!-- rustreview:notice="), note["body"])
            self.assertIn("<!-- rustreview:head=%s -->" % head, note["body"])
            self.assertEqual(attempts_of(db, key), 1)
            h.log("e2e: GitLab summary note whose answer was lost: 1 POST, the retry listed "
                  "the notes and posted nothing; 1 note on the merge request")
            bot.close()
            self.assertEqual(bot.p.returncode, 0)
        finally:
            for p in reversed(procs):
                p.close()
            tmp.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
