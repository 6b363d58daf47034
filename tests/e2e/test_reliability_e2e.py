"""Never lose or repeat a review (issue 10), end to end: real git over smart
HTTP (githttp.py), the fake GitHub API, `rustreview serve` as a real process.

  01 (a) 200 signed deliveries over 20 pull requests while the server is
     killed with SIGKILL five times at random moments and restarted: every
     delivery answered 202 is reviewed, every PR ends with exactly its one
     expected comment, none twice.
  02 (c) two replicas on one real PostgreSQL server (started here, as nobody
     when root), 500 deliveries spread over both: every job done once, every
     PR with exactly its comment, and per PR never two review runs at once (the
     fake's request log: from each run's first listing call to its status).
  04 (e) PostgreSQL restarted under load: deliveries get 503 while it is
     away (never a false 202), /readyz 503; everything acknowledged is reviewed.
  05 (f) a crash while a job runs (SIGKILL while its review POST is slow):
     reviewed again within seconds of the restart, not after the lease.
  06 (f) two deliveries of one PR racing while the forge is slow: one comment.
  03 (d) SIGTERM during reviews: /readyz turns 503 at once, a delivery sent
     while draining is still acknowledged (202) and durable, exit 0 within the
     grace period; the next start reviews what was left.

Every PR's head adds one `.unwrap()` line: its expected review is exactly one
comment (unwrap_used) on src/lib.rs line 3. (b) and the forge and git faults of
(f) are in test_reliability_faults_e2e.py, which shares World.
"""
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pgserver  # noqa: E402

OWNER, REPO = "Codertocat", "Hello-World"   # as in the fixture payload
APP_ID, INSTALLATION, SECRET = "4242", 9, "reliability-secret"
PRS = 20
BASE_LIB = "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n"
HEAD_LIB = ("pub fn add(a: u32, b: u32) -> u32 {\n"
            "    let v: Option<u32> = a.checked_next_power_of_two();\n    v.unwrap() + b\n}\n")
# A push to PR %d: one more unwrap, on line 7.
PUSHED_LIB = HEAD_LIB + ("// pull request %d\npub fn twice(x: Option<u8>) -> u8 {\n"
                         "    x.unwrap() * 2\n}\n")


class World:
    """git server, fake API, a repository whose PRs 1..PRS all add one unwrap."""

    def __init__(self, tag, faults=None):
        self.tmp = h.TempDir(tag)
        t = self.t = self.tmp.path
        self.procs = []
        self.key, self.pub = h.make_rsa_key(t)
        root = os.path.join(t, "git")
        self.bare = os.path.join(root, OWNER, REPO + ".git")
        os.makedirs(self.bare)
        h.git(self.bare, "init", "-q", "--bare", "-b", "master")
        w = os.path.join(t, "work")
        os.makedirs(w)
        h.git(w, "init", "-q", "-b", "master")
        h.write(os.path.join(w, "src/lib.rs"), BASE_LIB)
        h.git(w, "add", "-A")
        h.git(w, "commit", "-q", "-m", "base")
        self.base = h.git(w, "rev-parse", "HEAD")
        # Each PR its own head (so its own status URL), all adding the same line 3.
        self.heads = {}
        for n in range(1, PRS + 1):
            h.git(w, "checkout", "-q", "-B", "pr-%d" % n, self.base)
            h.write(os.path.join(w, "src/lib.rs"), HEAD_LIB + "// pull request %d\n" % n)
            h.git(w, "commit", "-q", "-am", "change %d" % n)
            self.heads[n] = h.git(w, "rev-parse", "HEAD")
        refs = ["%s:refs/pull/%d/head" % (self.heads[n], n) for n in range(1, PRS + 1)]
        h.git(w, "push", "-q", self.bare, "%s:refs/heads/master" % self.base, *refs)
        tokens = os.path.join(t, "tokens")
        open(tokens, "w").close()
        self.procs.append(h.Proc("githttp", [sys.executable, os.path.join(h.HERE, "githttp.py"),
                                             "--root", root, "--port-file",
                                             os.path.join(t, "git.port"), "--token-file", tokens],
                                 t))
        self.procs.append(h.Proc("fakegithub", [sys.executable,
                                                os.path.join(h.HERE, "fakegithub.py"),
                                                "--port-file", os.path.join(t, "api.port"),
                                                "--app-id", APP_ID, "--public-key", self.pub,
                                                "--token-file", tokens]
                                 + (["--faults", json.dumps(faults)] if faults else []), t))
        self.git_url = "http://127.0.0.1:%s" % h.wait_for_file(os.path.join(t, "git.port"))
        self.api = "http://127.0.0.1:%s" % h.wait_for_file(os.path.join(t, "api.port"))
        self.work = w
        for n in range(1, PRS + 1):
            self.register(n)

    def register(self, n):
        st, _, body = h.http("POST", self.api + "/_fake/pulls", {
            "owner": OWNER, "repo": REPO, "number": n, "git_dir": self.bare,
            "base_sha": self.base, "head_sha": self.heads[n]})
        assert st in (200, 201), body

    def add_pr(self, n, files):
        """Pull request n: one commit on the base writing files {path: text},
        pushed as refs/pull/n/head and registered with the fake."""
        w = self.work
        h.git(w, "checkout", "-q", "-B", "pr-%d" % n, self.base)
        for path, text in files.items():
            h.write(os.path.join(w, path), text)
        h.git(w, "add", "-A")
        h.git(w, "commit", "-q", "-m", "change %d" % n)
        self.heads[n] = h.git(w, "rev-parse", "HEAD")
        h.git(w, "push", "-q", "-f", self.bare, "%s:refs/pull/%d/head" % (self.heads[n], n))
        self.register(n)

    def env(self, port, data_dir, extra=None):
        e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
             "RUSTREVIEW_LISTEN": "127.0.0.1:%d" % port,
             "RUSTREVIEW_DATA_DIR": data_dir,
             "RUSTREVIEW_WORKERS": "2",
             "RUSTREVIEW_LOG_LEVEL": "info",
             "RUSTREVIEW_GITHUB_APP_ID": APP_ID,
             "RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE": self.key,
             "RUSTREVIEW_GITHUB_WEBHOOK_SECRET": SECRET,
             "RUSTREVIEW_GITHUB_API_URL": self.api,
             "RUSTREVIEW_GITHUB_GIT_URL": self.git_url,
             "RUSTREVIEW_PACE_PER_MINUTE": "100000",
             "RUSTREVIEW_PACE_PER_HOUR": "1000000"}
        e.update(extra or {})
        return e

    def push(self, n, text):
        """A new commit on pull request n's head writing src/lib.rs: the
        forge's ref and the fake's head move to it."""
        w = self.work
        h.git(w, "checkout", "-q", "-B", "pr-%d" % n, self.heads[n])
        h.write(os.path.join(w, "src/lib.rs"), text)
        h.git(w, "commit", "-q", "-am", "push to %d" % n)
        self.heads[n] = h.git(w, "rev-parse", "HEAD")
        h.git(w, "push", "-q", "-f", self.bare, "%s:refs/pull/%d/head" % (self.heads[n], n))
        self.register(n)

    def payload(self, number, action=None):
        with open(os.path.join(h.FIXTURES, "github", "pull_request.opened.json")) as f:
            p = json.load(f)
        p["number"] = number
        if action:
            p["action"] = action
        pr = p["pull_request"]
        pr["number"], pr["draft"] = number, False
        pr["head"]["sha"], pr["head"]["ref"] = self.heads[number], "change-%d" % number
        pr["base"]["sha"], pr["base"]["ref"] = self.base, "master"
        p["repository"]["clone_url"] = "%s/%s/%s.git" % (self.git_url, OWNER, REPO)
        p["repository"]["url"] = "%s/repos/%s/%s" % (self.api, OWNER, REPO)
        p["installation"]["id"] = INSTALLATION
        return json.dumps(p).encode()

    def deliver(self, url, number, delivery, body=None):
        body = body or self.payload(number)
        headers = {"Content-Type": "application/json", "X-GitHub-Event": "pull_request",
                   "X-GitHub-Delivery": delivery, "User-Agent": "GitHub-Hookshot/e2e",
                   "X-Hub-Signature-256": h.github_signature(SECRET, body)}
        try:
            status, _, _ = h.http("POST", url + "/webhooks/github", body, headers, timeout=10)
        except OSError:
            return 0
        return status

    def comments(self, number):
        st, _, body = h.http("GET", self.api + "/_fake/reviews?owner=%s&repo=%s&number=%d"
                             % (OWNER, REPO, number))
        assert st == 200, body
        out = []
        for r in json.loads(body)["reviews"]:
            for c in r.get("comments", []):
                out.append((c["path"], c["line"]))
        return out

    def review_runs(self, tc, numbers):
        """{PR: [(start, end)]}: each review run as the fake saw it, from its
        first listing call (comments, first page) to the answer of its last
        post (the head's status), asserting that no run of a PR starts while
        another is open. Only for runs without faults: each ends with its
        status."""
        st, _, body = h.http("GET", self.api + "/_fake/requests")
        tc.assertEqual(st, 200)
        reqs = json.loads(body)
        runs = {}
        for n in numbers:
            listing = "/repos/%s/%s/pulls/%d/comments" % (OWNER, REPO, n)
            status = "/repos/%s/%s/statuses/%s" % (OWNER, REPO, self.heads[n])
            mine = sorted((r for r in reqs if (r["path"] == listing and "page=" not in
                                               r["query"].replace("per_page=", ""))
                           or r["path"] == status), key=lambda r: r["t0"])
            opened, runs[n] = None, []
            for r in mine:
                if r["path"] == listing:
                    tc.assertIsNone(opened, "PR %d: a run started at %.3f while the run "
                                            "started at %.3f was open" % (n, r["t0"], opened or 0))
                    opened = r["t0"]
                else:
                    tc.assertIsNotNone(opened, "PR %d: a status without a run" % n)
                    runs[n].append((opened, r["t1"]))
                    opened = None
            tc.assertIsNone(opened, "PR %d: a run never finished" % n)
            for a, b in zip(runs[n], runs[n][1:]):
                tc.assertLessEqual(a[1], b[0], "PR %d: runs overlap" % n)
        return runs

    def assert_each_pr_has_its_comment_once(self, tc, numbers):
        for n in numbers:
            tc.assertEqual(self.comments(n), [("src/lib.rs", 3)], "PR %d" % n)

    def close(self):
        for p in reversed(self.procs):
            p.close()
        if os.environ.get("RR_KEEP_TMP"):
            h.log("kept %s" % self.t)
        else:
            self.tmp.cleanup()


def fixture_exists():
    return os.path.exists(os.path.join(h.FIXTURES, "github", "pull_request.opened.json"))


def sqlite_states(db):
    c = sqlite3.connect(db, timeout=10)
    try:
        return dict(c.execute("SELECT delivery_id, state FROM jobs").fetchall())
    finally:
        c.close()


def wait_until(pred, timeout, step=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


class ReliabilityBase:
    """What both reliability files' test cases share."""
    @classmethod
    def setUpClass(cls):
        if not fixture_exists():
            raise unittest.SkipTest("no pull_request_opened fixture")

    def start_bot(self, world, name, port, data_dir, extra=None):
        p = h.Proc(name, [h.BINARY, "serve"], world.t, env=world.env(port, data_dir, extra))
        h.wait_http_ok("http://127.0.0.1:%d/healthz" % port)
        return p

    def faults_report(self, w):
        st, _, body = h.http("GET", w.api + "/_fake/faults")
        self.assertEqual(st, 200, body)
        return json.loads(body)


class Reliability(ReliabilityBase, unittest.TestCase):
    def test_01_sigkill_five_times_loses_and_repeats_nothing(self):
        w = World("reliab-kill")
        try:
            port = h.free_port()
            url = "http://127.0.0.1:%d" % port
            data = os.path.join(w.t, "data")
            rng = random.Random(int(os.environ.get("RR_SEED", "10")))
            deliveries = [(1 + i % PRS, "kill-%d" % i) for i in range(200)]
            kill_at = sorted(rng.sample(range(10, 190), 5))
            bot = self.start_bot(w, "bot-0", port, data)
            acked, kills = set(), 0
            for i, (number, delivery) in enumerate(deliveries):
                if kills < 5 and i == kill_at[kills]:
                    time.sleep(rng.uniform(0, 0.3))   # while reviews run
                    os.killpg(bot.p.pid, signal.SIGKILL)
                    bot.p.wait()
                    bot.log.close()
                    kills += 1
                    bot = self.start_bot(w, "bot-%d" % kills, port, data)
                # A delivery the dead server did not answer is sent again,
                # as the forge's redelivery would.
                for _ in range(50):
                    st = w.deliver(url, number, delivery)
                    if st in (200, 202):
                        break
                    time.sleep(0.1)
                self.assertIn(st, (200, 202))
                if st == 202:
                    acked.add(delivery)
            db = os.path.join(data, "rustreview.db")
            settled = wait_until(lambda: all(s in ("done",) for s in sqlite_states(db).values()),
                                 120)
            states = sqlite_states(db)
            self.assertTrue(settled, {d: s for d, s in states.items() if s != "done"})
            self.assertEqual(kills, 5)
            self.assertEqual(len(acked), 200)
            self.assertTrue(acked <= set(d for d, s in states.items() if s == "done"))
            w.assert_each_pr_has_its_comment_once(self, range(1, PRS + 1))
            h.log("e2e: (a) %d deliveries acknowledged across %d SIGKILLs, %d jobs done, "
                  "%d PRs with exactly 1 comment" % (len(acked), kills,
                                                     sum(1 for s in states.values() if s == "done"),
                                                     PRS))
            bot.close()
            self.assertEqual(bot.p.returncode, 0)
        finally:
            w.close()

    def test_02_two_replicas_on_postgresql(self):
        w = World("reliab-pg")
        pg_root = os.path.join(w.t, "pg")
        os.chmod(w.t, 0o755)
        pg = pgserver.PgServer(pg_root).start()
        bots = []
        try:
            ports = [h.free_port(), h.free_port()]
            for i, port in enumerate(ports):
                bots.append(self.start_bot(w, "replica-%d" % i, port,
                                           os.path.join(w.t, "data-%d" % i),
                                           {"RUSTREVIEW_DATABASE_URL": pg.url,
                                            "RUSTREVIEW_REPLICA_ID": "replica-%d" % i}))
            urls = ["http://127.0.0.1:%d" % p for p in ports]
            for u in urls:
                st, _, body = h.http("GET", u + "/readyz")
                self.assertEqual(st, 200, body)
            results = []

            def send(k):
                for i in range(k, 500, 4):
                    results.append(w.deliver(urls[i % 2], 1 + i % PRS, "pg-%d" % i))
            th = [threading.Thread(target=send, args=(k,)) for k in range(4)]
            for t in th:
                t.start()
            for t in th:
                t.join()
            self.assertEqual(sorted(set(results)), [202])
            self.assertEqual(len(results), 500)

            def counts():
                out = subprocess.run(["psql", pg.url, "-Atc",
                                      "SELECT state, count(*) FROM rustreview_jobs GROUP BY state"],
                                     capture_output=True, text=True)
                return dict(line.split("|") for line in out.stdout.split())
            self.assertTrue(wait_until(lambda: counts() == {"done": "500"}, 180), counts())
            w.assert_each_pr_has_its_comment_once(self, range(1, PRS + 1))
            runs = w.review_runs(self, range(1, PRS + 1))
            self.assertEqual(sum(len(v) for v in runs.values()), 500)
            finish_seconds = subprocess.run(["psql", pg.url, "-Atc",
                                     "SELECT count(DISTINCT updated_at) FROM rustreview_jobs"],
                                    capture_output=True, text=True).stdout.strip()
            closest = min(b[0] - a[1] for v in runs.values() for a, b in zip(v, v[1:]))
            h.log("e2e: (c) 500 deliveries over 2 replicas on PostgreSQL: 500 done, %d PRs with "
                  "exactly 1 comment (jobs finished over %s distinct seconds); 500 review runs "
                  "seen by the forge, never two of one PR at once (closest: %.1f ms apart)"
                  % (PRS, finish_seconds, closest * 1000))
            for b in bots:
                b.close()
                self.assertEqual(b.p.returncode, 0, b.output()[-2000:])
        finally:
            for b in bots:
                b.close()
            pg.cleanup()
            w.close()

    def test_03_sigterm_drains_within_the_grace_period(self):
        w = World("reliab-term")
        try:
            port = h.free_port()
            url = "http://127.0.0.1:%d" % port
            data = os.path.join(w.t, "data")
            bot = self.start_bot(w, "bot-term", port, data, {"RUSTREVIEW_SHUTDOWN_GRACE": "4"})
            for i in range(40):
                self.assertEqual(w.deliver(url, 1 + i % PRS, "term-%d" % i), 202)
            t0 = time.time()
            bot.p.send_signal(signal.SIGTERM)
            self.assertTrue(wait_until(lambda: h.http("GET", url + "/readyz")[0] == 503, 2, 0.05))
            st, _, body = h.http("GET", url + "/readyz")
            self.assertEqual((st, json.loads(body)["status"]), (503, "draining"))
            # Still listening: a delivery in this moment is queued durably.
            self.assertEqual(w.deliver(url, 3, "term-late"), 202)
            rc = bot.p.wait(timeout=15)
            took = time.time() - t0
            bot.log.close()
            self.assertEqual(rc, 0)
            self.assertLess(took, 4 + 3)
            states = sqlite_states(os.path.join(data, "rustreview.db"))
            self.assertEqual(len(states), 41)
            self.assertNotIn("running", states.values())
            self.assertNotIn("failed", states.values())
            bot = self.start_bot(w, "bot-term-2", port, data)
            db = os.path.join(data, "rustreview.db")
            self.assertTrue(wait_until(lambda: set(sqlite_states(db).values()) == {"done"}, 60))
            w.assert_each_pr_has_its_comment_once(self, range(1, PRS + 1))
            h.log("e2e: (d) SIGTERM with jobs in flight: exit 0 after %.1f s (grace 4 s), "
                  "41 of 41 deliveries reviewed" % took)
            bot.close()
        finally:
            w.close()

    def test_04_database_restarted_under_load(self):
        w = World("reliab-pgrestart")
        os.chmod(w.t, 0o755)
        pg = pgserver.PgServer(os.path.join(w.t, "pg")).start()
        bot = None
        try:
            port = h.free_port()
            url = "http://127.0.0.1:%d" % port
            bot = self.start_bot(w, "bot-pg", port, os.path.join(w.t, "data"),
                                 {"RUSTREVIEW_DATABASE_URL": pg.url,
                                  "RUSTREVIEW_REPLICA_ID": "only"})
            answers, order, stop = {}, [], threading.Event()
            ready_while_away = []

            def send():
                i = 0
                while not stop.is_set() and i < 2000:
                    d = "pgr-%d" % i
                    answers[d] = w.deliver(url, 1 + i % PRS, d)
                    order.append(answers[d])
                    i += 1
                    time.sleep(0.02)
            th = threading.Thread(target=send)
            th.start()
            time.sleep(1.0)
            pg.stop("fast")
            time.sleep(0.5)
            ready_while_away.append(h.http("GET", url + "/readyz")[0])
            time.sleep(1.5)
            pg.start()
            time.sleep(2.0)
            stop.set()
            th.join()
            codes = sorted(set(answers.values()))
            acked = [d for d, st in answers.items() if st == 202]
            refused = [d for d, st in answers.items() if st == 503]
            self.assertEqual(ready_while_away, [503])
            self.assertTrue(set(codes) <= {202, 503}, codes)
            self.assertGreater(len(refused), 0)
            self.assertEqual(order[0], 202)
            self.assertEqual(order[-1], 202)             # back after the restart
            self.assertTrue(wait_until(lambda: h.http("GET", url + "/readyz")[0] == 200, 15))

            def done():
                out = subprocess.run(["psql", pg.url, "-Atc",
                                      "SELECT delivery_id FROM rustreview_jobs WHERE state = 'done'"],
                                     capture_output=True, text=True).stdout.split()
                return set(out)
            self.assertTrue(wait_until(lambda: set(acked) <= done(), 120),
                            set(acked) - done())
            w.assert_each_pr_has_its_comment_once(self, range(1, PRS + 1))
            h.log("e2e: (e) PostgreSQL restarted under load: %d deliveries acknowledged, all "
                  "reviewed; %d answered 503 while it was away; no other answer" %
                  (len(acked), len(refused)))
            bot.close()
            self.assertEqual(bot.p.returncode, 0)
        finally:
            if bot:
                bot.close()
            pg.cleanup()
            w.close()

    def test_05_crash_while_running_is_reviewed_again_at_restart(self):
        w = World("reliab-crash")
        try:
            port = h.free_port()
            url = "http://127.0.0.1:%d" % port
            data = os.path.join(w.t, "data")
            path = "/repos/%s/%s/pulls/5/reviews" % (OWNER, REPO)
            st, _, _ = h.http("POST", w.api + "/_fake/inject", {
                "method": "POST", "path": path, "status": 503, "times": 1,
                "delay_ms": 5000, "body": {"message": "slow"}})
            self.assertEqual(st, 200)
            bot = self.start_bot(w, "bot-crash", port, data)
            self.assertEqual(w.deliver(url, 5, "crash-1"), 202)
            db = os.path.join(data, "rustreview.db")
            self.assertTrue(wait_until(lambda: sqlite_states(db).get("crash-1") == "running", 10))
            time.sleep(0.5)                              # inside the slow POST
            os.killpg(bot.p.pid, signal.SIGKILL)
            bot.p.wait()
            bot.log.close()
            t0 = time.time()
            bot = self.start_bot(w, "bot-crash-2", port, data)
            self.assertTrue(wait_until(lambda: sqlite_states(db).get("crash-1") == "done", 20))
            took = time.time() - t0
            self.assertLess(took, 10)                    # not the 30 s lease
            w.assert_each_pr_has_its_comment_once(self, [5])
            h.log("e2e: (f) killed while running: reviewed %.1f s after the restart" % took)
            bot.close()
        finally:
            w.close()

    def test_06_two_deliveries_of_one_pr_with_a_slow_forge(self):
        w = World("reliab-race")
        try:
            port = h.free_port()
            url = "http://127.0.0.1:%d" % port
            path = "/repos/%s/%s/pulls/7/comments" % (OWNER, REPO)
            # The first listing of comments is slow (GitHub under load): the
            # second delivery must not list, then post, meanwhile.
            h.http("POST", w.api + "/_fake/inject", {
                "method": "GET", "path": path, "status": 200, "times": 1, "delay_ms": 1500,
                "body": []})
            bot = self.start_bot(w, "bot-race", port, os.path.join(w.t, "data"),
                                 {"RUSTREVIEW_WORKERS": "4"})
            self.assertEqual(w.deliver(url, 7, "race-1"), 202)
            time.sleep(0.3)
            self.assertEqual(w.deliver(url, 7, "race-2"), 202)
            db = os.path.join(w.t, "data", "rustreview.db")
            self.assertTrue(wait_until(lambda: set(sqlite_states(db).values()) == {"done"}, 30))
            w.assert_each_pr_has_its_comment_once(self, [7])
            bot.close()
        finally:
            w.close()

if __name__ == "__main__":
    unittest.main(verbosity=2)
