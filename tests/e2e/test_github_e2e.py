"""End to end, GitHub: a signed pull_request delivery → libgit2 fetch over real
smart HTTP (token required) → review → one review of line comments on a fake
GitHub API that behaves like GitHub where it matters (JWT, installation token,
422 for lines outside the diff, paginated comment listings).

Scenario (tests run in order and share one world built in setUpClass):
  01 a bad signature is refused with 401 and stores no job
  02 the real `opened` payload (URLs pointed at loopback) is queued (202) and
     produces exactly the expected comments, in one review on the head commit
  03 the same delivery again is a duplicate (200) and posts nothing
  04 a new delivery for the same head posts nothing: every finding is there
  05 a second push that moves old findings and adds one new problem gets a
     review with only the new comment
  06 ping → 200; closed → 200 ignored; malformed JSON → 400; nothing queued
  07 no token, key or secret in the data dir, the mirror config or the logs
"""
import copy
import json
import os
import re
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

OWNER, REPO, NUMBER = "Codertocat", "Hello-World", 2
SECRET = "e2e-webhook-secret-6f1d"
APP_ID = "12345"
INSTALLATION = 1

BASE_LIB = """//! Hello world library.

pub fn parse_port(s: &str) -> u16 {
    s.parse().unwrap()
}
"""

OLD_NAME = """/// The answer.
pub fn helper() -> u32 {
    42
}

/// Twice the answer.
pub fn twice() -> u32 {
    helper() * 2
}
"""

HEAD_LIB = """//! Hello world library.

pub mod net;
pub mod new_name;

pub fn parse_port(s: &str) -> u16 {
    s.parse().unwrap()
}

pub fn first_word(words: &Vec<String>) -> Option<&str> {
    if words.len() == 0 {
        log::debug!("no words");
    }
    let w = words.first().expect("no words");
    println!("first word: {}", w);
    Some(w.as_str())
}

pub fn message() -> &'static str {
    "call .unwrap() on it" // unwrap() in a comment is fine too
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses() {
        assert_eq!(super::parse_port("80"), 80);
        let x: Option<u8> = Some(1);
        x.unwrap();
    }
}
"""

NET = """use std::sync::Mutex;
use std::time::Duration;

pub async fn fetch_config(path: &str) -> std::io::Result<String> {
    std::thread::sleep(Duration::from_millis(10));
    let text = std::fs::read_to_string(path)?;
    Ok(text)
}

pub async fn bump(counter: &Mutex<u64>) {
    let mut guard = counter.lock().unwrap();
    *guard += 1;
    tick().await;
}

async fn tick() {}

pub fn raw(p: *const u8) -> u8 {
    unsafe { *p }
}
"""

NEW_NAME = OLD_NAME + """
pub fn later() -> u32 {
    todo!()
}
"""

# Second push: two lines inserted at the top move every old finding down by
# two lines; one new problem is added.
HEAD2_LIB = HEAD_LIB.replace("//! Hello world library.\n",
                             "//! Hello world library.\n//!\n//! Ports and words.\n", 1).replace(
    "pub fn message()", "pub fn debug_port(p: u16) -> u16 {\n    dbg!(p)\n}\n\npub fn message()", 1)

# (path, line, rule) of every comment the first review must carry, in order.
EXPECTED_FIRST = [
    ("src/lib.rs", 10, "ptr_arg"),
    ("src/lib.rs", 11, "len_zero"),
    ("src/lib.rs", 14, "unwrap_in_result"),
    ("src/lib.rs", 15, "print_stdout"),
    ("src/net.rs", 5, "blocking_in_async"),
    ("src/net.rs", 6, "blocking_in_async"),
    ("src/net.rs", 11, "await_holding_lock"),
    ("src/net.rs", 19, "undocumented_unsafe_blocks"),
    ("src/new_name.rs", 12, "todo"),
]
EXPECTED_SECOND = [("src/lib.rs", 22, "dbg_macro")]

MARKER = re.compile(r"<!-- rustreview:fingerprint=([0-9a-f]{16}) rule=([a-z_]+) -->")


def comment_key(c):
    m = MARKER.search(c["body"])
    return (c["path"], c["line"], m.group(2) if m else None)


class GitHubEndToEnd(h.ServedTest, unittest.TestCase):
    TAG = "github"

    # --- world -------------------------------------------------------------
    @classmethod
    def build_repositories(cls, t):
        cls.git_root = os.path.join(t, "git")
        cls.bare = os.path.join(cls.git_root, OWNER, REPO + ".git")
        os.makedirs(cls.bare)
        h.git(cls.bare, "init", "-q", "--bare", "-b", "master")
        w = cls.work = os.path.join(t, "work")
        os.makedirs(w)
        h.git(w, "init", "-q", "-b", "master")
        h.write(os.path.join(w, "Cargo.toml"), '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n')
        h.write(os.path.join(w, "src/lib.rs"), BASE_LIB)
        h.write(os.path.join(w, "src/old_name.rs"), OLD_NAME)
        h.write(os.path.join(w, "src/gone.rs"), "pub fn gone() {\n    let v: Option<u8> = None;\n    v.unwrap();\n}\n")
        h.git(w, "add", "-A")
        h.git(w, "commit", "-q", "-m", "base")
        h.git(w, "checkout", "-q", "-b", "changes")
        h.write(os.path.join(w, "src/lib.rs"), HEAD_LIB)
        h.write(os.path.join(w, "src/net.rs"), NET)
        os.rename(os.path.join(w, "src/old_name.rs"), os.path.join(w, "src/new_name.rs"))
        h.write(os.path.join(w, "src/new_name.rs"), NEW_NAME)
        os.remove(os.path.join(w, "src/gone.rs"))
        h.write(os.path.join(w, "README.md"), "x.unwrap() in markdown is not Rust\n")
        h.git(w, "add", "-A")
        h.git(w, "commit", "-q", "-m", "changes")
        cls.head1 = h.git(w, "rev-parse", "HEAD")
        # The base branch moves on after the PR branched: its change must not be reviewed.
        h.git(w, "checkout", "-q", "master")
        h.write(os.path.join(w, "src/other.rs"), "pub fn other() { None::<u8>.unwrap(); }\n")
        h.git(w, "add", "-A")
        h.git(w, "commit", "-q", "-m", "master moves on")
        cls.base = h.git(w, "rev-parse", "HEAD")
        h.git(w, "push", "-q", cls.bare, "master", "changes")
        h.git(w, "push", "-q", cls.bare, "%s:refs/pull/%d/head" % (cls.head1, NUMBER))

    @classmethod
    def start_servers(cls, t):
        cls.key, cls.pub = h.make_rsa_key(t)
        token_file = os.path.join(t, "tokens")
        open(token_file, "w").close()
        cls.token_file = token_file
        git_port = os.path.join(t, "git.port")
        cls.procs.append(h.Proc("githttp", [sys.executable, os.path.join(h.HERE, "githttp.py"),
                                            "--root", cls.git_root, "--port-file", git_port,
                                            "--token-file", token_file], t))
        api_port = os.path.join(t, "api.port")
        cls.procs.append(h.Proc("fakegithub", [sys.executable, os.path.join(h.HERE, "fakegithub.py"),
                                               "--port-file", api_port, "--app-id", APP_ID,
                                               "--public-key", cls.pub, "--token-file", token_file,
                                               "--max-per-page", "2"], t))
        cls.git_url = "http://127.0.0.1:%s" % h.wait_for_file(git_port)
        cls.api = "http://127.0.0.1:%s" % h.wait_for_file(api_port)
        cls.register_pull(cls.head1)
        cls.start_rustreview(t, {"RUSTREVIEW_GITHUB_APP_ID": APP_ID,
                                 "RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE": cls.key,
                                 "RUSTREVIEW_GITHUB_WEBHOOK_SECRET": SECRET,
                                 "RUSTREVIEW_GITHUB_API_URL": cls.api,
                                 "RUSTREVIEW_GITHUB_GIT_URL": cls.git_url})

    @classmethod
    def register_pull(cls, head, number=NUMBER, base=None):
        status, _, body = h.http("POST", cls.api + "/_fake/pulls", {
            "owner": OWNER, "repo": REPO, "number": number, "git_dir": cls.bare,
            "base_sha": base or cls.base, "head_sha": head})
        assert status in (200, 201), body

    def payload(self, name, head, before=None, number=NUMBER, base=None, head_ref="changes"):
        with open(os.path.join(h.FIXTURES, "github", name)) as f:
            p = json.load(f)
        p["number"] = number
        p["pull_request"]["number"] = number
        p["pull_request"]["draft"] = False
        p["pull_request"]["head"]["sha"] = head
        p["pull_request"]["head"]["ref"] = head_ref
        p["pull_request"]["base"]["sha"] = base or self.base
        p["pull_request"]["base"]["ref"] = "master"
        p["repository"]["clone_url"] = "%s/%s/%s.git" % (self.git_url, OWNER, REPO)
        p["repository"]["url"] = "%s/repos/%s/%s" % (self.api, OWNER, REPO)
        p["installation"]["id"] = INSTALLATION
        if before:
            p["before"], p["after"] = before, head
        return json.dumps(p).encode()

    def deliver(self, body, event="pull_request", delivery=None, signature=None):
        delivery = delivery or str(uuid.uuid4())
        headers = {"Content-Type": "application/json", "X-GitHub-Event": event,
                   "X-GitHub-Delivery": delivery, "User-Agent": "GitHub-Hookshot/e2e",
                   "X-Hub-Signature-256": signature or h.github_signature(SECRET, body)}
        status, _, resp = h.http("POST", self.url + "/webhooks/github", body, headers)
        return status, json.loads(resp or b"{}"), delivery

    def reviews(self, number=NUMBER):
        status, _, body = h.http("GET", "%s/_fake/reviews?owner=%s&repo=%s&number=%d"
                                 % (self.api, OWNER, REPO, number))
        self.assertEqual(status, 200, body)
        return json.loads(body)["reviews"]

    def statuses(self, sha):
        body = json.loads(h.http("GET", self.api + "/_fake/statuses")[2])
        return [(st["state"], st["description"]) for st in body["statuses"]
                if st["sha"] == sha and st["context"] == "rustreview"]

    def assert_golden(self, name, review):
        """The exact review body and comments (path, line, side, body) posted.
        RR_E2E_UPDATE=1 rewrites the golden file; read its diff before committing."""
        got = {"body": review["body"],
               "comments": sorted(({"path": c["path"], "line": c["line"], "side": c["side"],
                                    "body": c["body"]} for c in review["comments"]),
                                  key=lambda c: (c["path"], c["line"], c["body"]))}
        path = os.path.join(h.HERE, "expected", name)
        if os.environ.get("RR_E2E_UPDATE"):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                json.dump(got, f, indent=2, sort_keys=True)
                f.write("\n")
        with open(path) as f:
            want = json.load(f)
        self.maxDiff = None
        self.assertEqual(got, want)

    # --- tests ---------------------------------------------------------------
    def test_01_bad_signature_is_refused_and_stores_nothing(self):
        body = self.payload("pull_request.opened.json", self.head1)
        status, resp, _ = self.deliver(body, signature="sha256=" + "0" * 64)
        self.assertEqual(status, 401, resp)
        status, resp, _ = self.deliver(body + b" ", signature=h.github_signature(SECRET, body))
        self.assertEqual(status, 401, resp)
        self.assertEqual(h.job_rows(self.db), [])

    def test_02_opened_pull_request_gets_exact_review(self):
        body = self.payload("pull_request.opened.json", self.head1)
        t0 = time.time()
        status, resp, delivery = self.deliver(body)
        ack_ms = (time.time() - t0) * 1000
        self.assertEqual(status, 202, resp)
        self.assertEqual(resp.get("status"), "queued")
        type(self).first_delivery = delivery
        rows = self.wait_jobs_settled()
        elapsed_ms = (time.time() - t0) * 1000
        self.assertEqual([r[2] for r in rows], ["done"], self.server.output()[-4000:])
        revs = self.reviews()
        self.assertEqual(len(revs), 1)
        rev = revs[0]
        h.log("e2e: webhook acknowledged in %.1f ms; review posted %.0f ms after delivery"
              % (ack_ms, elapsed_ms))
        self.assertEqual(rev["commit_id"], self.head1)
        self.assertEqual(rev["event"] if "event" in rev else "COMMENT", "COMMENT")
        got = [comment_key(c) for c in rev["comments"]]
        self.assertEqual(sorted(got), sorted(EXPECTED_FIRST))
        self.assert_golden("github_review1.json", rev)
        self.assertEqual(self.statuses(self.head1), [("failure", "9 findings at or above the failing severity")])
        for c in rev["comments"]:
            self.assertEqual(c["side"], "RIGHT")
        by_rule = {comment_key(c)[2]: c["body"] for c in rev["comments"]}
        self.assertIn("```suggestion\npub fn first_word(words: &[String]) -> Option<&str> {\n```",
                      by_rule["ptr_arg"])
        self.assertIn("```suggestion\n    if words.is_empty() {\n```", by_rule["len_zero"])
        self.assertIn("```suggestion\n    let w = words.first()?;\n```", by_rule["unwrap_in_result"])
        self.assertNotIn("```suggestion", by_rule["await_holding_lock"])
        self.assertIn("rustreview", rev["body"])
        self.assertIn("`await_holding_lock`", rev["body"])
        # The fake only accepts lines in the diff: a successful review proves it.
        reqs = json.loads(h.http("GET", self.api + "/_fake/requests")[2])
        self.assertEqual(sum(1 for r in reqs if r["path"].endswith("/access_tokens")), 1)

    def test_03_same_delivery_again_is_a_duplicate(self):
        body = self.payload("pull_request.opened.json", self.head1)
        status, resp, _ = self.deliver(body, delivery=self.first_delivery)
        self.assertEqual(status, 200, resp)
        self.assertEqual(resp.get("status"), "duplicate")
        self.assertEqual(len(h.job_rows(self.db)), 1)
        self.assertEqual(len(self.reviews()), 1)

    def test_04_new_delivery_same_head_posts_nothing(self):
        body = self.payload("pull_request.reopened.json", self.head1)
        status, resp, _ = self.deliver(body)
        self.assertEqual(status, 202, resp)
        rows = self.wait_jobs_settled()
        self.assertEqual([r[2] for r in rows], ["done", "done"])
        self.assertEqual(len(self.reviews()), 1)

    def test_05_second_push_comments_only_on_new_problem(self):
        w = self.work
        h.git(w, "checkout", "-q", "changes")
        h.write(os.path.join(w, "src/lib.rs"), HEAD2_LIB)
        h.git(w, "commit", "-q", "-am", "second push")
        head2 = h.git(w, "rev-parse", "HEAD")
        h.git(w, "push", "-q", self.bare, "changes")
        h.git(w, "push", "-q", "-f", self.bare, "%s:refs/pull/%d/head" % (head2, NUMBER))
        self.register_pull(head2)
        body = self.payload("pull_request.synchronize.json", head2, before=self.head1)
        status, resp, _ = self.deliver(body)
        self.assertEqual(status, 202, resp)
        self.wait_jobs_settled()
        revs = self.reviews()
        self.assertEqual(len(revs), 2, revs)
        self.assertEqual(revs[1]["commit_id"], head2)
        self.assertEqual([comment_key(c) for c in revs[1]["comments"]], EXPECTED_SECOND)
        self.assert_golden("github_review2.json", revs[1])
        # The status counts every finding of the head, posted now or before.
        self.assertEqual(self.statuses(head2), [("failure", "10 findings at or above the failing severity")])
        self.assertIn("`dbg_macro`", revs[1]["body"])
        # What each run asked the git server for: the cold mirror both refs, the
        # reopened PR (test_04, head and base in the mirror) nothing, this push
        # only the PR's head (its base commit is in the mirror already).
        fetched = [json.loads(l) for l in self.server.output().splitlines()
                   if '"event":"job.fetched"' in l]
        self.assertEqual([(f["skipped"], f["refspecs"]) for f in fetched],
                         [(False, 2), (True, 0), (False, 1)])

    def test_06_other_events(self):
        before = len(h.job_rows(self.db))
        with open(os.path.join(h.FIXTURES, "github", "ping.json"), "rb") as f:
            ping = f.read()
        status, resp, _ = self.deliver(ping, event="ping")
        self.assertEqual(status, 200, resp)
        closed = self.payload("pull_request.closed.json", self.head1)
        status, resp, _ = self.deliver(closed)
        self.assertEqual(status, 200, resp)
        self.assertEqual(resp.get("status"), "ignored")
        self.assertIn("closed", resp.get("reason", ""))
        status, resp, _ = self.deliver(b'{"action": "opened", ')
        self.assertEqual(status, 400, resp)
        draft = json.loads(self.payload("pull_request.opened.json", self.head1))
        draft["pull_request"]["draft"] = True
        status, resp, _ = self.deliver(json.dumps(draft).encode())
        self.assertEqual(status, 200, resp)
        self.assertIn("draft", resp.get("reason", ""))
        self.assertEqual(len(h.job_rows(self.db)), before)

    def test_07_no_secret_reaches_disk_or_logs(self):
        with open(self.token_file) as f:
            tokens = [t.strip() for t in f if t.strip()]
        self.assertTrue(tokens, "an installation token was issued")
        with open(self.key) as f:
            key_lines = [l.strip() for l in f if l.strip() and "-----" not in l]
        self.assert_no_secrets(*tokens, SECRET, key_lines[1])

    def test_08_bad_repository_config_is_reported_once(self):
        """A broken .rustreview.toml on the base branch: the review still runs with
        the defaults, and the pull request is told what is wrong, once."""
        w = self.work
        h.git(w, "checkout", "-q", "master")
        h.write(os.path.join(w, ".rustreview.toml"), "[rules]\nunwrap_used = \"loud\"\n")
        h.git(w, "add", "-A")
        h.git(w, "commit", "-q", "-m", "config")
        base = h.git(w, "rev-parse", "HEAD")
        h.git(w, "checkout", "-q", "-b", "cfg")
        h.write(os.path.join(w, "src/cfg.rs"), "pub fn port(s: &str) -> u16 {\n    s.parse().unwrap()\n}\n")
        h.git(w, "add", "-A")
        h.git(w, "commit", "-q", "-m", "cfg")
        head = h.git(w, "rev-parse", "HEAD")
        h.git(w, "push", "-q", self.bare, "master", "cfg")
        h.git(w, "push", "-q", self.bare, "%s:refs/pull/3/head" % head)
        self.register_pull(head, number=3, base=base)
        for _ in range(2):     # the second delivery finds everything already said
            body = self.payload("pull_request.opened.json", head, number=3, base=base, head_ref="cfg")
            status, resp, _ = self.deliver(body)
            self.assertEqual(status, 202, resp)
            self.wait_jobs_settled()
        revs = self.reviews(number=3)
        self.assertEqual(len(revs), 1, revs)
        self.assertEqual([comment_key(c) for c in revs[0]["comments"]],
                         [("src/cfg.rs", 2, "unwrap_used")])
        self.assertIn(".rustreview.toml", revs[0]["body"])
        self.assertIn("line 2: rules.unwrap_used must be", revs[0]["body"])
        self.assertIn("<!-- rustreview:notice=", revs[0]["body"])

    def test_09_clone_url_and_names_are_the_payloads_own(self):
        """Issue 14: a delivery for this repository whose clone URL names another
        repository of the host is refused at intake (400, logged); so are names
        like `..x`; the mirror is named in lower case."""
        before = len(h.job_rows(self.db))
        p = json.loads(self.payload("pull_request.opened.json", self.head1))
        p["repository"]["clone_url"] = "%s/secret-org/private.git" % self.git_url
        status, resp, _ = self.deliver(json.dumps(p).encode())
        self.assertEqual(status, 400, resp)
        self.assertIn("not the payload's own repository", resp.get("error", "") + json.dumps(resp))
        self.assertIn('"event":"github.clone_url.refused"', self.server.output())
        for field, bad in (("login", "..x"), ("name", "..x"), ("name", "a..b")):
            p = json.loads(self.payload("pull_request.opened.json", self.head1))
            if field == "login":
                p["repository"]["owner"]["login"] = bad
            else:
                p["repository"]["name"] = bad
            status, resp, _ = self.deliver(json.dumps(p).encode())
            self.assertEqual(status, 400, (bad, resp))
        self.assertEqual(len(h.job_rows(self.db)), before)
        # One mirror for every spelling of a name is tested on the forges whose fakes
        # look names up without regard to case (test_gitlab_e2e, test_gitea_e2e) and
        # in test_repo; fakegithub.py stays as it is.
        self.assertEqual(self.mirrors(), ["mirrors/github/%s/%s.git" % (OWNER.lower(), REPO.lower())])

if __name__ == "__main__":
    unittest.main(verbosity=2)
