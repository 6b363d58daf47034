"""Never lose or repeat a review (issue 10) when the forge or the git server
misbehaves, end to end (the World of test_reliability_e2e.py: real git over
smart HTTP, the fake GitHub API with opt-in faults, `rustreview serve`).

  07 (b) 10 PRs, 30 distinct deliveries (repeated deliveries, under a new id
     and under the same id, and pushes of one PR) while the fake fails 30 % of
     API calls (502, reset, a 10 s stall, 429 with Retry-After, the
     secondary-limit 403): every review lands exactly once; from the fake's
     log of every call, no call to a method and path before the wait a rate
     limit announced there, and no content-creating call of the token before
     the wait of a rate limit that token got (the token pauses, on every
     replica, not only the job that got it).
  08 (f) a review POST whose answer is lost (stored, then the connection
     dropped): not re-sent blindly; the retry sees the review and posts nothing.
  09 (f) a forge outage longer than the old 5 attempts (8 failures in a row,
     short backoff for the test): the review lands when the forge is back.
  10 (f) a git server that accepts and then sends nothing: the fetch fails
     after RUSTREVIEW_GIT_TIMEOUT and is retried; SIGTERM still exits at once.
  11 (b) a 429 on one replica pauses the token on the other (PostgreSQL, the
     first replica stopped so only the database remembers): no call for the
     installation before the Retry-After is over.
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
from test_reliability_e2e import (OWNER, PUSHED_LIB, REPO, SECRET, ReliabilityBase,  # noqa: E402
                                  World, sqlite_states, wait_until)


class ReliabilityFaults(ReliabilityBase, unittest.TestCase):
    def test_07_forge_failing_30_percent_of_calls(self):
        """(b) 10 PRs, each opened, delivered again under a new id and under
        the same id; 5 of them pushed (a second unwrap) and that delivered
        twice: 30 distinct deliveries while the fake fails 30 % of API calls.
        Every review lands exactly once (PRs 1-5: lines 3 and 7, PRs 6-10:
        line 3), and from the fake's log of every call: no call to a method
        and path before the wait a rate limit announced there, and no
        content-creating call of a token before the wait of a rate limit that
        token got (the whole token waits, not only the job that got it)."""
        w = World("reliab-faults", faults={"rate": 0.3, "seed": 11, "stall_s": 10,
                                             "retry_after": 2})
        bot = None
        try:
            port = h.free_port()
            url = "http://127.0.0.1:%d" % port
            data = os.path.join(w.t, "data")
            prs, pushed = range(1, 11), range(1, 6)
            bot = self.start_bot(w, "bot-faults", port, data,
                                 {"RUSTREVIEW_WORKERS": "6", "RUSTREVIEW_RETRY_MAX_BACKOFF": "2"})
            answers = []

            def send(n, delivery, body):
                answers.append((delivery, w.deliver(url, n, delivery, body)))
            first = {n: w.payload(n) for n in prs}
            for n in prs:
                send(n, "fault-%d-a" % n, first[n])
            time.sleep(0.3)
            for n in prs:
                send(n, "fault-%d-b" % n, first[n])          # the same head, a new id
                send(n, "fault-%d-a" % n, first[n])          # GitHub's "Redeliver"
            time.sleep(0.3)
            second = {}
            for n in pushed:
                w.push(n, PUSHED_LIB % n)
                second[n] = w.payload(n, "synchronize")
                send(n, "fault-%d-c" % n, second[n])
            time.sleep(0.3)
            for n in pushed:
                send(n, "fault-%d-d" % n, second[n])
                send(n, "fault-%d-c" % n, second[n])
            distinct = set(d for d, _ in answers)
            self.assertEqual(len(distinct), 30)
            firsts, seen = [], set()
            for d, st in answers:
                firsts.append((d, st, d in seen))
                seen.add(d)
            for d, st, again in firsts:
                self.assertEqual(st, 200 if again else 202, d)
            db = os.path.join(data, "rustreview.db")
            ok = wait_until(lambda: set(sqlite_states(db).values()) <= {"done", "superseded"},
                            240, 0.5)
            self.assertTrue(ok, sqlite_states(db))
            for n in prs:
                want = [("src/lib.rs", 3), ("src/lib.rs", 7)] if n in pushed else [("src/lib.rs", 3)]
                self.assertEqual(sorted(w.comments(n)), want, "PR %d" % n)
            rep = self.faults_report(w)
            log = rep["log"]
            early_same_call = [(r, e) for r in log if r.get("retry_after")
                               for e in log if e["method"] == r["method"] and
                               e["path"] == r["path"] and r["t1"] <= e["t0"] < r["t1"] + r["retry_after"]]
            early_writes = [(r, e) for r in log if r.get("retry_after")
                            for e in log if e["token"] == r["token"] and e["method"] != "GET" and
                            r["t1"] <= e["t0"] < r["t1"] + r["retry_after"]]
            self.assertEqual(early_same_call, [])
            self.assertEqual(early_writes, [])
            self.assertEqual(rep["early_retries"], 0, rep["early_calls"])
            for kind in ("502", "reset", "stall", "429", "403"):
                self.assertGreater(rep["injected"][kind], 0, rep["injected"])
            limited = [r for r in log if r.get("retry_after")]
            c = sqlite3.connect(db)
            retried = c.execute("SELECT COUNT(*), COALESCE(SUM(attempts), 0) FROM jobs"
                                " WHERE attempts > 0").fetchone()
            states = dict(c.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall())
            c.close()
            waited = bot.output().count('"event":"job.paced"')
            h.log("e2e: (b) %d deliveries (%d distinct) over %d PRs (%d pushed): %d API calls, %d "
                  "failed on purpose %s; every review landed exactly once (%d jobs done, %d "
                  "superseded, %d retried %d times, %d runs waited for a paused token); %d rate "
                  "limits, 0 calls to their path and 0 content-creating calls of their token "
                  "before the wait" %
                  (len(answers), len(distinct), len(prs), len(pushed), rep["calls"],
                   sum(rep["injected"].values()), json.dumps(rep["injected"]),
                   states.get("done", 0), states.get("superseded", 0), retried[0], retried[1],
                   waited, len(limited)))
            bot.close()
            self.assertEqual(bot.p.returncode, 0)
        finally:
            if bot:
                bot.close()
            w.close()

    def test_08_lost_answer_of_a_review_post(self):
        w = World("reliab-lost", faults={"rate": 0.0, "lost_answer": {
            "method": "POST", "path_suffix": "/pulls/4/reviews", "times": 1}})
        try:
            port = h.free_port()
            url = "http://127.0.0.1:%d" % port
            data = os.path.join(w.t, "data")
            bot = self.start_bot(w, "bot-lost", port, data,
                                 {"RUSTREVIEW_RETRY_MAX_BACKOFF": "1"})
            # Warm the keep-alive connection first: PR 3's review goes through.
            self.assertEqual(w.deliver(url, 3, "lost-warm"), 202)
            db = os.path.join(data, "rustreview.db")
            self.assertTrue(wait_until(lambda: sqlite_states(db).get("lost-warm") == "done", 30))
            self.assertEqual(w.deliver(url, 4, "lost-1"), 202)
            self.assertTrue(wait_until(lambda: sqlite_states(db).get("lost-1") == "done", 30))
            self.assertEqual(self.faults_report(w)["lost_answers"], 1)
            st, _, body = h.http("GET", w.api + "/_fake/requests")
            posts = [r for r in json.loads(body)
                     if r["method"] == "POST" and r["path"].endswith("/pulls/4/reviews")]
            self.assertEqual(len(posts), 1, posts)     # never sent twice
            w.assert_each_pr_has_its_comment_once(self, [3, 4])
            c = sqlite3.connect(db)
            attempts = c.execute("SELECT attempts FROM jobs WHERE delivery_id = 'lost-1'").fetchone()
            c.close()
            self.assertEqual(attempts[0], 1)             # one uncertain run, then one that saw it
            bot.close()
        finally:
            w.close()

    def test_09_forge_outage_outlasts_five_attempts(self):
        w = World("reliab-outage")
        try:
            port = h.free_port()
            url = "http://127.0.0.1:%d" % port
            data = os.path.join(w.t, "data")
            path = "/repos/%s/%s/pulls/2/comments" % (OWNER, REPO)
            h.http("POST", w.api + "/_fake/inject", {"method": "GET", "path": path,
                                                     "status": 503, "times": 8,
                                                     "body": {"message": "Service Unavailable"}})
            bot = self.start_bot(w, "bot-outage", port, data,
                                 {"RUSTREVIEW_RETRY_MAX_BACKOFF": "1"})
            self.assertEqual(w.deliver(url, 2, "outage-1"), 202)
            db = os.path.join(data, "rustreview.db")
            self.assertTrue(wait_until(lambda: sqlite_states(db).get("outage-1") == "done", 60),
                            sqlite_states(db))
            c = sqlite3.connect(db)
            attempts = c.execute("SELECT attempts FROM jobs WHERE delivery_id = 'outage-1'"
                                 ).fetchone()[0]
            c.close()
            self.assertEqual(attempts, 8)
            w.assert_each_pr_has_its_comment_once(self, [2])
            h.log("e2e: (f) forge down for 8 calls in a row: reviewed on attempt %d" % (attempts + 1))
            bot.close()
        finally:
            w.close()

    def test_10_stalled_git_server(self):
        import socket as so
        w = World("reliab-stall")
        lsock = so.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(16)
        held, stop = [], threading.Event()

        def accept():
            lsock.settimeout(0.2)
            while not stop.is_set():
                try:
                    held.append(lsock.accept()[0])   # read nothing, answer nothing
                except OSError:
                    pass
        th = threading.Thread(target=accept, daemon=True)
        th.start()
        stall_url = "http://127.0.0.1:%d" % lsock.getsockname()[1]
        try:
            port = h.free_port()
            url = "http://127.0.0.1:%d" % port
            data = os.path.join(w.t, "data")
            bot = self.start_bot(w, "bot-stall", port, data,
                                 {"RUSTREVIEW_GITHUB_GIT_URL": stall_url,
                                  "RUSTREVIEW_GIT_TIMEOUT": "2",
                                  "RUSTREVIEW_SHUTDOWN_GRACE": "4"})
            body = w.payload(6).replace(w.git_url.encode(), stall_url.encode())
            headers = {"Content-Type": "application/json", "X-GitHub-Event": "pull_request",
                       "X-GitHub-Delivery": "stall-1", "User-Agent": "GitHub-Hookshot/e2e",
                       "X-Hub-Signature-256": h.github_signature(SECRET, body)}
            t0 = time.time()
            self.assertEqual(h.http("POST", url + "/webhooks/github", body, headers)[0], 202)
            db = os.path.join(data, "rustreview.db")

            def retried():
                c = sqlite3.connect(db, timeout=10)
                try:
                    return c.execute("SELECT attempts, last_error FROM jobs").fetchone()
                finally:
                    c.close()
            self.assertTrue(wait_until(lambda: (retried() or (0,))[0] >= 1, 20), retried())
            took = time.time() - t0
            attempts, last_error = retried()
            self.assertIn("no progress within RUSTREVIEW_GIT_TIMEOUT", last_error)
            self.assertGreaterEqual(took, 2)
            # The next run is stalled again: SIGTERM must still end the process
            # within the grace period (the listener stays open that long).
            time.sleep(1.5)
            t1 = time.time()
            bot.p.send_signal(signal.SIGTERM)
            rc = bot.p.wait(timeout=30)
            bot.log.close()
            self.assertEqual(rc, 0)
            self.assertLess(time.time() - t1, 4 + 2)
            self.assertNotEqual(retried()[0], None)
            h.log("e2e: (f) stalled git server: fetch failed after %.1f s and was retried; "
                  "SIGTERM exited in %.1f s" % (took, time.time() - t1))
        finally:
            stop.set()
            for c in held:
                c.close()
            lsock.close()
            w.close()


    def test_11_a_rate_limit_pauses_the_token_on_every_replica(self):
        """Two replicas on PostgreSQL: replica 0's review of PR 1 gets a 429
        with Retry-After: 8, then replica 0 stops (its own memory of the pause
        goes with it); replica 1, given PR 2, makes no call for the
        installation until the 8 s are over (the pause is in the database),
        then reviews both; each lands once."""
        import pgserver
        wait_s = 8
        w = World("reliab-pause-replicas")
        os.chmod(w.t, 0o755)
        pg = pgserver.PgServer(os.path.join(w.t, "pg")).start()
        bots = []
        try:
            ports = [h.free_port(), h.free_port()]
            for i, port in enumerate(ports):
                bots.append(self.start_bot(w, "replica-%d" % i, port,
                                           os.path.join(w.t, "data-%d" % i),
                                           {"RUSTREVIEW_DATABASE_URL": pg.url,
                                            "RUSTREVIEW_REPLICA_ID": "replica-%d" % i,
                                            "RUSTREVIEW_WORKERS": "1"}))
            path = "/repos/%s/%s/pulls/1/reviews" % (OWNER, REPO)
            st, _, _ = h.http("POST", w.api + "/_fake/inject", {
                "method": "POST", "path": path, "status": 429, "times": 1,
                "headers": {"Retry-After": str(wait_s)}, "body": {"message": "Too Many Requests"}})
            self.assertEqual(st, 200)

            def requests():
                return json.loads(h.http("GET", w.api + "/_fake/requests")[2])

            def states():
                out = subprocess.run(["psql", pg.url, "-Atc", "SELECT delivery_id, state FROM "
                                      "rustreview_jobs ORDER BY id"],
                                     capture_output=True, text=True).stdout.split()
                return [tuple(x.split("|")) for x in out]
            # Replica 1 is frozen meanwhile, so replica 0 runs PR 1 and gets the 429.
            bots[1].p.send_signal(signal.SIGSTOP)
            self.assertEqual(w.deliver("http://127.0.0.1:%d" % ports[0], 1, "pause-1"), 202)
            self.assertTrue(wait_until(lambda: states() == [("pause-1", "queued")] and
                                       any(r["status"] == 429 for r in requests()), 30, 0.05),
                            states())
            bots[0].close()                           # its in-memory pause ends here
            bots[1].p.send_signal(signal.SIGCONT)
            self.assertEqual(w.deliver("http://127.0.0.1:%d" % ports[1], 2, "pause-2"), 202)
            self.assertTrue(wait_until(lambda: [s for _, s in states()] == ["done", "done"], 60),
                            (states(), bots[1].output()[-3000:]))
            w.assert_each_pr_has_its_comment_once(self, [1, 2])
            reqs = requests()
            rl = [r for r in reqs if r["status"] == 429][0]
            early = [r for r in reqs if r["path"].startswith("/repos/") and
                     rl["t1"] <= r["t0"] < rl["t1"] + wait_s]
            self.assertEqual(early, [])
            first = min(r["t0"] for r in reqs if r["t0"] > rl["t1"] and
                        r["path"].startswith("/repos/"))
            self.assertGreaterEqual(first, rl["t1"] + wait_s)
            paused = [l for l in bots[1].output().splitlines()
                      if '"event":"job.paced"' in l and "rate-limited this token" in l]
            self.assertGreater(len(paused), 0, bots[1].output()[-3000:])
            h.log("e2e: (b) a 429 on replica 0 (Retry-After %d s) paused the installation on "
                  "replica 1: its first call for the installation came %.1f s after the 429, "
                  "%d runs waited"
                  % (wait_s, first - rl["t1"], len(paused)))
            bots[1].close()
            self.assertEqual(bots[1].p.returncode, 0)
        finally:
            for b in bots:
                b.close()
            pg.cleanup()
            w.close()

if __name__ == "__main__":
    unittest.main(verbosity=2)
