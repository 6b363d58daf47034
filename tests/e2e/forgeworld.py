"""forgeworld.py — the world the GitLab and Gitea end-to-end tests share
(standard library only): one repository with a pull request whose head adds
the same Rust problems as the GitHub test's (plus five unwrap_used in one file,
to be grouped), a second push, and the checks every forge's test makes.
"""
import os
import time

import harness as h
from test_github_e2e import BASE_LIB, HEAD_LIB, HEAD2_LIB, NET, NEW_NAME, OLD_NAME

MANY = """pub fn sum(a: Option<u8>, b: Option<u8>, c: Option<u8>, d: Option<u8>, e: Option<u8>) -> u32 {
    let a = a.unwrap() as u32;
    let b = b.unwrap() as u32;
    let c = c.unwrap() as u32;
    let d = d.unwrap() as u32;
    let e = e.unwrap() as u32;
    a + b + c + d + e
}
"""

# (path, line, rule) of every comment the first review must carry.
EXPECTED_FIRST = [
    ("src/lib.rs", 10, "ptr_arg"),
    ("src/lib.rs", 11, "len_zero"),
    ("src/lib.rs", 14, "unwrap_in_result"),
    ("src/lib.rs", 15, "print_stdout"),
    ("src/many.rs", 2, "unwrap_used"),
    ("src/net.rs", 5, "blocking_in_async"),
    ("src/net.rs", 6, "blocking_in_async"),
    ("src/net.rs", 11, "await_holding_lock"),
    ("src/net.rs", 19, "undocumented_unsafe_blocks"),
    ("src/new_name.rs", 12, "todo"),
]
EXPECTED_SECOND = [("src/lib.rs", 22, "dbg_macro")]


def build(t, bare_rel, head_ref):
    """A bare repository at <t>/git/<bare_rel>.git with master and a pull request
    whose head is also at head_ref. Returns (git_root, bare, work, base, head)."""
    git_root = os.path.join(t, "git")
    bare = os.path.join(git_root, bare_rel + ".git")
    os.makedirs(bare)
    h.git(bare, "init", "-q", "--bare", "-b", "master")
    w = os.path.join(t, "work")
    os.makedirs(w)
    h.git(w, "init", "-q", "-b", "master")
    h.write(os.path.join(w, "Cargo.toml"), '[package]\nname = "hello"\nversion = "0.1.0"\nedition = "2021"\n')
    h.write(os.path.join(w, "src/lib.rs"), BASE_LIB)
    h.write(os.path.join(w, "src/old_name.rs"), OLD_NAME)
    h.git(w, "add", "-A")
    h.git(w, "commit", "-q", "-m", "base")
    base = h.git(w, "rev-parse", "HEAD")
    h.git(w, "checkout", "-q", "-b", "changes")
    h.write(os.path.join(w, "src/lib.rs"), HEAD_LIB)
    h.write(os.path.join(w, "src/net.rs"), NET)
    h.write(os.path.join(w, "src/many.rs"), MANY)
    os.rename(os.path.join(w, "src/old_name.rs"), os.path.join(w, "src/new_name.rs"))
    h.write(os.path.join(w, "src/new_name.rs"), NEW_NAME)
    h.git(w, "add", "-A")
    h.git(w, "commit", "-q", "-m", "changes")
    head = h.git(w, "rev-parse", "HEAD")
    h.git(w, "push", "-q", bare, "master", "changes")
    h.git(w, "push", "-q", bare, "%s:%s" % (head, head_ref))
    return git_root, bare, w, base, head


def push_second(work, bare, head_ref):
    """Two lines inserted at the top (every old finding moves) and one new problem."""
    h.git(work, "checkout", "-q", "changes")
    h.write(os.path.join(work, "src/lib.rs"), HEAD2_LIB)
    h.git(work, "commit", "-q", "-am", "second push")
    head = h.git(work, "rev-parse", "HEAD")
    h.git(work, "push", "-q", bare, "changes")
    h.git(work, "push", "-q", "-f", bare, "%s:%s" % (head, head_ref))
    return head


class ForgeTest:
    """Mixed into a unittest.TestCase with db, server and data_dir set."""

    def wait_jobs_settled(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            rows = h.job_rows(self.db)
            if rows and all(r[2] in ("done", "failed", "superseded") for r in rows):
                return rows
            time.sleep(0.05)
        self.fail("jobs did not finish: %s\n%s" % (h.job_rows(self.db), self.server.output()[-4000:]))

    def mirrors(self):
        return [os.path.relpath(d, self.data_dir)
                for d, _, _ in os.walk(os.path.join(self.data_dir, "mirrors")) if d.endswith(".git")]

    def assert_no_secrets(self, *secrets):
        """None of the secrets in any file of the data dir nor in the server's log."""
        needles = [s.encode() for s in secrets]
        for root, _, files in os.walk(self.data_dir):
            for n in files:
                with open(os.path.join(root, n), "rb") as f:
                    data = f.read()
                for s in needles:
                    self.assertNotIn(s, data, "secret found in %s" % os.path.join(root, n))
        out = self.server.output().encode()
        for s in needles:
            self.assertNotIn(s, out, "secret found in the server's log")
