"""End to end, hostile input and secrets (issue 5). Standard library only.

World 1 (Hostile): githttp.py (token-protected smart HTTP), fakegithub.py over
plain HTTP, `rustreview serve` in GitHub App mode with RUSTREVIEW_GITHUB_GIT_URL
pointing at the git server and a 3 s connection timeout. A canary TCP server
records every connection made to it: the SSRF targets point there.
  01 signed payloads whose clone URL or API URL leave the forge get 400, are not
     queued, and the canary sees no connection
  02 a job already in the queue with a foreign clone URL (an older version, a
     tampered database) fails permanently without a fetch or a token
  03 500 idle TCP connections are held open; a valid signed delivery is still
     answered 202 and reviewed; after the timeout the idle ones are closed
  04 after the review: no token, webhook secret or private-key line anywhere in
     the data dir, the mirrors' config or the server's log output
World 2 (TLS): fakegithub.py over HTTPS with a throwaway CA made by openssl.
  05 without RUSTREVIEW_GITHUB_CA_BUNDLE the job fails and the log names the TLS
     verification failure; nothing reaches the fake API
  06 with the bundle configured the same delivery is reviewed
Every rustreview process must exit cleanly; under SANITIZE=1 its output must
carry no AddressSanitizer, LeakSanitizer or UBSan report.
"""
import json
import os
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import unittest
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

OWNER, REPO, NUMBER = "octo", "hello", 3
SECRET = "security-e2e-webhook-secret-91c2"
APP_ID = "777"
INSTALLATION = 9
IDLE_CONNECTIONS = 500
SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer")

BASE_LIB = "//! Lib.\n\npub fn one() -> u32 {\n    1\n}\n"
HEAD_LIB = BASE_LIB + "\npub fn parse(s: &str) -> u32 {\n    s.parse().unwrap()\n}\n"


class Canary:
    """A TCP listener on 127.0.0.1 that counts connections (and answers nothing)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self.stopping = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self.hits += 1
            c.close()

    def close(self):
        self.stopping = True
        self.t.join(2)
        self.sock.close()


def build_repository(t):
    root = os.path.join(t, "git")
    bare = os.path.join(root, OWNER, REPO + ".git")
    os.makedirs(bare)
    h.git(bare, "init", "-q", "--bare", "-b", "main")
    w = os.path.join(t, "work")
    os.makedirs(w)
    h.git(w, "init", "-q", "-b", "main")
    h.write(os.path.join(w, "src/lib.rs"), BASE_LIB)
    h.git(w, "add", "-A")
    h.git(w, "commit", "-q", "-m", "base")
    base = h.git(w, "rev-parse", "HEAD")
    h.write(os.path.join(w, "src/lib.rs"), HEAD_LIB)
    h.git(w, "commit", "-q", "-am", "head")
    head = h.git(w, "rev-parse", "HEAD")
    h.git(w, "push", "-q", bare, "main", "%s:refs/pull/%d/head" % (head, NUMBER))
    h.git(w, "push", "-q", "-f", bare, "%s:refs/heads/main" % base)
    return root, bare, base, head


class World:
    """githttp + fakegithub (+TLS) + rustreview processes in one temp dir."""

    def __init__(self, tag, tls=False):
        self.tmp = h.TempDir(tag)
        self.t = self.tmp.path
        self.procs = []
        self.servers = []
        self.key, self.pub = h.make_rsa_key(self.t)
        self.git_root, self.bare, self.base, self.head = build_repository(self.t)
        self.token_file = os.path.join(self.t, "tokens")
        open(self.token_file, "w").close()
        self.ctx = None
        self.ca = None
        if tls:
            self.make_ca()
        self.start_git_and_api(tls)

    def make_ca(self):
        t = self.t
        self.ca = os.path.join(t, "ca.pem")

        def run(*argv):
            subprocess.run(argv, check=True, cwd=t, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key",
            "-out", "ca.pem", "-days", "2", "-subj", "/CN=rustreview e2e CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key",
            "-out", "server.csr", "-subj", "/CN=localhost")
        with open(os.path.join(t, "server.ext"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                    "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
        run("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext")
        os.remove(os.path.join(t, "ca.key"))      # nobody signs anything else with it
        self.ctx = ssl.create_default_context(cafile=self.ca)

    def start_git_and_api(self, tls):
        t = self.t
        git_port = os.path.join(t, "git.port")
        tls_args = ["--tls-cert", os.path.join(t, "server.pem"),
                    "--tls-key", os.path.join(t, "server.key")] if tls else []
        # With TLS, git is served over HTTPS too: the CA bundle must reach libgit2 as well.
        self.procs.append(h.Proc("githttp", [sys.executable, os.path.join(h.HERE, "githttp.py"),
                                             "--root", self.git_root, "--port-file", git_port,
                                             "--token-file", self.token_file] + tls_args, t))
        api_port = os.path.join(t, "api.port")
        argv = [sys.executable, os.path.join(h.HERE, "fakegithub.py"), "--port-file", api_port,
                "--app-id", APP_ID, "--public-key", self.pub, "--token-file", self.token_file]
        argv += tls_args
        self.procs.append(h.Proc("fakegithub", argv, t))
        # libgit2 1.5 does not match an IP address against the certificate's IP
        # SAN ("CN does not match"), so HTTPS git goes to the name localhost.
        self.git_url = ("https://localhost:%s" if tls else "http://127.0.0.1:%s") % h.wait_for_file(git_port)
        self.api = "%s://127.0.0.1:%s" % ("https" if tls else "http", h.wait_for_file(api_port))
        self.api_call("POST", "/_fake/pulls", {"owner": OWNER, "repo": REPO, "number": NUMBER,
                                                "git_dir": self.bare, "base_sha": self.base,
                                                "head_sha": self.head})

    def api_call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.api + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10, context=self.ctx) as r:
            return json.loads(r.read() or b"null")

    def start_bot(self, name, extra=None):
        port = h.free_port()
        data_dir = os.path.join(self.t, "data-" + name)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "RUSTREVIEW_LISTEN": "127.0.0.1:%d" % port,
               "RUSTREVIEW_DATA_DIR": data_dir,
               "RUSTREVIEW_WORKERS": "2",
               "RUSTREVIEW_LOG_LEVEL": "debug",
               "RUSTREVIEW_GITHUB_APP_ID": APP_ID,
               "RUSTREVIEW_GITHUB_PRIVATE_KEY_FILE": self.key,
               "RUSTREVIEW_GITHUB_WEBHOOK_SECRET": SECRET,
               "RUSTREVIEW_GITHUB_API_URL": self.api,
               "RUSTREVIEW_GITHUB_GIT_URL": self.git_url}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        env.update(extra or {})
        proc = h.Proc("rustreview-" + name, [h.BINARY, "serve"], self.t, env=env)
        self.servers.append(proc)
        url = "http://127.0.0.1:%d" % port
        h.wait_http_ok(url + "/healthz")
        return proc, url, data_dir

    def payload(self, clone_url=None, api_url=None):
        with open(os.path.join(h.FIXTURES, "github", "pull_request.opened.json")) as f:
            p = json.load(f)
        p["number"] = NUMBER
        p["pull_request"].update({"number": NUMBER, "draft": False})
        p["pull_request"]["head"].update({"sha": self.head, "ref": "feature"})
        p["pull_request"]["base"].update({"sha": self.base, "ref": "main"})
        p["repository"]["name"] = REPO
        p["repository"]["owner"]["login"] = OWNER
        p["repository"]["clone_url"] = clone_url or "%s/%s/%s.git" % (self.git_url, OWNER, REPO)
        p["repository"]["url"] = api_url or "%s/repos/%s/%s" % (self.api, OWNER, REPO)
        p["installation"]["id"] = INSTALLATION
        return json.dumps(p).encode()

    @staticmethod
    def deliver(url, body, timeout=10):
        headers = {"Content-Type": "application/json", "X-GitHub-Event": "pull_request",
                   "X-GitHub-Delivery": str(uuid.uuid4()), "User-Agent": "GitHub-Hookshot/e2e",
                   "X-Hub-Signature-256": h.github_signature(SECRET, body)}
        status, _, resp = h.http("POST", url + "/webhooks/github", body, headers, timeout=timeout)
        return status, json.loads(resp or b"{}")

    def close(self):
        """Stops everything; returns the bots' (name, exit status, output)."""
        results = []
        for p in self.servers:
            p.close()
            results.append((p.name, p.p.returncode, p.output()))
        for p in reversed(self.procs):
            p.close()
        if os.environ.get("RR_KEEP_TMP"):
            h.log("kept %s" % self.t)
        else:
            self.tmp.cleanup()
        return results


def wait_settled(db, timeout=90):
    deadline = time.time() + timeout
    rows = []
    while time.time() < deadline:
        rows = h.job_rows(db)
        if rows and all(r[2] in ("done", "failed", "superseded") for r in rows):
            return rows
        time.sleep(0.05)
    raise AssertionError("jobs did not settle: %s" % rows)


def last_error(db, job_id):
    con = sqlite3.connect(db, timeout=5)
    try:
        return con.execute("SELECT last_error FROM jobs WHERE id = ?", (job_id,)).fetchone()[0]
    finally:
        con.close()


def check_clean_exits(results):
    """Every bot exited 0 on SIGTERM, and (under SANITIZE=1) without a report."""
    for name, rc, out in results:
        for mark in SANITIZER_MARKS:
            if mark in out:
                raise AssertionError("%s reported a sanitizer error:\n%s" % (name, out[-6000:]))
        if rc != 0:
            raise AssertionError("%s exited with %s:\n%s" % (name, rc, out[-4000:]))


class Hostile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = World("security")
        cls.canary = Canary()
        cls.bot, cls.url, cls.data_dir = cls.w.start_bot("main", {"RUSTREVIEW_CONNECTION_TIMEOUT": "3"})
        cls.db = os.path.join(cls.data_dir, "rustreview.db")

    @classmethod
    def tearDownClass(cls):
        cls.canary.close()
        check_clean_exits(cls.w.close())

    def api_requests(self):
        return self.w.api_call("GET", "/_fake/requests")

    def test_01_foreign_urls_are_refused_before_queueing(self):
        canary = "http://127.0.0.1:%d" % self.canary.port
        cases = [
            (dict(clone_url="%s/%s/%s.git" % (canary, OWNER, REPO)), "not on the configured git host"),
            (dict(clone_url="http://localhost:%s/%s/%s.git" % (self.w.git_url.rsplit(":", 1)[1], OWNER, REPO)),
             "not on the configured git host"),
            (dict(clone_url="https://%s/%s/%s.git" % (self.w.git_url[7:], OWNER, REPO)),
             "not on the configured git host"),
            (dict(clone_url="%s@127.0.0.1:%d/x/y.git" % (self.w.git_url, self.canary.port)),
             "has characters a clone URL does not need"),
            (dict(clone_url="file://%s" % self.w.bare), "not an http(s) URL"),
            (dict(api_url="%s/repos/%s/%s" % (canary, OWNER, REPO)), "not on the configured API host"),
        ]
        before = len(self.api_requests())
        for edit, reason in cases:
            status, resp = self.w.deliver(self.url, self.w.payload(**edit))
            self.assertEqual(status, 400, (edit, resp))
            self.assertIn(reason, resp.get("error", ""), edit)
        time.sleep(0.3)
        self.assertEqual(h.job_rows(self.db), [])
        self.assertEqual(self.canary.hits, 0, "the bot connected to a host from a payload")
        self.assertEqual(len(self.api_requests()), before, "no API call for refused payloads")
        out = self.bot.output()
        self.assertIn('"event":"github.clone_url.refused"', out)
        self.assertIn('"event":"github.api_url.refused"', out)

    def test_02_queued_job_with_foreign_clone_url_fails_without_fetch(self):
        rq = {"forge": "github", "delivery_id": "tampered-1", "event": "pull_request",
              "action": "opened", "owner": OWNER, "repo": REPO,
              "clone_url": "http://127.0.0.1:%d/%s/%s.git" % (self.canary.port, OWNER, REPO),
              "api_url": None, "number": NUMBER, "base_ref": "main", "base_sha": self.w.base,
              "head_sha": self.w.head, "installation_id": INSTALLATION}
        now = int(time.time())
        con = sqlite3.connect(self.db, timeout=10)
        try:
            with con:
                cur = con.execute(
                    "INSERT INTO jobs (delivery_id, forge, owner, repo, number, head_sha, request_json,"
                    " state, attempts, not_before, created_at, updated_at)"
                    " VALUES (?, 'github', ?, ?, ?, ?, ?, 'queued', 0, 0, ?, ?)",
                    ("tampered-1", OWNER, REPO, NUMBER, self.w.head, json.dumps(rq), now, now))
                job_id = cur.lastrowid
        finally:
            con.close()
        rows = wait_settled(self.db)
        self.assertEqual([r[2] for r in rows if r[0] == job_id], ["failed"])
        self.assertIn("not on the configured git host", last_error(self.db, job_id))
        self.assertEqual(self.canary.hits, 0)
        reqs = self.api_requests()
        self.assertFalse([r for r in reqs if r["path"].endswith("/access_tokens")],
                         "no token minted for a foreign clone URL")
        con = sqlite3.connect(self.db, timeout=10)
        try:
            with con:
                con.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
        finally:
            con.close()

    def test_03_idle_connections_do_not_block_a_valid_delivery(self):
        port = int(self.url.rsplit(":", 1)[1])
        idle = []
        try:
            t0 = time.time()
            for _ in range(IDLE_CONNECTIONS):
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(b"POST /webhooks/github HTTP/1.1\r\nHost: x\r\n")   # and never finish
                idle.append(s)
            opened_ms = (time.time() - t0) * 1000
            t1 = time.time()
            status, resp = self.w.deliver(self.url, self.w.payload(), timeout=15)
            ack_ms = (time.time() - t1) * 1000
            self.assertEqual(status, 202, resp)
            self.assertEqual(resp.get("status"), "queued")
            h.log("e2e: %d idle connections opened in %.0f ms; a valid delivery was answered "
                  "202 in %.1f ms while they were held" % (IDLE_CONNECTIONS, opened_ms, ack_ms))
            rows = wait_settled(self.db)
            self.assertEqual([r[2] for r in rows], ["done"], self.bot.output()[-3000:])
            revs = self.w.api_call("GET", "/_fake/reviews?owner=%s&repo=%s&number=%d" % (OWNER, REPO, NUMBER))
            self.assertEqual(len(revs["reviews"]), 1)
            # RUSTREVIEW_CONNECTION_TIMEOUT=3: the idle ones are closed by the server.
            deadline = time.time() + 20
            closed = 0
            while time.time() < deadline and closed < len(idle):
                closed = 0
                for s in idle:
                    s.setblocking(False)
                    try:
                        data = s.recv(4096)
                        closed += data == b""
                    except BlockingIOError:
                        pass
                    except OSError:
                        closed += 1
                time.sleep(0.5)
            h.log("e2e: %d of %d idle connections closed by the server's timeout" % (closed, len(idle)))
            self.assertEqual(closed, len(idle))
        finally:
            for s in idle:
                s.close()

    def test_04_no_secret_in_data_dir_mirror_config_or_logs(self):
        with open(self.w.token_file) as f:
            tokens = [t.strip() for t in f if t.strip()]
        self.assertTrue(tokens, "an installation token was issued (test 03 ran a review)")
        with open(self.w.key) as f:
            key_lines = [l.strip() for l in f if l.strip() and "-----" not in l]
        needles = [t.encode() for t in tokens] + [SECRET.encode()] + [k.encode() for k in key_lines]
        configs = []
        for root, _, files in os.walk(self.data_dir):
            for n in files:
                path = os.path.join(root, n)
                if n == "config":
                    configs.append(path)
                with open(path, "rb") as f:
                    data = f.read()
                for needle in needles:
                    self.assertNotIn(needle, data, "a secret is in %s" % path)
        self.assertTrue(configs, "the mirror has a git config")
        for path in configs:
            with open(path) as f:
                text = f.read()
            self.assertNotIn("url =", text, "the mirror config records no remote URL")
        out = self.bot.output().encode()
        for needle in needles:
            self.assertNotIn(needle, out, "a secret is in the server's log")
        self.assertNotIn(b"Bearer", out)


class TLS(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = World("tls", tls=True)

    @classmethod
    def tearDownClass(cls):
        check_clean_exits(cls.w.close())

    def run_bot(self, name, extra):
        bot, url, data_dir = self.w.start_bot(name, extra)
        status, resp = self.w.deliver(url, self.w.payload())
        self.assertEqual(status, 202, resp)
        db = os.path.join(data_dir, "rustreview.db")
        rows = wait_settled(db)
        return bot, db, rows

    def test_05_without_the_ca_bundle_the_bot_refuses(self):
        before = len(self.w.api_call("GET", "/_fake/requests"))
        bot, db, rows = self.run_bot("no-ca", {})
        self.assertEqual([r[2] for r in rows], ["failed"], bot.output()[-3000:])
        self.assertIn("TLS certificate verification failed", last_error(db, rows[0][0]))
        self.assertIn("TLS certificate verification failed", bot.output())
        self.assertEqual(len(self.w.api_call("GET", "/_fake/requests")), before,
                         "nothing was sent over the unverified connection")

    def test_06_with_the_ca_bundle_it_works(self):
        bot, db, rows = self.run_bot("ca", {"RUSTREVIEW_GITHUB_CA_BUNDLE": self.w.ca})
        self.assertEqual([r[2] for r in rows], ["done"], bot.output()[-3000:])
        revs = self.w.api_call("GET", "/_fake/reviews?owner=%s&repo=%s&number=%d" % (OWNER, REPO, NUMBER))
        self.assertEqual(len(revs["reviews"]), 1)
        self.assertIn("unwrap_used", json.dumps(revs["reviews"][0]["comments"]))


if __name__ == "__main__":
    unittest.main(verbosity=2)
