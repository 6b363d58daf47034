"""`rustreview check` on a real local repository: the same engine as the
service, rustc-style text and JSON output, exit codes 0 / 1 / 2."""
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

BASE = "pub fn a(v: &Vec<u8>) -> usize {\n    v.len()\n}\n"
HEAD = ("pub fn a(v: &Vec<u8>) -> usize {\n    v.len()\n}\n\n"
        "pub fn b(s: Option<u8>) -> u8 {\n    s.unwrap()\n}\n\n"
        "pub fn c(v: &[u8]) -> bool {\n    v.len() == 0\n}\n")
TEXT_LINE = re.compile(r"^(\S+):(\d+):(\d+): (warning|error|note)\[([a-z_]+)\]: (.+)$")


def check(repo, *args):
    p = subprocess.run([h.BINARY, "check", "--repo", repo, *args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


class CheckCommand(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir("cli")
        w = cls.repo = os.path.join(cls.tmp.path, "repo")
        os.makedirs(w)
        h.git(w, "init", "-q", "-b", "main")
        h.write(os.path.join(w, "src/lib.rs"), BASE)
        h.git(w, "add", "-A")
        h.git(w, "commit", "-q", "-m", "base")
        h.git(w, "checkout", "-q", "-b", "feature")
        h.write(os.path.join(w, "src/lib.rs"), HEAD)
        h.git(w, "commit", "-q", "-am", "feature")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_text_output_lists_findings_on_added_lines_only(self):
        rc, out, err = check(self.repo, "main", "feature")
        self.assertEqual(rc, 1, err)
        lines = out.splitlines()
        parsed = [TEXT_LINE.match(l) for l in lines]
        self.assertTrue(all(parsed), out)
        got = [(m.group(1), int(m.group(2)), int(m.group(3)), m.group(5)) for m in parsed]
        # The &Vec on line 1 is old code: not reported.
        # unwrap_used points at the method name (col 7), so a chain split over lines
        # is reported on the `.unwrap()` line; clippy starts at the receiver.
        self.assertEqual(got, [("src/lib.rs", 6, 7, "unwrap_used"), ("src/lib.rs", 10, 5, "len_zero")])

    def test_head_defaults_to_HEAD(self):
        rc, out, _ = check(self.repo, "main")
        self.assertEqual(rc, 1)
        self.assertEqual(len(out.splitlines()), 2)

    def test_json_output(self):
        rc, out, err = check(self.repo, "--format", "json", "main", "feature")
        self.assertEqual(rc, 1, err)
        doc = json.loads(out)
        f = doc["findings"]
        self.assertEqual([x["rule"] for x in f], ["unwrap_used", "len_zero"])
        self.assertEqual(list(f[1].keys()), ["path", "line", "column", "end_line", "end_column",
                                             "rule", "severity", "message", "suggestion"])
        self.assertEqual((f[1]["line"], f[1]["column"], f[1]["end_line"], f[1]["end_column"]),
                         (10, 5, 10, 17))
        self.assertEqual(f[1]["suggestion"], "v.is_empty()")
        self.assertIsNone(f[0]["suggestion"])
        self.assertEqual(f[0]["severity"], "warning")

    def test_no_findings_exit_zero(self):
        rc, out, _ = check(self.repo, "feature", "feature")
        self.assertEqual((rc, out), (0, ""))

    def test_bad_revision_exit_two_with_message(self):
        rc, out, err = check(self.repo, "no-such-branch")
        self.assertEqual(rc, 2)
        self.assertIn("no-such-branch", err)

    def test_not_a_repository(self):
        rc, _, err = check(self.tmp.path + "/nowhere", "main")
        self.assertEqual(rc, 2)
        self.assertIn("nowhere", err)

    def test_unknown_format(self):
        rc, _, err = check(self.repo, "--format", "xml", "main")
        self.assertEqual(rc, 2)
        self.assertIn("format", err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
