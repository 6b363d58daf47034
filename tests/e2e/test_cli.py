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

    def test_sarif_output(self):
        rc, out, err = check(self.repo, "--format", "sarif", "main", "feature")
        self.assertEqual(rc, 1, err)
        doc = json.loads(out)
        self.assertEqual(doc["version"], "2.1.0")
        self.assertIn("sarif-2.1.0", doc["$schema"])
        run = doc["runs"][0]
        driver = run["tool"]["driver"]
        self.assertEqual(driver["name"], "rustreview")
        ids = [r["id"] for r in driver["rules"]]
        for r in driver["rules"]:
            self.assertEqual(set(r), {"id", "name", "shortDescription", "fullDescription",
                                      "help", "defaultConfiguration", "properties"})
        # only the rules this test is about (the catalogue grows)
        res = [x for x in run["results"] if x["ruleId"] in ("unwrap_used", "len_zero")]
        self.assertEqual([x["ruleId"] for x in res], ["unwrap_used", "len_zero"])
        self.assertEqual([ids[x["ruleIndex"]] for x in res], ["unwrap_used", "len_zero"])
        loc = res[1]["locations"][0]["physicalLocation"]
        self.assertEqual(loc["artifactLocation"], {"uri": "src/lib.rs", "uriBaseId": "%SRCROOT%"})
        self.assertEqual(loc["region"], {"startLine": 10, "startColumn": 5, "endLine": 10,
                                         "endColumn": 17})
        self.assertEqual(res[1]["fixes"][0]["artifactChanges"][0]["replacements"][0]
                         ["insertedContent"]["text"], "v.is_empty()")
        self.assertNotIn("fixes", res[0])
        self.assertRegex(res[0]["partialFingerprints"]["rustreview/v1"], r"^[0-9a-f]{16}$")

    def test_rules_lists_severity_and_fix(self):
        p = subprocess.run([h.BINARY, "rules"], stdout=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0].split()[:4], ["RULE", "SEVERITY", "FIX", "SCOPE"])
        rows = {l.split()[0]: l.split() for l in lines[1:]}
        self.assertEqual(rows["len_zero"][1:3], ["warning", "yes"])
        self.assertEqual(rows["unwrap_used"][1:4], ["warning", "-", "production"])

    def test_rules_json_claims(self):
        p = subprocess.run([h.BINARY, "rules", "--format", "json"], stdout=subprocess.PIPE,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        rules = {r["id"]: r for r in json.loads(p.stdout)}
        self.assertEqual(set(rules["ptr_arg"]), {"id", "severity", "default", "clippy", "scope"})
        self.assertEqual(rules["unwrap_used"], {"id": "unwrap_used", "severity": "warning",
                                                "default": "on", "clippy": "unwrap_used",
                                                "scope": "same"})
        self.assertEqual(rules["missing_panics_doc"]["default"], "off")
        self.assertEqual(rules["unwrap_or_default"]["scope"], "subset")
        self.assertIsNone(rules["blocking_in_async"]["clippy"])
        self.assertIsNone(rules["blocking_in_async"]["scope"])
        for r in rules.values():
            self.assertEqual(r["clippy"] is None, r["scope"] is None, r["id"])
            self.assertIn(r["scope"], ("same", "subset", None))
        bad = subprocess.run([h.BINARY, "rules", "--format", "yaml"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(bad.returncode, 2)


# Private functions: only the rules these tests configure can fire.
CFG_BASE = "fn a(v: &[u8]) -> usize {\n    v.len()\n}\n"
CFG_HEAD = CFG_BASE + "\nfn b(s: Option<u8>) -> u8 {\n    s.unwrap()\n}\n\nfn c(v: &[u8]) -> bool {\n    v.len() == 0\n}\n"


class CheckWithConfig(unittest.TestCase):
    """.rustreview.toml is read from BASE (the branch cannot relax its own check);
    Cargo.toml [lints] from HEAD; fail_on decides the exit status."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir("clicfg")
        w = cls.repo = os.path.join(cls.tmp.path, "repo")
        os.makedirs(w)
        h.git(w, "init", "-q", "-b", "main")
        h.write(os.path.join(w, "README.md"), "no config yet\n")
        h.git(w, "add", "-A")
        h.git(w, "commit", "-q", "-m", "start")
        h.git(w, "tag", "noconfig")
        h.write(os.path.join(w, ".rustreview.toml"),
                'fail_on = "error"\nexclude = ["gen/**"]\n'
                '[rules]\nlen_zero = "error"\nunwrap_used = "note"\n')
        h.write(os.path.join(w, "src/lib.rs"), CFG_BASE)
        h.git(w, "add", "-A")
        h.git(w, "commit", "-q", "-m", "base")
        h.git(w, "checkout", "-q", "-b", "feature")
        # the branch tries to switch len_zero off: ignored, the base's config applies
        h.write(os.path.join(w, ".rustreview.toml"), '[rules]\nlen_zero = "off"\n')
        h.write(os.path.join(w, "src/lib.rs"), CFG_HEAD)
        h.write(os.path.join(w, "gen/out.rs"), "fn g(x: Option<u8>) -> u8 { x.unwrap() }\n")
        h.git(w, "add", "-A")
        h.git(w, "commit", "-q", "-m", "feature")
        # a branch with only a note-level finding: passes under fail_on = "error"
        h.git(w, "checkout", "-q", "-b", "notes", "main")
        h.write(os.path.join(w, "src/lib.rs"), CFG_BASE + "fn n(x: Option<u8>) -> u8 {\n    x.unwrap()\n}\n")
        h.git(w, "commit", "-q", "-am", "notes")
        # a base whose config is broken, and a branch on it
        h.git(w, "checkout", "-q", "-b", "badbase", "main")
        h.write(os.path.join(w, ".rustreview.toml"), "[rules]\nunwrap_used = 3\n")
        h.git(w, "commit", "-q", "-am", "bad config")
        h.git(w, "checkout", "-q", "-b", "onbad")
        h.write(os.path.join(w, "src/lib.rs"), CFG_HEAD)
        h.git(w, "commit", "-q", "-am", "on bad")
        # Cargo.toml lints of the head: unwrap allowed, len_zero denied
        h.git(w, "checkout", "-q", "-b", "cargo", "feature")
        h.write(os.path.join(w, "Cargo.toml"),
                '[package]\nname = "x"\n[lints.clippy]\nunwrap_used = "allow"\n'
                'len_zero = { level = "deny", priority = 1 }\n')
        h.git(w, "add", "-A")
        h.git(w, "commit", "-q", "-m", "cargo lints")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_base_config_levels_exclude_and_fail_on(self):
        rc, out, err = check(self.repo, "main", "feature")
        self.assertEqual(rc, 1, err)
        got = [(m.group(1), int(m.group(2)), m.group(4), m.group(5))
               for m in map(TEXT_LINE.match, out.splitlines())]
        self.assertEqual(got, [("src/lib.rs", 6, "note", "unwrap_used"),
                               ("src/lib.rs", 10, "error", "len_zero")])

    def test_only_notes_do_not_fail(self):
        rc, out, err = check(self.repo, "main", "notes")
        self.assertEqual(rc, 0, err)
        self.assertEqual(len(out.splitlines()), 1)
        self.assertIn("note[unwrap_used]", out)

    def test_bad_base_config_is_an_error_with_its_line(self):
        rc, out, err = check(self.repo, "badbase", "onbad")
        self.assertEqual((rc, out), (2, ""))
        self.assertIn(".rustreview.toml", err)
        self.assertIn("line 2: rules.unwrap_used must be", err)

    def test_cargo_lints_of_head_under_the_repository_config(self):
        # .rustreview.toml (base) sets both rules explicitly, so it wins over Cargo.toml
        rc, out, err = check(self.repo, "main", "cargo")
        self.assertEqual(rc, 1, err)
        self.assertEqual([l.split(": ")[1] for l in out.splitlines()],
                         ["note[unwrap_used]", "error[len_zero]"])
        # a base without a repository config: the Cargo levels of the head apply,
        # unwrap allowed, len_zero denied
        rc, out, err = check(self.repo, "noconfig", "cargo")
        self.assertEqual(rc, 1, err)
        self.assertEqual([l.split(": ")[0] + " " + l.split(": ")[1] for l in out.splitlines()],
                         ["src/lib.rs:10:5 error[len_zero]"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
