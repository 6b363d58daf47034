"""`rustreview jobs requeue ID` and `rustreview jobs requeue --failed` against a
real database (issue 10: "a failed job comes back"), on SQLite and on a real
PostgreSQL server started here: exact output and exit codes.

Jobs fail for real: the fake GitHub answers the listing of two pull requests'
comments with 404 once (a pull request the App could not see), which is
permanent, so the jobs end `failed`. The CLI lists them, requeues one by id and
the rest with --failed; the running server then reviews both, each exactly
once. Usage errors, an id that is not failed and a missing database are exit
code 2 with their message on stderr and nothing on stdout.
"""
import os
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import pgserver  # noqa: E402
from test_reliability_e2e import OWNER, REPO, World, fixture_exists, wait_until  # noqa: E402

HEADER = "%-6s %-10s %-3s %-8s %-32s %-12s %-20s %s" % (
    "ID", "STATE", "TRY", "FORGE", "PULL REQUEST", "HEAD", "UPDATED", "LAST ERROR")
COLUMNS = "id, state, attempts, forge, owner, repo, number, head_sha, updated_at, last_error"


def usage():
    return ("usage: rustreview jobs [--state STATE]\n"
            "       rustreview jobs requeue ID | --failed\n"
            "\n"
            "Lists the newest jobs of the queue (RUSTREVIEW_DATABASE_URL / RUSTREVIEW_DATA_DIR).\n"
            "  --state STATE   only jobs in STATE: queued, running, done, failed, superseded\n"
            "  requeue ID      queue the failed job ID again (attempts start over)\n"
            "  requeue --failed  queue every failed job again\n")


def job_line(row):
    """A job as `rustreview jobs` prints it (cli.c print_job)."""
    jid, state, attempts, forge, owner, repo, number, head, updated, last_error = row
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(updated)))
    return "%-6d %-10s %-3d %-8s %-32s %-12.12s %-20s %s" % (
        int(jid), state, int(attempts), forge, "%s/%s#%d" % (owner, repo, int(number)), head,
        when, last_error or "")


class SqliteDb:
    def __init__(self, path):
        self.path = path

    def rows(self, where):
        c = sqlite3.connect(self.path, timeout=10)
        try:
            return c.execute("SELECT %s FROM jobs WHERE %s ORDER BY id DESC" % (COLUMNS, where)
                             ).fetchall()
        finally:
            c.close()


class PgDb:
    def __init__(self, url):
        self.url = url

    def rows(self, where):
        out = subprocess.run(["psql", self.url, "-AtF", "\t", "-c",
                              "SELECT %s FROM rustreview_jobs WHERE %s ORDER BY id DESC"
                              % (COLUMNS, where)], capture_output=True, text=True, check=True)
        return [tuple(line.split("\t")) for line in out.stdout.splitlines()]


class JobsRequeue(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not fixture_exists():
            raise unittest.SkipTest("no pull_request_opened fixture")

    def cli(self, env, *args):
        p = subprocess.run([h.BINARY, "jobs", *args], env=env, capture_output=True, text=True,
                           timeout=30)
        return p.returncode, p.stdout, p.stderr

    def state_of(self, db, delivery):
        rows = db.rows("delivery_id = '%s'" % delivery)
        return rows[0][1] if rows else None

    def exercise(self, w, env, db, tag):
        port = int(env["RUSTREVIEW_LISTEN"].rsplit(":", 1)[1])
        url = "http://127.0.0.1:%d" % port
        bot = h.Proc("bot-" + tag, [h.BINARY, "serve"], w.t, env=env)
        try:
            h.wait_http_ok(url + "/healthz")
            for n in (3, 4):
                st, _, _ = h.http("POST", w.api + "/_fake/inject", {
                    "method": "GET", "path": "/repos/%s/%s/pulls/%d/comments" % (OWNER, REPO, n),
                    "status": 404, "times": 1,
                    "body": {"message": "Not Found",
                             "documentation_url": "https://docs.github.com/rest"}})
                self.assertEqual(st, 200)
            for n in (3, 4, 5):
                self.assertEqual(w.deliver(url, n, "%s-%d" % (tag, n)), 202)
            want = {"%s-3" % tag: "failed", "%s-4" % tag: "failed", "%s-5" % tag: "done"}
            self.assertTrue(wait_until(lambda: all(self.state_of(db, d) == s
                                                   for d, s in want.items()), 60),
                            {d: self.state_of(db, d) for d in want})

            # The failed jobs, newest first, exactly as the database holds them.
            failed = db.rows("state = 'failed'")
            self.assertEqual(len(failed), 2)
            for row in failed:
                self.assertIn("HTTP 404", row[9])
            rc, out, err = self.cli(env, "--state", "failed")
            self.assertEqual((rc, err), (0, ""))
            self.assertEqual(out, "\n".join([HEADER] + [job_line(r) for r in failed]) + "\n")

            first, second = int(failed[1][0]), int(failed[0][0])   # PR 3's job, PR 4's job
            self.assertEqual(self.cli(env, "requeue", str(first)), (0, "requeued 1 job\n", ""))
            # Queued again (or already reviewed by the running server): not failed.
            self.assertEqual(self.cli(env, "requeue", str(first)),
                             (2, "", "rustreview jobs: job %d is not failed\n" % first))
            self.assertEqual(self.cli(env, "requeue", "999999"),
                             (2, "", "rustreview jobs: job 999999 is not failed\n"))
            self.assertEqual(self.cli(env, "requeue", "--failed"), (0, "requeued 1 job\n", ""))
            self.assertEqual(self.cli(env, "requeue", "--failed"), (0, "requeued 0 jobs\n", ""))
            # Usage errors: exit 2, the reason and the usage on stderr, nothing done.
            for args, reason in ((("requeue",), "requeue takes a job id or --failed"),
                                 (("requeue", "1", "2"), "requeue takes a job id or --failed"),
                                 (("requeue", "abc"), "not a job id: 'abc'"),
                                 (("requeue", "-3"), "not a job id: '-3'"),
                                 (("requeue", "7x"), "not a job id: '7x'")):
                self.assertEqual(self.cli(env, *args),
                                 (2, "", "rustreview jobs: %s\n\n%s" % (reason, usage())), args)
            self.assertEqual(self.cli(env, "requeue", "--help"), (0, usage(), ""))

            # The server takes the requeued jobs: both reviewed, attempts started over.
            self.assertTrue(wait_until(lambda: all(self.state_of(db, d) == "done" for d in want),
                                       60), {d: self.state_of(db, d) for d in want})
            for d in want:
                self.assertEqual(int(db.rows("delivery_id = '%s'" % d)[0][2]), 0, d)
            w.assert_each_pr_has_its_comment_once(self, [3, 4, 5])
            rc, out, err = self.cli(env, "--state", "failed")
            self.assertEqual((rc, out, err), (0, HEADER + "\n", ""))
            bot.close()
            self.assertEqual(bot.p.returncode, 0)
            return first, second
        finally:
            bot.close()

    def test_01_sqlite(self):
        w = World("jobs-cli")
        try:
            data = os.path.join(w.t, "data")
            env = w.env(h.free_port(), data)
            db_path = os.path.join(data, "rustreview.db")
            # Before the first start there is no database: said, not created.
            for args in (("requeue", "--failed"), ("requeue", "1")):
                self.assertEqual(self.cli(env, *args),
                                 (2, "", "rustreview jobs: no database at %s yet\n" % db_path))
            self.assertFalse(os.path.exists(db_path))
            first, second = self.exercise(w, env, SqliteDb(db_path), "sq")
            h.log("e2e: jobs requeue on SQLite: jobs %d (by id) and %d (--failed) failed with "
                  "404, requeued and reviewed once each" % (first, second))
        finally:
            w.close()

    def test_02_postgresql(self):
        w = World("jobs-cli-pg")
        os.chmod(w.t, 0o755)
        pg = pgserver.PgServer(os.path.join(w.t, "pg")).start()
        try:
            env = w.env(h.free_port(), os.path.join(w.t, "data"),
                        {"RUSTREVIEW_DATABASE_URL": pg.url, "RUSTREVIEW_REPLICA_ID": "cli"})
            first, second = self.exercise(w, env, PgDb(pg.url), "pg")
            h.log("e2e: jobs requeue on PostgreSQL: jobs %d (by id) and %d (--failed) failed "
                  "with 404, requeued and reviewed once each" % (first, second))
        finally:
            pg.cleanup()
            w.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
