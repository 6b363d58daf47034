"""`rustreview check` on a real local repository: the same engine as the
service; text in rustc's shape, the one-line short form, JSON and SARIF
output; exit codes 0 / 1 / 2; colour only when asked; explain, --version."""
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


def check(repo, *args, env=None):
    e = dict(os.environ)
    e.pop("NO_COLOR", None)
    e.update(env or {})
    p = subprocess.run([h.BINARY, "check", "--repo", repo, *args], env=e,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def short(repo, *args):
    return check(repo, "--format", "short", *args)


# `check main feature` on the repository below, exactly as rustc and clippy lay it out.
EXPECTED_TEXT = """\
warning[unwrap_used]: `.unwrap()` panics when the value is `None` or `Err`, taking the thread or task down with a message that says nothing about what went wrong.
 --> src/lib.rs:6:7
  |
6 |     s.unwrap()
  |       ^^^^^^^^
  |
  = note: Handle the `None`/`Err` case (`match`, `if let`, `unwrap_or_else`, or return an error), or, if it truly cannot happen, say why with `.expect("..")` stating the invariant.
  = help: for further information run `rustreview explain unwrap_used`

warning[len_zero]: `v.len() == 0` compares the length with zero to ask whether the collection is empty.
  --> src/lib.rs:10:5
   |
10 |     v.len() == 0
   |     ^^^^^^^^^^^^
   |
   = note: `is_empty()` states the intent directly and is cheap on every collection, including ones whose length is expensive to compute. Use `v.is_empty()`.
   = help: try `v.is_empty()`
   = help: for further information run `rustreview explain len_zero`

warning: 2 warnings emitted
"""


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

    def test_text_output_is_rustc_shaped(self):
        rc, out, err = check(self.repo, "main", "feature")
        self.assertEqual(rc, 1, err)
        self.assertEqual(out, EXPECTED_TEXT)

    def test_colour_on_request_only(self):
        # not a terminal: no colour by default, nor with NO_COLOR
        self.assertNotIn("\033[", check(self.repo, "main", "feature")[1])
        rc, out, _ = check(self.repo, "--color", "always", "main", "feature")
        self.assertEqual(rc, 1)
        self.assertTrue(out.startswith("\033[1;33mwarning[unwrap_used]\033[0m\033[1m: "), out[:60])
        self.assertIn("\033[1;33m^^^^^^^^^^^^\033[0m", out)
        self.assertEqual(re.sub("\033\\[[0-9;]*m", "", out), EXPECTED_TEXT)
        rc, out, _ = check(self.repo, "--color=never", "main", "feature", env={"NO_COLOR": "1"})
        self.assertEqual(out, EXPECTED_TEXT)
        rc, _, err = check(self.repo, "--color", "sometimes", "main")
        self.assertEqual(rc, 2)
        self.assertIn("unknown --color 'sometimes' (expected auto, always or never)", err)

    def test_color_auto_on_a_terminal_honours_no_color(self):
        import pty
        for env, coloured in (({}, True), ({"NO_COLOR": "1"}, False), ({"TERM": "dumb"}, False)):
            e = dict(os.environ, TERM="xterm")
            e.pop("NO_COLOR", None)
            e.update(env)
            master, slave = pty.openpty()
            p = subprocess.Popen([h.BINARY, "check", "--repo", self.repo, "main", "feature"],
                                 stdout=slave, stderr=subprocess.DEVNULL, env=e)
            os.close(slave)
            chunks = []
            while True:
                try:
                    data = os.read(master, 65536)
                except OSError:
                    break
                if not data:
                    break
                chunks.append(data)
            p.wait(timeout=60)
            os.close(master)
            out = b"".join(chunks).decode()
            self.assertEqual("\033[1;33m" in out, coloured, (env, out[:80]))
            plain = re.sub("\033\\[[0-9;]*m", "", out).replace("\r\n", "\n")
            self.assertEqual(plain, EXPECTED_TEXT)

    def test_short_output_lists_findings_on_added_lines_only(self):
        rc, out, err = short(self.repo, "main", "feature")
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
        rc, out, _ = short(self.repo, "main")
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
        # %SRCROOT% is the repository's work tree, as a file URI ending in /
        self.assertEqual(run["originalUriBaseIds"],
                         {"%SRCROOT%": {"uri": "file://" + os.path.realpath(self.repo) + "/"}})
        rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
        self.assertEqual(rules["unwrap_used"]["defaultConfiguration"],
                         {"level": "warning", "enabled": True})
        self.assertEqual(rules["missing_panics_doc"]["defaultConfiguration"],
                         {"level": "note", "enabled": False})
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

    def test_sarif_is_valid_against_the_sarif_2_1_0_schema(self):
        schema = os.path.join(h.ROOT, h.BUILD, "sarif", "sarif-2.1.0-rtm.5.json")
        self.assertTrue(os.path.exists(schema), "make test fetches it (scripts/sarif-schema.sh)")
        rc, out, err = check(self.repo, "--format", "sarif", "main", "feature")
        self.assertEqual(rc, 1, err)
        broken = json.loads(out)
        del broken["runs"][0]["results"][0]["message"]      # the validator must notice this
        python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
        script = ("import json, sys, jsonschema\n"
                  "schema = json.load(open(sys.argv[1]))\n"
                  "v = jsonschema.Draft4Validator(schema)\n"
                  "for doc in json.load(sys.stdin):\n"
                  "    errors = sorted(e.message for e in v.iter_errors(doc))\n"
                  "    print(json.dumps(errors))\n")
        p = subprocess.run([python, "-c", script, schema], input=json.dumps([json.loads(out), broken]),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr)
        valid, invalid = [json.loads(l) for l in p.stdout.splitlines()]
        self.assertEqual(valid, [])
        self.assertTrue(invalid, "the broken document passed: the schema check checks nothing")

    def test_rules_lists_severity_and_fix(self):
        p = subprocess.run([h.BINARY, "rules"], stdout=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        lines = p.stdout.splitlines()
        self.assertEqual(lines[0].split()[:4], ["RULE", "SEVERITY", "FIX", "SCOPE"])
        rows = {l.split()[0]: l.split() for l in lines[1:]}
        self.assertEqual(rows["len_zero"][1:3], ["warning", "yes"])
        self.assertEqual(rows["unwrap_used"][1:4], ["warning", "-", "production"])

    def test_explain_takes_clippy_spellings(self):
        plain = subprocess.run([h.BINARY, "explain", "unwrap_used"], stdout=subprocess.PIPE,
                               text=True, timeout=30)
        self.assertEqual(plain.returncode, 0)
        self.assertTrue(plain.stdout.startswith("unwrap_used (warning), production code only\n"))
        for name in ("clippy::unwrap_used", "clippy::unwrap-used"):
            p = subprocess.run([h.BINARY, "explain", name], stdout=subprocess.PIPE, text=True,
                               timeout=30)
            self.assertEqual((p.returncode, p.stdout), (0, plain.stdout), name)
        p = subprocess.run([h.BINARY, "explain", "clippy::no_such_lint"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("unknown rule 'clippy::no_such_lint'", p.stderr)

    def test_version_names_the_commit(self):
        p = subprocess.run([h.BINARY, "--version"], stdout=subprocess.PIPE, text=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^rustreview \d+\.\d+\.\d+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)\n$")
        # the commit the build was made from, when built from this checkout (whether the
        # tree was modified may have changed since the build: "-dirty" is not compared)
        expected = subprocess.run(["sh", os.path.join(h.ROOT, "scripts/version.sh"), "commit"],
                                  stdout=subprocess.PIPE, text=True).stdout.strip()
        self.assertIn("(commit %s" % expected.replace("-dirty", ""), p.stdout)

    def test_rules_json_claims(self):
        p = subprocess.run([h.BINARY, "rules", "--format", "json"], stdout=subprocess.PIPE,
                           text=True, timeout=30)
        self.assertEqual(p.returncode, 0)
        rules = {r["id"]: r for r in json.loads(p.stdout)}
        self.assertEqual(set(rules["ptr_arg"]), {"id", "severity", "default", "clippy", "scope"})
        self.assertEqual(rules["unwrap_used"], {"id": "unwrap_used", "severity": "warning",
                                                "default": "on", "clippy": "unwrap_used",
                                                "scope": "subset"})
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
        rc, out, err = short(self.repo, "main", "feature")
        self.assertEqual(rc, 1, err)
        got = [(m.group(1), int(m.group(2)), m.group(4), m.group(5))
               for m in map(TEXT_LINE.match, out.splitlines())]
        self.assertEqual(got, [("src/lib.rs", 6, "note", "unwrap_used"),
                               ("src/lib.rs", 10, "error", "len_zero")])

    def test_only_notes_do_not_fail(self):
        rc, out, err = short(self.repo, "main", "notes")
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
        rc, out, err = short(self.repo, "main", "cargo")
        self.assertEqual(rc, 1, err)
        self.assertEqual([l.split(": ")[1] for l in out.splitlines()],
                         ["note[unwrap_used]", "error[len_zero]"])
        # a base without a repository config: the Cargo levels of the head apply,
        # unwrap allowed, len_zero denied
        rc, out, err = short(self.repo, "noconfig", "cargo")
        self.assertEqual(rc, 1, err)
        self.assertEqual([l.split(": ")[0] + " " + l.split(": ")[1] for l in out.splitlines()],
                         ["src/lib.rs:10:5 error[len_zero]"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
