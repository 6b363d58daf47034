"""End to end, Gitea (and Forgejo): a pull_request delivery signed with
X-Gitea-Signature (bare hex HMAC-SHA256) → libgit2 fetch over real smart HTTP
as the token's own user → review → one review of line comments on a fake Gitea
that, like Gitea, stores a comment on a line outside the diff without a word
(so the test asserts none was sent) and pages its reviews with Link headers.

The payload is Gitea's real delivery for a pull request from a fork.

Scenario (in order, one world built in setUpClass):
  01 a bad or missing signature is refused with 401 and stores no job
  02 `opened` is queued (202) and produces exactly the expected comments, in
     one review on the head commit, none off the diff, no suggestion fences
     (Gitea has none), a failure status; five unwrap_used in one file: one comment
  03 the same delivery again (same X-Gitea-Delivery) is a duplicate (200)
  04 a new delivery for the same head posts nothing (reviews and their
     comments listed, every page)
  05 `synchronized` after a push moving old findings and adding one new
     problem gets a review with only the new comment
  06 other actions, work-in-progress titles, other events → 200; bad JSON → 400
  07 a clone URL naming another repository → 400; another spelling of the
     owner is the same repository and the same mirror
  08 no token or secret in the data dir, the mirror or the logs
"""
import hashlib
import hmac
import json
import os
import re
import sys
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import forgeworld as fw  # noqa: E402
from forgeworld import EXPECTED_FIRST, EXPECTED_SECOND  # noqa: E402

OWNER, REPO, NUMBER = "octo-org", "hello", 2
SECRET = "gitea-e2e-webhook-secret-91ab"
TOKEN = "0123456789abcdef0123456789abcdef01234567"
LOGIN = "rustreview-bot"
MARKER = re.compile(r"<!-- rustreview:fingerprint=([0-9a-f]{16}) rule=([a-z_]+) -->")


def gitea_signature(body, secret=SECRET):
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def key(c):
    m = MARKER.search(c["body"])
    return (c["path"], c["position"], m.group(2) if m else None)


class GiteaEndToEnd(h.ServedTest, unittest.TestCase):
    TAG = "gitea"

    @classmethod
    def build_repositories(cls, t):
        cls.git_root, cls.bare, cls.work, cls.base, cls.head1 = fw.build(t, os.path.join(OWNER, REPO), "refs/pull/%d/head" % NUMBER)

    @classmethod
    def start_servers(cls, t):
        port_file = os.path.join(t, "gitea.port")
        cls.procs.append(h.Proc("fakegitea", [sys.executable, os.path.join(h.HERE, "fakegitea.py"),
                                              "--port-file", port_file, "--git-root", cls.git_root,
                                              "--token", TOKEN, "--login", LOGIN,
                                              "--max-per-page", "1"], t))
        cls.gitea = "http://127.0.0.1:%s" % h.wait_for_file(port_file)
        cls.register_pull(cls.head1)
        token_file = os.path.join(t, "gitea-token")
        with open(token_file, "w") as f:
            f.write(TOKEN + "\n")
        cls.start_rustreview(t, {"RUSTREVIEW_GITEA_URL": cls.gitea + "/",
                                 "RUSTREVIEW_GITEA_TOKEN_FILE": token_file,
                                 "RUSTREVIEW_GITEA_WEBHOOK_SECRET": SECRET})

    @classmethod
    def register_pull(cls, head):
        status, _, body = h.http("POST", cls.gitea + "/_fake/pulls", {
            "owner": OWNER, "repo": REPO, "number": NUMBER, "git_dir": cls.bare,
            "base_sha": cls.base, "head_sha": head})
        assert status == 201, body

    def payload(self, head, action="opened", title="update", owner=OWNER, clone_url=None):
        with open(os.path.join(h.FIXTURES, "gitea", "pull_request.opened.fork.json")) as f:
            p = json.load(f)
        p["action"] = action
        p["number"] = NUMBER
        pr = p["pull_request"]
        pr["number"], pr["title"] = NUMBER, title
        pr["head"]["sha"], pr["head"]["ref"] = head, "changes"
        pr["base"]["sha"], pr["base"]["ref"] = self.base, "master"
        repo = p["repository"]
        repo["owner"]["login"], repo["owner"]["username"] = owner, owner
        repo["name"], repo["full_name"] = REPO, "%s/%s" % (owner, REPO)
        repo["clone_url"] = clone_url or "%s/%s/%s.git" % (self.gitea, owner, REPO)
        return json.dumps(p).encode()

    def deliver(self, body, event="pull_request", delivery=None, signature=None):
        delivery = delivery or str(uuid.uuid4())
        headers = {"Content-Type": "application/json", "X-Gitea-Event": event,
                   "X-Gitea-Event-Type": event, "X-Gitea-Delivery": delivery,
                   "X-GitHub-Event": event, "X-GitHub-Delivery": delivery,
                   "X-Hub-Signature-256": "sha256=" + gitea_signature(body),
                   "User-Agent": "Go-http-client/1.1"}
        sig = gitea_signature(body) if signature is None else signature
        if sig is not False:
            headers["X-Gitea-Signature"] = sig
        status, _, resp = h.http("POST", self.url + "/webhooks/gitea", body, headers)
        return status, json.loads(resp or b"{}"), delivery

    def reviews(self):
        status, _, body = h.http("GET", "%s/_fake/reviews?owner=%s&repo=%s&number=%d"
                                 % (self.gitea, OWNER, REPO, NUMBER))
        self.assertEqual(status, 200, body)
        return json.loads(body)["reviews"]

    def statuses(self, sha):
        body = json.loads(h.http("GET", self.gitea + "/_fake/statuses")[2])
        return [(s["state"], s["description"]) for s in body["statuses"]
                if s["sha"] == sha and s["context"] == "rustreview"]

    def test_01_bad_signature_is_refused_and_stores_nothing(self):
        body = self.payload(self.head1)
        for sig in ("0" * 64, "sha256=" + gitea_signature(body), gitea_signature(body).upper()[:63],
                    gitea_signature(body, "other-secret"), False, ""):
            status, resp, _ = self.deliver(body, signature=sig)
            self.assertEqual(status, 401, (sig, resp))
        status, resp, _ = self.deliver(body + b"\n", signature=gitea_signature(body))
        self.assertEqual(status, 401, resp)
        self.assertEqual(h.job_rows(self.db), [])

    def test_02_opened_pull_request_gets_exact_review(self):
        status, resp, delivery = self.deliver(self.payload(self.head1))
        self.assertEqual(status, 202, resp)
        type(self).first_delivery = delivery
        rows = self.wait_jobs_settled()
        self.assertEqual([r[2] for r in rows], ["done"], self.server.output()[-4000:])
        revs = self.reviews()
        self.assertEqual(len(revs), 1)
        rev = revs[0]
        self.assertEqual(rev["commit_id"], self.head1)
        self.assertEqual(rev["state"], "COMMENT")
        self.assertEqual(sorted(key(c) for c in rev["comments"]), sorted(EXPECTED_FIRST))
        self.assertEqual([c for c in rev["comments"] if c["off_diff"]], [])
        for c in rev["comments"]:
            self.assertNotIn("```suggestion", c["body"])
        grouped = [c for c in rev["comments"] if c["path"] == "src/many.rs"][0]
        self.assertIn("\n\nAlso at lines 3, 4, 5, 6.\n\n", grouped["body"])
        self.assertIn("**rustreview** found 14 issues in this pull request.", rev["body"])
        self.assertEqual(self.statuses(self.head1),
                         [("failure", "14 findings at or above the failing severity")])

    def test_03_same_delivery_again_is_a_duplicate(self):
        status, resp, _ = self.deliver(self.payload(self.head1), delivery=self.first_delivery)
        self.assertEqual(status, 200, resp)
        self.assertEqual(resp.get("status"), "duplicate")
        self.assertEqual(len(h.job_rows(self.db)), 1)

    def test_04_new_delivery_same_head_posts_nothing(self):
        # a human's review first: listings then take two pages (one review a page)
        h.http("POST", self.gitea + "/_fake/reviews", {
            "owner": OWNER, "repo": REPO, "number": NUMBER, "body": "Nice",
            "comments": [{"path": "src/lib.rs", "body": "why?", "new_position": 10}]})
        status, resp, _ = self.deliver(self.payload(self.head1, action="reopened"))
        self.assertEqual(status, 202, resp)
        self.wait_jobs_settled()
        self.assertEqual(len(self.reviews()), 2)
        reqs = json.loads(h.http("GET", self.gitea + "/_fake/requests")[2])
        self.assertIn("page=2", " ".join(r["query"] for r in reqs if r["path"].endswith("/reviews")))
        self.assertTrue(any(r["path"].endswith("/comments") for r in reqs))

    def test_05_synchronized_comments_only_on_new_problem(self):
        head2 = type(self).head2 = fw.push_second(self.work, self.bare, "refs/pull/%d/head" % NUMBER)
        self.register_pull(head2)
        status, resp, _ = self.deliver(self.payload(head2, action="synchronized"))
        self.assertEqual(status, 202, resp)
        self.wait_jobs_settled()
        revs = self.reviews()
        self.assertEqual(len(revs), 3, revs)
        self.assertEqual(revs[2]["commit_id"], head2)
        self.assertEqual([key(c) for c in revs[2]["comments"]], EXPECTED_SECOND)
        self.assertEqual([c for c in revs[2]["comments"] if c["off_diff"]], [])
        self.assertEqual(self.statuses(head2),
                         [("failure", "15 findings at or above the failing severity")])

    def test_06_other_events(self):
        before = len(h.job_rows(self.db))
        for action in ("closed", "edited", "reviewed", "synchronize"):
            status, resp, _ = self.deliver(self.payload(self.head1, action=action))
            self.assertEqual(status, 200, (action, resp))
        status, resp, _ = self.deliver(self.payload(self.head1, title="WIP: not yet"))
        self.assertEqual(status, 200, resp)
        self.assertIn("work-in-progress", resp.get("reason", ""))
        with open(os.path.join(h.FIXTURES, "gitea", "pull_request_review.json"), "rb") as f:
            review_event = f.read()
        status, resp, _ = self.deliver(review_event, event="pull_request_review_comment")
        self.assertEqual(status, 200, resp)
        status, resp, _ = self.deliver(b'{"action": "opened", ')
        self.assertEqual(status, 400, resp)
        self.assertEqual(len(h.job_rows(self.db)), before)

    def test_07_clone_url_must_be_the_payloads_repository(self):
        before = len(h.job_rows(self.db))
        status, resp, _ = self.deliver(self.payload(
            self.head2, clone_url="%s/secret-org/private.git" % self.gitea))
        self.assertEqual(status, 400, resp)
        self.assertIn('"event":"gitea.clone_url.refused"', self.server.output())
        for owner in ("..x", "a..b"):
            status, resp, _ = self.deliver(self.payload(self.head2, owner=owner))
            self.assertEqual(status, 400, (owner, resp))
        status, resp, _ = self.deliver(self.payload(self.head2, owner="Octo-Org", action="reopened"))
        self.assertEqual(status, 202, resp)
        rows = self.wait_jobs_settled()
        self.assertEqual(rows[-1][2], "done", self.server.output()[-3000:])
        self.assertEqual(len(rows), before + 1)
        self.assertEqual(len(self.reviews()), 3)          # nothing new to say
        self.assertEqual(self.mirrors(),
                         ["mirrors/gitea/octo-org/hello.git"])

    def test_08_no_secret_reaches_disk_or_logs(self):
        self.assert_no_secrets(TOKEN, SECRET)

if __name__ == "__main__":
    unittest.main(verbosity=2)
