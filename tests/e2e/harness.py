"""Shared plumbing for the end-to-end tests (standard library only).

Starts real processes on 127.0.0.1 — the smart-HTTP git server (githttp.py),
the fake forge API, and `rustreview serve` — and tears them down again.
"""
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("BUILD", "build")
BINARY = os.path.join(ROOT, BUILD, "rustreview")
FIXTURES = os.path.join(ROOT, "tests", "fixtures")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_file(path, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path) as f:
                return f.read().strip()
        time.sleep(0.02)
    raise RuntimeError("timed out waiting for %s" % path)


def git(cwd, *args, env=None):
    e = dict(os.environ)
    e.update({"GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
              "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com",
              "GIT_CONFIG_NOSYSTEM": "1", "HOME": cwd})
    if env:
        e.update(env)
    out = subprocess.run(["git", *args], cwd=cwd, env=e, check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return out.stdout.strip()


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


class Proc:
    """A child process whose output goes to a log file, stopped on close()."""

    def __init__(self, name, argv, logdir, env=None):
        self.name = name
        self.log_path = os.path.join(logdir, name + ".log")
        self.log = open(self.log_path, "w")
        if argv and argv[0] == BINARY and env is not None:
            # SIGTERM keeps the listener open for the whole grace period
            # (25 s by default): tests stop in 2 s unless they set their own.
            env = dict(env)
            env.setdefault("RUSTREVIEW_SHUTDOWN_GRACE", "2")
        self.p = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                  env=env, start_new_session=True)

    def alive(self):
        return self.p.poll() is None

    def close(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait()
        self.log.close()

    def output(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


def http(method, url, body=None, headers=None, timeout=10):
    """Returns (status, headers, body bytes) without raising on HTTP errors."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def github_signature(secret, body):
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def make_rsa_key(dirpath):
    key = os.path.join(dirpath, "app.pem")
    pub = os.path.join(dirpath, "app.pub.pem")
    subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    subprocess.run(["openssl", "rsa", "-in", key, "-pubout", "-out", pub], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.chmod(key, 0o600)
    return key, pub


def wait_http_ok(url, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            status, _, _ = http("GET", url, timeout=1)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("timed out waiting for %s" % url)


def job_rows(db_path):
    con = sqlite3.connect(db_path, timeout=5)
    try:
        return con.execute("SELECT id, delivery_id, state FROM jobs ORDER BY id").fetchall()
    finally:
        con.close()


class TempDir:
    def __init__(self, tag):
        self.path = tempfile.mkdtemp(prefix="rr-e2e-%s-" % tag)

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)


def log(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


class ServedTest:
    """Mixed into a unittest.TestCase (listed before it) whose tests share one
    world: setUpClass makes a temporary directory named after TAG and calls the
    class's build_repositories(t) and start_servers(t) (which ends with
    start_rustreview); tearDownClass, also when setUpClass fails, stops every
    process in cls.procs, the last started first, and removes the directory
    unless RR_KEEP_TMP is set."""
    TAG = "world"

    @classmethod
    def setUpClass(cls):
        cls.tmp = TempDir(cls.TAG)
        cls.procs = []
        try:
            cls.build_repositories(cls.tmp.path)
            cls.start_servers(cls.tmp.path)
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        for p in reversed(cls.procs):
            p.close()
        if os.environ.get("RR_KEEP_TMP"):
            log("kept %s" % cls.tmp.path)
        else:
            cls.tmp.cleanup()

    @classmethod
    def start_rustreview(cls, t, forge_env):
        """`rustreview serve` (2 workers, debug log) on a free port, its data dir
        <t>/data, with the forge's settings in forge_env; sets cls.url,
        data_dir, db and server once /healthz answers."""
        cls.data_dir = os.path.join(t, "data")
        port = free_port()
        cls.url = "http://127.0.0.1:%d" % port
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "RUSTREVIEW_LISTEN": "127.0.0.1:%d" % port,
               "RUSTREVIEW_DATA_DIR": cls.data_dir,
               "RUSTREVIEW_WORKERS": "2",
               "RUSTREVIEW_LOG_LEVEL": "debug"}
        env.update(forge_env)
        cls.server = Proc("rustreview", [BINARY, "serve"], t, env=env)
        cls.procs.append(cls.server)
        wait_http_ok(cls.url + "/healthz")
        cls.db = os.path.join(cls.data_dir, "rustreview.db")

    def wait_jobs_settled(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            rows = job_rows(self.db)
            if rows and all(r[2] in ("done", "failed", "superseded") for r in rows):
                return rows
            time.sleep(0.05)
        self.fail("jobs did not finish: %s\n%s" % (job_rows(self.db), self.server.output()[-4000:]))

    def mirrors(self):
        return [os.path.relpath(d, self.data_dir)
                for d, _, _ in os.walk(os.path.join(self.data_dir, "mirrors")) if d.endswith(".git")]

    def assert_no_secrets(self, *secrets):
        """None of the secrets in any file of the data dir nor in the server's log."""
        needles = [s.encode() for s in secrets]
        for root, _, files in os.walk(self.data_dir):
            for n in files:
                with open(os.path.join(root, n), "rb") as f:
                    data = f.read()
                for s in needles:
                    self.assertNotIn(s, data, "secret found in %s" % os.path.join(root, n))
        out = self.server.output().encode()
        for s in needles:
            self.assertNotIn(s, out, "secret found in the server's log")
