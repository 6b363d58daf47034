"""What an operator sees of a running `rustreview serve`:

  - `rustreview healthcheck` answers 0 while the server is up and 1 (saying
    why) when it is not; GET /version names the version and commit, the same
    as --version;
  - GET /metrics passes `promtool check metrics` (Debian's prometheus package),
    with labelled series, a histogram and rustreview_build_info in it;
  - configuration mistakes said out loud: an unknown RUSTREVIEW_ variable is a
    warning naming the setting it probably meant; an empty secret that is set
    and a git URL with a path stop the start with exit 2, naming the variable;
  - README's troubleshooting section quotes only messages the program prints.
"""
import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

SECRET = "ops-test-secret"


def serve_env(data_dir, port, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUSTREVIEW_")}
    env.update({"RUSTREVIEW_LISTEN": "127.0.0.1:%d" % port, "RUSTREVIEW_DATA_DIR": data_dir,
                "RUSTREVIEW_WORKERS": "1"})
    env.update(extra or {})
    return env


def run_binary(args, env, timeout=30):
    return subprocess.run([h.BINARY, *args], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout)


def log_events(text):
    events = []
    for line in text.splitlines():
        if line.startswith("{"):
            events.append(json.loads(line))
    return events


class RunningServer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = h.TempDir("ops")
        cls.port = h.free_port()
        cls.env = serve_env(os.path.join(cls.tmp.path, "data"), cls.port, {
            "RUSTREVIEW_GITHUB_WEBHOOK_SECRET": SECRET,
            "RUSTREVIEW_GITHUB_TOKEN": "ghp_not_used_here",
            "RUSTREVIEW_GITHUB_WEBHOK_SECRET": "typo",        # the typo of issue 12
            "RUSTREVIEW_NOT_A_SETTING": "1"})
        cls.bot = h.Proc("rustreview", [h.BINARY, "serve"], cls.tmp.path, env=cls.env)
        cls.url = "http://127.0.0.1:%d" % cls.port
        h.wait_http_ok(cls.url + "/healthz")

    @classmethod
    def tearDownClass(cls):
        cls.bot.close()
        cls.tmp.cleanup()

    def test_healthcheck_subcommand(self):
        p = run_binary(["healthcheck"], self.env)
        self.assertEqual((p.returncode, p.stdout, p.stderr), (0, "", ""))
        # a wildcard listen address is asked on loopback
        env = dict(self.env, RUSTREVIEW_LISTEN="0.0.0.0:%d" % self.port)
        self.assertEqual(run_binary(["healthcheck"], env).returncode, 0)
        p = run_binary(["healthcheck", "--path", "/nope"], self.env)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stderr, "rustreview healthcheck: http://127.0.0.1:%d/nope answered 404\n"
                         % self.port)
        # nothing listening there
        env = dict(self.env, RUSTREVIEW_LISTEN="127.0.0.1:%d" % h.free_port())
        p = run_binary(["healthcheck", "--timeout", "2"], env)
        self.assertEqual(p.returncode, 1)
        self.assertIn("Couldn't connect to server", p.stderr)
        p = run_binary(["healthcheck", "--timeout", "0"], self.env)
        self.assertEqual(p.returncode, 2)

    def test_version_endpoint_matches_the_binary(self):
        status, headers, body = h.http("GET", self.url + "/version")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/json")
        doc = json.loads(body)
        self.assertEqual(list(doc), ["version", "commit"])
        line = run_binary(["--version"], self.env).stdout
        self.assertEqual(line, "rustreview %s (commit %s)\n" % (doc["version"], doc["commit"]))
        self.assertEqual(h.http("POST", self.url + "/version", b"")[0], 405)

    def test_metrics_pass_promtool(self):
        # a refused delivery and an unknown forge, so labelled series exist
        body = b'{"action":"opened"}'
        headers = {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "ops-1",
                   "X-Hub-Signature-256": h.github_signature("wrong", body),
                   "Content-Type": "application/json"}
        self.assertEqual(h.http("POST", self.url + "/webhooks/github", body, headers)[0], 401)
        self.assertEqual(h.http("POST", self.url + "/webhooks/nowhere", body, headers)[0], 404)
        text = ""
        for _ in range(100):        # a delivery is counted when its connection completes
            status, headers, raw = h.http("GET", self.url + "/metrics")
            text = raw.decode()
            if 'forge="unknown",code="404"} 1' in text:
                break
        self.assertEqual(status, 200)
        self.assertIn('rustreview_webhook_deliveries_total{forge="github",code="401"} 1\n', text)
        self.assertIn('rustreview_forge_enabled{forge="github"} 1\n', text)
        self.assertIn('rustreview_review_duration_seconds_bucket{le="+Inf"} 0\n', text)
        self.assertRegex(text, r'(?m)^rustreview_build_info\{version="[^"]+",commit="[^"]+"\} 1$')
        p = subprocess.run(["promtool", "check", "metrics"], input=text, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""))
        names = sorted(set(re.findall(r"(?m)^# TYPE (\S+) (\S+)$", text)))
        h.log("e2e: /metrics families: " + ", ".join("%s (%s)" % n for n in names))
        # and promtool does fail on a broken exposition
        bad = text.replace("# TYPE rustreview_jobs gauge", "# TYPE rustreview_jobs gauge\n# TYPE rustreview_jobs counter")
        p = subprocess.run(["promtool", "check", "metrics"], input=bad, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertNotEqual(p.returncode, 0)

    def test_unknown_variables_are_warned_about_at_start(self):
        events = log_events(self.bot.output())
        warned = {e["variable"]: e for e in events if e["event"] == "config.unknown_variable"}
        self.assertEqual(sorted(warned), ["RUSTREVIEW_GITHUB_WEBHOK_SECRET", "RUSTREVIEW_NOT_A_SETTING"])
        typo = warned["RUSTREVIEW_GITHUB_WEBHOK_SECRET"]
        self.assertEqual(typo["level"], "warn")
        self.assertEqual(typo["did_you_mean"], "RUSTREVIEW_GITHUB_WEBHOOK_SECRET")
        self.assertEqual(typo["message"], "RUSTREVIEW_GITHUB_WEBHOK_SECRET is not a setting of "
                         "rustreview and is ignored; did you mean RUSTREVIEW_GITHUB_WEBHOOK_SECRET?")
        self.assertIsNone(warned["RUSTREVIEW_NOT_A_SETTING"]["did_you_mean"])
        self.assertNotIn("typo", self.bot.output())      # values are never logged
        start = [e for e in events if e["event"] == "startup"][0]
        self.assertEqual(start["port"], self.port)        # a number, not a string
        self.assertEqual(start["workers"], 1)
        self.assertRegex(start["commit"], r"^([0-9a-f]{12}(-dirty)?|unknown)$")


class StartUpNamesTheForges(unittest.TestCase):
    """Start-up says which forges are enabled, how each authenticates, against
    which URLs; and says so when none is (webhooks would all get 404)."""

    def setUp(self):
        self.tmp = h.TempDir("opsstart")

    def tearDown(self):
        self.tmp.cleanup()

    def start_lines(self, extra):
        port = h.free_port()
        env = serve_env(os.path.join(self.tmp.path, "data"), port, extra)
        bot = h.Proc("rustreview", [h.BINARY, "serve"], self.tmp.path, env=env)
        try:
            h.wait_http_ok("http://127.0.0.1:%d/healthz" % port)
        finally:
            bot.close()
        return [e for e in log_events(bot.output()) if e["event"].startswith("startup.")]

    def test_token_mode_forge(self):
        lines = self.start_lines({"RUSTREVIEW_GITHUB_WEBHOOK_SECRET": SECRET,
                                  "RUSTREVIEW_GITHUB_TOKEN": "ghp_not_used_here"})
        self.assertEqual([{k: e[k] for k in ("level", "event", "forge", "auth", "api_url",
                                             "git_url", "webhook_path")} for e in lines],
                         [{"level": "info", "event": "startup.forge", "forge": "github",
                           "auth": "token", "api_url": "https://api.github.com", "git_url": None,
                           "webhook_path": "/webhooks/github"}])

    def test_no_forge(self):
        lines = self.start_lines({})
        self.assertEqual([(e["level"], e["event"], e["message"]) for e in lines],
                         [("warn", "startup.no_forge", "No forge is enabled: webhooks get 404; "
                           "set RUSTREVIEW_<FORGE>_WEBHOOK_SECRET (or _FILE)")])


class RefusedConfiguration(unittest.TestCase):
    def setUp(self):
        self.tmp = h.TempDir("opscfg")

    def tearDown(self):
        self.tmp.cleanup()

    def refused(self, extra):
        env = serve_env(os.path.join(self.tmp.path, "data"), h.free_port(), extra)
        p = run_binary(["serve"], env)
        self.assertEqual(p.returncode, 2, p.stderr)
        return p.stderr

    def test_empty_secret_that_is_set(self):
        err = self.refused({"RUSTREVIEW_GITHUB_WEBHOOK_SECRET": ""})
        self.assertIn("rustreview serve: RUSTREVIEW_GITHUB_WEBHOOK_SECRET is set but empty; "
                      "give it a value or unset it\n", err)
        err = self.refused({"RUSTREVIEW_GITHUB_WEBHOOK_SECRET": "s",
                            "RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE": ""})
        self.assertIn("RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE is set but empty", err)

    def test_git_url_with_a_path(self):
        err = self.refused({"RUSTREVIEW_GITHUB_WEBHOOK_SECRET": "s", "RUSTREVIEW_GITHUB_TOKEN": "t",
                            "RUSTREVIEW_GITHUB_GIT_URL": "https://github.com/acme"})
        self.assertIn("rustreview serve: RUSTREVIEW_GITHUB_GIT_URL: expected an origin, "
                      "http(s)://HOST[:PORT], without a path (clone URLs are matched by origin)\n",
                      err)
        self.assertNotIn("acme", err)


class Troubleshooting(unittest.TestCase):
    def test_every_quoted_message_is_printed_by_the_program(self):
        with open(os.path.join(h.ROOT, "README.md")) as f:
            readme = f.read()
        section = readme.split("\n## Troubleshooting\n", 1)[1].split("\n## ", 1)[0]
        quoted = re.findall(r"(?m)^\| `([^`]+)`", section)
        self.assertGreaterEqual(len(quoted), 8)
        sources = ""
        for d in ("bot", "handlers", "review", "common"):
            for name in sorted(os.listdir(os.path.join(h.ROOT, d))):
                if name.endswith(".c"):
                    with open(os.path.join(h.ROOT, d, name)) as f:
                        sources += f.read()
        for q in quoted:
            self.assertIn(q, sources, "README's troubleshooting quotes %r, which no source prints" % q)


if __name__ == "__main__":
    unittest.main(verbosity=2)
