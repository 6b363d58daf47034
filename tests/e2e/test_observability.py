"""What an on-call reads (issue 12), from a real `rustreview serve` with real
git over smart HTTP and the fake GitHub API (App mode):

  Logs, one story per delivery. Every line of a delivery's life, from the
  webhook line through claim, fetch, review, publish, status and its end,
  carries the same ids with JSON types: delivery, forge, repository, number,
  head, job, attempt. A retried run says why and when it comes back; a job
  that fails says after how many attempts and why; a refused or ignored
  delivery says why (bad signature, ignored action, duplicate, a clone URL on
  another host and which). Start-up names each forge, its auth mode and URLs.

  Metrics. After that traffic, /metrics has exactly the sample lines it must:
  deliveries by forge, event and outcome; forge API calls by operation and
  status class (equal to what the fake GitHub recorded); the rate-limit
  remaining GitHub reported last; waits the forge asked for and waits for the
  pacing budget; job and git fetch durations as histograms; jobs by state and
  the age of the oldest queued job.
"""
import collections
import json
import os
import re
import sys
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import forgeworld  # noqa: E402

OWNER, REPO = "Codertocat", "Hello-World"
SECRET = "e2e-observability-secret-5b1e0c"
APP_ID = "4242"
INSTALLATION = 1
IDS = ("delivery", "forge", "repository", "number", "head", "job", "attempt")
# The life of a delivery that is reviewed and commented on, at the default log
# level, the first time this replica sees the repository and the installation.
FIRST_STORY = {"webhook", "job.claimed", "github.token.minted", "mirror.created", "job.fetched",
               "job.reviewed", "review.posted", "status.set", "job.done"}


def log_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


class World:
    """A repository with pull requests 2..7 (one head), git over smart HTTP,
    the fake GitHub API, and a rustreview server (extra: its environment)."""

    def __init__(self, tag, extra=None):
        self.tmp = h.TempDir(tag)
        t = self.tmp.path
        self.procs = []
        key, pub = h.make_rsa_key(t)
        self.git_root, self.bare, _, self.base, self.head = forgeworld.build(
            t, "%s/%s" % (OWNER, REPO), "refs/pull/2/head")
        for n in range(3, 8):
            h.git(t, "--git-dir", self.bare, "update-ref", "refs/pull/%d/head" % n, self.head)
        token_file = os.path.join(t, "tokens")
        open(token_file, "w").close()
        self.procs.append(h.Proc("githttp", [sys.executable, os.path.join(h.HERE, "githttp.py"),
                                             "--root", self.git_root, "--port-file",
                                             os.path.join(t, "git.port"), "--token-file",
                                             token_file], t))
        self.procs.append(h.Proc("fakegithub", [sys.executable,
                                                os.path.join(h.HERE, "fakegithub.py"),
                                                "--port-file", os.path.join(t, "api.port"),
                                                "--app-id", APP_ID, "--public-key", pub,
                                                "--token-file", token_file,
                                                "--max-per-page", "4"], t))
        self.git_url = "http://127.0.0.1:%s" % h.wait_for_file(os.path.join(t, "git.port"))
        self.api = "http://127.0.0.1:%s" % h.wait_for_file(os.path.join(t, "api.port"))
        for n in range(2, 8):
            status, _, body = h.http("POST", self.api + "/_fake/pulls", {
                "owner": OWNER, "repo": REPO, "number": n, "git_dir": self.bare,
                "base_sha": self.base, "head_sha": self.head})
            assert status in (200, 201), body
        self.data_dir = os.path.join(t, "data")
        self.db = os.path.join(self.data_dir, "rustreview.db")
        port = h.free_port()
        self.url = "http://127.0.0.1:%d" % port
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "RUSTREVIEW_LISTEN": "127.0.0.1:%d" % port,
               "RUSTREVIEW_DATA_DIR": self.data_dir,
               "RUSTREVIEW_WORKERS": "1",
               "RUSTREVIEW_GITHUB_APP_ID": APP_ID,
               "RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE": key,
               "RUSTREVIEW_GITHUB_WEBHOOK_SECRET": SECRET,
               "RUSTREVIEW_GITHUB_API_URL": self.api,
               "RUSTREVIEW_GITHUB_GIT_URL": self.git_url}
        env.update(extra or {})
        self.server = h.Proc("rustreview", [h.BINARY, "serve"], t, env=env)
        self.procs.append(self.server)
        h.wait_http_ok(self.url + "/healthz")

    def close(self):
        for p in reversed(self.procs):
            p.close()
        if os.environ.get("RR_KEEP_TMP"):
            h.log("kept %s" % self.tmp.path)
        else:
            self.tmp.cleanup()

    def payload(self, number, action="opened", clone_url=None):
        with open(os.path.join(h.FIXTURES, "github", "pull_request.%s.json" % action)) as f:
            p = json.load(f)
        p["number"] = p["pull_request"]["number"] = number
        p["pull_request"]["draft"] = False
        p["pull_request"]["head"]["sha"] = self.head
        p["pull_request"]["head"]["ref"] = "changes"
        p["pull_request"]["base"]["sha"] = self.base
        p["pull_request"]["base"]["ref"] = "master"
        p["repository"]["clone_url"] = clone_url or "%s/%s/%s.git" % (self.git_url, OWNER, REPO)
        p["repository"]["url"] = "%s/repos/%s/%s" % (self.api, OWNER, REPO)
        p["installation"]["id"] = INSTALLATION
        return json.dumps(p).encode()

    def deliver(self, body, delivery=None, signature=None, event="pull_request"):
        delivery = delivery or str(uuid.uuid4())
        headers = {"Content-Type": "application/json", "X-GitHub-Event": event,
                   "X-GitHub-Delivery": delivery,
                   "X-Hub-Signature-256": signature or h.github_signature(SECRET, body)}
        status, _, resp = h.http("POST", self.url + "/webhooks/github", body, headers)
        return status, json.loads(resp or b"{}"), delivery

    def inject(self, method, path, status, body, headers=None):
        st, _, resp = h.http("POST", self.api + "/_fake/inject", {
            "method": method, "path": path, "status": status, "body": body,
            "headers": headers or {}, "times": 1})
        assert st == 200, resp

    def wait_settled(self, job, states=("done", "failed"), timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            rows = {r[0]: r[2] for r in h.job_rows(self.db)}
            if rows.get(job) in states:
                return rows[job]
            time.sleep(0.05)
        raise AssertionError("job %d did not settle: %s\n%s" % (
            job, h.job_rows(self.db), self.server.output()[-3000:]))

    def story(self, delivery, until=None, timeout=10):
        """Every log line of the delivery; waits until one has event `until`."""
        deadline = time.time() + timeout
        while True:
            lines = [l for l in log_lines(self.server.output()) if l.get("delivery") == delivery]
            if until is None or any(l["event"] == until for l in lines) or time.time() > deadline:
                return lines
            time.sleep(0.05)

    def metrics(self):
        status, _, body = h.http("GET", self.url + "/metrics")
        assert status == 200
        return body.decode()


def family(text, name):
    """The sample lines of one family (histograms: its _bucket/_sum/_count)."""
    return sorted(l for l in text.splitlines()
                  if re.match(r"%s(_bucket|_sum|_count)?[{ ]" % re.escape(name), l))


class Story(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = World("story")

    @classmethod
    def tearDownClass(cls):
        cls.w.close()

    def assert_ids(self, lines, delivery, number, job, retried_at=None):
        """The ids on every line; attempt 2 after the line retried_at (an index)."""
        for i, line in enumerate(lines):
            want = {"delivery": delivery, "forge": "github", "repository": "%s/%s" % (OWNER, REPO),
                    "number": number, "head": self.w.head, "job": job,
                    "attempt": 2 if retried_at is not None and i > retried_at else 1}
            self.assertEqual({k: line.get(k, "(absent)") for k in IDS}, want, line)
            for k in ("number", "job", "attempt"):      # numbers, not strings (nor booleans)
                self.assertIs(type(line[k]), int, (k, line))

    def test_01_start_up_names_each_forge_its_auth_and_urls(self):
        lines = log_lines(self.w.server.output())
        forges = [l for l in lines if l["event"] == "startup.forge"]
        self.assertEqual(len(forges), 1)
        f = forges[0]
        self.assertEqual((f["level"], f["forge"], f["auth"], f["api_url"], f["git_url"],
                          f["webhook_path"]),
                         ("info", "github", "app", self.w.api, self.w.git_url, "/webhooks/github"))

    def test_02_one_delivery_one_story(self):
        status, resp, delivery = self.w.deliver(self.w.payload(2))
        self.assertEqual((status, resp["status"]), (202, "queued"), resp)
        job = resp["job"]
        self.assertEqual(self.w.wait_settled(job), "done")
        lines = self.w.story(delivery, until="job.done")
        self.assertEqual({l["event"] for l in lines}, FIRST_STORY)
        self.assertEqual(len(lines), len(FIRST_STORY))        # each once
        self.assert_ids(lines, delivery, 2, job)
        by_event = {l["event"]: l for l in lines}
        hook = by_event["webhook"]
        self.assertEqual((hook["status"], hook["outcome"], hook["reason"], hook["webhook_event"],
                          hook["action"]), (202, "queued", None, "pull_request", "opened"))
        posted = by_event["review.posted"]["posted"]
        self.assertIs(type(posted), int)
        self.assertGreater(posted, 0)
        done = by_event["job.done"]
        self.assertEqual((done["level"], done["posted"], done["review_created"]),
                         ("info", posted, True))
        self.assertIs(type(by_event["job.fetched"]["ms"]), int)
        self.assertIs(by_event["job.fetched"]["skipped"], False)     # a cold mirror fetches
        self.assertIs(by_event["status.set"]["failing"], True)
        type(self).first = (delivery, job)
        story = os.path.join(self.w.tmp.path, "story.jsonl")
        with open(story, "w") as f:
            f.writelines(json.dumps(l) + "\n" for l in lines)
        h.log("e2e: one delivery's story: %d lines (%s)" % (
            len(lines), ", ".join(l["event"] for l in lines)))

    def refusal(self, delivery, outcome):
        lines = self.w.story(delivery, until="webhook")
        hooks = [l for l in lines if l["event"] == "webhook" and l["outcome"] == outcome]
        self.assertEqual(len(hooks), 1, lines)
        self.assertEqual(hooks[0]["level"], "info")
        return hooks[0], lines

    def test_03_refused_and_ignored_deliveries_say_why(self):
        body = self.w.payload(3)
        status, _, bad = self.w.deliver(body, signature="sha256=" + "0" * 64)
        self.assertEqual(status, 401)
        hook, _ = self.refusal(bad, "unauthorized")
        self.assertEqual((hook["status"], hook["reason"], hook["repository"], hook["job"]),
                         (401, "github webhook: X-Hub-Signature-256 does not match the body",
                          None, None))

        status, _, closed = self.w.deliver(self.w.payload(3, action="closed"))
        self.assertEqual(status, 200)
        hook, _ = self.refusal(closed, "ignored")
        self.assertEqual(hook["reason"], "pull_request action 'closed' needs no review")

        delivery, job = self.first
        status, resp, _ = self.w.deliver(self.w.payload(2), delivery=delivery)
        self.assertEqual((status, resp["status"]), (200, "duplicate"))
        dup = [l for l in self.w.story(delivery) if l.get("outcome") == "duplicate"]
        self.assertEqual(len(dup), 1)
        self.assertEqual((dup[0]["job"], dup[0]["number"], dup[0]["attempt"]), (job, 2, None))

        elsewhere = "http://127.0.0.1:9/%s/%s.git" % (OWNER, REPO)
        status, resp, foreign = self.w.deliver(self.w.payload(3, clone_url=elsewhere))
        self.assertEqual(status, 400, resp)
        hook, lines = self.refusal(foreign, "refused")
        self.assertEqual(hook["reason"],
                         "github payload: field 'repository.clone_url' is not on the configured "
                         "git host (RUSTREVIEW_GITHUB_GIT_URL): it names http://127.0.0.1:9")
        refused = [l for l in lines if l["event"] == "github.clone_url.refused"]
        self.assertEqual(len(refused), 1, lines)
        self.assertEqual({k: refused[0][k] for k in ("level", "forge", "repository", "url",
                                                     "url_origin", "allowed", "reason")},
                         {"level": "warn", "forge": "github", "repository": "%s/%s" % (OWNER, REPO),
                          "url": elsewhere, "url_origin": "http://127.0.0.1:9",
                          "allowed": self.w.git_url, "reason": "not the configured git host"})
        type(self).refused = (bad, closed, foreign)

    def test_04_a_rate_limited_run_is_retried_when_the_forge_says(self):
        path = "/repos/%s/%s/pulls/4/reviews" % (OWNER, REPO)
        self.w.inject("POST", path, 429, {"message": "Too Many Requests"}, {"Retry-After": "1"})
        status, resp, delivery = self.w.deliver(self.w.payload(4))
        self.assertEqual(status, 202, resp)
        job = resp["job"]
        self.assertEqual(self.w.wait_settled(job), "done")
        lines = self.w.story(delivery, until="job.done")
        retried_at = [l["event"] for l in lines].index("job.retry")
        self.assert_ids(lines, delivery, 4, job, retried_at)
        events = [(l["attempt"], l["event"]) for l in lines if l["event"] != "webhook"]
        self.assertEqual(events, [
            (1, "job.claimed"), (1, "job.fetched"), (1, "job.reviewed"), (1, "review.failed"),
            (1, "job.retry"),
            (2, "job.claimed"), (2, "job.fetched"), (2, "job.reviewed"), (2, "review.posted"),
            (2, "status.set"), (2, "job.done")])
        # PR 4's head is PR 2's, already in the mirror with its base: no fetch, either run
        self.assertEqual([(l["skipped"], l["refspecs"]) for l in lines
                          if l["event"] == "job.fetched"], [(True, 0), (True, 0)])
        retry = [l for l in lines if l["event"] == "job.retry"][0]
        # The queue counts whole seconds: the forge's 1 s becomes 2, so the
        # next run never starts before the wait GitHub announced is over.
        self.assertEqual((retry["level"], retry["forge_wait_s"], retry["retry_in_s"]),
                         ("warn", 1, 2))
        self.assertIn("HTTP 429: rate limited: Too Many Requests", retry["error"])

    def test_05_a_job_that_fails_says_after_how_many_attempts_and_why(self):
        path = "/repos/%s/%s/pulls/5/reviews" % (OWNER, REPO)
        self.w.inject("POST", path, 422, {"message": "Unprocessable Entity",
                                          "errors": ["Pull request review thread line must be "
                                                     "part of the diff"]})
        status, resp, delivery = self.w.deliver(self.w.payload(5))
        self.assertEqual(status, 202, resp)
        job = resp["job"]
        self.assertEqual(self.w.wait_settled(job), "failed")
        lines = self.w.story(delivery, until="job.failed")
        self.assert_ids(lines, delivery, 5, job)
        self.assertEqual([l["event"] for l in lines if l["event"] != "webhook"],
                         ["job.claimed", "job.fetched", "job.reviewed", "review.failed",
                          "job.failed"])
        failed = lines[-1] if lines[-1]["event"] == "job.failed" else \
            [l for l in lines if l["event"] == "job.failed"][0]
        self.assertEqual((failed["level"], failed["attempts"], failed["gave_up"]),
                         ("error", 1, False))
        self.assertTrue(failed["message"].startswith(
            "failed on attempt 1 and not retried (the error is not transient): github: "
            "Codertocat/Hello-World#5: posting the review: POST "), failed["message"])
        self.assertTrue(failed["message"].endswith(
            ": HTTP 422: Unprocessable Entity (Pull request review thread line must be part of "
            "the diff)"), failed["message"])

    def test_06_metrics_after_that_traffic(self):
        text = self.w.metrics()
        bad, closed, foreign = self.refused
        # deliveries: 02, 04, 05 queued; 03's four refusals and the duplicate
        self.assertEqual(family(text, "rustreview_deliveries_total"), sorted([
            'rustreview_deliveries_total{forge="github",event="pull_request",outcome="queued"} 3',
            'rustreview_deliveries_total{forge="github",event="unknown",outcome="unauthorized"} 1',
            'rustreview_deliveries_total{forge="github",event="pull_request",outcome="ignored"} 1',
            'rustreview_deliveries_total{forge="github",event="pull_request",outcome="duplicate"} 1',
            'rustreview_deliveries_total{forge="github",event="pull_request",outcome="refused"} 1',
        ]))
        # API calls: exactly what the fake GitHub answered, by operation and class
        reqs = json.loads(h.http("GET", self.w.api + "/_fake/requests")[2])
        ops = collections.Counter()
        for r in reqs:
            p = r["path"]
            op = ("create_token" if p.endswith("/access_tokens") else
                  "list_comments" if p.endswith("/comments") else
                  "list_reviews" if p.endswith("/reviews") and r["method"] == "GET" else
                  "post_review" if p.endswith("/reviews") else
                  "set_status" if "/statuses/" in p else "unexpected " + p)
            ops[(op, "%dxx" % (r["status"] // 100))] += 1
        self.assertIn(("post_review", "4xx"), ops)
        self.assertEqual(family(text, "rustreview_forge_api_calls_total"), sorted(
            'rustreview_forge_api_calls_total{forge="github",operation="%s",code_class="%s"} %d'
            % (op, cls, n) for (op, cls), n in ops.items()))
        # the rate limit GitHub reported on its last answer (injected answers carry none)
        counted = sum(1 for r in reqs if r["path"].startswith("/repos/") and r["status"] not in
                      (429, 422))
        self.assertEqual(family(text, "rustreview_forge_rate_limit_remaining"),
                         ['rustreview_forge_rate_limit_remaining{forge="github"} %d'
                          % (5000 - counted)])
        # the forge asked for one wait of 1 s (the 429); nothing waited for pacing
        self.assertIn('rustreview_rate_limit_wait_seconds_bucket{forge="github",cause="forge",'
                      'le="1"} 1', text)
        self.assertIn('rustreview_rate_limit_wait_seconds_sum{forge="github",cause="forge"} 1\n',
                      text)
        self.assertIn('rustreview_rate_limit_wait_seconds_count{forge="github",cause="forge"} 1\n',
                      text)
        self.assertNotIn('cause="pacing"', text)
        # one run per outcome of each job: 02 and 04's second done, 04's first retried, 05 failed
        counts = [l for l in family(text, "rustreview_job_duration_seconds") if "_count" in l]
        self.assertEqual(counts, sorted([
            'rustreview_job_duration_seconds_count{forge="github",outcome="done"} 2',
            'rustreview_job_duration_seconds_count{forge="github",outcome="retried"} 1',
            'rustreview_job_duration_seconds_count{forge="github",outcome="failed"} 1']))
        self.assertIn('rustreview_job_duration_seconds_bucket{forge="github",outcome="done",'
                      'le="+Inf"} 2\n', text)
        # one fetch: every later run found its head and base in the mirror (job.fetched skipped)
        self.assertIn('rustreview_git_fetch_duration_seconds_count{forge="github"} 1\n', text)
        self.assertIn('rustreview_git_fetch_duration_seconds_bucket{forge="github",le="+Inf"} 1\n',
                      text)
        # the queue: nothing waits
        for line in ('rustreview_jobs{state="queued"} 0', 'rustreview_jobs{state="running"} 0',
                     'rustreview_jobs{state="done"} 2', 'rustreview_jobs{state="failed"} 1',
                     'rustreview_queue_depth 0', 'rustreview_queue_oldest_age_seconds 0',
                     'rustreview_queue_oldest_claimable_seconds 0'):
            self.assertIn("\n" + line + "\n", text)
        self.assertRegex(text, r'(?m)^rustreview_build_info\{version="[^"]+",commit="[^"]+"\} 1$')


class Paced(unittest.TestCase):
    """A token whose pacing budget is spent: the next review waits in the queue
    (said in its story and in /metrics), and the queue shows how old it is."""

    @classmethod
    def setUpClass(cls):
        cls.w = World("paced", {"RUSTREVIEW_PACE_PER_MINUTE": "2"})

    @classmethod
    def tearDownClass(cls):
        cls.w.close()

    def test_a_paced_review_waits_in_the_queue(self):
        status, resp, _ = self.w.deliver(self.w.payload(6))
        self.assertEqual(status, 202, resp)
        self.assertEqual(self.w.wait_settled(resp["job"]), "done")    # a review and a status
        status, resp, delivery = self.w.deliver(self.w.payload(7))
        self.assertEqual(status, 202, resp)
        lines = self.w.story(delivery, until="job.paced")
        self.assertEqual([l["event"] for l in lines if l["event"] != "webhook"],
                         ["job.claimed", "job.fetched", "job.reviewed", "job.paced"])
        paced = lines[-1] if lines[-1]["event"] == "job.paced" else \
            [l for l in lines if l["event"] == "job.paced"][0]
        self.assertEqual((paced["job"], paced["attempt"], paced["number"]), (resp["job"], 1, 7))
        self.assertTrue(1 <= paced["retry_in_s"] <= 60, paced)
        self.assertRegex(paced["reason"], r"^paced: 2 content-creating calls for github:%s would "
                         r"pass the forge's secondary limits; waiting \d+ s$" % OWNER)
        time.sleep(1.2)        # the queued job is at least a second old
        text = self.w.metrics()
        self.assertIn('rustreview_rate_limit_wait_seconds_count{forge="github",cause="pacing"} 1\n',
                      text)
        self.assertIn('rustreview_rate_limit_wait_seconds_sum{forge="github",cause="pacing"} %d\n'
                      % paced["retry_in_s"], text)
        self.assertIn('rustreview_job_duration_seconds_count{forge="github",outcome="paced"} 1\n',
                      text)
        for line in ('rustreview_jobs{state="queued"} 1', 'rustreview_jobs{state="done"} 1',
                     'rustreview_queue_depth 1',
                     'rustreview_queue_oldest_claimable_seconds 0'):     # not due yet
            self.assertIn("\n" + line + "\n", text)
        age = int(re.search(r"(?m)^rustreview_queue_oldest_age_seconds (\d+)$", text).group(1))
        self.assertTrue(1 <= age <= 30, age)


if __name__ == "__main__":
    unittest.main(verbosity=2)
