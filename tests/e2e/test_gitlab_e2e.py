"""End to end, GitLab: a Merge Request Hook with the right X-Gitlab-Token →
diff_refs from the API (null on the first read, as GitLab does while it
computes them) → libgit2 fetch over real smart HTTP as user oauth2 with the
token → review → one diff discussion per comment and one summary note per
head on a fake GitLab that refuses a position outside the diff with GitLab's
400 and pages its listings with X-Next-Page.

The project sits in a subgroup (group/sub/hello): namespaces hold slashes.

Scenario (in order, one world built in setUpClass):
  01 a wrong or missing X-Gitlab-Token is refused with 401 and stores no job
  02 the real `open` payload (URLs pointed at loopback) is queued (202) and
     produces exactly the expected discussions, one summary note, a failed
     commit status; five unwrap_used in one file are one grouped comment
  03 the same delivery again (same Idempotency-Key) is a duplicate (200)
  04 a new delivery for the same head posts nothing: every finding is there
  05 a push (update with oldrev) moving old findings and adding one new problem
     gets only the new discussion and one summary note for the new head
  06 update without oldrev, draft, other events → 200 ignored; nothing queued
  07 a clone URL naming another project of the instance is refused (400)
  08 no token or secret in the data dir, the mirror or the logs
"""
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

NAMESPACE, PROJECT, PROJECT_ID, IID = "group/sub", "hello", 14, 1
SECRET = "gitlab-e2e-hook-token-7c2e"
TOKEN = "glpat-e2e-0123456789abcdefghij"

MARKER = re.compile(r"<!-- rustreview:fingerprint=([0-9a-f]{16}) rule=([a-z_]+) -->")


def diff_notes(discussions):
    return [d["notes"][0] for d in discussions if d["notes"][0].get("type") == "DiffNote"]


def summary_notes(discussions):
    return [d["notes"][0] for d in discussions if d["notes"][0].get("type") is None]


def key(note):
    m = MARKER.search(note["body"])
    return (note["position"]["new_path"], note["position"]["new_line"], m.group(2) if m else None)


class GitLabEndToEnd(h.ServedTest, unittest.TestCase):
    TAG = "gitlab"

    @classmethod
    def build_repositories(cls, t):
        cls.git_root, cls.bare, cls.work, cls.base, cls.head1 = fw.build(t, os.path.join(NAMESPACE, PROJECT), "refs/merge-requests/%d/head" % IID)

    @classmethod
    def start_servers(cls, t):
        port_file = os.path.join(t, "gitlab.port")
        cls.procs.append(h.Proc("fakegitlab", [sys.executable, os.path.join(h.HERE, "fakegitlab.py"),
                                               "--port-file", port_file, "--git-root", cls.git_root,
                                               "--token", TOKEN, "--max-per-page", "2"], t))
        cls.gitlab = "http://127.0.0.1:%s" % h.wait_for_file(port_file)
        cls.register_mr(cls.head1)
        cls.start_rustreview(t, {"RUSTREVIEW_GITLAB_URL": cls.gitlab,
                                 "RUSTREVIEW_GITLAB_TOKEN": TOKEN,
                                 "RUSTREVIEW_GITLAB_WEBHOOK_SECRET": SECRET})

    @classmethod
    def register_mr(cls, head):
        status, _, body = h.http("POST", cls.gitlab + "/_fake/mrs", {
            "project_id": PROJECT_ID, "iid": IID, "git_dir": cls.bare,
            "base_sha": cls.base, "start_sha": cls.base, "head_sha": head})
        assert status == 201, body

    def payload(self, name, head, action=None, oldrev=None, path=None):
        with open(os.path.join(h.FIXTURES, "gitlab", name)) as f:
            p = json.load(f)
        oa = p["object_attributes"]
        oa["iid"] = IID
        oa["target_project_id"] = PROJECT_ID
        oa["target_branch"] = "master"
        oa["last_commit"]["id"] = head
        oa["draft"] = False
        oa["work_in_progress"] = False
        oa["target"]["git_http_url"] = "%s/%s/%s.git" % (self.gitlab, NAMESPACE, PROJECT)
        oa["target"]["path_with_namespace"] = path or "%s/%s" % (NAMESPACE, PROJECT)
        if action:
            oa["action"] = action
        if oldrev is not None:
            oa["oldrev"] = oldrev
        elif "oldrev" in oa and action != "update":
            del oa["oldrev"]
        return json.dumps(p).encode()

    def deliver(self, body, token=SECRET, key=None, event="Merge Request Hook"):
        key = key or str(uuid.uuid4())
        headers = {"Content-Type": "application/json", "X-Gitlab-Event": event,
                   "X-Gitlab-Event-UUID": str(uuid.uuid4()), "Idempotency-Key": key,
                   "User-Agent": "GitLab/17.0.0"}
        if token is not None:
            headers["X-Gitlab-Token"] = token
        status, _, resp = h.http("POST", self.url + "/webhooks/gitlab", body, headers)
        return status, json.loads(resp or b"{}"), key

    def discussions(self):
        status, _, body = h.http("GET", "%s/_fake/discussions?project_id=%d&iid=%d"
                                 % (self.gitlab, PROJECT_ID, IID))
        self.assertEqual(status, 200, body)
        return json.loads(body)["discussions"]

    def statuses(self, sha):
        body = json.loads(h.http("GET", self.gitlab + "/_fake/statuses")[2])
        return [(s["state"], s["description"]) for s in body["statuses"]
                if s["sha"] == sha and s["name"] == "rustreview"]

    def requests(self):
        return json.loads(h.http("GET", self.gitlab + "/_fake/requests")[2])

    def test_01_bad_token_is_refused_and_stores_nothing(self):
        body = self.payload("merge_request.open.json", self.head1)
        for token in ("wrong-token", SECRET + "x", "", None):
            status, resp, _ = self.deliver(body, token=token)
            self.assertEqual(status, 401, (token, resp))
        self.assertEqual(h.job_rows(self.db), [])

    def test_02_open_merge_request_gets_exact_discussions(self):
        body = self.payload("merge_request.open.json", self.head1)
        status, resp, delivery = self.deliver(body)
        self.assertEqual(status, 202, resp)
        type(self).first_key = delivery
        rows = self.wait_jobs_settled()
        self.assertEqual([r[2] for r in rows], ["done"], self.server.output()[-4000:])
        ds = self.discussions()
        notes = diff_notes(ds)
        self.assertEqual(sorted(key(n) for n in notes), sorted(EXPECTED_FIRST))
        for n in notes:
            pos = n["position"]
            self.assertEqual((pos["base_sha"], pos["start_sha"], pos["head_sha"]),
                             (self.base, self.base, self.head1))
            # The renamed file's comment names its path in the base (the
            # fake refuses anything else with GitLab's 400).
            self.assertEqual(pos["old_path"], {"src/new_name.rs": "src/old_name.rs"}.get(
                pos["new_path"], pos["new_path"]))
        self.assertIn(("src/new_name.rs", 12, "todo"), [key(n) for n in notes])
        by_rule = {key(n)[2]: n["body"] for n in notes if key(n)[0] != "src/many.rs"}
        self.assertIn("```suggestion:-0+0\npub fn first_word(words: &[String]) -> Option<&str> {\n```",
                      by_rule["ptr_arg"])
        self.assertIn("```suggestion:-0+0\n    if words.is_empty() {\n```", by_rule["len_zero"])
        self.assertNotIn("```suggestion\n", by_rule["len_zero"])
        grouped = [n for n in notes if key(n)[0] == "src/many.rs"][0]
        self.assertIn("\n\nAlso at lines 3, 4, 5, 6.\n\n", grouped["body"])
        self.assertEqual(len(MARKER.findall(grouped["body"])), 5)
        summaries = summary_notes(ds)
        self.assertEqual(len(summaries), 1)
        self.assertIn("**rustreview** found 14 issues in this merge request.", summaries[0]["body"])
        self.assertIn("| `unwrap_used` | 5 |", summaries[0]["body"])
        self.assertIn("<!-- rustreview:head=%s -->" % self.head1, summaries[0]["body"])
        self.assertEqual(self.statuses(self.head1),
                         [("failed", "14 findings at or above the failing severity")])
        reqs = self.requests()
        mr_reads = [r for r in reqs if r["method"] == "GET" and
                    r["path"] == "/api/v4/projects/%d/merge_requests/%d" % (PROJECT_ID, IID)]
        self.assertGreaterEqual(len(mr_reads), 2, "diff_refs was null on the first read")
        self.assertEqual([r for r in reqs if r["status"] >= 400], [])

    def test_03_same_delivery_again_is_a_duplicate(self):
        body = self.payload("merge_request.open.json", self.head1)
        status, resp, _ = self.deliver(body, key=self.first_key)
        self.assertEqual(status, 200, resp)
        self.assertEqual(resp.get("status"), "duplicate")
        self.assertEqual(len(h.job_rows(self.db)), 1)

    def test_04_new_delivery_same_head_posts_nothing(self):
        before = len(self.discussions())
        body = self.payload("merge_request.update.json", self.head1, action="update",
                            oldrev=self.base)
        status, resp, _ = self.deliver(body)
        self.assertEqual(status, 202, resp)
        self.wait_jobs_settled()
        self.assertEqual(len(self.discussions()), before)
        # the listing went through every page (2 a page)
        lists = [r for r in self.requests() if r["path"].endswith("/discussions")
                 and r["method"] == "GET"]
        self.assertIn("page=2", " ".join(r["query"] for r in lists))

    def test_05_push_comments_only_on_new_problem(self):
        head2 = type(self).head2 = fw.push_second(self.work, self.bare,
                                                  "refs/merge-requests/%d/head" % IID)
        self.register_mr(head2)
        before = diff_notes(self.discussions())
        body = self.payload("merge_request.update.json", head2, action="update", oldrev=self.head1)
        status, resp, _ = self.deliver(body)
        self.assertEqual(status, 202, resp)
        self.wait_jobs_settled()
        ds = self.discussions()
        new = [n for n in diff_notes(ds) if n["id"] not in {b["id"] for b in before}]
        self.assertEqual([key(n) for n in new], EXPECTED_SECOND)
        self.assertEqual(new[0]["position"]["head_sha"], head2)
        summaries = summary_notes(ds)
        self.assertEqual(len(summaries), 2)
        self.assertIn("<!-- rustreview:head=%s -->" % head2, summaries[1]["body"])
        self.assertEqual(self.statuses(head2),
                         [("failed", "15 findings at or above the failing severity")])

    def test_06_other_events_are_ignored(self):
        before = len(h.job_rows(self.db))
        meta = self.payload("merge_request.update.json", self.head1, action="update")
        p = json.loads(meta)
        p["object_attributes"].pop("oldrev", None)
        status, resp, _ = self.deliver(json.dumps(p).encode())
        self.assertEqual(status, 200, resp)
        self.assertIn("without new commits", resp.get("reason", ""))
        draft = json.loads(self.payload("merge_request.open.json", self.head1))
        draft["object_attributes"]["draft"] = True
        status, resp, _ = self.deliver(json.dumps(draft).encode())
        self.assertEqual(status, 200, resp)
        self.assertIn("draft", resp.get("reason", ""))
        closed = self.payload("merge_request.open.json", self.head1, action="close")
        status, resp, _ = self.deliver(closed)
        self.assertEqual(status, 200, resp)
        status, resp, _ = self.deliver(b"{}", event="Push Hook")
        self.assertEqual(status, 200, resp)
        status, resp, _ = self.deliver(b'{"object_kind": ')
        self.assertEqual(status, 400, resp)
        self.assertEqual(len(h.job_rows(self.db)), before)

    def test_07_clone_url_of_another_project_is_refused(self):
        before = len(h.job_rows(self.db))
        p = json.loads(self.payload("merge_request.open.json", self.head1))
        p["object_attributes"]["target"]["git_http_url"] = "%s/secret-org/private.git" % self.gitlab
        status, resp, _ = self.deliver(json.dumps(p).encode())
        self.assertEqual(status, 400, resp)
        for bad in ("group/../x/hello", "group//hello", "..x/hello"):
            body = self.payload("merge_request.open.json", self.head1, path=bad)
            status, resp, _ = self.deliver(body)
            self.assertEqual(status, 400, (bad, resp))
        # another spelling of the same project is the same project (and the same mirror)
        body = self.payload("merge_request.open.json", self.head2, path="Group/Sub/Hello")
        p = json.loads(body)
        p["object_attributes"]["target"]["git_http_url"] = "%s/Group/Sub/Hello.git" % self.gitlab
        status, resp, _ = self.deliver(json.dumps(p).encode())
        self.assertEqual(status, 202, resp)
        rows = self.wait_jobs_settled()
        self.assertEqual(rows[-1][2], "done", self.server.output()[-3000:])
        self.assertIn('"event":"gitlab.clone_url.refused"', self.server.output())
        self.assertEqual(len(h.job_rows(self.db)), before + 1)
        self.assertEqual(self.mirrors(),
                         ["mirrors/gitlab/group/sub/hello.git"])

    def test_08_no_secret_reaches_disk_or_logs(self):
        self.assert_no_secrets(TOKEN, SECRET)

if __name__ == "__main__":
    unittest.main(verbosity=2)
