"""forgeworld.py — the world the GitLab and Gitea end-to-end tests share
(standard library only): one repository with a pull request whose head adds
the same Rust problems as the GitHub test's (plus five unwrap_used in one file,
to be grouped) and a second push. The checks every forge's test makes are
harness.ServedTest's.
"""
import os

import harness as h
from test_github_e2e import BASE_LIB, HEAD_LIB, HEAD2_LIB, NET, NEW_NAME, OLD_NAME
from test_github_e2e import EXPECTED_FIRST as GITHUB_FIRST, EXPECTED_SECOND  # noqa: F401

MANY = """pub fn sum(a: Option<u8>, b: Option<u8>, c: Option<u8>, d: Option<u8>, e: Option<u8>) -> u32 {
    let a = a.unwrap() as u32;
    let b = b.unwrap() as u32;
    let c = c.unwrap() as u32;
    let d = d.unwrap() as u32;
    let e = e.unwrap() as u32;
    a + b + c + d + e
}
"""

# (path, line, rule) of every comment the first review must carry: GitHub's,
# and the first of src/many.rs's five (the others grouped into it), in order.
EXPECTED_FIRST = sorted(GITHUB_FIRST + [("src/many.rs", 2, "unwrap_used")])

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

